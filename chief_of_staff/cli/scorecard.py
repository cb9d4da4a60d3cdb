"""`cos scorecard`: the seven-question business scorecard, asked interactively or scored from an answers file.

    cos scorecard                     asks the questions (type a number or a choice id); offers to resume an
                                      unfinished scorecard; Ctrl-C keeps every answer given so far
    cos scorecard --questions --json  the questions, their choices and ids
    cos scorecard --answers FILE      scores a JSON object {question id: choice id} without asking
    --json prints the results as one JSON object; --report DIR writes report.html, chart.svg and report.json

Both modes run the same flow (chief_of_staff/scorecard/flow.py); interactive threads live in
<data dir>/scorecard.sqlite.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from chief_of_staff.cli.common import EXIT_INTERRUPTED, err, out, user_errors
from chief_of_staff.scorecard.context import ScorecardContext, load_scorecard_context
from chief_of_staff.scorecard.errors import ScorecardError
from chief_of_staff.scorecard.flow import QuestionPrompt, build_scorecard_graph
from chief_of_staff.scorecard.questions import QUESTIONS, Question, parse_answers_json, questions_as_json
from chief_of_staff.scorecard.report import write_report
from chief_of_staff.scorecard.results import ScorecardResult
from chief_of_staff.scorecard.scoring import AREAS
from chief_of_staff.scorecard.session import (
    answer_question,
    current_step,
    latest_unfinished_thread,
    new_scorecard_thread_id,
    score_answers,
    scorecard_store,
)
from chief_of_staff.settings import Settings, load_settings
from chief_of_staff.threads import open_checkpointer

EXAMPLE_ANSWERS = '{"team_size": "2_to_5", "ai_spend": "under_50", ...}'


def read_answers_file(path: Path) -> dict[str, str]:
    """Validated answers from a JSON file; every problem is a ScorecardError naming the file and the fix."""
    if not path.is_file():
        raise ScorecardError(f"no answers file at {path}: give a JSON object like {EXAMPLE_ANSWERS} "
                             "(`cos scorecard --questions --json` lists the ids)")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScorecardError(f"cannot read the answers file {path}: {exc}") from exc
    return parse_answers_json(text, source=str(path))


def choice_from_input(typed: str, question: Question) -> str:
    """A typed number (1..n) becomes its choice id; anything else goes to the flow as typed, to be checked."""
    typed = typed.strip()
    if typed.isdigit() and 1 <= int(typed) <= len(question.choices):
        return question.choices[int(typed) - 1].id
    return typed


def show_question(prompt: QuestionPrompt, console: Console) -> None:
    if prompt.error:
        console.print(f"[red]{escape(prompt.error)}[/]")
        console.print(f"type a number from 1 to {len(prompt.question.choices)} (or a choice id)")
    console.print(f"\n[bold]question {prompt.number} of {prompt.total}[/]  {escape(prompt.question.text)}")
    for number, choice in enumerate(prompt.question.choices, start=1):
        console.print(f"  {number}  {escape(choice.label)}  [dim]{escape(choice.id)}[/]")


def confirm(question: str, console: Console) -> bool:
    while True:
        typed = console.input(f"{question} [Y/n] ").strip().lower()
        if typed in ("", "y", "yes"):
            return True
        if typed in ("n", "no"):
            return False
        console.print("type y or n")


def choose_thread(graph, context: ScorecardContext, new: bool, thread: str | None, console: Console) -> str:
    if thread:
        return thread
    pending = None if new else latest_unfinished_thread(graph)
    if pending:
        prompt = current_step(graph, pending, context).prompt
        console.print(f"An unfinished scorecard ({pending}) stopped at question {prompt.number} of {prompt.total}.")
        if confirm("resume where you stopped?", console):
            return pending
    return new_scorecard_thread_id()


def interview(settings: Settings, context: ScorecardContext, new: bool, thread: str | None,
              console: Console) -> ScorecardResult:
    """Ask every unanswered question of a thread; each answer is saved at once, so Ctrl-C loses nothing."""
    with open_checkpointer(scorecard_store(settings)) as checkpointer:
        graph = build_scorecard_graph(checkpointer)
        thread_id = None
        try:
            thread_id = choose_thread(graph, context, new, thread, console)
            step = current_step(graph, thread_id, context)
            while step.prompt is not None:
                show_question(step.prompt, console)
                typed = console.input(f"answer 1-{len(step.prompt.question.choices)}: ")
                step = answer_question(graph, thread_id, choice_from_input(typed, step.prompt.question), context)
        except (KeyboardInterrupt, EOFError):
            resume = f" `cos scorecard` resumes it (or `cos scorecard --thread {thread_id}`)." if thread_id else ""
            err.print(f"\n[yellow]stopped[/]: the answers given so far are saved.{resume}")
            raise typer.Exit(EXIT_INTERRUPTED) from None
        return step.result


def share_text(local_share: float, source: str) -> str:
    return f"{local_share:.0%} ({source})"


def render_results(result: ScorecardResult, console: Console) -> None:
    scores, recs = result.scores, result.recommendations
    cost = recs.cost
    console.print(f"\n[bold]Business scorecard: overall {scores.overall}/100[/]")
    for area in AREAS:
        value = getattr(scores, area)
        console.print(f"  {area:<14}{value:>4}  {'█' * round(value / 5)}")
    console.print("\n[bold]Departments to enable[/]")
    for dept in recs.departments:
        kind = f"plugin ({dept.source})" if dept.plugin else "built-in"
        console.print(f"  {dept.name:<10} {escape(kind)}: {escape(dept.reason)}")
    for line in recs.missing:
        console.print(f"  [yellow]{escape(line)}[/]")
    if recs.also_available:
        also = ", ".join(d.name + (" (plugin)" if d.plugin else "") for d in recs.also_available)
        console.print(f"  [dim]also installed: {escape(also)}[/]")
    for title, lines in (("Tier policy", recs.tiers.advice), ("Adapters and local model", recs.adapters.advice)):
        console.print(f"\n[bold]{title}[/]")
        for line in lines:
            console.print(f"  - {escape(line)}")
    console.print(f"\n[bold]Projected monthly cloud cost[/] ({cost.model}, prices of {cost.prices_effective_date})")
    console.print(f"  {cost.tasks_per_month} tasks a month: all-cloud ${cost.all_cloud_usd:.2f}, tiered "
                  f"${cost.tiered_usd:.2f} (saving ${cost.saving_usd:.2f}); today you spend about "
                  f"${cost.today_usd:.0f}")
    table = Table(box=None, padding=(0, 2))
    for column in ("department", "tasks", "local share", "all-cloud", "tiered"):
        table.add_column(column, justify="left" if column == "department" else "right")
    for row in cost.departments:
        table.add_row(row.department, f"{row.tasks_per_month:g}", share_text(row.local_share, row.local_share_source),
                      f"${row.all_cloud_usd:.2f}", f"${row.tiered_usd:.2f}")
    console.print(table)
    console.print("  [dim]assumptions:[/]")
    for line in cost.assumptions:
        console.print(f"  [dim]- {escape(line)}[/]")
    if recs.next_steps:
        console.print("\n[bold]Next steps[/]")
        for command in recs.next_steps:
            console.print(f"  {escape(command)}")


def print_questions(json_output: bool) -> None:
    if json_output:
        print(json.dumps(questions_as_json()))
        return
    for number, question in enumerate(QUESTIONS, start=1):
        out.print(f"{number}. {escape(question.text)}  [dim]({question.id})[/]")
        for choice in question.choices:
            out.print(f"     {choice.id:<16} {escape(choice.label)}")


@user_errors
def scorecard(
    questions: Annotated[bool, typer.Option("--questions", help="Print the questions and choices, then stop.")] = False,
    answers: Annotated[Path | None, typer.Option(
        "--answers", metavar="FILE", help="Score a JSON object {question id: choice id} without asking.")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON (results, or the questions).")] = False,
    report: Annotated[Path | None, typer.Option(
        "--report", metavar="DIR", help="Also write report.html, chart.svg and report.json to DIR.")] = None,
    new: Annotated[bool, typer.Option("--new", help="Start over instead of offering to resume.")] = False,
    thread: Annotated[str | None, typer.Option("--thread", "-t", help="Continue (or start) this scorecard.")] = None,
) -> None:
    if questions:
        print_questions(json_output)
        return
    if new and thread:
        raise ScorecardError("--new starts a new scorecard and --thread continues one: give only one of them")
    settings = load_settings()
    context = load_scorecard_context(settings)
    if answers is not None:
        result = score_answers(read_answers_file(answers), context)
    else:
        result = interview(settings, context, new, thread, err if json_output else out)
    files = write_report(result, report) if report is not None else None
    if json_output:
        print(json.dumps(result.model_dump(mode="json")))
    else:
        render_results(result, out)
    if files is not None:
        err.print(f"report: {files.html} (chart {files.svg.name}, data {files.json.name})")
