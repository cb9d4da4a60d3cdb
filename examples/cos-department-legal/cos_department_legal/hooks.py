"""Hooks of the legal department: every answer ends with a reminder that it is not legal advice."""

DISCLAIMER = "Not legal advice: have a qualified lawyer review anything you sign."


def finish_answer(text: str) -> str:
    return text if DISCLAIMER in text else f"{text.rstrip()}\n\n{DISCLAIMER}"
