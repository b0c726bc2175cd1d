"""Offline aspect extractor measured on real data (no LLM), against peers in the same run.

Every row is scored the same way: precision and recall of canonical tags against the same gold.

English: LP-MusicCaps "writing" captions (LLM-written from MusicCaps aspect lists of the evaluation
rows), joined by caption to MusicCaps for the gold `aspect_list`.
  - oracle rows (each caption's own gold aspects as the vocabulary): plain substring matching against
    the lexicon matcher (stemming, order-free windows, misspellings). Precision is 1 by construction
    there (only gold forms can be found), so these rows measure matching recall only.
  - open-vocabulary rows, the comparison that counts: built-in vocabulary + MusicCaps aspects of the
    *training* rows only; the peer finds each vocabulary form as a whole-word substring, crossmusim
    runs its lexicon extractor; both map what they find to the same canonical tags.
  - the open vocabulary's two settings (minimum count of a MusicCaps phrase, pruning of tags subsumed
    by a more specific one) are chosen by F1 on MusicCaps *training* rows (vocabulary from 80 % of
    them, human captions of the other 20 % scored); the evaluation captions are never used to choose.
Chinese: MuChin descriptions (professional and amateur) against their tags, vocabulary = built-in +
MuChin-V2 synonym maps; gold tags and predictions are both mapped to canonical tags.

    python benchmarks/aspects.py [--realdata ../shared/realdata]
"""

from __future__ import annotations

import argparse
import ast
import csv
import hashlib
import json
import re
import time
from collections import Counter
from importlib import resources
from pathlib import Path

from crossmusim.aspects.lexicon import LexiconExtractor
from crossmusim.aspects.vocabulary import (
    Vocabulary,
    add_muchin_v2,
    add_musiccaps,
    add_tsv,
    builtin_vocabulary,
    is_category_label,
    is_chinese,
)

Items = list[tuple[str, list[str]]]
SETTINGS = [(min_count, prune) for min_count in (1, 2, 3) for prune in (True, False)]


