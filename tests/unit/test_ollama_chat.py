"""OllamaChatModel through the real `ollama` client against a fake server that speaks Ollama's wire format."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

from chief_of_staff.errors import BackendUnavailableError, ModelNotFoundError
from chief_of_staff.models.ollama_chat import OllamaChatModel
from tests.fakes.ollama_server import DEFAULT_ANSWER, FakeOllamaServer, word_parts

MODEL = "smollm2:135m"
PROMPT = [SystemMessage("You are the security department."), HumanMessage("Rotate the API keys?")]


@pytest.fixture
def server() -> Iterator[FakeOllamaServer]:
    with FakeOllamaServer(models=[MODEL]) as fake:
        yield fake


@pytest.fixture
def model(server: FakeOllamaServer) -> OllamaChatModel:
    return OllamaChatModel(model_name=MODEL, host=server.url, timeout_s=10)


def chat_requests(server: FakeOllamaServer) -> list[dict]:
    return [r for r in server.requests if r["path"] == "/api/chat"]


def test_invoke_returns_answer_with_usage_and_logprobs(model: OllamaChatModel) -> None:
    answer = model.invoke(PROMPT)

    assert isinstance(answer, AIMessage)
    assert answer.content == DEFAULT_ANSWER
    parts = word_parts(DEFAULT_ANSWER)
    assert answer.usage_metadata == {
        "input_tokens": 9,  # the fake counts prompt words
        "output_tokens": len(parts),
        "total_tokens": 9 + len(parts),
    }
    assert answer.response_metadata["logprobs"] == [{"token": p, "logprob": -0.1} for p in parts]
    assert answer.response_metadata["model_name"] == MODEL
    assert answer.response_metadata["backend"] == "ollama"
    assert answer.response_metadata["finish_reason"] == "stop"
    assert answer.response_metadata["generation_s"] >= 0


def test_stream_yields_tokens_in_order_then_a_closing_empty_chunk(model: OllamaChatModel) -> None:
    chunks = list(model.stream(PROMPT))

    texts = [c.content for c in chunks]
    assert texts[: len(word_parts(DEFAULT_ANSWER))] == word_parts(DEFAULT_ANSWER)
    assert "".join(texts) == DEFAULT_ANSWER
    assert chunks[-1].content == ""
    assert chunks[-1].usage_metadata["output_tokens"] == len(word_parts(DEFAULT_ANSWER))
    assert chunks[-1].response_metadata["model_name"] == MODEL
    assert all(c.response_metadata.get("model_name") is None for c in chunks[:-1])


class CollectTokens(BaseCallbackHandler):
    def __init__(self) -> None:
        self.tokens: list[str] = []

    def on_llm_new_token(self, token: str, **kwargs: object) -> None:
        self.tokens.append(token)


@pytest.mark.parametrize("call", ["invoke", "stream"])
def test_answer_tokens_reach_callback_handlers_in_order(model: OllamaChatModel, call: str) -> None:
    collect = CollectTokens()
    if call == "invoke":
        model.invoke(PROMPT, config={"callbacks": [collect]})
    else:
        list(model.stream(PROMPT, config={"callbacks": [collect]}))

    # stream() reports every chunk itself, the closing empty one included; invoke() only non-empty deltas
    assert [t for t in collect.tokens if t] == word_parts(DEFAULT_ANSWER)


def test_request_carries_messages_options_and_asks_for_logprobs(server: FakeOllamaServer) -> None:
    model = OllamaChatModel(
        model_name=MODEL, host=server.url, max_new_tokens=50, temperature=0.3, context_window_tokens=4096
    )
    model.invoke(PROMPT)

    (sent,) = chat_requests(server)
    assert sent["model"] == MODEL
    assert sent["stream"] is True
    assert sent["logprobs"] is True
    assert sent["messages"] == [
        {"role": "system", "content": "You are the security department."},
        {"role": "user", "content": "Rotate the API keys?"},
    ]
    assert sent["options"] == {"num_predict": 50, "temperature": 0.3, "repeat_penalty": 1.15, "num_ctx": 4096}


def test_stop_sequences_are_sent_as_options_stop(model: OllamaChatModel, server: FakeOllamaServer) -> None:
    model.invoke(PROMPT, stop=["\n\n"])

    assert chat_requests(server)[0]["options"]["stop"] == ["\n\n"]


def test_max_new_tokens_override_truncates_answer_and_reports_length(
    model: OllamaChatModel, server: FakeOllamaServer
) -> None:
    answer = model.invoke(PROMPT, max_new_tokens=2)

    assert chat_requests(server)[0]["options"]["num_predict"] == 2
    assert answer.content == "".join(word_parts(DEFAULT_ANSWER)[:2])
    assert answer.usage_metadata["output_tokens"] == 2
    assert answer.response_metadata["finish_reason"] == "length"


def test_unknown_model_raises_model_not_found_with_pull_hint(server: FakeOllamaServer) -> None:
    model = OllamaChatModel(model_name="llama9:404b", host=server.url)

    with pytest.raises(ModelNotFoundError, match=r"ollama pull llama9:404b.*COS_MODEL"):
        model.invoke(PROMPT)


def test_unreachable_host_raises_backend_unavailable_naming_host_and_fix() -> None:
    with FakeOllamaServer() as closed:
        url = closed.url
    model = OllamaChatModel(model_name=MODEL, host=url, timeout_s=5)

    with pytest.raises(BackendUnavailableError, match=r"ollama serve.*COS_OLLAMA_HOST") as raised:
        model.invoke(PROMPT)
    assert url in str(raised.value)
    with pytest.raises(BackendUnavailableError, match="ollama serve"):
        model.info()


def test_server_error_raises_backend_unavailable_with_server_message() -> None:
    with FakeOllamaServer(failure=(500, "llama runner process has terminated")) as broken:
        model = OllamaChatModel(model_name=MODEL, host=broken.url)

        with pytest.raises(BackendUnavailableError, match="llama runner process has terminated"):
            model.invoke(PROMPT)


def test_info_reports_family_parameter_size_quantization_and_context(model: OllamaChatModel) -> None:
    assert model.info() == {
        "name": MODEL,
        "family": "llama",
        "parameter_size": "135M",
        "quantization": "Q4_1",
        "context_length": 8192,
    }


def test_info_for_unknown_model_raises_model_not_found(server: FakeOllamaServer) -> None:
    with pytest.raises(ModelNotFoundError, match="ollama pull ghost"):
        OllamaChatModel(model_name="ghost", host=server.url).info()


def test_surface_mirrors_transformers_backend() -> None:
    model = OllamaChatModel(model_name=MODEL, host="http://127.0.0.1:1", context_window_tokens=2048)

    assert model._llm_type == "ollama"
    assert model.context_window == 2048
    assert model.parameter_count is None
    assert model.device == "ollama:http://127.0.0.1:1"
    assert model.source == "http://127.0.0.1:1"


def test_count_tokens_approximates_four_characters_per_token() -> None:
    model = OllamaChatModel(model_name=MODEL)

    assert model.count_tokens("") == 0
    assert model.count_tokens("abcd") == 1
    assert model.count_tokens("abcde") == 2
    assert model.count_tokens("x" * 400) == 100


def test_truncate_to_tokens_keeps_four_characters_per_token() -> None:
    model = OllamaChatModel(model_name=MODEL)
    text = "The quarterly budget review is due on Friday."

    assert model.truncate_to_tokens(text, 3) == text[:12]
    assert model.truncate_to_tokens(text, 1000) == text
    assert model.truncate_to_tokens(text, 0) == ""
    assert model.count_tokens(model.truncate_to_tokens(text, 5)) <= 5
