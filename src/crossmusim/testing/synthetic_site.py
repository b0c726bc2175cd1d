"""Synthetic encyclopedia sites of any size (both layouts), for the benchmark and resume tests."""

from __future__ import annotations

from collections.abc import Sequence

from crossmusim.demo.site import Entry, SiteSpec, demo_site_dir

_ARTISTS = ("周杰伦", "王菲", "陈奕迅", "林俊杰", "蔡依林", "朴树", "许巍", "孙燕姿", "Beyond", "五月天")
_GENRES = ("流行", "摇滚", "民谣", "电子", "爵士", "R&B", "古风", "说唱")

_OLD = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}（{artist}演唱歌曲）_百度百科</title>
<link rel="canonical" href="https://baike.baidu.com/item/{qtitle}/{pid}"></head><body>
<div class="main-content"><dl class="lemmaWgt-lemmaTitle"><dd class="lemmaWgt-lemmaTitle-title"><h1>{title}</h1></dd></dl>
<div class="lemma-summary"><div class="para">《{title}》是{artist}演唱的歌曲，由{lyricist}填词，{composer}谱曲，收录于专辑《{album}》中。<sup>[1]</sup></div></div>
<div class="basic-info"><dl class="basicInfo-block basicInfo-left">
<dt class="basicInfo-item name">中文名称</dt><dd class="basicInfo-item value">{title}</dd>
<dt class="basicInfo-item name">所属专辑</dt><dd class="basicInfo-item value">{album}</dd>
<dt class="basicInfo-item name">歌曲原唱</dt><dd class="basicInfo-item value">{artist}</dd>
<dt class="basicInfo-item name">填&nbsp;&nbsp;&nbsp;&nbsp;词</dt><dd class="basicInfo-item value">{lyricist}</dd>
<dt class="basicInfo-item name">谱&nbsp;&nbsp;&nbsp;&nbsp;曲</dt><dd class="basicInfo-item value">{composer}</dd>
<dt class="basicInfo-item name">音乐风格</dt><dd class="basicInfo-item value">{genre}</dd>
<dt class="basicInfo-item name">发行时间</dt><dd class="basicInfo-item value">{year}年{month:02d}月</dd>
<dt class="basicInfo-item name">歌曲时长</dt><dd class="basicInfo-item value">{minutes}分{seconds:02d}秒</dd>
</dl></div>
<div class="para-title level-2"><h2 class="title-text"><span class="title-prefix">{title}</span>创作背景</h2></div>
<div class="para">{artist}在{year}年创作了这首{genre}歌曲。</div>
<div class="para-title level-2"><h2 class="title-text"><span class="title-prefix">{title}</span>歌曲鉴赏</h2></div>
<div class="para">歌曲节奏{tempo}，以{instrument}为主要伴奏，情绪{mood}。</div>
<div id="open-tag"><dd id="open-tag-item"><span class="taglist">音乐作品</span></dd></div>
</div></body></html>"""

_NEW = """<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{title}（{artist}演唱歌曲）_百度百科</title>
<link rel="canonical" href="https://baike.baidu.com/item/{qtitle}/{pid}">
<script>window.PAGE_DATA= {{"lemmaId":{pid},"lemmaTitle":"{title}"}}</script></head><body><div id="root">
<h1 class="lemmaTitle_VtEfN J-lemma-title">{title}</h1>
<div class="lemmaSummary_SZLDx J-summary"><div class="para_YYuCh" data-tag="paragraph"><span class="text_H038s">《{title}》是{artist}演唱的歌曲，由{lyricist}填词，{composer}谱曲，收录于专辑《{album}》中。</span></div></div>
<div class="basicInfo_Gvg0x"><dl class="basicInfoBlock_Y8Nw9 left">
<div class="itemWrapper_r7_vY"><dt class="itemName_LS0Jv">中文名</dt><dd class="itemValue_AYbkR">{title}</dd></div>
<div class="itemWrapper_r7_vY"><dt class="itemName_LS0Jv">所属专辑</dt><dd class="itemValue_AYbkR">《{album}》</dd></div>
<div class="itemWrapper_r7_vY"><dt class="itemName_LS0Jv">歌曲原唱</dt><dd class="itemValue_AYbkR">{artist}</dd></div>
<div class="itemWrapper_r7_vY"><dt class="itemName_LS0Jv">填词</dt><dd class="itemValue_AYbkR">{lyricist}</dd></div>
<div class="itemWrapper_r7_vY"><dt class="itemName_LS0Jv">谱曲</dt><dd class="itemValue_AYbkR">{composer}</dd></div>
<div class="itemWrapper_r7_vY"><dt class="itemName_LS0Jv">音乐风格</dt><dd class="itemValue_AYbkR">{genre}</dd></div>
<div class="itemWrapper_r7_vY"><dt class="itemName_LS0Jv">发行时间</dt><dd class="itemValue_AYbkR">{year}-{month:02d}-01</dd></div>
<div class="itemWrapper_r7_vY"><dt class="itemName_LS0Jv">歌曲时长</dt><dd class="itemValue_AYbkR">{minutes:02d}:{seconds:02d}</dd></div>
</dl></div><div class="J-lemma-content">
<div class="paraTitle_pZHVl" data-tag="header" data-level="1"><h2>创作背景</h2></div>
<div class="para_YYuCh" data-tag="paragraph"><span class="text_H038s">{artist}在{year}年创作了这首{genre}歌曲。</span></div>
<div class="paraTitle_pZHVl" data-tag="header" data-level="1"><h2>歌曲鉴赏</h2></div>
<div class="para_YYuCh" data-tag="paragraph"><span class="text_H038s">歌曲节奏{tempo}，以{instrument}为主要伴奏，情绪{mood}。</span></div>
</div><div class="tagList_xSPqC"><a class="tagItem_V2Xrw">音乐作品</a></div></div></body></html>"""


def synthetic_song_html(i: int) -> str:
    from urllib.parse import quote

    title = f"合成歌曲{i:05d}"
    values = dict(
        title=title,
        qtitle=quote(title),
        pid=100000 + i,
        artist=_ARTISTS[i % len(_ARTISTS)],
        lyricist=f"词作者{i % 7}",
        composer=f"曲作者{i % 5}",
        album=f"专辑{i // 10}",
        genre=_GENRES[i % len(_GENRES)],
        year=1990 + i % 30,
        month=1 + i % 12,
        minutes=3 + i % 3,
        seconds=i % 60,
        tempo=("缓慢", "中速", "轻快")[i % 3],
        instrument=("钢琴", "吉他", "弦乐", "合成器")[i % 4],
        mood=("伤感", "欢快", "平静")[i % 3],
    )
    return (_OLD if i % 2 == 0 else _NEW).format(**values)


def synthetic_spec(
    n_songs: int, terms: Sequence[str] = ("流行", "摇滚", "民谣", "伤感"), page_size: int = 10
) -> SiteSpec:
    """`n_songs` song pages, spread over `terms`, alternating the two layouts."""
    entries = [
        Entry(
            path=f"/item/合成歌曲{i:05d}/{100000 + i}",
            terms=[terms[i % len(terms)]],
            abstract=f"《合成歌曲{i:05d}》是一首歌曲。",
            body=synthetic_song_html(i).encode("utf-8"),
        )
        for i in range(n_songs)
    ]
    challenge = (demo_site_dir() / "challenge.html").read_bytes()
    return SiteSpec(
        entries=entries, page_size=page_size, challenge=challenge, name=f"synthetic encyclopedia ({n_songs} songs)"
    )
