"""In-process transformers backend as a langchain-core chat model, streaming tokens with their log-probabilities.

We decode with our own token loop instead of `model.generate` because the loop must yield each token's
log-probability as it is produced (generate's streamer gives text only, its scores arrive at the end) and must
stop cleanly between two tokens on Ctrl-C. bench/generation_speed.py measures both side by side.
The reported log-probabilities are the model's raw ones (before repetition penalty or temperature), as
confidence estimates need.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Iterator
from typing import Any

import torch
from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatGenerationChunk
from pydantic import ConfigDict, PrivateAttr

from chief_of_staff.models.base import LocalChatModel, closing_chunk, token_chunk
from chief_of_staff.models.messages import to_role_dicts


def pick_device(device: str) -> torch.device:
    if device == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        return torch.device("cpu")
    return torch.device(device)


def apply_repetition_penalty(logits: torch.Tensor, seen: list[int], penalty: float) -> torch.Tensor:
    """CTRL-style penalty (as transformers' RepetitionPenaltyLogitsProcessor) on already generated tokens."""
    if penalty == 1.0 or not seen:
        return logits
    index = torch.tensor(sorted(set(seen)), device=logits.device)  # (k,)
    picked = logits[index]  # (k,)
    logits = logits.clone()
    logits[index] = torch.where(picked > 0, picked / penalty, picked * penalty)
    return logits


class TransformersChatModel(LocalChatModel):
    """A causal LM loaded in this process; `model` and `tokenizer` are transformers objects."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    _model: Any = PrivateAttr()
    _tokenizer: Any = PrivateAttr()
    _device: torch.device = PrivateAttr()
    _stop_ids: set[int] = PrivateAttr()

    def __init__(self, model: Any, tokenizer: Any, device: str = "auto", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._device = pick_device(device)
        dtype = torch.bfloat16 if self._device.type == "cuda" else torch.float32
        self._model = model.to(self._device, dtype=dtype).eval()
        self._tokenizer = tokenizer
        stops = {tokenizer.eos_token_id, tokenizer.convert_tokens_to_ids("<|im_end|>")}
        self._stop_ids = {s for s in stops if isinstance(s, int) and s >= 0}

    @property
    def _llm_type(self) -> str:
        return "transformers"

    @property
    def hf_model(self) -> Any:
        """The underlying transformers model (adapters attach to it)."""
        return self._model

    @property
    def context_window(self) -> int:
        return int(getattr(self._model.config, "max_position_embeddings", 2048))

    @property
    def parameter_count(self) -> int:
        return sum(p.numel() for p in self._model.parameters())

    @property
    def device(self) -> str:
        return str(self._device)

    def count_tokens(self, text: str) -> int:
        return len(self._tokenizer.encode(text, add_special_tokens=False))

    def truncate_to_tokens(self, text: str, max_tokens: int) -> str:
        ids = self._tokenizer.encode(text, add_special_tokens=False)
        return text if len(ids) <= max_tokens else self._tokenizer.decode(ids[:max_tokens])

    def encode_chat(self, messages: list[BaseMessage]) -> torch.Tensor:
        """Prompt token ids (1, T) through the model's own chat template."""
        encoded = self._tokenizer.apply_chat_template(
            to_role_dicts(messages), add_generation_prompt=True, return_tensors="pt", return_dict=True
        )
        return encoded["input_ids"].to(self._device)

    @torch.inference_mode()
    def token_stream(self, input_ids: torch.Tensor, max_new_tokens: int | None = None) -> Iterator[tuple[int, float]]:
        """Yield (token id, raw log-probability) one token at a time, reusing the KV cache."""
        generator = torch.Generator(device="cpu").manual_seed(self.seed)
        past, step_ids, seen = None, input_ids, []  # step_ids: (1, T) then (1, 1)
        for _ in range(max_new_tokens or self.max_new_tokens):
            out = self._model(input_ids=step_ids, cache=past, use_cache=True, logits_to_keep=1)
            past = out.cache
            logits = out.logits[0, -1].float()  # (V,)
            raw_logprobs = torch.log_softmax(logits, dim=-1)  # (V,)
            logits = apply_repetition_penalty(logits, seen, self.repetition_penalty)
            if self.temperature > 0:
                probs = torch.softmax(logits / self.temperature, dim=-1).cpu()  # (V,)
                token = int(torch.multinomial(probs, 1, generator=generator))
            else:
                token = int(torch.argmax(logits))
            if token in self._stop_ids:
                return
            seen.append(token)
            yield token, float(raw_logprobs[token])
            step_ids = torch.tensor([[token]], device=self._device)  # (1, 1)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        input_ids = self.encode_chat(messages)
        started = time.perf_counter()
        if kwargs.get("json_schema"):
            yield from self._stream_choice(input_ids, kwargs["json_schema"], started)
            return
        limit = kwargs.get("max_new_tokens") or self.max_new_tokens
        tokens: list[int] = []
        emitted = ""
        finish_reason = "length"
        cancelled = kwargs.get("cancelled")  # a threading.Event the caller sets on Ctrl-C (nodes run in threads)
        for token, logprob in self.token_stream(input_ids, limit):
            if cancelled is not None and cancelled.is_set():
                finish_reason = "stopped"
                break
            tokens.append(token)
            text = self._tokenizer.decode(tokens, skip_special_tokens=True)
            if text.endswith("\ufffd"):  # an incomplete multi-byte character: wait for the next token
                delta = ""
            else:
                delta, emitted = text[len(emitted):], text
            chunk = token_chunk(delta, [{"token": self._tokenizer.convert_ids_to_tokens(token), "logprob": logprob}])
            if run_manager and delta:
                run_manager.on_llm_new_token(delta, chunk=chunk)
            yield chunk
            if stop and any(s in emitted for s in stop):
                finish_reason = "stop"
                break
        else:
            finish_reason = "stop" if len(tokens) < limit else "length"
        yield closing_chunk(
            model_name=self.model_name,
            backend="transformers",
            finish_reason=finish_reason,
            started=started,
            input_tokens=int(input_ids.shape[1]),
            output_tokens=len(tokens),
        )

    @torch.inference_mode()
    def score_continuations(self, input_ids: torch.Tensor, continuations: list[str]) -> list[list[float]]:
        """Each continuation's per-token log-probabilities after the prompt `input_ids` (1, T)."""
        out = self._model(input_ids=input_ids, use_cache=True)
        first = torch.log_softmax(out.logits[0, -1].float(), dim=-1)  # (V,)
        scores = []
        for text in continuations:
            ids = self._tokenizer.encode(text, add_special_tokens=False)
            logprobs = [float(first[ids[0]])]
            if len(ids) > 1:
                past = copy.deepcopy(out.cache)  # each continuation extends the same prompt cache
                rest = self._model(input_ids=torch.tensor([ids[:-1]], device=self._device), cache=past,
                                   use_cache=True).logits[0].float()  # (n-1, V)
                steps = torch.log_softmax(rest, dim=-1)  # (n-1, V)
                logprobs += [float(steps[i, token]) for i, token in enumerate(ids[1:])]
            scores.append(logprobs)
        return scores

    def _stream_choice(self, input_ids: torch.Tensor, schema: dict[str, Any], started: float
                       ) -> Iterator[ChatGenerationChunk]:
        """Constrained decoding over an `enum` schema: the language is finite, so each allowed JSON text is
        scored whole and the likeliest is the answer (what a grammar-constrained greedy decode approximates)."""
        if "enum" not in schema:
            raise ValueError("the transformers backend constrains answers to `enum` schemas only")
        texts = [json.dumps(value, separators=(",", ":")) for value in schema["enum"]]
        scores = self.score_continuations(input_ids, texts)
        best = max(range(len(texts)), key=lambda i: sum(scores[i]))
        yield token_chunk(texts[best], [{"token": "", "logprob": lp} for lp in scores[best]])
        yield closing_chunk(model_name=self.model_name, backend="transformers", finish_reason="stop",
                            started=started, input_tokens=int(input_ids.shape[1]), output_tokens=len(scores[best]))
