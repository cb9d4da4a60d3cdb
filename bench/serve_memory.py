"""Memory of a `cos serve` process on llama.cpp: the base model alone against 4 departments' adapters loaded.

Starts `.venv/bin/cos serve` on a free port as a fresh process, waits until it answers, and reads its resident
set size (psutil, the process and any children) after start and again after one short answer
(cos-security, num_predict 16). Alternates the two set-ups (a throw-away data directory each: none, or seeded
random adapters for security, content, finance and general), median of --runs; prints MiB and the difference.
A first untimed start with adapters exports them to GGUF LoRAs (once, cached beside them), so the runs measure
the steady state a user sees on every later start.

    .venv/bin/python bench/serve_memory.py [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
from pathlib import Path

import httpx
import psutil
from random_adapters import DEPARTMENTS, isolated_env, store_adapters  # bench/random_adapters.py
from serve_process import cos_serve, tree_rss  # bench/serve_process.py

MIB = 2**20
Sample = tuple[float, float, bool]  # RSS in MiB after start, after one answer; whether it used an adapter


def measure(env: dict[str, str]) -> Sample:
    with cos_serve(env) as (url, server), httpx.Client(base_url=url, timeout=300) as http:
        proc = psutil.Process(server.pid)
        started = tree_rss(proc) / MIB
        body = {"model": "cos-security", "stream": False, "options": {"num_predict": 16},
                "messages": [{"role": "user", "content": "Is a text asking for my bank PIN a scam?"}]}
        response = http.post("/api/chat", json=body)
        response.raise_for_status()
        answered = tree_rss(proc) / MIB
        adapter = bool(response.json().get("cos", {}).get("adapter"))
    return started, answered, adapter


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    common = {"COS_BACKEND": "llamacpp", "COS_MODEL": "embedded", "COS_OFFLINE": "1"}
    setups = {"base model alone": {**os.environ, **isolated_env(), **common},
              "4 adapters loaded": {**os.environ, **isolated_env(), **common}}
    os.environ.update({k: setups["4 adapters loaded"][k] for k in ("COS_DATA_DIR", "COS_CONFIG")})
    store_adapters(Path(setups["4 adapters loaded"]["COS_DATA_DIR"]), DEPARTMENTS)
    measure(setups["4 adapters loaded"])  # exports the adapters once, as a user's first start after training
    results: dict[str, list[Sample]] = {name: [] for name in setups}
    for _ in range(args.runs):  # alternate, so drift on a shared machine hits both alike
        for name, env in setups.items():
            results[name].append(measure(env))
    print(f"cos serve RSS on llama.cpp (embedded model, COS_PARALLEL default), median of {args.runs}")
    median = {}
    for name, samples in results.items():
        median[name] = (statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples))
        used = "with" if all(s[2] for s in samples) else "without" if not any(s[2] for s in samples) else "mixed"
        print(f"  {name:<18} after start {median[name][0]:7.1f} MiB   after one answer {median[name][1]:7.1f} MiB"
              f"   (answered {used} an adapter)")
    base, adapted = median["base model alone"], median["4 adapters loaded"]
    print(f"  adapters add: {adapted[0] - base[0]:+.1f} MiB after start, {adapted[1] - base[1]:+.1f} MiB after "
          "one answer")


if __name__ == "__main__":
    main()
