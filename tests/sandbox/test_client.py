"""The official `kubernetes` Python client (v37) against the sandbox, unmodified.

Every served kind goes through the typed APIs (create, get, list, watch, patch, delete), every object
a scenario serves survives the client's strict pydantic deserializer, and the finer API semantics a
client leans on hold: watch resume and bookmarks, 410 for expired versions, logs, the scale and
status subresources, server dry runs, deletion propagation, consistent pagination, selectors and the
DynamicClient's discovery.
"""

from __future__ import annotations

import contextlib
import json
import re
import urllib.request
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client, config, dynamic, watch
from kubernetes.client.exceptions import ApiException

from workbench import sandbox as sandbox_pkg
from workbench.sandbox import Sandbox

pytestmark = pytest.mark.client

NS = "default"
LABELS = {"app": "t"}
SPEC = {"containers": [{"name": "c", "image": "nginx:1.27"}]}
TEMPLATE = {"metadata": {"labels": LABELS}, "spec": SPEC}
SELECTOR = {"matchLabels": LABELS}
TARGET = {"apiVersion": "apps/v1", "kind": "Deployment", "name": "t-deploy"}
RBAC = "rbac.authorization.k8s.io"

# (API class, method suffix, namespaced, body): one object of every built-in kind the sandbox serves.
KINDS: list[tuple[str, str, bool, dict[str, Any]]] = [
    ("CoreV1Api", "namespace", False, {}),
    ("CoreV1Api", "node", False, {}),
    ("CoreV1Api", "pod", True, {"spec": SPEC}),
    ("CoreV1Api", "service", True, {"spec": {"selector": LABELS, "ports": [{"port": 80}]}}),
    (
        "CoreV1Api",
        "endpoints",
        True,
        {"subsets": [{"addresses": [{"ip": "10.0.0.9"}], "ports": [{"port": 80}]}]},
    ),
    (
        "DiscoveryV1Api",
        "endpoint_slice",
        True,
        {"addressType": "IPv4", "endpoints": [{"addresses": ["10.0.0.9"]}], "ports": [{"port": 80}]},
    ),
    ("CoreV1Api", "config_map", True, {"data": {"k": "v"}}),
    ("CoreV1Api", "secret", True, {"data": {"k": "dg=="}}),
    ("CoreV1Api", "service_account", True, {}),
    (
        "CoreV1Api",
        "persistent_volume",
        False,
        {
            "spec": {
                "capacity": {"storage": "1Gi"},
                "accessModes": ["ReadWriteOnce"],
                "hostPath": {"path": "/data/pv"},
            }
        },
    ),
    (
        "CoreV1Api",
        "persistent_volume_claim",
        True,
        {"spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}},
    ),
    ("StorageV1Api", "storage_class", False, {"provisioner": "example.com/none"}),
    (
        "CoreV1Api",
        "event",
        True,
        {
            "involvedObject": {"kind": "Pod", "name": "p", "namespace": NS},
            "reason": "Tested",
            "type": "Normal",
        },
    ),
    (
        "EventsV1Api",
        "event",
        True,
        {
            "eventTime": "2026-01-01T00:00:00.000000Z",
            "reportingController": "tests",
            "reportingInstance": "tests-1",
            "action": "Test",
            "reason": "Tested",
            "regarding": {"kind": "Pod", "name": "p", "namespace": NS},
            "type": "Normal",
        },
    ),
    ("AppsV1Api", "deployment", True, {"spec": {"selector": SELECTOR, "template": TEMPLATE}}),
    ("AppsV1Api", "replica_set", True, {"spec": {"selector": SELECTOR, "template": TEMPLATE}}),
    (
        "AppsV1Api",
        "stateful_set",
        True,
        {"spec": {"serviceName": "t", "selector": SELECTOR, "template": TEMPLATE}},
    ),
    ("AppsV1Api", "daemon_set", True, {"spec": {"selector": SELECTOR, "template": TEMPLATE}}),
    ("BatchV1Api", "job", True, {"spec": {"template": {"spec": {**SPEC, "restartPolicy": "Never"}}}}),
    (
        "BatchV1Api",
        "cron_job",
        True,
        {
            "spec": {
                "schedule": "*/5 * * * *",
                "jobTemplate": {"spec": {"template": {"spec": {**SPEC, "restartPolicy": "OnFailure"}}}},
            }
        },
    ),
    (
        "AutoscalingV1Api",
        "horizontal_pod_autoscaler",
        True,
        {"spec": {"scaleTargetRef": TARGET, "maxReplicas": 3, "targetCPUUtilizationPercentage": 50}},
    ),
    (
        "AutoscalingV2Api",
        "horizontal_pod_autoscaler",
        True,
        {
            "spec": {
                "scaleTargetRef": TARGET,
                "maxReplicas": 3,
                "metrics": [
                    {
                        "type": "Resource",
                        "resource": {
                            "name": "cpu",
                            "target": {"type": "Utilization", "averageUtilization": 60},
                        },
                    }
                ],
            }
        },
    ),
    (
        "NetworkingV1Api",
        "ingress",
        True,
        {"spec": {"defaultBackend": {"service": {"name": "t-svc", "port": {"number": 80}}}}},
    ),
    ("NetworkingV1Api", "ingress_class", False, {"spec": {"controller": "example.com/ingress"}}),
    ("NetworkingV1Api", "network_policy", True, {"spec": {"podSelector": {}, "policyTypes": ["Ingress"]}}),
    ("PolicyV1Api", "pod_disruption_budget", True, {"spec": {"minAvailable": 1, "selector": SELECTOR}}),
    (
        "RbacAuthorizationV1Api",
        "role",
        True,
        {"rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]},
    ),
    (
        "RbacAuthorizationV1Api",
        "role_binding",
        True,
        {
            "roleRef": {"apiGroup": RBAC, "kind": "Role", "name": "t-role"},
            "subjects": [{"kind": "ServiceAccount", "name": "t", "namespace": NS}],
        },
    ),
    (
        "RbacAuthorizationV1Api",
        "cluster_role",
        False,
        {"rules": [{"apiGroups": [""], "resources": ["nodes"], "verbs": ["list"]}]},
    ),
    (
        "RbacAuthorizationV1Api",
        "cluster_role_binding",
        False,
        {
            "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": "t-cr"},
            "subjects": [{"kind": "ServiceAccount", "name": "t", "namespace": NS}],
        },
    ),
    ("CoordinationV1Api", "lease", True, {"spec": {"holderIdentity": "me", "leaseDurationSeconds": 15}}),
    ("SchedulingV1Api", "priority_class", False, {"value": 1000, "description": "tests"}),
]

CRD = {
    "metadata": {"name": "widgets.example.com"},
    "spec": {
        "group": "example.com",
        "scope": "Namespaced",
        "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "shortNames": ["wd"]},
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "schema": {
                    "openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
                },
                "subresources": {"status": {}},
            }
        ],
    },
}


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with sandbox_pkg.start("healthy", manual_clock=True) as running:
        yield running


