"""Snapshots end to end: pages from a real sandbox (with planted secrets) written, verified and read back."""

from __future__ import annotations

import base64
import re
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.conftest import make_kubectl
from tests.pages import fetch_pages
from workbench import sandbox as sandbox_pkg
from workbench.errors import (
    ApiStatusError,
    ConfigError,
    ForbiddenError,
    KindAbsentError,
    SnapshotError,
    SourceError,
)
from workbench.frames._pull import pull
from workbench.redaction import Anonymizer, redact_log, redact_object
from workbench.sources._kinds import BUILTIN, Kind, builtin
from workbench.sources._protocol import ClusterSource, Missing
from workbench.sources._snapshot_format import SnapshotLimits
from workbench.sources._snapshot_source import SnapshotSource
from workbench.sources._snapshot_writer import SnapshotWriter

PLANTED = (
    "PlantedSecretValue1",
    "PlantedSecretToken1",
    "PlantedCmPass2",
    "PlantedUrlPass3",
    "PlantedEnvPass3",
    "PlantedAnnoTok4",
    "PlantedSlackHook5xyzABC",
    "PlantedArgPass5",
    "PlantedEventTok6",
    "PlantedLogPass7",
    "PlantedBinary9",
)
NAMESPACE = {"crashloop": "billing", "incident": "shop"}
CAPTURED_AT = datetime(2026, 12, 7, 1, 45, 0, tzinfo=UTC)
# Kinds deliberately left out of the capture, to check what a snapshot says about them.
FORBIDDEN = Missing(
    "pdbs", "forbidden", 'poddisruptionbudgets.policy is forbidden: User "viewer" cannot list'
)
BROKEN = Missing("hpas", "error", "the HorizontalPodAutoscaler list could not be decoded")
NOT_CAPTURED = "crds"


def plant_manifest(ns: str) -> str:
    return f"""
apiVersion: v1
kind: Secret
metadata: {{name: planted-creds, namespace: {ns}}}
type: Opaque
stringData: {{password: PlantedSecretValue1, token: PlantedSecretToken1}}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: planted-config
  namespace: {ns}
  annotations: {{example.com/api-token: PlantedAnnoTok4}}
data:
  application.properties: "spring.datasource.password=PlantedCmPass2\\nlog.level=info\\n"
  upstream: "postgres://app:PlantedUrlPass3@db:5432/app"
binaryData:
  keystore.jks: {base64.b64encode(b"PlantedBinary9").decode()}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: planted-app
  namespace: {ns}
  annotations: {{example.com/webhook: "https://hooks.slack.com/services/T0PLANTED/B0PLANTED/PlantedSlackHook5xyzABC"}}
spec:
  replicas: 1
  selector: {{matchLabels: {{app: planted-app}}}}
  template:
    metadata: {{labels: {{app: planted-app}}}}
    spec:
      containers:
      - name: app
        image: registry.planted.example/planted-app:1.0.0
        args: ["--password=PlantedArgPass5", "--port=8080"]
        env:
        - {{name: DB_PASSWORD, value: PlantedEnvPass3}}
        - {{name: API_TOKEN, valueFrom: {{secretKeyRef: {{name: planted-creds, key: token}}}}}}
---
apiVersion: v1
kind: Event
metadata: {{name: planted-event, namespace: {ns}}}
involvedObject: {{apiVersion: apps/v1, kind: Deployment, name: planted-app, namespace: {ns}}}
reason: SyncFailed
message: "sync failed: token=PlantedEventTok6"
type: Warning
"""


@dataclass
class Capture:
    """What was read from the sandbox and the snapshots written from it."""

    scenario: str
    path: Path
    anon_path: Path
    anonymizer: Anonymizer
    version: dict[str, str]
    pages: dict[str, list[bytes]] = field(default_factory=dict)
    missing: list[Missing] = field(default_factory=list)
    logs: dict[tuple[str, str, str, bool], str] = field(default_factory=dict)

    def items(self, frame: str) -> list[dict[str, Any]]:
        return [item for page in self.pages[frame] for item in orjson.loads(page)["items"]]


