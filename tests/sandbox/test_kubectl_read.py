"""kubectl compatibility, reading: the real /usr/bin/kubectl against the healthy sandbox, asserting on
what a user would read in the terminal (columns, values, describe sections, log lines, errors).

The module's sandbox runs on a clock that stands still, so every AGE cell the server computes is exact.
Ages kubectl computes itself (describe's event ages) follow the real clock and are matched loosely.
"""

from __future__ import annotations

import json
import queue
import re
import subprocess
import threading
from collections.abc import Callable, Iterator

import pytest
import yaml

from workbench import sandbox as sandbox_pkg

pytestmark = pytest.mark.kubectl

Kubectl = Callable[..., subprocess.CompletedProcess[str]]

COREDNS = "coredns-6f6b679f8f-4qv8n"  # on kind-worker, started 9m14s before the sandbox
ALL_PODS = [
    COREDNS,
    "coredns-6f6b679f8f-znwqv",
    "etcd-kind-control-plane",
    "kindnet-jhlrt",
    "kindnet-vt9qq",
    "kindnet-zkhxr",
    "kube-apiserver-kind-control-plane",
    "kube-controller-manager-kind-control-plane",
    "kube-proxy-9jvtj",
    "kube-proxy-t5qh9",
    "kube-proxy-xx69x",
    "kube-scheduler-kind-control-plane",
]


@pytest.fixture(scope="module")
def sandbox() -> Iterator[sandbox_pkg.Sandbox]:
    """Overrides the shared fixture: a healthy sandbox on a manual clock (exact server-side ages)."""
    with sandbox_pkg.start(scenario="healthy", manual_clock=True) as sb:
        yield sb


def table(text: str) -> list[list[str]]:
    """kubectl's column output as cells; columns are separated by at least two spaces."""
    return [re.split(r"\s{2,}", line.strip()) for line in text.splitlines() if line.strip()]


def by_name(text: str, name_column: int = 0) -> dict[str, list[str]]:
    return {row[name_column]: row for row in table(text)[1:]}


def squashed(text: str) -> list[str]:
    """Lines with runs of whitespace collapsed, for describe's aligned ``Key:   value`` layout."""
    return [" ".join(line.split()) for line in text.splitlines()]


# --- get ------------------------------------------------------------------------------------------


def test_get_pods_all_namespaces_prints_the_real_columns_and_values(kubectl: Kubectl) -> None:
    out = kubectl("get", "pods", "-A").stdout
    rows = table(out)
    assert rows[0] == ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert [r[1] for r in rows[1:]] == ALL_PODS
    cells = by_name(out, 1)
    assert cells[COREDNS] == ["kube-system", COREDNS, "1/1", "Running", "0", "9m14s"]
    assert cells["coredns-6f6b679f8f-znwqv"][5] == "9m8s"
    assert cells["etcd-kind-control-plane"][2:] == ["1/1", "Running", "0", "41m"]


def test_get_pods_wide_adds_ip_node_and_gates(kubectl: Kubectl) -> None:
    out = kubectl("get", "pods", "-n", "kube-system", "-o", "wide").stdout
    header = table(out)[0]
    assert header[5:] == ["IP", "NODE", "NOMINATED NODE", "READINESS GATES"]
    cells = by_name(out)
    assert cells[COREDNS][5:] == ["10.244.1.2", "kind-worker", "<none>", "<none>"]
    assert cells["kindnet-vt9qq"][5:7] == ["172.18.0.2", "kind-control-plane"]  # hostNetwork pod


def test_get_nodes_shows_roles_and_versions(kubectl: Kubectl) -> None:
    rows = table(kubectl("get", "nodes").stdout)
    assert rows == [
        ["NAME", "STATUS", "ROLES", "AGE", "VERSION"],
        ["kind-control-plane", "Ready", "control-plane", "41m", "v1.32.2"],
        ["kind-worker", "Ready", "<none>", "41m", "v1.32.2"],
        ["kind-worker2", "Ready", "<none>", "41m", "v1.32.2"],
    ]
    wide = by_name(kubectl("get", "nodes", "-o", "wide").stdout)
    assert wide["kind-worker"][5:] == [
        "172.18.0.3",
        "<none>",
        "Debian GNU/Linux 12 (bookworm)",
        "6.8.0-1021-azure",
        "containerd://2.0.2",
    ]


