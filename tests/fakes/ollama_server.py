"""A fake Ollama server on 127.0.0.1 speaking Ollama's wire format, for tests through the real client.

It serves `POST /api/chat` (NDJSON when streaming, Ollama's default), `POST /api/show` and `GET /api/tags`
for a fixed set of model names, answers every chat with one scripted text split into word parts (or, when a
non-streamed chat offers tools and `tool_call` is set, with that native tool call), and records each request body
in `requests`. Unknown models get Ollama's 404: {"error": "model 'X' not found"}.
"""

from __future__ import annotations

import json
import re
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

DEFAULT_ANSWER = "Hello from the fake Ollama server."
DEFAULT_MODELS = ("smollm2:135m",)
FAKE_LOGPROB = -0.1


def word_parts(text: str) -> list[str]:
    """'Hello from it.' -> ['Hello', ' from', ' it.']: each part keeps its leading space, as tokens do."""
    return re.findall(r"\s*\S+", text)


def now() -> str:
    return datetime.now(timezone.utc).isoformat()


class FakeOllamaServer:
    """Context manager: `with FakeOllamaServer() as server: ollama.Client(host=server.url)`."""

    def __init__(
        self,
        models: tuple[str, ...] | list[str] = DEFAULT_MODELS,
        answer: str = DEFAULT_ANSWER,
        failure: tuple[int, str] | None = None,
        capabilities: tuple[str, ...] = ("completion",),
        tool_call: tuple[str, dict[str, Any]] | None = None,
    ) -> None:
        self.models = list(models)
        self.answer = answer
        self.failure = failure  # (status, error message) to answer every POST with, as a broken server would
        self.capabilities = list(capabilities)  # add "tools" for a model with native tool calling
        self.tool_call = tool_call  # (name, arguments) a chat offering tools answers with; None: plain text
        self.requests: list[dict[str, Any]] = []
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        # A short poll interval: shutdown() waits for the serving loop's next poll (0.5 s by default).
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-ollama", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeOllamaServer:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
                pass

            def do_GET(self) -> None:
                if self.path == "/api/tags":
                    self.send_json(200, {"models": [server.tag(name) for name in server.models]})
                else:
                    self.send_json(404, {"error": f"unknown path {self.path}"})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                server.requests.append({"path": self.path, **body})
                model = body.get("model", "")
                if server.failure:
                    self.send_json(server.failure[0], {"error": server.failure[1]})
                elif self.path not in ("/api/chat", "/api/show"):
                    self.send_json(404, {"error": f"unknown path {self.path}"})
                elif model not in server.models:
                    self.send_json(404, {"error": f"model '{model}' not found"})
                elif self.path == "/api/show":
                    self.send_json(200, server.show())
                elif body.get("stream", True):
                    self.send_stream(server.chat_parts(body))
                else:
                    self.send_json(200, server.chat_whole(body))

            def send_json(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def send_stream(self, parts: list[dict[str, Any]]) -> None:
                # HTTP/1.0 without Content-Length: the body ends when the connection closes.
                self.send_response(200)
                self.send_header("Content-Type", "application/x-ndjson")
                self.end_headers()
                for part in parts:
                    self.wfile.write(json.dumps(part).encode() + b"\n")
                    self.wfile.flush()

        return Handler

    def tag(self, name: str) -> dict[str, Any]:
        return {
            "name": name,
            "model": name,
            "modified_at": now(),
            "size": 91739413,
            "digest": "0" * 64,
            "details": {"format": "gguf", **self.show()["details"]},
        }

    def show(self) -> dict[str, Any]:
        return {
            "details": {"family": "llama", "parameter_size": "135M", "quantization_level": "Q4_1"},
            "model_info": {"general.architecture": "llama", "llama.context_length": 8192},
            "capabilities": self.capabilities,
        }

    def _answer_parts(self, body: dict[str, Any]) -> tuple[list[str], str]:
        """The scripted answer's parts, cut to options.num_predict (done_reason "length" when cut)."""
        parts = word_parts(self.answer)
        limit = (body.get("options") or {}).get("num_predict")
        if isinstance(limit, int) and 0 <= limit < len(parts):
            return parts[:limit], "length"
        return parts, "stop"

    @staticmethod
    def _logprobs(pieces: list[str]) -> list[dict[str, Any]]:
        return [
            {"token": piece, "logprob": FAKE_LOGPROB, "bytes": list(piece.encode()), "top_logprobs": []}
            for piece in pieces
        ]

    @staticmethod
    def _final_stats(body: dict[str, Any], eval_count: int, done_reason: str) -> dict[str, Any]:
        prompt_words = sum(len(m.get("content", "").split()) for m in body.get("messages", []))
        return {
            "done": True,
            "done_reason": done_reason,
            "total_duration": 5_000_000,
            "load_duration": 1_000_000,
            "prompt_eval_count": prompt_words,
            "prompt_eval_duration": 1_000_000,
            "eval_count": eval_count,
            "eval_duration": 3_000_000,
        }

    def chat_parts(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        """The NDJSON parts of a streamed answer: one per word, then a closing part with the statistics."""
        pieces, done_reason = self._answer_parts(body)
        parts = []
        for piece in pieces:
            part: dict[str, Any] = {
                "model": body["model"],
                "created_at": now(),
                "message": {"role": "assistant", "content": piece},
                "done": False,
            }
            if body.get("logprobs"):
                part["logprobs"] = self._logprobs([piece])
            parts.append(part)
        message = {"role": "assistant", "content": ""}
        closing = {"model": body["model"], "created_at": now(), "message": message}
        parts.append({**closing, **self._final_stats(body, len(pieces), done_reason)})
        return parts

    def chat_whole(self, body: dict[str, Any]) -> dict[str, Any]:
        """The single JSON object of a non-streamed answer."""
        pieces, done_reason = self._answer_parts(body)
        whole: dict[str, Any] = {
            "model": body["model"],
            "created_at": now(),
            "message": {"role": "assistant", "content": "".join(pieces)},
        }
        if body.get("tools") and self.tool_call:
            name, arguments = self.tool_call
            whole["message"] = {"role": "assistant", "content": "",
                                "tool_calls": [{"function": {"name": name, "arguments": arguments}}]}
        if body.get("logprobs"):
            whole["logprobs"] = self._logprobs(pieces)
        return {**whole, **self._final_stats(body, len(pieces), done_reason)}
