"""The pages in a real browser: a chat message streams an answer with its department and trace; the
scorecard is completed with clicks and shows its chart."""

import pytest
from playwright.sync_api import Page, expect

from chief_of_staff.scorecard.questions import QUESTIONS
from tests.e2e.conftest import screenshot
from tests.unit.server.conftest import serving

TASK = "Is this email asking for my Microsoft password a phishing attempt?"
# Records every text the answer shows, so the test sees it grow rather than arrive whole.
WATCH_ANSWER = """() => {
  window.answerTexts = [];
  new MutationObserver(() => {
    const answer = document.querySelector("#messages .message.assistant:last-child .text");
    if (answer) window.answerTexts.push(answer.textContent);
  }).observe(document.getElementById("messages"), {childList: true, subtree: true, characterData: true});
}"""


def test_a_chat_message_streams_an_answer_with_its_department_tier_confidence_and_cost(served, page: Page):
    page.goto(f"{served.url}/chat")
    page.evaluate(WATCH_ANSWER)
    page.fill("#message", TASK)
    page.keyboard.press("Enter")
    answer = page.locator("#messages .message.assistant").last
    meta = answer.get_by_test_id("answer-meta")
    expect(meta).to_be_visible()
    department = meta.get_by_test_id("department").inner_text()
    assert department in ("security", "content", "finance", "general")
    expect(meta.get_by_test_id("tier")).to_contain_text("tier 1")
    expect(meta.get_by_test_id("confidence")).to_contain_text("confidence 0.")
    expect(meta.get_by_test_id("cost")).to_contain_text("$0")
    expect(meta.get_by_test_id("reason")).not_to_be_empty()
    partial = {text for text in page.evaluate("window.answerTexts") if text}
    assert len(partial) >= 3, f"the answer arrived in {len(partial)} piece(s), not streamed"
    assert "/chat/" in page.url, "the address names the new thread"
    expect(page.locator("#thread-list")).to_contain_text(TASK[:20])
    screenshot(page, "chat")

    page.reload()  # the thread as stored: the same answer with the same department
    expect(page.locator("#messages .message.assistant").last.get_by_test_id("department")).to_have_text(department)


def test_the_no_adapter_box_asks_for_an_answer_without_the_adapter(served, page: Page):
    page.goto(f"{served.url}/chat")
    page.check("#no_adapter")
    page.fill("#message", TASK)
    with page.expect_request(lambda r: r.method == "POST" and r.url.endswith("/web/chat")) as sent:
        page.keyboard.press("Enter")
    assert sent.value.post_data_json["no_adapter"] is True
    expect(page.locator("#messages .message.assistant").last.get_by_test_id("answer-meta")).to_be_visible()


def test_the_scorecard_is_completed_with_clicks_and_shows_the_chart(served, page: Page):
    page.goto(f"{served.url}/scorecard")
    page.get_by_test_id("start-scorecard").click()
    expect(page.get_by_test_id("progress")).to_have_text("question 1 of 7")
    page.get_by_test_id("next").click()  # nothing chosen
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_test_id("progress")).to_have_text("question 1 of 7")
    screenshot(page, "scorecard-question")
    for number, question in enumerate(QUESTIONS, start=1):
        expect(page.get_by_test_id("progress")).to_have_text(f"question {number} of 7")
        page.get_by_label(question.choices[-1].label, exact=True).check()
        page.get_by_test_id("next").click()
    expect(page.get_by_test_id("overall")).to_contain_text("/100")
    chart = page.get_by_test_id("scorecard-chart").locator("svg")
    expect(chart).to_be_visible()
    assert chart.bounding_box()["width"] > 300
    expect(chart.locator("rect")).to_have_count(1 + 5)  # the background and one bar per area and overall
    screenshot(page, "scorecard-results")


def test_departments_and_costs_pages_render(served, page: Page):
    page.goto(f"{served.url}/departments")
    expect(page.get_by_test_id("departments")).to_contain_text("security")
    screenshot(page, "departments")
    page.goto(f"{served.url}/costs")
    expect(page.get_by_test_id("cost-chart").locator("svg")).to_be_visible()
    screenshot(page, "costs")


