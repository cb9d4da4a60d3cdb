"""`cos adapters train|eval|list|export`: each department's TinyLoRA adapter."""

from __future__ import annotations

import json
import shutil
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from chief_of_staff.cli.common import err, loading, out, user_errors
from chief_of_staff.cli.step_lines import StepLines
from chief_of_staff.errors import ConfigError
from chief_of_staff.plugins.discovery import discover_departments
from chief_of_staff.plugins.manifest import Department
from chief_of_staff.settings import Settings, load_settings
from chief_of_staff.tinylora.adapter_file import AdapterFileError, load_adapter
from chief_of_staff.tinylora.store import AdapterStore, adapter_summary

adapters_app = typer.Typer(no_args_is_help=True)


class ExportFormat(str, Enum):
    peft = "peft"
    lora = "lora"
    ollama = "ollama"
    merged = "merged"
    vllm = "vllm"


def store_for(settings: Settings) -> AdapterStore:
    return AdapterStore.for_settings(settings)


def _department(settings: Settings, name: str) -> Department:
    return discover_departments(settings).require(name)


def load_training_base(settings: Settings):
    """The training model, its tokenizer and source, and its adapter bank; on a GPU when there is one
    (settings.device). The skeleton and fingerprints are computed on the CPU first, so an adapter trained on a
    GPU loads on a laptop: LAPACK and cuSOLVER need not agree to the last digit."""
    from chief_of_staff.models.embedded import load_local_model
    from chief_of_staff.models.transformers_chat import pick_device
    from chief_of_staff.tinylora.runtime import bank_for

    model, tokenizer, source = load_local_model(settings.training_model, settings.cache_dir, settings.use_model_cache,
                                                settings.models_folder, settings.catalogue_file)
    bank = bank_for(model, settings.cache_dir)
    model.to(pick_device(settings.device))
    return model, tokenizer, source, bank


SOURCE_NAMES = {"tasks.jsonl": "{dept.folder.name}/tasks.jsonl", "examples": "{dept.name}'s routing examples"}


@adapters_app.command("train", help="Train a department's adapter with GRPO on its task set.")
@user_errors
def train(
    department: str,
    params: Annotated[int, typer.Option(help="Trainable parameters (13: one shared vector).")] = 13,
    steps: Annotated[int | None, typer.Option(help="GRPO steps (default: the department's).")] = None,
    seed: Annotated[int, typer.Option(help="Training seed.")] = 0,
    learning_rate: Annotated[float | None, typer.Option(help="AdamW learning rate (default: the department's).")] = (
        None
    ),
    tasks_per_step: Annotated[
        int | None, typer.Option(min=1, help="Tasks per GRPO step (default: the department's).")
    ] = None,
    resume: Annotated[bool, typer.Option(help="Continue from the last checkpoint.")] = False,
    minutes: Annotated[float | None, typer.Option(min=0.01, help="Stop after this many minutes, keeping the best "
                                                   "vector on a validation split of the training tasks.")] = None,
    skip_bad_lines: Annotated[bool, typer.Option(help="Train on the good lines of a task set with bad ones.")] = False,
    from_history: Annotated[bool, typer.Option("--from-history", help="Also train on your past tasks for this "
                                                                      "department (they stay on this machine).")] = (
        False
    ),
    out_dir: Annotated[Path | None, typer.Option("--out", help="Adapter store root (default: your data dir).")] = None,
) -> None:
    from chief_of_staff.training.run import TrainRequest, train_department
    from chief_of_staff.training.tasks import task_sources, training_task_set

    settings = load_settings()
    registry = discover_departments(settings)
    dept = registry.require(department)
    tasks = training_task_set(dept, stop_on_error=not skip_bad_lines)
    if tasks.problems:
        err.print(f"[yellow]skipping {len(tasks.problems)} malformed task lines:[/] {tasks.describe_problems()}")
    if from_history:
        from chief_of_staff.training.history_tasks import history_tasks

        past = history_tasks(settings, department, list(registry.departments))
        tasks.train += past
        out.print(f"{len(past)} tasks from your past threads added to {len(tasks.train) - len(past)} from "
                  f"{' and '.join(SOURCE_NAMES[s].format(dept=dept) for s in task_sources(dept))}")
    folder = (out_dir / department) if out_dir else store_for(settings).folder(department)
    with loading("Loading the base model"):
        model, tokenizer, source, bank = load_training_base(settings)
    request = TrainRequest(params=params, steps=steps, seed=seed, resume=resume, learning_rate=learning_rate,
                           tasks_per_step=tasks_per_step, repetition_penalty=settings.repetition_penalty,
                           minutes=minutes)
    total = steps or dept.manifest.training.max_steps
    columns = [TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("reward {task.fields[reward]}"), TimeElapsedColumn(), TextColumn("left"),
               TimeRemainingColumn()]
    lines = StepLines(total)  # a log file gets a line every few steps; a terminal gets the bar
    with Progress(*columns, console=err, transient=False, disable=not err.is_terminal) as progress:
        bar = progress.add_task(department, total=total, reward="–")

        def on_step(state) -> None:
            reward = state.rewards[-1] if state.rewards else float("nan")
            progress.update(bar, completed=state.step, reward="–" if reward != reward else f"{reward:.3f}")
            if not out.is_terminal and (line := lines.line(state.step, reward)):
                out.print(line)

        def on_phase(text: str) -> None:
            progress.console.print(f"[dim]{text}…[/]")

        embed = None
        if dept.manifest.style is not None:  # the four arms' on-topic guard uses the router's embedder
            from chief_of_staff.models.embedder import load_embedder

            embed = load_embedder(settings.cache_dir)
        report = train_department(model=model, tokenizer=tokenizer, bank=bank, department=dept, tasks=tasks,
                                  request=request, folder=folder, model_name=source.name,
                                  on_phase=on_phase, on_step=on_step, embed=embed)
    e = report["eval"]
    out.print(f"{department}: {report['params']} parameters, {report['bytes']} bytes, {report['steps']} steps in "
              f"{report['wall_time_s']:.0f} s; held-out {e['metric']} {e['before']:.3f} → {e['after']:.3f} "
              f"(n={e['n']})")
    if report.get("stopped_by_time"):
        out.print(f"stopped at the {minutes:g}-minute budget; kept step {report['best_step']}, the best on "
                  f"{len(report['validation'])} validation checks")
    for arm, score in (report.get("arms") or {}).items():
        out.print(f"  {arm:<16} compliance {score['compliance']:.1%}  guard pass {score['guard_pass']:.0%}  "
                  f"on-topic {score['on_topic']:.3f}  {score['verdict']}")
    out.print(f"saved {folder}/adapter.tinylora.json and report.md")


