"""The curation steps that look at one record at a time, in their order: what a local build streams
through and what `--engine ray` runs on a cluster's workers."""

from __future__ import annotations

from typing import Any

from crossmusim.aspects.lexicon import LexiconExtractor
from crossmusim.aspects.vocabulary import builtin_vocabulary
from crossmusim.curation.base import ForRecords
from crossmusim.curation.cleaning import Clean, SplitSentences
from crossmusim.curation.filters import (
    FactCheckFilter,
    IdentityFilter,
    LengthFilter,
    LLMStatusFilter,
    MusicRelevanceFilter,
    every_record,
    filter_scope,
)
from crossmusim.curation.language import DetectLanguage
from crossmusim.curation.masking import MaskNames


def per_record_steps(
    keep_contradicted: bool, mask: bool, masker: MaskNames, filters: tuple[str, ...] | None = None
) -> list[Any]:
    """The steps that look at one record at a time, in order (what `--engine ray` runs on the cluster).
    The length and relevance filters judge the records `filter_scope` gives them."""
    steps: list[Any] = [
        IdentityFilter(),
        LLMStatusFilter(),
        *([] if keep_contradicted else [FactCheckFilter()]),
        Clean(),
        DetectLanguage(),
    ]
    for name, step in (("length", LengthFilter), ("relevance", MusicRelevanceFilter)):
        scope = filter_scope(name, filters)
        if scope is not None:
            made = step() if step is LengthFilter else step(LexiconExtractor(builtin_vocabulary()))
            steps.append(made if scope is every_record else ForRecords(made, scope))
    if mask:
        steps.append(masker)
    steps.append(SplitSentences())
    return steps
