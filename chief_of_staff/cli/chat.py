"""`cos chat`: an interactive, streaming conversation that survives restarts (threads in SQLite).

Commands: /new starts a thread, /threads lists them, /open ID switches, /critical TASK marks a task critical,
/why shows the last answer's trace (tier, confidence, cost, reasons),
/help, /quit. Ctrl-C during an answer stops it and keeps the thread consistent; Ctrl-C or Ctrl-D at the
prompt leaves.
"""

from __future__ import annotations

import json
import sys
from contextlib import ExitStack
from typing import Annotated

import typer

from chief_of_staff.cli.ask import print_escalation, print_local_fallback, trace_line
from chief_of_staff.cli.common import err, loading, out, user_errors
from chief_of_staff.errors import EmptyTaskError
from chief_of_staff.session import Session, open_session
from chief_of_staff.settings import load_settings
from chief_of_staff.threads import last_thread, list_threads, new_thread_id, remember_last_thread
from chief_of_staff.turns import STOPPED_MARK, run_turn

HELP = ("/new  new thread · /threads  list threads · /open ID  switch thread · /critical TASK  a critical task · "
        "/why  last trace · /quit")


def _print_threads(session: Session, current: str) -> None:
    threads = list_threads(session.graph)
    if not threads:
        out.print("[dim]no threads yet[/]")
    for t in threads:
        marker = "*" if t.thread_id == current else " "
        out.print(f"{marker} {t.thread_id}  {t.messages:>3} messages  {t.title}")


def _stream_token(piece: str) -> None:
    sys.stdout.write(piece)
    sys.stdout.flush()


@user_errors
def chat(
    thread: Annotated[
        str | None, typer.Option("--thread", "-t", help="Open this thread (default: the last one).")
    ] = None,
    new: Annotated[bool, typer.Option("--new", help="Start a new thread.")] = False,
    department: Annotated[str | None, typer.Option("--department", "-d", help="Skip routing.")] = None,
    private: Annotated[bool, typer.Option("--private", help="Sensitive: threads never leave the machine.")] = False,
    offline: Annotated[bool, typer.Option("--offline", help="Never call Claude; say what would escalate.")] = False,
) -> None:
    settings = load_settings(**({"offline": True} if offline else {}))
    with ExitStack() as stack:
        with loading("Loading the Chief of Staff"):
            session = stack.enter_context(open_session(settings, department, private=private))
        thread_id = thread or (None if new else last_thread(settings.data_dir)) or new_thread_id()
        count = len(session.graph.get_state({"configurable": {"thread_id": thread_id}}).values.get("messages", []))
        model = session.context.chat_model
        out.print(f"[bold]Chief of Staff[/] on {model.model_name} ({model.device}) · departments: "
                  f"{', '.join(session.registry.departments)}")
        out.print(f"[dim]thread {thread_id}" + (f", {count} earlier messages" if count else "") + f" · {HELP}[/]")
        last_trace: dict = {}
        while True:
            try:
                text = input("\nyou> ").strip()
            except (EOFError, KeyboardInterrupt):
                out.print("\n[dim]bye[/]")
                return
            if not text:
                continue
            if text in ("/quit", "/exit"):
                return
            if text == "/help":
                out.print(HELP)
            elif text == "/new":
                thread_id = new_thread_id()
                out.print(f"[dim]new thread {thread_id}[/]")
            elif text == "/threads":
                _print_threads(session, thread_id)
            elif text.startswith("/open"):
                thread_id = text.removeprefix("/open").strip() or thread_id
                out.print(f"[dim]thread {thread_id}[/]")
            elif text == "/why":
                out.print(json.dumps(last_trace, indent=2) if last_trace else "[dim]no answer yet[/]")
            elif text.startswith("/") and not text.startswith("/critical "):
                out.print(f"[yellow]unknown command {text.split()[0]}[/]; {HELP}")
            else:
                context = session.context.for_turn(critical=text.startswith("/critical "))
                try:
                    sys.stdout.write("cos> ")
                    result = run_turn(session.graph, context, thread_id, text.removeprefix("/critical "),
                                      _stream_token, print_escalation)
                except EmptyTaskError as exc:
                    err.print(f"[red]{exc}[/]")
                    continue
                remember_last_thread(settings.data_dir, thread_id)
                last_trace = result.trace
                print(STOPPED_MARK if result.stopped else "")
                print_local_fallback(result)
                for notice in result.trace.get("notices", []):
                    err.print(f"[yellow]notice:[/] {notice}")
                err.print(f"[dim]— {trace_line(result)}[/]")
