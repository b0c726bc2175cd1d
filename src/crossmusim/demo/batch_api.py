"""The Files and Batches endpoints of an OpenAI-compatible server, in the shape OpenAI serves them
(and DashScope in compatible mode): upload a JSONL of requests (`POST /v1/files`, multipart), create
a batch over it (`POST /v1/batches`), poll it (`GET /v1/batches/{id}`), download its output and error
files (`GET /v1/files/{id}/content`). Each request line is answered by the server's own `chat`, in a
background thread, after `delay` seconds in progress, so that clients really poll.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

Answer = Callable[[dict[str, Any]], tuple[int, dict[str, Any]]]  # request body -> (status, response body)


class BatchAPI:
    def __init__(self, answer: Answer, *, delay: float = 0.5, outcome: str = "completed") -> None:
        self.answer = answer
        self.delay = delay  # seconds a batch stays in progress
        self.outcome = outcome  # completed | failed | expired: how every batch ends (faults for tests)
        self.files: dict[str, dict[str, Any]] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self.created = 0  # batches created (a resumed client must not create another)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def route(self, method: str, path: str, headers: Any, raw: bytes) -> tuple[int, str, bytes] | None:
        """(status, content type, body) for a files/batches request, or None for another path."""
        path = path.rstrip("/")
        if method == "POST" and path == "/v1/files":
            return self._json(200, self._upload(headers.get("Content-Type", ""), raw))
        if method == "GET" and path.startswith("/v1/files/") and path.endswith("/content"):
            found = self.files.get(path.split("/")[3])
            return (200, "application/octet-stream", found["bytes"]) if found else self._missing(path)
        if method == "POST" and path == "/v1/batches":
            return self._json(200, self._create(json.loads(raw or b"{}")))
        if method == "GET" and path.startswith("/v1/batches/"):
            with self._lock:
                batch = self.batches.get(path.split("/")[3])
                return self._json(200, dict(batch)) if batch else self._missing(path)
        return None

    # -- the endpoints --------------------------------------------------------------------------------
    def _upload(self, content_type: str, raw: bytes) -> dict[str, Any]:
        message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + raw)
        fields = {part.get_param("name", header="content-disposition"): part for part in message.iter_parts()}
        data = fields["file"].get_payload(decode=True) or b""
        purpose = (fields["purpose"].get_payload(decode=True) or b"batch").decode()
        return self._store(data, fields["file"].get_filename() or "upload.jsonl", purpose)

    def _store(self, data: bytes, filename: str, purpose: str) -> dict[str, Any]:
        file_id = f"file-{next(self._ids)}"
        meta = {"id": file_id, "object": "file", "bytes": len(data), "created_at": int(time.time()),
                "filename": filename, "purpose": purpose, "status": "processed"}  # fmt: skip
        self.files[file_id] = {**meta, "bytes": data}
        return meta

    def _create(self, request: dict[str, Any]) -> dict[str, Any]:
        batch_id = f"batch_{next(self._ids)}"
        window = request.get("completion_window", "24h")
        batch = {"id": batch_id, "object": "batch", "endpoint": request.get("endpoint", "/v1/chat/completions"),
                 "input_file_id": request["input_file_id"], "completion_window": window, "status": "validating",
                 "created_at": int(time.time()), "output_file_id": None, "error_file_id": None, "errors": None,
                 "request_counts": {"total": 0, "completed": 0, "failed": 0}}  # fmt: skip
        with self._lock:
            self.batches[batch_id] = batch
            self.created += 1
        threading.Thread(target=self._run, args=(batch_id,), daemon=True).start()
        return dict(batch)

    def _run(self, batch_id: str) -> None:
        batch = self.batches[batch_id]
        lines = [json.loads(x) for x in self.files[batch["input_file_id"]]["bytes"].splitlines() if x.strip()]
        with self._lock:
            batch.update(status="in_progress", request_counts={"total": len(lines), "completed": 0, "failed": 0})
        time.sleep(self.delay)
        if self.outcome != "completed":
            error = {
                "code": self.outcome,
                "message": f"the batch {self.outcome} (injected)",
                "line": None,
                "param": None,
            }
            with self._lock:
                batch.update(status=self.outcome, errors={"object": "list", "data": [error]})
            return
        output, errors = [], []
        for n, line in enumerate(lines):
            status, body = self.answer(line["body"])
            response = {"status_code": status, "request_id": f"req_{n}", "body": body}
            row = {"id": f"batch_req_{n}", "custom_id": line["custom_id"], "response": response, "error": None}
            (output if status == 200 else errors).append(json.dumps(row, ensure_ascii=False))
        out_id = self._store(("\n".join(output) + "\n").encode(), "output.jsonl", "batch_output")["id"]
        err_id = (
            self._store(("\n".join(errors) + "\n").encode(), "errors.jsonl", "batch_output")["id"] if errors else None
        )
        counts = {"total": len(lines), "completed": len(output), "failed": len(errors)}
        with self._lock:
            batch.update(status="completed", output_file_id=out_id, error_file_id=err_id, request_counts=counts)

    @staticmethod
    def _json(status: int, body: dict[str, Any]) -> tuple[int, str, bytes]:
        return status, "application/json", json.dumps(body, ensure_ascii=False).encode()

    def _missing(self, path: str) -> tuple[int, str, bytes]:
        return self._json(404, {"error": {"message": f"no such object: {path}", "type": "invalid_request_error"}})
