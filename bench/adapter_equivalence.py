"""Is a department's adapter on llama.cpp the same adapter as on transformers? Measured on each department's
held-out tasks (its tasks.jsonl), in one run:

- the per-token log-probability shift the adapter causes, on llama.cpp (the exported GGUF LoRA) and on
  transformers (TinyLoRA layers), for the same tokens (the first 16 of llama.cpp's greedy answer with the
  adapter): mean |shift|, mean |difference of the two shifts|, and their correlation;
- the held-out metric (the department's first reward, greedy answers) with the adapter on each backend.

llama.cpp runs twice: on an F32 copy of the weights (the numbers transformers computes with) and on the Q4_1
file it serves. The adapter is the user's trained one when the store has it, else a seeded random 13-parameter
adapter (scale 0.05: about one nat of shift a token) so that there is an effect to compare.

    .venv/bin/python bench/adapter_equivalence.py [--departments security content finance] [--tasks 12]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import torch

from chief_of_staff.models.embedded import embedded_gguf, load_embedded
from chief_of_staff.models.gguf_dequantize import write_f32_copy
from chief_of_staff.models.llamacpp_engine import EngineAdapter, EngineConfig, LlamaEngine
from chief_of_staff.plugins.discovery import discover_departments
from chief_of_staff.settings import load_settings
from chief_of_staff.tinylora.adapter_file import Adapter, load_adapter
from chief_of_staff.tinylora.gguf_lora import write_gguf_lora
from chief_of_staff.tinylora.layer import attach
from chief_of_staff.tinylora.skeleton import build_skeleton
from chief_of_staff.tinylora.spec import TinyLoraSpec
from chief_of_staff.tinylora.store import AdapterStore
from chief_of_staff.training.evaluate import greedy_answers, task_messages
from chief_of_staff.training.reward_functions import load_rewards
from chief_of_staff.training.tasks import load_task_set, task_columns

SHIFT_TOKENS = 16


def department_adapter(name: str, department, store: AdapterStore, skeleton) -> tuple[Adapter, str]:
    path = store.find(department)
    if path is not None:
        adapter = load_adapter(path)
        if adapter.base_fingerprint == skeleton.base_fingerprint:
            return adapter, f"trained ({path})"
    spec = TinyLoraSpec(u=13)
    seed = sum(map(ord, name))
    v = torch.randn(1, 13, generator=torch.Generator().manual_seed(seed)) * 0.05  # (groups, u)
    return Adapter(name, spec, v, skeleton.base_fingerprint, skeleton.fingerprint(spec)), f"random (seed {seed})"


def llama_answer(engine: LlamaEngine, ids: list[int], department: str | None, max_tokens: int):
    reply = engine.complete({"prompt": ids, "max_tokens": max_tokens, "temperature": 0, "logprobs": 1,
                             **engine.request_fields(department)})
    content = reply["choices"][0]["logprobs"]["content"]
    return reply["choices"][0]["text"], [t["id"] for t in content], [t["logprob"] for t in content]


def llama_forced(engine: LlamaEngine, ids: list[int], tokens: list[int]) -> list[float]:
    """Log-probabilities of `tokens` after `ids` on the base model, one position per request (prompt cache on)."""
    out = []
    for i, token in enumerate(tokens):
        reply = engine.complete({"prompt": ids + tokens[:i], "max_tokens": 1, "temperature": 0, "logprobs": 1,
                                 "top_logprobs": 100})
        top = reply["choices"][0]["logprobs"]["content"][0]["top_logprobs"]
        out.append(next((t["logprob"] for t in top if t["id"] == token), np.nan))
    return out


@torch.inference_mode()
def transformers_logprobs(model, ids: list[int], tokens: list[int]) -> list[float]:
    logprobs = torch.log_softmax(model(torch.tensor([ids + tokens])).logits[0].float(), -1)  # (T, V)
    return [float(logprobs[len(ids) - 1 + i, t]) for i, t in enumerate(tokens)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--departments", nargs="+", default=["security", "content", "finance"])
    parser.add_argument("--tasks", type=int, default=12, help="held-out tasks per department (0: all)")
    args = parser.parse_args()
    torch.set_num_threads(2)
    settings = load_settings()
    departments = discover_departments(settings).departments
    model, tokenizer, _ = load_embedded(settings.cache_dir)
    skeleton = build_skeleton(model, 2, settings.cache_dir)
    bank = attach(model, skeleton)
    store = AdapterStore.for_settings(settings)
    work = Path(tempfile.mkdtemp(prefix="cos-equivalence-"))
    f32 = write_f32_copy(embedded_gguf(), work / "smollm2-f32.gguf")
    print(f"held-out tasks, adapter per department, {SHIFT_TOKENS} tokens a task for the shift")
    for name in args.departments:
        department = departments[name]
        tasks = load_task_set(department.folder).heldout[: args.tasks or None]
        metric = load_rewards(department.folder, name)[0]
        limit = department.manifest.training.max_completion_length
        adapter, origin = department_adapter(name, department, store, skeleton)
        lora = write_gguf_lora(adapter, skeleton, work / f"{name}.gguf", "llama", 9, 3)
        bank.add(name, adapter)
        prompts = [task_messages(department.training_system_prompt, t) for t in tasks]
        ids = [tokenizer.apply_chat_template(p, add_generation_prompt=True, return_dict=True)["input_ids"]
               for p in prompts]
        bank.activate(name)
        scores = {"transformers": metric(greedy_answers(model, tokenizer, prompts, limit), **task_columns(tasks))}
        print(f"\n{name}: {len(tasks)} tasks, adapter {origin}, metric {metric.__name__}")
        for label, gguf in (("llama.cpp F32", f32), ("llama.cpp Q4_1", embedded_gguf())):
            adapted = LlamaEngine(EngineConfig(gguf, context_per_slot=2048, threads=2,
                                               adapters=(EngineAdapter(name, lora, adapter.parameters),)))
            base = LlamaEngine(EngineConfig(gguf, context_per_slot=2048, threads=2))
            answers, shift_llama, shift_tf = [], [], []
            for prompt_ids in ids:
                text, tokens, lp_adapter = llama_answer(adapted, prompt_ids, name, limit)
                answers.append(text)
                tokens, lp_adapter = tokens[:SHIFT_TOKENS], lp_adapter[:SHIFT_TOKENS]
                lp_base = llama_forced(base, prompt_ids, tokens)
                bank.activate(name)
                tf_adapter = transformers_logprobs(model, prompt_ids, tokens)
                bank.activate(None)
                tf_base = transformers_logprobs(model, prompt_ids, tokens)
                shift_llama += list(np.subtract(lp_adapter, lp_base))
                shift_tf += list(np.subtract(tf_adapter, tf_base))
            scores[label] = metric(answers, **task_columns(tasks))
            a, b = np.array(shift_llama), np.array(shift_tf)
            keep = ~np.isnan(a)
            print(f"  {label:<15} shift |llama.cpp| {np.abs(a[keep]).mean():.3f}  |transformers| "
                  f"{np.abs(b[keep]).mean():.3f}  |difference| {np.abs(a[keep] - b[keep]).mean():.3f} nats"
                  f"  correlation {np.corrcoef(a[keep], b[keep])[0, 1]:.3f}  ({keep.sum()} tokens)")
        for label, values in scores.items():
            scored = [s for s in values if s is not None]
            print(f"  held-out {metric.__name__} with the adapter, {label:<15} {np.mean(scored):.3f} "
                  f"({len(scored)} scored)")


if __name__ == "__main__":
    main()
