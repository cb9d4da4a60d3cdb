"""/login: where a browser signs in when the server has a token (COS_API_TOKEN, required off loopback).

The token typed here is checked in constant time; the browser then keeps a cookie derived from it (HttpOnly,
SameSite=Strict: scripts cannot read it and other sites' pages cannot send it) that RequestGuard accepts on
page requests as it accepts the bearer token on API calls.
"""

from __future__ import annotations

import hmac
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from chief_of_staff.server.security import SESSION_COOKIE, session_cookie_value
from chief_of_staff.server.templating import render

router = APIRouter()


def safe_next(path: str) -> str:
    """Only a path on this server: never `//elsewhere` or a full address (an open redirect)."""
    return path if path.startswith("/") and not path.startswith(("//", "/\\")) else "/chat"


@router.get("/login", response_model=None)
def login_page(request: Request, next: str = "/chat") -> HTMLResponse | RedirectResponse:
    if not request.app.state.settings.api_token:
        return RedirectResponse(safe_next(next), status_code=303)  # nothing to sign in to on loopback
    return render(request, "login.html", next=safe_next(next), error=None)


@router.post("/login", response_model=None)
async def sign_in(request: Request) -> HTMLResponse | RedirectResponse:
    token = request.app.state.settings.api_token
    fields = parse_qs((await request.body()).decode("utf-8", "replace"))  # our own one-field form
    given, next_page = fields.get("token", [""])[0], safe_next(fields.get("next", ["/chat"])[0])
    if not token:
        return RedirectResponse(next_page, status_code=303)
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        return render(request, "login.html", 401, next=next_page, error="That token does not match COS_API_TOKEN.")
    response = RedirectResponse(next_page, status_code=303)
    response.set_cookie(SESSION_COOKIE, session_cookie_value(token), httponly=True, samesite="strict",
                        max_age=30 * 24 * 3600)
    return response
