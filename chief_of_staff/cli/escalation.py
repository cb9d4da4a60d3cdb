"""`cos escalation calibrate DEPT`: choose the department's confidence threshold on its held-out tasks."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from chief_of_staff.cli.common import err, loading, out, user_errors
from chief_of_staff.plugins.discovery import discover_departments
from chief_of_staff.settings import load_settings

escalation_app = typer.Typer(no_args_is_help=True)


@escalation_app.command("calibrate", help="Calibrate when a department escalates, on its held-out tasks.")
@user_errors
def calibrate_command(
    department: str,
    target: Annotated[float | None, typer.Option(min=0.01, max=1.0, help="Target accuracy of local answers.")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the calibration as JSON.")] = False,
) -> None:
    from chief_of_staff.context import load_adapters, load_router
    from chief_of_staff.escalation.calibration import calibrate, save_calibration
    from chief_of_staff.escalation.measure import measure
    from chief_of_staff.models.factory import load_chat_model
    from chief_of_staff.tools.selection import ToolSelector
    from chief_of_staff.training.reward_functions import load_rewards
    from chief_of_staff.training.tasks import load_task_set

    settings = load_settings()
    registry = discover_departments(settings)
    dept = registry.require(department)
    tasks = load_task_set(dept.folder).heldout
    metric = load_rewards(dept.folder, dept.name, dept.manifest.style)[0]
    with loading("Loading the local model"):
        chat_model = load_chat_model(settings, registry.departments)  # llama.cpp: with the departments' adapters
        bank = load_adapters(settings, chat_model, registry)  # transformers: the bank on the model
        selector = ToolSelector([dept], load_router(settings, registry).embed) if dept.tools else None
    if bank is not None:
        bank.activate(dept.name if dept.name in bank.adapters else None)
    columns = [TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()]
    with Progress(*columns, console=err, transient=True) as progress:
        bar = progress.add_task(f"answering {dept.name}'s held-out tasks", total=len(tasks))
        measured = measure(chat_model, dept, tasks, metric, settings, on_task=lambda: progress.advance(bar),
                           tool_selector=selector)
    if not measured.correct:
        raise typer.BadParameter(f"{metric.__name__} scored none of {dept.name}'s {len(tasks)} held-out tasks")
    now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    result = calibrate(dept.name, measured.confidences, measured.correct, target or settings.target_accuracy,
                       metric=metric.__name__, calibrated_at=now)
    path = save_calibration(settings.calibration_store, result)
    if json_output:
        print(json.dumps({**asdict(result), "file": str(path)}))
        return
    auroc = "n/a (all right or all wrong)" if result.auroc is None else f"{result.auroc:.3f}"
    kept = "none" if result.local_accuracy is None else f"{result.local_accuracy:.1%} right"
    out.print(f"[bold]{dept.name}[/]: {result.n} held-out tasks scored by {result.metric}; "
              f"the local model is right on {result.base_accuracy:.1%}")
    if any(measured.by_tool):
        out.print(f"  {sum(measured.by_tool)} of them answered by a tool (confidence: the tool choice's score)")
    out.print(f"  AUROC of confidence against correctness: {auroc}")
    out.print(f"  threshold {result.threshold:.4f}: {result.local_share:.1%} of tasks stay local ({kept}) "
              f"at a {result.target_accuracy:.0%} target")
    out.print(f"[dim]saved to {path}; used from the next answer on[/]")
