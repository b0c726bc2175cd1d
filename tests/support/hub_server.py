"""A loopback stand-in for the slice of the Hugging Face Hub API that a one-commit push uses.

`huggingface_hub`'s own client talks to it unchanged (HF_ENDPOINT points here, Xet off): create a
dataset repo, ask how to upload each file (every file "regular", sent inline), and commit. The
committed files land in `repos[repo_id]` as bytes, so a test can compare them with what was built.
Requests are logged as (method, path) for assertions; a missing or wrong token gets 401 like the Hub.
"""

from __future__ import annotations

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler
from typing import Any

from crossmusim.demo.loopback import LoopbackHTTPServer, send


class HubStandIn:
    def __init__(self, token: str = "hf_test_token") -> None:
        self.token = token
        self.repos: dict[str, dict[str, bytes]] = {}
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

    def answer(self, method: str, path: str, headers: Any, body: bytes) -> tuple[int, dict[str, Any]]:
        self.requests.append((method, path.split("?")[0]))
        if headers.get("Authorization") != f"Bearer {self.token}":
            return 401, {"error": "Invalid credentials in Authorization header"}
        parts = path.split("?")[0].strip("/").split("/")
        if method == "POST" and parts == ["api", "validate-yaml"]:
            return self._validate_card(json.loads(body)["content"])
        if method == "POST" and parts[:3] == ["api", "repos", "create"]:
            spec = json.loads(body)
            repo_id = f"{spec['organization']}/{spec['name']}" if spec.get("organization") else spec["name"]
            self.repos.setdefault(repo_id, {})
            return 200, {"url": f"{self.url}/datasets/{repo_id}", "name": repo_id}
        if method == "POST" and parts[:2] == ["api", "datasets"] and len(parts) >= 6:
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
                oid = f"{len(self.requests):040x}"
                return 200, {"commitUrl": f"{self.url}/datasets/{repo_id}/commit/{oid}", "commitOid": oid}
        return 404, {"error": f"not served by the stand-in: {method} {path}"}

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
                status, payload = hub.answer(method, self.path, self.headers, body)
                send(self, status, {"Content-Type": "application/json"}, json.dumps(payload).encode())

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                self._reply("GET")

            def do_POST(self) -> None:  # noqa: N802
                self._reply("POST")

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        return Handler
