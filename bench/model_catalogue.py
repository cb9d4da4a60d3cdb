"""Which catalogue model serves owners best: every installed catalogue model on every department's held-out tasks,
answered through the chat path on llama.cpp (the department's system prompt, its prepare/finish hooks, greedy,
COS_MAX_NEW_TOKENS, no adapter), scored by the department's first reward function; plus speed, memory and cold start.

Each model runs in its own fresh process (so its memory is its own), one after the other, 2 llama.cpp threads:
- cold start: process start -> model loaded and the first token of a one-line answer;
- tokens/s: decoding speed, the answers' tokens after their first over the time they took;
- RSS: the process's peak resident memory after all answers.

    .venv/bin/python bench/model_catalogue.py [--models smollm2-135m qwen2.5-coder-1.5b] [--tasks 0] [--write]

--tasks N answers the first N held-out tasks of each department (0: all). --write records the results in
chief_of_staff/models/catalogue_scores.json, which `cos models list` and the departments page show.
"""

from __future__ import annotations

import time

STARTED = time.time()

import argparse  # noqa: E402 - the clock starts before the imports: they are part of a cold start
import json  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

SCORES = Path(__file__).resolve().parents[1] / "chief_of_staff" / "models" / "catalogue_scores.json"
THREADS = 2


def child(name: str, tasks_per_department: int) -> dict:
    import resource

    from langchain_core.messages import HumanMessage, SystemMessage

    from chief_of_staff.models.factory import load_chat_model
    from chief_of_staff.plugins.discovery import discover_departments
    from chief_of_staff.settings import load_settings
    from chief_of_staff.training.reward_functions import load_rewards
    from chief_of_staff.training.tasks import load_task_set, task_columns

    settings = load_settings(fallback=False, model=name, backend="llamacpp", threads=THREADS)
    departments = discover_departments(settings).departments
    model = load_chat_model(settings, departments)
    first = next(model.stream([SystemMessage("Answer in one line."), HumanMessage("Say hello.")], max_new_tokens=1))
    cold_start = time.time() - STARTED
    assert first is not None
    results, tokens, seconds = {}, 0, 0.0
    for department in departments.values():
        if not (department.folder / "tasks.jsonl").is_file():
            continue
        tasks = load_task_set(department.folder).heldout[: tasks_per_department or None]
        metric = load_rewards(department.folder, department.name)[0]
        answers = []
        for task in tasks:
            text, first_at, usage = "", None, None
            for piece in model.stream([SystemMessage(department.system_prompt),
                                       HumanMessage(department.prepare_task(task["prompt"]))],
                                      department=department.name, max_new_tokens=settings.max_new_tokens):
                first_at = first_at or time.perf_counter()
                text += piece.text
                usage = piece.usage_metadata or usage
            if usage["output_tokens"] > 1:  # decoding speed: the tokens after the first, over their time
                seconds += time.perf_counter() - first_at
                tokens += usage["output_tokens"] - 1
            answers.append(department.finish_answer(text))
        scores = [s for s in metric(answers, **task_columns(tasks)) if s is not None]
        right = sum(1 for s in scores if s >= 1.0)
        results[department.name] = {"metric": metric.__name__, "n": len(scores), "right": right,
                                     "mean": round(sum(scores) / len(scores), 3) if scores else None,
                                     "example": answers[0][:160] if answers else ""}
    return {"departments": results, "tokens_per_s": round(tokens / seconds, 1),
            "rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "cold_start_s": round(cold_start, 2), "model": model.model_name}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=None, help="catalogue names (default: every installed one)")
    parser.add_argument("--tasks", type=int, default=0, help="held-out tasks per department (0: all)")
    parser.add_argument("--write", action="store_true", help="record the results for `cos models list`")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.tasks)))
        return

    from chief_of_staff.models.catalogue import catalogue
    from chief_of_staff.settings import load_settings

    settings = load_settings(fallback=False)
    names = args.models or [n for n, e in catalogue().items() if e.installed_path(settings.models_folder)]
    results = {}
    with tempfile.TemporaryDirectory(prefix="cos-catalogue-") as root:
        env = {**os.environ, "COS_DATA_DIR": f"{root}/data", "COS_CONFIG": f"{root}/config.toml",
               "COS_MODELS_DIR": str(settings.models_folder)}  # no user adapters, calibration or config
        for name in names:
            print(f"{name}: answering…", file=sys.stderr, flush=True)
            done = subprocess.run([sys.executable, __file__, "--child", name, "--tasks", str(args.tasks)],
                                  env=env, capture_output=True, text=True)
            if done.returncode:
                raise SystemExit(f"{name} failed:\n{done.stderr[-3000:]}")
            results[name] = json.loads(done.stdout.strip().splitlines()[-1])
    departments = sorted({d for r in results.values() for d in r["departments"]})
    print("| model | " + " | ".join(f"{d} ({next(iter(results.values()))['departments'][d]['metric']})"
                                     for d in departments) + " | tokens/s | peak RSS MiB | cold start s |")
    print("|---" * (len(departments) + 4) + "|")
    for name, r in results.items():
        cells = [f"{r['departments'][d]['right']}/{r['departments'][d]['n']} (mean {r['departments'][d]['mean']})"
                 for d in departments]
        print(f"| {name} | " + " | ".join(cells) + f" | {r['tokens_per_s']} | {r['rss_mib']:,} | {r['cold_start_s']} |")
    if args.write:
        command = "python bench/model_catalogue.py" + (f" --tasks {args.tasks}" if args.tasks else "") + " --write"
        SCORES.write_text(json.dumps({"command": command, "machine": f"{platform.machine()}, {os.cpu_count()} "
                                      f"cores, {THREADS} llama.cpp threads", "measured": time.strftime("%Y-%m-%d"),
                                      "models": results}, indent=2) + "\n")
        print(f"recorded in {SCORES}")


if __name__ == "__main__":
    main()
