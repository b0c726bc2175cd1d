"""The world's labels in words: English and Chinese names, mood adjectives, tempo words, and the
aspect vocabulary built from them (so the offline aspect extractor knows the world's terms)."""

from __future__ import annotations

from crossmusim.demo.world.artists import BASSES, CHORDS, LEADS
from crossmusim.demo.world.labels import GENRES, MOODS, SCENARIOS, SUBGENRES

ZH = {
    "rock": "摇滚", "electronic": "电子", "jazz": "爵士", "hip-hop": "说唱",
    "punk": "朋克", "blues rock": "布鲁斯摇滚", "house": "浩室舞曲", "breakbeat": "碎拍",
    "swing": "摇摆爵士", "bossa nova": "波萨诺瓦", "boom bap": "老派嘻哈", "trap": "陷阱说唱",
    "happy": "欢快", "sad": "伤感", "tense": "紧张", "calm": "平静",
    "party": "派对", "road trip": "自驾旅行", "late night": "深夜独处", "rainy day": "下雨天",
    "workout": "健身运动", "thriller scene": "悬疑片段", "focus": "专注学习", "sleep": "睡前放松",
    "piano": "钢琴", "electric piano": "电钢琴", "vibraphone": "颤音琴", "organ": "风琴",
    "nylon guitar": "尼龙弦吉他", "clean guitar": "清音电吉他", "overdriven guitar": "失真电吉他",
    "trumpet": "小号", "alto sax": "中音萨克斯", "flute": "长笛", "square lead": "方波合成器",
    "saw lead": "锯齿波合成器", "strings": "弦乐", "synth pad": "合成器铺底", "warm pad": "温暖的铺底音色",
    "brass": "铜管", "acoustic bass": "低音提琴", "finger bass": "指弹贝斯", "pick bass": "拨片贝斯",
    "fretless bass": "无品贝斯", "synth bass": "合成贝斯", "drums": "鼓",
    # Drum kits in words without a genre in them ("jazz kit" would read as a genre to an aspect extractor).
    "standard kit": "标准鼓组", "room kit": "混响很大的鼓组", "power kit": "有力的鼓组", "electronic kit": "鼓机",
    "jazz kit": "刷子鼓组",
    "major": "大调", "minor": "小调", "phrygian": "弗里几亚调式", "lydian": "利底亚调式",
}  # fmt: skip
KIT_EN = {"standard kit": "a standard drum kit", "room kit": "a roomy drum kit", "power kit": "a punchy drum kit",
          "electronic kit": "a drum machine", "jazz kit": "brushed drums"}  # fmt: skip
MOOD_EN = {
    "happy": ["cheerful", "joyful", "upbeat", "bright"],
    "sad": ["melancholic", "sad", "wistful", "mournful"],
    "tense": ["tense", "dark", "uneasy", "ominous"],
    "calm": ["calm", "peaceful", "serene", "soothing"],
}
MOOD_ZH = {
    "happy": ["欢快", "愉快", "明朗"],
    "sad": ["伤感", "忧伤", "惆怅"],
    "tense": ["紧张", "阴郁", "不安"],
    "calm": ["平静", "宁静", "舒缓"],
}


def tempo_word(bpm: float, lang: str = "en") -> str:
    slow, fast = ("slow", "fast") if lang == "en" else ("缓慢", "轻快")
    middle = "mid-tempo" if lang == "en" else "中速"
    return slow if bpm < 100 else fast if bpm >= 135 else middle


def aspect_vocabulary() -> str:
    """The world's terms as an aspects `--vocab` TSV (canonical, category, synonyms separated by |)."""
    rows = ["# the demo world's terms: canonical<TAB>category<TAB>synonyms"]
    rows += [f"{g}\tgenre\t{ZH[g]}" for g in GENRES]
    rows += [f"{s.name}\tgenre\t{ZH[s.name]}" for s in SUBGENRES]
    rows += [f"{m.name}\tmood\t{'|'.join(w for w in MOOD_EN[m.name] + MOOD_ZH[m.name] if w != m.name)}" for m in MOODS]
    rows += [f"{s}\tscene\t{ZH[s]}" for s in sorted(set(SCENARIOS.values()))]
    instruments = sorted({*LEADS, *CHORDS, *BASSES} - {"warm pad"})
    rows += [f"{i}\tinstrument\t{ZH[i]}" for i in instruments]
    return "\n".join(rows) + "\n"
