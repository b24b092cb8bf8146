"""Protobuf request bodies: kubectl's own bodies read as kubectl's own JSON, and the edge cases.

The oracle is the real kubectl: each create command runs once with ``--dry-run=client -o json``
(kubectl's JSON of the object) and once for real through a recording proxy in front of the
sandbox, and the protobuf body it sent must decode to that same JSON.
"""

from __future__ import annotations

import base64
import http.client
import importlib.util
import json
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from workbench import sandbox as sandbox_pkg
from workbench.errors import SandboxApiError
from workbench.sandbox._protobuf import decode_request
from workbench.sandbox._protobuf._decode import go_duration, message
from workbench.sandbox._protobuf._schema import load

REPO = Path(__file__).resolve().parents[2]
SCHEMA_FILE = REPO / "workbench" / "sandbox" / "_protobuf" / "schema.json"
PROTOBUF = "application/vnd.kubernetes.protobuf"
KUBECTL = shutil.which("kubectl") or "/usr/bin/kubectl"


# -- a small encoder for hand-built messages ----------------------------------------------------------
def _varint(value: int) -> bytes:
    value &= (1 << 64) - 1
    out = bytearray()
    while True:
        low, value = value & 0x7F, value >> 7
        out.append(low | (0x80 if value else 0))
        if not value:
            return bytes(out)


def vint(number: int, value: int) -> bytes:
    return _varint(number << 3) + _varint(value)


def ld(number: int, payload: bytes | str) -> bytes:
    data = payload.encode() if isinstance(payload, str) else payload
    return _varint(number << 3 | 2) + _varint(len(data)) + data


def body(api_version: str, kind: str, raw: bytes) -> bytes:
    """The magic and the runtime.Unknown envelope, as client-go writes them (empty encoding and type)."""
    return b"k8s\x00" + ld(1, ld(1, api_version) + ld(2, kind)) + ld(2, raw) + ld(3, b"") + ld(4, b"")


def meta(name: str, *extra: bytes) -> bytes:
    return ld(1, ld(1, name) + b"".join(extra))


def rejected(data: bytes) -> SandboxApiError:
    with pytest.raises(SandboxApiError) as info:
        decode_request(data)
    return info.value


# -- the Go JSON rules ----------------------------------------------------------------------------------
def test_empty_structs_are_sent_and_empty_scalars_dropped() -> None:
    assert decode_request(body("v1", "Namespace", meta("team-a"))) == {
        "kind": "Namespace",
        "apiVersion": "v1",
        "metadata": {"name": "team-a"},
        "spec": {},
        "status": {},
    }


def test_a_pointer_set_to_zero_is_sent_and_a_required_zero_is_filled_in() -> None:
    deployment = decode_request(body("apps/v1", "Deployment", meta("web") + ld(2, vint(1, 0))))
    assert deployment["spec"]["replicas"] == 0
    # PriorityClass.value has no omitempty: JSON always carries it, even when the body leaves it out.
    priority = decode_request(body("scheduling.k8s.io/v1", "PriorityClass", meta("low")))
    assert priority == {
        "kind": "PriorityClass",
        "apiVersion": "scheduling.k8s.io/v1",
        "metadata": {"name": "low"},
        "value": 0,
    }


def test_negative_numbers_and_packed_and_unpacked_repeated_scalars() -> None:
    packed = ld(4, _varint(1000) + _varint(2000))
    unpacked = vint(4, 3000) + vint(4, 4000)
    spec = ld(2, ld(1, "app")) + vint(25, -5) + ld(14, packed + unpacked)
    pod = decode_request(body("v1", "Pod", meta("p") + ld(2, spec)))
    assert pod["spec"]["priority"] == -5
    assert pod["spec"]["securityContext"] == {"supplementalGroups": [1000, 2000, 3000, 4000]}
    assert pod["spec"]["containers"] == [{"name": "app", "resources": {}}]


