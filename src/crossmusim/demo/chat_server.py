"""An OpenAI-compatible chat-completions server on loopback: the routes, the completion envelope and
the key check. A subclass says what its model answers (`chat`): the demo world's LLM stand-in and the
fake model of crossmusim's tests both do.

Routes: `POST /v1/chat/completions`, `GET /v1/models`, `GET /health`, `GET /stats`, and the Files and
Batches endpoints (`batch_api.py`), answered by the same `chat`.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any

from crossmusim.demo.batch_api import BatchAPI
from crossmusim.demo.loopback import LoopbackHTTPServer, send


@dataclass
class Reply:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]
    delay: float = 0.0


class ChatServer:
    """Serve `chat` on 127.0.0.1 from a background thread (`with Server(...) as server:`)."""

    name = "chat"

    def __init__(self, *, model: str, api_key: str | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        self.model = model
        self.api_key = api_key
        self.lock = threading.Lock()
        self.requests = 0
        self.by_subject: Counter[str] = Counter()  # requests per song title / text
        self.batch_api = BatchAPI(self._answer_batch_line)
        self._server = LoopbackHTTPServer((host, port), self._handler())

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> str:
        threading.Thread(target=self._server.serve_forever, name=self.name, daemon=True).start()
        return self.base_url

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def serve_until_interrupted(self) -> None:
        self._server.serve_until_interrupted()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stats(self) -> dict[str, Any]:
        with self.lock:
            return {"requests": self.requests, "by_subject": dict(self.by_subject)}

    def chat(self, body: dict[str, Any], authorization: str | None) -> Reply:
        raise NotImplementedError

    def _answer_batch_line(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        reply = self.chat(body, f"Bearer {self.api_key}" if self.api_key else None)
        return reply.status, reply.body

    def refused(self, authorization: str | None) -> Reply | None:
        """The 401 a wrong key gets, or None. The key is echoed back, as careless servers do: the
        client must keep it out of its own errors."""
        if self.api_key is None or authorization == f"Bearer {self.api_key}":
            return None
        given = (authorization or "").removeprefix("Bearer ")
        error = {"message": f"Incorrect API key provided: {given}", "type": "invalid_request_error",
                 "code": "invalid_api_key"}  # fmt: skip
        return Reply(401, {"error": error}, {})

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _send(self, status: int, body: dict[str, Any] | str, headers: dict[str, str] | None = None):
                raw = body.encode() if isinstance(body, str) else json.dumps(body, ensure_ascii=False).encode()
                send(self, status, {"Content-Type": "application/json", **(headers or {})}, raw)

            def _batch_route(self, method: str, raw: bytes = b"") -> bool:
                if not self.path.startswith(("/v1/files", "/v1/batches")):
                    return False
                refused = server.refused(self.headers.get("Authorization"))
                if refused is not None:
                    self._send(refused.status, refused.body)
                    return True
                status, content_type, body = server.batch_api.route(method, self.path, self.headers, raw) or (
                    404, "application/json", b'{"error": {"message": "not found"}}')  # fmt: skip
                send(self, status, {"Content-Type": content_type}, body)
                return True

            def do_GET(self) -> None:  # noqa: N802
                if self._batch_route("GET"):
                    return
                if self.path == "/health":
                    self._send(200, "")
                elif self.path.rstrip("/") == "/v1/models":
                    self._send(200, {"object": "list", "data": [{"id": server.model, "object": "model"}]})
                elif self.path == "/stats":
                    self._send(200, server.stats())
                else:
                    self._send(404, {"error": {"message": "not found"}})

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                if self._batch_route("POST", raw):
                    return
                try:
                    body = json.loads(raw or b"{}")
                except json.JSONDecodeError:
                    self._send(400, {"error": {"message": "body is not JSON"}})
                    return
                if self.path.rstrip("/") != "/v1/chat/completions":
                    self._send(404, {"error": {"message": f"no route {self.path}"}})
                    return
                reply = server.chat(body, self.headers.get("Authorization"))
                if reply.delay:
                    time.sleep(reply.delay)
                self._send(reply.status, reply.body, reply.headers)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        return Handler


def completion(text: str, body: dict[str, Any], model: str, finish: str = "stop") -> dict[str, Any]:
    """The chat.completion envelope of one answer, with token counts estimated at four characters."""
    prompt_tokens = sum(len(str(m.get("content", ""))) for m in body.get("messages", [])) // 4 + 1
    completion_tokens = len(text) // 4 + 1
    return {
        "id": "chatcmpl-" + hashlib.sha1(text.encode()).hexdigest()[:12],
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", model),
        "choices": [{"index": 0, "finish_reason": finish, "message": {"role": "assistant", "content": text}}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens},
    }  # fmt: skip


def request_parts(body: dict[str, Any]) -> tuple[str, dict[str, Any], bool]:
    """(system prompt, the JSON object in the user turn, whether this is a repair turn)."""
    messages = body.get("messages", [])
    system = next((str(m["content"]) for m in messages if m["role"] == "system"), "")
    user = next((str(m["content"]) for m in messages if m["role"] == "user"), "")
    return system, first_json(user), any(m["role"] == "assistant" for m in messages)


def first_json(text: str) -> dict[str, Any]:
    match = re.search(r"\{.*\}", text, re.S)
    if not match:
        return {}
    try:
        data = json.loads(match.group(0))
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}