@adapters_app.command("eval", help="Held-out metric of a department with and without its adapter.")
@user_errors
def eval_(department: str, json_output: Annotated[bool, typer.Option("--json")] = False) -> None:
    from chief_of_staff.training.reward_functions import training_rewards
    from chief_of_staff.training.run import held_out_metric
    from chief_of_staff.training.tasks import training_task_set

    settings = load_settings()
    dept = _department(settings, department)
    path = store_for(settings).find(dept)
    if path is None:
        raise AdapterFileError(f"no adapter for {department!r}: run `cos adapters train {department}`")
    tasks = training_task_set(dept)
    with loading("Loading the base model"):
        model, tokenizer, _, bank = load_training_base(settings)
        bank.add(department, load_adapter(path))
    with loading(f"Evaluating {len(tasks.heldout)} held-out tasks twice"):
        metric = training_rewards(dept)[0]
        before = held_out_metric(model, tokenizer, bank, dept, tasks, metric, None,
                                 repetition_penalty=settings.repetition_penalty)
        after = held_out_metric(model, tokenizer, bank, dept, tasks, metric, department,
                                repetition_penalty=settings.repetition_penalty)
    result = {"department": department, "adapter": str(path), "metric": before.metric, "n": before.n,
              "before": round(before.score, 4), "after": round(after.score, 4)}
    if json_output:
        print(json.dumps(result))
    else:
        out.print(f"{department}: held-out {before.metric} {before.score:.3f} → {after.score:.3f} (n={before.n})")


def adapter_rows(settings: Settings) -> list[dict]:
    """Every adapter of every department, for every base model, each marked with its model and whether it answers
    now (only the model in use's adapters do)."""
    store, departments = store_for(settings), discover_departments(settings).departments.values()
    rows = []
    for dept in departments:
        for model_key, path in store.models_with_adapters(dept).items():
            row = adapter_summary(store, dept, path)
            rows.append({**row, "model": model_key, "in_use": model_key == store.model_key})
    return rows


@adapters_app.command("list", help="Every department's adapter: size, base model, held-out metric.")
@user_errors
def list_adapters(json_output: Annotated[bool, typer.Option("--json")] = False) -> None:
    settings = load_settings()
    rows = adapter_rows(settings)
    if json_output:
        print(json.dumps(rows, indent=2))
        return
    table = Table(box=None, pad_edge=False)  # fits 80 columns: bytes and n are in --json
    for column in ("department", "base model", "params", "held-out before → after", "trained"):
        table.add_column(column, overflow="fold")
    for row in rows:
        name = ("* " if row["in_use"] else "  ") + row["department"]
        if "error" in row:
            table.add_row(name, row["model"], "[red]broken[/]", row["error"][:60], "")
            continue
        e = row["eval"] or {}
        held_out = f"{e['metric']} {e['before']:.3f} → {e['after']:.3f}" if e else ""
        table.add_row(name, row["model"], str(row["params"]), held_out, (row["trained_at"] or "")[:10])
    if not rows:
        out.print("no adapters yet: `cos adapters train DEPARTMENT`")
        return
    out.print(table)
    out.print(f"[dim]* answers now: trained on the model in use ({store_for(settings).model_key}); the others "
              "answer when their model is in use (`cos models use`).[/]")


@adapters_app.command("export", help="Write a department's adapter for PEFT, vLLM/LoRA, Ollama or as merged weights; "
                      "--format vllm writes every department's, the base model and the `vllm serve` command.")
