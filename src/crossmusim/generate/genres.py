"""The genre check: the genre a model states against the genres its song's page states.

Genre names differ by language and granularity (流行 / Mandopop / pop ballad), so both sides are
mapped to broad families first; a name may belong to several (synth-pop: pop and electronic). The
verdict is `agree` when the families meet, `contradict` when both sides name known families and none
is shared, and `unknown` when either side names none (抒情 and "ballad" are moods of any genre: no
family). Contradiction is meant to be safe to drop on: a page saying 摇滚 and a model saying
"electronic dance" are about different recordings.
"""

from __future__ import annotations

import re

from crossmusim.chinese import CJK, to_simplified

# family -> names (English matched as whole words, Chinese as substrings)
FAMILIES: dict[str, tuple[str, ...]] = {
    "pop": ("pop", "mandopop", "cantopop", "j-pop", "k-pop", "c-pop", "流行", "synthpop", "synth-pop"),
    "rock": ("rock", "punk", "grunge", "britpop", "摇滚", "朋克", "后摇"),
    "metal": ("metal", "金属"),
    "folk": ("folk", "民谣", "民歌", "singer-songwriter"),
    "electronic": (
        "electronic",
        "electronica",
        "edm",
        "house",
        "techno",
        "trance",
        "dubstep",
        "synthpop",
        "synth-pop",
        "电子",
        "电音",
        "舞曲",
        "dance",
    ),
    "hip hop": ("hip hop", "hip-hop", "rap", "trap", "说唱", "嘻哈"),
    "r&b": ("r&b", "rnb", "rhythm and blues", "soul", "funk", "节奏布鲁斯", "灵魂"),
    "jazz": ("jazz", "swing", "bossa nova", "爵士"),
    "blues": ("blues", "蓝调", "布鲁斯"),
    "country": ("country", "bluegrass", "乡村"),
    "classical": ("classical", "orchestral", "symphonic", "opera", "古典", "交响", "歌剧"),
    "chinese traditional": ("chinese traditional", "guofeng", "中国风", "古风", "民族", "戏曲", "国风"),
    "reggae": ("reggae", "ska", "雷鬼"),
    "latin": ("latin", "salsa", "tango", "拉丁"),
    "new age": ("new age", "ambient", "新世纪", "氛围"),
    "gospel": ("gospel", "christian", "福音", "赞美诗"),
}


def genre_families(text: str) -> set[str]:
    """The families whose names occur in `text` (any language)."""
    lowered = to_simplified(text or "").casefold().replace("_", " ")
    found = set()
    for family, names in FAMILIES.items():
        for name in names:
            hit = name in lowered if CJK.search(name) else re.search(rf"(?<![a-z]){re.escape(name)}(?![a-z])", lowered)
            if hit:
                found.add(family)
                break
    return found


def compare_genres(page_genres: list[str], stated: str) -> str:
    """agree / contradict / unknown: the page's genres against the genre a model stated."""
    ours = set().union(*(genre_families(g) for g in page_genres)) if page_genres else set()
    theirs = genre_families(stated)
    if not ours or not theirs:
        return "unknown"
    return "agree" if ours & theirs else "contradict"
