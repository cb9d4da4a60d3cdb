"""ClaudeClient through the real `anthropic` SDK against a fake Messages API (tests/fakes/anthropic_server.py)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from chief_of_staff.errors import (
    CloudBadResponseError,
    CloudRateLimitedError,
    CloudServerError,
    CloudTimeoutError,
    CloudUnavailableError,
    SensitiveDataBlockedError,
)
from chief_of_staff.models.claude import ClaudeClient, ClaudeReply, ClaudeUsage
from tests.fakes.anthropic_server import DEFAULT_ANSWER, DEFAULT_API_KEY, FakeAnthropicServer, word_parts

MODEL = "claude-sonnet-5-5"
REPORTED_MODEL = "claude-sonnet-5-5-snapshot"  # the API reports the id it resolved the alias to
SYSTEM = "You are the finance department of a small bakery."
ASK = [{"role": "user", "content": "Summarise last month's spend on flour."}]
PROMPT_TOKENS = (len(SYSTEM) + len(ASK[0]["content"])) // 4  # the fake counts characters / 4


@pytest.fixture(autouse=True)
def no_anthropic_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A real key or base URL in the developer's environment must never reach these tests (nor the cloud)."""
    for var in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def server() -> Iterator[FakeAnthropicServer]:
    with FakeAnthropicServer(reported_model=REPORTED_MODEL) as fake:
        yield fake


def client_for(server: FakeAnthropicServer, **kwargs: object) -> ClaudeClient:
    options: dict = {"api_key": DEFAULT_API_KEY, "base_url": server.url, "timeout_s": 5.0, "max_retries": 2}
    return ClaudeClient(**{**options, **kwargs})


def ask(client: ClaudeClient, **kwargs: object) -> ClaudeReply:
    return client.complete(model=MODEL, system=SYSTEM, messages=ASK, max_tokens=256, **kwargs)


def test_complete_streams_deltas_to_on_text_and_returns_text_model_and_usage(server: FakeAnthropicServer) -> None:
    deltas: list[str] = []

    reply = ask(client_for(server), on_text=deltas.append)

    assert deltas == word_parts(DEFAULT_ANSWER)
    assert reply.text == DEFAULT_ANSWER
    assert reply.model == REPORTED_MODEL
    assert reply.stop_reason == "end_turn"
    cached = len(SYSTEM) // 4  # the first request writes the cacheable system block
    assert reply.usage == ClaudeUsage(
        input_tokens=PROMPT_TOKENS - cached, output_tokens=len(deltas), cache_creation_input_tokens=cached
    )


def test_system_prompt_is_one_cacheable_block_and_no_sampling_parameters_are_sent(
    server: FakeAnthropicServer,
) -> None:
    ask(client_for(server))

    (request,) = server.requests
    body = request["body"]
    assert body["stream"] is True
    assert body["system"] == [{"type": "text", "text": SYSTEM, "cache_control": {"type": "ephemeral"}}]
    assert body["messages"] == ASK
    assert body["model"] == MODEL and body["max_tokens"] == 256
    assert not {"temperature", "top_p", "top_k"} & body.keys()


def test_a_repeated_system_prompt_reports_cache_reads(server: FakeAnthropicServer) -> None:
    client = client_for(server)
    first, second = ask(client), ask(client)

    assert first.usage.cache_creation_input_tokens == second.usage.cache_read_input_tokens == len(SYSTEM) // 4
    assert second.usage.cache_creation_input_tokens == 0


def test_rate_limit_then_ok_succeeds_after_the_sdk_waits_retry_after() -> None:
    with FakeAnthropicServer(modes=["429", "ok"], retry_after=0.6) as server:
        start = time.monotonic()
        reply = ask(client_for(server, max_retries=2))
        elapsed = time.monotonic() - start

    assert reply.text == DEFAULT_ANSWER
    assert len(server.requests) == 2
    assert server.requests[1]["headers"]["x-stainless-retry-count"] == "1"
    assert elapsed >= 0.6  # the header's wait: the SDK's own first backoff is at most 0.5 s


def test_a_long_retry_after_is_not_waited_for_but_reported_at_once() -> None:
    with FakeAnthropicServer(default_mode="429", retry_after=120) as server:
        start = time.monotonic()
        with pytest.raises(CloudRateLimitedError) as caught:
            ask(ClaudeClient(api_key=DEFAULT_API_KEY, base_url=server.url, max_retries=2, max_wait_s=1.0))
    assert time.monotonic() - start < 10 and len(server.requests) == 1
    assert caught.value.retry_after == pytest.approx(120)


def test_rate_limit_that_persists_raises_rate_limited_with_retry_after() -> None:
    with FakeAnthropicServer(default_mode="429", retry_after=0.1) as server:
        with pytest.raises(CloudRateLimitedError) as caught:
            ask(client_for(server, max_retries=2))

    assert len(server.requests) == 3  # 1 + max_retries
    assert caught.value.retry_after == pytest.approx(0.1)
    assert caught.value.usage is None
    assert "try again in 0.1 s" in str(caught.value)


def test_server_error_raises_server_error_after_the_sdk_retries() -> None:
    with FakeAnthropicServer(default_mode="500") as server:
        with pytest.raises(CloudServerError, match="500 api_error"):
            ask(client_for(server, max_retries=2))

    assert len(server.requests) == 3  # 1 + max_retries


def test_overloaded_raises_server_error() -> None:
    with FakeAnthropicServer(default_mode="529") as server:
        with pytest.raises(CloudServerError, match="529 overloaded_error"):
            ask(client_for(server, max_retries=0))

    assert len(server.requests) == 1


