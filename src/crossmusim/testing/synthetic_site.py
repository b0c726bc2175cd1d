"""Synthetic encyclopedia sites of any size (both layouts), for the benchmark and resume tests."""

from __future__ import annotations

from collections.abc import Sequence

from crossmusim.demo.site import Entry, SiteSpec, demo_site_dir
from crossmusim.demo.world.pages import song_page_html

_ARTISTS = ("周杰伦", "王菲", "陈奕迅", "林俊杰", "蔡依林", "朴树", "许巍", "孙燕姿", "Beyond", "五月天")
_GENRES = ("流行", "摇滚", "民谣", "电子", "爵士", "R&B", "古风", "说唱")


def synthetic_song_html(i: int) -> str:
    title, artist, genre = f"合成歌曲{i:05d}", _ARTISTS[i % len(_ARTISTS)], _GENRES[i % len(_GENRES)]
    lyricist, composer, album, year = f"词作者{i % 7}", f"曲作者{i % 5}", f"专辑{i // 10}", 1990 + i % 30
    old = i % 2 == 0
    infobox = [
        ("中文名称" if old else "中文名", title),
        ("所属专辑", album if old else f"《{album}》"),
        ("歌曲原唱", artist),
        ("填\xa0\xa0\xa0\xa0词" if old else "填词", lyricist),
        ("谱\xa0\xa0\xa0\xa0曲" if old else "谱曲", composer),
        ("音乐风格", genre),
        ("发行时间", f"{year}年{1 + i % 12:02d}月" if old else f"{year}-{1 + i % 12:02d}-01"),
        ("歌曲时长", f"{3 + i % 3}分{i % 60:02d}秒" if old else f"{3 + i % 3:02d}:{i % 60:02d}"),
    ]
    tempo, instrument, mood = (
        ("缓慢", "中速", "轻快")[i % 3],
        ("钢琴", "吉他", "弦乐", "合成器")[i % 4],
        ("伤感", "欢快", "平静")[i % 3],
    )
    review = f"歌曲节奏{tempo}，以{instrument}为主要伴奏，情绪{mood}。"
    return song_page_html(
        "old" if old else "new",
        title=title,
        artist=artist,
        page_id=100000 + i,
        summary=f"《{title}》是{artist}演唱的歌曲，由{lyricist}填词，{composer}谱曲，收录于专辑《{album}》中。",
        infobox=infobox,
        sections=[("创作背景", f"{artist}在{year}年创作了这首{genre}歌曲。"), ("歌曲鉴赏", review)],
    )


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