def test_the_departments_page_shows_a_house_style_adapters_four_arms(tmp_path, tiny_settings, page: Page):
    import json

    from typer.testing import CliRunner

    from chief_of_staff.cli import app
    from tests.unit.training.conftest import write_toy_department

    manifest = write_toy_department(tmp_path) / "department.toml"
    manifest.write_text(manifest.read_text().replace("[training]", '[style]\nsign_off = "#toy"\n\n[training]'))
    assert CliRunner().invoke(app, ["adapters", "train", "toy", "--steps", "1"]).exit_code == 0
    [row] = [r for r in json.loads(CliRunner().invoke(app, ["adapters", "list", "--json"]).stdout)
             if r["department"] == "toy"]
    with serving(tiny_settings) as served:
        page.goto(f"{served.url}/departments")
        arms = page.get_by_test_id("arm")
        expect(arms).to_have_count(4)
        expect(arms.nth(0)).to_contain_text(f"base {row['arms']['base']['compliance']:.0%}")
        expect(arms.nth(2)).to_contain_text(row["arms"]["adapter"]["verdict"])
        screenshot(page, "departments-arms")


def test_stop_keeps_the_partial_answer_and_the_thread_goes_on(served, page: Page):
    page.goto(f"{served.url}/chat")
    page.fill("#message", TASK)
    page.keyboard.press("Enter")
    answer = page.locator("#messages .message.assistant").last.locator(".text")
    expect(answer).not_to_be_empty()  # the first pieces arrived
    page.click("#stop")
    expect(answer).to_contain_text("[stopped]")
    expect(page.locator("#send")).to_be_enabled()
    page.fill("#message", "Then what should I do?")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("answer-meta")).to_have_count(1)  # the second, finished answer
    page.reload()  # both answers were kept on the thread, the first marked stopped
    expect(page.locator("#messages .message.assistant")).to_have_count(2)
    expect(page.locator("#messages .message.assistant").first).to_contain_text("[stopped]")


def test_a_refused_message_is_explained_and_nothing_typed_is_lost(served, page: Page):
    page.goto(f"{served.url}/chat")
    page.evaluate("document.getElementById('department').add(new Option('astrology', 'astrology'))")
    page.select_option("#department", "astrology")  # a department the server does not have (a stale page)
    page.fill("#message", "Will the launch go well?")
    page.keyboard.press("Enter")
    expect(page.locator("#chat-error")).to_contain_text("no department 'astrology'")
    expect(page.locator("#message")).to_have_value("Will the launch go well?")
    expect(page.locator("#messages .message")).to_have_count(0)


def test_with_a_token_the_browser_signs_in_first(tiny_settings, page: Page):
    with serving(tiny_settings.model_copy(update={"api_token": "browser-token"})) as served:
        page.goto(f"{served.url}/costs")
        expect(page).to_have_url(f"{served.url}/login?next=%2Fcosts")
        page.fill("input[name=token]", "wrong")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("alert")).to_contain_text("does not match")
        page.fill("input[name=token]", "browser-token")
        page.get_by_role("button", name="Sign in").click()
        expect(page).to_have_url(f"{served.url}/costs")
        expect(page.get_by_test_id("cost-chart").locator("svg")).to_be_visible()
        page.get_by_role("button", name="Sign out").click()
        expect(page).to_have_url(f"{served.url}/login")


@pytest.mark.usefixtures("unsure", "claude")  # the real anthropic SDK against a Messages API on 127.0.0.1
def test_an_unsure_answer_escalates_in_the_page_and_says_so(tiny_settings, request, page: Page):
    request.getfixturevalue("paced_model")
    with serving(tiny_settings) as served:
        page.goto(f"{served.url}/chat")
        page.select_option("#department", "content")
        page.fill("#message", "Write a two-line Instagram caption for our tulip delivery")
        page.keyboard.press("Enter")
        answer = page.locator("#messages .message.assistant").last
        expect(answer.get_by_test_id("answer-meta")).to_be_visible()
        expect(answer.locator(".escalating")).to_contain_text("Escalating to claude-sonnet")
        expect(answer.locator(".text")).to_have_text("Fresh tulips, here today. #Bloom")
        expect(answer.get_by_test_id("tier")).to_contain_text("tier 2 · Claude Sonnet")
        assert answer.get_by_test_id("cost").inner_text() != "cost $0"
        screenshot(page, "chat-escalated")
