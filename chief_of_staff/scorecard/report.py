"""`--report DIR`: report.html, chart.svg and report.json for one scorecard result.

The HTML page is self-contained: the chart is embedded as a base64 data: URI, the styles are inline, and there
are no links, fonts or scripts to fetch, so it opens without network access. Every piece of text is escaped.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from html import escape
from pathlib import Path

from chief_of_staff.scorecard.chart import bar_chart_svg
from chief_of_staff.scorecard.errors import ScorecardError
from chief_of_staff.scorecard.questions import QUESTIONS
from chief_of_staff.scorecard.results import ScorecardResult
from chief_of_staff.scorecard.scoring import AREAS, FORMULA

STYLE = """body{font-family:sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#222;line-height:1.45}
table{border-collapse:collapse;margin:.5rem 0 1rem}td,th{border-bottom:1px solid #ddd;padding:.3rem .6rem;
text-align:left}td.n{text-align:right}pre{background:#f5f5f5;padding:.8rem;overflow-x:auto}.note{color:#666}"""


@dataclass(frozen=True)
class ReportFiles:
    html: Path
    svg: Path
    json: Path


def area_chart(result: ScorecardResult) -> str:
    scores = result.scores
    bars = [(area, getattr(scores, area)) for area in AREAS] + [("overall", scores.overall)]
    return bar_chart_svg(bars, "Business scorecard: area scores (0-100)")


def _list(items: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{escape(item)}</li>" for item in items) + "</ul>" if items else ""


def _table(header: list[str], rows: list[list[str]], numeric_from: int = 99) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f'<td{" class=n" if i >= numeric_from else ""}>{escape(c)}</td>'
                                    for i, c in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def report_html(result: ScorecardResult, chart_svg: str) -> str:
    recs, cost = result.recommendations, result.recommendations.cost
    chart_uri = "data:image/svg+xml;base64," + base64.b64encode(chart_svg.encode()).decode("ascii")
    alt = ", ".join(f"{area} {getattr(result.scores, area)}" for area in (*AREAS, "overall"))
    answers = [[q.text, q.label_of(result.answers[q.id])] for q in QUESTIONS]
    departments = [[d.name, d.source, d.reason] for d in recs.departments]
    also = [[d.name, d.source, d.reason] for d in recs.also_available]
    costs = [[c.department, f"{c.tasks_per_month:g}", f"{c.local_share:.0%}", c.local_share_note,
              f"${c.all_cloud_usd:.2f}", f"${c.tiered_usd:.2f}"] for c in cost.departments]
    sections = [
        f"<h1>Business scorecard: {result.scores.overall}/100</h1>",
        f'<p><img src="{chart_uri}" alt="{escape(alt)}" width="520"></p>',
        "<h2>Your answers</h2>", _table(["question", "answer"], answers),
        "<h2>Departments to enable</h2>", _table(["department", "source", "why"], departments), _list(recs.missing),
        *(["<p>Also installed:</p>", _table(["department", "source", "what it does"], also)] if also else []),
        "<h2>Tier policy</h2>", _list(recs.tiers.advice),
        "<h2>Adapters and local model</h2>", _list(recs.adapters.advice),
        "<h2>Projected monthly cloud cost</h2>",
        f"<p>{cost.tasks_per_month} tasks a month: all-cloud <b>${cost.all_cloud_usd:.2f}</b>, tiered "
        f"<b>${cost.tiered_usd:.2f}</b> (saving ${cost.saving_usd:.2f}); you spend about ${cost.today_usd:.0f} "
        "a month on AI today.</p>",
        _table(["department", "tasks", "local share", "from", "all-cloud", "tiered"], costs, numeric_from=1),
        '<p class="note">Assumptions:</p>', _list(cost.assumptions),
        "<h2>Next steps</h2>", _list(recs.next_steps),
        "<h2>How the scores are computed</h2>", f"<pre>{escape(FORMULA)}</pre>",
    ]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Business scorecard</title>"
            f"<style>{STYLE}</style></head>\n<body>\n" + "\n".join(sections) + "\n</body></html>\n")


def write_report(result: ScorecardResult, folder: Path) -> ReportFiles:
    files = ReportFiles(html=folder / "report.html", svg=folder / "chart.svg", json=folder / "report.json")
    chart = area_chart(result)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        files.svg.write_text(chart, encoding="utf-8")
        files.json.write_text(json.dumps(result.model_dump(mode="json"), indent=2) + "\n", encoding="utf-8")
        files.html.write_text(report_html(result, chart), encoding="utf-8")
    except OSError as exc:
        raise ScorecardError(f"cannot write the report to {folder}: {exc.strerror or exc}") from exc
    return files
