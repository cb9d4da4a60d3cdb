"""Cold start to first token of `cos ask`: the llama.cpp backend against the transformers backend.

Runs `cos ask` as a fresh process (COS_BACKEND=llamacpp, then transformers, alternating) and times process start
-> first answer byte on stdout; prints medians and their ratio (goal for llama.cpp: <= 3 s). Then a breakdown
of one cold start along `cos ask`'s own path in another fresh process, each part timed after the one before
(python start, importing the CLI, plugins, the router, the llama.cpp model, the rest of the session, and the
first token: routing, the department's prompt and its prefill); which heavy libraries `import
chief_of_staff.cli` alone pulls in (a library it imports is paid by every `cos` command); and what importing
torch and transformers, no longer on this path, costs in a fresh process.

Data directory and config are throw-away (no adapters, offline: no turn calls Claude); the model cache is the
user's (transformers reads the embedded model's converted cache).

    .venv/bin/python bench/cold_start.py [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COS = str(Path(sys.executable).with_name("cos"))
TASK = "Is an email asking for our bank password a phishing attempt?"
BACKENDS = ("llamacpp", "transformers")
FIRST = "routing, prompt, prefill: first token"


def bench_env(backend: str, root: Path) -> dict[str, str]:
    return {**os.environ, "COS_BACKEND": backend, "COS_MODEL": "embedded", "COS_MAX_NEW_TOKENS": "8",
            "COS_OFFLINE": "1", "COS_DATA_DIR": str(root / "data"), "COS_CONFIG": str(root / "config.toml")}


def time_to_first_token(backend: str, root: Path) -> float:
    started = time.perf_counter()
    proc = subprocess.Popen([COS, "ask", TASK], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=bench_env(backend, root))
    first = proc.stdout.read(1)
    elapsed = time.perf_counter() - started
    _, stderr = proc.communicate()
    if not first or proc.returncode:
        raise SystemExit(f"cos ask on {backend} failed (exit {proc.returncode}): {stderr.decode()[-2000:]}")
    return elapsed


def breakdown_child(started: float) -> None:
    """Run in the fresh process: time each part of `cos ask`'s cold start, print {part: seconds} as JSON."""
    parts: dict[str, float] = {}
    mark = [started]

    def lap(name: str) -> None:
        now = time.time()
        parts[name] = now - mark[0]
        mark[0] = now

    lap("python start")
    import chief_of_staff.cli  # noqa: F401 - what `cos` imports before any command runs
    lap("import chief_of_staff.cli (langgraph, langchain-core)")
    from chief_of_staff.context import load_router
    from chief_of_staff.escalation.escalate import load_escalation
    from chief_of_staff.graph import build_graph
    from chief_of_staff.models.factory import load_chat_model
    from chief_of_staff.plugins.discovery import discover_departments
    from chief_of_staff.settings import load_settings
    from chief_of_staff.threads import new_thread_id, open_checkpointer
    from chief_of_staff.turns import run_turn

    settings = load_settings()
    registry = discover_departments(settings)
    lap("settings and department plugins")
    router = load_router(settings, registry)
    lap("the router (embedder, examples' vectors)")
    model = load_chat_model(settings, registry.departments)
    lap("the llama.cpp model and adapters")
    from chief_of_staff.context import Context

    context = Context(chat_model=model, router=router, departments=registry.departments,
                      escalation=load_escalation(settings, list(registry.departments.values())),
                      max_new_tokens=settings.max_new_tokens)
    with open_checkpointer(settings.threads_db) as checkpointer:
        graph = build_graph(checkpointer)
        lap("escalation, thread store, graph")

        def first(piece: str) -> None:
            if FIRST not in parts:
                lap(FIRST)

        run_turn(graph, context, new_thread_id(), TASK, first)
    print(json.dumps(parts))


def torch_import_child() -> None:
    started = time.time()
    import torch  # noqa: F401
    import transformers  # noqa: F401

    print(json.dumps({"import torch and transformers": time.time() - started}))


def cli_imports(root: Path) -> list[str]:
    """Which heavy libraries `import chief_of_staff.cli` alone pulls in (each costs every `cos` command)."""
    code = ("import sys, chief_of_staff.cli; "
            "print(' '.join(m for m in ('torch', 'transformers', 'langgraph', 'xllamacpp') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], env=bench_env("llamacpp", root), capture_output=True,
                         text=True, check=True)
    return out.stdout.split()


def breakdown(root: Path) -> dict[str, float]:
    env = bench_env("llamacpp", root)
    started = time.time()  # wall clock: the child compares its own time.time() against it
    out = subprocess.run([sys.executable, __file__, "--child", repr(started)], env=env, capture_output=True,
                         text=True)
    if out.returncode:
        raise SystemExit(f"the breakdown process failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", type=float, help=argparse.SUPPRESS)  # internal: the breakdown's process
    parser.add_argument("--torch-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        breakdown_child(args.child)
        return
    if args.torch_child:
        torch_import_child()
        return
    root = Path(tempfile.mkdtemp(prefix="cos-bench-"))
    for backend in BACKENDS:  # warm the OS file cache and the model cache for both
        time_to_first_token(backend, root)
    runs: dict[str, list[float]] = {b: [] for b in BACKENDS}
    for _ in range(args.runs):
        for backend in BACKENDS:
            runs[backend].append(time_to_first_token(backend, root))
    parts = breakdown(root)
    heavy = cli_imports(root)
    torch_cost = subprocess.run([sys.executable, __file__, "--torch-child"], env=bench_env("llamacpp", root),
                                capture_output=True, text=True, check=True)
    median = {b: statistics.median(r) for b, r in runs.items()}
    print(f"cold start to first token, median of {args.runs} (cos ask as a new process)")
    for backend, r in runs.items():
        print(f"  {backend:<13} {median[backend]:6.2f} s   runs: {', '.join(f'{x:.2f}' for x in r)}")
    print(f"  ratio transformers / llamacpp: {median['transformers'] / median['llamacpp']:.2f}x   "
          f"(goal llamacpp <= 3 s)")
    print("one cold start on llamacpp, part by part (a fresh process)")
    for name, seconds in parts.items():
        print(f"  {name:<42} {seconds:6.2f} s")
    print(f"  {'total':<42} {sum(parts.values()):6.2f} s")
    print(f"  import chief_of_staff.cli alone loads: {', '.join(heavy) or 'none of torch, transformers, langgraph'}")
    saved = json.loads(torch_cost.stdout.strip().splitlines()[-1])["import torch and transformers"]
    print(f"  no longer on this path: importing torch and transformers, {saved:.2f} s in a fresh process")


if __name__ == "__main__":
    main()
