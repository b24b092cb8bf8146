"""What the scenario loader fills in the way the server and its controllers would: create-time
defaulting, event names, DaemonSet/StatefulSet ControllerRevisions and aggregated ClusterRoles.
The last tests run the real kubectl against the healthy scenario to see the effect."""

from __future__ import annotations

import copy
import ipaddress
import json
import subprocess
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from workbench.errors import ScenarioError
from workbench.sandbox._admission import AdmissionContext, apply_defaults
from workbench.sandbox._scenarios import load_scenario, load_snapshot

NOW = datetime(2026, 11, 28, 15, 44, 56, tzinfo=UTC)
FIXTURES = Path(__file__).parent / "fixtures"
Objects = tuple[dict[str, Any], ...]
Kubectl = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def healthy() -> Objects:
    return load_scenario("healthy", now=NOW).objects


def named(objects: Objects, kind: str, name: str) -> dict[str, Any]:
    return next(o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name)


def of_kind(objects: Objects, kind: str) -> list[dict[str, Any]]:
    return [o for o in objects if o["kind"] == kind]


def when(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def load(tmp_path: Path, manifest: str, *, name: str = "demo") -> Objects:
    """A one-file scenario with a ``shop`` namespace, loaded at NOW."""
    directory = tmp_path / name
    directory.mkdir()
    (directory / "scenario.yaml").write_text(f"name: {name}\ndescription: A test scenario.\nage: 3d\n")
    (directory / "00-namespace.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n")
    (directory / "app.yaml").write_text(manifest)
    return load_scenario(directory, now=NOW).objects


def refusing_context(old: dict[str, Any] | None = None) -> AdmissionContext:
    def never() -> Any:
        raise AssertionError("nothing in the healthy scenario needs an allocation")

    return AdmissionContext(NOW, never, never, lambda n: "x" * n, old=old)


# -- defaulting --------------------------------------------------------------------------------------
def test_healthy_objects_are_what_the_server_would_store(healthy: Objects) -> None:
    # Defaulting again changes nothing: the loaded objects already hold every server default.
    for obj in healthy:
        mirror = "kubernetes.io/config.mirror" in (obj["metadata"].get("annotations") or {})
        again = apply_defaults(obj["kind"], obj, refusing_context(old=obj if mirror else None))
        assert again == obj, f"{obj['kind']} {obj['metadata']['name']}"


def test_pod_templates_mirror_the_service_account(healthy: Objects) -> None:
    for kind in ("Deployment", "ReplicaSet", "DaemonSet"):
        for obj in of_kind(healthy, kind):
            template = obj["spec"]["template"]
            assert template["spec"]["serviceAccount"] == template["spec"]["serviceAccountName"]
            assert template["metadata"]["creationTimestamp"] is None
    # kubectl's rollout undo compares these two, ignoring only the hash label
    deployment = named(healthy, "Deployment", "coredns")["spec"]["template"]
    current = copy.deepcopy(named(healthy, "ReplicaSet", "coredns-6f6b679f8f")["spec"]["template"])
    del current["metadata"]["labels"]["pod-template-hash"]
    assert current == deployment


def test_mirror_pods_get_no_service_account(healthy: Objects) -> None:
    etcd = named(healthy, "Pod", "etcd-kind-control-plane")
    assert "serviceAccountName" not in etcd["spec"]
    assert etcd["spec"]["priority"] == 2000001000


SHORT_POD = """\
apiVersion: v1
kind: Pod
metadata: {name: solo, namespace: shop}
spec: {containers: [{name: app, image: "shop/app:1.0"}]}
"""


def test_a_short_pod_is_admitted_as_on_create(tmp_path: Path) -> None:
    pod = named(load(tmp_path, SHORT_POD), "Pod", "solo")
    spec = pod["spec"]
    assert (spec["serviceAccountName"], spec["serviceAccount"], spec["priority"]) == ("default", "default", 0)
    token = spec["volumes"][0]["name"]
    assert token.startswith("kube-api-access-")
    assert len(token) == len("kube-api-access-") + 5
    assert spec["containers"][0]["volumeMounts"][0]["name"] == token
    assert [t["key"] for t in spec["tolerations"]] == [
        "node.kubernetes.io/not-ready",
        "node.kubernetes.io/unreachable",
    ]
    assert pod["status"] == {"phase": "Pending", "qosClass": "BestEffort"}
    assert pod["metadata"]["managedFields"][0]["fieldsV1"]["f:spec"]["f:dnsPolicy"] == {}
    again = named(load_scenario(tmp_path / "demo", now=NOW).objects, "Pod", "solo")
    assert again["spec"]["volumes"][0]["name"] == token  # the same name every load


def test_services_get_cluster_ips_and_node_ports_the_scenario_does_not_use(tmp_path: Path) -> None:
    services = load(
        tmp_path,
        """\
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {type: NodePort, selector: {app: web}, ports: [{port: 80}, {port: 443, nodePort: 32766}]}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop}
spec: {selector: {app: api}, ports: [{port: 8080}]}
""",
    )
    web, api = named(services, "Service", "web"), named(services, "Service", "api")
    assert [p["nodePort"] for p in web["spec"]["ports"]] == [32767, 32766]
    assert web["spec"]["ports"][0]["targetPort"] == 80
    for service in (web, api):
        ip = service["spec"]["clusterIP"]
        assert ipaddress.ip_address(ip) in ipaddress.ip_network("10.96.128.0/17")
        assert service["spec"]["clusterIPs"] == [ip]
        assert service["spec"]["ipFamilies"] == ["IPv4"]
    assert web["spec"]["clusterIP"] != api["spec"]["clusterIP"]


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api, namespace: shop}\n"
            "spec: {replicas: '3', selector: {matchLabels: {a: b}}, template: {metadata: {labels: {a: b}}, "
            "spec: {containers: [{name: c, image: i}]}}}\n",
            r"document 1 \(Deployment shop/api\): the API server would refuse it: .*cannot unmarshal string "
            r"into Go struct field DeploymentSpec.spec.replicas of type int32",
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\n"
            "spec: {priority: 5, containers: [{name: c, image: i}]}\n",
            r"the integer value of priority \(5\) must not be provided",
        ),
    ],
)
def test_objects_the_server_would_refuse(tmp_path: Path, manifest: str, message: str) -> None:
    with pytest.raises(ScenarioError, match=message) as info:
        load(tmp_path, manifest)
    assert info.value.source.endswith("app.yaml")


