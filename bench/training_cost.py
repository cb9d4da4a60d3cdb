"""What a 13-parameter adapter costs to train on each catalogue model: `cos adapters train DEPARTMENT` run as a
user runs it, one model after the other, each in a fresh data directory, on this machine's CPU (or its GPU when
torch sees one).

For each model it prints: the one-time conversion of the GGUF to its transformers form (the cache training
loads; 0 when it is cached already), the seconds per GRPO step (the department's num_generations answers of up
to max_completion_length tokens, one backward pass), the whole command's wall time (two held-out evaluations
included) and the held-out metric before -> after.

    .venv/bin/python bench/training_cost.py [--department security] [--steps 2] [--models smollm2-135m ...]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COS = str(Path(sys.executable).with_name("cos"))


def run(args: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run([COS, *args], env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"cos {' '.join(args)} failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--department", default="security")
    parser.add_argument("--steps", type=int, default=2)
    parser.add_argument("--models", nargs="+", default=["smollm2-135m", "qwen2.5-coder-1.5b"])
    args = parser.parse_args()
    import torch

    device = torch.cuda.get_device_name() if torch.cuda.is_available() else f"CPU, {torch.get_num_threads()} threads"
    print(f"cos adapters train {args.department} --steps {args.steps} on {device}")
    print("| model | GGUF -> transformers cache, once (s) | s per GRPO step | whole command (s) | held-out before -> "
          "after |")
    print("|---|---|---|---|---|")
    for model in args.models:
        with tempfile.TemporaryDirectory(prefix="cos-train-cost-") as root:
            env = {**os.environ, "COS_MODEL": model, "COS_DATA_DIR": f"{root}/data",
                   "COS_CONFIG": f"{root}/config.toml"}
            if "COS_MODELS_DIR" not in os.environ:
                from chief_of_staff.settings import Settings

                env["COS_MODELS_DIR"] = str(Settings().models_folder)
            convert = run(["models", "prepare"], {**env, "COS_BACKEND": "transformers"})
            run(["adapters", "train", args.department, "--steps", str(args.steps)], env)
            [report_file] = Path(root, "data", "adapters").glob(f"*/{args.department}/report.json")
            report = json.loads(report_file.read_text())
        e = report["eval"]
        print(f"| {model} | {convert:.0f} | {report['train_time_s'] / report['steps']:.1f} | "
              f"{report['wall_time_s']:.0f} | {e['before']:.3f} -> {e['after']:.3f} (n={e['n']}) |", flush=True)


if __name__ == "__main__":
    main()