def _get(sb: sandbox_pkg.Sandbox, path: str, **query: str) -> bytes:
    url = sb.url + path + ("?" + urllib.parse.urlencode(query) if query else "")
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - loopback sandbox URL
        body: bytes = response.read()
    return body


def _write(capture: Capture, path: Path, anonymizer: Anonymizer | None) -> None:
    with SnapshotWriter(path, anonymizer=anonymizer) as snap:
        for frame, pages in capture.pages.items():
            snap.add_pages(builtin(frame), pages)
        for (ns, pod, container, previous), text in capture.logs.items():
            snap.add_log(ns, pod, container, previous, text)
        snap.set_missing(capture.missing)
        snap.close(server_version=capture.version, source="sandbox", namespaces=None, captured_at=CAPTURED_AT)


@pytest.fixture(scope="module", params=["crashloop", "incident"])
def capture(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Capture:
    scenario = request.param
    ns = NAMESPACE[scenario]
    tmp = tmp_path_factory.mktemp(f"snap-{scenario}")
    with sandbox_pkg.start(scenario=scenario, manual_clock=True) as sb:
        kubectl = make_kubectl(sb, tmp / "kube-cache")
        kubectl("apply", "-f", "-", stdin=plant_manifest(ns))
        sb.advance(30)
        sb.hide_group("metrics.k8s.io")
        pods = [
            p
            for p in orjson.loads(fetch_pages(sb, builtin("pods"))[0])["items"]
            if p["metadata"]["namespace"] == ns
        ]
        target = pods[0]
        first = target["spec"]["containers"][0]["name"]
        sb.logs.append(
            (ns, target["metadata"]["name"], first), "login password=PlantedLogPass7", sb.clock.now()
        )
        capture = Capture(
            scenario,
            tmp / "plain.wbsnap",
            tmp / "anon.wbsnap",
            Anonymizer(),
            orjson.loads(_get(sb, "/version")),
        )
        for kind in BUILTIN:
            if kind.frame in {FORBIDDEN.frame, BROKEN.frame, NOT_CAPTURED}:
                continue
            try:
                capture.pages[kind.frame] = fetch_pages(sb, kind, limit=4)
            except urllib.error.HTTPError as err:
                if err.code != 404:
                    raise
                capture.missing.append(
                    Missing(kind.frame, "absent", f"the server could not find {kind.path()}")
                )
        capture.missing += [FORBIDDEN, BROKEN]
        for pod in pods:
            name = pod["metadata"]["name"]
            for status in pod["status"].get("containerStatuses", []):
                for previous in (False, True):
                    try:
                        text = _get(sb, f"/api/v1/namespaces/{ns}/pods/{name}/log", container=status["name"],
                                    timestamps="true", previous=str(previous).lower())  # fmt: skip
                    except urllib.error.HTTPError:
                        continue  # no previous run, or not started
                    capture.logs[(ns, name, status["name"], previous)] = text.decode()
    _write(capture, capture.path, None)
    _write(capture, capture.anon_path, capture.anonymizer)
    return capture


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_planted_secrets_were_in_the_cluster_and_are_in_no_byte_of_the_snapshot(capture: Capture) -> None:
    raw = (
        b"".join(page for pages in capture.pages.values() for page in pages)
        + "".join(capture.logs.values()).encode()
    )
    encoded = {value: base64.b64encode(value.encode()) for value in PLANTED}
    for value in PLANTED:
        assert value.encode() in raw or encoded[value] in raw, f"{value} was not planted"
    for path in (capture.path, capture.anon_path):
        for name, data in members(path).items():
            for value in PLANTED:
                assert value.encode() not in data, f"{value} leaked into {name}"
                assert encoded[value] not in data, f"{value} (base64) leaked into {name}"


def test_every_list_reads_back_as_the_redacted_items(capture: Capture) -> None:
    with SnapshotSource(capture.path, page_size=3) as source:
        for frame in capture.pages:
            kind = builtin(frame)
            pages = [orjson.loads(page) for page in source.list_pages(kind)]
            assert all(
                page["apiVersion"] == kind.api_version and page["kind"] == f"{kind.kind}List"
                for page in pages
            )
            assert all(len(page["items"]) <= 3 for page in pages)
            first = orjson.loads(capture.pages[frame][0])
            assert pages[0]["metadata"] == {"resourceVersion": first["metadata"]["resourceVersion"]}
            stored = [item for page in pages for item in page["items"]]
            assert stored == [redact_object(item)[0] for item in capture.items(frame)], frame


def test_the_manifest_says_what_is_inside(capture: Capture) -> None:
    with SnapshotSource(capture.path) as source:
        manifest = source.manifest
        assert isinstance(source, ClusterSource)
        assert source.name == str(capture.path)
        assert source.namespaces is None
        assert source.server_version() == capture.version
        assert source.custom_kinds() == []
    assert (manifest.format_version, manifest.captured_at, manifest.source) == (1, CAPTURED_AT, "sandbox")
    assert manifest.anonymized is False
    assert [stored.kind for stored in manifest.kinds] == [builtin(frame) for frame in capture.pages]
    assert {s.kind.frame: s.count for s in manifest.kinds} == {
        f: len(capture.items(f)) for f in capture.pages
    }
    assert set(manifest.missing) == set(capture.missing)
    assert {m.frame for m in manifest.missing} >= {"node_metrics", "pod_metrics", "pdbs", "hpas"}
    redaction = manifest.redaction
    assert redaction["by_field"]["Secret.data"] >= 2
    ns = NAMESPACE[capture.scenario]
    for where in (
        "ConfigMap.data",
        "ConfigMap.metadata.annotations",
        "Deployment.metadata.annotations",
        "Deployment.spec.template.spec.containers.env",
        "Deployment.spec.template.spec.containers.args",
        "Event.message",
        "log",
    ):
        assert redaction["by_field"].get(where, 0) >= 1, where
    assert redaction["dropped"]["ConfigMap.binaryData"] == 1
    assert redaction["dropped"]["Pod.metadata.managedFields"] == len(capture.items("pods"))
    assert redaction["total"] == sum(redaction["by_kind"].values())
    logged = {(log.namespace, log.pod, log.container, log.previous) for log in manifest.logs}
    assert logged == set(capture.logs)
    assert all(log.namespace == ns for log in manifest.logs)


def test_missing_kinds_raise_what_the_live_pull_recorded(capture: Capture) -> None:
    with SnapshotSource(capture.path) as source:
        with pytest.raises(ForbiddenError, match="cannot list") as forbidden:
            source.list_pages(builtin("pdbs"))
        assert (forbidden.value.code, str(forbidden.value)) == (403, FORBIDDEN.message)
        with pytest.raises(KindAbsentError) as absent:
            source.list_pages(builtin("pod_metrics"))
        assert absent.value.code == 404
        assert str(absent.value) == next(m.message for m in capture.missing if m.frame == "pod_metrics")
        with pytest.raises(SourceError, match="could not be decoded") as broken:
            source.list_pages(builtin("hpas"))
        assert not isinstance(broken.value, ApiStatusError)
        with pytest.raises(
            KindAbsentError, match=r"crds \(CustomResourceDefinition\) is not in this snapshot"
        ):
            source.list_pages(builtin(NOT_CAPTURED))


def test_logs_come_from_the_stored_tails(capture: Capture) -> None:
    (ns, pod, container, previous), text = next(iter(capture.logs.items()))
    assert previous is False
    redacted = redact_log(text).text
    with SnapshotSource(capture.path) as source:
        assert source.logs(ns, pod, container=container) == redacted
        assert source.logs(ns, pod) == redacted  # one container: no name needed
        assert source.logs(ns, pod, container=container, tail=1) == redacted.splitlines(keepends=True)[-1]
        assert source.logs(ns, pod, container=container, tail=0) == ""
        assert source.logs(ns, pod, container=container, limit_bytes=10) == redacted[:10]
        assert "PlantedLogPass7" not in source.logs(ns, pod, container=container)
        with pytest.raises(
            ApiStatusError, match=rf"the log of {ns}/nope container {container} was not captured in snapshot"
        ) as err:
            source.logs(ns, "nope", container=container)
        assert err.value.code == 404
        if (ns, pod, container, True) not in capture.logs:
            with pytest.raises(ApiStatusError, match=r"previous log .* was not captured"):
                source.logs(ns, pod, container=container, previous=True)


def test_an_anonymized_snapshot_names_nothing_real_and_answers_can_be_mapped_back(capture: Capture) -> None:
    ns = NAMESPACE[capture.scenario]
    pods = [p["metadata"]["name"] for p in capture.items("pods") if p["metadata"]["namespace"] == ns]
    data = members(capture.anon_path)
    for name, body in data.items():
        text = name + "\n" + body.decode()
        # Workload stems can survive where they double as a kept public image (``redis:latest``), a
        # port name, or text written before the object was seen: the pods and namespace cannot.
        for original in [ns, *pods]:
            assert re.search(rf"(?<![a-z0-9]){re.escape(original)}(?![a-z0-9])", text) is None, (
                original,
                name,
            )
    assert capture.anonymizer.to_json().decode() not in "".join(b.decode() for b in data.values())
    anon = capture.anonymizer
    with SnapshotSource(capture.anon_path) as source:
        assert source.manifest.anonymized is True
        assert source.manifest.source == "anonymized"
        stored = [
            item["metadata"]
            for page in source.list_pages(builtin("pods"))
            for item in orjson.loads(page)["items"]
        ]
        mine = [meta for meta in stored if meta["namespace"] == anon.namespace(ns)]
        assert sorted(anon.deanonymize_text(meta["name"]) for meta in mine) == sorted(pods)
        answer = f"Pod {mine[0]['name']} in namespace {mine[0]['namespace']} is crash-looping."
        real = anon.deanonymize_text(answer)
        assert real == f"Pod {anon.deanonymize_text(mine[0]['name'])} in namespace {ns} is crash-looping."
        assert anon.deanonymize_text(mine[0]["name"]) in pods
        (log_ns, log_pod, container, _), original = next(iter(capture.logs.items()))
        text = source.logs(
            anon.namespace(log_ns), anon.name(log_pod, "app"), container=anon.name(container, "ctr")
        )
        assert anon.deanonymize_text(text) == redact_log(original).text


def test_custom_kinds_are_recorded_with_their_coordinates(tmp_path: Path) -> None:
    widget = Kind("widgets.example.com", "Widget", "example.com", "v1", "widgets", True)
    gadget = Kind("gadgets.example.com", "Gadget", "example.com", "v1", "gadgets", False)
    page = orjson.dumps(
        {
            "apiVersion": "example.com/v1",
            "kind": "WidgetList",
            "metadata": {"resourceVersion": "7"},
            "items": [
                {
                    "apiVersion": "example.com/v1",
                    "kind": "Widget",
                    "metadata": {"name": "w", "namespace": "a"},
                    "spec": {"password": "pw-123"},
                }
            ],
        }
    )
    path = tmp_path / "custom.wbsnap"
    with SnapshotWriter(path) as snap:
        assert snap.add_pages(widget, [page]) == 1
        snap.set_missing([Missing(gadget.frame, "forbidden", "gadgets.example.com is forbidden")])
        snap.close(
            server_version={"gitVersion": "v1.32.0"},
            source="ctx",
            namespaces=["a"],
            custom_kinds=[widget, gadget],
        )
    with SnapshotSource(path) as source:
        assert source.custom_kinds() == [gadget, widget]
        assert source.namespaces == ("a",)
        (page_out,) = list(source.list_pages(widget))
        assert orjson.loads(page_out)["items"][0]["spec"]["password"] != "pw-123"
        with pytest.raises(ForbiddenError, match=r"gadgets\.example\.com is forbidden"):
            source.list_pages(gadget)


# --- the writer's guarantees and the reader's refusals, on a small snapshot ---------------------------

PODS = builtin("pods")


def _page(*names: str, rv: str = "5") -> bytes:
    items = [{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": n, "namespace": "a"}} for n in names]
    return orjson.dumps(
        {"apiVersion": "v1", "kind": "PodList", "metadata": {"resourceVersion": rv}, "items": items}
    )


@pytest.fixture
def small(tmp_path: Path) -> Path:
    path = tmp_path / "small.wbsnap"
    with SnapshotWriter(path) as snap:
        snap.add_pages(PODS, [_page("p1", "p2"), _page("p3")])
        snap.add_pages(builtin("nodes"), [])
        snap.add_log("a", "p1", "app", False, "2026-12-07T01:00:00Z one\n2026-12-07T01:00:01Z two\n")
        snap.add_log("a", "p1", "app", True, "2026-12-07T00:59:00Z before\n")
        snap.add_log("a", "p1", "sidecar", False, "side\n")
        snap.close(server_version={"gitVersion": "v1.32.0"}, source="ctx")
    return path


def rewrite(src: Path, dst: Path, *, drop: tuple[str, ...] = (), replace: dict[str, bytes] | None = None,
            add: dict[str, bytes] | None = None) -> Path:  # fmt: skip
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for name in zin.namelist():
            if name not in drop:
                zout.writestr(name, (replace or {}).get(name, zin.read(name)))
        for name, data in (add or {}).items():
            zout.writestr(name, data)
    return dst


def manifest_of(path: Path) -> dict[str, Any]:
    with zipfile.ZipFile(path) as archive:
        doc: dict[str, Any] = orjson.loads(archive.read("manifest.json"))
    return doc


def test_a_small_snapshot_reads_back_with_pages_logs_and_empty_lists(small: Path) -> None:
    with SnapshotSource(small, page_size=2) as source:
        pages = [orjson.loads(p) for p in source.list_pages(PODS)]
        assert [[i["metadata"]["name"] for i in page["items"]] for page in pages] == [["p1", "p2"], ["p3"]]
        (empty,) = [orjson.loads(p) for p in source.list_pages(builtin("nodes"))]
        assert empty == {
            "apiVersion": "v1",
            "kind": "NodeList",
            "metadata": {"resourceVersion": ""},
            "items": [],
        }
        assert source.logs("a", "p1", container="app", previous=True) == "2026-12-07T00:59:00Z before\n"
        with pytest.raises(ApiStatusError, match=r"choose one of: \[app sidecar\]") as err:
            source.logs("a", "p1")
        assert err.value.code == 400


def _error(path: Path, **limits: int) -> str:
    with pytest.raises(SnapshotError) as err:
        SnapshotSource(path, limits=SnapshotLimits(**limits) if limits else None)
    assert err.value.path == str(path)
    assert str(err.value).startswith(f"{path}: ")
    return str(err.value)


def test_a_file_that_is_not_a_zip_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.wbsnap"
    path.write_text("hello")
    assert "not a Kube Workbench snapshot (expected a .wbsnap zip): File is not a zip file" in _error(path)
    assert "no such snapshot file; check the path" in _error(tmp_path / "absent.wbsnap")


def test_a_truncated_zip_is_refused(small: Path, tmp_path: Path) -> None:
    data = small.read_bytes()
    path = tmp_path / "cut.wbsnap"
    path.write_bytes(data[: len(data) // 2])
    assert "not a Kube Workbench snapshot (expected a .wbsnap zip)" in _error(path)


def test_a_corrupted_member_is_refused(small: Path, tmp_path: Path) -> None:
    data = bytearray(small.read_bytes())
    start = data.index(b"lists/pods.json") + len("lists/pods.json")  # the local header's name, then data
    for i in range(start + 10, start + 40):
        data[i] ^= 0xFF
    path = tmp_path / "flipped.wbsnap"
    path.write_bytes(bytes(data))
    assert "the snapshot is corrupt: lists/pods.json cannot be read" in _error(path)


def test_a_zip_without_a_manifest_is_refused(small: Path, tmp_path: Path) -> None:
    message = _error(rewrite(small, tmp_path / "bare.wbsnap", drop=("manifest.json",)))
    assert "not a Kube Workbench snapshot: the zip has no manifest.json" in message


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {"format": "something-else"},
            "its manifest names format 'something-else', not 'kube-workbench-snapshot'",
        ),
        (
            {"format_version": 2},
            "is format_version 2, but this kube-workbench reads format_version 1 at most: "
            "upgrade kube-workbench",
        ),
        ({"captured_at": "yesterday"}, "manifest.captured_at is not an ISO 8601 time"),
        ({"anonymized": "no"}, "manifest.anonymized should be a bool"),
        ({"missing": [{"frame": "pods", "reason": "gone", "message": ""}]}, "reason 'gone' is not one of"),
    ],
)
def test_a_bad_manifest_is_refused(
    small: Path, tmp_path: Path, change: dict[str, Any], expected: str
) -> None:
    manifest = manifest_of(small) | change
    path = rewrite(small, tmp_path / "bad.wbsnap", replace={"manifest.json": orjson.dumps(manifest)})
    assert expected in _error(path)


def test_a_manifest_that_is_not_json_is_refused(small: Path, tmp_path: Path) -> None:
    path = rewrite(small, tmp_path / "bad.wbsnap", replace={"manifest.json": b"{not json"})
    assert "the snapshot is corrupt: manifest.json is not valid JSON" in _error(path)


@pytest.mark.parametrize(
    ("member", "expected"),
    [
        ("../evil.json", "member '../evil.json' has a path that leaves the archive"),
        ("lists/../../evil.json", "has a path that leaves the archive"),
        ("/etc/passwd", "member '/etc/passwd' has a path that leaves the archive"),
        ("notes.txt", "unexpected member 'notes.txt' (only manifest.json, lists/ and logs/ belong)"),
        ("lists/extra.json", "unexpected member 'lists/extra.json' (not listed in its manifest)"),
        ("logs/a/p1/app.log.bak", "unexpected member 'logs/a/p1/app.log.bak'"),
    ],
)
def test_unexpected_members_are_refused(small: Path, tmp_path: Path, member: str, expected: str) -> None:
    path = rewrite(small, tmp_path / "extra.wbsnap", add={member: b"{}"})
    message = _error(path)
    assert "refusing to read the snapshot: " in message
    assert expected in message


def test_oversized_members_and_zip_bombs_are_refused_before_decompressing(
    small: Path, tmp_path: Path
) -> None:
    size = zipfile.ZipFile(small).getinfo("lists/pods.json").file_size
    assert f"member 'lists/pods.json' declares {size} bytes, over the 100 allowed" in _error(
        small, max_member_bytes=100
    )
    assert "over the 10 allowed" in _error(small, max_total_bytes=10)
    assert "has 6 members, more than the 3 allowed" in _error(small, max_members=3)
    bomb = rewrite(small, tmp_path / "bomb.wbsnap", add={"lists/services.json": b"\n" * (4 << 20)})
    assert "member 'lists/services.json' expands" in _error(bomb)
    assert "a zip bomb?" in _error(bomb)


def test_counts_that_do_not_match_the_lists_are_refused(small: Path, tmp_path: Path) -> None:
    manifest = manifest_of(small)
    manifest["kinds"][0]["count"] = 4
    path = rewrite(small, tmp_path / "count.wbsnap", replace={"manifest.json": orjson.dumps(manifest)})
    assert "the manifest counts 4 pods but the list holds 3" in _error(path)
    manifest["kinds"][0]["count"] = 3
    manifest["logs"][0]["bytes"] = 1
    path = rewrite(small, tmp_path / "bytes.wbsnap", replace={"manifest.json": orjson.dumps(manifest)})
    assert "the manifest says logs/a/p1/app.log has 1 bytes, but it does not" in _error(path)


def test_a_member_the_manifest_lists_must_exist(small: Path, tmp_path: Path) -> None:
    path = rewrite(small, tmp_path / "gone.wbsnap", drop=("logs/a/p1/sidecar.log",))
    assert "the manifest lists 'logs/a/p1/sidecar.log' but the zip has no such member" in _error(path)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            b'{"apiVersion":"v1","kind":"PodList","metadata":{},"items":[\n{"a":1}\n,{bad\n]}\n',
            "line 3 is not valid JSON",
        ),
        (
            b'{"apiVersion":"v1","kind":"PodList","metadata":{},"items":[\n{"a":1}\n{"b":2}\n]}\n',
            "start with ','",
        ),
        (
            b'{"apiVersion":"v1","kind":"PodList","metadata":{},"items":[\n[1]\n]}\n',
            "line 2 is not a JSON object",
        ),
        (b'{"apiVersion":"v1","items":[{"a":1}]}', "does not start with a List document header"),
        (b'{"apiVersion":"v1","kind":"PodList","metadata":{},"items":[\n{"a":1}\n', "no end of list"),
        (b'{"apiVersion":"v1","kind":"PodList","metadata":{},"items":[\n]}\nmore', "data after the end"),
    ],
)
def test_invalid_lists_are_refused(small: Path, tmp_path: Path, body: bytes, expected: str) -> None:
    path = rewrite(small, tmp_path / "json.wbsnap", replace={"lists/pods.json": body})
    message = _error(path)
    assert "the snapshot is corrupt: lists/pods.json" in message
    assert expected in message


