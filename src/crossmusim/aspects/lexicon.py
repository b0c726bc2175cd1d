"""Offline aspect extraction: a music vocabulary matched in the text, no LLM.

English: stemmed, order-free phrase matching inside a small window (so "piano melody that is mellow"
finds "mellow piano melody"), tolerant to one-letter misspellings in long words, and skipping negated
mentions ("no drums"). Chinese: jieba segmentation with the vocabulary added to its dictionary, so
that tags are found as words, not as accidental substrings; negations (不/没有/无) are skipped too.
"""

from __future__ import annotations

import difflib
import functools
import logging
import re
from collections import defaultdict

from crossmusim.aspects.base import AspectExtractor, text_lang
from crossmusim.aspects.vocabulary import NEGATIONS, NOT_STEMMED, STOPWORDS, Vocabulary, en_tokens, is_chinese
from crossmusim.chinese import to_simplified
from crossmusim.records import AspectRecord, TextUnit

_ZH_NEGATIONS = ("不", "没有", "没", "无", "毫无", "缺乏")
_WINDOW_SLACK = 2  # extra tokens a phrase may be spread over
_CLAUSE = re.compile(r"[.,;:!?()\n，。；：！？、（）]+")


class LexiconExtractor(AspectExtractor):
    name = "lexicon"

    def __init__(self, vocabulary: Vocabulary, *, prune_subsumed: bool = True) -> None:
        self.vocabulary = vocabulary
        self.prune_subsumed = prune_subsumed
        self._en_phrases: dict[str, list[tuple[str, ...]]] = defaultdict(list)  # rarest token -> phrases
        self._en_tokens: set[str] = set()
        counts: dict[str, int] = defaultdict(int)
        en_keys = [k for k in vocabulary.canonical_of if isinstance(k, tuple) and k]
        for key in en_keys:
            for token in set(key):
                counts[token] += 1
        for key in en_keys:
            self._en_phrases[min(key, key=lambda t: counts[t])].append(key)
            self._en_tokens.update(key)
        self._zh_words = {k for k in vocabulary.canonical_of if isinstance(k, str)}

    # -- English ----------------------------------------------------------------------------------
    @functools.lru_cache(maxsize=65536)  # noqa: B019 (bounded; extractors live as long as a run)
    def _vocab_tokens_for(self, token: str) -> frozenset[str]:
        if token in self._en_tokens:
            return frozenset({token})
        if len(token) < 5 or token in NOT_STEMMED:  # real words, not misspellings of a tag (dances)
            return frozenset()
        close = difflib.get_close_matches(token, self._en_tokens, n=3, cutoff=0.88)
        return frozenset(t for t in close if abs(len(t) - len(token)) <= 1)

    def _extract_en(self, text: str) -> list[tuple[int, tuple[str, ...]]]:
        found: list[tuple[int, tuple[str, ...]]] = []
        offset = 0
        for clause in _CLAUSE.split(text):  # a phrase never spans a sentence or a comma
            tokens = en_tokens(clause)
            found += [(offset + start, phrase) for start, phrase in self._extract_clause(tokens)]
            offset += len(tokens)
        if self.prune_subsumed:
            keys = [set(p) for _, p in found]
            found = [(s, p) for (s, p), k in zip(found, keys, strict=True) if not any(k < other for other in keys)]
        return sorted(found)

    def _extract_clause(self, tokens: list[str]) -> list[tuple[int, tuple[str, ...]]]:
        positions: dict[str, list[int]] = defaultdict(list)
        for i, token in enumerate(tokens):
            if token in STOPWORDS:
                continue
            for vocab_token in self._vocab_tokens_for(token):
                positions[vocab_token].append(i)
        found: list[tuple[int, tuple[str, ...]]] = []
        for rare in list(positions):
            for phrase in self._en_phrases.get(rare, ()):
                start = self._window(phrase, positions)
                if start is not None and not self._negated(tokens, start, phrase):
                    found.append((start, phrase))
        return found

    @staticmethod
    def _window(phrase: tuple[str, ...], positions: dict[str, list[int]]) -> int | None:
        """Start of the tightest span holding every phrase token, if it is short enough."""
        if any(t not in positions for t in phrase):
            return None
        best: int | None = None
        for anchor in positions[phrase[0]]:
            span = [anchor]
            for token in phrase[1:]:
                span.append(min(positions[token], key=lambda p: abs(p - anchor)))
            if max(span) - min(span) < len(set(phrase)) + _WINDOW_SLACK and (best is None or min(span) < best):
                best = min(span)
        return best

    @staticmethod
    def _negated(tokens: list[str], start: int, phrase: tuple[str, ...]) -> bool:
        if any(t in NEGATIONS for t in phrase):
            return False
        before = tokens[max(0, start - 2) : start]
        return any(t in NEGATIONS for t in before)

    # -- Chinese ----------------------------------------------------------------------------------
    @functools.cached_property
    def _jieba(self):
        import jieba

        jieba.setLogLevel(logging.WARNING)
        tokenizer = jieba.Tokenizer()
        for word in self._zh_words:
            tokenizer.add_word(word, freq=2000)
        return tokenizer

    def _extract_zh(self, text: str) -> list[str]:
        words = self._jieba.lcut(to_simplified(text))  # Traditional-character texts use the same tags
        found: list[str] = []
        for i, word in enumerate(words):
            before = "".join(words[max(0, i - 2) : i])
            if before.endswith(_ZH_NEGATIONS):
                continue
            found += self._zh_in_word(word.strip().lower())
        return found

    def _zh_in_word(self, word: str) -> list[str]:
        """The word itself when it is a tag, else the tags inside a compound (钢琴伴奏 -> 钢琴)."""
        if word in self._zh_words:
            return [word]
        tags: list[str] = []
        i = 0
        while i < len(word) - 1:
            for j in range(min(len(word), i + 8), i + 1, -1):  # longest tag first
                if word[i:j] in self._zh_words:
                    tags.append(word[i:j])
                    i = j
                    break
            else:
                i += 1
        return tags

    # -- both -------------------------------------------------------------------------------------
    async def record(self, unit: TextUnit) -> AspectRecord:
        return AspectRecord(unit.id, unit.field, text_lang(unit.text), self.name, aspects=self.extract(unit.text))

    def extract(self, text: str) -> list[str]:
        """Canonical aspects of one description (zh or en)."""
        tags: list[str] = []
        if is_chinese(text):
            tags += [self.vocabulary.canonical_of[w] for w in self._extract_zh(text)]
        tags += [self.vocabulary.canonical_of[p] for _, p in self._extract_en(text)]
        seen: set[str] = set()
        return [t for t in tags if not (t in seen or seen.add(t))]
