"""Generation speed on the embedded model: a 200-token prompt (one user message), 128 new tokens, greedy, 2 threads.

Side by side in one run, alternating, every side producing exactly 128 tokens (no stop token, no repetition
penalty, the prompt computed afresh each time: llama.cpp's prompt cache is off, as transformers has none):

  transformers    TransformersChatModel.token_stream, our token loop on the transformers backend
  llamacpp        LlamaCppChatModel.stream, our llama.cpp backend as the graph calls it
  raw xllamacpp   LlamaEngine.chat with the same body: llama.cpp without langchain or our chunk handling
  adapter on      llama.cpp with one department's adapter loaded and selected for the request
  adapter off     the same engine, the adapter loaded but not selected (scale 0)

Prints first-token time, tokens per second over the whole call (prefill included) and after the first token
(decoding alone), and the ratios
llamacpp / transformers (goal >= 8x), ours / raw (goal >= 0.9x), adapter / no adapter (goal >= 0.8x).

    .venv/bin/python bench/generation_speed.py [--runs 3] [--new-tokens 128]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from langchain_core.messages import BaseMessage, HumanMessage
from random_adapters import export_adapter  # bench/random_adapters.py (scripts run from bench/ have it on sys.path)

from chief_of_staff.models.embedded import EMBEDDED_NAME, embedded_gguf
from chief_of_staff.models.factory import load_chat_model
from chief_of_staff.models.llamacpp_chat import LlamaCppChatModel
from chief_of_staff.models.llamacpp_engine import EngineAdapter, EngineConfig
from chief_of_staff.models.transformers_chat import TransformersChatModel
from chief_of_staff.settings import load_settings

PROMPT_TOKENS = 200
THREADS = 2
Sample = tuple[float, float, float, int]  # first-token s, tokens/s overall, tokens/s after the first, tokens


class ExactLengthModel(LlamaCppChatModel):
    """Our llama.cpp backend, told to ignore the end-of-sequence token and to compute every prompt afresh."""

    def request(self, messages: list[BaseMessage], adapter: str | None, max_new_tokens: int | None,
                engine: Any = None) -> dict[str, Any]:
        return {**super().request(messages, adapter, max_new_tokens, engine), "ignore_eos": True,
                "cache_prompt": False}


def make_prompt(transformers_model: TransformersChatModel) -> str:
    """About 200 tokens of invoices, cut at exactly 200 tokens of SmolLM2's tokenizer."""
    tokenizer = transformers_model._tokenizer
    text = " ".join(f"Invoice {i} from supplier {i % 7} is due on day {i % 28 + 1}." for i in range(200))
    return tokenizer.decode(tokenizer.encode(text, add_special_tokens=False)[:PROMPT_TOKENS])


def timed(produce: Callable[[Callable[[int], None]], None]) -> Sample:
    """Run `produce(on_tokens)`, which calls on_tokens(n) as tokens arrive; returns its Sample."""
    started, first, count = time.perf_counter(), [], [0]

    def on_tokens(n: int) -> None:
        if n and not first:
            first.append(time.perf_counter() - started)
        count[0] += n

    produce(on_tokens)
    total = time.perf_counter() - started
    return first[0], count[0] / total, (count[0] - 1) / (total - first[0]), count[0]


def transformers_loop(model: TransformersChatModel, prompt: torch.Tensor, new: int) -> Sample:
    return timed(lambda on: [on(1) for _ in model.token_stream(prompt, max_new_tokens=new)])


def backend_stream(model: LlamaCppChatModel, messages: list[BaseMessage], new: int, adapter: str | None) -> Sample:
    def produce(on: Callable[[int], None]) -> None:
        for chunk in model.stream(messages, max_new_tokens=new, department=adapter):
            on(len(chunk.response_metadata.get("logprobs") or []))

    return timed(produce)


def raw_engine(model: LlamaCppChatModel, messages: list[BaseMessage], new: int) -> Sample:
    body = model.request(messages, None, new)

    def produce(on: Callable[[int], None]) -> None:
        def on_chunk(chunk: dict[str, Any]) -> bool:
            for choice in chunk.get("choices", []):
                on(len((choice.get("logprobs") or {}).get("content") or []))
            return False

        model.engine.chat(body, on_chunk)

    return timed(produce)


def llama_model(adapters: tuple[EngineAdapter, ...] = ()) -> ExactLengthModel:
    config = EngineConfig(embedded_gguf(), context_per_slot=1024, threads=THREADS, adapters=adapters)
    return ExactLengthModel(config, model_name=EMBEDDED_NAME, repetition_penalty=1.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--new-tokens", type=int, default=128)
    args = parser.parse_args()
    new = args.new_tokens
    torch.set_num_threads(THREADS)
    hf = load_chat_model(load_settings(backend="transformers", model="embedded", device="cpu",
                                       repetition_penalty=1.0))
    hf._stop_ids = set()  # no stop token: exactly `new` tokens, as ignore_eos gives llama.cpp
    text = make_prompt(hf)
    messages = [HumanMessage(text)]
    prompt = hf.encode_chat(messages)  # (1, T): the same chat template llama.cpp applies
    plain = llama_model()
    folder = tempfile.TemporaryDirectory(prefix="cos-bench-")  # removed at exit
    adapted = llama_model((export_adapter("security", Path(folder.name)),))
    sides: dict[str, Callable[[], Sample]] = {
        "transformers": lambda: transformers_loop(hf, prompt, new),
        "llamacpp": lambda: backend_stream(plain, messages, new, None),
        "raw xllamacpp": lambda: raw_engine(plain, messages, new),
        "adapter on": lambda: backend_stream(adapted, messages, new, "security"),
        "adapter off": lambda: backend_stream(adapted, messages, new, None),
    }
    for side in sides.values():  # warm-up: first forward passes, allocations
        side()
    results: dict[str, list[Sample]] = {name: [] for name in sides}
    for _ in range(args.runs):  # alternate, so drift on a shared machine hits every side alike
        for name, side in sides.items():
            results[name].append(side())
    print(f"{EMBEDDED_NAME}, threads {THREADS}: prompt {prompt.shape[1]} tokens (chat template included), "
          f"{new} new tokens, greedy, median of {args.runs}")
    rate, decode = {}, {}
    for name, samples in results.items():
        first = statistics.median(s[0] for s in samples)
        rate[name] = statistics.median(s[1] for s in samples)
        decode[name] = statistics.median(s[2] for s in samples)
        produced = sorted({s[3] for s in samples})
        print(f"  {name:<14} first token {first * 1000:7.1f} ms   {rate[name]:7.1f} tokens/s   "
              f"after the first {decode[name]:7.1f} tokens/s   tokens {produced}")
    print("ratios of tokens/s (overall; after the first token)")
    print(f"  llamacpp / transformers   {rate['llamacpp'] / rate['transformers']:6.2f}x  "
          f"{decode['llamacpp'] / decode['transformers']:6.2f}x  (goal >= 8x)")
    for label, top, bottom, goal in (("ours / raw xllamacpp", "llamacpp", "raw xllamacpp", "(goal >= 0.9x)"),
                                     ("adapter on / llamacpp", "adapter on", "llamacpp", "(goal >= 0.8x)"),
                                     ("adapter on / adapter off", "adapter on", "adapter off", ""),
                                     ("adapter off / llamacpp", "adapter off", "llamacpp", "")):
        print(f"  {label:<25} {rate[top] / rate[bottom]:6.2f}x  {decode[top] / decode[bottom]:6.2f}x  {goal}")


if __name__ == "__main__":
    main()
