"""The scorecard flow: ask_team_size -> ... -> ask_hardware -> score, one node per question, top to bottom.

    ask_<question>  pauses on one `interrupt()` whose payload (a QuestionPrompt) carries the question, its place
                    ("3 of 7") and the answer's JSON Schema, so any front end renders a typed form. The resume
                    value is validated: a valid choice is stored and the flow moves on; anything else is refused
                    and the same question is asked again, the payload then saying why and what is allowed.
    score           plain code, no model call: scores and recommendations (results.compute_results)

Every answer is a checkpoint: stop after question 4, come back later on the same thread id (SqliteSaver in the
CLI) and the flow continues at question 5.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import Checkpointer, interrupt
from pydantic import BaseModel, Field

from chief_of_staff.scorecard.context import ScorecardContext, load_scorecard_context
from chief_of_staff.scorecard.errors import ScorecardError
from chief_of_staff.scorecard.questions import QUESTIONS, Question
from chief_of_staff.scorecard.results import compute_results
from chief_of_staff.scorecard.state import ScorecardState
from chief_of_staff.settings import load_settings


class QuestionPrompt(BaseModel):
    """What each interrupt carries: everything a front end needs to ask one question."""

    question: Question
    number: int = Field(ge=1, description="Its place, from 1.")
    total: int = Field(ge=1, description="How many questions there are.")
    response_schema: dict[str, Any] = Field(description="JSON Schema of the answer the resume value must match.")
    error: str | None = Field(None, description="Why the previous answer to this question was refused.")


def node_name(question: Question) -> str:
    return f"ask_{question.id}"


def ask(question: Question, number: int) -> Callable[[ScorecardState], dict]:
    """The node asking `question`: one interrupt, then the answer stored or refused."""

    def ask_question(state: ScorecardState) -> dict:
        refused = state.get("rejected")
        prompt = QuestionPrompt(question=question, number=number, total=len(QUESTIONS),
                                response_schema=question.response_schema(),
                                error=refused["message"] if refused else None)
        # The schema rides in the payload: interrupt(response_schema=...) needs langgraph >= 1.2.12, the pin says 1.0.
        answer = interrupt(prompt.model_dump(mode="json"))
        try:
            choice = question.validate_choice(answer)
        except ScorecardError as exc:
            return {"rejected": {"question": question.id, "message": str(exc)}}
        return {"answers": {question.id: choice}, "rejected": None}

    ask_question.__name__ = node_name(question)
    return ask_question


def route_after_answer(state: ScorecardState) -> Literal["again", "next"]:
    return "again" if state.get("rejected") else "next"


def score(state: ScorecardState, runtime: Runtime[ScorecardContext]) -> dict:
    context = runtime.context or load_scorecard_context(load_settings())
    return {"results": compute_results(state["answers"], context).model_dump(mode="json")}


def build_scorecard_graph(checkpointer: Checkpointer = None):
    """The compiled flow. Interrupts need a checkpointer: without one it keeps threads in memory."""
    builder = StateGraph(ScorecardState, context_schema=ScorecardContext)
    names = [node_name(q) for q in QUESTIONS]
    for number, question in enumerate(QUESTIONS, start=1):
        builder.add_node(node_name(question), ask(question, number))
    builder.add_node("score", score)
    builder.add_edge(START, names[0])
    for name, following in zip(names, [*names[1:], "score"]):
        builder.add_conditional_edges(name, route_after_answer, {"again": name, "next": following})
    builder.add_edge("score", END)
    return builder.compile(checkpointer=checkpointer if checkpointer is not None else InMemorySaver())
