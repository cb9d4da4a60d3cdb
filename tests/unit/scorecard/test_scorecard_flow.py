"""The LangGraph flow: one interrupt per question carrying its schema, re-asking refused answers, resuming."""

from __future__ import annotations

from pathlib import Path

from chief_of_staff.scorecard.flow import build_scorecard_graph
from chief_of_staff.scorecard.questions import QUESTION_IDS, QUESTIONS
from chief_of_staff.scorecard.results import compute_results
from chief_of_staff.scorecard.session import (
    answer_question,
    current_step,
    latest_unfinished_thread,
    score_answers,
)
from chief_of_staff.threads import open_checkpointer


def test_each_question_is_asked_by_one_interrupt_carrying_its_response_schema(answers, context):
    graph = build_scorecard_graph()
    step = current_step(graph, "t", context)
    asked = []
    while step.prompt is not None:
        prompt = step.prompt
        asked.append(prompt.question.id)
        assert (prompt.number, prompt.total, prompt.error) == (len(asked), 7, None)
        assert [o["const"] for o in prompt.response_schema["oneOf"]] == prompt.question.choice_ids
        interrupts = graph.get_state({"configurable": {"thread_id": "t"}}).interrupts
        assert len(interrupts) == 1 and interrupts[0].value["response_schema"] == prompt.response_schema
        step = answer_question(graph, "t", answers[prompt.question.id], context)
    assert asked == list(QUESTION_IDS)
    assert step.result == compute_results(answers, context)


def test_an_invalid_answer_is_refused_with_the_choices_and_the_same_question_asked_again(answers, context):
    graph = build_scorecard_graph()
    current_step(graph, "t", context)
    again = answer_question(graph, "t", "a dozen", context).prompt
    assert again.question.id == "team_size" and again.number == 1
    assert again.error == "'a dozen' is not a choice for 'team_size'; choose one of: " \
                          "just_me, 2_to_5, 6_to_20, 21_to_50, over_50"
    assert graph.get_state({"configurable": {"thread_id": "t"}}).values.get("answers", {}) == {}
    following = answer_question(graph, "t", "just_me", context).prompt
    assert following.question.id == "ai_spend" and following.error is None


def test_stopping_after_question_4_and_coming_back_with_a_new_graph_continues_at_question_5(
        answers, context, tmp_path: Path):
    db = tmp_path / "scorecard.sqlite"
    with open_checkpointer(db) as checkpointer:
        graph = build_scorecard_graph(checkpointer)
        step = current_step(graph, "owner", context)
        for question in QUESTIONS[:4]:
            step = answer_question(graph, "owner", answers[question.id], context)
        assert step.prompt.number == 5
    with open_checkpointer(db) as checkpointer:  # another process, later
        graph = build_scorecard_graph(checkpointer)
        assert latest_unfinished_thread(graph) == "owner"
        step = current_step(graph, "owner", context)
        assert (step.prompt.number, step.prompt.question.id) == (5, "ai_functions")
        for question in QUESTIONS[4:]:
            step = answer_question(graph, "owner", answers[question.id], context)
        assert step.result.answers == answers
        assert latest_unfinished_thread(graph) is None
        assert current_step(graph, "owner", context).result == step.result  # a finished thread shows its results


def test_the_latest_unfinished_thread_is_found_past_a_newer_finished_one(answers, context, tmp_path: Path):
    with open_checkpointer(tmp_path / "scorecard.sqlite") as checkpointer:
        graph = build_scorecard_graph(checkpointer)
        current_step(graph, "stopped", context)
        answer_question(graph, "stopped", "just_me", context)
        score_answers(answers, context, graph=graph)
        assert latest_unfinished_thread(graph) == "stopped"


def test_scoring_a_whole_answer_set_goes_through_the_flow_to_the_same_results(answers, context):
    assert score_answers(answers, context) == compute_results(answers, context)
