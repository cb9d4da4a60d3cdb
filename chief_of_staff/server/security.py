"""Who may talk to `cos serve`: loopback by default, a bearer token for anything else, a cap on request bodies,
and CORS only for origins the owner named.

`RequestGuard` is plain ASGI middleware rather than FastAPI dependencies so that it covers every route the app
will ever have (API and pages alike) and runs before a single body byte reaches a handler. In order:

- Host: with no token (the loopback default) the Host header must name this machine, so a web page whose
  domain was re-pointed at 127.0.0.1 (DNS rebinding) cannot read threads or spend the budget.
- Origin: a request that changes something (POST…) from a browser page of another origin is refused unless
  that origin is in `cors_origins`: another site cannot post a chat or a scorecard answer in the owner's name.
- Token: when COS_API_TOKEN is set, every request carries it as a bearer token, or (pages in a browser, not
  /api) the session cookie that /login sets; a browser without it is sent to /login. /login and /static are
  public.
- Body: at most `max_body_bytes`, whether declared or streamed.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from chief_of_staff.errors import ConfigError
from chief_of_staff.settings import Settings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

LOOPBACK_NAMES = {"localhost", "ip6-localhost"}
BODYLESS_METHODS = {"GET", "HEAD", "OPTIONS", "DELETE"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
PUBLIC_PATHS = ("/login", "/static/")  # the sign-in page and its stylesheet: nothing behind them is readable
SESSION_COOKIE = "cos_session_{port}"  # browsers share cookies across a host's ports: one name per server
API_PREFIX = "/api/"  # Ollama's API: bearer token only


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach: 127.0.0.0/8, ::1 and 'localhost'."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def check_bind(host: str, settings: Settings) -> None:
    """Refuse to listen beyond this machine without a token: anyone on the network could spend the cloud budget
    and read every thread."""
    if not is_loopback(host) and not settings.api_token:
        raise ConfigError(
            f"refusing to bind {host}: other machines could reach the Chief of Staff without a password. "
            "Set COS_API_TOKEN (for example `export COS_API_TOKEN=$(python -c 'import secrets; "
            "print(secrets.token_urlsafe(32))')`) or bind 127.0.0.1"
        )


def bearer_token_matches(authorization: str, token: str) -> bool:
    scheme, _, given = authorization.partition(" ")
    # compare_digest on bytes: constant time whatever the guess, so timing does not leak the token's prefix
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


def session_cookie_value(token: str) -> str:
    """What the browser keeps after /login: derived from the token, so a leaked cookie is not the API token."""
    return hmac.new(token.encode(), b"cos-session-cookie", "sha256").hexdigest()


def session_cookie_name(scope: Scope) -> str:
    return SESSION_COOKIE.format(port=(scope.get("server") or ("", 0))[1])


def cookie_matches(cookie_header: str, name: str, token: str) -> bool:
    cookies = dict(part.strip().partition("=")[::2] for part in cookie_header.split(";") if "=" in part)
    return hmac.compare_digest(cookies.get(name, "").encode(), session_cookie_value(token).encode())


def host_name(host_header: str) -> str:
    """'127.0.0.1:11435' -> '127.0.0.1', '[::1]:80' -> '::1'."""
    if host_header.startswith("["):
        return host_header[1:].partition("]")[0]
    return host_header.rpartition(":")[0] if host_header.count(":") == 1 else host_header


async def redirect(send: Send, location: str) -> None:
    await send({"type": "http.response.start", "status": 303, "headers": [
        (b"location", location.encode("latin-1")), (b"content-length", b"0")]})
    await send({"type": "http.response.body", "body": b""})


async def send_error(send: Send, status: int, message: str, headers: tuple[tuple[bytes, bytes], ...] = ()) -> None:
    """An error in Ollama's shape, {"error": message}, which its clients show to the user."""
    body = json.dumps({"error": message}).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *headers]})
    await send({"type": "http.response.body", "body": body})


class RequestGuard:
    """Checks the token (when one is set) and reads the body up to `max_body_bytes` before the app sees it.

    The body is buffered here (it is at most `max_body_bytes`) and replayed to the app, so an oversized one is
    refused with 413 whether its Content-Length says so or it is sent chunked; later `receive` calls go to the
    server, so the app still hears a client that disconnects mid-stream."""

    def __init__(self, app: ASGIApp, token: str, max_body_bytes: int, allowed_origins: list[str]) -> None:
        self.app = app
        self.token = token
        self.max_body_bytes = max_body_bytes
        self.allowed_origins = set(allowed_origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]}
        refusal = self._refusal(scope, headers)
        if refusal:
            await send_error(send, 403, refusal)
            return
        if self.token and not self._signed_in(scope, headers):
            page = scope["method"] == "GET" and not scope["path"].startswith(API_PREFIX)
            if page and "text/html" in headers.get("accept", ""):  # a browser: the sign-in page
                query = scope.get("query_string", b"").decode("latin-1")
                await redirect(send, "/login?" + urlencode({"next": scope["path"] + (f"?{query}" if query else "")}))
                return
            await send_error(send, 401, "missing or wrong token: send the header 'Authorization: Bearer "
                             "<COS_API_TOKEN>'", ((b"www-authenticate", b"Bearer"),))
            return
        if scope["method"] in BODYLESS_METHODS:
            await self.app(scope, receive, send)
            return
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            await send_error(send, 413, self._too_large(int(declared)))
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client left before sending its request: nothing to answer
            body += message.get("body", b"")
            if len(body) > self.max_body_bytes:
                await send_error(send, 413, self._too_large(len(body)))
                return
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    def _refusal(self, scope: Scope, headers: dict[str, str]) -> str | None:
        """Why a request from a browser page it did not come from is refused (403), or None."""
        host = headers.get("host", "")
        if not self.token and host and not is_loopback(host_name(host)):
            return (f"this server answers requests for this machine only, not for {host!r}: open it as "
                    "http://127.0.0.1:<port>, or set COS_API_TOKEN to serve other names")
        origin = headers.get("origin")
        foreign = origin is not None and urlsplit(origin).netloc != host  # "null" (a sandboxed page) is foreign
        if scope["method"] not in SAFE_METHODS and foreign and origin not in self.allowed_origins:
            return (f"a page from {origin} may not send requests here; to allow it, add it to cors_origins "
                    "(COS_CORS_ORIGINS)")
        return None

    def _signed_in(self, scope: Scope, headers: dict[str, str]) -> bool:
        if scope["path"].startswith(PUBLIC_PATHS):
            return True
        if bearer_token_matches(headers.get("authorization", ""), self.token):
            return True
        return not scope["path"].startswith(API_PREFIX) and cookie_matches(
            headers.get("cookie", ""), session_cookie_name(scope), self.token)

    def _too_large(self, size: int) -> str:
        return (f"request body of {size}+ bytes is over the limit of {self.max_body_bytes} bytes "
                "(COS_MAX_BODY_BYTES)")


def secure(app: FastAPI, settings: Settings) -> None:
    """Install the guard, then CORS outside it (only when origins are configured), so a browser's preflight,
    which never carries the token, is answered by CORS alone."""
    app.add_middleware(RequestGuard, token=settings.api_token, max_body_bytes=settings.max_body_bytes,
                       allowed_origins=settings.cors_origins)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST"],
                           allow_headers=["Authorization", "Content-Type"])
