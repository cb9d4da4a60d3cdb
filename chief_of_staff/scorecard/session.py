"""Driving a scorecard thread from outside the graph: start or resume it, answer its question, score a whole set.

Every front end (the CLI here, the web page later) goes through these, so they all share one flow: a `Step` is
either the question the thread waits on or its results.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.types import Command

from chief_of_staff.postgres import PostgresSchema
from chief_of_staff.scorecard.context import ScorecardContext
from chief_of_staff.scorecard.errors import ScorecardError
from chief_of_staff.scorecard.flow import QuestionPrompt, build_scorecard_graph
from chief_of_staff.scorecard.questions import validate_answers
from chief_of_staff.scorecard.results import ScorecardResult
from chief_of_staff.settings import Settings
from chief_of_staff.threads import recent_thread_ids

SCORECARD_DB = "scorecard.sqlite"
RECENT_THREADS_SEARCHED = 20  # how far back `latest_unfinished_thread` looks


@dataclass(frozen=True)
class Step:
    """Exactly one of the two is set."""

    prompt: QuestionPrompt | None  # the question the thread waits on
    result: ScorecardResult | None  # the results, once the last question is answered


def scorecard_store(settings: Settings) -> Path | PostgresSchema:
    """Where scorecards live: their own schema of the PostgreSQL database, with one, else their SQLite file."""
    if settings.database_url:
        return PostgresSchema(settings.database_url, "cos_scorecards")
    return settings.data_dir / SCORECARD_DB


def new_scorecard_thread_id() -> str:
    return "scorecard-" + uuid.uuid4().hex[:8]


def _config(thread_id: str) -> RunnableConfig:
    return {"configurable": {"thread_id": thread_id}}


def _step(output: dict[str, Any]) -> Step:
    if output.get("__interrupt__"):
        return Step(QuestionPrompt.model_validate(output["__interrupt__"][0].value), None)
    return Step(None, ScorecardResult.model_validate(output["results"]))


def current_step(graph, thread_id: str, context: ScorecardContext) -> Step:
    """The question `thread_id` waits on (starting the thread when it is new), or its results when finished."""
    state = graph.get_state(_config(thread_id))
    if state.interrupts:
        return Step(QuestionPrompt.model_validate(state.interrupts[0].value), None)
    if not state.next and "results" in state.values:
        return Step(None, ScorecardResult.model_validate(state.values["results"]))
    start = None if state.next else {"answers": {}}  # a run that stopped between nodes continues from there
    return _step(graph.invoke(start, _config(thread_id), context=context))


def answer_question(graph, thread_id: str, answer: Any, context: ScorecardContext) -> Step:
    """Resume the waiting question with `answer`: the next question, the same one refused, or the results."""
    if not graph.get_state(_config(thread_id)).interrupts:
        raise ScorecardError(f"scorecard {thread_id!r} is not waiting for an answer: it is finished or not started")
    return _step(graph.invoke(Command(resume=answer), _config(thread_id), context=context))


def is_unfinished(graph, thread_id: str) -> bool:
    return bool(graph.get_state(_config(thread_id)).next)


def latest_unfinished_thread(graph) -> str | None:
    """The most recently touched scorecard thread that still waits for answers, if any."""
    recent = recent_thread_ids(graph.checkpointer, RECENT_THREADS_SEARCHED)
    return next((thread_id for thread_id in recent if is_unfinished(graph, thread_id)), None)


def score_answers(answers: Mapping[str, Any], context: ScorecardContext, graph=None) -> ScorecardResult:
    """Results of a complete answer set, through the same flow: each interrupt resumed with its answer.
    Every problem (unknown question, bad choice, missing answer) is reported before the flow starts."""
    answers = validate_answers(answers)
    graph = graph or build_scorecard_graph()
    thread_id = new_scorecard_thread_id()
    step = current_step(graph, thread_id, context)
    while step.prompt is not None:
        if step.prompt.error:  # cannot happen after validate_answers; never loop on a refused answer
            raise ScorecardError(step.prompt.error)
        step = answer_question(graph, thread_id, answers[step.prompt.question.id], context)
    return step.result
