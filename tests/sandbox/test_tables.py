"""Server-side Table output: columns and exact cells per kind, as kube-apiserver 1.32 prints them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from workbench.sandbox._tables import (
    column_definitions,
    custom_column_definitions,
    custom_row_cells,
    human_duration,
    printed_kinds,
    row_cells,
)
from workbench.sandbox._tables._quantity import quantity_string
from workbench.sandbox._tables.custom import go_text

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def ago(**delta: float) -> str:
    return (NOW - timedelta(**delta)).strftime("%Y-%m-%dT%H:%M:%SZ")


def meta(name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "namespace": "shop", "creationTimestamp": ago(hours=3), **extra}


def names(kind: str, *, wide: bool = True) -> list[str]:
    return [c["name"] for c in column_definitions(kind) if wide or c["priority"] == 0]


# --- human_duration: the Go implementation's own test tables -------------------------------------

S, M, H, D, Y = 1, 60, 3600, 86400, 365 * 86400
MS = 0.001


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (S, "1s"), (70 * S, "70s"), (190 * S, "3m10s"), (70 * M, "70m"), (47 * H, "47h"),
        (49 * H, "2d1h"), ((8 * 24 + 2) * H, "8d"), (367 * D, "367d"), (2 * Y + 25 * H, "2y1d"),
        (8 * Y + 2 * H, "8y"), (-2 * S, "<invalid>"), (-2 * S + 1e-9, "0s"), (0, "0s"),
        (S - MS, "0s"), (2 * M - MS, "119s"), (2 * M, "2m"), (2 * M + S, "2m1s"),
        (10 * M - MS, "9m59s"), (10 * M, "10m"), (10 * M + S, "10m"), (3 * H - MS, "179m"),
        (3 * H, "3h"), (3 * H + M, "3h1m"), (8 * H - MS, "7h59m"), (8 * H, "8h"),
        (8 * H + 59 * M, "8h"), (2 * D - MS, "47h"), (2 * D, "2d"), (2 * D + H, "2d1h"),
        (8 * D - MS, "7d23h"), (8 * D, "8d"), (8 * D + 23 * H, "8d"), (2 * Y - MS, "729d"),
        (2 * Y, "2y"), (2 * Y + 23 * H + 59 * M, "2y"), (2 * Y + D - MS, "2y"), (2 * Y + D, "2y1d"),
        (3 * Y, "3y"), (7 * Y, "7y"), (8 * Y - MS, "7y364d"), (8 * Y, "8y"), (8 * Y + 364 * D, "8y"),
        (9 * Y, "9y"),
        # The shapes kubectl users see.
        (45, "45s"), (5 * M, "5m"), (5 * M + 10, "5m10s"), (3 * H + 5 * M, "3h5m"),
        (2 * D + 3 * H, "2d3h"), (400 * D, "400d"), (3 * Y + 45 * D, "3y45d"), (-1.5, "0s"),
    ],
)  # fmt: skip
def test_human_duration_matches_go(seconds: float, expected: str) -> None:
    assert human_duration(seconds) == expected


# --- registry-wide properties --------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(printed_kinds() | {"Widget"}))
def test_every_kind_prints_one_cell_per_column_even_for_a_bare_object(kind: str) -> None:
    columns = column_definitions(kind)
    assert columns[0]["name"] in ("Name", "Last Seen")
    assert {tuple(c) for c in columns} == {("name", "type", "format", "description", "priority")}
    assert all(c["description"] for c in columns)
    assert len(row_cells(kind, {}, NOW)) == len(columns)
    assert len(row_cells(kind, {"metadata": meta("x")}, NOW)) == len(columns)


def test_column_definitions_are_fresh_copies() -> None:
    column_definitions("Pod")[0]["name"] = "mutated"
    assert column_definitions("Pod")[0] == {
        "name": "Name",
        "type": "string",
        "format": "name",
        "description": column_definitions("Pod")[0]["description"],
        "priority": 0,
    }


@pytest.mark.parametrize(
    ("kind", "layout"),
    [
        ("Pod", "Name,Ready,Status,Restarts,Age | IP,Node,Nominated Node,Readiness Gates"),
        ("Node", "Name,Status,Roles,Age,Version | "
                 "Internal-IP,External-IP,OS-Image,Kernel-Version,Container-Runtime"),
        ("Service", "Name,Type,Cluster-IP,External-IP,Port(s),Age | Selector"),
        ("Endpoints", "Name,Endpoints,Age | "),
        ("Event", "Last Seen,Type,Reason,Object,Message | Subobject,Source,First Seen,Count,Name"),
        ("Deployment", "Name,Ready,Up-to-date,Available,Age | Containers,Images,Selector"),
        ("ReplicaSet", "Name,Desired,Current,Ready,Age | Containers,Images,Selector"),
        ("StatefulSet", "Name,Ready,Age | Containers,Images"),
        ("Job", "Name,Status,Completions,Duration,Age | Containers,Images,Selector"),
        ("CronJob", "Name,Schedule,Timezone,Suspend,Active,Last Schedule,Age | Containers,Images,Selector"),
        ("HorizontalPodAutoscaler", "Name,Reference,Targets,MinPods,MaxPods,Replicas,Age | "),
        ("PersistentVolumeClaim", "Name,Status,Volume,Capacity,Access Modes,StorageClass,"
                                  "VolumeAttributesClass,Age | VolumeMode"),
        ("RoleBinding", "Name,Role,Age | Users,Groups,ServiceAccounts"),
        ("Role", "Name,Created At | "),
        ("CustomResourceDefinition", "Name,Created At | "),
        ("Widget", "Name,Age | "),
    ],
)  # fmt: skip
def test_columns_and_wide_columns(kind: str, layout: str) -> None:
    normal, wide = (part.strip().split(",") if part.strip() else [] for part in layout.split("|"))
    assert names(kind, wide=False) == normal
    assert [n for n in names(kind) if n not in normal] == wide


def test_event_wide_columns_interleave() -> None:
    assert names("Event") == [
        "Last Seen", "Type", "Reason", "Object", "Subobject", "Source", "Message", "First Seen", "Count",
        "Name",
    ]  # fmt: skip


def test_column_types_follow_the_go_printers() -> None:
    types = {c["name"]: c["type"] for c in column_definitions("Pod")}
    assert types["Restarts"] == "string"  # "5 (2m ago)" since 1.24
    assert {c["name"]: c["type"] for c in column_definitions("CronJob")}["Suspend"] == "boolean"
    assert {c["name"]: c["type"] for c in column_definitions("ReplicaSet")}["Desired"] == "integer"
    assert column_definitions("Role")[1]["type"] == "date"


# --- Pod STATUS, READY and RESTARTS ----------------------------------------------------------------


def pod(
    *statuses: dict[str, Any],
    init: tuple[dict[str, Any], ...] = (),
    init_specs: tuple[dict[str, Any], ...] = (),
    phase: str = "Running",
    conditions: tuple[tuple[str, str], ...] = (),
    **extra: Any,
) -> dict[str, Any]:
    containers = [{"name": s["name"], "image": f"{s['name']}:1"} for s in statuses] or [{"name": "app"}]
    status: dict[str, Any] = {
        "phase": phase,
        "conditions": [{"type": t, "status": v} for t, v in conditions],
        "containerStatuses": list(statuses),
    }
    if init:
        status["initContainerStatuses"] = list(init)
    status.update(extra.pop("status", {}))
    spec = {"containers": containers, "initContainers": list(init_specs), **extra.pop("spec", {})}
    return {"metadata": meta("api-7d9f", **extra), "spec": spec, "status": status}


def cstatus(
    name: str, state: dict[str, Any], *, ready: bool = False, restarts: int = 0, **extra: Any
) -> dict[str, Any]:
    return {"name": name, "state": state, "ready": ready, "restartCount": restarts, **extra}


RUNNING = {"running": {"startedAt": ago(hours=1)}}


def status_cell(p: dict[str, Any]) -> str:
    return str(row_cells("Pod", p, NOW)[2])


def test_crashloop_pod_shows_waiting_reason_and_last_restart() -> None:
    last = {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": ago(minutes=2, seconds=5)}}
    crashing = cstatus("api", {"waiting": {"reason": "CrashLoopBackOff"}}, restarts=5, lastState=last)
    p = pod(
        crashing,
        conditions=(("Ready", "False"),),
        status={"podIP": "10.244.1.7"},
        spec={"nodeName": "node-1"},
    )
    assert row_cells("Pod", p, NOW) == [
        "api-7d9f", "0/1", "CrashLoopBackOff", "5 (2m5s ago)", "3h", "10.244.1.7", "node-1", "<none>",
        "<none>",
    ]  # fmt: skip


def test_running_pod_counts_ready_containers_and_reads_pod_ips() -> None:
    p = pod(
        cstatus("api", RUNNING, ready=True),
        cstatus("proxy", RUNNING, ready=False),
        status={"podIPs": [{"ip": "10.244.2.9"}, {"ip": "fd00::9"}], "nominatedNodeName": "node-3"},
        spec={"readinessGates": [{"conditionType": "lb/ready"}, {"conditionType": "x/synced"}]},
        conditions=(("lb/ready", "True"), ("x/synced", "False")),
    )
    assert row_cells("Pod", p, NOW) == [
        "api-7d9f", "1/2", "Running", "0", "3h", "10.244.2.9", "<none>", "node-3", "1/2",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("init_state", "expected"),
    [
        ({"running": {}}, "Init:1/2"),
        ({"waiting": {"reason": "CrashLoopBackOff"}}, "Init:CrashLoopBackOff"),
        ({"waiting": {"reason": "PodInitializing"}}, "Init:1/2"),
        ({"terminated": {"exitCode": 1, "reason": "Error"}}, "Init:Error"),
        ({"terminated": {"exitCode": 3}}, "Init:ExitCode:3"),
        ({"terminated": {"exitCode": 137, "signal": 9}}, "Init:Signal:9"),
    ],
)
def test_init_container_progress(init_state: dict[str, Any], expected: str) -> None:
    done = cstatus("migrate", {"terminated": {"exitCode": 0, "reason": "Completed"}})
    p = pod(
        cstatus("api", {"waiting": {"reason": "PodInitializing"}}),
        init=(done, cstatus("seed", init_state, restarts=2)),
        init_specs=({"name": "migrate"}, {"name": "seed"}),
        phase="Pending",
    )
    cells = row_cells("Pod", p, NOW)
    assert cells[1:4] == ["0/1", expected, "2"]


def test_sidecar_init_container_counts_towards_ready_and_restarts() -> None:
    sidecar_last = {"terminated": {"exitCode": 1, "finishedAt": ago(minutes=30)}}
    app_last = {"terminated": {"exitCode": 1, "finishedAt": ago(minutes=7)}}
    p = pod(
        cstatus("api", RUNNING, ready=True, restarts=1, lastState=app_last),
        init=(cstatus("mesh", RUNNING, ready=True, restarts=2, started=True, lastState=sidecar_last),),
        init_specs=({"name": "mesh", "restartPolicy": "Always"},),
        conditions=(("Initialized", "True"), ("Ready", "True")),
    )
    assert row_cells("Pod", p, NOW)[1:4] == ["2/2", "Running", "3 (7m ago)"]


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ({"terminated": {"exitCode": 137, "reason": "OOMKilled"}}, "OOMKilled"),
        ({"terminated": {"exitCode": 0, "reason": "Completed"}}, "Completed"),
        ({"terminated": {"exitCode": 2}}, "ExitCode:2"),
        ({"terminated": {"exitCode": 143, "signal": 15}}, "Signal:15"),
        ({"waiting": {"reason": "ImagePullBackOff"}}, "ImagePullBackOff"),
    ],
)
def test_container_reasons(state: dict[str, Any], expected: str) -> None:
    assert status_cell(pod(cstatus("api", state))) == expected


@pytest.mark.parametrize(("ready_condition", "expected"), [("True", "Running"), ("False", "NotReady")])
def test_completed_main_container_with_running_sidecar(ready_condition: str, expected: str) -> None:
    p = pod(
        cstatus("job", {"terminated": {"exitCode": 0, "reason": "Completed"}}),
        cstatus("log-shipper", RUNNING, ready=True),
        conditions=(("Ready", ready_condition),),
    )
    assert row_cells("Pod", p, NOW)[1:3] == ["1/2", expected]


def test_terminating_lost_and_finished_pods() -> None:
    deleting = ago(seconds=20)
    assert status_cell(pod(cstatus("api", RUNNING, ready=True), deletionTimestamp=deleting)) == "Terminating"
    lost = pod(cstatus("api", RUNNING, ready=True), deletionTimestamp=deleting, status={"reason": "NodeLost"})
    assert status_cell(lost) == "Unknown"
    done = pod(cstatus("api", {"terminated": {"exitCode": 0, "reason": "Completed"}}), phase="Succeeded")
    done["metadata"]["deletionTimestamp"] = deleting
    assert status_cell(done) == "Completed"


def test_phase_reason_and_scheduling_states() -> None:
    evicted = pod(phase="Failed", status={"reason": "Evicted", "containerStatuses": []})
    assert row_cells("Pod", evicted, NOW)[1:4] == ["0/1", "Evicted", "0"]
    pending = pod(phase="Pending", status={"containerStatuses": []})
    assert row_cells("Pod", pending, NOW)[2:] == [
        "Pending", "0", "3h", "<none>", "<none>", "<none>", "<none>",
    ]  # fmt: skip
    gated = pod(
        phase="Pending", status={"conditions": [{"type": "PodScheduled", "reason": "SchedulingGated"}]}
    )
    assert status_cell(gated) == "SchedulingGated"
    unscheduled_default = {"metadata": meta("bare"), "spec": {"containers": [{"name": "a"}]}}
    assert row_cells("Pod", unscheduled_default, NOW)[1:4] == ["0/1", "Pending", "0"]


# --- Nodes -----------------------------------------------------------------------------------------


def node(name: str, ready: str | None, **spec: Any) -> dict[str, Any]:
    conditions = [{"type": "MemoryPressure", "status": "False"}]
    if ready is not None:
        conditions.append({"type": "Ready", "status": ready})
    return {
        "metadata": {
            "name": name,
            "creationTimestamp": ago(days=12),
            "labels": {"node-role.kubernetes.io/control-plane": ""},
        },
        "spec": spec,
        "status": {
            "conditions": conditions,
            "addresses": [
                {"type": "Hostname", "address": name},
                {"type": "InternalIP", "address": "10.0.0.12"},
            ],
            "nodeInfo": {
                "kubeletVersion": "v1.32.2",
                "osImage": "Ubuntu 22.04.4 LTS",
                "kernelVersion": "6.5.0-1022",
                "containerRuntimeVersion": "containerd://1.7.13",
            },
        },
    }


def test_node_rows() -> None:
    assert row_cells("Node", node("cp-1", "True"), NOW) == [
        "cp-1", "Ready", "control-plane", "12d", "v1.32.2", "10.0.0.12", "<none>", "Ubuntu 22.04.4 LTS",
        "6.5.0-1022", "containerd://1.7.13",
    ]  # fmt: skip
    cordoned = node("node-2", "False", unschedulable=True)
    cordoned["metadata"]["labels"] = {"kubernetes.io/role": "worker", "node-role.kubernetes.io/infra": ""}
    assert row_cells("Node", cordoned, NOW)[1:3] == ["NotReady,SchedulingDisabled", "infra,worker"]
    unknown = node("node-3", None)
    unknown["metadata"]["labels"] = {}
    del unknown["status"]["nodeInfo"]
    assert row_cells("Node", unknown, NOW)[1:] == [
        "Unknown", "<none>", "12d", "", "10.0.0.12", "<none>", "<unknown>", "<unknown>", "<unknown>",
    ]  # fmt: skip


# --- Services, endpoints, ingress ------------------------------------------------------------------


def service(name: str, spec: dict[str, Any], status: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"metadata": meta(name), "spec": spec, "status": status or {}}


def test_coredns_and_nodeport_services() -> None:
    dns = service(
        "kube-dns",
        {
            "type": "ClusterIP",
            "clusterIP": "10.96.0.10",
            "clusterIPs": ["10.96.0.10"],
            "selector": {"k8s-app": "kube-dns"},
            "ports": [
                {"name": "dns", "port": 53, "protocol": "UDP"},
                {"name": "dns-tcp", "port": 53, "protocol": "TCP"},
                {"name": "metrics", "port": 9153, "protocol": "TCP"},
            ],
        },
    )
    assert row_cells("Service", dns, NOW) == [
        "kube-dns", "ClusterIP", "10.96.0.10", "<none>", "53/UDP,53/TCP,9153/TCP", "3h", "k8s-app=kube-dns",
    ]  # fmt: skip
    web = service(
        "web", {"type": "NodePort", "clusterIPs": ["10.96.4.20"], "ports": [{"port": 80, "nodePort": 30080}]}
    )
    assert row_cells("Service", web, NOW)[1:5] == ["NodePort", "10.96.4.20", "<none>", "80:30080/TCP"]


def test_load_balancer_headless_and_external_name_services() -> None:
    pending = service(
        "lb",
        {"type": "LoadBalancer", "clusterIPs": ["10.96.1.1"], "ports": [{"port": 443, "nodePort": 31443}]},
    )
    assert row_cells("Service", pending, NOW)[3:5] == ["<pending>", "443:31443/TCP"]
    ingress = {
        "loadBalancer": {"ingress": [{"ip": "203.0.113.9"}, {"hostname": "a-very-long-name.elb.example.com"}]}
    }
    lb = service("lb", {"type": "LoadBalancer", "externalIPs": ["198.51.100.1"]}, ingress)
    assert row_cells("Service", lb, NOW)[3] == "203.0.113.9,a-very-long-name.elb.example.com,198.51.100.1"
    headless = service(
        "db", {"clusterIP": "None", "clusterIPs": ["None"], "selector": {"app": "db", "tier": "data"}}
    )
    assert row_cells("Service", headless, NOW)[1:] == [
        "ClusterIP", "None", "<none>", "<none>", "3h", "app=db,tier=data",
    ]  # fmt: skip
    external = service("mail", {"type": "ExternalName", "externalName": "smtp.example.com"})
    assert row_cells("Service", external, NOW)[1:5] == [
        "ExternalName", "<none>", "smtp.example.com", "<none>",
    ]  # fmt: skip


def test_endpoints_list_ready_addresses_only() -> None:
    ep = {
        "metadata": meta("api"),
        "subsets": [
            {
                "addresses": [{"ip": "10.244.1.2"}, {"ip": "10.244.2.3"}],
                "notReadyAddresses": [{"ip": "10.244.3.4"}],
                "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
            }
        ],
    }
    assert row_cells("Endpoints", ep, NOW) == ["api", "10.244.1.2:8080,10.244.2.3:8080", "3h"]
    ep["subsets"][0]["ports"].append({"name": "metrics", "port": 9090})
    assert row_cells("Endpoints", ep, NOW)[1] == "10.244.1.2:8080,10.244.2.3:8080,10.244.1.2:9090 + 1 more..."
    not_ready = {
        "metadata": meta("api"),
        "subsets": [{"notReadyAddresses": [{"ip": "10.244.3.4"}], "ports": [{"port": 80}]}],
    }
    assert row_cells("Endpoints", not_ready, NOW)[1] == ""
    assert row_cells("Endpoints", {"metadata": meta("orphan")}, NOW)[1] == "<none>"
    headless = {"metadata": meta("db"), "subsets": [{"addresses": [{"ip": "fd00::1"}]}]}
    assert row_cells("Endpoints", headless, NOW)[1] == "fd00::1"


def test_endpoint_slice() -> None:
    eps = {
        "metadata": meta("api-x7k2p"),
        "addressType": "IPv4",
        "ports": [{"name": "http", "port": 8080}, {"name": "grpc"}, {}, {"port": 9090}],
        "endpoints": [{"addresses": ["10.244.1.2"]}, {"addresses": ["10.244.2.3"]}],
    }
    assert row_cells("EndpointSlice", eps, NOW) == [
        "api-x7k2p", "IPv4", "8080,grpc,* + 1 more...", "10.244.1.2,10.244.2.3", "3h",
    ]  # fmt: skip
    assert row_cells("EndpointSlice", {"metadata": meta("e"), "addressType": "IPv4"}, NOW)[2:4] == [
        "<unset>",
        "<unset>",
    ]


def test_ingress_ingress_class_and_network_policy() -> None:
    ing = {
        "metadata": meta("shop"),
        "spec": {
            "ingressClassName": "nginx",
            "tls": [{"hosts": ["shop.example.com"]}],
            "rules": [
                {"host": "shop.example.com"},
                {"host": "api.example.com"},
                {},
                {"host": "a.example.com"},
                {"host": "b.example.com"},
            ],
        },
        "status": {"loadBalancer": {"ingress": [{"ip": "192.0.2.10"}]}},
    }
    assert row_cells("Ingress", ing, NOW) == [
        "shop", "nginx", "shop.example.com,api.example.com,a.example.com + 2 more...", "192.0.2.10",
        "80, 443", "3h",
    ]  # fmt: skip
    assert row_cells("Ingress", {"metadata": meta("bare")}, NOW)[1:5] == ["<none>", "*", "", "80"]
    ic = {
        "metadata": meta("nginx"),
        "spec": {
            "controller": "k8s.io/ingress-nginx",
            "parameters": {"apiGroup": "k8s.example.com", "kind": "IngressParameters", "name": "external-lb"},
        },
    }
    assert row_cells("IngressClass", ic, NOW)[1:3] == [
        "k8s.io/ingress-nginx",
        "IngressParameters.k8s.example.com/external-lb",
    ]
    deny_all = {"metadata": meta("deny-all"), "spec": {"podSelector": {}}}
    assert row_cells("NetworkPolicy", deny_all, NOW) == ["deny-all", "<none>", "3h"]
    api_only = {"metadata": meta("api"), "spec": {"podSelector": {"matchLabels": {"app": "api"}}}}
    assert row_cells("NetworkPolicy", api_only, NOW)[1] == "app=api"


# --- workloads -------------------------------------------------------------------------------------

TEMPLATE = {
    "spec": {
        "containers": [{"name": "api", "image": "shop/api:1.4"}, {"name": "proxy", "image": "envoy:1.30"}]
    }
}


def test_deployment_replicaset_statefulset_daemonset() -> None:
    selector = {
        "matchLabels": {"app": "api"},
        "matchExpressions": [{"key": "tier", "operator": "In", "values": ["b", "a"]}],
    }
    deploy = {
        "metadata": meta("api"),
        "spec": {"replicas": 3, "selector": selector, "template": TEMPLATE},
        "status": {"readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2},
    }
    assert row_cells("Deployment", deploy, NOW) == [
        "api", "2/3", 3, 2, "3h", "api,proxy", "shop/api:1.4,envoy:1.30", "app=api,tier in (a,b)",
    ]  # fmt: skip
    assert row_cells("Deployment", {"metadata": meta("bare")}, NOW)[1:4] == ["0/1", 0, 0]
    rs = {
        "metadata": meta("api-7d9f"),
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "api"}}, "template": TEMPLATE},
        "status": {"replicas": 3, "readyReplicas": 1},
    }
    assert row_cells("ReplicaSet", rs, NOW) == [
        "api-7d9f", 3, 3, 1, "3h", "api,proxy", "shop/api:1.4,envoy:1.30", "app=api",
    ]  # fmt: skip
    sts = {
        "metadata": meta("db"),
        "spec": {"replicas": 3, "template": TEMPLATE},
        "status": {"readyReplicas": 2},
    }
    assert row_cells("StatefulSet", sts, NOW) == ["db", "2/3", "3h", "api,proxy", "shop/api:1.4,envoy:1.30"]
    ds = {
        "metadata": meta("fluentd"),
        "spec": {
            "selector": {"matchLabels": {"app": "fluentd"}},
            "template": {
                "spec": {
                    "nodeSelector": {"kubernetes.io/os": "linux"},
                    "containers": [{"name": "f", "image": "fluentd:v1"}],
                }
            },
        },
        "status": {
            "desiredNumberScheduled": 3,
            "currentNumberScheduled": 3,
            "numberReady": 2,
            "updatedNumberScheduled": 3,
            "numberAvailable": 2,
        },
    }
    assert row_cells("DaemonSet", ds, NOW) == [
        "fluentd", 3, 3, 2, 3, 2, "kubernetes.io/os=linux", "3h", "f", "fluentd:v1", "app=fluentd",
    ]  # fmt: skip


def job(conditions: list[tuple[str, str]], **status: Any) -> dict[str, Any]:
    return {
        "metadata": meta("report-28571"),
        "spec": {
            "completions": 1,
            "parallelism": 1,
            "template": TEMPLATE,
            "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": "1f2e"}},
        },
        "status": {"conditions": [{"type": t, "status": s} for t, s in conditions], **status},
    }


def test_completed_failed_and_running_jobs() -> None:
    complete = job(
        [("SuccessCriteriaMet", "True"), ("Complete", "True")],
        succeeded=1,
        startTime=ago(minutes=30),
        completionTime=ago(minutes=27, seconds=55),
    )
    assert row_cells("Job", complete, NOW) == [
        "report-28571", "Complete", "1/1", "2m5s", "3h", "api,proxy", "shop/api:1.4,envoy:1.30",
        "batch.kubernetes.io/controller-uid=1f2e",
    ]  # fmt: skip
    failed = job(
        [("FailureTarget", "True"), ("Failed", "True")],
        failed=6,
        startTime=ago(hours=1),
        completionTime=ago(minutes=50),
    )
    assert row_cells("Job", failed, NOW)[1:4] == ["Failed", "0/1", "10m"]
    running = job([], active=1, startTime=ago(minutes=4))
    assert row_cells("Job", running, NOW)[1:4] == ["Running", "0/1", "4m"]
    assert row_cells("Job", job([("Suspended", "True")]), NOW)[1:4] == ["Suspended", "0/1", ""]
    work_queue = job([], succeeded=2)
    work_queue["spec"] = {"parallelism": 5}
    assert row_cells("Job", work_queue, NOW)[2] == "2/1 of 5"
    assert row_cells("Job", {"metadata": meta("j"), "spec": {}}, NOW)[1:4] == ["Running", "0/1", ""]


def test_suspended_and_active_cronjobs() -> None:
    cj = {
        "metadata": meta("nightly"),
        "spec": {"schedule": "0 2 * * *", "suspend": True, "jobTemplate": {"spec": {"template": TEMPLATE}}},
        "status": {},
    }
    assert row_cells("CronJob", cj, NOW) == [
        "nightly", "0 2 * * *", "<none>", "True", 0, "<none>", "3h", "api,proxy", "shop/api:1.4,envoy:1.30",
        "<none>",
    ]  # fmt: skip
    cj["spec"].update(suspend=False, timeZone="Europe/Paris")
    cj["status"] = {"active": [{"name": "nightly-28571"}], "lastScheduleTime": ago(minutes=40)}
    assert row_cells("CronJob", cj, NOW)[2:6] == ["Europe/Paris", "False", 1, "40m"]


def hpa(metrics: list[dict[str, Any]] | None, current: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "api"},
        "minReplicas": 2,
        "maxReplicas": 10,
    }
    if metrics is not None:
        spec["metrics"] = metrics
    status: dict[str, Any] = {"currentReplicas": 3, "desiredReplicas": 3}
    if current is not None:
        status["currentMetrics"] = current
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": meta("api"),
        "spec": spec,
        "status": status,
    }


def resource_metric(name: str, **target: Any) -> dict[str, Any]:
    return {"type": "Resource", "resource": {"name": name, "target": target}}


def test_hpa_targets_with_and_without_current_metrics() -> None:
    cpu = resource_metric("cpu", type="Utilization", averageUtilization=80)
    current = {
        "type": "Resource",
        "resource": {"name": "cpu", "current": {"averageUtilization": 45, "averageValue": "225m"}},
    }
    assert row_cells("HorizontalPodAutoscaler", hpa([cpu], [current]), NOW) == [
        "api", "Deployment/api", "cpu: 45%/80%", "2", 10, 3, "3h",
    ]  # fmt: skip
    assert row_cells("HorizontalPodAutoscaler", hpa([cpu]), NOW)[2] == "cpu: <unknown>/80%"
    assert row_cells("HorizontalPodAutoscaler", hpa(None), NOW)[2] == "cpu: <unknown>/80%"
    memory = resource_metric("memory", type="AverageValue", averageValue="1.5Gi")
    pods = {
        "type": "Pods",
        "pods": {"metric": {"name": "rps"}, "target": {"type": "AverageValue", "averageValue": "100"}},
    }
    external = {
        "type": "External",
        "external": {"metric": {"name": "queue"}, "target": {"type": "Value", "value": "30"}},
    }
    statuses = [
        current,
        {"type": "Resource", "resource": {"name": "memory", "current": {"averageValue": "1024Mi"}}},
    ]
    assert row_cells("HorizontalPodAutoscaler", hpa([cpu, memory, pods, external], statuses), NOW)[2] == (
        "cpu: 45%/80%, memory: 1Gi/1536Mi + 2 more..."
    )
    assert (
        row_cells("HorizontalPodAutoscaler", hpa([pods, external]), NOW)[2] == "<unknown>/100, <unknown>/30"
    )
    object_avg = {"type": "Object", "object": {"target": {"type": "AverageValue", "averageValue": "2k"}}}
    assert row_cells("HorizontalPodAutoscaler", hpa([object_avg, {"type": "Bogus"}]), NOW)[2] == (
        "<unknown>/2k (avg), <unknown type>"
    )
    unset = hpa([cpu])
    del unset["spec"]["minReplicas"]
    assert row_cells("HorizontalPodAutoscaler", unset, NOW)[3] == "1"


def test_pdb_and_controller_revision() -> None:
    pdb = {"metadata": meta("api"), "spec": {"minAvailable": "50%"}, "status": {"disruptionsAllowed": 1}}
    assert row_cells("PodDisruptionBudget", pdb, NOW) == ["api", "50%", "N/A", 1, "3h"]
    rev = {
        "metadata": meta(
            "fluentd-6b8f",
            ownerReferences=[
                {"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "fluentd", "controller": True}
            ],
        ),
        "revision": 4,
    }
    assert row_cells("ControllerRevision", rev, NOW) == ["fluentd-6b8f", "daemonset.apps/fluentd", 4, "3h"]


# --- events ---------------------------------------------------------------------------------------


def test_core_event_row() -> None:
    ev = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": meta("api-7d9f.17c2a"),
        "type": "Warning",
        "reason": "BackOff",
        "involvedObject": {"kind": "Pod", "name": "api-7d9f", "fieldPath": "spec.containers{api}"},
        "message": "Back-off restarting failed container api in pod api-7d9f\n",
        "count": 12,
        "source": {"component": "kubelet", "host": "node-1"},
        "firstTimestamp": ago(minutes=10),
        "lastTimestamp": ago(seconds=45),
    }
    assert row_cells("Event", ev, NOW) == [
        "45s", "Warning", "BackOff", "pod/api-7d9f", "spec.containers{api}", "kubelet, node-1",
        "Back-off restarting failed container api in pod api-7d9f", "10m", 12, "api-7d9f.17c2a",
    ]  # fmt: skip


def test_events_k8s_io_shape_and_series() -> None:
    ev = {
        "apiVersion": "events.k8s.io/v1",
        "kind": "Event",
        "metadata": meta("api.1"),
        "type": "Normal",
        "reason": "ScalingReplicaSet",
        "regarding": {"kind": "Deployment", "name": "api"},
        "note": "Scaled up",
        "eventTime": "2024-05-01T11:50:00.000000Z",
        "reportingController": "deployment-controller",
        "series": {"count": 4, "lastObservedTime": "2024-05-01T11:58:00.123456Z"},
    }
    assert row_cells("Event", ev, NOW) == [
        "119s", "Normal", "ScalingReplicaSet", "deployment/api", "", "deployment-controller", "Scaled up",
        "10m", 4, "api.1",
    ]  # fmt: skip
    cluster = {
        "metadata": meta("x"),
        "involvedObject": {"kind": "Node"},
        "reportingController": "c",
        "reportingInstance": "i",
        "eventTime": ago(minutes=1),
    }
    assert row_cells("Event", cluster, NOW)[3:9] == ["node", "", "c, i", "", "60s", 1]


# --- config, storage, RBAC, misc -------------------------------------------------------------------


def test_config_and_accounts() -> None:
    cm = {"metadata": meta("app"), "data": {"a": "1", "b": "2"}, "binaryData": {"c": "AA=="}}
    assert row_cells("ConfigMap", cm, NOW) == ["app", 3, "3h"]
    secret = {"metadata": meta("tls"), "type": "kubernetes.io/tls", "data": {"tls.crt": "", "tls.key": ""}}
    assert row_cells("Secret", secret, NOW) == ["tls", "kubernetes.io/tls", 2, "3h"]
    written = {"metadata": meta("db"), "data": {"user": "YQ=="}, "stringData": {"user": "a", "password": "b"}}
    assert row_cells("Secret", written, NOW) == ["db", "Opaque", 2, "3h"]
    assert row_cells("ServiceAccount", {"metadata": meta("default")}, NOW) == ["default", 0, "3h"]
    assert row_cells("Namespace", {"metadata": meta("shop"), "status": {"phase": "Terminating"}}, NOW) == [
        "shop", "Terminating", "3h",
    ]  # fmt: skip


def test_persistent_volumes_and_claims() -> None:
    pvc = {
        "metadata": meta("data-db-0"),
        "spec": {
            "storageClassName": "standard",
            "volumeName": "pvc-4c1e",
            "resources": {"requests": {"storage": "10Gi"}},
        },
        "status": {
            "phase": "Bound",
            "capacity": {"storage": "10240Mi"},
            "accessModes": ["ReadWriteMany", "ReadWriteOnce"],
        },
    }
    assert row_cells("PersistentVolumeClaim", pvc, NOW) == [
        "data-db-0", "Bound", "pvc-4c1e", "10Gi", "RWO,RWX", "standard", "<unset>", "3h", "Filesystem",
    ]  # fmt: skip
    pending = {"metadata": meta("scratch"), "spec": {"resources": {"requests": {"storage": "1Gi"}}}}
    assert row_cells("PersistentVolumeClaim", pending, NOW)[1:7] == ["Pending", "", "", "", "", "<unset>"]
    pv = {
        "metadata": meta("pvc-4c1e", annotations={"volume.beta.kubernetes.io/storage-class": "legacy"}),
        "spec": {
            "capacity": {"storage": "1.5Gi"},
            "accessModes": ["ReadWriteOnce"],
            "storageClassName": "standard",
            "persistentVolumeReclaimPolicy": "Delete",
            "claimRef": {"namespace": "shop", "name": "data-db-0"},
        },
        "status": {"phase": "Bound"},
    }
    assert row_cells("PersistentVolume", pv, NOW) == [
        "pvc-4c1e", "1536Mi", "RWO", "Delete", "Bound", "shop/data-db-0", "legacy", "<unset>", "", "3h",
        "Filesystem",
    ]  # fmt: skip
    pv["metadata"]["deletionTimestamp"] = ago(seconds=1)
    assert row_cells("PersistentVolume", pv, NOW)[4] == "Terminating"


def test_storage_class_rbac_lease_and_priority() -> None:
    sc = {
        "metadata": meta("standard", annotations={"storageclass.kubernetes.io/is-default-class": "true"}),
        "provisioner": "rancher.io/local-path",
        "volumeBindingMode": "WaitForFirstConsumer",
    }
    assert row_cells("StorageClass", sc, NOW) == [
        "standard (default)", "rancher.io/local-path", "Delete", "WaitForFirstConsumer", False, "3h",
    ]  # fmt: skip
    rb = {
        "metadata": meta("read-pods"),
        "roleRef": {"kind": "Role", "name": "pod-reader"},
        "subjects": [
            {"kind": "User", "name": "jane"},
            {"kind": "ServiceAccount", "namespace": "shop", "name": "api"},
            {"kind": "Group", "name": "devs"},
            {"kind": "User", "name": "joe"},
        ],
    }
    assert row_cells("RoleBinding", rb, NOW) == [
        "read-pods", "Role/pod-reader", "3h", "jane, joe", "devs", "shop/api",
    ]  # fmt: skip
    assert row_cells(
        "ClusterRoleBinding", {"metadata": meta("x"), "roleRef": {"kind": "ClusterRole", "name": "view"}}, NOW
    ) == [
        "x", "ClusterRole/view", "3h", "", "", "",
    ]  # fmt: skip
    role = {"metadata": meta("pod-reader", creationTimestamp="2024-04-30T08:15:00+02:00")}
    assert row_cells("Role", role, NOW) == ["pod-reader", "2024-04-30T06:15:00Z"]
    assert row_cells("CustomResourceDefinition", {"metadata": {"name": "widgets.example.com"}}, NOW) == [
        "widgets.example.com",
        "0001-01-01T00:00:00Z",
    ]
    lease = {"metadata": meta("kube-scheduler"), "spec": {"holderIdentity": "cp-1_4f2a"}}
    assert row_cells("Lease", lease, NOW) == ["kube-scheduler", "cp-1_4f2a", "3h"]
    pc = {"metadata": meta("critical"), "value": 1000000, "globalDefault": True}
    assert row_cells("PriorityClass", pc, NOW) == ["critical", 1000000, True, "3h", "PreemptLowerPriority"]
    assert row_cells("Widget", {"metadata": meta("w")}, NOW) == ["w", "3h"]
    assert row_cells("Widget", {"metadata": {"name": "w"}}, NOW) == ["w", "<unknown>"]


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        (None, "<none>"),
        ({}, "<none>"),
        ({"matchLabels": {"b": "2", "a": "1"}}, "a=1,b=2"),
        (
            {
                "matchExpressions": [
                    {"key": "env", "operator": "NotIn", "values": ["prod", "dev"]},
                    {"key": "canary", "operator": "DoesNotExist"},
                    {"key": "app", "operator": "Exists"},
                ]
            },
            "app,!canary,env notin (dev,prod)",
        ),
        ({"matchExpressions": [{"key": "app", "operator": "Matches", "values": ["x"]}]}, "<error>"),
        ({"matchExpressions": [{"key": "app", "operator": "In", "values": []}]}, "<error>"),
    ],
)
def test_label_selector_cells(selector: Any, expected: str) -> None:
    rs = {"metadata": meta("rs"), "spec": {"selector": selector}}
    assert row_cells("ReplicaSet", rs, NOW)[-1] == expected


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("10Gi", "10Gi"),
        ("1024Mi", "1Gi"),
        ("1.5Gi", "1536Mi"),
        ("0.5Ki", "512"),
        ("1000M", "1G"),
        ("1500M", "1500M"),
        ("100m", "100m"),
        ("0.1", "100m"),
        ("2000m", "2"),
        ("1e3", "1e3"),
        ("12e6", "12e6"),
        ("1.5", "1500m"),
        ("0", "0"),
        ("-2Ki", "-2Ki"),
        (3, "3"),
        (None, "<nil>"),
        ("0.0000000001", "1n"),
        ("lots", "lots"),
    ],
)
def test_quantities_print_canonically(written: Any, canonical: str) -> None:
    assert quantity_string(written) == canonical


# --- custom resources ------------------------------------------------------------------------------

WIDGET = {
    "apiVersion": "example.com/v1",
    "kind": "Widget",
    "metadata": {
        "name": "w1",
        "creationTimestamp": ago(days=2, hours=3),
        "labels": {"app.kubernetes.io/name": "shop"},
    },
    "spec": {"replicas": 3, "ratio": 0.25, "paused": False, "selector": {"tier": "web", "app": "<shop>"}},
    "status": {
        "conditions": [
            {"type": "Synced", "status": "False"},
            {"type": "Ready", "status": "True", "lastTransitionTime": ago(minutes=5)},
        ],
        "nodes": ["a", "b", "c"],
        "big": 1e21,
        "tiny": 1e-5,
    },
}


def test_custom_resource_without_printer_columns_gets_age() -> None:
    assert [(c["name"], c["type"]) for c in custom_column_definitions([])] == [
        ("Name", "string"),
        ("Age", "date"),
    ]
    assert custom_row_cells([], WIDGET, NOW) == ["w1", "2d3h"]


def test_custom_columns_evaluate_jsonpath_by_type() -> None:
    columns = [
        {"name": "Replicas", "type": "integer", "jsonPath": ".spec.replicas"},
        {"name": "Ready", "type": "string", "jsonPath": '.status.conditions[?(@.type=="Ready")].status'},
        {
            "name": "Since",
            "type": "date",
            "jsonPath": ".status.conditions[?(@.type=='Ready')].lastTransitionTime",
        },
        {
            "name": "App",
            "type": "string",
            "jsonPath": ".metadata.labels.app\\.kubernetes\\.io/name",
            "priority": 1,
        },
        {"name": "Ratio", "type": "number", "jsonPath": ".spec.ratio", "format": "float"},
        {"name": "Paused", "type": "boolean", "jsonPath": ".spec.paused"},
        {"name": "Selector", "type": "string", "jsonPath": ".spec.selector", "description": "pods"},
        {"name": "Last", "type": "string", "jsonPath": ".status.nodes[-1]"},
        {"name": "Big", "type": "string", "jsonPath": ".status.big"},
        {"name": "Missing", "type": "string", "jsonPath": ".status.nope"},
        {"name": "Wrong", "type": "integer", "jsonPath": ".spec.paused"},
        {"name": "Nodes", "type": "string", "jsonPath": ".status.nodes[0:2]"},
    ]
    assert custom_row_cells(columns, WIDGET, NOW) == [
        "w1", 3, "True", "5m", "shop", 0.25, False, '{"app":"\\u003cshop\\u003e","tier":"web"}', "c", "1e+21",
        None, None, "a",
    ]  # fmt: skip
    definitions = custom_column_definitions(columns)
    assert definitions[4] == {
        "name": "App",
        "type": "string",
        "format": "",
        "priority": 1,
        "description": "Custom resource definition column (in JSONPath format): "
        ".metadata.labels.app\\.kubernetes\\.io/name",
    }
    assert (definitions[5]["format"], definitions[7]["description"]) == ("float", "pods")


def test_custom_column_with_bad_path_ends_the_column_list() -> None:
    columns = [
        {"name": "Replicas", "type": "integer", "jsonPath": ".spec.replicas"},
        {"name": "Broken", "type": "string", "jsonPath": ".spec[?(@.x"},
        {"name": "After", "type": "string", "jsonPath": ".spec.replicas"},
    ]
    assert [c["name"] for c in custom_column_definitions(columns)] == ["Name", "Replicas"]
    assert custom_row_cells(columns, WIDGET, NOW) == ["w1", 3]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2024-05-01T11:00:00Z", "60m"), ("", "<unknown>"), ("yesterday", "<invalid>"), (42, None)],
)
def test_custom_date_columns(value: Any, expected: Any) -> None:
    columns = [{"name": "Seen", "type": "date", "jsonPath": ".status.seen"}]
    assert custom_row_cells(columns, {"metadata": {"name": "w"}, "status": {"seen": value}}, NOW) == [
        "w",
        expected,
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1.0, "1"),
        (0.25, "0.25"),
        (1e20, "100000000000000000000"),
        (1e21, "1e+21"),
        (1e-5, "1e-05"),
        (0.0001, "0.0001"),
        (-2.5, "-2.5"),
        (True, "true"),
        (None, "<no value>"),
        ([1.5e-7, {"k": 2}], '[1.5e-7,{"k":2}]'),
    ],
)
def test_string_columns_print_values_like_go(value: Any, expected: str) -> None:
    assert go_text(value) == expected
