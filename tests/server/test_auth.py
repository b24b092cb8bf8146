"""Every route is behind Jupyter's login, its XSRF check and its WebSocket origin check; no apply route."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

from tests.server.conftest import Fetch, body
from workbench.server._routes import PREFIX, ROUTES

NO_TOKEN = {"Authorization": ""}
XSRF = "0123456789abcdef"


def test_the_route_table_has_every_route_under_one_prefix_and_no_apply() -> None:
    assert PREFIX == "api/workbench"
    assert [path for path, _ in ROUTES] == ["status", "chat", "plans/dry-run", "settings"]
    assert not any("apply" in path for path, _ in ROUTES)


@pytest.mark.parametrize(
    ("path", "method", "payload"),
    [
        ("status", "GET", None),
        ("settings", "GET", None),
        ("settings", "PUT", "{}"),
        ("plans/dry-run", "POST", "{}"),
    ],
)
async def test_a_request_without_a_token_is_forbidden(
    jp_fetch: Fetch, path: str, method: str, payload: str | None
) -> None:
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch("api", "workbench", *path.split("/"), method=method, body=payload, headers=NO_TOKEN)
    assert caught.value.code == 403


async def test_a_websocket_without_a_token_is_forbidden(jp_ws_fetch: Fetch) -> None:
    with pytest.raises(HTTPClientError) as caught:
        await jp_ws_fetch("api", "workbench", "chat", headers=NO_TOKEN)
    assert caught.value.code == 403


async def test_a_browser_session_websocket_from_another_origin_is_refused(
    jp_fetch: Fetch, jp_ws_fetch: Fetch, jp_http_port: int
) -> None:
    cookie = await login_cookie(jp_fetch)
    # The session cookie is named after the host it was set for; jp_fetch used 127.0.0.1.
    session = {**NO_TOKEN, "Cookie": cookie, "Host": f"127.0.0.1:{jp_http_port}"}
    evil = {**session, "Origin": "http://evil.example"}
    with pytest.raises(HTTPClientError) as caught:
        await jp_ws_fetch("api", "workbench", "chat", headers=evil)
    assert caught.value.code == 403
    # The same session from the page's own origin connects and is greeted.
    ws = await jp_ws_fetch("api", "workbench", "chat", headers=session)
    assert json.loads(await ws.read_message())["type"] == "hello"
    ws.close()


async def test_there_is_no_apply_route(jp_fetch: Fetch) -> None:
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch("api", "workbench", "plans", "apply", method="POST", body="{}")
    assert caught.value.code == 404


async def login_cookie(jp_fetch: Fetch) -> str:
    """The session cookie Jupyter sets on a token-authenticated request (what a browser then sends)."""
    response = await jp_fetch("api", "workbench", "settings")
    cookies = [c.split(";", 1)[0] for c in response.headers.get_list("Set-Cookie")]
    session = [c for c in cookies if c.startswith("username-")]
    assert session, f"no login cookie in {cookies}"
    return session[0]


@pytest.mark.parametrize(("path", "method"), [("plans/dry-run", "POST"), ("settings", "PUT")])
async def test_a_cookie_session_needs_the_xsrf_token_to_change_anything(
    jp_fetch: Fetch, path: str, method: str
) -> None:
    cookie = await login_cookie(jp_fetch)
    parts = ("api", "workbench", *path.split("/"))
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch(*parts, method=method, body="{}", headers={**NO_TOKEN, "Cookie": cookie})
    assert caught.value.code == 403
    assert "_xsrf" in body(caught.value.response)["message"]
    # The same request with the token a browser session carries gets past the check.
    with_xsrf = {**NO_TOKEN, "Cookie": f"{cookie}; _xsrf={XSRF}", "X-XSRFToken": XSRF}
    if method == "PUT":
        answer = await jp_fetch(*parts, method=method, body="{}", headers=with_xsrf)
        assert body(answer)["type"] == "settings"
    else:
        with pytest.raises(HTTPClientError) as caught:
            await jp_fetch(*parts, method=method, body="{}", headers=with_xsrf)
        assert caught.value.code == 400  # past authentication and XSRF: the empty plan is refused


async def test_a_cookie_session_may_read_without_the_xsrf_token(jp_fetch: Fetch) -> None:
    cookie = await login_cookie(jp_fetch)
    answer: Any = await jp_fetch("api", "workbench", "settings", headers={**NO_TOKEN, "Cookie": cookie})
    assert json.loads(answer.body)["type"] == "settings"
