"""Bad input never crashes the sandbox: every refusal is a real `Status` with a real apiserver's code,
reason and message, and a client that misbehaves at the socket level costs nothing but its own request.

Requests go through `http.client` and raw sockets so that nothing in between tidies them up.
"""

from __future__ import annotations

import http.client
import json
import logging
import socket
import struct
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from workbench.sandbox import Sandbox

CM = "/api/v1/namespaces/default/configmaps"
NOT_FOUND = "the server could not find the requested resource"
NOT_ALLOWED = "the server does not allow this method on the requested resource"
CRONJOB_V1BETA1 = "/apis/batch/v1beta1/namespaces/default/cronjobs"
CRONJOB = {
    "metadata": {"name": "nightly"},
    "spec": {
        "schedule": "0 3 * * *",
        "jobTemplate": {
            "spec": {
                "template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "x"}]}}
            }
        },
    },
}


def call(
    sb: Sandbox,
    method: str,
    path: str,
    body: bytes | dict[str, Any] | None = None,
    ctype: str = "application/json",
) -> tuple[int, dict[str, Any]]:
    """One request on a fresh connection: (status code, decoded JSON body)."""
    conn = http.client.HTTPConnection("127.0.0.1", sb.port, timeout=10)
    try:
        data = json.dumps(body).encode() if isinstance(body, dict) else body
        conn.request(method, path, body=data, headers={"Content-Type": ctype} if data is not None else {})
        resp = conn.getresponse()
        assert resp.getheader("Content-Type") == "application/json"
        return resp.status, json.loads(resp.read())
    finally:
        conn.close()


def refused(
    sb: Sandbox,
    method: str,
    path: str,
    body: bytes | dict[str, Any] | None = None,
    ctype: str = "application/json",
) -> tuple[int, str, str]:
    """(code, reason, message) of a request the server must refuse with a well-formed Status."""
    code, status = call(sb, method, path, body, ctype)
    assert status["kind"] == "Status", status
    assert (status["apiVersion"], status["status"], status["metadata"]) == ("v1", "Failure", {})
    assert status["code"] == code
    return code, status["reason"], status["message"]