@pytest.fixture(scope="module")
def api(sb: Sandbox) -> Iterator[client.ApiClient]:
    api_client = config.new_client_from_config(str(sb.kubeconfig))
    yield api_client
    api_client.close()


def core(api: client.ApiClient) -> Any:
    return client.CoreV1Api(api)


def apps(api: client.ApiClient) -> Any:
    return client.AppsV1Api(api)


def status_of(exc: pytest.ExceptionInfo[ApiException]) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(exc.value.body)
    return body


def pod_body(name: str, **meta: Any) -> dict[str, Any]:
    return {"metadata": {"name": name, "labels": LABELS, **meta}, "spec": SPEC}


def first_events(stream: Generator[dict[str, Any], None, None], n: int) -> list[dict[str, Any]]:
    """The first `n` events of a watch stream, closing it after (its connection goes back)."""
    events = []
    with contextlib.closing(stream):
        for event in stream:
            events.append(event)
            if len(events) == n:
                break
    return events


# -- every kind ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", KINDS, ids=[f"{c.removesuffix('Api')}.{s}" for c, s, _, _ in KINDS])
def test_every_kind_through_the_typed_api(
    sb: Sandbox, api: client.ApiClient, kind: tuple[str, str, bool, dict[str, Any]]
) -> None:
    cls, suffix, namespaced, body = kind
    typed = getattr(client, cls)(api)
    name = f"t-{suffix.replace('_', '-')}-{cls.lower()[:6]}"
    args = (NS,) if namespaced else ()
    mid = f"namespaced_{suffix}" if namespaced else suffix
    created = getattr(typed, f"create_{mid}")(*args, {"metadata": {"name": name}, **body})
    assert created.metadata.name == name
    assert created.metadata.uid
    assert int(created.metadata.resource_version) > 0

    got = getattr(typed, f"read_{mid}")(name, *args)
    assert got.metadata.uid == created.metadata.uid
    listed = getattr(typed, f"list_{mid}")(*args)
    assert name in [i.metadata.name for i in listed.items]
    assert int(listed.metadata.resource_version) >= int(created.metadata.resource_version)
    if namespaced:
        everywhere = getattr(typed, f"list_{suffix}_for_all_namespaces")()
        assert (NS, name) in [(i.metadata.namespace, i.metadata.name) for i in everywhere.items]

    stream = watch.Watch().stream(
        getattr(typed, f"list_{mid}"), *args, field_selector=f"metadata.name={name}", timeout_seconds=5
    )
    [event] = first_events(stream, 1)
    assert event["type"] == "ADDED"
    assert event["object"].metadata.uid == created.metadata.uid  # a typed model, not a dict

    patched = getattr(typed, f"patch_{mid}")(name, *args, {"metadata": {"labels": {"patched": "yes"}}})
    assert patched.metadata.labels["patched"] == "yes"
    assert int(patched.metadata.resource_version) > int(created.metadata.resource_version)

    gone = getattr(typed, f"delete_{mid}")(name, *args)
    if isinstance(gone, dict):  # a Status, or a namespace now Terminating (the client types both `object`)
        assert gone.get("status") == "Success" or gone["status"]["phase"] == "Terminating"
    else:  # pods, services, PVs, PVCs, service accounts, storage classes: the deleted object itself
        assert gone.metadata.uid == created.metadata.uid
    sb.advance(5)  # a namespace empties and goes on the next tick
    with pytest.raises(ApiException) as err:
        getattr(typed, f"read_{mid}")(name, *args)
    assert err.value.status == 404
    assert status_of(err)["reason"] == "NotFound"


