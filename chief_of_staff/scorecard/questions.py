"""The seven scorecard questions, their typed choices, and the validation of answers.

Every question takes exactly one choice (a radio group), so any front end renders the same form and an answers
file is a flat JSON object: question id -> choice id. Validation names the allowed values in its message.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from chief_of_staff.scorecard.errors import ScorecardError


class Choice(BaseModel):
    """One allowed answer: a stable id (what files and APIs send) and the label a person reads."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(description="Stable identifier sent as the answer, e.g. '6_to_20'.")
    label: str = Field(description="Plain-English text shown to the owner.")


class Question(BaseModel):
    """One question and its choices; the answer is exactly one choice id."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(description="Stable identifier, the key in an answers file.")
    text: str = Field(description="The question as the owner reads it.")
    choices: tuple[Choice, ...] = Field(min_length=2, description="The allowed answers, in display order.")

    @property
    def choice_ids(self) -> list[str]:
        return [choice.id for choice in self.choices]

    def label_of(self, choice_id: str) -> str:
        return next(choice.label for choice in self.choices if choice.id == choice_id)

    def validate_choice(self, answer: Any) -> str:
        """The choice id, or a ScorecardError naming the question and its allowed choices."""
        if isinstance(answer, str) and answer in self.choice_ids:
            return answer
        given = "no answer" if answer in (None, "") else f"{answer!r} is not a choice"
        raise ScorecardError(f"{given} for {self.id!r}; choose one of: {', '.join(self.choice_ids)}")

    def response_schema(self) -> dict[str, Any]:
        """JSON Schema of the answer: one string, each allowed value with its label (renders as a radio group)."""
        return {
            "title": self.text,
            "type": "string",
            "oneOf": [{"const": choice.id, "title": choice.label} for choice in self.choices],
        }


def _question(id: str, text: str, *choices: tuple[str, str]) -> Question:
    return Question(id=id, text=text, choices=tuple(Choice(id=c, label=label) for c, label in choices))


QUESTIONS: tuple[Question, ...] = (
    _question(
        "team_size", "How many people work in your business, you included?",
        ("just_me", "Just me"), ("2_to_5", "2 to 5"), ("6_to_20", "6 to 20"), ("21_to_50", "21 to 50"),
        ("over_50", "More than 50"),
    ),
    _question(
        "ai_spend", "Roughly what do you spend a month on AI tools and AI services (ChatGPT, Claude, Copilot, APIs)?",
        ("nothing", "Nothing"), ("under_50", "Under $50"), ("50_to_200", "$50 to $200"),
        ("200_to_1000", "$200 to $1,000"), ("over_1000", "More than $1,000"),
    ),
    _question(
        "routine_share", "How much of your team's desk work is routine: the same kind of task again and again "
        "(replies, invoices, posts, scheduling)?",
        ("under_25", "Less than a quarter"), ("25_to_50", "A quarter to a half"),
        ("50_to_75", "Half to three quarters"), ("over_75", "More than three quarters"),
    ),
    _question(
        "data_sensitivity", "What is the most sensitive client data you handle?",
        ("none", "Nothing special: no client records"), ("financial", "Financial: bank, card, payroll or tax details"),
        ("legal", "Legal: contracts, case files"), ("health", "Health: patient or medical records"),
    ),
    _question(
        "ai_functions", "Where does your business use AI today? Pick the closest one.",
        ("none", "Nowhere yet"), ("marketing", "Marketing and content: posts, newsletters, website"),
        ("finance", "Finance: invoices, bookkeeping, cash flow"),
        ("admin", "Admin and customers: scheduling, replies, planning"),
        ("security", "IT and security: phishing checks, passwords"), ("legal", "Legal: contracts, NDAs"),
        ("several", "Several of these"),
    ),
    _question(
        "models_today", "Where do the AI models you use run today?",
        ("none", "We don't use AI models yet"), ("cloud_only", "Only in the cloud (ChatGPT, Claude, Gemini...)"),
        ("local_only", "Only on our own computers"), ("both", "Both in the cloud and on our own computers"),
    ),
    _question(
        "hardware", "What is the most capable computer you could set aside for AI?",
        ("laptop", "Laptops or ordinary office PCs"),
        ("gpu_workstation", "A workstation with a graphics card (GPU with 12 GB or more)"),
        ("gpu_server", "A server with data-centre GPUs (our own or rented)"),
    ),
)
QUESTION_IDS: tuple[str, ...] = tuple(q.id for q in QUESTIONS)
_BY_ID: dict[str, Question] = {q.id: q for q in QUESTIONS}


def question(question_id: str) -> Question:
    """The question called `question_id`, or a ScorecardError listing the question ids."""
    if question_id not in _BY_ID:
        raise ScorecardError(f"unknown question {question_id!r}; the questions are: {', '.join(QUESTION_IDS)}")
    return _BY_ID[question_id]


def validate_answer(question_id: str, answer: Any) -> str:
    return question(question_id).validate_choice(answer)


def validate_answers(answers: Any) -> dict[str, str]:
    """A complete answer set in question order, or one ScorecardError naming every problem and the allowed values."""
    if not isinstance(answers, Mapping):
        raise ScorecardError(
            f"answers must be a JSON object mapping question id to choice id, e.g. {{\"team_size\": \"2_to_5\"}}; "
            f"got a {type(answers).__name__}"
        )
    problems = []
    unknown = [str(key) for key in answers if key not in _BY_ID]
    if unknown:
        problems.append(f"unknown question {', '.join(map(repr, unknown))}; the questions are: "
                        f"{', '.join(QUESTION_IDS)}")
    missing = [q for q in QUESTIONS if q.id not in answers]
    problems += [f"missing answer for {q.id!r}; choose one of: {', '.join(q.choice_ids)}"
                 for q in missing]
    for q in QUESTIONS:
        if q.id in answers:
            try:
                q.validate_choice(answers[q.id])
            except ScorecardError as exc:
                problems.append(str(exc))
    if problems:
        raise ScorecardError("; ".join(problems))
    return {q.id: answers[q.id] for q in QUESTIONS}


def parse_answers_json(text: str, source: str = "answers") -> dict[str, str]:
    """Validated answers from JSON text; `source` names the file in the messages."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScorecardError(f"{source} is not JSON ({exc.msg} at line {exc.lineno} column {exc.colno}); "
                             f"expected an object like {{\"team_size\": \"2_to_5\", ...}}") from exc
    try:
        return validate_answers(data)
    except ScorecardError as exc:
        raise ScorecardError(f"{source}: {exc}") from exc


def questions_as_json() -> list[dict[str, Any]]:
    """The questions as plain data: id, text and choices (id, label)."""
    return [q.model_dump(mode="json") for q in QUESTIONS]
