"""A loopback stand-in for the slice of the Hugging Face Hub API that a one-commit push and a
snapshot download use.

`huggingface_hub`'s own client talks to it unchanged (HF_ENDPOINT points here, Xet off): create a
dataset or model repo, ask how to upload each file (every file "regular", sent inline), and commit;
then read a repo back: its revision, its file tree and each file (HEAD for the metadata, GET for the
bytes). The committed files land in `repos[repo_id]` as bytes, so a test can compare them with what was
built. Requests are logged as (method, path) for assertions; a missing or wrong token gets 401 like
the Hub, and reads need no token.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler
from typing import Any

from crossmusim.demo.loopback import LoopbackHTTPServer, send


class HubStandIn:
    def __init__(self, token: str = "hf_test_token") -> None:
        self.token = token
        self.repos: dict[str, dict[str, bytes]] = {}
        self.commits: dict[str, str] = {}  # repo id -> its last commit's sha
        self.requests: list[tuple[str, str]] = []
        self._server = LoopbackHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> HubStandIn:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def answer(self, method: str, path: str, headers: Any, body: bytes) -> tuple[int, Any, dict[str, str]]:
        """(status, a JSON payload or raw bytes, extra headers)."""
        self.requests.append((method, path.split("?")[0]))
        parts = path.split("?")[0].strip("/").split("/")
        if method in ("GET", "HEAD"):
            return self._read(parts)
        status, payload = self._write(method, parts, headers, body)
        return status, payload, {}

    def _read(self, parts: list[str]) -> tuple[int, Any, dict[str, str]]:
        if parts[:2] in (["api", "models"], ["api", "datasets"]) and len(parts) >= 6:
            repo_id, action = "/".join(parts[2:4]), parts[4]
            if repo_id not in self.commits:
                return 404, {"error": f"Repository {repo_id} not found"}, {"X-Error-Code": "RepoNotFound"}
            files = self.repos[repo_id]
            if action == "revision":
                siblings = [{"rfilename": name} for name in sorted(files)]
                return 200, {"id": repo_id, "sha": self.commits[repo_id], "siblings": siblings}, {}
            if action == "tree":
                tree = [{"type": "file", "path": name, "size": len(data), "oid": hashlib.sha1(data).hexdigest()}
                        for name, data in sorted(files.items())]  # fmt: skip
                return 200, tree, {}
        if len(parts) >= 5 and parts[2] == "resolve":  # /user/name/resolve/REVISION/FILE
            repo_id, name = "/".join(parts[:2]), "/".join(parts[4:])
            data = self.repos.get(repo_id, {}).get(name) if repo_id in self.commits else None
            if data is None:
                return 404, {"error": f"{name} not found in {repo_id}"}, {"X-Error-Code": "EntryNotFound"}
            etag = f'"{hashlib.sha1(data).hexdigest()}"'
            return 200, data, {"X-Repo-Commit": self.commits[repo_id], "ETag": etag}
        return 404, {"error": f"not served by the stand-in: GET /{'/'.join(parts)}"}, {}

    def _write(self, method: str, parts: list[str], headers: Any, body: bytes) -> tuple[int, dict[str, Any]]:
        if headers.get("Authorization") != f"Bearer {self.token}":
            return 401, {"error": "Invalid credentials in Authorization header"}
        if method == "POST" and parts == ["api", "validate-yaml"]:
            return self._validate_card(json.loads(body)["content"])
        if method == "POST" and parts[:3] == ["api", "repos", "create"]:
            spec = json.loads(body)
            repo_id = f"{spec['organization']}/{spec['name']}" if spec.get("organization") else spec["name"]
            self.repos.setdefault(repo_id, {})
            return 200, {"url": f"{self.url}/{repo_id}", "name": repo_id}
        if method == "POST" and parts[:2] in (["api", "datasets"], ["api", "models"]) and len(parts) >= 6:
            repo_id, action = "/".join(parts[2:4]), parts[4]
            if repo_id not in self.repos:
                return 404, {"error": f"Repository {repo_id} not found"}
            if action == "preupload":
                files = json.loads(body)["files"]
                return 200, {
                    "files": [{"path": f["path"], "uploadMode": "regular", "shouldIgnore": False} for f in files]
                }
            if action == "commit":
                for line in body.decode("utf-8").splitlines():
                    item = json.loads(line)
                    if item["key"] == "file":
                        self.repos[repo_id][item["value"]["path"]] = base64.b64decode(item["value"]["content"])
                oid = self.commits[repo_id] = f"{len(self.requests):040x}"
                return 200, {"commitUrl": f"{self.url}/{parts[1]}/{repo_id}/commit/{oid}", "commitOid": oid}
        return 404, {"error": f"not served by the stand-in: {method} /{'/'.join(parts)}"}

    @staticmethod
    def _validate_card(content: str) -> tuple[int, dict[str, Any]]:
        """Like the Hub: the front matter must be a YAML mapping; `configs` must name data files."""
        import yaml

        if not content.startswith("---\n"):
            return 200, {"errors": [], "warnings": [{"message": "empty or missing yaml metadata"}]}
        try:
            meta = yaml.safe_load(content[4 : content.index("\n---\n", 4)])
        except (ValueError, yaml.YAMLError) as exc:
            return 400, {"errors": [{"message": f"invalid YAML: {exc}"}]}
        if not isinstance(meta, dict):
            return 400, {"errors": [{"message": "metadata is not a mapping"}]}
        for config in meta.get("configs", []):
            if not all({"split", "path"} <= set(f) for f in config.get("data_files", [])):
                return 400, {"errors": [{"message": f"configs {config.get('config_name')}: bad data_files"}]}
        return 200, {"errors": [], "warnings": []}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        hub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _reply(self, method: str) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, payload, extra = hub.answer(method, self.path, self.headers, body)
                raw = isinstance(payload, bytes)
                data = payload if raw else json.dumps(payload).encode()
                kind = "application/octet-stream" if raw else "application/json"
                if method == "HEAD":  # the headers of the GET, no body
                    self.send_response(status)
                    for name, value in {"Content-Type": kind, **extra, "Content-Length": str(len(data))}.items():
                        self.send_header(name, value)
                    self.end_headers()
                    return
                send(self, status, {"Content-Type": kind, **extra}, data)

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                self._reply("GET")

            def do_HEAD(self) -> None:  # noqa: N802
                self._reply("HEAD")

            def do_POST(self) -> None:  # noqa: N802
                self._reply("POST")

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        return Handler