def test_get_services_prints_ports_the_way_kubectl_joins_them(kubectl: Kubectl) -> None:
    rows = table(kubectl("get", "svc", "-A").stdout)
    assert rows == [
        ["NAMESPACE", "NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"],
        ["default", "kubernetes", "ClusterIP", "10.96.0.1", "<none>", "443/TCP", "41m"],
        ["kube-system", "kube-dns", "ClusterIP", "10.96.0.10", "<none>", "53/UDP,53/TCP,9153/TCP", "41m"],
    ]


def test_get_all_lists_each_category_kind_in_its_own_block(kubectl: Kubectl) -> None:
    blocks = kubectl("get", "all", "-n", "kube-system").stdout.strip().split("\n\n")
    assert [table(b)[1][0].split("/")[0] for b in blocks] == [
        "pod",
        "service",
        "daemonset.apps",
        "deployment.apps",
        "replicaset.apps",
    ]
    assert len(table(blocks[0])) == 1 + len(ALL_PODS)
    assert table(blocks[3]) == [
        ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"],
        ["deployment.apps/coredns", "2/2", "2", "2", "41m"],
    ]
    assert table(blocks[4])[1:] == [
        ["replicaset.apps/coredns-668d6bf9bc", "0", "0", "0", "41m"],
        ["replicaset.apps/coredns-6f6b679f8f", "2", "2", "2", "9m14s"],
    ]
    assert by_name(blocks[2])["daemonset.apps/kube-proxy"][1:7] == ["3"] * 5 + ["kubernetes.io/os=linux"]


def test_show_labels_and_label_selectors(kubectl: Kubectl) -> None:
    out = kubectl("get", "pods", "-n", "kube-system", "--show-labels").stdout
    assert table(out)[0][-1] == "LABELS"
    assert by_name(out)[COREDNS][-1] == "k8s-app=kube-dns,pod-template-hash=6f6b679f8f"
    dns = kubectl("get", "pods", "-n", "kube-system", "-l", "k8s-app=kube-dns", "-o", "name").stdout
    assert dns.split() == [f"pod/{COREDNS}", "pod/coredns-6f6b679f8f-znwqv"]
    in_set = kubectl("get", "pods", "-A", "-l", "k8s-app in (kube-dns,kube-proxy)", "-o", "name").stdout
    assert len(in_set.split()) == 5
    static = kubectl("get", "pods", "-n", "kube-system", "-l", "!k8s-app,tier=control-plane", "-o", "name")
    assert static.stdout.split() == [
        "pod/etcd-kind-control-plane",
        "pod/kube-apiserver-kind-control-plane",
        "pod/kube-controller-manager-kind-control-plane",
        "pod/kube-scheduler-kind-control-plane",
    ]
    cp = kubectl("get", "nodes", "-l", "node-role.kubernetes.io/control-plane", "-o", "name").stdout
    assert cp.split() == ["node/kind-control-plane"]
    none = kubectl("get", "pods", "-n", "kube-system", "-l", "app=nothing")
    assert none.stdout == ""
    assert none.stderr.strip() == "No resources found in kube-system namespace."


def test_field_selectors_filter_on_the_server(kubectl: Kubectl, sandbox: sandbox_pkg.Sandbox) -> None:
    out = kubectl("get", "pods", "-A", "--field-selector", "spec.nodeName=kind-worker").stdout
    assert [r[1] for r in table(out)[1:]] == [COREDNS, "kindnet-zkhxr", "kube-proxy-t5qh9"]
    assert (
        "GET",
        "/api/v1/pods?fieldSelector=spec.nodeName%3Dkind-worker&limit=500",
        200,
    ) in sandbox.requests
    none = kubectl("get", "pods", "-A", "--field-selector", "status.phase!=Running")
    assert none.stderr.strip() == "No resources found"
    bad = kubectl("get", "pods", "-A", "--field-selector", "spec.foo=bar", check=False)
    assert bad.returncode == 1
    assert bad.stderr.strip() == (
        'Error from server (BadRequest): Unable to find "/v1, Resource=pods" that match label selector "", '
        'field selector "spec.foo=bar": field label not supported: spec.foo'
    )


