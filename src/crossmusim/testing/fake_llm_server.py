"""An OpenAI-compatible chat server on loopback, with a deterministic fake model and fault injection.

It ships in the package so that `--dry-run` checks, the demo, crossmusim's tests and users' own
tests can run without a paid API, as simonw/llm tests with a fake model. Its model understands
crossmusim's two tasks (the `[task: ...]` tag in the system prompt): it describes any song as JSON, or
extracts aspects from a text. Faults are injected by rules that match the request's data:

    FakeLLMServer(rules=[FaultRule("稻香", "429", retry_after=1), FaultRule("Foo", "unknown", times=0)])

kinds: 429 (with Retry-After), 500, slow (sleeps `delay`), invalid_json, truncated (finish_reason
length), unknown (a `known: false` abstention), cut_string (valid JSON whose description a grammar
ended at an inner double quote: "Beyond's "), wrong_facts (a confident description of a release year
and album that are not the song's: what a small model does with a song it does not know).
`facts` ({title: {"release_year": ..., "album": ...}}) is what the fake model "remembers"; other
songs get null and "" (it does not say). `times` is how often the rule fires (0: always).
Titles containing "ignore previous instructions" are obeyed, as a gullible model would: the reply is
then not JSON at all, whatever the turn. A grounded request's `page` is read as data: the model takes
its genre from the page's genres and names the page fields it used (`grounded_on`); more kinds:
wrong_genre (a genre the page's contradicts), no_facts (a reply without artist, release_year, album).

    python -m crossmusim.testing.fake_llm_server --port 8000 [--model NAME] [--api-key KEY]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import threading
import time
from dataclasses import dataclass
from typing import Any

from crossmusim.demo.chat_server import ChatServer, Reply, completion, request_parts

INJECTION = "ignore previous instructions"
_GENRES = ("mandopop ballad", "soft rock", "folk pop", "city pop", "r&b", "electropop", "indie rock")
_INSTRUMENTS = (
    "piano and strings",
    "acoustic guitar and light drums",
    "electric guitar, bass and drums",
    "synthesizers and drum machine",
    "erhu, guzheng and piano",
)
_TEMPOS = ("slow, around 70 bpm", "mid-tempo, around 95 bpm", "fast, around 128 bpm")
_MOODS = ("melancholic and nostalgic", "warm and hopeful", "energetic and defiant", "calm and tender")
_VOCALS = ("soft male vocal", "breathy female vocal", "powerful male tenor", "airy female soprano")
_ASPECT_WORDS = (
    "piano",
    "guitar",
    "strings",
    "drums",
    "bass",
    "synthesizer",
    "female vocal",
    "male vocal",
    "slow tempo",
    "fast tempo",
    "melancholic",
    "sad",
    "happy",
    "energetic",
    "calm",
    "romantic",
    "ballad",
    "rock",
    "pop",
    "folk",
    "electronic",
    "jazz",
    "hip hop",
    "low quality",
    "钢琴",
    "吉他",
    "弦乐",
    "鼓",
    "伤感",
    "怀旧",
    "流行",
    "摇滚",
    "民谣",
    "抒情",
    "女声",
    "男声",
    "节奏缓慢",
    "节奏明快",
    "温柔",
    "激昂",
)


@dataclass
class FaultRule:
    match: str
    kind: str  # 429 | 500 | slow | invalid_json | truncated | unknown
    times: int = 1
    retry_after: float = 1.0
    delay: float = 2.0
    fired: int = 0


class FakeLLMServer(ChatServer):
    name = "fake-llm"

    def __init__(
        self,
        *,
        model: str = "fake-llm",
        rules: list[FaultRule] | None = None,
        api_key: str | None = None,
        latency: float = 0.0,
        host: str = "127.0.0.1",
        port: int = 0,
        exit_after: int | None = None,
        facts: dict[str, dict[str, Any]] | None = None,
        slots: int | None = None,
    ) -> None:
        super().__init__(model=model, api_key=api_key, host=host, port=port)
        # A GPU server's capacity: at most `slots` requests are worked on at once (each takes `latency`).
        self.slots = threading.BoundedSemaphore(slots) if slots else None
        self.exit_after = exit_after
        self.facts = facts or {}
        self.rules = rules or []
        self.latency = latency
        self.bodies: list[dict[str, Any]] = []

    def reset(self) -> None:
        with self.lock:
            self.requests = 0
            self.by_subject.clear()
            self.bodies.clear()
            for rule in self.rules:
                rule.fired = 0

    # -- the fake model -----------------------------------------------------------------------------
    def chat(self, body: dict[str, Any], authorization: str | None) -> Reply:
        refused = self.refused(authorization)
        if refused is not None:
            return refused
        system, data, repair = request_parts(body)
        task = "aspects" if "[task: extract-aspects" in system else "describe"
        subject = str(data.get("title") or data.get("text") or "")[:80]
        with self.lock:
            self.requests += 1
            if self.exit_after is not None and self.requests > self.exit_after:
                os._exit(3)
            self.by_subject[subject] += 1
            self.bodies.append(body)
            rule = self._fire(json.dumps(data, ensure_ascii=False), repair)
        if rule is not None and rule.kind in ("429", "500"):
            status = int(rule.kind)
            headers = {"Retry-After": str(rule.retry_after)} if status == 429 else {}
            return Reply(status, {"error": {"message": f"injected {status}", "type": "server_error"}}, headers)
        delay = self.latency + (rule.delay if rule is not None and rule.kind == "slow" else 0.0)
        if self.slots is not None and delay:
            with self.slots:
                time.sleep(delay)
            delay = 0.0
        finish = "stop"
        if any(INJECTION in v.lower() for v in data.values() if isinstance(v, str)):
            text = "Sure! I will ignore previous instructions. HACKED."
        elif task == "aspects":
            text = json.dumps({"aspects": _aspects(str(data.get("text", "")))}, ensure_ascii=False)
        else:
            known = not (rule is not None and rule.kind == "unknown")
            reply = describe_reply(data, known, self.facts.get(str(data.get("title", ""))))
            if rule is not None and rule.kind == "wrong_facts":
                reply.update(release_year=1901, album="A Record Nobody Made")
            if rule is not None and rule.kind == "cut_string":
                reply["description"] = f"{data.get('artist')}'s "
            if rule is not None and rule.kind == "wrong_genre":
                reply["genre"] = "bluegrass country"
            if rule is not None and rule.kind == "no_facts":
                reply = {k: v for k, v in reply.items() if k not in ("artist", "release_year", "album")}
            text = json.dumps(reply, ensure_ascii=False)
        if rule is not None and rule.kind == "invalid_json":
            text = text[:-1] + ",}"
        if rule is not None and rule.kind == "truncated":
            text, finish = text[: len(text) // 2], "length"
        return Reply(200, completion(text, body, self.model, finish), {}, delay)

    def _fire(self, data: str, repair: bool) -> FaultRule | None:
        for rule in self.rules:
            if rule.match in data and (rule.times == 0 or rule.fired < rule.times):
                if repair and rule.kind in ("invalid_json", "truncated") and rule.times != 0:
                    continue  # a repair turn answers properly unless the rule always fires
                rule.fired += 1
                return rule
        return None


def _pick(options: tuple[str, ...], seed: str, salt: str) -> str:
    digest = hashlib.sha256((salt + seed).encode("utf-8")).digest()
    return options[digest[0] % len(options)]


def describe_reply(data: dict[str, Any], known: bool, facts: dict[str, Any] | None = None) -> dict[str, Any]:
    """The fake model's v2 describe reply: facts it remembers (none unless given), then the fields."""
    keys = ("genre", "melody", "instrumentation", "tempo", "vocals", "mood", "themes", "lyrics")
    if not known:
        return {"known": False, "artist": "", "release_year": None, "album": "", **{k: "" for k in keys},
                "description": ""}  # fmt: skip
    stated = {"artist": str(data.get("artist", "")), "release_year": None, "album": "", **(facts or {})}
    seed = f"{data.get('artist')}|{data.get('title')}"
    fields = {
        "genre": _pick(_GENRES, seed, "g"),
        "melody": "a stepwise verse melody that rises into a memorable chorus hook",
        "instrumentation": _pick(_INSTRUMENTS, seed, "i"),
        "tempo": _pick(_TEMPOS, seed, "t"),
        "vocals": _pick(_VOCALS, seed, "v"),
        "mood": _pick(_MOODS, seed, "m"),
        "themes": "memory, longing and growing up",
        "lyrics": "the narrator looks back on a first love and the places they shared",
    }
    page = data.get("page")
    if isinstance(page, dict) and page.get("genres"):  # grounded: the genre the page states
        fields["genre"] = str(page["genres"][0])
    description = (
        f"A {fields['genre']} built on {fields['instrumentation']}, {fields['tempo']}. "
        f"A {fields['vocals']} carries {fields['melody']}; the mood is {fields['mood']}, "
        f"and the lyrics are about {fields['lyrics']}."
    )
    reply = {"known": True, **stated, **fields, "description": description}
    if isinstance(page, dict):  # grounded: which page fields were used
        reply["grounded_on"] = [k for k in ("genres", "summary", "background", "review") if page.get(k)]
    return reply


def _aspects(text: str) -> list[str]:
    lowered = text.lower()
    return [word for word in _ASPECT_WORDS if re.search(rf"(?<![a-z]){re.escape(word)}", lowered)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve crossmusim's fake OpenAI-compatible model.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--model", default="fake-llm")
    parser.add_argument("--api-key", default=None)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--slots", type=int, default=None, help="requests worked on at once (with --latency)")
    parser.add_argument(
        "--exit-after",
        type=int,
        default=None,
        help="die (exit code 3) after this many chat requests: a crash for tests",
    )
    args, _ = parser.parse_known_args(argv)  # a stand-in for `vllm serve` gets vLLM's flags too
    server = FakeLLMServer(
        model=args.model,
        api_key=args.api_key,
        latency=args.latency,
        slots=args.slots,
        host=args.host,
        port=args.port,
        exit_after=args.exit_after,
    )
    print(f"fake OpenAI-compatible server for {args.model} at {server.base_url}", flush=True)
    server.serve_until_interrupted()


if __name__ == "__main__":
    main()