def test_inlined_structs_merge_into_their_parent() -> None:
    volume = ld(1, "cfg") + ld(2, ld(19, ld(1, ld(1, "settings")) + vint(3, 0o644)))
    pod = decode_request(body("v1", "Pod", meta("p") + ld(2, ld(1, volume))))
    assert pod["spec"]["volumes"] == [
        {"name": "cfg", "configMap": {"name": "settings", "defaultMode": 0o644}}
    ]


def test_maps_bytes_and_strings() -> None:
    secret = meta("creds") + ld(2, ld(1, "password") + ld(2, b"\x00\xffs3cr3t")) + ld(2, ld(1, "empty"))
    secret += ld(3, "Opaque") + ld(4, ld(1, "note") + ld(2, b"caf\xe9")) + ld(4, ld(1, "blank"))
    assert decode_request(body("v1", "Secret", secret)) == {
        "kind": "Secret",
        "apiVersion": "v1",
        "metadata": {"name": "creds"},
        "data": {"password": base64.b64encode(b"\x00\xffs3cr3t").decode(), "empty": ""},
        # invalid UTF-8 reads as Go's JSON encoder writes it; a missing map value is its zero
        "stringData": {"note": "caf\ufffd", "blank": ""},
        "type": "Opaque",
    }


def test_unknown_fields_are_skipped_and_a_repeated_message_field_is_merged() -> None:
    raw = meta("settings") + ld(1, ld(3, "team-a")) + vint(99, 7) + ld(98, b"junk")
    config = decode_request(body("v1", "ConfigMap", raw))
    assert config["metadata"] == {"name": "settings", "namespace": "team-a"}


# -- the types with their own JSON form -------------------------------------------------------------
def test_time_microtime_and_zero_times() -> None:
    moment = int(datetime(2026, 11, 28, 15, 44, 56, tzinfo=UTC).timestamp())
    raw = meta("x", ld(8, vint(1, moment) + vint(2, 999)), ld(9, b""))
    assert decode_request(body("v1", "ConfigMap", raw))["metadata"] == {
        "name": "x",
        "creationTimestamp": "2026-11-28T15:44:56Z",  # RFC 3339 to the second, as metav1.Time
    }  # an empty Time (deletionTimestamp here) is Go's zero time: JSON null, left out
    epoch = decode_request(body("v1", "ConfigMap", meta("x", ld(8, vint(1, 0) + vint(2, 0)))))
    assert epoch["metadata"]["creationTimestamp"] == "1970-01-01T00:00:00Z"
    event = decode_request(
        body("events.k8s.io/v1", "Event", meta("e") + ld(2, vint(1, moment) + vint(2, 123456789)))
    )
    assert event["eventTime"] == "2026-11-28T15:44:56.123456Z"


@pytest.mark.parametrize(
    ("nanoseconds", "text"),
    [
        (0, "0s"),
        (100, "100ns"),
        (1_000, "1µs"),
        (1_500_000, "1.5ms"),
        (300_000_000, "300ms"),
        (1_500_000_000, "1.5s"),
        (60_000_000_000, "1m0s"),
        (5_400_000_000_000, "1h30m0s"),
        (3_600_000_000_001, "1h0m0.000000001s"),
        (-1_500_000_000, "-1.5s"),
    ],
)
def test_durations_read_as_go_prints_them(nanoseconds: int, text: str) -> None:
    assert go_duration(nanoseconds) == text
    assert message(load(), "k8s.io.apimachinery.pkg.apis.meta.v1.Duration", vint(1, nanoseconds)) == text


