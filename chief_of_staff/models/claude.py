"""Claude through the Anthropic Messages API: the only module in the project that imports `anthropic`.

It owns the HTTP conversation with Anthropic: one streamed request per `complete()`, the system prompt sent as
one cacheable block, and the SDK's errors turned into domain errors a user can act on (`CloudError` and its
subclasses) that carry the token usage the API had reported before a failure, so the ledger charges only that.
Retries with backoff on 429, 5xx and timeouts are the SDK's own (`max_retries`, `timeout`), so there is no retry
loop here. One SDK hook is overridden: when the API asks to wait longer than `max_wait_s` (the SDK would sleep
that long, up to days), the SDK does not retry and the caller gets CloudRateLimitedError at once with the wait,
so a user is answered locally instead of blocked, and a budget reservation never outlives its call.

Defence in depth: before any byte leaves the machine, `complete()` refuses a thread marked sensitive, or a
payload the sensitive-data detector flags, with SensitiveDataBlockedError. The escalation policy should never
send such a payload; this guard holds even if it does.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from typing import Any

import anthropic
import httpx2  # the SDK's HTTP library: before anthropic 2.17, a stream that broke mid-read raised its errors

from chief_of_staff.errors import (
    CloudBadResponseError,
    CloudError,
    CloudRateLimitedError,
    CloudServerError,
    CloudTimeoutError,
    CloudUnavailableError,
    SensitiveDataBlockedError,
)
from chief_of_staff.models.cloud_usage import ClaudeUsage

# What reading a malformed stream raises inside the SDK: SSE data that is not JSON (json.JSONDecodeError is a
# ValueError), events out of order (RuntimeError before message_start, IndexError for an unknown block index),
# events missing fields (AttributeError, KeyError, TypeError). Caught only while reading the stream.
MALFORMED_STREAM = (ValueError, RuntimeError, IndexError, AttributeError, KeyError, TypeError)
SERVER_ERROR_TYPES = ("api_error", "overloaded_error")  # error.type of a 5xx, or of an `error` event mid-stream


class _BoundedWaitAnthropic(anthropic.Anthropic):
    """The SDK's client, except that it does not retry when `retry-after` asks for more than `max_wait_s`."""

    max_wait_s: float = 60.0

    def _should_retry(self, response: httpx2.Response) -> bool:
        wait = self._parse_retry_after_header(response.headers)
        if wait is not None and wait > self.max_wait_s:
            return False
        return super()._should_retry(response)


@dataclass(frozen=True)
class ClaudeReply:
    text: str
    model: str  # the model id the API reported (an alias resolves to a dated id)
    usage: ClaudeUsage
    stop_reason: str | None
    content: tuple[dict[str, Any], ...] = ()  # the text and tool_use blocks, as the next request sends them back

    @property
    def tool_uses(self) -> list[dict[str, Any]]:
        """The tool calls Claude asked for: {"type": "tool_use", "id", "name", "input"}."""
        return [block for block in self.content if block["type"] == "tool_use"]


def _block(block: Any) -> dict[str, Any]:
    """A response block as a request block: only the fields the API accepts back."""
    if block.type == "tool_use":
        return {"type": "tool_use", "id": block.id, "name": block.name, "input": block.input}
    return {"type": "text", "text": getattr(block, "text", "")}


