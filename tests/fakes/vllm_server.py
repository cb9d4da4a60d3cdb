"""A stand-in for vLLM's OpenAI-compatible server on 127.0.0.1, for tests through the real `openai` client.

It serves what a `vllm serve BASE --enable-lora --lora-modules NAME=DIR ...` process would: GET /v1/models lists
the base model (with `max_model_len`) and one entry per LoRA module (with `parent`: the base), and
POST /v1/chat/completions answers a streamed completion in vLLM's chunk shape: one chunk per word with its
`logprobs.content`, a last chunk with `finish_reason`, and, when `stream_options.include_usage` asks, a chunk of
`usage` with no choices. It refuses what vLLM refuses: a wrong key (401), a model it does not serve (404, vLLM's
error JSON). Every request body is recorded in `requests`, so a test checks what vLLM would have received.
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

BASE = "HuggingFaceTB/SmolLM2-135M-Instruct"
MAX_MODEL_LEN = 2048


class FakeVllmServer:
    """`with FakeVllmServer(lora_modules=["content"], api_key="k") as server: ... server.url` (ends in /v1)."""

    def __init__(self, lora_modules: list[str], api_key: str = "", answer: str = "Fresh bread, baked today.") -> None:
        self.lora_modules, self.api_key, self.answer = lora_modules, api_key, answer
        self.requests: list[dict[str, Any]] = []
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._http.server_address[1]}/v1"

    def __enter__(self) -> FakeVllmServer:
        threading.Thread(target=self._http.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._http.shutdown()
        self._http.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _send(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _authorised(self) -> bool:
                if not server.api_key or self.headers.get("Authorization") == f"Bearer {server.api_key}":
                    return True
                self._send(401, {"error": {"message": "Unauthorized", "type": "Unauthorized", "code": 401}})
                return False

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                if not self._authorised():
                    return
                if self.path != "/v1/models":
                    self._send(404, {"detail": "Not Found"})
                    return
                cards = [{"id": BASE, "object": "model", "root": BASE, "parent": None, "max_model_len": MAX_MODEL_LEN}]
                cards += [{"id": name, "object": "model", "root": f"/srv/adapters/{name}", "parent": BASE}
                          for name in server.lora_modules]
                self._send(200, {"object": "list", "data": cards})

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                server.requests.append(body)
                if not self._authorised():
                    return
                if body.get("model") not in (BASE, *server.lora_modules):
                    self._send(404, {"object": "error", "message": f"The model `{body.get('model')}` does not "
                                     "exist.", "type": "NotFoundError", "param": None, "code": 404})
                    return
                words = re.findall(r"\s*\S+", server.answer)[: body.get("max_tokens") or None]
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()

                def chunk(choices: list, usage: dict | None = None) -> None:
                    event = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 0,
                             "model": body["model"], "choices": choices, **({"usage": usage} if usage else {})}
                    data = f"data: {json.dumps(event)}\n\n".encode()
                    self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")

                for word in words:
                    logprobs = {"content": [{"token": word, "logprob": -0.25, "bytes": None, "top_logprobs": []}]}
                    chunk([{"index": 0, "delta": {"content": word}, "logprobs": logprobs, "finish_reason": None}])
                chunk([{"index": 0, "delta": {}, "logprobs": None, "finish_reason": "stop"}])
                if (body.get("stream_options") or {}).get("include_usage"):
                    prompt = sum(len(m["content"]) for m in body["messages"]) // 4
                    chunk([], {"prompt_tokens": prompt, "completion_tokens": len(words),
                               "total_tokens": prompt + len(words)})
                data = b"data: [DONE]\n\n"
                self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n0\r\n\r\n")

        return Handler
