"""The transformers backend: a langchain-core chat model that streams tokens with raw log-probabilities."""

import pytest
import torch
from langchain_core.messages import HumanMessage, SystemMessage

from chief_of_staff.models.embedded import load_folder
from chief_of_staff.models.transformers_chat import TransformersChatModel, apply_repetition_penalty


@pytest.fixture(scope="module")
def model(tiny_model_dir):
    weights, tokenizer = load_folder(tiny_model_dir)
    return TransformersChatModel(weights, tokenizer, device="cpu", model_name="tiny", max_new_tokens=8)


MESSAGES = [SystemMessage("You are terse."), HumanMessage("Say hello.")]


def test_invoke_returns_usage_and_one_logprob_per_token(model):
    reply = model.invoke(MESSAGES)
    usage = reply.usage_metadata
    assert usage["output_tokens"] == len(reply.response_metadata["logprobs"]) <= 8
    assert usage["input_tokens"] > 5 and usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
    assert all(p["logprob"] <= 0.0 for p in reply.response_metadata["logprobs"])
    assert reply.response_metadata["model_name"] == "tiny"
    assert reply.response_metadata["backend"] == "transformers"


def test_stream_yields_the_same_text_as_invoke(model):
    streamed = "".join(chunk.text for chunk in model.stream(MESSAGES))
    assert streamed == model.invoke(MESSAGES).text


def test_greedy_decoding_is_reproducible(model):
    assert model.invoke(MESSAGES).text == model.invoke(MESSAGES).text


def test_max_new_tokens_can_be_lowered_per_call(model):
    reply = model.invoke(MESSAGES, max_new_tokens=3)
    assert reply.usage_metadata["output_tokens"] <= 3


def test_logprobs_match_a_full_forward_pass(model):
    """The KV-cached loop reports the same log-probabilities as scoring prompt + answer in one pass."""
    ids = model.encode_chat(MESSAGES)
    produced = list(model.token_stream(ids, max_new_tokens=4))
    full = torch.cat([ids, torch.tensor([[t for t, _ in produced]])], dim=1)  # (1, T + 4)
    with torch.inference_mode():
        logprobs = torch.log_softmax(model._model(full).logits[0].float(), dim=-1)  # (T + 4, V)
    for i, (token, logprob) in enumerate(produced):
        assert logprob == pytest.approx(float(logprobs[ids.shape[1] - 1 + i, token]), abs=1e-4)


def test_repetition_penalty_divides_positive_and_multiplies_negative_logits():
    logits = torch.tensor([2.0, -2.0, 1.0])
    penalised = apply_repetition_penalty(logits, [0, 1, 1], 2.0)
    assert penalised.tolist() == [1.0, -4.0, 1.0]
    assert logits.tolist() == [2.0, -2.0, 1.0], "the input is not modified"


def test_truncate_to_tokens_keeps_the_opening(model):
    text = "one two three four five six seven eight"
    short = model.truncate_to_tokens(text, 3)
    assert text.startswith(short) and model.count_tokens(short) == 3
