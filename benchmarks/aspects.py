"""Offline aspect extractor measured on real data (no LLM), against two peers in the same run.

English: LP-MusicCaps "writing" captions (LLM-written from MusicCaps aspect lists), joined by caption
to MusicCaps for the gold `aspect_list`.
  - peer: plain substring matching of each item's own gold aspects (an oracle vocabulary);
  - ours, same oracle vocabulary: the lexicon matcher (stemming, order-free windows, misspellings);
  - ours, open vocabulary: built-in vocabulary + MusicCaps aspects of the *training* rows only
    (is_audioset_eval False, seen twice or more), matched by canonical tag; precision is stated.
Chinese: MuChin descriptions (professional and amateur) against their tags, vocabulary = built-in +
MuChin-V2 synonym maps; gold tags and predictions are both mapped to canonical tags.

    python benchmarks/aspects.py [--realdata ../shared/realdata]
"""

from __future__ import annotations

import argparse
import ast
import csv
import json
import time
from pathlib import Path

from crossmusim.aspects.lexicon import LexiconExtractor
from crossmusim.aspects.vocabulary import Vocabulary, add_muchin_v2, add_musiccaps, builtin_vocabulary


def musiccaps_eval(realdata: Path) -> list[tuple[str, list[str]]]:
    with (realdata / "musiccaps" / "musiccaps-public.csv").open(encoding="utf-8", newline="") as handle:
        by_caption = {row["caption"].strip(): row for row in csv.DictReader(handle)}
    inference = json.loads((realdata / "lp-music-caps" / "caption_writing" / "inference.json").read_text("utf-8"))
    items = []
    for entry in inference:
        row = by_caption.get(entry["ground_truth"].strip())
        if row is not None:
            items.append((entry["prediction"], ast.literal_eval(row["aspect_list"])))
    return items


def eval_ytids(realdata: Path) -> set[str]:
    with (realdata / "musiccaps" / "musiccaps-public.csv").open(encoding="utf-8", newline="") as handle:
        return {r["ytid"] for r in csv.DictReader(handle) if r["is_audioset_eval"] == "True"}


def substring_recall(items: list[tuple[str, list[str]]]) -> float:
    found = total = 0
    for text, gold in items:
        lowered = text.lower()
        total += len(gold)
        found += sum(1 for g in gold if g.strip().lower() in lowered)
    return found / total


def oracle_lexicon_recall(items: list[tuple[str, list[str]]]) -> float:
    found = total = 0
    for text, gold in items:
        vocab = Vocabulary()
        for g in gold:
            vocab.add(g, "gold", [])
        extracted = set(LexiconExtractor(vocab, prune_subsumed=False).extract(text))
        total += len(gold)
        found += sum(1 for g in gold if vocab.canonical(g) in extracted)
    return found / total


def open_vocabulary_scores(items: list[tuple[str, list[str]]], vocab: Vocabulary) -> tuple[float, float, float]:
    extractor = LexiconExtractor(vocab)
    hit_gold = total_gold = hit_pred = total_pred = 0
    started = time.perf_counter()
    for text, gold in items:
        predicted = set(extractor.extract(text))
        gold_tags = {vocab.canonical(g) for g in gold}
        total_gold += len(gold_tags)
        hit_gold += len(gold_tags & predicted)
        total_pred += len(predicted)
        hit_pred += len(predicted & gold_tags)
    rate = len(items) / (time.perf_counter() - started)
    return hit_gold / total_gold, hit_pred / max(total_pred, 1), rate


def muchin_items(realdata: Path) -> list[tuple[str, list[str]]]:
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
    items = musiccaps_eval(args.realdata)
    print(f"English: {len(items)} LP-MusicCaps writing captions, {sum(len(g) for _, g in items)} gold aspects")
    base = substring_recall(items)
    print(f"  peer, substring of own gold aspects:      recall {base:.3f}")
    oracle = oracle_lexicon_recall(items)
    print(f"  ours, lexicon matcher, own gold aspects:  recall {oracle:.3f}  ({oracle / base:.2f}x the peer)")
    vocab = builtin_vocabulary()
    add_musiccaps(vocab, args.realdata / "musiccaps" / "musiccaps-public.csv", exclude_ytids=eval_ytids(args.realdata))
    recall, precision, rate = open_vocabulary_scores(items, vocab)
    print(f"  ours, open vocabulary ({len(vocab)} forms, train rows only): recall {recall:.3f}, "
          f"precision {precision:.3f}, {rate:.0f} texts/s")

    zh = muchin_items(args.realdata)
    zh_vocab = builtin_vocabulary()
    add_muchin_v2(zh_vocab, args.realdata / "muchin-v2")
    zh_base = substring_recall(zh)
    recall, precision, rate = open_vocabulary_scores(zh, zh_vocab)
    print(f"Chinese: {len(zh)} MuChin descriptions, {sum(len(g) for _, g in zh)} gold tags")
    print(f"  peer, substring of own gold tags:        recall {zh_base:.3f}")
    print(f"  ours, jieba + vocabulary ({len(zh_vocab)} forms): recall {recall:.3f}, precision {precision:.3f} "
          f"(canonical tags), {rate:.0f} texts/s")


if __name__ == "__main__":
    main()
