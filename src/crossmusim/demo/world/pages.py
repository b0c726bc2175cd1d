"""Encyclopedia pages for the world's songs in both of the real site's layouts (see the module
`crossmusim.crawlers.parsing`), and the site that serves them: each page is found by searching the
genre, sub-genre and mood it states (in Chinese), and artist pages (people, not songs) share the
genre searches, as on the real site, for the crawler to recognise and drop.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from urllib.parse import quote

from crossmusim.demo.site import Entry, SiteSpec, demo_site_dir
from crossmusim.demo.world.artists import Song
from crossmusim.demo.world.labels import GENRES, MOODS, SUBGENRES
from crossmusim.demo.world.words import ZH
from crossmusim.demo.world.writing import Rates, background_zh, review_zh, said, text_rng

_OLD = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}（{artist}演唱歌曲）_百度百科</title>
<link rel="canonical" href="https://baike.baidu.com/item/{qtitle}/{pid}"></head><body>
<div class="main-content"><dl class="lemmaWgt-lemmaTitle"><dd class="lemmaWgt-lemmaTitle-title"><h1>{title}</h1></dd></dl>
<div class="lemma-summary"><div class="para">{summary}<sup>[1]</sup></div></div>
<div class="basic-info"><dl class="basicInfo-block basicInfo-left">{infobox}</dl></div>
{sections}
<div id="open-tag"><dd id="open-tag-item"><span class="taglist">音乐作品</span></dd></div>
</div></body></html>"""
_OLD_ITEM = '<dt class="basicInfo-item name">{key}</dt><dd class="basicInfo-item value">{value}</dd>'
_OLD_SECTION = """<div class="para-title level-2"><h2 class="title-text"><span class="title-prefix">{title}</span>{heading}</h2></div>
<div class="para">{text}</div>"""

_NEW = """<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{title}（{artist}演唱歌曲）_百度百科</title>
<link rel="canonical" href="https://baike.baidu.com/item/{qtitle}/{pid}">
<script>window.PAGE_DATA= {{"lemmaId":{pid},"lemmaTitle":"{title}"}}</script></head><body><div id="root">
<h1 class="lemmaTitle_VtEfN J-lemma-title">{title}</h1>
<div class="lemmaSummary_SZLDx J-summary"><div class="para_YYuCh" data-tag="paragraph"><span class="text_H038s">{summary}</span></div></div>
<div class="basicInfo_Gvg0x"><dl class="basicInfoBlock_Y8Nw9 left">{infobox}</dl></div><div class="J-lemma-content">
{sections}
</div><div class="tagList_xSPqC"><a class="tagItem_V2Xrw">音乐作品</a></div></div></body></html>"""
_NEW_ITEM = (
    '<div class="itemWrapper_r7_vY"><dt class="itemName_LS0Jv">{key}</dt><dd class="itemValue_AYbkR">{value}</dd></div>'
)
_NEW_SECTION = """<div class="paraTitle_pZHVl" data-tag="header" data-level="1"><h2>{heading}</h2></div>
<div class="para_YYuCh" data-tag="paragraph"><span class="text_H038s">{text}</span></div>"""