def test_a_crd_and_its_custom_resources(sb: Sandbox, api: client.ApiClient) -> None:
    ext = client.ApiextensionsV1Api(api)
    crd = ext.create_custom_resource_definition(CRD)
    assert {c.type: c.status for c in crd.status.conditions} == {
        "NamesAccepted": "True",
        "Established": "True",
    }
    custom = client.CustomObjectsApi(api)
    group: tuple[str, str] = ("example.com", "v1")
    widget = {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w1"},
        "spec": {"size": 3},
    }
    created = custom.create_namespaced_custom_object(*group, NS, "widgets", widget)
    assert created["metadata"]["generation"] == 1
    assert custom.get_namespaced_custom_object(*group, NS, "widgets", "w1")["spec"] == {"size": 3}
    assert [w["metadata"]["name"] for w in custom.list_cluster_custom_object(*group, "widgets")["items"]] == [
        "w1"
    ]
    stream = watch.Watch().stream(
        custom.list_namespaced_custom_object, *group, NS, "widgets", timeout_seconds=5
    )
    [event] = first_events(stream, 1)
    assert (event["type"], event["object"]["spec"]) == ("ADDED", {"size": 3})

    patched = custom.patch_namespaced_custom_object(*group, NS, "widgets", "w1", {"spec": {"size": 5}})
    assert (patched["spec"], patched["metadata"]["generation"]) == ({"size": 5}, 2)
    status = custom.patch_namespaced_custom_object_status(
        *group, NS, "widgets", "w1", {"status": {"ready": True}, "spec": {"size": 99}}
    )
    assert (status["status"], status["spec"], status["metadata"]["generation"]) == (
        {"ready": True},
        {"size": 5},
        2,
    )

    gone = custom.delete_namespaced_custom_object(*group, NS, "widgets", "w1")
    assert (gone["status"], gone["details"]["name"]) == ("Success", "w1")
    assert custom.list_namespaced_custom_object(*group, NS, "widgets")["items"] == []
    ext.delete_custom_resource_definition("widgets.example.com")
    with pytest.raises(ApiException) as err:
        custom.list_namespaced_custom_object(*group, NS, "widgets")
    assert err.value.status == 404


def test_events_written_through_either_api_read_through_both(api: client.ApiClient) -> None:
    v1, events = core(api), client.EventsV1Api(api)
    body = {
        "metadata": {"name": "both.1"},
        "eventTime": "2026-01-01T00:00:00.000000Z",
        "reportingController": "tests",
        "reportingInstance": "tests-1",
        "action": "Check",
        "reason": "Checked",
        "regarding": {"kind": "Pod", "name": "p", "namespace": NS},
        "note": "written as events.k8s.io/v1",
        "type": "Normal",
    }
    events.create_namespaced_event(NS, body)
    core_view = v1.read_namespaced_event("both.1", NS)
    assert (core_view.involved_object.name, core_view.message) == ("p", "written as events.k8s.io/v1")
    assert core_view.reporting_component == "tests"
    new_view = events.read_namespaced_event("both.1", NS)
    assert (new_view.regarding.name, new_view.note) == ("p", "written as events.k8s.io/v1")
    assert "both.1" in [e.metadata.name for e in v1.list_namespaced_event(NS).items]
    events.delete_namespaced_event("both.1", NS)