def test_a_kind_whose_source_fails_midway_leaves_nothing_and_the_writer_goes_on(tmp_path: Path) -> None:
    def failing() -> Iterator[bytes]:
        yield _page("p1")
        raise ForbiddenError("pods is forbidden", code=403, reason="Forbidden", path="/api/v1/pods")

    path = tmp_path / "partial.wbsnap"
    with SnapshotWriter(path) as snap:
        with pytest.raises(ForbiddenError):
            snap.add_pages(PODS, failing())
        snap.set_missing([Missing("pods", "forbidden", "pods is forbidden")])
        snap.close(server_version={}, source="ctx")
    assert sorted(members(path)) == ["manifest.json"]
    with SnapshotSource(path) as source, pytest.raises(ForbiddenError, match="pods is forbidden"):
        source.list_pages(PODS)


def test_a_failed_or_unfinished_write_leaves_no_file(tmp_path: Path) -> None:
    path = tmp_path / "never.wbsnap"

    def interrupted() -> None:
        with SnapshotWriter(path) as snap:
            snap.add_pages(PODS, [_page("p1")])
            raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError, match="interrupted"):
        interrupted()
    with pytest.raises(ConfigError, match="was not finished: call close"), SnapshotWriter(path) as snap:
        snap.add_pages(PODS, [_page("p1")])
    with pytest.raises(SnapshotError, match="page 2 is not JSON"), SnapshotWriter(path) as snap:
        snap.add_pages(PODS, [_page("p1"), b"{oops"])
    assert list(tmp_path.iterdir()) == []
    with SnapshotWriter(path) as snap:
        snap.add_pages(PODS, [_page("p1")])
        with pytest.raises(ConfigError, match="pods was already added"):
            snap.add_pages(PODS, [_page("p1")])
        with pytest.raises(ConfigError, match="pods was captured; it cannot also be missing"):
            snap.set_missing([Missing("pods", "absent", "")])
        with pytest.raises(ConfigError, match=r"pod '\.\./x' is not a Kubernetes name"):
            snap.add_log("a", "../x", "app", False, "")
        with pytest.raises(ConfigError, match="timezone-aware"):
            snap.close(server_version={}, source="ctx", captured_at=datetime(2026, 1, 1))
        snap.close(server_version={}, source="ctx")
    assert [p.name for p in tmp_path.iterdir()] == ["never.wbsnap"]


def test_lists_read_concurrently_match_lists_read_one_by_one(capture: Capture) -> None:
    with SnapshotSource(capture.path, page_size=2) as source:
        kinds = [builtin(frame) for frame in capture.pages]
        one_by_one = [b"".join(source.list_pages(kind)) for kind in kinds]
        with ThreadPoolExecutor(max_workers=4) as pool:
            together = list(pool.map(lambda kind: b"".join(source.list_pages(kind)), kinds))
    assert together == one_by_one


def test_frames_pulled_from_a_snapshot_record_the_same_missing_kinds(capture: Capture) -> None:
    with SnapshotSource(capture.path) as source:
        frames = pull(source)
    reasons = {(m.frame, m.reason) for m in frames.missing}
    assert {
        ("pdbs", "forbidden"),
        ("hpas", "error"),
        ("node_metrics", "absent"),
        ("pod_metrics", "absent"),
    } <= reasons
    assert len(frames.pods) == len(capture.items("pods"))
    assert frames.server_version == capture.version
