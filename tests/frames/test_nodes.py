"""The nodes frame: capacity, conditions, taints and roles from real Node lists."""

from __future__ import annotations

import json

import pandas as pd

from tests.frames.conftest import Pulled
from workbench.frames import schema
from workbench.frames._nodes import build_nodes
from workbench.frames.schema import Nodes
from workbench.sources._kinds import builtin


def node(pulled: Pulled, scenario: str, name: str) -> pd.Series:
    nodes = pulled(scenario).nodes
    rows = nodes[nodes[Nodes.NAME] == name]
    assert len(rows) == 1
    return rows.iloc[0]


def test_nodes_match_the_schema_and_are_cluster_scoped(pulled: Pulled) -> None:
    nodes = pulled("healthy").nodes
    schema.validate("nodes", nodes)
    assert sorted(nodes[Nodes.NAME]) == ["kind-control-plane", "kind-worker", "kind-worker2"]
    assert set(nodes[Nodes.KIND]) == {"Node"}
    assert set(nodes[Nodes.NAMESPACE]) == {""}
    assert nodes[Nodes.UID].str.len().min() > 0
    assert nodes[Nodes.READY].all()
    for col in (Nodes.READY_STATUS, Nodes.KUBELET_VERSION, Nodes.ARCH):
        assert isinstance(nodes[col].dtype, pd.CategoricalDtype)
    assert nodes[Nodes.LAST_HEARTBEAT].dtype == "datetime64[ns, UTC]"


def test_capacity_and_allocatable_are_numbers(pulled: Pulled) -> None:
    worker = node(pulled, "healthy", "kind-worker")
    assert worker[Nodes.CPU_CAPACITY] == 8.0
    assert worker[Nodes.CPU_ALLOCATABLE] == 8.0
    assert worker[Nodes.MEMORY_CAPACITY] == 32863736 * 1024  # "32863736Ki"
    assert worker[Nodes.PODS_ALLOCATABLE] == 110
    assert worker[Nodes.EPHEMERAL_CAPACITY] == 102626232 * 1024
    assert worker[Nodes.INTERNAL_IP].startswith("172.18.0.")
    assert worker[Nodes.OS_IMAGE] == "Debian GNU/Linux 12 (bookworm)"
    assert worker[Nodes.CONTAINER_RUNTIME].startswith("containerd://")


def test_control_plane_role_and_taint(pulled: Pulled) -> None:
    cp = node(pulled, "healthy", "kind-control-plane")
    assert cp[Nodes.ROLES] == ["control-plane"]
    assert cp[Nodes.TAINTS] == ["node-role.kubernetes.io/control-plane:NoSchedule"]
    assert node(pulled, "healthy", "kind-worker")[Nodes.ROLES] == []


def test_a_node_that_stopped_reporting_is_unknown_and_tainted(pulled: Pulled) -> None:
    lost = node(pulled, "node-notready", "kind-worker2")
    assert not lost[Nodes.READY]
    assert lost[Nodes.READY_STATUS] == "Unknown"
    assert lost[Nodes.READY_REASON] == "NodeStatusUnknown"
    assert "Kubelet stopped posting node status" in lost[Nodes.READY_MESSAGE]
    assert "node.kubernetes.io/unreachable:NoExecute" in lost[Nodes.TAINTS]
    healthy = node(pulled, "node-notready", "kind-worker")
    assert healthy[Nodes.LAST_HEARTBEAT] > lost[Nodes.LAST_HEARTBEAT]


def test_pressure_cordon_zone_and_valued_taints() -> None:
    item = {
        "metadata": {
            "name": "n1",
            "uid": "u1",
            "labels": {
                "topology.kubernetes.io/zone": "eu-west-1a",
                "node-role.kubernetes.io/worker": "",
                "node.kubernetes.io/instance-type": "m6i.large",
            },
        },
        "spec": {
            "unschedulable": True,
            "taints": [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}],
        },
        "status": {
            "capacity": {"cpu": "3500m", "memory": "1Gi"},
            "conditions": [
                {"type": "MemoryPressure", "status": "True", "reason": "KubeletHasInsufficientMemory"},
                {"type": "DiskPressure", "status": "False"},
                {
                    "type": "Ready",
                    "status": "False",
                    "reason": "KubeletNotReady",
                    "message": "PLEG is not healthy",
                },
            ],
        },
    }
    page = json.dumps({"kind": "NodeList", "items": [item]}).encode()
    row = build_nodes(builtin("nodes"), [page])["nodes"].iloc[0]
    assert row[Nodes.UNSCHEDULABLE]
    assert row[Nodes.TAINTS] == ["dedicated=gpu:NoSchedule"]
    assert row[Nodes.ZONE] == "eu-west-1a"
    assert row[Nodes.INSTANCE_TYPE] == "m6i.large"
    assert row[Nodes.ROLES] == ["worker"]
    assert row[Nodes.MEMORY_PRESSURE]
    assert not row[Nodes.DISK_PRESSURE]
    assert not row[Nodes.PID_PRESSURE]
    assert row[Nodes.READY_STATUS] == "False"
    assert row[Nodes.READY_MESSAGE] == "PLEG is not healthy"
    assert row[Nodes.CPU_CAPACITY] == 3.5
    assert pd.isna(row[Nodes.CPU_ALLOCATABLE])
    assert pd.isna(row[Nodes.PODS_CAPACITY])


def test_annotations_are_a_dict(pulled: Pulled) -> None:
    lost = node(pulled, "node-notready", "kind-worker2")
    assert lost[Nodes.ANNOTATIONS]["sandbox.workbench.io/kubelet"] == "stopped"
    healthy = node(pulled, "node-notready", "kind-worker")
    assert "sandbox.workbench.io/kubelet" not in healthy[Nodes.ANNOTATIONS]
    page = json.dumps({"kind": "NodeList", "items": [{"metadata": {"name": "bare"}}]}).encode()
    assert build_nodes(builtin("nodes"), [page])["nodes"].iloc[0][Nodes.ANNOTATIONS] == {}
