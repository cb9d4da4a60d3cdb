"""Generation speed on the embedded model: a 200-token prompt, 64 new tokens, greedy.

Side by side in one run: our streaming token loop (TransformersChatModel.token_stream, which yields each
token's log-probability as it is produced) against transformers' `model.generate` on the same prompt.
Prints prefill time, tokens per second and the ratio.

    .venv/bin/python bench/generation_speed.py [--device auto|cpu|cuda] [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from chief_of_staff.models.factory import load_chat_model
from chief_of_staff.settings import load_settings

PROMPT_TOKENS = 200
NEW_TOKENS = 64


def make_prompt(model) -> torch.Tensor:
    text = " ".join(f"Invoice {i} from supplier {i % 7} is due on day {i % 28 + 1}." for i in range(200))
    ids = model._tokenizer.encode(text, add_special_tokens=False)[:PROMPT_TOKENS]
    return torch.tensor([ids], device=model._device)  # (1, 200)


def ours(model, prompt: torch.Tensor) -> tuple[float, float]:
    started = time.perf_counter()
    stream = model.token_stream(prompt, max_new_tokens=NEW_TOKENS)
    next(stream)
    first = time.perf_counter() - started
    count = 1 + sum(1 for _ in stream)
    return first, count / (time.perf_counter() - started)


@torch.inference_mode()
def generate(model, prompt: torch.Tensor) -> tuple[float, float]:
    hf = model._model
    started = time.perf_counter()
    hf.generate(prompt, max_new_tokens=1, min_new_tokens=1, do_sample=False)
    first = time.perf_counter() - started
    started = time.perf_counter()
    out = hf.generate(prompt, max_new_tokens=NEW_TOKENS, min_new_tokens=NEW_TOKENS, do_sample=False)
    return first, (out.shape[1] - prompt.shape[1]) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    # No penalty and no stop token, so both sides do exactly the same work: 64 greedy tokens.
    model = load_chat_model(load_settings(device=args.device, repetition_penalty=1.0))
    model._stop_ids = set()
    model._model.generation_config.eos_token_id = None
    prompt = make_prompt(model)
    ours(model, prompt), generate(model, prompt)  # warm-up
    results = {"our token loop": [], "model.generate": []}
    for _ in range(args.runs):
        results["our token loop"].append(ours(model, prompt))
        results["model.generate"].append(generate(model, prompt))
    print(f"{model.model_name} on {model.device}, threads {torch.get_num_threads()}: prompt {prompt.shape[1]} "
          f"tokens, {NEW_TOKENS} new tokens, greedy, median of {args.runs}")
    medians = {}
    for name, runs in results.items():
        first = statistics.median(r[0] for r in runs)
        rate = medians[name] = statistics.median(r[1] for r in runs)
        print(f"  {name:<16} first token {first * 1000:7.1f} ms   {rate:7.1f} tokens/s")
    print(f"  ratio ours / generate: {medians['our token loop'] / medians['model.generate']:.2f}x")


if __name__ == "__main__":
    main()
