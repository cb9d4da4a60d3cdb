"""The llama.cpp backend as a chat model, on the embedded GGUF: streaming, log-probabilities, usage, stop and
cancel, the token budget, and the errors a user can meet."""

import threading

import pytest
from langchain_core.messages import HumanMessage, SystemMessage

from chief_of_staff.models.llamacpp_chat import ContextOverflowError

MESSAGES = [SystemMessage("You are the security department of a small bakery."),
            HumanMessage("Is an email asking for our bank password a phishing attempt?")]


def test_streams_pieces_each_with_the_logprob_of_its_token_then_usage(llama):
    chunks = list(llama.stream(MESSAGES))
    *pieces, last = chunks
    assert "".join(p.text for p in pieces).strip()
    logprobs = [lp for p in pieces for lp in p.response_metadata["logprobs"]]
    assert len(logprobs) == 16 and all(lp["logprob"] <= 0 and isinstance(lp["token"], str) for lp in logprobs)
    assert last.usage_metadata["output_tokens"] == 16 and last.usage_metadata["input_tokens"] > 20
    assert last.response_metadata["backend"] == "llamacpp" and last.response_metadata["finish_reason"] == "length"


def test_greedy_answers_are_reproducible(llama):
    assert llama.invoke(MESSAGES).text == llama.invoke(MESSAGES).text


def test_max_new_tokens_can_be_lowered_per_call_without_changing_the_model(llama):
    reply = llama.invoke(MESSAGES, max_new_tokens=3)
    assert reply.usage_metadata["output_tokens"] == 3 and llama.max_new_tokens == 16


def test_a_short_answer_finishes_with_stop(llama):
    reply = llama.invoke([HumanMessage("Reply with the single word: yes")], max_new_tokens=40)
    assert reply.response_metadata["finish_reason"] == "stop" and reply.usage_metadata["output_tokens"] < 40


def test_cancel_stops_between_two_tokens(llama):
    cancelled = threading.Event()
    pieces = []
    for chunk in llama.stream(MESSAGES, cancelled=cancelled, max_new_tokens=200):
        pieces.append(chunk)
        if len(pieces) == 3:
            cancelled.set()
    assert pieces[-1].response_metadata["finish_reason"] == "stopped" and len(pieces) < 10


def test_a_consumer_that_leaves_frees_the_engine(llama):
    stream = llama.stream(MESSAGES, max_new_tokens=200)
    next(stream)
    stream.close()  # the client left: the next call still answers
    assert llama.invoke(MESSAGES, max_new_tokens=2).usage_metadata["output_tokens"] == 2


def test_token_counts_come_from_the_models_own_tokenizer(llama):
    assert llama.count_tokens("Hello world") == 2
    assert llama.truncate_to_tokens("one two three four five", 2) == "one two"
    assert llama.truncate_to_tokens("short", 10) == "short"


def test_a_prompt_over_the_context_is_a_clear_error_not_a_crash(llama):
    with pytest.raises(ContextOverflowError, match=r"context holds 1024.*COS_CONTEXT_SIZE"):
        llama.invoke([HumanMessage("word " * 2000)])
    assert llama.invoke(MESSAGES, max_new_tokens=1).text is not None, "the engine still answers"


def test_a_departments_prompt_saved_by_one_process_is_reused_by_the_next(tmp_path):
    """One-slot engines save a department's prompt after its first answer; a new engine restores it, reads
    only the new tokens, and answers exactly as it would have without it."""
    from chief_of_staff.models.embedded import EMBEDDED_NAME, embedded_gguf
    from chief_of_staff.models.llamacpp_chat import LlamaCppChatModel
    from chief_of_staff.models.llamacpp_engine import EngineConfig

    def model(saved_prompts=None):
        config = EngineConfig(embedded_gguf(), context_per_slot=1024, threads=2, saved_prompts=saved_prompts)
        return LlamaCppChatModel(config, model_name=EMBEDDED_NAME, max_new_tokens=12)

    second_task = [MESSAGES[0], HumanMessage("Is a text asking for my card PIN a scam?")]
    expected = model().invoke(second_task, department="security")
    first = model(tmp_path).invoke(MESSAGES, department="security")
    assert first.usage_metadata["input_token_details"]["cache_read"] == 0
    assert [p.name for p in tmp_path.iterdir()] == ["security-base.bin"]
    later = model(tmp_path).invoke(second_task, department="security")
    assert later.usage_metadata["input_token_details"]["cache_read"] > 15, "the system prompt was not read again"
    assert later.text == expected.text
    (tmp_path / "security-base.bin").write_bytes(b"damaged")
    (tmp_path / "security-adapter.00ff.bin").write_bytes(b"saved under an adapter since removed")
    (tmp_path / "security-eu-base.bin").write_bytes(b"another department's")
    assert model(tmp_path).invoke(second_task, department="security").text == expected.text
    assert (tmp_path / "security-base.bin").stat().st_size > 1_000_000, "refused, removed, and written again"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["security-base.bin", "security-eu-base.bin"]


def test_llamacpps_own_listener_is_loopback_and_refuses_other_programs(llama):
    import httpx

    address = llama.engine._server.listening_address
    assert address.startswith("http://127.0.0.1:")
    for path, body in [("/completion", {"prompt": "hi", "n_predict": 1}), ("/lora-adapters", []),
                       ("/tokenize", {"content": "hi"})]:
        assert httpx.post(address + path, json=body).status_code == 401, path
    assert llama.count_tokens("hi") == 1, "this process holds the key"
