"""Who may call `cos serve`: loopback by default, a token for anything else, bodies capped, CORS only when
configured."""

import httpx
import ollama
import pytest
from typer.testing import CliRunner

from chief_of_staff.cli import app
from chief_of_staff.errors import ConfigError
from chief_of_staff.server.app import server_config
from chief_of_staff.server.login_page import safe_next
from chief_of_staff.server.security import host_name, is_loopback
from chief_of_staff.settings import load_settings

TOKEN = "s3cret-token"
BROWSER = "http://intranet.example"


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("127.0.0.2", True), ("::1", True), ("[::1]", True), ("localhost", True),
    ("0.0.0.0", False), ("::", False), ("192.168.1.20", False), ("myhost.local", False),
])
def test_only_loopback_addresses_count_as_this_machine(host, loopback):
    assert is_loopback(host) is loopback


@pytest.mark.parametrize(("header", "host"), [
    ("127.0.0.1:11435", "127.0.0.1"), ("localhost", "localhost"), ("LOCALHOST:80", "LOCALHOST"),
    ("[::1]:11435", "::1"), ("[::1]", "::1"), ("::1", "::1"), ("evil.example:11435", "evil.example"),
])
def test_the_host_header_is_read_with_or_without_a_port(header, host):
    assert host_name(header) == host


@pytest.mark.parametrize(("asked", "sent_to"), [
    ("/costs?days=7", "/costs?days=7"), ("/chat/abc", "/chat/abc"), ("//evil.example/", "/chat"),
    ("/\\evil.example", "/chat"), ("https://evil.example", "/chat"), ("/\tevil", "/chat"), ("", "/chat"),
])
def test_sign_in_only_returns_to_a_page_of_this_server(asked, sent_to):
    assert safe_next(asked) == sent_to


def test_a_non_loopback_host_without_a_token_refuses_to_start():
    with pytest.raises(ConfigError, match="COS_API_TOKEN"):
        server_config(load_settings(), "0.0.0.0", 0)
    result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code == 2 and "refusing to bind 0.0.0.0" in result.stderr


def test_a_non_loopback_host_with_a_token_is_allowed():
    assert server_config(load_settings(api_token=TOKEN), "0.0.0.0", 0).host == "0.0.0.0"


def test_oversized_bodies_are_refused_whether_declared_or_streamed(served):
    big = b'{"model": "cos", "prompt": "' + b"x" * 1_000_001 + b'"}'
    declared = httpx.post(f"{served.url}/api/generate", content=big)
    assert declared.status_code == 413 and "COS_MAX_BODY_BYTES" in declared.json()["error"]
    chunked = httpx.post(f"{served.url}/api/generate", content=(big[i:i + 65536] for i in range(0, len(big), 65536)))
    assert chunked.status_code == 413
    assert httpx.get(f"{served.url}/api/tags").status_code == 200, "the server still serves"


