"""The `cos` command line: one file per command group."""

from __future__ import annotations

import typer

from chief_of_staff.cli.adapters import adapters_app
from chief_of_staff.cli.ask import ask
from chief_of_staff.cli.chat import chat
from chief_of_staff.cli.common import quiet_libraries
from chief_of_staff.cli.costs import costs
from chief_of_staff.cli.db import db_app
from chief_of_staff.cli.departments import departments_app
from chief_of_staff.cli.escalation import escalation_app
from chief_of_staff.cli.graph import graph
from chief_of_staff.cli.models import models_app
from chief_of_staff.cli.route import route
from chief_of_staff.cli.scorecard import scorecard
from chief_of_staff.cli.sensitive import sensitive_app
from chief_of_staff.cli.serve import serve

app = typer.Typer(
    name="cos",
    help="Chief of Staff: department agents on a local model, escalating to Claude within a budget.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command(help="Chat with the Chief of Staff (streaming; /help for commands).")(chat)
app.command(help="Answer tasks given as arguments or on standard input, one per line.")(ask)
app.command(help="Show which department each task goes to, with its score.")(route)
app.command(help="Print the graph as Mermaid, or write it as a PNG with --png (Graphviz).")(graph)
app.add_typer(departments_app, name="departments", help="List, show and create department plugins.")
app.add_typer(models_app, name="models", help="The local model: what is loaded, from where.")
app.add_typer(adapters_app, name="adapters", help="Train, evaluate, list and export department adapters.")
app.add_typer(escalation_app, name="escalation", help="Calibrate when departments escalate to Claude.")
app.add_typer(db_app, name="db", help="Threads, scorecards, the ledger: check, migrate, copy to PostgreSQL.")
app.add_typer(sensitive_app, name="sensitive", help="Check text for sensitive data that must stay on this machine.")
app.command(help="Cloud spend by day, tier and department; budget left; saving against all-Sonnet.")(costs)
app.command(help="The business scorecard: 7 questions, then scores and what to switch on.")(scorecard)
app.command(help="Serve the Chief of Staff over HTTP with Ollama's API (cos-<department> models).")(serve)


def main() -> None:
    quiet_libraries()
    app()