@user_errors
def export(
    department: Annotated[str | None, typer.Argument(help="The department (--format vllm: all when left out).")]
    = None,
    fmt: Annotated[ExportFormat, typer.Option("--format", help="peft, lora, ollama, merged or vllm")] = ...,
    out_dir: Annotated[Path, typer.Option("--out", help="Output folder (created).")] = ...,
    rank: Annotated[int, typer.Option(help="LoRA rank to zero-pad to (vLLM accepts 8, 16, 32, 64...).")] = 8,
    ollama_base: Annotated[str, typer.Option(help="Ollama model the adapter applies to.")] = "smollm2:135m",
) -> None:
    from chief_of_staff.tinylora.interop import export_lora, export_peft, merge_into, write_ollama_modelfile

    settings = load_settings()
    if fmt is ExportFormat.vllm:
        _export_vllm(settings, department, out_dir, rank)
        return
    if department is None:
        raise ConfigError(f"name the department to export as {fmt.value}: `cos adapters export DEPARTMENT ...`")
    dept = _department(settings, department)
    path = store_for(settings).find(dept)
    if path is None:
        raise AdapterFileError(f"no adapter for {department!r}: run `cos adapters train {department}`")
    adapter = load_adapter(path)
    with loading("Loading the base model"):
        model, tokenizer, source, bank = load_training_base(settings)
        bank.add(department, adapter)  # verifies the fingerprints before anything is written
    skeleton = bank.skeleton
    if fmt is ExportFormat.peft:
        export_peft(adapter, skeleton, out_dir, source.name)
    elif fmt in (ExportFormat.lora, ExportFormat.ollama):
        export_lora(adapter, skeleton, out_dir, rank, source.name)
        if fmt is ExportFormat.ollama:
            write_ollama_modelfile(out_dir, ollama_base, dept.system_prompt)
    else:
        fresh = _fresh_base(settings)
        merge_into(fresh, adapter, skeleton)
        if out_dir.exists():
            shutil.rmtree(out_dir)
        fresh.save_pretrained(out_dir)
        tokenizer.save_pretrained(out_dir)
    out.print(f"exported {department} ({adapter.parameters} parameters) as {fmt.value} to {out_dir}")


def _fresh_base(settings: Settings):
    """The training model again, without the adapter bank's wrappers (to save or merge into)."""
    from chief_of_staff.models.embedded import load_local_model

    fresh, _, _ = load_local_model(settings.training_model, settings.cache_dir, settings.use_model_cache,
                                   settings.models_folder, settings.catalogue_file)
    return fresh


def _export_vllm(settings: Settings, department: str | None, out_dir: Path, rank: int) -> None:
    import tempfile

    from chief_of_staff.tinylora.vllm_bundle import write_vllm_bundle

    store = store_for(settings)
    departments = discover_departments(settings)
    chosen = [departments.require(department)] if department else list(departments.departments.values())
    found = {dept.name: store.find(dept) for dept in chosen}
    adapters = {name: load_adapter(path) for name, path in found.items() if path is not None}
    if department and not adapters:
        raise AdapterFileError(f"no adapter for {department!r}: run `cos adapters train {department}`")
    with loading("Loading the base model"):
        _, tokenizer, source, bank = load_training_base(settings)
        for name, adapter in adapters.items():
            bank.add(name, adapter)  # verifies the fingerprints before anything is written
    with tempfile.TemporaryDirectory() as scratch:
        base = source.path
        if source.kind == "gguf":  # transformers read the GGUF itself: vLLM needs the weights as a folder
            base = Path(scratch)
            _fresh_base(settings).save_pretrained(base)
            tokenizer.save_pretrained(base)
        script = write_vllm_bundle(out_dir, adapters, bank.skeleton, base, source.name, rank)
    out.print(f"exported {', '.join(adapters) or 'no adapters (none trained yet)'} and the base model "
              f"{source.name} for vLLM to {out_dir}")
    out.print(f"on the GPU server: {script} --host 0.0.0.0 --port 8000 --api-key \"$KEY\"")
    out.print("replicas: COS_BACKEND=openai COS_OPENAI_ADAPTERS=model COS_OPENAI_BASE_URL=http://<server>:8000/v1 "
              "COS_OPENAI_API_KEY=\"$KEY\"")


@adapters_app.command("import", help="Import a PEFT TinyLoRA adapter folder trained on the same base model.")
@user_errors
def import_(
    department: str,
    peft_dir: Annotated[Path, typer.Option("--from", help="Folder written by PEFT's save_pretrained.")],
) -> None:
    from chief_of_staff.tinylora.adapter_file import save_adapter
    from chief_of_staff.tinylora.interop import import_peft
    from chief_of_staff.tinylora.store import ADAPTER_FILE

    settings = load_settings()
    _department(settings, department)
    with loading("Loading the base model"):
        _, _, _, bank = load_training_base(settings)
    adapter = import_peft(peft_dir, bank.skeleton, department)
    path = store_for(settings).folder(department) / ADAPTER_FILE
    size = save_adapter(adapter, path)
    out.print(f"imported {adapter.parameters} parameters from {peft_dir} into {path} ({size} bytes)")