def test_output_yaml_and_json_are_the_stored_objects(kubectl: Kubectl) -> None:
    pod = yaml.safe_load(kubectl("get", "pod", COREDNS, "-n", "kube-system", "-o", "yaml").stdout)
    assert (pod["apiVersion"], pod["kind"]) == ("v1", "Pod")
    assert pod["metadata"]["ownerReferences"][0]["name"] == "coredns-6f6b679f8f"
    assert pod["spec"]["nodeName"] == "kind-worker"
    assert pod["status"]["podIP"] == "10.244.1.2"
    listed = json.loads(kubectl("get", "svc", "-n", "kube-system", "-o", "json").stdout)
    assert (listed["apiVersion"], listed["kind"]) == ("v1", "List")
    ports = [(p["name"], p["port"], p["protocol"]) for p in listed["items"][0]["spec"]["ports"]]
    assert ports == [("dns", 53, "UDP"), ("dns-tcp", 53, "TCP"), ("metrics", 9153, "TCP")]


def test_jsonpath_and_custom_columns(kubectl: Kubectl) -> None:
    template = '{range .items[*]}{.metadata.name}{"="}{.spec.nodeName}{"\\n"}{end}'
    out = kubectl("get", "pods", "-n", "kube-system", "-l", "k8s-app=kube-dns", "-o", f"jsonpath={template}")
    assert out.stdout.splitlines() == [f"{COREDNS}=kind-worker", "coredns-6f6b679f8f-znwqv=kind-worker2"]
    spec = "custom-columns=NAME:.metadata.name,CPU:.status.capacity.cpu,TAINT:.spec.taints[*].key"
    assert table(kubectl("get", "nodes", "-o", spec).stdout) == [
        ["NAME", "CPU", "TAINT"],
        ["kind-control-plane", "8", "node-role.kubernetes.io/control-plane"],
        ["kind-worker", "8", "<none>"],
        ["kind-worker2", "8", "<none>"],
    ]


def test_chunked_listing_gives_the_same_rows_in_pages(kubectl: Kubectl, sandbox: sandbox_pkg.Sandbox) -> None:
    whole = kubectl("get", "pods", "-A").stdout
    before = len(sandbox.requests)
    chunked = kubectl("get", "pods", "-A", "--chunk-size=2").stdout
    assert chunked == whole
    pages = [p for _, p, _ in sandbox.requests[before:] if p.startswith("/api/v1/pods?")]
    assert len(pages) == 6
    assert pages[0] == "/api/v1/pods?limit=2"
    assert all("continue=" in p and "limit=2" in p for p in pages[1:])


def test_sort_by_orders_rows_client_side(kubectl: Kubectl) -> None:
    out = kubectl("get", "pods", "-A", "--sort-by=.metadata.creationTimestamp").stdout
    names = [r[1] for r in table(out)[1:]]
    assert names[:4] == [
        "etcd-kind-control-plane",
        "kube-apiserver-kind-control-plane",
        "kube-controller-manager-kind-control-plane",
        "kube-scheduler-kind-control-plane",
    ]
    assert names[-2:] == [COREDNS, "coredns-6f6b679f8f-znwqv"]
    nodes = kubectl("get", "nodes", "--sort-by=.metadata.name", "-o", "name").stdout.split()
    assert nodes == ["node/kind-control-plane", "node/kind-worker", "node/kind-worker2"]


