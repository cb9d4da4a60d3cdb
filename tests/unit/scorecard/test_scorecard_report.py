"""The HTML report: the chart is a real SVG image embedded as a data: URI, nothing is fetched, text is escaped."""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from chief_of_staff.scorecard.context import load_scorecard_context
from chief_of_staff.scorecard.errors import ScorecardError
from chief_of_staff.scorecard.report import write_report
from chief_of_staff.scorecard.results import compute_results
from chief_of_staff.settings import load_settings

SVG = "{http://www.w3.org/2000/svg}"


def test_report_embeds_the_chart_as_a_data_uri_and_fetches_nothing(answers, context, tmp_path: Path):
    files = write_report(compute_results(answers, context), tmp_path / "report")
    html = files.html.read_text(encoding="utf-8")
    embedded = re.search(r'<img src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', html)
    assert embedded and base64.b64decode(embedded.group(1)).decode() == files.svg.read_text(encoding="utf-8")
    assert not re.search(r"https?://", html)
    assert not re.search(r"<(script|link|iframe)\b", html) and "@import" not in html and "url(" not in html


def test_the_chart_is_well_formed_svg_with_one_bar_per_area_and_the_overall(answers, context, tmp_path: Path):
    result = compute_results(answers, context)
    root = ET.parse(write_report(result, tmp_path).svg).getroot()
    assert root.tag == f"{SVG}svg"
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("height") == "22"]
    assert [float(b.get("width")) for b in bars] == [330 * s / 100 for s in (64, 0, 59, 69, 48)]


def test_report_json_holds_the_whole_result(answers, context, tmp_path: Path):
    result = compute_results(answers, context)
    files = write_report(result, tmp_path)
    assert type(result).model_validate_json(files.json.read_text(encoding="utf-8")) == result


def test_text_from_a_plugin_is_escaped_in_the_page(answers, isolated_config: Path, tmp_path: Path):
    folder = isolated_config / "departments" / "pranks"
    folder.mkdir(parents=True)
    (folder / "department.toml").write_text('name = "pranks"\ndescription = "<script>alert(1)</script> & co"\n')
    (folder / "prompt.md").write_text("You play pranks.")
    context = load_scorecard_context(load_settings())
    html = write_report(compute_results(answers, context), tmp_path / "out").html.read_text(encoding="utf-8")
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html


def test_a_report_folder_that_cannot_be_written_is_a_scorecard_error(answers, context, tmp_path: Path):
    blocker = tmp_path / "taken"
    blocker.write_text("a file, not a folder")
    with pytest.raises(ScorecardError, match="cannot write the report to"):
        write_report(compute_results(answers, context), blocker)
