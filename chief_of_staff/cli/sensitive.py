"""`cos sensitive check`: is this safe to paste? The Tier-4 guard's answer for each task, with the kinds of
sensitive data found and never which part of the text matched. No model is loaded.

Exit codes: 0 nothing sensitive, 1 something sensitive, 2 bad input (no task, an unreadable file, not UTF-8).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from chief_of_staff.cli.common import out, user_errors
from chief_of_staff.errors import EmptyTaskError, InputError
from chief_of_staff.sensitive import detect_sensitive

sensitive_app = typer.Typer(no_args_is_help=True)


def _decode(data: bytes, source: str) -> list[str]:
    """Lines of UTF-8 text, blank lines skipped; anything else is an InputError naming where the bad byte is."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(f"{source} is not UTF-8 text (byte {exc.start + 1}, line {line}): save it as UTF-8") from None
    return [line for line in text.splitlines() if line.strip()]


def _read(texts: list[str] | None, file: Path | None) -> list[str]:
    if file is not None:
        try:
            return _decode(file.read_bytes(), str(file))
        except OSError as exc:
            raise InputError(f"cannot read {file}: {exc.strerror or exc}") from None
    if texts:
        return [line for text in texts for line in text.splitlines() if line.strip()]
    if sys.stdin is None or sys.stdin.isatty():
        return []
    return _decode(sys.stdin.buffer.read(), "standard input")


@sensitive_app.command()
@user_errors
def check(
    text: Annotated[list[str] | None, typer.Argument(
        help="Tasks, one per argument (or per line); omit to read standard input, one task per line.")] = None,
    file: Annotated[Path | None, typer.Option("--file", "-f", help="Read the tasks from this file, one per line.",
                                              dir_okay=False)] = None,
    json_output: Annotated[bool, typer.Option("--json", help="JSON lines: text, sensitive, kinds.")] = False,
) -> None:
    """Say which tasks hold sensitive data that Chief of Staff keeps on this machine, and which kinds.
    Exit 0 when none does, 1 when one does, 2 on bad input."""
    tasks = _read(text, file)
    if not tasks:
        raise EmptyTaskError('no task given: `cos sensitive check "your task"`, --file tasks.txt, or pipe tasks in')
    flagged = 0
    for task in tasks:
        found = detect_sensitive(task)
        flagged += found.sensitive
        if json_output:
            print(json.dumps({"text": task, "sensitive": found.sensitive, "kinds": list(found.kinds)}), flush=True)
        elif found.sensitive:
            out.print(f"[bold red]sensitive[/] ({', '.join(found.kinds)})  {escape(task)}")
        else:
            out.print(f"[green]ok[/]  {escape(task)}")
    if not json_output and len(tasks) > 1:
        out.print(f"[dim]{flagged} of {len(tasks)} tasks hold sensitive data: they stay on this machine[/]")
    raise typer.Exit(1 if flagged else 0)
