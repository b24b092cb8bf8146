"""No Secret value leaves the sources package: not in data, stringData, annotations or managedFields."""

from __future__ import annotations

import base64
import json
import urllib.request
from typing import Any

import orjson
import pytest

from tests.conftest import Kubectl
from tests.pages import fetch_pages
from workbench import sandbox as sandbox_pkg
from workbench.sources._kinds import builtin
from workbench.sources._live import connect_live
from workbench.sources._secrets import LAST_APPLIED, blank_page

SECRETS = builtin("secrets")
PLANTED = ("hunter2-Zq9xLrT4", "s3cr3t-token-Vb7KpW2m", "pw-applied-Hx8NcY5e", "string-data-Jq3MwR6t")


def forms(value: str) -> list[bytes]:
    """A value as it may appear in a page: plain, base64 (as in data), JSON-escaped base64."""
    encoded = base64.b64encode(value.encode())
    return [value.encode(), encoded, encoded.rstrip(b"=")]


def leaked(page: bytes) -> list[str]:
    return [value for value in PLANTED if any(form in page for form in forms(value))]


APPLIED = f"""
apiVersion: v1
kind: Secret
metadata:
  name: applied-creds
  namespace: billing
  annotations:
    team: billing
type: Opaque
data:
  password: {base64.b64encode(PLANTED[2].encode()).decode()}
stringData:
  extra: {PLANTED[3]}
"""


@pytest.fixture(scope="module")
def planted(sb: sandbox_pkg.Sandbox, kubectl: Kubectl) -> sandbox_pkg.Sandbox:
    """Secrets holding distinctive values, made with `kubectl create secret` and `kubectl apply`."""
    kubectl(
        "-n", "billing", "create", "secret", "generic", "created-creds",
        f"--from-literal=password={PLANTED[0]}", f"--from-literal=token={PLANTED[1]}",
    )  # fmt: skip
    kubectl("apply", "-f", "-", stdin=APPLIED)
    raw = b"".join(fetch_pages(sb, SECRETS))
    # The values really are on the server, in every form the test looks for.
    assert leaked(raw) == list(PLANTED)
    assert LAST_APPLIED.encode() in raw
    return sb


def secret(pages: list[bytes], name: str) -> dict[str, Any]:
    return next(i for p in pages for i in orjson.loads(p)["items"] if i["metadata"]["name"] == name)


@pytest.mark.parametrize("namespaces", [None, ["billing"]])
def test_no_planted_value_survives_in_any_form(planted: sandbox_pkg.Sandbox, namespaces: Any) -> None:
    with connect_live(kubeconfig=planted.kubeconfig, namespaces=namespaces, page_size=2) as source:
        pages = list(source.list_pages(SECRETS))
    assert len(pages) > 1
    for page in pages:
        assert leaked(page) == []
        assert LAST_APPLIED.encode() not in page
        assert b"managedFields" not in page


def test_keys_type_and_other_metadata_are_kept(planted: sandbox_pkg.Sandbox) -> None:
    with connect_live(kubeconfig=planted.kubeconfig, namespaces=["billing"]) as source:
        pages = list(source.list_pages(SECRETS))
    created = secret(pages, "created-creds")
    assert created["data"] == {"password": "", "token": ""}
    assert created["type"] == "Opaque"
    applied = secret(pages, "applied-creds")
    assert applied["data"] == {"extra": "", "password": ""}
    assert applied["metadata"]["annotations"] == {"team": "billing"}
    assert applied["metadata"]["namespace"] == "billing"
    assert applied["metadata"]["uid"]
    scenario = secret(pages, "invoice-api-db")
    assert scenario["data"] == {"DATABASE_URL": ""}


def test_pages_without_secrets_pass_through_unchanged(planted: sandbox_pkg.Sandbox) -> None:
    with connect_live(kubeconfig=planted.kubeconfig) as source:
        pages = list(source.list_pages(builtin("configmaps")))
    assert pages == fetch_pages(planted, builtin("configmaps"), limit=500)


def test_secret_items_in_any_list_are_blanked() -> None:
    mixed = {
        "kind": "List",
        "apiVersion": "v1",
        "metadata": {},
        "items": [
            {"kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"k": "plain-config"}},
            {
                "kind": "Secret",
                "metadata": {"name": "s", "annotations": {LAST_APPLIED: PLANTED[0]}, "managedFields": [{}]},
                "data": {"k": base64.b64encode(PLANTED[1].encode()).decode()},
                "stringData": {"s": PLANTED[3]},
            },
        ],
    }
    out = orjson.loads(blank_page(json.dumps(mixed, indent=1).encode(), all_secrets=False))
    assert out["items"][0] == mixed["items"][0]
    assert out["items"][1] == {
        "kind": "Secret",
        "metadata": {"name": "s", "annotations": {}},
        "data": {"k": ""},
        "stringData": {"s": ""},
    }
    # Items of a secrets list need no kind (a real API server omits it in lists).
    bare = {"kind": "SecretList", "items": [{"metadata": {"name": "s"}, "data": {"k": "djE="}}]}
    assert orjson.loads(blank_page(orjson.dumps(bare), all_secrets=False))["items"][0]["data"] == {"k": ""}
    assert orjson.loads(blank_page(orjson.dumps({**bare, "kind": "X"}), all_secrets=True))["items"][0][
        "data"
    ] == {"k": ""}


def _create_secret(sb: sandbox_pkg.Sandbox, name: str, value: str) -> None:
    body = {"metadata": {"name": name}, "stringData": {"v": value}}
    request = urllib.request.Request(  # noqa: S310 - loopback sandbox URL
        sb.url + "/api/v1/namespaces/default/secrets",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    urllib.request.urlopen(request, timeout=30).close()  # noqa: S310 - loopback sandbox URL


def test_a_relist_after_an_expired_continue_is_blanked_too() -> None:
    # history=2: a few writes between pages expire the first page's continue token (410 Expired).
    with sandbox_pkg.start(manual_clock=True, history=2) as small:
        for i in range(12):
            _create_secret(small, f"s-{i:02}", f"{PLANTED[0]}-{i}")
        with connect_live(kubeconfig=small.kubeconfig, namespaces=["default"], page_size=3) as source:
            pages = source.list_pages(SECRETS)
            got = [next(pages)]
            for i in range(6):
                _create_secret(small, f"t-{i:02}", f"{PLANTED[0]}-t{i}")
            got.extend(pages)
        assert [code for _, path, code in small.requests if "/secrets" in path].count(410) == 1
    for page in got:
        assert leaked(page) == []
    names = [i["metadata"]["name"] for p in got for i in orjson.loads(p)["items"]]
    assert len(names) == len(set(names)) == 18
