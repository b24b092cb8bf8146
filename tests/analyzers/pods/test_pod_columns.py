"""The pods/containers frame columns this family added: config references, claims, privileges, readiness."""

from __future__ import annotations

from tests.analyzers.pods.objects import bundle, container, pod
from workbench.frames.schema import Containers, Pods


def test_config_references_and_claims_are_collected_from_volumes_and_env() -> None:
    p = pod(
        "web-1",
        containers=[
            container(
                env=[
                    {"name": "A", "value": "1"},
                    {"name": "DB", "valueFrom": {"secretKeyRef": {"name": "db", "key": "url"}}},
                    {"name": "MODE", "valueFrom": {"configMapKeyRef": {"name": "flags", "key": "mode"}}},
                    {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                ],
                env_from=[{"configMapRef": {"name": "common"}}, {"secretRef": {"name": "api-keys"}}],
            )
        ],
        volumes=[
            {"name": "cfg", "configMap": {"name": "web-config"}},
            {"name": "tls", "secret": {"secretName": "web-tls"}},
            {"name": "data", "persistentVolumeClaim": {"claimName": "web-data"}},
            {"name": "scratch", "ephemeral": {"volumeClaimTemplate": {"spec": {}}}},
            {
                "name": "token",
                "projected": {
                    "sources": [
                        {"serviceAccountToken": {"path": "token"}},
                        {"configMap": {"name": "kube-root-ca.crt"}},
                        {"secret": {"name": "extra"}},
                    ]
                },
            },
            {"name": "tmp", "emptyDir": {}},
        ],
        pod_spec={"imagePullSecrets": [{"name": "regcred"}], "hostNetwork": True},
    )
    row = bundle(p).pods.iloc[0]
    assert row[Pods.CONFIG_MAPS] == ["common", "flags", "kube-root-ca.crt", "web-config"]
    assert row[Pods.SECRETS] == ["api-keys", "db", "extra", "web-tls"]
    assert row[Pods.VOLUME_CLAIMS] == ["web-1-scratch", "web-data"]
    assert row[Pods.IMAGE_PULL_SECRETS] == ["regcred"]
    assert (row[Pods.HOST_NETWORK], row[Pods.HOST_PID], row[Pods.HOST_IPC]) == (True, False, False)


def test_a_pod_without_references_has_empty_lists() -> None:
    frames = bundle(pod("web-1"))
    row = frames.pods.iloc[0]
    assert (row[Pods.CONFIG_MAPS], row[Pods.SECRETS], row[Pods.VOLUME_CLAIMS]) == ([], [], [])
    for col in (Pods.HOST_NETWORK, Pods.HOST_PID, Pods.HOST_IPC):
        assert frames.pods[col].dtype == bool
    assert frames.pods[Pods.READY_STATUS].iloc[0] == "True"


def test_effective_privileges_per_container() -> None:
    p = pod(
        "agent-1",
        containers=[
            container("plain"),
            container("locked", security={"allowPrivilegeEscalation": False, "runAsNonRoot": True}),
            container(
                "root",
                security={
                    "privileged": True,
                    "allowPrivilegeEscalation": False,
                    "capabilities": {"add": ["NET_ADMIN"]},
                },
            ),
            container("override", security={"runAsNonRoot": False}),
        ],
        statuses=[],
        pod_spec={"securityContext": {"runAsNonRoot": True}},
    )
    c = bundle(p).containers.set_index(Containers.CONTAINER)
    assert c[Containers.PRIVILEGED].to_dict() == {
        "plain": False,
        "locked": False,
        "root": True,
        "override": False,
    }
    # Escalation is allowed unless set false, and always for a privileged container.
    assert c[Containers.ALLOW_PRIVILEGE_ESCALATION].to_dict() == {
        "plain": True,
        "locked": False,
        "root": True,
        "override": True,
    }
    # runAsNonRoot falls back to the pod's.
    assert c[Containers.RUN_AS_NON_ROOT].to_dict() == {
        "plain": True,
        "locked": True,
        "root": True,
        "override": False,
    }
    assert c[Containers.CAPABILITIES_ADD].to_dict() == {
        "plain": [],
        "locked": [],
        "root": ["NET_ADMIN"],
        "override": [],
    }


def test_readiness_gates_show_in_ready_status() -> None:
    row = bundle(pod("web-1", ready_status="False", ready_reason="ReadinessGatesNotReady")).pods.iloc[0]
    assert row[Pods.READY]  # every container is ready...
    assert (row[Pods.READY_STATUS], row[Pods.READY_REASON]) == (
        "False",
        "ReadinessGatesNotReady",
    )  # ...the pod is not
