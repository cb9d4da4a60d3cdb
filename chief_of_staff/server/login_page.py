"""/login and /logout: where a browser signs in when the server has a token (COS_API_TOKEN, required off loopback).

The token typed here is checked in constant time; the browser then keeps a cookie derived from it (HttpOnly,
SameSite=Strict: scripts cannot read it and other sites' pages cannot send it), named after this server's port,
that RequestGuard accepts on page requests as it accepts the bearer token on API calls.
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from chief_of_staff.server.bodies import form_fields
from chief_of_staff.server.security import session_cookie_name, session_cookie_value
from chief_of_staff.server.templating import render

router = APIRouter()
SIGNED_IN_FOR_S = 30 * 24 * 3600


def safe_next(path: str) -> str:
    """Only a path on this server: never `//elsewhere`, `/\\elsewhere` or a full address (an open redirect)."""
    if not path.startswith("/") or path.startswith(("//", "/\\")) or any(c in path for c in "\t\r\n\\"):
        return "/chat"
    return path


@router.get("/login", response_model=None)
def login_page(request: Request, next_page: str = Query("/chat", alias="next")) -> HTMLResponse | RedirectResponse:
    if not request.app.state.settings.api_token:
        return RedirectResponse(safe_next(next_page), status_code=303)  # nothing to sign in to on loopback
    return render(request, "login.html", next=safe_next(next_page), error=None)


@router.post("/login", response_model=None)
async def sign_in(request: Request) -> HTMLResponse | RedirectResponse:
    token = request.app.state.settings.api_token
    fields = await form_fields(request)
    given, next_page = fields.get("token", ""), safe_next(fields.get("next", "/chat"))
    if not token:
        return RedirectResponse(next_page, status_code=303)
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        return render(request, "login.html", 401, next=next_page, error="That token does not match COS_API_TOKEN.")
    response = RedirectResponse(next_page, status_code=303)
    response.set_cookie(session_cookie_name(request.scope), session_cookie_value(token), httponly=True,
                        samesite="strict", max_age=SIGNED_IN_FOR_S)
    return response


@router.post("/logout")
def sign_out(request: Request) -> RedirectResponse:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(session_cookie_name(request.scope), httponly=True, samesite="strict")
    return response
