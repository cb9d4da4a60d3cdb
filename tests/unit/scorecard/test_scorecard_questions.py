"""The seven questions and answer validation: typed choices, and messages that list the allowed values."""

from __future__ import annotations

import pytest

from chief_of_staff.scorecard.errors import ScorecardError
from chief_of_staff.scorecard.profile import TABLES_BY_QUESTION
from chief_of_staff.scorecard.questions import (
    QUESTION_IDS,
    QUESTIONS,
    parse_answers_json,
    validate_answer,
    validate_answers,
)


def test_there_are_seven_questions_with_unique_ids_and_choices():
    assert len(QUESTIONS) == 7 and len(set(QUESTION_IDS)) == 7
    for question in QUESTIONS:
        assert len(set(question.choice_ids)) == len(question.choices) >= 2
        assert all(choice.label.strip() for choice in question.choices)


def test_every_choice_has_a_number_in_every_profile_table_and_nothing_else():
    for question in QUESTIONS:
        for table in TABLES_BY_QUESTION[question.id]:
            assert set(table) == set(question.choice_ids), question.id


def test_response_schema_offers_exactly_the_choices_with_their_labels():
    schema = QUESTIONS[0].response_schema()
    assert schema["type"] == "string" and schema["title"] == QUESTIONS[0].text
    assert [(o["const"], o["title"]) for o in schema["oneOf"]] == [(c.id, c.label) for c in QUESTIONS[0].choices]


def test_a_valid_answer_set_comes_back_in_question_order(answers):
    assert list(validate_answers(dict(reversed(answers.items())))) == list(QUESTION_IDS)


def test_unknown_choice_is_rejected_listing_the_allowed_choices():
    with pytest.raises(ScorecardError, match=r"'huge' is not a choice for 'team_size'; choose one of: just_me, "):
        validate_answer("team_size", "huge")


def test_a_choice_that_is_not_a_string_is_rejected():
    with pytest.raises(ScorecardError, match="3 is not a choice for 'hardware'"):
        validate_answer("hardware", 3)


def test_unknown_question_is_rejected_listing_the_questions():
    with pytest.raises(ScorecardError, match="unknown question 'budget'; the questions are: team_size, ai_spend"):
        validate_answer("budget", "big")


def test_every_problem_of_an_answer_set_is_named_at_once(answers):
    answers.pop("hardware")
    answers["ai_functions"] = "sales"
    answers["mood"] = "happy"
    with pytest.raises(ScorecardError) as caught:
        validate_answers(answers)
    message = str(caught.value)
    assert "unknown question 'mood'" in message
    assert "missing answer for 'hardware'" in message and "laptop, gpu_workstation, gpu_server" in message
    assert "'sales' is not a choice for 'ai_functions'" in message


def test_answers_that_are_not_an_object_are_rejected_with_an_example():
    with pytest.raises(ScorecardError, match="must be a JSON object mapping question id to choice id"):
        validate_answers(["team_size", "just_me"])


def test_text_that_is_not_json_names_its_source():
    with pytest.raises(ScorecardError, match=r"answers.json is not JSON \(Expecting value at line 1 column 1\)"):
        parse_answers_json("team_size: just_me", source="answers.json")
