"""`cos ask`: answer tasks from arguments or standard input, streaming text or one JSON object per task."""

from __future__ import annotations

import json
import sys
from contextlib import ExitStack
from typing import Annotated

import typer

from chief_of_staff.cli.common import EXIT_INTERRUPTED, err, loading, read_tasks, user_errors
from chief_of_staff.session import open_session
from chief_of_staff.settings import load_settings
from chief_of_staff.threads import new_thread_id, remember_last_thread
from chief_of_staff.trace import answer_record
from chief_of_staff.turns import STOPPED_MARK, TurnResult, run_turn


def trace_line(result: TurnResult) -> str:
    t = result.trace
    parts = [f"{t.get('department', '?')} (route {t.get('route_score', 0):.2f})"]
    if t.get("model"):
        adapter = t.get("adapter")
        size = f"{adapter['params']}-parameter " if adapter and adapter.get("params") else ""
        with_adapter = f" + {size}adapter" if adapter else ""
        parts.append(f"{t['model']}{with_adapter} on {t.get('backend', '?')}")
    for call in t.get("tools", []):
        parts.append(f"tool {call['name']}" + (f" failed: {call['error']}" if call.get("error") else
                                                f" in {call['seconds'] * 1000:.0f} ms"))
    if t.get("tokens_in") or t.get("tokens_out"):
        parts.append(f"{t['tokens_in']} → {t.get('tokens_out', 0)} tokens")
    if t.get("tier") is not None:
        confidence = "" if t.get("confidence") is None else f", confidence {t['confidence']:.2f}/{t['threshold']:.2f}"
        parts.append(f"tier {t['tier']}{confidence}" + (f", ${t['cost_usd']:.4f}" if t.get("cost_usd") else ""))
    parts.append(f"{t.get('latency_s', 0):.1f} s")
    parts.append(f"thread {result.thread_id}")
    return " · ".join(parts)


def as_json(result: TurnResult) -> dict:
    return answer_record(result.text, result.answer, result.thread_id, result.trace)


def print_escalation(event: dict) -> None:
    err.print(f"\n[cyan]↑ escalating to {event['model']}[/] [dim]({event['reason']})[/]")


def print_local_fallback(result: TurnResult) -> None:
    """After a cloud answer that broke off mid-stream, show the local answer that stands in the thread."""
    if result.trace.get("escalation_started") and not result.trace.get("escalated_to"):
        err.print("\n[yellow]Claude's answer did not complete; the local answer stands:[/]")
        print(result.answer, flush=True)


@user_errors
def ask(
    text: Annotated[
        list[str] | None, typer.Argument(help="The task; omit to read tasks from stdin, one per line.")
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="One JSON object per task on stdout.")] = False,
    department: Annotated[str | None, typer.Option("--department", "-d", help="Skip routing.")] = None,
    thread: Annotated[str | None, typer.Option("--thread", "-t", help="Continue this thread.")] = None,
    critical: Annotated[bool, typer.Option("--critical", help="A critical decision: Claude Opus if allowed.")] = False,
    private: Annotated[bool, typer.Option("--private", help="Sensitive: this thread never leaves the machine.")] = (
        False
    ),
    offline: Annotated[bool, typer.Option("--offline", help="Never call Claude; say what would escalate.")] = False,
    no_adapter: Annotated[bool, typer.Option("--no-adapter", help="Answer without the department's adapter, to "
                                                                  "compare.")] = False,
) -> None:
    tasks = read_tasks(text, "ask")
    settings = load_settings(**({"offline": True} if offline else {}))
    with ExitStack() as stack:
        with loading("Loading the Chief of Staff"):
            session = stack.enter_context(open_session(settings, department, critical=critical, private=private))
        for task in tasks:
            thread_id = thread or new_thread_id()
            on_token = None if json_output else (lambda piece: (sys.stdout.write(piece), sys.stdout.flush()))
            context = session.context.for_turn(critical=critical, no_adapter=no_adapter)
            result = run_turn(session.graph, context, thread_id, task, on_token,
                              None if json_output else print_escalation)
            remember_last_thread(settings.data_dir, thread_id)
            if json_output:
                print(json.dumps(as_json(result), ensure_ascii=False), flush=True)
            else:
                print(STOPPED_MARK if result.stopped else "", flush=True)
                print_local_fallback(result)
                for notice in result.trace.get("notices", []):
                    err.print(f"[yellow]notice:[/] {notice}")
                err.print(f"[dim]— {trace_line(result)}[/]")
            if result.stopped:  # Ctrl-C ends the batch; the stopped answer is already saved in its thread
                raise typer.Exit(EXIT_INTERRUPTED)
