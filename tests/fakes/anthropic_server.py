"""A fake Anthropic Messages API on 127.0.0.1, for tests through the real `anthropic` SDK.

It serves `POST /v1/messages`, streamed as Server-Sent Events with the real event sequence (message_start,
content_block_start, content_block_delta text_delta..., content_block_stop, message_delta, message_stop) over
HTTP/1.1 chunked encoding, or as one JSON message when the body has no `"stream": true`. It checks the API key
(the SDK sends it as `Authorization: Bearer`; `x-api-key` is accepted too) and answers a wrong one with
Anthropic's 401 error JSON. Every request, good or bad, is recorded in `requests` (path, headers, parsed body).

Faults are scripted per test as a queue of modes, one taken per request (`default_mode` once it is empty):
  ok         the scripted answer; input tokens ~ body characters / 4, output tokens = words
  429        rate_limit_error with a `retry-after` header (seconds, `retry_after`)
  500        api_error            529  overloaded_error
  slow       waits `slow_s` before answering (longer than the client's timeout)
  malformed  200 with a body that is not JSON (or SSE whose data is not JSON)
  drop       message_start and half the deltas, then the connection closes without the final chunk
  stall      message_start and half the deltas, then nothing for `slow_s` (a read that stalls mid-answer)
  error_event  message_start and one delta, then an `event: error` overloaded_error, as the API does mid-stream
  tool_use   a short text, then a call of `tool_call` (name, input) with stop_reason "tool_use": the first tool
             the request offers, with `tool_input`, unless `tool_call` names one. Once a request carries
             tool results, an `ok` answer is "The tool says: RESULT." (the round trip, seen in the answer)
"""

from __future__ import annotations

import json
import re
import threading
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

DEFAULT_ANSWER = "Hello from the fake Claude."
DEFAULT_API_KEY = "sk-ant-test-key"
MODES = ("ok", "429", "500", "529", "slow", "malformed", "drop", "stall", "error_event", "tool_use")
TOOL_USE_TEXT = "Let me compute that."
ERRORS = {  # mode -> (status, Anthropic error type, message)
    "429": (429, "rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit"),
    "500": (500, "api_error", "Internal server error"),
    "529": (529, "overloaded_error", "Overloaded"),
}


def word_parts(text: str) -> list[str]:
    """'Hello from it.' -> ['Hello', ' from', ' it.']: each part keeps its leading space, as tokens do."""
    return re.findall(r"\s*\S+", text)


