"""What every command shares: consoles, turning domain errors into exit codes, loading with a spinner."""

from __future__ import annotations

import functools
import logging
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.logging import RichHandler

from chief_of_staff.errors import ChiefOfStaffError, EmptyTaskError

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130  # the shell's code for Ctrl-C
F = TypeVar("F", bound=Callable[..., Any])


def quiet_libraries() -> None:
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.WARNING, format="%(message)s", handlers=[RichHandler(console=err, show_path=False)]
        )
    # Only if already loaded: importing transformers here cost 1 s of every start, and when it loads later
    # HF_HUB_DISABLE_PROGRESS_BARS (above) silences it anyway.
    if sys.modules.get("transformers") is not None:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()


def user_errors(command: F) -> F:
    """Print a ChiefOfStaffError as one red line and exit 2 (Ctrl-C: exit 130) instead of a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ChiefOfStaffError as exc:
            err.print(f"[bold red]error:[/] {exc}", markup=True, highlight=False)
            raise typer.Exit(EXIT_USER_ERROR) from None
        except KeyboardInterrupt:
            err.print("\n[yellow]interrupted[/]")
            raise typer.Exit(EXIT_INTERRUPTED) from None

    return wrapper  # type: ignore[return-value]


def read_tasks(texts: list[str] | None, command: str, join: bool = True) -> list[str]:
    """Tasks from arguments (joined into one task, or one task each) or, when there are none, from stdin
    one per line (blank lines skipped). No task at all is an EmptyTaskError saying how to give one."""
    if texts:
        tasks = [" ".join(texts)] if join else list(texts)
    elif sys.stdin is None or sys.stdin.isatty():
        tasks = []
    else:
        tasks = [line.rstrip("\n") for line in sys.stdin if line.strip()]
    if not any(t.strip() for t in tasks):
        raise EmptyTaskError(f'no task given: `cos {command} "your task"` or pipe tasks in, one per line')
    return tasks


def loading(what: str):
    """A spinner on stderr while something slow loads."""
    return err.status(f"[dim]{what}…[/]", spinner="dots")
