"""Infobox and section knowledge of Chinese web encyclopedias, independent of any HTML layout.

One table maps every infobox key seen on real song pages (KdConv's Baike triples, the notes) to a
canonical field; Traditional-character keys are folded to Simplified first, so clones of the site
written in Traditional characters map through the same table.
"""

from __future__ import annotations

import functools
import re

from crossmusim.chinese import to_simplified

# Canonical field -> infobox keys (Simplified) that mean it.
_KEYS: dict[str, tuple[str, ...]] = {
    "title": ("中文名", "中文名称", "歌曲名称", "歌曲名", "歌名", "作品名称"),
    "foreign_title": ("外文名", "外文名称", "英文名", "英文名称"),
    "artists": ("歌曲原唱", "原唱", "演唱者", "演唱", "歌手", "演唱歌手", "原演唱者", "主唱", "表演者"),
    "lyricists": ("填词", "作词", "词作者"),
    "composers": ("谱曲", "作曲", "曲作者"),
    "arrangers": ("编曲",),
    "album": ("所属专辑", "收录专辑", "专辑"),
    "release_date": ("发行时间", "发行日期", "发布时间", "发布", "首发时间", "发行年份", "首播时间"),
    "genres": ("音乐风格", "流派", "音乐类型", "歌曲类型", "类别", "曲风", "风格"),
    "duration": ("歌曲时长", "时长", "长度", "歌曲长度"),
    "languages": ("歌曲语言", "语言", "语种"),
    "producer": ("制作人", "制片人", "监制"),
    "label": ("唱片公司", "发行公司", "出版者", "出品公司"),
    "mv_director": ("MV导演",),
    "mv_cast": ("MV主演",),
    "covers": ("翻唱", "歌曲翻唱", "翻唱版本"),
    "other_versions": ("国语版", "粤语版", "英文版"),
    "used_in": ("影视", "影视作品"),
    "musicians": ("键盘", "吉他", "贝斯", "贝司", "鼓手", "和声"),
    "summary": ("Information",),  # KdConv's name for the lemma summary
}
KEY_TABLE: dict[str, str] = {key: field for field, keys in _KEYS.items() for key in keys}

# Keys only a music work (song or single) carries; album, person and company pages lack them.
SONG_KEYS = frozenset(
    KEY_TABLE[k] for k in ("歌曲原唱", "填词", "谱曲", "编曲", "歌曲时长", "所属专辑", "歌曲语言", "MV导演")
)
# Keys that mark some other kind of page sharing a song's title.
NON_SONG_KEYS = frozenset(
    {
        "出生日期",
        "出生地",
        "职业",
        "国籍",
        "曲目数量",
        "专辑歌手",
        "专辑时长",
        "作者",
        "出版社",
        "上映时间",
        "导演",
        "类型",
        "成立时间",
        "总部地点",
        "页数",
        "ISBN",
        "出品时间",
    }
)
SONG_CATEGORIES = frozenset({"音乐作品", "歌曲", "单曲", "音乐", "流行歌曲", "音乐单曲"})

# Section heading (Simplified) -> SongPage field; other headings stay in `sections`.
SECTION_FIELDS: dict[str, str] = {
    "创作背景": "background",
    "歌曲背景": "background",
    "创作历程": "background",
    "背景": "background",
    "歌曲鉴赏": "review",
    "歌曲赏析": "review",
    "歌曲评价": "review",
    "作品鉴赏": "review",
    "作品赏析": "review",
    "音乐风格": "review",
    "歌曲点评": "review",
    "作品评价": "review",
    "鉴赏": "review",
    "歌曲歌词": "lyrics",
    "歌词内容": "lyrics",
    "歌词": "lyrics",
    "完整歌词": "lyrics",
}

_SPACES = re.compile(r"[\s\u00a0\u3000\u2002\u2003\u200b]+")


@functools.lru_cache(maxsize=4096)
def clean_key(raw: str) -> str:
    """`填&nbsp;&nbsp;词：` -> `填词`, Traditional folded to Simplified."""
    key = _SPACES.sub("", raw).strip(":：")
    return to_simplified(key)


def normalise_key(raw: str) -> str:
    """Canonical field for an infobox key, or the cleaned Simplified key itself when unknown."""
    key = clean_key(raw)
    return KEY_TABLE.get(key, KEY_TABLE.get(key.upper(), key))


def section_field(heading: str) -> str | None:
    return SECTION_FIELDS.get(clean_key(heading))


def clean_text(text: str) -> str:
    """Collapse whitespace, drop citation marks ([1], [2-3]) and edit-link leftovers."""
    text = re.sub(r"\[\s*\d+(?:\s*[-–,]\s*\d+)*\s*\]", "", text)
    text = text.replace("\u00a0", " ").replace("\u3000", " ")
    text = re.sub(r"[ \t\r\f\v]+", " ", text)
    text = re.sub(r" *\n *", "\n", text)
    return re.sub(r"\n{2,}", "\n", text).strip()