def test_quantities_and_int_or_strings() -> None:
    container = ld(1, "app") + ld(
        8, ld(1, ld(1, "cpu") + ld(2, ld(1, "500m"))) + ld(1, ld(1, "memory") + ld(2, b""))
    )
    ports = ld(1, ld(1, "http") + vint(3, 80) + ld(4, vint(1, 1) + ld(3, "web"))) + ld(
        1, vint(3, 81) + ld(4, vint(2, 8081))
    )
    pod = decode_request(body("v1", "Pod", meta("p") + ld(2, ld(2, container))))
    assert pod["spec"]["containers"][0]["resources"] == {"limits": {"cpu": "500m", "memory": "0"}}
    service = decode_request(body("v1", "Service", meta("s") + ld(2, ports + ld(3, vint(3, 82)))))
    assert service["spec"]["ports"] == [
        {"name": "http", "port": 80, "targetPort": "web"},
        {"port": 81, "targetPort": 8081},
    ]
    # targetPort is a struct, so Go's JSON has it even when unset; the server then defaults it to port.
    pdb = decode_request(
        body("policy/v1", "PodDisruptionBudget", meta("b") + ld(2, ld(1, vint(1, 0) + vint(2, 1))))
    )
    assert pdb["spec"] == {"minAvailable": 1}


