"""Settings: read, changed field by field, validated with messages that name the fix; never a key."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

from tests.server.conftest import Fetch, body
from workbench.server._services import Services

FAKE_KEY = "sk-test-0123456789abcdefghijklmnopqrstuv"


async def put(jp_fetch: Fetch, payload: Any) -> Any:
    text = payload if isinstance(payload, str) else json.dumps(payload)
    return body(await jp_fetch("api", "workbench", "settings", method="PUT", body=text))


async def put_refused(jp_fetch: Fetch, payload: Any) -> str:
    with pytest.raises(HTTPClientError) as caught:
        await put(jp_fetch, payload)
    assert caught.value.code == 400
    answer = body(caught.value.response)
    assert answer["type"] == "error"
    return str(answer["message"])


async def test_the_defaults_are_the_environment_s_model_and_everything_masked(jp_fetch: Fetch) -> None:
    answer = body(await jp_fetch("api", "workbench", "settings"))
    assert answer == {
        "type": "settings",
        "model": "",
        "model_label": "offline",
        "context": None,
        "namespaces": None,
        "redaction": "mask",
    }


async def test_a_put_changes_only_the_fields_it_names(jp_fetch: Fetch, services: Services) -> None:
    first = await put(jp_fetch, {"namespaces": ["billing", " billing", "default"], "redaction": "anonymize"})
    assert first["namespaces"] == ["billing", "default"]
    assert first["redaction"] == "anonymize"
    second = await put(jp_fetch, {"context": "workbench-sandbox"})
    assert second["context"] == "workbench-sandbox"
    assert second["namespaces"] == ["billing", "default"]  # untouched
    assert services.settings.namespaces == ("billing", "default")
    assert services.settings.redaction == "anonymize"
    cleared = await put(jp_fetch, {"namespaces": [], "context": None})
    assert cleared["namespaces"] is None
    assert cleared["context"] is None


async def test_changing_settings_reconnects_with_them(jp_fetch: Fetch, services: Services) -> None:
    await jp_fetch("api", "workbench", "status")
    before = services.connected()
    await put(jp_fetch, {"namespaces": ["billing"]})
    after = services.connected()
    assert after is not before
    assert after.view.namespaces == ("billing",)
    assert after.source.namespaces == ("billing",)


@pytest.mark.parametrize(
    ("payload", "named"),
    [
        ("not json", "SettingsUpdate"),
        ({"redaction": "loud"}, "redaction"),
        ({"namespaces": "billing"}, "namespaces"),
        ({"colour": "blue"}, "colour"),
        ({"namespaces": ["Billing_Team"]}, "'Billing_Team'"),
        ({"context": "prod"}, "workbench-sandbox"),
        ({"model": "nosuchprovider:some-model"}, "nosuchprovider"),
        ({"model": "openai-compatible:llama@http://me:hunter2@127.0.0.1:9/v1"}, "WORKBENCH_MODEL_API_KEY"),
    ],
)
async def test_a_bad_setting_is_refused_naming_the_problem(
    jp_fetch: Fetch, services: Services, payload: Any, named: str
) -> None:
    message = await put_refused(jp_fetch, payload)
    assert named in message
    assert services.settings.redaction == "mask"  # nothing changed
    assert services.settings.namespaces is None


async def test_a_model_without_its_key_is_refused_naming_the_variable(
    jp_fetch: Fetch, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    message = await put_refused(jp_fetch, {"model": "openai:gpt-4o-mini"})
    assert "OPENAI_API_KEY" in message


async def test_no_answer_ever_carries_the_api_key(jp_fetch: Fetch, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_KEY)
    answer = await put(jp_fetch, {"model": "openai:gpt-4o-mini"})
    assert answer["model"] == "openai:gpt-4o-mini"
    assert answer["model_label"] == "openai:gpt-4o-mini"
    for parts in (("settings",), ("status",)):
        response = await jp_fetch("api", "workbench", *parts)
        assert FAKE_KEY not in response.body.decode()
        assert FAKE_KEY[:12] not in response.body.decode()
    status = body(await jp_fetch("api", "workbench", "status"))
    assert status["agent"] == {"state": "model", "model": "openai:gpt-4o-mini", "problem": ""}
