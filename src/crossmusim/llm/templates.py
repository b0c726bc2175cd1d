"""Versioned prompt templates and building messages from them.

Each feature package owns its templates (`<package>/templates/<task>.<version>.<lang>.txt`); this
module reads and fills them. Input data is embedded as a JSON object, so a title such as "ignore
previous instructions" stays a quoted string inside data.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

from crossmusim.errors import UserError
from crossmusim.llm.base import Message

LANGS = ("en", "zh")
_SECTION = re.compile(r"^=== (\w+) ===$", re.M)


@dataclass(frozen=True)
class PromptTemplate:
    task: str
    version: str
    lang: str
    system: str
    user: str
    repair: str
    digest: str  # of the file's text: an edit changes the prompt id and so every cache key

    @property
    def id(self) -> str:
        return f"{self.task}-{self.version}-{self.lang}+{self.digest}"

    def messages(self, placeholder: str, data: Any) -> list[Message]:
        payload = json.dumps(data, ensure_ascii=False, indent=None)
        return [Message("system", self.system), Message("user", self.user.replace("{" + placeholder + "}", payload))]

    def repair_messages(self, messages: list[Message], bad_reply: str, problem: str) -> list[Message]:
        return [*messages, Message("assistant", bad_reply), Message("user", self.repair.replace("{problem}", problem))]


@functools.cache
def load_template(package: str, task: str, lang: str = "en", version: str = "v1") -> PromptTemplate:
    """`package`'s template for `task` (e.g. "crossmusim.generate", "describe")."""
    if lang not in LANGS:
        raise UserError(f"--lang {lang!r} is not available: choose one of {', '.join(LANGS)}")
    name = f"{task}.{version}.{lang}.txt"
    try:
        text = (resources.files(package) / "templates" / name).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"no prompt template {name}") from None
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    parts = _SECTION.split(body)
    sections = {parts[i]: parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}
    missing = {"system", "user", "repair"} - set(sections)
    if missing:
        raise UserError(f"prompt template {name} lacks sections: {', '.join(sorted(missing))}")
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
    return PromptTemplate(task, version, lang, sections["system"], sections["user"], sections["repair"], digest)
