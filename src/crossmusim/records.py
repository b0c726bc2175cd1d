"""Record types that flow between stages, one small dataclass per thing.

Stages consume and yield iterators of these; `io.dumps_line` writes them as JSONL and `from_dict`
reads them back, ignoring keys a newer version added.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")


class RecordError(ValueError):
    """A row is not a record of the expected type; readers turn it into a file:line error."""


def record_of(data: dict[str, Any]) -> SongPage | Description | AspectRecord | None:
    """Which of crossmusim's own output records a JSON row is (crawl, generate, aspects), parsed;
    None for anything else (a user's own rows). Raises RecordError for a damaged record."""
    if not isinstance(data, dict):
        raise RecordError("not a JSON object")
    if "canonical_url" in data:
        return SongPage.from_dict(data)
    if "song_id" in data and "status" in data:
        return Description.from_dict(data)
    if "extractor" in data and "id" in data:
        return AspectRecord.from_dict(data)
    return None


def _from_dict(cls: type[T], data: dict[str, Any]) -> T:
    """The record in `data`: unknown keys (from a newer version) ignored, required fields checked."""
    if not isinstance(data, dict):
        raise RecordError("not a JSON object")
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    missing = [
        f.name
        for f in fields
        if f.name not in data and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    ]
    if missing:
        raise RecordError(f"not a {cls.__name__}: missing {', '.join(missing)}")
    names = {f.name for f in fields}
    return cls(**{k: v for k, v in data.items() if k in names})


@dataclass(frozen=True)
class QueryTerm:
    """A search term with the facet it stands for (genre, mood, theme, language, timbre, tempo...)."""

    term: str
    category: str = "custom"
    gloss: str = ""


@dataclass
class Provenance:
    """How a page was reached: the query term, its category and the search page that listed it."""

    query_term: str
    query_category: str
    search_url: str


@dataclass
class SongPage:
    """One music-work page of a web encyclopedia, parsed and normalised."""

    title: str
    canonical_url: str
    url: str = ""
    page_id: str | None = None
    artists: list[str] = field(default_factory=list)
    lyricists: list[str] = field(default_factory=list)
    composers: list[str] = field(default_factory=list)
    arrangers: list[str] = field(default_factory=list)
    album: str | None = None
    release_date: str | None = None  # ISO 8601: YYYY, YYYY-MM or YYYY-MM-DD
    languages: list[str] = field(default_factory=list)
    genres: list[str] = field(default_factory=list)
    duration_s: int | None = None
    foreign_title: str | None = None
    description: str = ""  # the short line under the title (周杰伦演唱歌曲)
    aliases: list[str] = field(default_factory=list)  # other titles that lead to this page
    summary: str = ""
    background: str = ""  # 创作背景
    review: str = ""  # 歌曲鉴赏 and its synonyms
    lyrics: str = ""  # 歌曲歌词 / 歌词内容
    sections: dict[str, str] = field(default_factory=dict)  # other sections by (simplified) heading
    infobox: dict[str, str] = field(default_factory=dict)  # normalised key -> raw value
    categories: list[str] = field(default_factory=list)
    layout: str = ""
    fetched_at: str = ""
    provenance: Provenance | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SongPage:
        page = _from_dict(cls, data)
        if isinstance(page.provenance, dict):
            page.provenance = _from_dict(Provenance, page.provenance)
        return page

    @property
    def song_id(self) -> str:
        """The page id, else the canonical URL: how later stages name this song."""
        return str(self.page_id or self.canonical_url)

    @property
    def artist(self) -> str:
        """All performers on one line, as the other stages take an artist."""
        return "、".join(a for a in self.artists if a) if isinstance(self.artists, list) else str(self.artists or "")

    @property
    def year(self) -> int | None:
        match = re.match(r"\s*(\d{4})", self.release_date or "")
        return int(match.group(1)) if match else None


@dataclass
class SongRef:
    """A song to describe: only what the LLM may see (artist, title; album and year when known)."""

    id: str
    title: str
    artist: str
    album: str | None = None
    year: int | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SongRef:
        return _from_dict(cls, data)


@dataclass
class Description:
    """One song's generated description, or its abstention, or the raw reply that failed."""

    song_id: str
    status: str  # described | abstained | failed
    title: str = ""
    artist: str = ""
    model: str = ""  # the name the user typed
    provider: str = ""
    model_id: str = ""
    prompt_version: str = ""
    lang: str = ""
    album: str | None = None
    year: int | None = None
    fields: dict[str, str] = field(default_factory=dict)  # genre, melody, ... lyrics
    description: str = ""
    fact_check: str = ""  # agree | contradict | unknown: the model's artist/year/album against ours
    facts: dict[str, Any] = field(default_factory=dict)  # per fact: ours, the model's, result
    grounded: bool = False  # the prompt carried the song's crawled page (generate --ground)
    ground_url: str | None = None  # that page's canonical URL
    grounded_on: list[str] = field(default_factory=list)  # the page facts the reply says it used
    genre_check: str = ""  # grounded: agree | contradict | unknown, the stated genre against the page's
    usage: dict[str, int] = field(default_factory=dict)
    cost_usd: float = 0.0
    cached: bool = False
    repaired: bool = False
    finish_reason: str = ""
    error: str | None = None
    raw: str | None = None  # the unusable reply, kept for audit

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Description:
        return _from_dict(cls, data)


@dataclass
class TextUnit:
    """One text to extract aspects from: a generated description, a scraped review, any text."""

    id: str
    field: str  # description | review | background | text
    text: str


@dataclass
class AspectRecord:
    id: str
    field: str
    lang: str
    extractor: str  # lexicon | llm:<model>
    status: str = "ok"  # ok | failed
    aspects: list[str] = field(default_factory=list)
    prompt_version: str | None = None
    usage: dict[str, int] = field(default_factory=dict)
    cost_usd: float = 0.0
    error: str | None = None
    raw: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AspectRecord:
        return _from_dict(cls, data)


@dataclass
class TextRecord:
    """One text about one song, as it flows through curation."""

    source: str  # cwe | llm:<model> | musiccaps | wikimute | song-describer | muchin | aspects:<extractor>
    source_id: str  # the source's own id of the song (page id, ytid, track id...)
    text_type: str  # caption | aspects | lyrics
    text: str
    title: str = ""
    artist: str = ""
    album: str = ""
    aliases: list[str] = field(default_factory=list)  # other names of the artist (English names...)
    title_aliases: list[str] = field(default_factory=list)  # other titles: foreign title, redirects
    aspects: list[str] = field(default_factory=list)
    language: str = ""
    status: str = ""  # generate's status for LLM texts
    fact_check: str = ""  # generate's fact check for LLM texts: agree | contradict | unknown
    genre_check: str = ""  # grounded LLM texts: the stated genre against the page's (generate.genres)
    origin: str = ""  # file:line, for audit
    masked: bool = False
    sentences: list[str] = field(default_factory=list)