def payload_text(content: Any) -> str:
    """Every string a message's content sends: its text, or its blocks' text, tool inputs and tool results."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(payload_text(block) for block in content)
    if isinstance(content, dict):
        return "\n".join(payload_text(v) if isinstance(v, (str, list, dict)) else str(v)
                         for k, v in content.items() if k not in ("type", "id", "tool_use_id"))
    return str(content)


def guard_payload(system: str, messages: list[dict[str, Any]], sensitive_thread: bool) -> None:
    """Raise SensitiveDataBlockedError when the thread is marked sensitive or the payload holds sensitive data
    (tool calls and tool results included)."""
    if sensitive_thread:
        raise SensitiveDataBlockedError(
            "not sent to Claude: this thread is marked sensitive, so it stays on this machine",
            kinds=("sensitive_thread",),
        )
    # Imported here so this module loads on its own (and without a cycle if escalation imports ClaudeReply).
    from chief_of_staff.sensitive import detect_sensitive

    found = detect_sensitive("\n".join([system, *(payload_text(m.get("content", "")) for m in messages)]))
    if found.sensitive:
        raise SensitiveDataBlockedError(
            f"not sent to Claude: the request contains sensitive data ({', '.join(found.kinds)}); "
            "it stays on this machine",
            kinds=tuple(found.kinds),
        )


def retry_after_s(headers: Any) -> float | None:
    """The wait the API asked for, in seconds (`retry-after-ms` first, as the SDK reads it), or None."""
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        try:
            return float(headers.get(name)) / scale
        except (TypeError, ValueError):
            continue
    return None


def cloud_error(err: anthropic.APIError, usage: ClaudeUsage | None, timeout_s: float, base_url: str) -> CloudError:
    """The domain error for an SDK error; messages name the status and error type, never the payload."""
    if isinstance(err, anthropic.APITimeoutError):  # before APIConnectionError, its base class
        return CloudTimeoutError(
            f"Claude did not answer within {timeout_s:g} s (per attempt); try again or raise claude_timeout_s",
            usage=usage,
        )
    if isinstance(err, anthropic.APIConnectionError):
        return CloudUnavailableError(
            f"cannot reach the Anthropic API at {base_url}; check the network (and ANTHROPIC_BASE_URL if set)",
            usage=usage,
        )
    if not isinstance(err, anthropic.APIStatusError):  # APIResponseValidationError and the like
        return CloudBadResponseError("the Anthropic API sent an answer that is not a valid message; try again", usage)
    kind = err.type or "unknown_error"
    where = f"{err.status_code} {kind}" if err.status_code >= 400 else f"{kind} mid-stream"
    wait = retry_after_s(err.response.headers)
    retried = ", retries included" if err.status_code >= 400 else ""  # the SDK cannot retry a half-read stream
    if isinstance(err, (anthropic.AuthenticationError, anthropic.PermissionDeniedError)) or kind in (
        "authentication_error",
        "permission_error",
    ):
        return CloudUnavailableError(f"the Anthropic API refused the key ({where}): check ANTHROPIC_API_KEY", usage)
    if isinstance(err, anthropic.RateLimitError) or kind == "rate_limit_error":
        when = f"in {wait:g} s" if wait is not None else "in a minute"
        return CloudRateLimitedError(
            f"Claude's rate limit was reached ({where}){retried}; try again {when}", usage, wait
        )
    if isinstance(err, anthropic.InternalServerError) or kind in SERVER_ERROR_TYPES:
        return CloudServerError(f"the Anthropic API failed ({where}){retried}; try again shortly", usage, wait)
    detail = (err.api_message or "")[:200]  # Anthropic's own explanation, e.g. a low credit balance
    return CloudError(f"the Anthropic API refused the request ({where}): {detail}", usage)


@dataclass
class StreamProgress:
    """What a stream has shown so far: the usage reported, whether message_stop came, the final message."""

    usage: ClaudeUsage | None = None
    stopped: bool = False
    message: Any = None

    def see(self, event: Any) -> None:
        if event.type == "message_start":
            self.usage = ClaudeUsage().updated(event.message.usage)
        elif event.type == "message_delta":
            self.usage = (self.usage or ClaudeUsage()).updated(event.usage)
        elif event.type == "message_stop":
            self.stopped = True


class ClaudeClient:
    """Streams one answer per `complete()`; `available` is False without an API key (nothing is ever sent)."""

    def __init__(
        self, api_key: str | None = None, base_url: str | None = None, timeout_s: float = 60.0, max_retries: int = 2,
        max_wait_s: float = 60.0,
    ) -> None:
        key = api_key if api_key is not None else os.environ.get("ANTHROPIC_API_KEY")
        self.timeout_s = timeout_s
        # An explicit key keeps the SDK from looking for other credentials (auth tokens, profiles on disk).
        # base_url None: the SDK reads ANTHROPIC_BASE_URL, else uses https://api.anthropic.com.
        self.max_retries, self.max_wait_s = max_retries, max_wait_s
        self._sdk = (
            _BoundedWaitAnthropic(api_key=key, base_url=base_url, timeout=timeout_s, max_retries=max_retries)
            if key
            else None
        )
        if self._sdk is not None:
            self._sdk.max_wait_s = max_wait_s

    @property
    def longest_call_s(self) -> float:
        """An upper bound on one complete() call: every attempt timing out, every wait at its longest."""
        return (self.max_retries + 1) * self.timeout_s + self.max_retries * self.max_wait_s

    @property
    def available(self) -> bool:
        return self._sdk is not None

    def complete(
        self,
        *,
        model: str,
        system: str,
        messages: list[dict[str, Any]],
        max_tokens: int,
        sensitive_thread: bool = False,
        on_text: Callable[[str], None] | None = None,
        tools: list[dict[str, Any]] | None = None,
        tool_choice: dict[str, Any] | None = None,
    ) -> ClaudeReply:
        """Stream one answer, calling `on_text` with each text delta; the reply carries the API's usage. With
        `tools` (Messages API tool definitions) Claude may stop to call them: the reply's `tool_uses`."""
        guard_payload(system, messages, sensitive_thread)
        if self._sdk is None:
            raise CloudUnavailableError("no Anthropic API key: set ANTHROPIC_API_KEY to escalate to Claude")
        # No temperature or top_p: current Sonnet and Opus models reject non-default sampling parameters.
        request = {
            "model": model,
            "max_tokens": max_tokens,
            "system": [{"type": "text", "text": system, "cache_control": {"type": "ephemeral"}}],
            "messages": messages,
            **({"tools": tools} if tools else {}),
            **({"tool_choice": tool_choice} if tools and tool_choice else {}),
        }
        progress = StreamProgress()
        with closing(self._text_deltas(request, progress)) as deltas:
            for text in deltas:  # on_text runs here, outside the SDK error mapping: its errors stay its own
                if on_text is not None:
                    on_text(text)
        message = progress.message
        return ClaudeReply(
            text="".join(block.text for block in message.content if block.type == "text"),
            model=message.model,
            usage=progress.usage or ClaudeUsage(),
            stop_reason=message.stop_reason,
            content=tuple(_block(block) for block in message.content if block.type in ("text", "tool_use")),
        )

    def _broken_read(self, err: BaseException, progress: StreamProgress) -> CloudError:
        """A stream whose read stalled or whose connection dropped after the request was answered."""
        if isinstance(err, (httpx2.TimeoutException, anthropic.APITimeoutError)):
            return CloudTimeoutError(
                f"Claude's stream stalled for over {self.timeout_s:g} s; try again", usage=progress.usage
            )
        return CloudBadResponseError("the connection to Claude dropped mid-answer; try again", usage=progress.usage)

    def _text_deltas(self, request: dict[str, Any], progress: StreamProgress) -> Iterator[str]:
        """Yield the text deltas of one streamed request; every failure leaves as a CloudError."""
        assert self._sdk is not None
        try:
            with self._sdk.messages.stream(**request) as stream:  # the request (and the SDK's retries) happen here
                try:
                    for event in stream:
                        progress.see(event)
                        if event.type == "text":
                            yield event.text
                except MALFORMED_STREAM as err:
                    raise CloudBadResponseError(
                        "Claude sent a malformed stream; try again", usage=progress.usage
                    ) from err
                except anthropic.APIConnectionError as err:  # anthropic >= 2.17 wraps a read that breaks mid-stream
                    raise self._broken_read(err.__cause__ or err, progress) from err
                if not progress.stopped:
                    raise CloudBadResponseError(
                        "Claude's stream ended before the message was complete; try again", usage=progress.usage
                    )
                progress.message = stream.get_final_message()
        except anthropic.APIError as err:
            raise cloud_error(err, progress.usage, self.timeout_s, str(self._sdk.base_url)) from err
        except httpx2.TransportError as err:  # earlier SDKs let a broken read through unwrapped
            raise self._broken_read(err, progress) from err
        except (httpx2.HTTPError, anthropic.AnthropicError) as err:  # e.g. a body that fails to decode
            raise CloudBadResponseError(
                f"Claude's answer could not be read ({type(err).__name__}); try again", usage=progress.usage
            ) from err
