"""Cold start to first token of `cos ask`: loading the GGUF (dequantised every time) against the safetensors cache.

Runs `cos ask` as a fresh process, alternating the two paths, and times process start -> first answer byte on
stdout. Prints medians and their ratio measured in this one run.

    .venv/bin/python bench/cold_start.py [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

COS = str(Path(sys.executable).with_name("cos"))
TASK = "Is an email asking for our bank password a phishing attempt?"


def time_to_first_token(use_cache: bool) -> float:
    env = {**os.environ, "COS_USE_MODEL_CACHE": "1" if use_cache else "0", "COS_MAX_NEW_TOKENS": "8"}
    started = time.perf_counter()
    proc = subprocess.Popen([COS, "ask", TASK], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    first = proc.stdout.read(1)
    elapsed = time.perf_counter() - started
    proc.communicate()
    if not first or proc.returncode:
        raise SystemExit(f"cos ask failed (exit {proc.returncode})")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    time_to_first_token(True)  # make sure the cache exists and the OS file cache is warm for both
    gguf, cache = [], []
    for _ in range(args.runs):
        gguf.append(time_to_first_token(False))
        cache.append(time_to_first_token(True))
    g, c = statistics.median(gguf), statistics.median(cache)
    print(f"cold start to first token, median of {args.runs} (cos ask as a new process)")
    print(f"  GGUF (dequantise every start): {g:6.2f} s   runs: {', '.join(f'{x:.2f}' for x in gguf)}")
    print(f"  safetensors cache:             {c:6.2f} s   runs: {', '.join(f'{x:.2f}' for x in cache)}")
    print(f"  ratio GGUF / cache:            {g / c:6.2f}x")


if __name__ == "__main__":
    main()