def test_custom_resources_and_recordings_are_kept_as_written(tmp_path: Path) -> None:
    widget = "apiVersion: example.com/v1\nkind: Pod\nmetadata: {name: w, namespace: shop}\nspec: {size: 3}\n"
    assert named(load(tmp_path, widget), "Pod", "w")["spec"] == {"size": 3}
    recorded = json.loads((FIXTURES / "kubectl-get-all.json").read_text())
    pod = next(i for i in recorded["items"] if i["kind"] == "Pod")
    loaded = named(
        load_snapshot(FIXTURES / "kubectl-get-all.json", now=NOW).objects, "Pod", pod["metadata"]["name"]
    )
    assert loaded["spec"] == pod["spec"]


# -- event names and times -----------------------------------------------------------------------------
def test_event_names_carry_their_creation_time(healthy: Objects) -> None:
    by_object: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for event in of_kind(healthy, "Event"):
        involved, _, stamp = event["metadata"]["name"].rpartition(".")
        assert involved == event["involvedObject"]["name"]
        assert len(stamp) == 16
        nanos = int(stamp, 16)
        created = when(event["eventTime"] or event["firstTimestamp"])
        assert nanos // 10**9 == int(created.timestamp())
        if event["eventTime"]:  # a recorder names the event just after stamping its eventTime
            assert 0 <= nanos - int(created.timestamp()) * 10**9 - created.microsecond * 1000 < 10**6
        by_object[(event["metadata"]["namespace"], involved)].append(event)
    pod_events = by_object[("kube-system", "coredns-6f6b679f8f-4qv8n")]
    in_name_order = sorted(pod_events, key=lambda e: str(e["metadata"]["name"]))
    assert [e["reason"] for e in in_name_order] == ["Scheduled", "Pulled", "Created", "Started"]
    for events in by_object.values():
        names = [e["metadata"]["name"] for e in events]
        assert len(set(names)) == len(names)
        stamps = [e["firstTimestamp"] for e in sorted(events, key=lambda e: str(e["metadata"]["name"]))]
        assert stamps == sorted(stamps)