_PERSON = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>{name}（歌手）_百度百科</title>
<link rel="canonical" href="https://baike.baidu.com/item/{qname}/{pid}"></head><body>
<div class="main-content"><dl class="lemmaWgt-lemmaTitle"><dd class="lemmaWgt-lemmaTitle-title"><h1>{name}</h1></dd></dl>
<div class="lemma-summary"><div class="para">{name}，音乐人，作品涉及{genres}等风格。</div></div>
<div class="basic-info"><dl class="basicInfo-block basicInfo-left">
<dt class="basicInfo-item name">中文名</dt><dd class="basicInfo-item value">{name}</dd>
<dt class="basicInfo-item name">职&nbsp;&nbsp;&nbsp;&nbsp;业</dt><dd class="basicInfo-item value">歌手、音乐制作人</dd>
<dt class="basicInfo-item name">代表作品</dt><dd class="basicInfo-item value">{works}</dd>
</dl></div>
<div class="para-title level-2"><h2 class="title-text"><span class="title-prefix">{name}</span>音乐作品</h2></div>
<table class="table-view log-set-param"><tr><th>歌曲名称</th><th>发行时间</th><th>所属专辑</th></tr>
{works_rows}</table>
<div id="open-tag"><dd id="open-tag-item"><span class="taglist">人物</span></dd></div>
</div></body></html>"""
_WORK_ROW = "<tr><td>{title}</td><td>{year}年</td><td>《{album}》</td></tr>"


def song_page_html(
    layout: str, *, title: str, artist: str, page_id: int, summary: str, infobox: list[tuple[str, str]],
    sections: list[tuple[str, str]],
) -> str:  # fmt: skip
    """A song page in the `old` (2014-2022) or `new` (2023 on) layout; texts are escaped here."""
    item, section, page = (_OLD_ITEM, _OLD_SECTION, _OLD) if layout == "old" else (_NEW_ITEM, _NEW_SECTION, _NEW)
    esc = html.escape
    return page.format(
        title=esc(title),
        artist=esc(artist),
        qtitle=quote(title),
        pid=page_id,
        summary=esc(summary),
        infobox="\n".join(item.format(key=k, value=esc(v)) for k, v in infobox),
        sections="\n".join(section.format(title=esc(title), heading=h, text=esc(t)) for h, t in sections),
    )


@dataclass(frozen=True)
class PageRates:
    """How much of the world has a page, and how its reviews go wrong."""

    coverage: float = 0.7  # share of songs with a page
    texts: Rates = Rates(vague=0.25, wrong=0.15)


def world_page(song: Song, index: int, seed: int, rates: PageRates) -> tuple[Entry | None, str]:
    """The song's page and the kind of text on it (true, vague or wrong); None when it has no page."""
    rng = text_rng(seed, song, "page")
    if rng.random() >= rates.coverage:
        return None, "none"
    kind = rates.texts.draw(rng)
    facts = said(song, kind, rng)
    page_id = 200000 + index
    name = song.artist.name
    infobox = [("中文名称" if rng.random() < 0.5 else "中文名", song.title), ("所属专辑", f"《{song.album}》"),
               ("歌曲原唱", name), ("音乐风格", ZH[facts.genre]),
               ("发行时间", f"{song.year}年{rng.randint(1, 12):02d}月"), ("歌曲时长", f"{rng.randint(2, 4)}分{rng.randint(0, 59)}秒"),
               ("歌曲语言", "华语" if song.artist.language == "zh" else "英语")]  # fmt: skip
    sections = [("歌曲鉴赏" if rng.random() < 0.7 else "歌曲赏析", review_zh(song, facts, kind, rng))]
    if rng.random() < 0.6:
        sections.insert(0, ("创作背景", background_zh(song, facts, kind, rng)))
    summary = f"《{song.title}》是{name}演唱的歌曲，收录于{song.year}年发行的专辑《{song.album}》中。"
    layout = "old" if rng.random() < 0.5 else "new"
    body = song_page_html(layout, title=song.title, artist=name, page_id=page_id, summary=summary, infobox=infobox,
                          sections=sections)  # fmt: skip
    terms = [ZH[facts.genre]]  # a vague page's facts are the song's own: it only says less
    if kind != "vague":
        terms += [ZH[facts.subgenre], ZH[facts.mood]]
    entry = Entry(path=f"/item/{song.title}/{page_id}", terms=terms, abstract=summary, body=body.encode("utf-8"))
    return entry, kind


def person_page(songs: list[Song], index: int) -> Entry:
    """The artist's page: three songs in the infobox's 代表作品, every song in the 音乐作品 table; found by
    the genre searches (for the crawler to drop) and by the artist's name (for `crossmusim songs`)."""
    artist = songs[0].artist
    genres = "、".join(ZH[g] for g in artist.genres)
    esc = html.escape
    rows = "\n".join(_WORK_ROW.format(title=esc(s.title), year=s.year, album=esc(s.album)) for s in songs)
    body = _PERSON.format(name=esc(artist.name), qname=quote(artist.name), pid=900000 + index, genres=genres,
                          works="、".join(f"《{esc(s.title)}》" for s in songs[:3]), works_rows=rows)  # fmt: skip
    return Entry(path=f"/item/{artist.name}/{900000 + index}", terms=[ZH[g] for g in artist.genres] + [artist.name],
                 abstract=f"{artist.name}，音乐人。", body=body.encode("utf-8"))  # fmt: skip


def world_site(songs: list[Song], seed: int, rates: PageRates | None = None) -> tuple[SiteSpec, dict[str, str]]:
    """The site of the world's pages, and the kind of text each song's page holds ('none': no page)."""
    rates = rates or PageRates()
    entries, kinds = [], {}
    for index, song in enumerate(songs):
        entry, kinds[song.id] = world_page(song, index, seed, rates)
        if entry is not None:
            entries.append(entry)
    by_artist: dict[str, list[Song]] = {}
    for song in songs:
        by_artist.setdefault(song.artist.id, []).append(song)
    entries += [person_page(group, i) for i, group in enumerate(by_artist.values())]
    challenge = (demo_site_dir() / "challenge.html").read_bytes()
    spec = SiteSpec(
        entries=entries, page_size=10, challenge=challenge, name=f"the demo world's encyclopedia ({len(songs)} songs)"
    )
    return spec, kinds


def world_terms() -> str:
    """The crawl's queries for the world (category<TAB>term): genres, sub-genres and moods in Chinese."""
    rows = [f"genre\t{ZH[g]}" for g in GENRES] + [f"genre\t{ZH[s.name]}" for s in SUBGENRES]
    rows += [f"mood\t{ZH[m.name]}" for m in MOODS]
    return "# the demo world's queries: category<TAB>term\n" + "\n".join(rows) + "\n"