_NAME_SEPARATORS = re.compile(r"\s*[\n、,，/／&＆;；|]\s*|\s+(?:and|feat\.?|ft\.?)\s+|\s*(?:和|与|及)\s*")
_CJK_GAP = re.compile(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")


_GENRE_SEPARATORS = re.compile(r"\s*[\n、,，/／;；|]\s*")


def split_names(value: str) -> list[str]:
    """Split a credit list: `周耀辉、李卓雄`, `A / B`, `A & B`, `沙宝亮，黄绮珊 周晓鸥`."""
    value = _CJK_GAP.sub("、", clean_text(value).strip("《》 "))
    return _unique_parts(_NAME_SEPARATORS.split(value))


def split_genres(value: str) -> list[str]:
    """Split a style list without breaking `R&B` or `古典 RAP`: `流行 / 乡村`, `Dance-Rock，电子摇滚`."""
    return _unique_parts(_GENRE_SEPARATORS.split(clean_text(value)))


def _unique_parts(parts: list[str]) -> list[str]:
    names: list[str] = []
    for part in parts:
        name = re.sub(r"[（(][^）)]*[）)]", "", part).strip(" 《》\"“”'").removesuffix("等").strip()
        if name and name not in names:
            names.append(name)
    return names


def parse_album(value: str) -> str | None:
    album = clean_text(value).strip()
    match = re.search(r"《\s*([^》]+?)\s*》", album)
    return (match.group(1) if match else album) or None


_DATE_PATTERNS = (
    re.compile(r"(?P<y>\d{4})\s*年\s*(?:(?P<m>\d{1,2})\s*月\s*(?:(?P<d>\d{1,2})\s*日)?)?"),
    re.compile(r"(?P<y>\d{4})[-./](?P<m>\d{1,2})(?:[-./](?P<d>\d{1,2}))?"),
    re.compile(r"^(?P<y>\d{4})$"),
)


def parse_date(value: str) -> str | None:
    """Real formats to ISO: `2017年04月10日`, `2009-05-08`, `1989年`, `2000年01月`, `2003-9-2`."""
    value = clean_text(value)
    for pattern in _DATE_PATTERNS:
        match = pattern.search(value)
        if not match:
            continue
        year, month, day = match.group("y"), match.groupdict().get("m"), match.groupdict().get("d")
        if month and not 1 <= int(month) <= 12:
            month = day = None  # keep what is certain: the year
        if day and not 1 <= int(day) <= 31:
            day = None
        parts = [year] + [f"{int(p):02d}" for p in (month, day) if p]
        return "-".join(parts)
    return None


def parse_duration(value: str) -> int | None:
    """`4分21秒`, `04:21`, `4：57` (full-width colon), `1:02:03`, `3分`, `261秒` -> seconds."""
    value = clean_text(value).replace("：", ":")
    match = re.search(r"(?:(\d+)\s*(?:小时|时))?\s*(?:(\d+)\s*分(?:钟)?)?\s*(?:(\d+)\s*秒)?", value)
    if match and any(match.groups()):
        h, m, s = (int(g) if g else 0 for g in match.groups())
        return h * 3600 + m * 60 + s
    match = re.search(r"(\d{1,2}):(\d{2})(?::(\d{2}))?", value)
    if match:
        a, b, c = match.groups()
        return int(a) * 3600 + int(b) * 60 + int(c) if c else int(a) * 60 + int(b)
    return None


_CREDIT_ROLES = {
    "填词": "lyricists",
    "作词": "lyricists",
    "谱曲": "composers",
    "作曲": "composers",
    "编曲": "arrangers",
    "演唱": "artists",
}
_CREDIT_CLAUSE = re.compile(
    r"^(?:.*?由)?\s*(?P<names>[^，,。；;由是]+?)\s*(?:共同|一起|亲自|担任|负责)?\s*"
    r"(?P<role>填词|作词|谱曲|作曲|编曲)(?:并演唱)?$"
)
_SUNG_BY = re.compile(r"是\s*(?:由)?\s*(?P<names>[^，,。；;的是]{1,40}?)\s*(?:演唱|原唱)的")


def credits_from_prose(summary: str) -> dict[str, list[str]]:
    """Credits stated in the summary, e.g. `由周耀辉、李卓雄填词，林健华谱曲`."""
    found: dict[str, list[str]] = {}
    for clause in re.split(r"[，,。；;]", clean_text(summary)):
        match = _CREDIT_CLAUSE.match(clause.strip())
        if match:
            field = _CREDIT_ROLES[match.group("role")]
            for name in split_names(match.group("names")):
                found.setdefault(field, [])
                if name not in found[field]:
                    found[field].append(name)
    sung = _SUNG_BY.search(clean_text(summary))
    if sung:
        found["artists"] = split_names(sung.group("names"))
    return found