# -- the deserializer accepts everything served --------------------------------------------------------------
def model_name(group: str, version: str, kind: str) -> str | None:
    """The v37 model class for a served kind and version (None when the client has none)."""
    if kind == "Event":
        return "CoreV1Event" if not group else "EventsV1Event"
    name = version[0].upper() + version[1:] + kind
    return name if hasattr(client.models, name) else None


def roundtrip_all(sb: Sandbox) -> dict[str, int]:
    deserializer = client.ApiClient()
    counts: dict[str, int] = {}
    registry = sb.api.registry
    for rtype in registry.all():
        if registry.is_virtual(rtype) or "list" not in rtype.verbs:
            continue
        for version in rtype.versions:
            base = f"/apis/{rtype.group}/{version}" if rtype.group else f"/api/{version}"
            with urllib.request.urlopen(f"{sb.url}{base}/{rtype.plural}") as resp:  # noqa: S310  # loopback
                assert resp.headers["Content-Type"] == "application/json"
                text = resp.read().decode()
            doc = json.loads(text)
            assert doc["kind"] == f"{rtype.kind}List"
            assert doc["items"] is not None
            model = model_name(rtype.group, version, rtype.kind)
            if model is None:  # batch/v1beta1, autoscaling/v2beta2: served for old kubectl only
                continue
            typed_list = deserializer.deserialize(text, f"{model}List", "application/json")
            assert len(typed_list.items) == len(doc["items"])
            for item in doc["items"]:
                obj = deserializer.deserialize(json.dumps(item), model, "application/json")
                assert obj.metadata.name == item["metadata"]["name"]
            counts[f"{rtype.key}/{version}"] = len(doc["items"])
    deserializer.close()
    return counts


def test_every_healthy_object_deserializes(sb: Sandbox) -> None:
    counts = roundtrip_all(sb)
    assert counts["pods/v1"] >= 12
    assert counts["nodes/v1"] == 3
    assert counts["events.events.k8s.io/v1"] == counts["events/v1"] > 0


def test_every_synthetic_object_deserializes() -> None:
    with sandbox_pkg.start("healthy", manual_clock=True, synthetic="pods=200") as big:
        counts = roundtrip_all(big)
    assert counts["pods/v1"] >= 200
    assert counts["replicasets.apps/v1"] > 0


# -- watches -------------------------------------------------------------------------------------------------
def test_watch_resumes_from_a_version_in_order(api: client.ApiClient) -> None:
    v1 = core(api)
    start = v1.list_namespaced_config_map(NS).metadata.resource_version
    v1.create_namespaced_config_map(NS, {"metadata": {"name": "w-cm"}, "data": {"a": "1"}})
    v1.patch_namespaced_config_map("w-cm", NS, {"data": {"a": "2"}})
    v1.delete_namespaced_config_map("w-cm", NS)
    w = watch.Watch()
    events = first_events(
        w.stream(v1.list_namespaced_config_map, NS, resource_version=start, timeout_seconds=5), 3
    )
    assert [(e["type"], e["object"].data) for e in events] == [
        ("ADDED", {"a": "1"}),
        ("MODIFIED", {"a": "2"}),
        ("DELETED", {"a": "2"}),
    ]
    versions = [int(e["object"].metadata.resource_version) for e in events]
    assert versions == sorted(versions)
    assert versions[0] > int(start)
    assert w.resource_version == str(versions[-1])


def test_watch_bookmarks_carry_the_current_version(api: client.ApiClient) -> None:
    v1 = core(api)
    current = v1.list_namespace().metadata.resource_version
    w = watch.Watch()
    events = list(
        w.stream(v1.list_namespace, resource_version=current, allow_watch_bookmarks=True, timeout_seconds=3)
    )
    bookmarks = [e for e in events if e["type"] == "BOOKMARK"]
    assert bookmarks, "the apiserver sends a bookmark shortly before a watch times out"
    mark = bookmarks[-1]["object"]
    assert isinstance(mark, dict)  # the client passes bookmarks through undecoded
    assert mark["kind"] == "Namespace"
    assert int(mark["metadata"]["resourceVersion"]) >= int(current)
    assert w.resource_version == mark["metadata"]["resourceVersion"]


def test_watch_from_an_expired_version_raises_410(api: client.ApiClient) -> None:
    v1 = core(api)
    with pytest.raises(ApiException) as err:
        list(watch.Watch().stream(v1.list_namespaced_pod, NS, resource_version="1", timeout_seconds=5))
    assert err.value.status == 410
    assert re.match(r"Expired: too old resource version: 1 \(\d+\)", err.value.reason)