class RecordingVocabulary(Vocabulary):
    """A vocabulary that also keeps every surface form, for the whole-word substring peer."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: set[str] = set()

    def add(self, canonical: str, category: str, surfaces: list[str]) -> None:
        super().add(canonical, category, surfaces)
        self.forms.update(s.strip().lower() for s in [canonical, *surfaces] if s.strip())


def open_vocabulary(realdata: Path, min_count: int, exclude_ytids: set[str]) -> RecordingVocabulary:
    """The built-in vocabulary plus MusicCaps aspects seen >= min_count times outside `exclude_ytids`."""
    vocab = RecordingVocabulary()
    builtin = (resources.files("crossmusim.aspects") / "data" / "vocab.tsv").read_text(encoding="utf-8")
    add_tsv(vocab, builtin, "built-in vocab.tsv")
    add_musiccaps(
        vocab, realdata / "musiccaps" / "musiccaps-public.csv", min_count=min_count, exclude_ytids=exclude_ytids
    )
    return vocab


def musiccaps_rows(realdata: Path) -> list[dict[str, str]]:
    with (realdata / "musiccaps" / "musiccaps-public.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def musiccaps_eval(realdata: Path, rows: list[dict[str, str]]) -> Items:
    by_caption = {row["caption"].strip(): row for row in rows}
    inference = json.loads((realdata / "lp-music-caps" / "caption_writing" / "inference.json").read_text("utf-8"))
    items = []
    for entry in inference:
        row = by_caption.get(entry["ground_truth"].strip())
        if row is not None:
            items.append((entry["prediction"], ast.literal_eval(row["aspect_list"])))
    return items


def is_tuning_row(ytid: str) -> bool:
    """A fixed fifth of the training rows, by hash: held out from the tuning vocabulary."""
    return hashlib.sha1(ytid.encode("utf-8")).digest()[0] % 5 == 0


def scores(items: Items, extract, canonical) -> tuple[float, float, float]:
    """Recall and precision of canonical tags (micro-averaged), and texts per second."""
    hit = total_gold = total_pred = 0
    started = time.perf_counter()
    for text, gold in items:
        predicted = set(extract(text))
        gold_tags = {canonical(g) for g in gold}
        total_gold += len(gold_tags)
        total_pred += len(predicted)
        hit += len(gold_tags & predicted)
    rate = len(items) / (time.perf_counter() - started)
    return hit / max(total_gold, 1), hit / max(total_pred, 1), rate


def f1(recall: float, precision: float) -> float:
    return 2 * recall * precision / max(recall + precision, 1e-12)


def substring_extractor(vocab: RecordingVocabulary):
    """The peer: every vocabulary form that occurs as whole words, mapped to its canonical tag."""
    patterns = [
        (form, re.compile(r"(?<![a-z0-9])" + re.escape(form) + r"(?![a-z0-9])"))
        for form in sorted(vocab.forms)
        if not is_chinese(form)
    ]

    def extract(text: str) -> list[str]:
        lowered = text.lower()
        return [vocab.canonical(form) for form, pattern in patterns if form in lowered and pattern.search(lowered)]

    return extract


def oracle_scores(items: Items, kind: str) -> tuple[float, float]:
    hit = total_gold = total_pred = 0
    for text, gold in items:
        vocab = RecordingVocabulary()
        for g in gold:
            vocab.add(g, "gold", [])
        if kind == "substring":
            predicted = {vocab.canonical(g) for g in gold if g.strip().lower() in text.lower()}
        else:
            predicted = set(LexiconExtractor(vocab, prune_subsumed=False).extract(text))
        gold_tags = {vocab.canonical(g) for g in gold}
        total_gold += len(gold_tags)
        total_pred += len(predicted)
        hit += len(gold_tags & predicted)
    return hit / total_gold, hit / max(total_pred, 1)


def choose_settings(realdata: Path, rows: list[dict[str, str]], eval_ytids: set[str]) -> tuple[int, bool]:
    train = [r for r in rows if r["ytid"] not in eval_ytids]
    tuning = [(r["caption"], ast.literal_eval(r["aspect_list"])) for r in train if is_tuning_row(r["ytid"])]
    held_out = eval_ytids | {r["ytid"] for r in train if is_tuning_row(r["ytid"])}
    print(
        f"  settings chosen on {len(tuning)} MusicCaps training captions (vocabulary from the other "
        f"{len(train) - len(tuning)} training rows):"
    )
    best: tuple[float, tuple[int, bool]] | None = None
    for min_count, prune in SETTINGS:
        vocab = open_vocabulary(realdata, min_count, held_out)
        recall, precision, _ = scores(tuning, LexiconExtractor(vocab, prune_subsumed=prune).extract, vocab.canonical)
        print(
            f"    min count {min_count}, prune {'on ' if prune else 'off'}: recall {recall:.3f}, "
            f"precision {precision:.3f}, F1 {f1(recall, precision):.3f}"
        )
        if best is None or f1(recall, precision) > best[0]:
            best = (f1(recall, precision), (min_count, prune))
    assert best is not None
    return best[1]


def muchin_items(realdata: Path) -> Items:
    items = []
    for song in sorted((realdata / "muchin" / "bm-data").iterdir()):
        for name in ("prof_desc_json", "amat_desc_json"):
            path = song / name
            if not path.exists():
                continue
            for answer in json.loads(path.read_text(encoding="utf-8")).get("ans", []):
                tags = [v for t in answer.get("tags", []) for v in t.get("value", []) if v.strip()]
                if answer.get("desc", "").strip() and tags:
                    items.append((answer["desc"], tags))
    return items


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--realdata", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "realdata")
    args = parser.parse_args()
    rows = musiccaps_rows(args.realdata)
    eval_ytids = {r["ytid"] for r in rows if r["is_audioset_eval"] == "True"}
    items = musiccaps_eval(args.realdata, rows)
    print(f"English: {len(items)} LP-MusicCaps writing captions, {sum(len(g) for _, g in items)} gold aspects")
    for kind, label in (("substring", "peer, substring"), ("lexicon", "ours, lexicon matcher")):
        recall, precision = oracle_scores(items, kind)
        print(f"  {label:22s} own gold aspects (oracle): recall {recall:.3f}, precision {precision:.3f}")
    min_count, prune = choose_settings(args.realdata, rows, eval_ytids)
    vocab = open_vocabulary(args.realdata, min_count, eval_ytids)
    print(
        f"  open vocabulary: built-in + MusicCaps training rows seen >= {min_count} times ({len(vocab)} forms), "
        f"pruning {'on' if prune else 'off'}:"
    )
    peer = scores(items, substring_extractor(vocab), vocab.canonical)
    ours = scores(items, LexiconExtractor(vocab, prune_subsumed=prune).extract, vocab.canonical)
    for label, (recall, precision, rate) in (("peer, whole-word substring", peer), ("ours, lexicon extractor", ours)):
        print(
            f"    {label:27s} recall {recall:.3f}, precision {precision:.3f}, F1 {f1(recall, precision):.3f}, "
            f"{rate:.0f} texts/s"
        )

    zh = muchin_items(args.realdata)
    print(f"Chinese: {len(zh)} MuChin descriptions, {sum(len(g) for _, g in zh)} gold tags")
    recall, precision = oracle_scores(zh, "substring")
    print(f"  peer, substring, own gold tags (oracle): recall {recall:.3f}, precision {precision:.3f}")
    for coarse in (True, False):
        zh_vocab = builtin_vocabulary()
        add_muchin_v2(zh_vocab, args.realdata / "muchin-v2", clusters_as_tags=coarse)
        extract = LexiconExtractor(zh_vocab).extract
        recall, precision, rate = scores(zh, extract, zh_vocab.canonical)
        found = Counter(tag for text, _ in zh for tag in extract(text))
        labels = sum(n for tag, n in found.items() if is_category_label(tag))
        label = "every form mapped to its cluster label" if coarse else "specific clusters only (default)"
        print(f"  ours, jieba + MuChin-V2 maps, {label} ({len(zh_vocab)} forms): recall {recall:.3f}, "
              f"precision {precision:.3f}, {rate:.0f} texts/s; category labels among {sum(found.values())} "
              f"aspects found: {labels} (其他 {found['其他']})")  # fmt: skip


if __name__ == "__main__":
    main()
