"""`vllm.sampling_params` as crossmusim uses it."""

from __future__ import annotations


class StructuredOutputsParams:
    def __init__(self, json=None, regex=None, choice=None, grammar=None) -> None:
        self.json = json


class SamplingParams:
    def __init__(self, temperature=1.0, max_tokens=16, seed=None, structured_outputs=None, **kwargs) -> None:
        self.temperature, self.max_tokens, self.seed = temperature, max_tokens, seed
        self.structured_outputs = structured_outputs
