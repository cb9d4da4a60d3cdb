"""The scorecard in the browser: the seven questions one page at a time, then the results with the chart.

It drives the same LangGraph flow as `cos scorecard` (scorecard/session.py) on the same thread store
(<data dir>/scorecard.sqlite), so a scorecard started in the terminal can be finished here and the other way
round. Every answer is a checkpoint: close the tab after question 4 and /scorecard offers question 5.

Plain HTML forms, posted and redirected (303) to the page that shows the next step, so the back button and a
reload never answer twice. A refused answer (none chosen, or a value not offered) comes back on the same
question with the flow's own message.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from chief_of_staff.scorecard.context import ScorecardContext, load_scorecard_context
from chief_of_staff.scorecard.flow import build_scorecard_graph
from chief_of_staff.scorecard.questions import QUESTIONS
from chief_of_staff.scorecard.report import area_chart
from chief_of_staff.scorecard.scoring import AREAS
from chief_of_staff.scorecard.session import (
    Step,
    answer_question,
    current_step,
    new_scorecard_thread_id,
    scorecard_store,
)
from chief_of_staff.server.bodies import form_fields
from chief_of_staff.server.templating import render
from chief_of_staff.settings import Settings
from chief_of_staff.threads import open_checkpointer, recent_thread_ids, thread_exists

router = APIRouter()
LISTED = 10  # recent scorecards shown on /scorecard


@dataclass
class Scorecards:
    """The scorecard flow on its thread store, with what scoring reads; one request at a time touches it."""

    graph: Any
    context: ScorecardContext
    lock: threading.Lock

    def step(self, thread_id: str) -> Step:
        with self.lock:
            return current_step(self.graph, thread_id, self.context)

    def answer_if_waiting(self, thread_id: str, answer: str) -> None:
        """Give the waiting question its answer (refused ones are kept in the flow's question); a finished
        scorecard (answered in another tab, or the back button) is left as it is."""
        with self.lock:
            if self.graph.get_state({"configurable": {"thread_id": thread_id}}).interrupts:
                answer_question(self.graph, thread_id, answer, self.context)

    def exists(self, thread_id: str) -> bool:
        with self.lock:
            return thread_exists(self.graph, thread_id)

    def recent(self) -> list[dict[str, Any]]:
        """The latest scorecards: id, and either the question they wait on or the overall score."""
        with self.lock:
            rows = []
            for thread_id in recent_thread_ids(self.graph.checkpointer, LISTED):
                state = self.graph.get_state({"configurable": {"thread_id": thread_id}})
                waiting = state.interrupts[0].value if state.interrupts else None
                results = state.values.get("results")
                rows.append({"thread_id": thread_id, "number": waiting["number"] if waiting else None,
                             "total": len(QUESTIONS),
                             "overall": results["scores"]["overall"] if results and not waiting else None})
            return rows


@contextmanager
def open_scorecards(settings: Settings) -> Iterator[Scorecards]:
    with open_checkpointer(scorecard_store(settings)) as checkpointer:
        yield Scorecards(build_scorecard_graph(checkpointer), load_scorecard_context(settings), threading.Lock())


def scorecards(request: Request) -> Scorecards:
    return request.app.state.scorecards


def not_found(request: Request, thread_id: str) -> HTMLResponse:
    return render(request, "error.html", 404, heading="No such scorecard",
                  message=f"There is no scorecard {thread_id!r} on this machine.", back="/scorecard")


@router.get("/scorecard", response_class=HTMLResponse)
def scorecard_list(request: Request) -> HTMLResponse:
    return render(request, "scorecard_list.html", scorecards=scorecards(request).recent(), total=len(QUESTIONS))


@router.post("/scorecard")
def start_scorecard(request: Request) -> RedirectResponse:
    thread_id = new_scorecard_thread_id()
    scorecards(request).step(thread_id)  # starts the flow: the thread exists from here
    return RedirectResponse(f"/scorecard/{thread_id}", status_code=303)


@router.get("/scorecard/{thread_id}", response_class=HTMLResponse)
def scorecard_step(request: Request, thread_id: str) -> HTMLResponse:
    cards = scorecards(request)
    if not cards.exists(thread_id):
        return not_found(request, thread_id)
    step = cards.step(thread_id)
    if step.prompt is not None:
        return render(request, "scorecard_question.html", thread_id=thread_id, prompt=step.prompt)
    result = step.result
    return render(request, "scorecard_results.html", thread_id=thread_id, result=result,
                  chart_svg=area_chart(result), areas=AREAS,
                  answers=[(q.text, q.label_of(result.answers[q.id])) for q in QUESTIONS])


@router.post("/scorecard/{thread_id}", response_model=None)
async def answer_step(request: Request, thread_id: str) -> RedirectResponse | HTMLResponse:
    fields = await form_fields(request)
    cards = scorecards(request)  # SQLite and the flow block: off the event loop, which streams others' answers
    if not await asyncio.to_thread(cards.exists, thread_id):
        return not_found(request, thread_id)
    await asyncio.to_thread(cards.answer_if_waiting, thread_id, fields.get("answer", ""))
    return RedirectResponse(f"/scorecard/{thread_id}", status_code=303)


@router.get("/scorecard/{thread_id}/chart.svg")
def scorecard_chart(request: Request, thread_id: str) -> Response:
    step = finished_step(request, thread_id)
    if isinstance(step, JSONResponse):
        return step
    return Response(area_chart(step.result), media_type="image/svg+xml")


@router.get("/scorecard/{thread_id}/report.json")
def scorecard_json(request: Request, thread_id: str) -> Response:
    step = finished_step(request, thread_id)
    if isinstance(step, JSONResponse):
        return step
    return JSONResponse(step.result.model_dump(mode="json"))


def finished_step(request: Request, thread_id: str) -> Step | JSONResponse:
    cards = scorecards(request)
    if not cards.exists(thread_id):
        return JSONResponse({"error": f"no scorecard {thread_id!r}"}, 404)
    step = cards.step(thread_id)
    if step.result is None:
        return JSONResponse({"error": f"scorecard {thread_id!r} waits on question {step.prompt.number} of "
                             f"{step.prompt.total}: answer it first"}, 409)
    return step