def test_explicit_event_names_are_kept_and_same_second_events_stay_in_file_order(tmp_path: Path) -> None:
    events = "".join(
        f"---\napiVersion: v1\nkind: Event\nmetadata: {{namespace: shop{name}}}\n"
        f"involvedObject: {{kind: Pod, name: solo}}\nreason: {reason}\nmessage: m\n"
        "source: {component: kubelet, host: n1}\nfirstTimestamp: now-5s\n"
        for reason, name in [
            ("Pulled", ""),
            ("Created", ""),
            ("Started", ""),
            ("Killing", ", name: solo.custom"),
        ]
    )
    loaded = of_kind(load(tmp_path, SHORT_POD + events), "Event")
    names = {e["reason"]: e["metadata"]["name"] for e in loaded}
    assert names["Killing"] == "solo.custom"
    assert names["Pulled"] < names["Created"] < names["Started"]
    assert {int(names[r].rpartition(".")[2], 16) // 10**9 for r in ("Pulled", "Started")} == {
        int((NOW - timedelta(seconds=5)).timestamp())
    }


def test_healthy_events_agree_with_the_objects_they_describe(healthy: Objects) -> None:
    created = NOW - timedelta(minutes=42)
    pods = {p["metadata"]["name"]: p for p in of_kind(healthy, "Pod")}
    for event in of_kind(healthy, "Event"):
        first, last = when(event["firstTimestamp"]), when(event["lastTimestamp"])
        assert created <= first <= last <= NOW, event["metadata"]["name"]
        assert event["metadata"]["creationTimestamp"] == event["firstTimestamp"]
        involved = event["involvedObject"]
        if involved["kind"] == "Pod":
            pod = pods[involved["name"]]
            assert first >= when(pod["metadata"]["creationTimestamp"])
            if event["reason"] == "Started":
                status = pod["status"]["containerStatuses"][0]
                assert event["firstTimestamp"] == status["state"]["running"]["startedAt"]
            if event["reason"] == "Scheduled":
                scheduled = next(c for c in pod["status"]["conditions"] if c["type"] == "PodScheduled")
                assert event["firstTimestamp"] == scheduled["lastTransitionTime"]
        if event["reason"] == "SuccessfulCreate" and involved["kind"] == "DaemonSet":
            pod = pods[event["message"].removeprefix("Created pod: ")]
            assert event["firstTimestamp"] == pod["metadata"]["creationTimestamp"]
    scale_downs = sorted(
        e["firstTimestamp"] for e in of_kind(healthy, "Event") if e["message"].startswith("Scaled down")
    )
    deletes = sorted(
        e["firstTimestamp"] for e in of_kind(healthy, "Event") if e["reason"] == "SuccessfulDelete"
    )
    assert deletes == scale_downs  # the ReplicaSet deletes a pod the moment it is scaled down


# -- controller revisions ------------------------------------------------------------------------------
def test_daemon_set_revisions_hold_the_template_patch(healthy: Objects) -> None:
    for name, revision_name in (("kube-proxy", "kube-proxy-7bb84c4984"), ("kindnet", "kindnet-5c8d4f7b96")):
        daemon_set = named(healthy, "DaemonSet", name)
        revision = named(healthy, "ControllerRevision", revision_name)
        template = daemon_set["spec"]["template"]
        assert revision["metadata"]["labels"] == {
            **template["metadata"]["labels"],
            "controller-revision-hash": revision_name.rpartition("-")[2],
        }
        assert revision["metadata"]["annotations"] == daemon_set["metadata"]["annotations"]
        owner = revision["metadata"]["ownerReferences"][0]
        assert (owner["kind"], owner["uid"]) == ("DaemonSet", daemon_set["metadata"]["uid"])
        assert revision["revision"] == 1
        patch = revision["data"]["spec"]["template"]
        assert patch == {**template, "$patch": "replace"}
        assert list(patch) == sorted(patch)  # marshalled from a Go map: keys sorted
        assert list(revision)[-2:] == ["data", "revision"]
        assert revision["metadata"]["managedFields"][0]["fieldsV1"]["f:data"] == {}
        pods = [p for p in of_kind(healthy, "Pod") if p["metadata"]["name"].startswith(f"{name}-")]
        assert {p["metadata"]["labels"]["controller-revision-hash"] for p in pods} == {
            revision["metadata"]["labels"]["controller-revision-hash"]
        }