def test_raw_extensions_managed_fields_and_string_lists() -> None:
    embedded = body("v1", "ConfigMap", meta("inner"))
    revision = decode_request(
        body("apps/v1", "ControllerRevision", meta("r") + ld(2, ld(1, b'{"spec":{"a":1}}')) + vint(3, 2))
    )
    assert revision["data"] == {"spec": {"a": 1}}
    assert revision["revision"] == 2
    nested = decode_request(body("apps/v1", "ControllerRevision", meta("r") + ld(2, ld(1, embedded))))
    assert nested["data"] == {"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"name": "inner"}}
    entry = ld(1, "kubectl") + ld(2, "Update") + ld(6, "FieldsV1") + ld(7, ld(1, b'{"f:data":{".":{}}}'))
    config = decode_request(body("v1", "ConfigMap", meta("c", ld(17, entry))))
    assert config["metadata"]["managedFields"] == [
        {
            "manager": "kubectl",
            "operation": "Update",
            "fieldsType": "FieldsV1",
            "fieldsV1": {"f:data": {".": {}}},
        }
    ]
    extra = ld(1, "scopes") + ld(2, ld(1, "a") + ld(1, "b"))
    review = decode_request(
        body(
            "authorization.k8s.io/v1", "SubjectAccessReview", meta("r") + ld(2, ld(3, "jane") + ld(5, extra))
        )
    )
    assert review["spec"] == {"user": "jane", "extra": {"scopes": ["a", "b"]}}
    assert review["status"] == {"allowed": False}


def test_delete_options_under_any_group_version_and_inside_an_eviction() -> None:
    assert decode_request(body("v1", "DeleteOptions", b"")) == {"kind": "DeleteOptions", "apiVersion": "v1"}
    options = vint(1, 0) + ld(5, "All") + ld(4, "Foreground")
    assert decode_request(body("apps/v1", "DeleteOptions", options)) == {
        "kind": "DeleteOptions",
        "apiVersion": "apps/v1",
        "gracePeriodSeconds": 0,
        "propagationPolicy": "Foreground",
        "dryRun": ["All"],
    }
    eviction = decode_request(body("policy/v1", "Eviction", meta("web-1") + ld(2, ld(5, "All"))))
    assert eviction["deleteOptions"] == {"dryRun": ["All"]}


# -- errors, as kube-apiserver words them -------------------------------------------------------------
@pytest.mark.parametrize(
    ("data", "cause"),
    [
        (b"", "empty data (<empty>)"),
        (
            b'{"kind":"ConfigMap"}',
            "provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]",
        ),
        (b"k8s\x00", "empty body"),
        (body("v1", "ConfigMap", meta("x"))[:-3], "unexpected EOF"),
        (b"k8s\x00" + b"\x08" + b"\xff" * 11, "proto: integer overflow"),
        (b"k8s\x00\x00\x00", "proto: Unknown: illegal tag 0 (wire type 0)"),
        (body("v1", "", b""), """Object 'Kind' is missing in 'runtime.TypeMeta{APIVersion:"v1", Kind:""}'"""),
    ],
)
def test_bodies_that_are_not_an_object_are_a_bad_request(data: bytes, cause: str) -> None:
    err = rejected(data)
    assert (err.code, err.reason) == (400, "BadRequest")
    assert err.message.startswith("the object provided is unrecognized: ")
    assert cause in err.message


@pytest.mark.parametrize(
    ("raw", "cause"),
    [
        (meta("x")[:-1], "unexpected EOF"),
        (vint(1, 5), "proto: wrong wireType = 0 for field metadata"),
        (meta("x") + ld(2, ld(1, "k")) + b"\x12\x05\x0a", "unexpected EOF"),
        (ld(2, vint(1, 3)), "proto: wrong wireType = 0 for field key"),
        (b"\x0c", "proto: ConfigMap: wiretype end group for non-group"),
    ],
)
def test_a_malformed_message_names_its_kind_and_cause(raw: bytes, cause: str) -> None:
    err = rejected(body("v1", "ConfigMap", raw))
    assert err.code == 400
    assert err.message == f'ConfigMap in version "v1" cannot be handled as a ConfigMap: {cause}'


def test_bad_special_values_are_a_bad_request() -> None:
    port = ld(2, ld(1, vint(3, 80) + ld(4, vint(1, 7))))
    assert "impossible IntOrString.Type 7" in rejected(body("v1", "Service", meta("s") + port)).message
    raw_json = ld(2, ld(1, b"{not json"))
    assert (
        "invalid JSON in RawExtension"
        in rejected(body("apps/v1", "ControllerRevision", meta("r") + raw_json)).message
    )


@pytest.mark.parametrize(
    ("api_version", "kind", "code", "text"),
    [
        ("v1", "Frobnicator", 400, 'no kind "Frobnicator" is registered for version "v1"'),
        ("apps/v1beta1", "Deployment", 400, 'no kind "Deployment" is registered for version "apps/v1beta1"'),
        ("v1", "ConfigMap.DataEntry", 400, "is registered"),
        ("authorization.k8s.io/v1", "ExtraValue", 400, "is registered"),
        ("meta.k8s.io/v1", "Time", 400, "is registered"),
        ("a/b/v1", "Thing", 400, "unexpected GroupVersion string: a/b/v1"),
        ("example.com/v1", "Widget", 415, "accepted media types include: application/json, application/yaml"),
    ],
)
def test_kinds_the_server_does_not_have(api_version: str, kind: str, code: int, text: str) -> None:
    err = rejected(body(api_version, kind, meta("x")))
    assert err.code == code
    assert err.reason == ("BadRequest" if code == 400 else "UnsupportedMediaType")
    assert text in err.message


# -- the schema ---------------------------------------------------------------------------------------
def test_the_committed_schema_is_what_the_generator_extracts_from_the_installed_kubectl(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    binary = Path(KUBECTL)
    if not binary.exists():
        pytest.skip(f"no kubectl at {binary}: cannot regenerate the schema to compare")
    spec = importlib.util.spec_from_file_location(
        "gen_protobuf_schema", REPO / "tools" / "gen_protobuf_schema.py"
    )
    assert spec is not None
    assert spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, generator)  # dataclasses look their module up while defined
    spec.loader.exec_module(generator)
    text = generator.build_schema(binary.read_bytes(), generator.kubectl_version(binary))
    assert text == SCHEMA_FILE.read_text(), "schema.json is stale: run tools/gen_protobuf_schema.py"
    assert load().source["gitVersion"].startswith("v1.")


# -- kubectl as the oracle ----------------------------------------------------------------------------
class Recorder:
    """A proxy in front of the sandbox that keeps every request body kubectl sends.

    It forwards protobuf bodies decoded to JSON, so the commands succeed whether or not the
    sandbox reads protobuf itself.
    """

    def __init__(self, sb: sandbox_pkg.Sandbox, workdir: Path) -> None:
        self.sandbox_port = sb.port
        self.requests: list[tuple[str, str, str, bytes]] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        proxy = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.kubeconfig = workdir / "kubeconfig"
        self.kubeconfig.write_text(sb.kubeconfig.read_text().replace(sb.url, proxy))
        self.cache = workdir / "cache"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: pytest would show every request."""

            def forward(self) -> None:
                data = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                ctype = self.headers.get("Content-Type", "")
                recorder.requests.append((self.command, self.path, ctype, data))
                headers = {
                    k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")
                }
                if PROTOBUF in ctype:
                    data, headers["Content-Type"] = (
                        json.dumps(decode_request(data)).encode(),
                        "application/json",
                    )
                conn = http.client.HTTPConnection("127.0.0.1", recorder.sandbox_port, timeout=60)
                try:
                    conn.request(self.command, self.path, body=data or None, headers=headers)
                    response = conn.getresponse()
                    payload = response.read()
                    self.send_response(response.status)
                    self.send_header("Content-Type", response.getheader("Content-Type") or "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                finally:
                    conn.close()

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = forward  # noqa: N815  # http.server's names

        return Handler

    def kubectl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = [KUBECTL, f"--kubeconfig={self.kubeconfig}", f"--cache-dir={self.cache}", *args]
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
        if check and result.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
        return result

    def protobuf_bodies(self, *args: str, check: bool = True) -> list[tuple[str, str, bytes]]:
        """Run kubectl and return the (method, path, body) of each protobuf request it made."""
        start = len(self.requests)
        self.kubectl(*args, check=check)
        return [(m, p, b) for m, p, ctype, b in self.requests[start:] if PROTOBUF in ctype]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture(scope="module")
def recorder(sandbox: sandbox_pkg.Sandbox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Recorder]:
    if not Path(KUBECTL).exists():
        pytest.fail(f"kubectl is needed for the compatibility tests; install it at {KUBECTL}")
    rec = Recorder(sandbox, tmp_path_factory.mktemp("protobuf"))
    yield rec
    rec.close()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("from-file")
    (folder / "app.conf").write_text("listen 8080\nworkers 4\n")
    (folder / "blob.bin").write_bytes(b"\x00\xff\xfe binary")
    return folder


CREATES = {
    "configmap": [
        "create", "configmap", "settings", "--from-literal=a=b",
        "--from-file={files}/app.conf", "--from-file={files}/blob.bin",
    ],
    "secret": [
        "create", "secret", "generic", "creds", "--from-literal=password=s3cr3t", "--from-literal=empty=",
    ],
    "deployment": ["create", "deployment", "web", "--image=nginx", "--replicas=2", "--port=80"],
    "namespace": ["create", "namespace", "team-a"],
    "job": ["create", "job", "once", "--image=busybox", "--", "echo", "hi"],
    "cronjob": ["create", "cronjob", "nightly", "--image=busybox", "--schedule=*/5 * * * *"],
    "service": ["create", "service", "clusterip", "api", "--tcp=80:8080", "--tcp=443:https"],
    "serviceaccount": ["create", "serviceaccount", "robot"],
    "role": [
        "create", "role", "reader", "--verb=get", "--verb=list",
        "--resource=pods", "--resource=deployments.apps",
    ],
    "rolebinding": [
        "create", "rolebinding", "readers", "--role=reader", "--serviceaccount=default:robot", "--user=jane",
    ],
    "priorityclass": ["create", "priorityclass", "low", "--value=0", "--description=batch work"],
    "pdb": ["create", "pdb", "web", "--selector=app=web", "--min-available=50%"],
    "ingress": ["create", "ingress", "site", "--rule=example.com/api*=api:80", "--class=nginx"],
    "clusterrole": ["create", "clusterrole", "viewer", "--verb=get", "--resource=nodes", "--resource-name=a"],
    "clusterrolebinding": ["create", "clusterrolebinding", "viewers", "--clusterrole=viewer", "--group=ops"],
    "docker-registry": [
        "create", "secret", "docker-registry", "pull", "--docker-server=r.example", "--docker-username=u",
        "--docker-password=p",
    ],
}  # fmt: skip


def _without_null_timestamps(value: Any) -> Any:
    """kubectl prints ``creationTimestamp: null``; the decoder leaves a zero time out, as Go reads both."""
    if isinstance(value, dict):
        return {
            k: _without_null_timestamps(v)
            for k, v in value.items()
            if not (k == "creationTimestamp" and v is None)
        }
    if isinstance(value, list):
        return [_without_null_timestamps(v) for v in value]
    return value


@pytest.mark.kubectl
@pytest.mark.parametrize("name", list(CREATES))
def test_kubectl_create_bodies_decode_to_kubectls_own_json(
    recorder: Recorder, files: Path, name: str
) -> None:
    args = [arg.format(files=files) for arg in CREATES[name]]
    cut = args.index("--") if "--" in args else len(args)  # flags go before a container command
    expected = json.loads(recorder.kubectl(*args[:cut], "--dry-run=client", "-o", "json", *args[cut:]).stdout)
    sent = recorder.protobuf_bodies(*args)
    assert [method for method, _, _ in sent] == ["POST"]
    assert decode_request(sent[0][2]) == _without_null_timestamps(expected)


@pytest.mark.kubectl
def test_kubectl_auth_can_i_sends_a_self_subject_access_review(recorder: Recorder) -> None:
    sent = recorder.protobuf_bodies(
        "auth", "can-i", "delete", "pods", "-n", "team-a", "--subresource=log", check=False
    )
    assert [path for _, path, _ in sent] == ["/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"]
    assert decode_request(sent[0][2]) == {
        "kind": "SelfSubjectAccessReview",
        "apiVersion": "authorization.k8s.io/v1",
        "metadata": {},
        "spec": {
            "resourceAttributes": {
                "namespace": "team-a",
                "verb": "delete",
                "resource": "pods",
                "subresource": "log",
            }
        },
        "status": {"allowed": False},
    }


@pytest.mark.kubectl
def test_kubectl_autoscale_sends_an_autoscaling_v1_hpa(recorder: Recorder) -> None:
    recorder.kubectl("create", "deployment", "scaled", "--image=nginx")
    args = ("autoscale", "deployment", "scaled", "--max=3", "--cpu-percent=50")
    expected = json.loads(recorder.kubectl(*args, "--dry-run=client", "-o", "json").stdout)
    sent = recorder.protobuf_bodies(*args)
    assert [method for method, _, _ in sent] == ["POST"]
    hpa = decode_request(sent[0][2])
    assert hpa == _without_null_timestamps(expected)
    assert hpa["status"] == {"currentReplicas": 0, "desiredReplicas": 0}  # no omitempty on either


@pytest.mark.kubectl
def test_kubectl_auth_can_i_list_sends_a_self_subject_rules_review(recorder: Recorder) -> None:
    sent = recorder.protobuf_bodies("auth", "can-i", "--list", "-n", "team-a", check=False)
    assert [path for _, path, _ in sent] == ["/apis/authorization.k8s.io/v1/selfsubjectrulesreviews"]
    assert decode_request(sent[0][2]) == {
        "kind": "SelfSubjectRulesReview",
        "apiVersion": "authorization.k8s.io/v1",
        "metadata": {},
        "spec": {"namespace": "team-a"},
        "status": {"incomplete": False},
    }


@pytest.mark.kubectl
def test_kubectl_drain_deletes_pods_with_protobuf_delete_options(recorder: Recorder) -> None:
    pods = json.loads(recorder.kubectl("get", "pods", "-A", "-o", "json").stdout)["items"]
    node = next(
        p["spec"]["nodeName"]
        for p in pods
        if p["spec"].get("nodeName")
        and any(o["kind"] == "ReplicaSet" for o in p["metadata"].get("ownerReferences", []))
    )
    drain = (
        "drain",
        node,
        "--ignore-daemonsets",
        "--delete-emptydir-data",
        "--disable-eviction",
        "--timeout=60s",
    )
    sent = recorder.protobuf_bodies(*drain)
    deletes = [decode_request(data) for method, _, data in sent if method == "DELETE"]
    assert deletes
    assert all(options == {"kind": "DeleteOptions", "apiVersion": "v1"} for options in deletes)