@pytest.fixture(autouse=True)
def no_internal_errors(sandbox: Sandbox, caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Whatever a test sends, the server never answers 500 and never logs a failure of its own."""
    before = len([r for r in sandbox.requests if r[2] >= 500])
    with caplog.at_level(logging.WARNING, logger="workbench.sandbox"):
        yield
    assert len([r for r in sandbox.requests if r[2] >= 500]) == before
    assert [r.getMessage() for r in caplog.records if r.name.startswith("workbench.sandbox")] == []
    assert call(sandbox, "GET", "/api/v1/namespaces/default")[0] == 200  # still serving


# -- bodies --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        (CM, b"{not json", "the object provided is unrecognized: could not decode the request body as "),
        (CM, b"[]", "the object provided is not a JSON object"),
        (CM, b'"text"', "the object provided is not a JSON object"),
        (CM, b"42", "the object provided is not a JSON object"),
        (CM, b"", "the request body is empty: send the object as JSON"),
        (CM, b'{"metadata":"x"}', "metadata must be a JSON object"),
        (
            CM,
            b'{"kind":"Secret","apiVersion":"v1","metadata":{"name":"x"}}',
            "the kind of the provided object (Secret) does not match the resource configmaps "
            "(expected kind ConfigMap)",
        ),
        (
            CM,
            b'{"metadata":{"name":5}}',
            'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal number '
            "into Go struct field ObjectMeta.metadata.name of type string",
        ),
        (
            CM,
            b'{"metadata":{"name":"x"},"data":{"k":1}}',
            'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal number '
            "into Go struct field ConfigMap.data of type string",
        ),
        # kinds served in a converted version, and the events.k8s.io view of core events
        (CRONJOB_V1BETA1, b"[]", "the object provided is not a JSON object"),
        (
            "/apis/events.k8s.io/v1/namespaces/default/events",
            b'"x"',
            "the object provided is not a JSON object",
        ),
        (
            "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers",
            b"[1]",
            "the object provided is not",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 20 else None,
)
def test_malformed_bodies_are_bad_requests(sandbox: Sandbox, path: str, body: bytes, message: str) -> None:
    code, reason, text = refused(sandbox, "POST", path, body)
    assert (code, reason) == (400, "BadRequest")
    assert text.startswith(message)


def test_invalid_names_are_invalid(sandbox: Sandbox) -> None:
    code, reason, message = refused(sandbox, "POST", CM, {"metadata": {"name": "Bad_Name"}})
    assert (code, reason) == (422, "Invalid")
    assert message.startswith(
        'ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 '
        "subdomain must consist of lower case alphanumeric characters"
    )
    _, status = call(sandbox, "POST", CM, {"metadata": {"name": "Bad_Name"}})
    assert status["details"]["causes"][0]["field"] == "metadata.name"
    assert status["details"]["causes"][0]["reason"] == "FieldValueInvalid"
    code, _, message = refused(sandbox, "POST", CM, {"metadata": {}})
    assert (code, message) == (
        422,
        'ConfigMap "" is invalid: metadata.name: Required value: name or generateName is required',
    )
    code, _, message = refused(sandbox, "POST", CM, {"metadata": {"name": "a" * 254}})
    assert code == 422
    assert message.endswith("must be no more than 253 characters")


def test_conflicting_writes(sandbox: Sandbox) -> None:
    code, made = call(sandbox, "POST", CM, {"metadata": {"name": "conflicted"}, "data": {"v": "1"}})
    assert code == 201
    code, reason, message = refused(sandbox, "POST", CM, {"metadata": {"name": "conflicted"}})
    assert (code, reason, message) == (409, "AlreadyExists", 'configmaps "conflicted" already exists')
    stale = made["metadata"]["resourceVersion"]
    assert call(sandbox, "PUT", f"{CM}/conflicted", {**made, "data": {"v": "2"}})[0] == 200
    code, reason, message = refused(sandbox, "PUT", f"{CM}/conflicted", {**made, "data": {"v": "3"}})
    assert (code, reason) == (409, "Conflict")
    assert message == (
        'Operation cannot be fulfilled on configmaps "conflicted": the object has been modified; '
        "please apply your changes to the latest version and try again"
    )
    assert made["metadata"]["resourceVersion"] == stale
    code, reason, _ = refused(
        sandbox, "DELETE", f"{CM}/conflicted", {"preconditions": {"uid": "not-the-uid"}}
    )
    assert (code, reason) == (409, "Conflict")
    code, reason, message = refused(sandbox, "PUT", f"{CM}/conflicted", {"metadata": {"name": "other"}})
    assert (code, message) == (
        400,
        "the name of the object (other) does not match the name on the URL (conflicted)",
    )
    assert call(sandbox, "GET", f"{CM}/conflicted")[1]["data"] == {"v": "2"}


@pytest.mark.parametrize(
    ("ctype", "body", "code", "message"),
    [
        ("application/merge-patch+json", b"{bad", 400, "error decoding patch: "),
        ("application/merge-patch+json", b"[1]", 400, "error decoding patch: "),
        (
            "application/json-patch+json",
            b'{"op":"add"}',
            400,
            "json: cannot unmarshal object into Go value of type jsonpatch.Patch",
        ),
        ("application/json-patch+json", b'[{"op":"bogus","path":"/x"}]', 400, "Unexpected kind: bogus"),
        (
            "application/json-patch+json",
            b'[{"op":"test","path":"/metadata/name","value":"zzz"}]',
            422,
            "the server rejected our request due to an error in our request",
        ),
        (
            "application/strategic-merge-patch+json",
            b'{"data":{"$patch":"bogus"}}',
            400,
            "unknown patch type: bogus",
        ),
        ("application/apply-patch+yaml", b"{bad: [yaml", 400, "error decoding patch: "),
        (
            "application/merge-patch+json",
            b'{"metadata":null}',
            422,
            "the patch would leave the object without",
        ),
        (
            "application/merge-patch+json",
            b'{"metadata":{"name":"renamed"}}',
            400,
            "the name of the object (renamed) does not match the name on the URL (patched)",
        ),
        (
            "application/merge-patch+json",
            b'{"kind":"Secret"}',
            400,
            "the kind of the provided object (Secret) does not match the resource configmaps",
        ),
        (
            "application/merge-patch+json",
            b'{"apiVersion":"v2"}',
            400,
            "the API version in the data (v2) does not match the expected API version (v1)",
        ),
        ("application/merge-patch+json", b'{"metadata":{"resourceVersion":"1"}}', 409, "Operation cannot be"),
        (
            "application/json",
            b"{}",
            415,
            "the body of the request was in an unknown format - accepted media types include: "
            "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, "
            "application/strategic-merge-patch+json",
        ),
    ],
)
def test_invalid_patches(sandbox: Sandbox, ctype: str, body: bytes, code: int, message: str) -> None:
    call(sandbox, "POST", CM, {"metadata": {"name": "patched"}, "data": {"a": "1"}})
    got, _, text = refused(sandbox, "PATCH", f"{CM}/patched", body, ctype)
    assert (got, text[: len(message)]) == (code, message)
    assert call(sandbox, "GET", f"{CM}/patched")[1]["data"] == {"a": "1"}


@pytest.mark.parametrize(
    "path",
    [
        f"{CRONJOB_V1BETA1}/nightly",  # a patch applied to a converted version's view
        "/apis/apps/v1/namespaces/kube-system/deployments/coredns/scale",
    ],
)
@pytest.mark.parametrize(
    ("ctype", "body"),
    [
        ("application/merge-patch+json", b"{bad"),
        ("application/strategic-merge-patch+json", b"[1]"),
        ("application/json-patch+json", b'{"op":"add"}'),
    ],
)
def test_invalid_patches_to_views_and_scale(sandbox: Sandbox, path: str, ctype: str, body: bytes) -> None:
    call(sandbox, "POST", "/apis/batch/v1/namespaces/default/cronjobs", CRONJOB)
    code, reason, _ = refused(sandbox, "PATCH", path, body, ctype)
    assert (code, reason) == (400, "BadRequest")


def test_a_stale_scale_patch_conflicts(sandbox: Sandbox) -> None:
    path = "/apis/apps/v1/namespaces/kube-system/deployments/coredns/scale"
    code, reason, _ = refused(
        sandbox,
        "PATCH",
        path,
        b'{"metadata":{"resourceVersion":"1"},"spec":{"replicas":5}}',
        "application/merge-patch+json",
    )
    assert (code, reason) == (409, "Conflict")
    code, reason, message = refused(sandbox, "PUT", path, b"[]")
    assert (code, reason, message) == (400, "BadRequest", "the object provided is not a Scale JSON object")
    assert call(sandbox, "GET", path)[1]["spec"]["replicas"] == 2


# -- paths and methods ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/foos",
        "/api/v1/namespaces/default/foos",
        "/api/v2/pods",
        "/apis/nope.example.com/v1/things",
        "/apis/nope.example.com",
        "/apis/apps/v9/deployments",
        "/apis/apps/v9",
        "/apis/apps/v1/namespaces/default/deployments/x/bogus",
        "/api/v1/namespaces/default/nodes",  # a cluster-scoped resource under a namespace
        "/api/v1/pods/loose",  # a namespaced object without its namespace
        "/nonsense",
    ],
)
def test_unknown_resources_are_not_found(sandbox: Sandbox, path: str) -> None:
    for method, body in (("GET", None), ("POST", b"{}"), ("DELETE", None)):
        assert refused(sandbox, method, path, body) == (404, "NotFound", NOT_FOUND)


@pytest.mark.parametrize(
    ("method", "path", "message"),
    [
        ("POST", "/version", "the server does not allow this method on /version"),
        ("DELETE", "/api", "the server does not allow this method on /api"),
        ("POST", f"{CM}/named", NOT_ALLOWED),  # create goes to the collection
        ("PUT", CM, NOT_ALLOWED),  # replace and patch go to one object
        ("PATCH", CM, NOT_ALLOWED),
        ("POST", "/api/v1/namespaces/kube-system/pods/x/log", f"{NOT_ALLOWED} (log)"),
        (
            "PUT",
            "/apis/metrics.k8s.io/v1beta1/nodes/kind-worker",
            f"{NOT_ALLOWED} (update nodes.metrics.k8s.io)",
        ),
        ("DELETE", "/api/v1/namespaces", f"{NOT_ALLOWED} (deletecollection namespaces)"),
        ("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews/x", NOT_ALLOWED),
    ],
)
def test_methods_not_allowed(sandbox: Sandbox, method: str, path: str, message: str) -> None:
    assert refused(sandbox, method, path, b"{}" if method != "DELETE" else None) == (
        405,
        "MethodNotAllowed",
        message,
    )


def test_writes_in_a_missing_namespace(sandbox: Sandbox) -> None:
    code, status = call(sandbox, "POST", "/api/v1/namespaces/nope/configmaps", {"metadata": {"name": "x"}})
    assert (code, status["reason"], status["message"]) == (404, "NotFound", 'namespaces "nope" not found')
    assert status["details"] == {"name": "nope", "kind": "namespaces"}
    for method, body, ctype in (
        ("PUT", b'{"metadata":{"name":"x"}}', "application/json"),
        ("PATCH", b"{}", "application/merge-patch+json"),
        ("DELETE", None, "application/json"),
    ):
        code, reason, message = refused(sandbox, method, "/api/v1/namespaces/nope/configmaps/x", body, ctype)
        assert (code, reason, message) == (404, "NotFound", 'configmaps "x" not found')


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        (b"[1]", 400, "DeleteOptions must be a JSON object"),
        (
            b'{"propagationPolicy":"Sideways"}',
            422,
            'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "Sideways": '
            'supported values: "Foreground", "Background", "Orphan", "nil"',
        ),
        (
            b'{"gracePeriodSeconds":"soon"}',
            400,
            'DeleteOptions in version "v1" cannot be handled as a DeleteOptions: json: cannot unmarshal '
            "string into Go struct field DeleteOptions.gracePeriodSeconds of type int64",
        ),
        (
            b'{"preconditions":"x"}',
            400,
            'DeleteOptions in version "v1" cannot be handled as a DeleteOptions: json: cannot unmarshal '
            "string into Go struct field DeleteOptions.preconditions of type v1.Preconditions",
        ),
    ],
)
def test_bad_delete_options(sandbox: Sandbox, body: bytes, code: int, message: str) -> None:
    pod = {
        "metadata": {"name": "doomed"},
        "spec": {"nodeName": "kind-worker", "containers": [{"name": "c", "image": "x"}]},
    }
    call(sandbox, "POST", "/api/v1/namespaces/default/pods", pod)
    path = "/api/v1/namespaces/default/pods/doomed"
    assert refused(sandbox, "DELETE", path, body)[::2] == (code, message)
    assert call(sandbox, "GET", path)[0] == 200


# -- lists ---------------------------------------------------------------------------------------------------
BAD_SELECTORS = [
    ("labelSelector=a+in+(b", "unable to parse requirement: found '', expected: ',' or ')'"),
    ("labelSelector=%3D%3D", "found '==', expected: !, identifier, or 'end of string'"),
    ("fieldSelector=foo", "invalid selector: 'foo'; can't understand 'foo'"),
    ("fieldSelector=spec.nodeName%3Dx", "field label not supported: spec.nodeName"),
    ("fieldSelector=metadata.name%3Dx,data.k%3Dv", "field label not supported: data.k"),
]
BAD_PAGING = [
    ("continue=!!!notbase64", "continue key is not valid: illegal base64 data"),
    ("continue=eyJhIjoxfQ", "continue key is not valid: illegal base64 data"),
    ("limit=ten", "invalid value for limit: 'ten' is not an integer"),
]


@pytest.mark.parametrize(
    ("query", "message"),
    [*BAD_SELECTORS, *[(f"{q}&watch=true&timeoutSeconds=1", m) for q, m in BAD_SELECTORS], *BAD_PAGING],
)
def test_bad_list_parameters(sandbox: Sandbox, query: str, message: str) -> None:
    assert refused(sandbox, "GET", f"{CM}?{query}") == (400, "BadRequest", message)


def test_odd_limits_list_everything(sandbox: Sandbox) -> None:
    code, full = call(sandbox, "GET", "/api/v1/configmaps")
    assert code == 200
    for limit in ("99999999999999999999", "0", "-5"):
        code, page = call(sandbox, "GET", f"/api/v1/configmaps?limit={limit}")
        assert code == 200
        assert [i["metadata"]["name"] for i in page["items"]] == [
            i["metadata"]["name"] for i in full["items"]
        ]
        assert "continue" not in page["metadata"]


@pytest.mark.parametrize(
    ("ctype", "body"),
    [
        ("application/cbor", b"\xa0"),
        ("text/plain", b'{"metadata":{"name":"plain"}}'),
        ("application/x-www-form-urlencoded", b"name=x"),
    ],
)
def test_unsupported_media_types(sandbox: Sandbox, ctype: str, body: bytes) -> None:
    code, reason, message = refused(sandbox, "POST", CM, body, ctype)
    assert (code, reason) == (415, "UnsupportedMediaType")
    assert message.startswith(
        "the body of the request was in an unknown format - accepted media types include:"
    )


# -- misbehaving connections ---------------------------------------------------------------------------------
def handler_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if "process_request_thread" in t.name}


def raw_exchange(sb: Sandbox, data: bytes) -> bytes:
    """Send raw bytes, read until the server closes the connection."""
    with socket.create_connection(("127.0.0.1", sb.port), timeout=10) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def status_in(response: bytes) -> tuple[str, dict[str, Any]]:
    head, _, body = response.partition(b"\r\n\r\n")
    return head.split(b"\r\n")[0].decode(), json.loads(body)


@pytest.mark.parametrize(
    ("request_bytes", "line", "reason"),
    [
        (
            b"OPTIONS /api/v1/pods HTTP/1.1\r\nHost: x\r\n\r\n",
            "HTTP/1.1 405 Method Not Allowed",
            "MethodNotAllowed",
        ),
        (
            b"POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: x\r\n"
            b"Content-Length: ten\r\n\r\n{}",
            "HTTP/1.1 400 Bad Request",
            "BadRequest",
        ),
        (
            b"POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n{}",
            "HTTP/1.1 400 Bad Request",
            "BadRequest",
        ),
        (
            b"POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: x\r\n"
            b"Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
            "HTTP/1.1 400 Bad Request",
            "BadRequest",
        ),
        (
            b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n",
            "HTTP/1.1 414 Request-URI Too Long",
            "RequestURITooLong",
        ),
        (
            b"GET /api HTTP/1.1\r\n" + b"X-Filler: y\r\n" * 200 + b"\r\n",
            "HTTP/1.1 431 Request Header Fields Too Large",
            "RequestHeaderFieldsTooLarge",
        ),
    ],
    ids=[
        "unknown-method",
        "content-length-text",
        "content-length-negative",
        "bad-chunk",
        "long-uri",
        "headers",
    ],
)
def test_broken_requests_get_a_status_and_a_closed_connection(
    sandbox: Sandbox, request_bytes: bytes, line: str, reason: str
) -> None:
    status_line, status = status_in(raw_exchange(sandbox, request_bytes))  # returns only once closed
    assert status_line == line
    assert (status["kind"], status["reason"], status["code"]) == ("Status", reason, int(line.split()[1]))


def test_half_a_body_then_gone(sandbox: Sandbox) -> None:
    before = handler_threads()
    seen = len(sandbox.requests)
    with socket.create_connection(("127.0.0.1", sandbox.port), timeout=10) as sock:
        sock.sendall(
            b"POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
            b'{"metadata":{"name":"half'
        )
        time.sleep(0.2)  # the server is now reading the body
        mine = handler_threads() - before
        assert mine
    for thread in mine:  # the client vanished mid-body: its handler ends without answering
        thread.join(timeout=5)
        assert not thread.is_alive()
    assert sandbox.requests[seen:] == []
    assert call(sandbox, "GET", f"{CM}/half")[0] == 404


def test_a_dropped_watch_ends_its_watcher(sandbox: Sandbox) -> None:
    before = handler_threads()
    path = "/api/v1/namespaces/kube-system/pods?watch=true"
    sock = socket.create_connection(("127.0.0.1", sandbox.port), timeout=10)
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\n\r\n".encode())
    received = b""
    while b'"type":"ADDED"' not in received:  # headers and the first initial event have arrived
        received += sock.recv(65536)
    assert received.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"Transfer-Encoding: chunked" in received
    watchers = handler_threads() - before
    assert watchers
    # Close abruptly: a reset, not a polite FIN, as when a laptop sleeps or kubectl is killed.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()
    for thread in watchers:
        thread.join(timeout=5)
        assert not thread.is_alive(), "the watch loop noticed its client was gone"
    assert ("GET", path, 200) in sandbox.requests
    # and the server goes on serving, watches included
    code, _ = call(sandbox, "POST", CM, {"metadata": {"name": "after-drop"}})
    assert code == 201
    status_line, _ = status_in(
        raw_exchange(sandbox, b"GET /version HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    )
    assert status_line == "HTTP/1.1 200 OK"