def test_get_missing_objects_and_unknown_types(kubectl: Kubectl) -> None:
    missing = kubectl("get", "pod", "nope", "-n", "kube-system", check=False)
    assert (missing.returncode, missing.stderr.strip()) == (
        1,
        'Error from server (NotFound): pods "nope" not found',
    )
    unknown = kubectl("get", "gizmos", check=False)
    assert unknown.stderr.strip() == 'error: the server doesn\'t have a resource type "gizmos"'


def test_get_watch_prints_one_row_per_event(kubectl: Kubectl) -> None:
    kubectl("apply", "-f", "-", stdin=NAMESPACE_AND_CONFIGMAP.format(name="first", data="{a: '1'}"))
    # The fixture's first three arguments are the binary, --kubeconfig and --cache-dir.
    prefix = list(kubectl("config", "current-context").args[:3])
    command = [*prefix, "get", "configmaps", "-n", "watched", "-w"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) as proc:
        lines = LineReader(proc)
        try:
            assert table(lines.next()) == [["NAME", "DATA", "AGE"]]
            assert table(lines.next()) == [["first", "1", "0s"]]
            kubectl(
                "apply",
                "-f",
                "-",
                stdin=NAMESPACE_AND_CONFIGMAP.format(name="second", data="{a: '1', b: '2'}"),
            )
            assert table(lines.next()) == [["second", "2", "0s"]]
            kubectl("label", "configmap", "first", "-n", "watched", "seen=yes")
            assert table(lines.next()) == [["first", "1", "0s"]]
        finally:
            proc.terminate()
            proc.wait(timeout=10)
            lines.close()


NAMESPACE_AND_CONFIGMAP = """\
apiVersion: v1
kind: Namespace
metadata: {{name: watched}}
---
apiVersion: v1
kind: ConfigMap
metadata: {{name: {name}, namespace: watched}}
data: {data}
"""