# -- logs ----------------------------------------------------------------------------------------------------
def test_pod_logs_tail_timestamps_and_previous(sb: Sandbox, api: client.ApiClient) -> None:
    v1 = core(api)
    proxy = next(
        p for p in v1.list_namespaced_pod("kube-system").items if p.metadata.name.startswith("kube-proxy")
    )
    name = proxy.metadata.name
    full = v1.read_namespaced_pod_log(name, "kube-system")
    lines = full.splitlines()
    assert len(lines) > 3
    assert v1.read_namespaced_pod_log(name, "kube-system", tail_lines=2) == "\n".join(lines[-2:]) + "\n"
    stamped = v1.read_namespaced_pod_log(name, "kube-system", tail_lines=2, timestamps=True).splitlines()
    for line, plain in zip(stamped, lines[-2:], strict=True):
        stamp, _, rest = line.partition(" ")
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z", stamp)
        assert rest == plain
    with pytest.raises(ApiException) as err:
        v1.read_namespaced_pod_log(name, "kube-system", previous=True)
    assert err.value.status == 400
    assert status_of(err)["message"] == (
        f'previous terminated container "kube-proxy" in pod "{name}" not found'
    )

    # A container that restarted: its previous run's lines are served with previous=True.
    restarted = v1.read_namespaced_pod(name, "kube-system")
    cs = restarted.status.container_statuses[0]
    last = {
        "terminated": {
            "exitCode": 1,
            "reason": "Error",
            "startedAt": "2026-01-01T00:00:00Z",
            "finishedAt": "2026-01-01T00:01:00Z",
        }
    }
    v1.patch_namespaced_pod_status(
        name,
        "kube-system",
        {
            "status": {
                "containerStatuses": [
                    {**api.sanitize_for_serialization(cs), "lastState": last, "restartCount": 1}
                ]
            }
        },
    )
    now = sb.clock.now()
    sb.logs.seed(
        ("kube-system", name, "kube-proxy"),
        current=["up again"],
        previous=["boom", "exit 1"],
        current_start=now,
        previous_start=now,
    )
    assert v1.read_namespaced_pod_log(name, "kube-system", previous=True) == "boom\nexit 1\n"
    assert v1.read_namespaced_pod_log(name, "kube-system", previous=True, tail_lines=1) == "exit 1\n"
    assert v1.read_namespaced_pod_log(name, "kube-system") == "up again\n"


