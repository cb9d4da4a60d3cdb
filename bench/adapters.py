"""TinyLoRA adapters on the embedded model, measured side by side with PEFT in one run.

  P1  forward time: base model, our unmerged adapter, merged weights, and PEFT's unmerged TinyLoRA
      (a 128-token prefill, and one decoding step with a KV cache), as ratios to the base model
  P2  switching departments among 3 loaded adapters: our AdapterBank.activate against PEFT's set_adapter
  P8  adapter bytes on disk: our file against PEFT's save_pretrained of the same 13-parameter adapter

    .venv/bin/python bench/adapters.py [--repeats 20]
"""

from __future__ import annotations

import argparse
import copy
import tempfile
from pathlib import Path

import torch
from timing import median_ms  # bench/timing.py (scripts run from bench/ have it on sys.path)

from chief_of_staff.models.embedded import load_local_model
from chief_of_staff.settings import load_settings
from chief_of_staff.tinylora.adapter_file import save_adapter
from chief_of_staff.tinylora.interop import merge_into
from chief_of_staff.tinylora.layer import Trainable, snapshot
from chief_of_staff.tinylora.runtime import bank_for
from chief_of_staff.tinylora.spec import TinyLoraSpec

DEPARTMENTS = ("security", "content", "finance")


def forward_times(model, repeats: int) -> tuple[float, float]:
    ids = torch.randint(100, 20000, (1, 128))  # (1, 128)

    @torch.inference_mode()
    def prefill():
        return model(ids, use_cache=True)

    cache = prefill().cache
    step = ids[:, -1:]  # (1, 1)

    @torch.inference_mode()
    def decode():
        model(step, cache=cache, use_cache=True)
        cache.crop(-1)  # drop the new token: every call decodes the same step on the 128-token prompt

    return median_ms(prefill, repeats), median_ms(decode, repeats * 5)


def random_adapter(bank, name: str, seed: int):
    torch.manual_seed(seed)
    trainable = Trainable(bank.skeleton, TinyLoraSpec(u=13))
    with torch.no_grad():
        trainable.v.uniform_(-0.05, 0.05)
    return snapshot(trainable, bank.skeleton, name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    settings = load_settings()
    base, _, _ = load_local_model("embedded", settings.cache_dir)
    base.eval()
    pristine = copy.deepcopy(base)

    ours = copy.deepcopy(base)
    bank = bank_for(ours, settings.cache_dir)
    adapters = {name: random_adapter(bank, name, i) for i, name in enumerate(DEPARTMENTS)}
    for name, adapter in adapters.items():
        bank.add(name, adapter)
    bank.activate("security")
    merged = copy.deepcopy(pristine)
    merge_into(merged, adapters["security"], bank.skeleton)

    from peft import TinyLoraConfig, get_peft_model

    config = TinyLoraConfig(r=2, u=13, weight_tying=1.0, target_modules="all-linear")
    peft_model = get_peft_model(copy.deepcopy(pristine), config, adapter_name="security")
    for name in DEPARTMENTS[1:]:
        peft_model.add_adapter(name, config)
    peft_model.set_adapter("security")
    peft_model.eval()

    results = {name: forward_times(m, args.repeats) for name, m in
               (("base model", pristine), ("ours, unmerged", ours), ("merged", merged), ("PEFT, unmerged", peft_model))}
    base_prefill, base_decode = results["base model"]
    print(f"P1 forward time, median (threads {torch.get_num_threads()})")
    for name, (prefill, decode) in results.items():
        print(f"  {name:<16} prefill 128 tokens {prefill:7.1f} ms ({prefill / base_prefill:4.2f}x)   "
              f"decode 1 token {decode:6.1f} ms ({decode / base_decode:4.2f}x)")

    cycle = iter(range(10**9))
    ours_us = median_ms(lambda: bank.activate(DEPARTMENTS[next(cycle) % 3]), 300) * 1000
    peft_us = median_ms(lambda: peft_model.set_adapter(DEPARTMENTS[next(cycle) % 3]), 100) * 1000
    print("P2 switching departments (3 adapters loaded), median")
    print(f"  ours AdapterBank.activate  {ours_us:9.1f} µs")
    print(f"  PEFT set_adapter           {peft_us:9.1f} µs   ratio PEFT / ours {peft_us / ours_us:,.0f}x")

    with tempfile.TemporaryDirectory() as tmp:
        ours_bytes = save_adapter(adapters["security"], Path(tmp) / "security.tinylora.json")
        single = get_peft_model(copy.deepcopy(pristine), config)
        single.save_pretrained(Path(tmp) / "peft")
        peft_bytes = sum(p.stat().st_size for p in (Path(tmp) / "peft").iterdir())
    print("P8 adapter bytes on disk, 13 trainable parameters")
    print(f"  ours  {ours_bytes:>12,} bytes")
    print(f"  PEFT  {peft_bytes:>12,} bytes   ratio PEFT / ours {peft_bytes / ours_bytes:,.0f}x")


if __name__ == "__main__":
    main()