def error_body(error_type: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": error_type, "message": message}}


def sse(event: dict[str, Any]) -> bytes:
    return f"event: {event['type']}\ndata: {json.dumps(event)}\n\n".encode()


class FakeAnthropicServer:
    """Context manager: `with FakeAnthropicServer(modes=["429", "ok"]) as server: ClaudeClient(base_url=server.url)`."""

    def __init__(
        self,
        modes: tuple[str, ...] | list[str] = (),
        default_mode: str = "ok",
        answer: str = DEFAULT_ANSWER,
        api_key: str = DEFAULT_API_KEY,
        reported_model: str | None = None,
        retry_after: float = 0.1,
        slow_s: float = 5.0,
        tool_call: tuple[str, dict[str, Any]] | None = None,
    ) -> None:
        for mode in (*modes, default_mode):
            if mode not in MODES:
                raise ValueError(f"unknown mode {mode!r}; choose from {', '.join(MODES)}")
        self.modes = deque(modes)
        self.default_mode = default_mode
        self.answer = answer
        self.api_key = api_key
        self.reported_model = reported_model  # the model id to report (the API resolves aliases); None echoes
        self.retry_after = retry_after
        self.slow_s = slow_s
        self.tool_call = tool_call  # (name, input) a `tool_use` answer calls; None: the first tool offered, {}
        self.requests: list[dict[str, Any]] = []
        self._cached_systems: set[str] = set()
        self._lock = threading.Lock()
        self._stopping = threading.Event()  # wakes "slow" handlers on exit
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        # A short poll interval: shutdown() waits for the serving loop's next poll (0.5 s by default).
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-anthropic", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeAnthropicServer:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def next_mode(self) -> str:
        with self._lock:
            return self.modes.popleft() if self.modes else self.default_mode

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive and chunked streams, as the real API

            def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                with server._lock:
                    server.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                if self.path != "/v1/messages":
                    self.send_json(404, error_body("not_found_error", f"Not found: {self.path}"))
                elif not server.key_is_valid(self.headers):
                    self.send_json(401, error_body("authentication_error", "invalid x-api-key"))
                else:
                    self.answer(server.next_mode(), body)

            def answer(self, mode: str, body: dict[str, Any]) -> None:
                if mode in ERRORS:
                    status, error_type, message = ERRORS[mode]
                    retry = {"retry-after": f"{server.retry_after:g}"} if mode in ("429", "529") else {}
                    self.send_json(status, error_body(error_type, message), retry)
                    return
                if mode == "slow" and server._stopping.wait(server.slow_s):
                    self.close_connection = True
                    return
                if not body.get("stream"):
                    if mode == "malformed":
                        self.send_bytes(200, b"<html>upstream gateway error</html>", "application/json")
                    else:
                        self.send_json(200, server.message(body, tool_use=mode == "tool_use"))
                    return
                events = server.events(body, tool_use=mode == "tool_use")
                if mode == "malformed":
                    self.send_stream([b"event: message_start\ndata: {this is not json\n\n"])
                elif mode in ("drop", "stall"):
                    self.send_stream([sse(e) for e in events[: 3 + len(events[3:-3]) // 2]], finish=False)
                    if mode == "stall":
                        server._stopping.wait(server.slow_s)
                elif mode == "error_event":
                    overloaded = error_body("overloaded_error", "Overloaded")
                    self.send_stream([sse(e) for e in events[:4]] + [sse(overloaded)])
                else:
                    self.send_stream([sse(e) for e in events])

            def send_json(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
                self.send_bytes(status, json.dumps(payload).encode(), "application/json", headers)

            def send_bytes(
                self, status: int, data: bytes, content_type: str, headers: dict[str, str] | None = None
            ) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("request-id", "req_fake")
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def send_stream(self, parts: list[bytes], finish: bool = True) -> None:
                """Each part is one chunk; without `finish` the connection closes before the terminating chunk."""
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream; charset=utf-8")
                self.send_header("Transfer-Encoding", "chunked")
                self.send_header("request-id", "req_fake")
                self.end_headers()
                for part in parts:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                    self.wfile.flush()
                if finish:
                    self.wfile.write(b"0\r\n\r\n")
                else:
                    self.close_connection = True

        return Handler

    def key_is_valid(self, headers: Any) -> bool:
        bearer = (headers.get("Authorization") or "").removeprefix("Bearer ")
        return self.api_key in (headers.get("x-api-key"), bearer)

    def usage(self, body: dict[str, Any]) -> dict[str, int]:
        """Input tokens ~ characters / 4; a system block marked cacheable is written once, then read."""
        system = body.get("system") or ""
        if isinstance(system, list):
            cacheable = any(block.get("cache_control") for block in system)
            system = "".join(block.get("text", "") for block in system)
        else:
            cacheable = False
        messages = "".join(str(m.get("content", "")) for m in body.get("messages", []))
        system_tokens = len(system) // 4
        cache_read = cache_creation = 0
        if cacheable:
            with self._lock:
                cache_read = system_tokens if system in self._cached_systems else 0
                cache_creation = system_tokens - cache_read
                self._cached_systems.add(system)
        return {
            "input_tokens": max(1, (len(system) + len(messages)) // 4 - cache_read - cache_creation),
            "output_tokens": len(word_parts(self.answer_to(body))),
            "cache_read_input_tokens": cache_read,
            "cache_creation_input_tokens": cache_creation,
        }

    def answer_to(self, body: dict[str, Any], tool_use: bool = False) -> str:
        """The text of the answer: TOOL_USE_TEXT before a call, the tool's result once the request carries it."""
        if tool_use:
            return TOOL_USE_TEXT
        last = body.get("messages", [{}])[-1].get("content")
        results = [b for b in last if b.get("type") == "tool_result"] if isinstance(last, list) else []
        if results:
            return "The tool says: " + " ".join(str(b.get("content", "")) for b in results) + "."
        return self.answer

    def called_tool(self, body: dict[str, Any]) -> dict[str, Any]:
        """The tool_use block of a `tool_use` answer (id numbered by the requests seen so far)."""
        offered = (body.get("tools") or [{"name": "no_tool_offered"}])[0]["name"]
        name, arguments = self.tool_call or (offered, {})
        return {"type": "tool_use", "id": f"toolu_fake_{len(self.requests)}", "name": name, "input": arguments}

    def message(self, body: dict[str, Any], text: str | None = None, usage: dict[str, int] | None = None,
                tool_use: bool = False) -> dict:
        content = [{"type": "text", "text": self.answer_to(body, tool_use) if text is None else text}]
        return {
            "id": "msg_fake",
            "type": "message",
            "role": "assistant",
            "model": self.reported_model or body.get("model", ""),
            "content": content + ([self.called_tool(body)] if tool_use else []),
            "stop_reason": "tool_use" if tool_use else "end_turn",
            "stop_sequence": None,
            "usage": usage or self.usage(body),
        }

    def events(self, body: dict[str, Any], tool_use: bool = False) -> list[dict[str, Any]]:
        """The streamed answer: message_start (input usage), block start, one delta per word, block stop, (a
        tool_use block whose input comes as input_json_delta,) message_delta (stop_reason, output_tokens),
        message_stop."""
        usage = self.usage(body)
        start = self.message(body, text="", usage={**usage, "output_tokens": 1})
        start["content"], start["stop_reason"] = [], None
        deltas = [
            {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": part}}
            for part in word_parts(self.answer_to(body, tool_use))
        ]
        call = []
        if tool_use:
            block = self.called_tool(body)
            partial = json.dumps(block["input"])
            call = [
                {"type": "content_block_start", "index": 1, "content_block": {**block, "input": {}}},
                {"type": "content_block_delta", "index": 1,
                 "delta": {"type": "input_json_delta", "partial_json": partial[: len(partial) // 2]}},
                {"type": "content_block_delta", "index": 1,
                 "delta": {"type": "input_json_delta", "partial_json": partial[len(partial) // 2:]}},
                {"type": "content_block_stop", "index": 1},
            ]
        return [
            {"type": "message_start", "message": start},
            {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
            {"type": "ping"},
            *deltas,
            {"type": "content_block_stop", "index": 0},
            *call,
            {
                "type": "message_delta",
                "delta": {"stop_reason": "tool_use" if tool_use else "end_turn", "stop_sequence": None},
                "usage": {"output_tokens": usage["output_tokens"]},
            },
            {"type": "message_stop"},
        ]
