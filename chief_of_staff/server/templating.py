"""The pages' Jinja2 templates and static files (packaged with the code: nothing is fetched at run time).

Jinja2 autoescapes every value, so model output, task text and plugin errors can never become markup; the
only `|safe` values are SVG charts this package draws itself with every label escaped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from chief_of_staff.escalation.policy import Tier

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
templates = Jinja2Templates(directory=HERE / "templates")

NAVIGATION = (("/chat", "Chat"), ("/scorecard", "Scorecard"), ("/departments", "Departments"), ("/costs", "Costs"))


def money(value: float | None) -> str:
    """Dollars with the decimals a cost needs: $0 for nothing, $0.0042 for one answer, $1.93 for a month."""
    if value is None:
        return "–"
    if value == 0:
        return "$0"
    return f"${value:,.4f}" if abs(value) < 0.1 else f"${value:,.2f}"


templates.env.filters["money"] = money
templates.env.globals["tier_label"] = lambda tier: Tier(tier).label


def render(request: Request, template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    page = request.url.path
    signed_in = bool(request.app.state.settings.api_token) and page != "/login"  # token mode: offer to sign out
    return templates.TemplateResponse(
        request, template, {"navigation": NAVIGATION, "page": page, "signed_in": signed_in, **values},
        status_code=status_code)