STATEFUL_SET = """\
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  serviceName: db
  selector: {matchLabels: {app: db}}
  template: {metadata: {labels: {app: db}}, spec: {containers: [{name: db, image: "postgres:16"}]}}
---
apiVersion: apps/v1
kind: ControllerRevision
metadata:
  name: db-5d8f7c9b6
  namespace: shop
  ownerReferences: [{apiVersion: apps/v1, kind: StatefulSet, name: db, controller: true}]
revision: 2
"""


def test_stateful_set_revisions_use_the_history_hash_label(tmp_path: Path) -> None:
    objects = load(tmp_path, STATEFUL_SET)
    revision = named(objects, "ControllerRevision", "db-5d8f7c9b6")
    assert revision["metadata"]["labels"] == {"app": "db", "controller.kubernetes.io/hash": "5d8f7c9b6"}
    assert revision["revision"] == 2
    template = named(objects, "StatefulSet", "db")["spec"]["template"]
    assert template["spec"]["containers"][0]["imagePullPolicy"] == "IfNotPresent"  # defaulted first
    assert revision["data"] == {"spec": {"template": {**template, "$patch": "replace"}}}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("name: db-5d8f7c9b6", "name: other-5d8f7c9b6"), r"is named db-<hash>"),
        (
            (
                "  ownerReferences: [{apiVersion: apps/v1, kind: StatefulSet, name: db, controller: true}]\n",
                "",
            ),
            r"give it data, or a DaemonSet or StatefulSet controller owner",
        ),
    ],
)
def test_bad_controller_revisions(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        load(tmp_path, STATEFUL_SET.replace(*change))


# -- RBAC ------------------------------------------------------------------------------------------------
def rules(objects: Objects, name: str) -> list[dict[str, Any]]:
    return list(named(objects, "ClusterRole", name)["rules"])


def test_aggregated_cluster_roles_hold_the_rules_they_select(healthy: Objects) -> None:
    assert rules(healthy, "view") == rules(healthy, "system:aggregate-to-view")
    assert rules(healthy, "edit") == rules(healthy, "system:aggregate-to-edit") + rules(healthy, "view")
    assert rules(healthy, "admin") == rules(healthy, "edit") + rules(healthy, "system:aggregate-to-admin")
    assert len(rules(healthy, "admin")) == 25
    view = named(healthy, "ClusterRole", "view")
    assert [(m["manager"], m["operation"]) for m in view["metadata"]["managedFields"]] == [
        ("kube-apiserver", "Update"),
        ("clusterrole-aggregation-controller", "Apply"),
    ]
    assert view["metadata"]["managedFields"][1]["fieldsV1"] == {"f:rules": {}}
    assert "f:rules" not in view["metadata"]["managedFields"][0]["fieldsV1"]


def test_default_bindings_and_their_managers(healthy: Objects) -> None:
    def subjects(kind: str, name: str) -> list[tuple[str, str]]:
        return [(s["kind"], s["name"]) for s in named(healthy, kind, name)["subjects"]]

    assert subjects("ClusterRoleBinding", "cluster-admin") == [("Group", "system:masters")]
    assert subjects("ClusterRoleBinding", "kubeadm:cluster-admins") == [("Group", "kubeadm:cluster-admins")]
    assert subjects("ClusterRoleBinding", "system:coredns") == [("ServiceAccount", "coredns")]
    assert named(healthy, "Role", "kube-proxy")["rules"] == [
        {"apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["kube-proxy"], "verbs": ["get"]}
    ]
    managers = {
        o["metadata"]["name"]: o["metadata"]["managedFields"][0]["manager"]
        for o in healthy
        if o["apiVersion"].startswith("rbac.")
    }
    assert managers["cluster-admin"] == managers["system:basic-user"] == "kube-apiserver"
    assert (
        managers["system:coredns"]
        == managers["kubeadm:cluster-admins"]
        == managers["kube-proxy"]
        == "kubeadm"
    )
    for obj in healthy:
        if obj["apiVersion"].startswith("rbac."):  # made by the apiserver and kubeadm, not kubectl apply
            assert "kubectl.kubernetes.io/last-applied-configuration" not in (
                obj["metadata"].get("annotations") or {}
            )


def test_aggregation_drops_repeated_rules_and_keeps_written_ones(tmp_path: Path) -> None:
    role = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\n"
    rule = "rules: [{apiGroups: [''], resources: [pods], verbs: [get]}]\n"
    objects = load(
        tmp_path,
        f"{role}metadata: {{name: b, labels: {{agg: 'yes'}}}}\n{rule}---\n"
        f"{role}metadata: {{name: a, labels: {{agg: 'yes'}}}}\n{rule}---\n"
        f"{role}metadata: {{name: all}}\n"
        "aggregationRule: {clusterRoleSelectors: [{matchLabels: {agg: 'yes'}}]}\n"
        f"---\n{role}metadata: {{name: fixed}}\n"
        "aggregationRule: {clusterRoleSelectors: [{matchLabels: {agg: 'yes'}}]}\nrules: []\n",
    )
    assert rules(objects, "all") == [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]
    assert rules(objects, "fixed") == []
    with pytest.raises(ScenarioError, match=r"ClusterRole bad.*matchExpressions"):
        load(
            tmp_path,
            name="bad",
            manifest=f"{role}metadata: {{name: bad}}\naggregationRule: {{clusterRoleSelectors: "
            "[{matchExpressions: [{key: agg, operator: Nope}]}]}\n",
        )


# -- what kubectl sees ------------------------------------------------------------------------------------
@pytest.mark.kubectl
def test_kubectl_rollout_undo_reuses_the_old_revision_and_skips_the_current_one(kubectl: Kubectl) -> None:
    undo = ("rollout", "undo", "deploy/coredns", "-n", "kube-system")
    assert kubectl(*undo).stdout.strip() == "deployment.apps/coredns rolled back"
    kubectl("rollout", "status", "deploy/coredns", "-n", "kube-system", "--timeout=60s")
    # As on a real cluster, revision 1's ReplicaSet is reused and renumbered as revision 3.
    history = kubectl("rollout", "history", "deploy/coredns", "-n", "kube-system").stdout
    assert [line.split()[0] for line in history.splitlines()[2:] if line.strip()] == ["2", "3"]
    assert kubectl(*undo, "--to-revision=3").stdout.strip() == (
        "deployment.apps/coredns skipped rollback (current template already matches revision 3)"
    )


@pytest.mark.kubectl
def test_kubectl_rollout_history_of_a_daemon_set(kubectl: Kubectl) -> None:
    history = kubectl("rollout", "history", "ds/kube-proxy", "-n", "kube-system").stdout
    assert [line.split() for line in history.splitlines()[1:] if line.strip()] == [
        ["REVISION", "CHANGE-CAUSE"],
        ["1", "<none>"],
    ]
    first = kubectl("rollout", "history", "ds/kube-proxy", "-n", "kube-system", "--revision=1").stdout
    assert first.splitlines()[0] == "daemonset.apps/kube-proxy with revision #1"
    assert "Image:\tregistry.k8s.io/kube-proxy:v1.32.2" in first
    assert "Service Account:\tkube-proxy" in first


@pytest.mark.kubectl
def test_kubectl_reads_the_default_rbac(kubectl: Kubectl) -> None:
    wide = kubectl("get", "clusterrolebinding", "cluster-admin", "-o", "wide").stdout.splitlines()
    assert wide[1].split()[:2] == ["cluster-admin", "ClusterRole/cluster-admin"]
    assert wide[1].split()[-1] == "system:masters"
    view = kubectl("describe", "clusterrole", "view").stdout
    assert "rbac.authorization.k8s.io/aggregate-to-edit=true" in view
    assert "controllerrevisions.apps" in view
