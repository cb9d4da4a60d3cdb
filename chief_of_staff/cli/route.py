"""`cos route`: which department each task goes to, with its score. No model is loaded."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from chief_of_staff.cli.common import loading, out, read_tasks, user_errors
from chief_of_staff.context import load_router
from chief_of_staff.plugins.discovery import discover_departments
from chief_of_staff.settings import load_settings


@user_errors
def route(
    text: Annotated[
        list[str] | None, typer.Argument(help="Tasks, one per argument; omit to read them from stdin, one per line.")
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="JSON lines: text, department, score.")] = False,
) -> None:
    tasks = read_tasks(text, "route", join=False)
    settings = load_settings()
    with loading("Loading the router"):
        router = load_router(settings, discover_departments(settings))
    for task in tasks:
        verdict = router.route(task)
        if json_output:
            print(json.dumps({"text": task, "department": verdict.department, "score": verdict.score}), flush=True)
        else:
            out.print(f"[bold]{verdict.department:<12}[/] {verdict.score:.2f}  {task}")