class LineReader:
    """Reads a running process's stdout on a thread, so a test can wait for a line with a timeout."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        self._stream = proc.stdout
        self._lines: queue.Queue[str] = queue.Queue()
        self._thread = threading.Thread(target=self._pump, daemon=True)
        self._thread.start()

    def _pump(self) -> None:
        for line in self._stream:
            self._lines.put(line)

    def next(self, timeout: float = 10) -> str:
        try:
            return self._lines.get(timeout=timeout)
        except queue.Empty:
            pytest.fail(f"kubectl printed no new line within {timeout}s")

    def close(self) -> None:
        self._thread.join(timeout=5)


# --- describe -------------------------------------------------------------------------------------


def test_describe_pod_shows_node_owner_conditions_and_events(kubectl: Kubectl) -> None:
    lines = squashed(kubectl("describe", "pod", COREDNS, "-n", "kube-system").stdout)
    for expected in (
        f"Name: {COREDNS}",
        "Priority Class Name: system-cluster-critical",
        "Node: kind-worker/172.18.0.3",
        "Status: Running",
        "IP: 10.244.1.2",
        "Controlled By: ReplicaSet/coredns-6f6b679f8f",
        "Image: registry.k8s.io/coredns/coredns:v1.11.3",
        "Ports: 53/UDP, 53/TCP, 9153/TCP",
        "Ready: True",
        "Restart Count: 0",
        "QoS Class: Burstable",
        "Ready True",
        "PodScheduled True",
        "Type Reason Age From Message",
    ):
        assert expected in lines, expected
    events = lines[lines.index("Type Reason Age From Message") + 2 :]
    scheduled = next(e for e in events if " Scheduled " in e)
    assert re.fullmatch(
        r"Normal Scheduled \d+m(\d+s)? default-scheduler "
        rf"Successfully assigned kube-system/{COREDNS} to kind-worker",
        scheduled,
    )
    assert {e.split()[1] for e in events if e} == {"Scheduled", "Pulled", "Created", "Started"}


def test_describe_deployment_shows_replica_sets_and_conditions(kubectl: Kubectl) -> None:
    lines = squashed(kubectl("describe", "deployment", "coredns", "-n", "kube-system").stdout)
    for expected in (
        "Annotations: deployment.kubernetes.io/revision: 2",
        "Replicas: 2 desired | 2 updated | 2 total | 2 available | 0 unavailable",
        "StrategyType: RollingUpdate",
        "RollingUpdateStrategy: 1 max unavailable, 25% max surge",
        "Available True MinimumReplicasAvailable",
        "Progressing True NewReplicaSetAvailable",
        "OldReplicaSets: coredns-668d6bf9bc (0/0 replicas created)",
        "NewReplicaSet: coredns-6f6b679f8f (2/2 replicas created)",
    ):
        assert expected in lines, expected
    scaling = [line for line in lines if "ScalingReplicaSet" in line]
    assert [line.split("deployment-controller ")[1] for line in scaling] == [
        "Scaled up replica set coredns-668d6bf9bc from 0 to 2",
        "Scaled up replica set coredns-6f6b679f8f from 0 to 1",
        "Scaled down replica set coredns-668d6bf9bc from 2 to 1",
        "Scaled up replica set coredns-6f6b679f8f from 1 to 2",
        "Scaled down replica set coredns-668d6bf9bc from 1 to 0",
    ]


def test_describe_node_shows_lease_conditions_pods_and_allocated_resources(kubectl: Kubectl) -> None:
    out = kubectl("describe", "node", "kind-worker").stdout
    lines = squashed(out)
    for expected in (
        "Roles: <none>",
        "Taints: <none>",
        "Unschedulable: false",
        "HolderIdentity: kind-worker",
        "InternalIP: 172.18.0.3",
        "Kubelet Version: v1.32.2",
        "Non-terminated Pods: (3 in total)",
        "cpu 200m (2%) 100m (1%)",
        "memory 120Mi (0%) 220Mi (0%)",
    ):
        assert expected in lines, expected
    ready = next(line for line in lines if line.startswith("Ready True"))
    assert ready.endswith("KubeletReady kubelet is posting ready status")
    assert any(
        line.startswith(f"kube-system {COREDNS} 100m (1%) 0 (0%) 70Mi (0%) 170Mi (0%)") for line in lines
    )
    assert "Allocated resources:" in out
    control_plane = squashed(kubectl("describe", "node", "kind-control-plane").stdout)
    assert "Roles: control-plane" in control_plane
    assert "Taints: node-role.kubernetes.io/control-plane:NoSchedule" in control_plane


def test_describe_service_reads_its_endpoints(kubectl: Kubectl) -> None:
    lines = squashed(kubectl("describe", "service", "kube-dns", "-n", "kube-system").stdout)
    for expected in (
        "Selector: k8s-app=kube-dns",
        "Type: ClusterIP",
        "IP: 10.96.0.10",
        "Port: dns 53/UDP",
        "Endpoints: 10.244.1.2:53,10.244.2.2:53",
        "Port: metrics 9153/TCP",
        "Endpoints: 10.244.1.2:9153,10.244.2.2:9153",
        "Events: <none>",
    ):
        assert expected in lines, expected


# --- logs -----------------------------------------------------------------------------------------

COREDNS_LOG = [
    ".:53",
    "[INFO] plugin/reload: Running configuration SHA512 = 5ab00f306a3ea7cef015211943454ea53e30801554fa0bb1f2"
    "812ab8417259fb7fc87178194376a3f41a0989c1ca61a3abcd7a2dc988a53aa97d3da66a25bef9",
    "CoreDNS-1.11.3",
    "linux/amd64, go1.21.11, a6338e9",
]


def test_logs_current_tail_and_timestamps(kubectl: Kubectl) -> None:
    assert kubectl("logs", COREDNS, "-n", "kube-system").stdout.splitlines() == COREDNS_LOG
    tail = kubectl("logs", "kube-proxy-t5qh9", "-n", "kube-system", "--tail=2").stdout.splitlines()
    assert len(tail) == 2
    assert tail[1].endswith("shared_informer.go:320] Caches are synced for endpoint slice config")
    stamped = kubectl("logs", COREDNS, "-n", "kube-system", "--timestamps").stdout.splitlines()
    started = kubectl(
        "get",
        "pod",
        COREDNS,
        "-n",
        "kube-system",
        "-o",
        "jsonpath={.status.containerStatuses[0].state.running.startedAt}",
    ).stdout
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z \.:53", stamped[0])
    assert stamped[0].startswith(started.removesuffix("Z"))
    assert [line.split(" ", 1)[1] for line in stamped] == COREDNS_LOG


def test_logs_previous_without_a_restart_is_the_kubelet_error(kubectl: Kubectl) -> None:
    result = kubectl("logs", COREDNS, "-n", "kube-system", "--previous", check=False)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "Error from server (BadRequest): "
        f'previous terminated container "coredns" in pod "{COREDNS}" not found'
    )


def test_logs_of_a_deployment_and_by_selector(kubectl: Kubectl) -> None:
    deploy = kubectl("logs", "deploy/coredns", "-n", "kube-system")
    assert deploy.stdout.splitlines() == COREDNS_LOG
    assert deploy.stderr.strip() == f"Found 2 pods, using pod/{COREDNS}"
    selected = kubectl("logs", "-l", "k8s-app=kube-dns", "-n", "kube-system").stdout.splitlines()
    assert selected == COREDNS_LOG + COREDNS_LOG


def test_logs_of_an_unknown_container(kubectl: Kubectl) -> None:
    # kubectl checks -c against the pod it fetched; the server gives the same answer to other clients.
    result = kubectl("logs", COREDNS, "-n", "kube-system", "-c", "nope", check=False)
    assert (result.returncode, result.stderr.strip()) == (
        1,
        f"error: container nope is not valid for pod {COREDNS}",
    )
    raw = kubectl(
        "get", "--raw", f"/api/v1/namespaces/kube-system/pods/{COREDNS}/log?container=nope", check=False
    )
    assert (
        raw.stderr.strip() == f"Error from server (BadRequest): container nope is not valid for pod {COREDNS}"
    )


# --- top, auth, discovery, version ------------------------------------------------------------------


def test_top_nodes_and_pods_read_the_metrics_api(kubectl: Kubectl) -> None:
    nodes = table(kubectl("top", "nodes").stdout)
    assert nodes[0] == ["NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"]
    assert [r[0] for r in nodes[1:]] == ["kind-control-plane", "kind-worker", "kind-worker2"]
    for _, cpu, cpu_pct, memory, _ in nodes[1:]:
        millicores = int(cpu.removesuffix("m"))
        assert 0 < millicores < 8000
        assert cpu_pct == f"{millicores * 100 // 8000}%"  # of 8 allocatable cores
        assert re.fullmatch(r"\d+Mi", memory)
    pods = table(kubectl("top", "pods", "-n", "kube-system").stdout)
    assert pods[0] == ["NAME", "CPU(cores)", "MEMORY(bytes)"]
    assert [r[0] for r in pods[1:]] == ALL_PODS
    containers = table(kubectl("top", "pod", COREDNS, "-n", "kube-system", "--containers").stdout)
    assert containers[0] == ["POD", "NAME", "CPU(cores)", "MEMORY(bytes)"]
    assert containers[1][:2] == [COREDNS, "coredns"]


def test_top_without_a_metrics_server(kubectl: Kubectl, sandbox: sandbox_pkg.Sandbox) -> None:
    sandbox.hide_group("metrics.k8s.io")
    try:
        result = kubectl("top", "nodes", check=False)
    finally:
        sandbox.hide_group("metrics.k8s.io", hidden=False)
    assert (result.returncode, result.stderr.strip()) == (1, "error: Metrics API not available")


def test_auth_can_i_answers_yes(kubectl: Kubectl) -> None:
    # kubectl 1.32 sends the SelfSubjectAccessReview as protobuf.
    assert kubectl("auth", "can-i", "get", "pods").stdout.strip() == "yes"
    assert kubectl("auth", "can-i", "delete", "nodes").stdout.strip() == "yes"
    assert kubectl("auth", "can-i", "create", "deployments", "-n", "kube-system").stdout.strip() == "yes"
    # --list sends a SelfSubjectRulesReview (cluster-scoped; the namespace travels in its spec).
    rules = table(kubectl("auth", "can-i", "--list").stdout)
    assert rules[:2] == [
        ["Resources", "Non-Resource URLs", "Resource Names", "Verbs"],
        ["*.*", "[]", "[]", "[*]"],
    ]


def test_api_resources_lists_names_short_names_and_scope(kubectl: Kubectl) -> None:
    out = kubectl("api-resources").stdout
    rows = table(out)
    assert rows[0] == ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]
    found = {(r[0], r[-3]): r for r in rows[1:]}
    assert found[("pods", "v1")] == ["pods", "po", "v1", "true", "Pod"]
    assert found[("nodes", "v1")] == ["nodes", "no", "v1", "false", "Node"]
    assert found[("deployments", "apps/v1")] == ["deployments", "deploy", "apps/v1", "true", "Deployment"]
    assert found[("customresourcedefinitions", "apiextensions.k8s.io/v1")][1] == "crd,crds"
    assert found[("nodes", "metrics.k8s.io/v1beta1")][-2:] == ["false", "NodeMetrics"]
    assert found[("selfsubjectrulesreviews", "authorization.k8s.io/v1")][-2:] == [
        "false",
        "SelfSubjectRulesReview",
    ]
    cluster_scoped = kubectl("api-resources", "--namespaced=false", "-o", "name").stdout.split()
    assert {"nodes", "namespaces", "storageclasses.storage.k8s.io"} <= set(cluster_scoped)
    assert "pods" not in cluster_scoped


def test_api_versions(kubectl: Kubectl) -> None:
    versions = kubectl("api-versions").stdout.split()
    assert versions == sorted(versions)
    assert {"v1", "apps/v1", "batch/v1", "autoscaling/v2", "metrics.k8s.io/v1beta1"} <= set(versions)


def test_cluster_info_names_the_control_plane_and_coredns(
    kubectl: Kubectl, sandbox: sandbox_pkg.Sandbox
) -> None:
    lines = kubectl("cluster-info").stdout.splitlines()
    assert lines[0] == f"Kubernetes control plane is running at {sandbox.url}"
    assert lines[1] == (
        f"CoreDNS is running at {sandbox.url}/api/v1/namespaces/kube-system/services/kube-dns:dns/proxy"
    )


def test_version_reports_a_1_32_server(kubectl: Kubectl) -> None:
    assert re.search(r"^Server Version: v1\.32\.\d+", kubectl("version").stdout, re.M)
    server = json.loads(kubectl("version", "-o", "json").stdout)["serverVersion"]
    assert (server["major"], server["minor"], server["platform"]) == ("1", "32", "linux/amd64")


NO_CONTAINERS = (
    "the sandbox has no containers to attach to: exec, attach, port-forward, cp and debug are not available."
)


def test_exec_fails_with_the_sandbox_explanation(kubectl: Kubectl) -> None:
    result = kubectl("exec", COREDNS, "-n", "kube-system", "--", "ls", check=False)
    assert result.returncode == 1
    assert result.stderr.strip().startswith(f"Error from server (BadRequest): {NO_CONTAINERS}")
    assert f"kubectl logs {COREDNS}" in result.stderr
    forward = kubectl("port-forward", f"pod/{COREDNS}", "-n", "kube-system", "8053:53", check=False)
    assert forward.returncode == 1
    assert forward.stderr.strip().startswith(f"error: error upgrading connection: {NO_CONTAINERS}")


def test_debug_is_refused_before_an_ephemeral_container_is_stored(kubectl: Kubectl) -> None:
    result = kubectl(
        "debug", COREDNS, "-n", "kube-system", "--image=busybox", "--profile=general", check=False
    )
    assert result.returncode == 1
    assert f"Error from server (BadRequest): {NO_CONTAINERS}" in result.stderr
    pod = json.loads(kubectl("get", "pod", COREDNS, "-n", "kube-system", "-o", "json").stdout)
    assert "ephemeralContainers" not in pod["spec"]
