"""One real escalation to Claude, run only when ANTHROPIC_API_KEY is set in the environment that starts pytest
(CI has none: nothing here reaches the network there). Costs a fraction of a cent."""

import os

import pytest

from chief_of_staff.escalation.prices import load_prices
from chief_of_staff.models.claude import ClaudeClient

LIVE_KEY = os.environ.get("ANTHROPIC_API_KEY")  # read at import: the autouse fixture removes it from each test


@pytest.mark.skipif(not LIVE_KEY, reason="live Claude test: set ANTHROPIC_API_KEY to run it")
def test_live_sonnet_answers_streams_and_reports_usage():
    pieces = []
    reply = ClaudeClient(api_key=LIVE_KEY).complete(
        model=load_prices().sonnet.model, system="You answer in one short sentence.",
        messages=[{"role": "user", "content": "Name one benefit of two-factor authentication."}],
        max_tokens=60, on_text=pieces.append,
    )
    assert reply.text and "".join(pieces) == reply.text
    assert reply.usage.input_tokens > 0 and reply.usage.output_tokens > 0