def test_slow_answer_raises_timeout() -> None:
    with FakeAnthropicServer(default_mode="slow") as server:
        with pytest.raises(CloudTimeoutError, match="0.3 s"):
            ask(client_for(server, timeout_s=0.3, max_retries=0))

    assert len(server.requests) == 1


def test_malformed_stream_raises_bad_response() -> None:
    with FakeAnthropicServer(default_mode="malformed") as server:
        with pytest.raises(CloudBadResponseError) as caught:
            ask(client_for(server))

    assert caught.value.usage is None  # nothing was reported, so nothing is charged
    assert len(server.requests) == 1  # a 200 is not retried


def test_dropped_stream_raises_bad_response_carrying_the_input_tokens_of_message_start() -> None:
    deltas: list[str] = []
    with FakeAnthropicServer(default_mode="drop") as server:
        with pytest.raises(CloudBadResponseError) as caught:
            ask(client_for(server), on_text=deltas.append)

    assert deltas == word_parts(DEFAULT_ANSWER)[: len(deltas)] and 0 < len(deltas) < len(word_parts(DEFAULT_ANSWER))
    usage = caught.value.usage
    assert usage is not None
    assert usage.input_tokens + usage.cache_creation_input_tokens == PROMPT_TOKENS
    assert usage.output_tokens == 1  # message_start's count; no message_delta came


def test_stream_that_stalls_mid_answer_raises_timeout_carrying_the_usage_so_far() -> None:
    with FakeAnthropicServer(default_mode="stall") as server:
        with pytest.raises(CloudTimeoutError, match="stalled for over 0.5 s") as caught:
            ask(client_for(server, timeout_s=0.5, max_retries=0))

    assert caught.value.usage is not None and caught.value.usage.output_tokens == 1


def test_error_event_mid_stream_raises_server_error_with_the_usage_so_far() -> None:
    with FakeAnthropicServer(default_mode="error_event") as server:
        with pytest.raises(CloudServerError, match="overloaded_error mid-stream") as caught:
            ask(client_for(server))

    assert caught.value.usage is not None and caught.value.usage.cache_creation_input_tokens > 0


def test_wrong_api_key_raises_unavailable_naming_the_variable(server: FakeAnthropicServer) -> None:
    with pytest.raises(CloudUnavailableError, match="ANTHROPIC_API_KEY") as caught:
        ask(client_for(server, api_key="sk-ant-wrong"))

    assert "401" in str(caught.value)
    assert len(server.requests) == 1  # a 401 is not retried


def test_no_api_key_makes_the_client_unavailable_and_sends_nothing(server: FakeAnthropicServer) -> None:
    client = ClaudeClient(base_url=server.url)

    assert client.available is False
    with pytest.raises(CloudUnavailableError, match="ANTHROPIC_API_KEY"):
        ask(client)
    assert server.requests == []


def test_key_and_base_url_are_read_from_the_environment(
    server: FakeAnthropicServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", DEFAULT_API_KEY)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)

    client = ClaudeClient()

    assert client.available
    assert ask(client).text == DEFAULT_ANSWER
    assert len(server.requests) == 1


def test_unreachable_api_raises_unavailable() -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there now
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    with pytest.raises(CloudUnavailableError, match="cannot reach"):
        ask(ClaudeClient(api_key=DEFAULT_API_KEY, base_url=f"http://127.0.0.1:{port}", max_retries=0))


def test_errors_raised_by_on_text_propagate_unchanged(server: FakeAnthropicServer) -> None:
    def stop(_: str) -> None:
        raise ValueError("the caller's own failure")

    with pytest.raises(ValueError, match="the caller's own failure"):
        ask(client_for(server), on_text=stop)


def test_sensitive_thread_never_reaches_the_cloud(server: FakeAnthropicServer) -> None:
    with pytest.raises(SensitiveDataBlockedError) as caught:
        ask(client_for(server), sensitive_thread=True)

    assert caught.value.kinds
    assert server.requests == []


SECRETS = {
    "card": "Charge the card 4111 1111 1111 1111 for the flour order.",
    "ssn": "Add Maria Lopez to payroll, SSN 123-45-6789.",
}


@pytest.mark.parametrize("where", ["message", "system"])
@pytest.mark.parametrize("secret", ["4111 1111 1111 1111", "123-45-6789"], ids=["card", "ssn"])
def test_payload_with_sensitive_data_is_blocked_before_any_request(
    server: FakeAnthropicServer, secret: str, where: str
) -> None:
    text = next(t for t in SECRETS.values() if secret in t)
    system = f"{SYSTEM}\n{text}" if where == "system" else SYSTEM
    messages = [{"role": "user", "content": text}] if where == "message" else ASK

    with pytest.raises(SensitiveDataBlockedError) as caught:
        client_for(server).complete(model=MODEL, system=system, messages=messages, max_tokens=64)

    assert server.requests == []
    assert caught.value.kinds
    assert all(kind in str(caught.value) for kind in caught.value.kinds)
    assert secret not in str(caught.value) and secret.replace(" ", "") not in str(caught.value)


def test_the_guard_runs_before_the_key_check(server: FakeAnthropicServer) -> None:
    with pytest.raises(SensitiveDataBlockedError):
        ClaudeClient(base_url=server.url).complete(
            model=MODEL, system=SYSTEM, messages=[{"role": "user", "content": SECRETS["card"]}], max_tokens=64
        )
    assert server.requests == []