# -- scale and status subresources ---------------------------------------------------------------------------
def recording(api: client.ApiClient) -> list[tuple[str, str, str]]:
    """Record (method, url, Content-Type) of every request the client sends from now on."""
    sent: list[tuple[str, str, str]] = []
    pool = api.rest_client.pool_manager
    real = pool.request

    def request(method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        sent.append((method, url, (kwargs.get("headers") or {}).get("Content-Type", "")))
        return real(method, url, *args, **kwargs)

    pool.request = request
    return sent


def make_deployment(api: client.ApiClient, name: str, replicas: int = 1) -> Any:
    body = {
        "metadata": {"name": name},
        "spec": {"replicas": replicas, "selector": SELECTOR, "template": TEMPLATE},
    }
    return apps(api).create_namespaced_deployment(NS, body)


def test_scale_subresource(sb: Sandbox) -> None:
    with config.new_client_from_config(str(sb.kubeconfig)) as own:
        a = apps(own)
        make_deployment(own, "scaled")
        scale = a.read_namespaced_deployment_scale("scaled", NS)
        assert (scale.kind, scale.spec.replicas, scale.status.selector) == ("Scale", 1, "app=t")
        sent = recording(own)
        patched = a.patch_namespaced_deployment_scale("scaled", NS, {"spec": {"replicas": 3}})
        assert patched.spec.replicas == 3
        assert sent[-1][0] == "PATCH"
        assert sent[-1][1].endswith("/deployments/scaled/scale")
        assert sent[-1][2] == "application/strategic-merge-patch+json"
        deployment = a.read_namespaced_deployment("scaled", NS)
        assert (deployment.spec.replicas, deployment.metadata.generation) == (3, 2)
        replaced = a.replace_namespaced_deployment_scale(
            "scaled", NS, {"metadata": {"name": "scaled"}, "spec": {"replicas": 0}}
        )
        assert replaced.spec.replicas == 0
        with pytest.raises(ApiException) as err:
            a.patch_namespaced_deployment_scale("scaled", NS, {"spec": {"replicas": -1}})
        assert (err.value.status, status_of(err)["reason"]) == (422, "Invalid")
        assert a.read_namespaced_deployment("scaled", NS).spec.replicas == 0


def test_status_subresource_and_generation(api: client.ApiClient) -> None:
    a = apps(api)
    created = make_deployment(api, "gen")
    assert created.metadata.generation == 1
    after_status = a.patch_namespaced_deployment_status(
        "gen",
        NS,
        {"status": {"replicas": 1, "readyReplicas": 1, "observedGeneration": 1}, "spec": {"replicas": 7}},
    )
    assert (after_status.status.ready_replicas, after_status.status.observed_generation) == (1, 1)
    assert after_status.spec.replicas == 1  # the status subresource ignores spec
    assert after_status.metadata.generation == 1  # and a status change does not bump generation
    after_spec = a.patch_namespaced_deployment(
        "gen", NS, {"spec": {"replicas": 2}, "status": {"readyReplicas": 9}}
    )
    assert after_spec.spec.replicas == 2
    assert after_spec.metadata.generation == 2  # a spec change does
    assert after_spec.status.ready_replicas == 1  # the main resource ignores status
    relabelled = a.patch_namespaced_deployment("gen", NS, {"metadata": {"labels": {"x": "y"}}})
    assert relabelled.metadata.generation == 2  # metadata is not spec


# -- dry runs ------------------------------------------------------------------------------------------------
def test_dry_run_changes_nothing(sb: Sandbox, api: client.ApiClient) -> None:
    v1 = core(api)
    v1.create_namespaced_config_map(NS, {"metadata": {"name": "dry"}, "data": {"a": "1"}})
    before = sb.api.store.resource_version
    made = v1.create_namespaced_config_map(NS, {"metadata": {"name": "dry-new"}}, dry_run="All")
    assert made.metadata.name == "dry-new"
    assert made.metadata.uid
    patched = v1.patch_namespaced_config_map("dry", NS, {"data": {"a": "2"}}, dry_run="All")
    assert patched.data == {"a": "2"}
    v1.delete_namespaced_config_map("dry", NS, dry_run="All")
    pod = v1.create_namespaced_pod(NS, pod_body("dry-pod"), dry_run="All")
    assert pod.spec.containers[0].termination_message_path == "/dev/termination-log"  # defaulted
    assert sb.api.store.resource_version == before
    assert v1.read_namespaced_config_map("dry", NS).data == {"a": "1"}
    for read, name in ((v1.read_namespaced_config_map, "dry-new"), (v1.read_namespaced_pod, "dry-pod")):
        with pytest.raises(ApiException) as err:
            read(name, NS)
        assert err.value.status == 404
    with pytest.raises(ApiException) as err:
        v1.create_namespaced_config_map(NS, {"metadata": {"name": "x"}}, dry_run="Some")
    assert err.value.status == 400


# -- deletion propagation ------------------------------------------------------------------------------------
# These tests build the Deployment → ReplicaSet → Pod tree by hand to test the API's garbage collection
# alone, so they run on a sandbox without controllers (which would add a ReplicaSet and pods of their own).
@pytest.fixture(scope="module")
def bare_sb() -> Iterator[Sandbox]:
    with sandbox_pkg.start("healthy", manual_clock=True, control_plane=False) as running:
        yield running


@pytest.fixture(scope="module")
def bare_api(bare_sb: Sandbox) -> Iterator[client.ApiClient]:
    api_client = config.new_client_from_config(str(bare_sb.kubeconfig))
    yield api_client
    api_client.close()


def owner_ref(obj: Any) -> dict[str, Any]:
    return {
        "apiVersion": obj.api_version,
        "kind": obj.kind,
        "name": obj.metadata.name,
        "uid": obj.metadata.uid,
        "controller": True,
        "blockOwnerDeletion": True,
    }


def family(api: client.ApiClient, name: str, *, on_node: bool = False) -> tuple[Any, Any, list[str]]:
    """A Deployment owning a ReplicaSet owning two Pods, made by hand (on the controller-less sandbox)."""
    deployment = make_deployment(api, name, replicas=2)
    rs_body = {
        "metadata": {"name": f"{name}-rs", "labels": LABELS, "ownerReferences": [owner_ref(deployment)]},
        "spec": {"replicas": 2, "selector": SELECTOR, "template": TEMPLATE},
    }
    rs = apps(api).create_namespaced_replica_set(NS, rs_body)
    pods = []
    for i in range(2):
        body = pod_body(f"{name}-rs-{i}", ownerReferences=[owner_ref(rs)])
        if on_node:
            body["spec"] = {**SPEC, "nodeName": "kind-worker"}
        pods.append(core(api).create_namespaced_pod(NS, body).metadata.name)
    return deployment, rs, pods


def exists(read: Any, name: str) -> bool:
    try:
        read(name, NS)
    except ApiException as exc:
        if exc.status == 404:
            return False
        raise
    return True


def test_background_deletion_collects_dependents(bare_sb: Sandbox, bare_api: client.ApiClient) -> None:
    a, v1 = apps(bare_api), core(bare_api)
    _, rs, pods = family(bare_api, "bg")
    a.delete_namespaced_deployment("bg", NS, propagation_policy="Background")
    assert not exists(a.read_namespaced_deployment, "bg")
    assert exists(a.read_namespaced_replica_set, rs.metadata.name)  # the collector has not run yet
    bare_sb.advance(0)
    assert not exists(a.read_namespaced_replica_set, rs.metadata.name)
    assert not any(exists(v1.read_namespaced_pod, p) for p in pods)


@pytest.mark.parametrize("on_node", [False, True], ids=["unscheduled", "graceful-pods"])
def test_foreground_deletion_waits_for_dependents(
    bare_sb: Sandbox, bare_api: client.ApiClient, on_node: bool
) -> None:
    a, v1 = apps(bare_api), core(bare_api)
    name = f"fg-{int(on_node)}"
    _, rs, pods = family(bare_api, name, on_node=on_node)
    pending = a.delete_namespaced_deployment(name, NS, propagation_policy="Foreground")
    assert pending["metadata"]["deletionTimestamp"]
    assert pending["metadata"]["finalizers"] == ["foregroundDeletion"]
    assert a.read_namespaced_deployment(name, NS).metadata.deletion_timestamp is not None
    bare_sb.advance(0)  # the collector runs: unscheduled pods go at once, pods on a node start stopping
    if on_node:  # the whole tree waits, bottom up, for the pods' containers to stop
        assert all(v1.read_namespaced_pod(p, NS).metadata.deletion_timestamp for p in pods)
        waiting = a.read_namespaced_replica_set(rs.metadata.name, NS).metadata
        assert (waiting.deletion_timestamp is not None, waiting.finalizers) == (True, ["foregroundDeletion"])
        assert exists(a.read_namespaced_deployment, name)
        bare_sb.advance(5)
    assert not any(exists(v1.read_namespaced_pod, p) for p in pods)
    assert not exists(a.read_namespaced_replica_set, rs.metadata.name)
    assert not exists(a.read_namespaced_deployment, name)


def test_orphan_deletion_keeps_dependents(bare_sb: Sandbox, bare_api: client.ApiClient) -> None:
    a, v1 = apps(bare_api), core(bare_api)
    _, rs, pods = family(bare_api, "orphan")
    a.delete_namespaced_deployment("orphan", NS, propagation_policy="Orphan")
    bare_sb.advance(5)
    assert not exists(a.read_namespaced_deployment, "orphan")
    kept = a.read_namespaced_replica_set(rs.metadata.name, NS)
    assert kept.metadata.owner_references is None
    for p in pods:
        assert v1.read_namespaced_pod(p, NS).metadata.owner_references[0].uid == rs.metadata.uid
    a.delete_namespaced_replica_set(rs.metadata.name, NS)  # now Background by default
    bare_sb.advance(0)
    assert not any(exists(v1.read_namespaced_pod, p) for p in pods)


def test_removing_the_last_finalizer_completes_a_deletion(
    bare_sb: Sandbox, bare_api: client.ApiClient
) -> None:
    a, v1 = apps(bare_api), core(bare_api)
    _, rs, pods = family(bare_api, "held")
    a.patch_namespaced_deployment("held", NS, {"metadata": {"finalizers": ["example.com/hold"]}})
    a.delete_namespaced_deployment("held", NS)
    bare_sb.advance(5)
    held = a.read_namespaced_deployment("held", NS).metadata
    assert (held.deletion_timestamp is not None, held.finalizers) == (True, ["example.com/hold"])
    assert exists(a.read_namespaced_replica_set, rs.metadata.name)
    a.patch_namespaced_deployment("held", NS, {"metadata": {"finalizers": None}})  # kubectl patch ... null
    assert not exists(a.read_namespaced_deployment, "held")
    bare_sb.advance(0)  # the garbage collector takes the dependents
    assert not exists(a.read_namespaced_replica_set, rs.metadata.name)
    assert not any(exists(v1.read_namespaced_pod, p) for p in pods)


# -- pagination and selectors --------------------------------------------------------------------------------
def test_pagination_is_complete_and_consistent(sb: Sandbox, api: client.ApiClient) -> None:
    v1 = core(api)
    for i in range(5):
        v1.create_namespaced_config_map(NS, {"metadata": {"name": f"page-{i}"}})
    full = [(c.metadata.namespace, c.metadata.name) for c in v1.list_config_map_for_all_namespaces().items]
    seen: list[tuple[str, str]] = []
    token = ""
    pages = 0
    while True:
        page = v1.list_config_map_for_all_namespaces(limit=3, _continue=token or None)
        seen += [(c.metadata.namespace, c.metadata.name) for c in page.items]
        pages += 1
        if pages == 1:  # a write between pages must not show in later pages
            v1.delete_namespaced_config_map("page-4", NS)
            v1.create_namespaced_config_map(NS, {"metadata": {"name": "page-9"}})
            v1.create_namespaced_config_map("kube-system", {"metadata": {"name": "zz-late"}})
        token = page.metadata._continue
        if not token:
            assert page.metadata.remaining_item_count is None
            break
        assert len(page.items) == 3
    assert seen == full
    assert pages == -(-len(full) // 3)
    now = [(c.metadata.namespace, c.metadata.name) for c in v1.list_config_map_for_all_namespaces().items]
    assert (NS, "page-9") in now
    assert (NS, "page-4") not in now


def test_label_and_field_selectors(api: client.ApiClient) -> None:
    v1 = core(api)
    all_pods = v1.list_pod_for_all_namespaces().items
    on_worker = v1.list_pod_for_all_namespaces(field_selector="spec.nodeName=kind-worker").items
    assert on_worker
    assert {p.metadata.name for p in on_worker} == {
        p.metadata.name for p in all_pods if p.spec.node_name == "kind-worker"
    }
    v1.create_namespaced_pod(NS, pod_body("sel-pending"))  # unscheduled: Pending
    not_running = v1.list_pod_for_all_namespaces(field_selector="status.phase!=Running").items
    assert [p.metadata.name for p in not_running] == ["sel-pending"]
    dns = v1.list_namespaced_pod("kube-system", label_selector="k8s-app=kube-dns").items
    assert len(dns) == 2
    assert all(p.metadata.labels["k8s-app"] == "kube-dns" for p in dns)
    both = v1.list_namespaced_pod("kube-system", label_selector="k8s-app in (kube-dns,kube-proxy),!absent")
    assert len(both.items) == 2 + 3
    node_events = v1.list_namespaced_event(NS, field_selector="involvedObject.name=kind-worker").items
    assert node_events
    assert {e.involved_object.name for e in node_events} == {"kind-worker"}
    regarding = client.EventsV1Api(api).list_namespaced_event(NS, field_selector="regarding.name=kind-worker")
    assert {e.metadata.name for e in regarding.items} == {e.metadata.name for e in node_events}
    with pytest.raises(ApiException) as err:
        v1.list_pod_for_all_namespaces(field_selector="spec.bogus=1")
    assert (err.value.status, status_of(err)["message"]) == (400, "field label not supported: spec.bogus")


# -- the dynamic client --------------------------------------------------------------------------------------
def test_dynamic_client_discovers_and_lists(api: client.ApiClient, tmp_path: Path) -> None:
    dyn = dynamic.DynamicClient(api, cache_file=str(tmp_path / "discovery.json"))
    deployments = dyn.resources.get(api_version="apps/v1", kind="Deployment")
    assert (deployments.namespaced, deployments.name) == (True, "deployments")
    coredns = deployments.get(name="coredns", namespace="kube-system")
    assert coredns.spec.replicas == 2
    nodes = dyn.resources.get(api_version="v1", kind="Node").get()
    assert sorted(n.metadata.name for n in nodes.items) == [
        "kind-control-plane",
        "kind-worker",
        "kind-worker2",
    ]
    hpa = dyn.resources.get(api_version="autoscaling/v2", kind="HorizontalPodAutoscaler")
    assert hpa.get(namespace=NS).items == []
    kinds = {r.kind for r in dyn.resources.search(group="apps")}
    assert {"Deployment", "ReplicaSet", "StatefulSet", "DaemonSet"} <= kinds
    scale = dyn.resources.get(api_version="apps/v1", kind="Deployment").subresources["scale"]
    assert scale.get(name="coredns", namespace="kube-system").spec.replicas == 2
    events = dyn.resources.get(api_version="events.k8s.io/v1", kind="Event").get(namespace=NS)
    assert events.items
