"""workload.privileged: privileged containers, host namespaces, powerful capabilities (INFO, per workload)."""

from __future__ import annotations

import pytest

from tests.analyzers.pods.conftest import Pull
from tests.analyzers.pods.objects import Obj, bundle, container, pod, run, summary
from workbench.analyzers.pods.security import Privileged


def agent(security: Obj | None = None, namespace: str = "monitoring", **spec: object) -> Obj:
    return pod(
        "agent-x1",
        namespace,
        owner=("DaemonSet", "agent"),
        containers=[container(security=security)],
        pod_spec=dict(spec),
    )


@pytest.mark.parametrize(
    ("objects", "expected"),
    [
        pytest.param(
            [agent({"privileged": True})], [("workload.privileged", "agent", "info")], id="privileged"
        ),
        pytest.param([agent(hostNetwork=True)], [("workload.privileged", "agent", "info")], id="hostNetwork"),
        pytest.param(
            [agent({"capabilities": {"add": ["SYS_ADMIN"]}})],
            [("workload.privileged", "agent", "info")],
            id="SYS_ADMIN",
        ),
        pytest.param(
            [agent({"capabilities": {"add": ["NET_BIND_SERVICE"]}})], [], id="a harmless capability"
        ),
        pytest.param(
            [agent({"allowPrivilegeEscalation": False, "runAsNonRoot": True})], [], id="locked down"
        ),
        pytest.param(
            [agent({"privileged": True}, "kube-system", hostNetwork=True)],
            [],
            id="kube-system is the platform's",
        ),
    ],
)
def test_privileged(objects: list[Obj], expected: list[tuple[str, str, str]]) -> None:
    assert summary(run(Privileged, bundle(*objects))) == expected


def test_evidence_lists_each_privilege_once_per_workload() -> None:
    pods = [
        pod(
            f"agent-x{i}",
            "monitoring",
            owner=("DaemonSet", "agent"),
            pod_spec={"hostNetwork": True, "hostPID": True},
            containers=[
                container(security={"privileged": True, "capabilities": {"add": ["NET_ADMIN", "CHOWN"]}})
            ],
        )
        for i in range(3)
    ]
    (finding,) = run(Privileged, bundle(*pods))
    assert [(e.subject, e.value) for e in finding.evidence] == [
        ("spec (pod)", "hostNetwork, hostPID"),
        ("spec.containers[app].securityContext.privileged", "true"),
        ("spec.containers[app].securityContext.capabilities.add", "NET_ADMIN"),
    ]
    assert "3 pod(s)" in finding.summary


def test_lab_node_agent(scenario: Pull) -> None:
    findings = run(Privileged, scenario("healthy", manifest="lab"))
    assert [(f.code, str(f.ref), str(f.severity)) for f in findings] == [
        ("workload.privileged", "DaemonSet lab/node-agent", "info")
    ]