def test_no_cors_headers_unless_origins_are_configured(served):
    response = httpx.get(f"{served.url}/api/tags", headers={"Origin": BROWSER})
    assert "access-control-allow-origin" not in response.headers
    preflight = httpx.options(f"{served.url}/api/chat", headers={
        "Origin": BROWSER, "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in preflight.headers


def test_a_token_is_required_on_every_request_once_set(tiny_settings, serve_with):
    settings = tiny_settings.model_copy(update={"api_token": TOKEN, "cors_origins": [BROWSER]})
    with serve_with(settings) as served:
        with pytest.raises(ollama.ResponseError) as caught:
            ollama.Client(host=served.url).list()
        assert caught.value.status_code == 401 and "Authorization: Bearer" in caught.value.error
        wrong = httpx.post(f"{served.url}/api/chat", headers={"Authorization": "Bearer guess"}, json={})
        assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"
        client = ollama.Client(host=served.url, headers={"Authorization": f"Bearer {TOKEN}"})
        assert "cos-security" in [m.model for m in client.list().models]
        assert client.generate(model="cos-security", prompt="Is this link safe?").done
        # a browser's preflight carries no token; CORS answers it for the configured origin only
        preflight = httpx.options(f"{served.url}/api/chat", headers={
            "Origin": BROWSER, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization"})
        assert preflight.status_code == 200 and preflight.headers["access-control-allow-origin"] == BROWSER


def test_a_page_of_another_site_cannot_post_here_unless_its_origin_is_configured(tiny_settings, serve_with):
    settings = tiny_settings.model_copy(update={"cors_origins": [BROWSER]})
    with serve_with(settings) as served:
        body = {"message": "hi", "department": "general"}
        foreign = httpx.post(f"{served.url}/web/chat", json=body, headers={"Origin": "http://evil.example"})
        assert foreign.status_code == 403 and "cors_origins" in foreign.json()["error"]
        sandboxed = httpx.post(f"{served.url}/api/generate", json={"model": "cos", "prompt": "hi"},
                               headers={"Origin": "null"})
        assert sandboxed.status_code == 403
        assert httpx.post(f"{served.url}/web/chat", json=body, headers={"Origin": served.url}).status_code == 200
        assert httpx.post(f"{served.url}/web/chat", json=body, headers={"Origin": BROWSER}).status_code == 200
        assert httpx.get(f"{served.url}/api/tags", headers={"Origin": "http://evil.example"}).status_code == 200


def test_without_a_token_only_requests_naming_this_machine_are_answered(served):
    rebound = httpx.get(f"{served.url}/api/tags", headers={"Host": "attacker.example:11435"})
    assert rebound.status_code == 403 and "this machine only" in rebound.json()["error"]
    assert httpx.get(f"{served.url}/api/tags", headers={"Host": "localhost:11435"}).status_code == 200


def test_with_a_token_a_browser_signs_in_once_and_pages_then_open(tiny_settings, serve_with):
    with serve_with(tiny_settings.model_copy(update={"api_token": TOKEN})) as served:
        with httpx.Client(base_url=served.url, headers={"Accept": "text/html"}) as browser:
            sent = browser.get("/costs")
            assert sent.status_code == 303 and sent.headers["location"] == "/login?next=%2Fcosts"
            assert browser.get("/static/style.css").status_code == 200, "the sign-in page's styles are public"
            assert "Sign in" in browser.get("/login?next=/costs").text
            wrong = browser.post("/login", data={"token": "guess", "next": "/costs"})
            assert wrong.status_code == 401 and "does not match COS_API_TOKEN" in wrong.text
            signed_in = browser.post("/login", data={"token": TOKEN, "next": "/costs"})
            assert signed_in.status_code == 303 and signed_in.headers["location"] == "/costs"
            cookie = signed_in.headers["set-cookie"].lower()
            assert "httponly" in cookie and "samesite=strict" in cookie and TOKEN.lower() not in cookie
            assert cookie.startswith(f"cos_session_{served.url.rsplit(':', 1)[1]}="), "one cookie per server port"
            assert browser.get("/costs").status_code == 200 and browser.get("/departments").status_code == 200
            posted = browser.post("/web/chat", json={"message": "hi", "department": "general"})
            assert posted.status_code == 200 and '"event": "done"' in posted.text, "the page's own requests pass"
            assert browser.get("/api/tags").status_code == 401, "the Ollama API takes the bearer token only"
            assert browser.get("/costs?days=7").status_code == 200
            assert "Sign out" in browser.get("/costs").text
            signed_out = browser.post("/logout")
            assert signed_out.status_code == 303 and browser.get("/costs").status_code == 303
            browser.cookies.clear()
            back = browser.get("/costs?days=7")
            assert back.headers["location"] == "/login?next=%2Fcosts%3Fdays%3D7", "the query comes back too"
        offsite = httpx.post(f"{served.url}/login", data={"token": TOKEN, "next": "//evil.example/"})
        assert offsite.headers["location"] == "/chat", "never redirects off this server"
        assert httpx.get(f"{served.url}/chat").status_code == 401, "no cookie, no bearer: refused"
