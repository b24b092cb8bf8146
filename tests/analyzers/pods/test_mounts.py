"""pod.mount-failed: volumes the kubelet cannot attach or mount."""

from __future__ import annotations

from tests.analyzers.pods.objects import bundle, event, pod, run, status, summary, waiting
from workbench.analyzers.pods.mounts import MountFailed
from workbench.model import ObjectRef

MULTI_ATTACH = (
    'Multi-Attach error for volume "pvc-1f2e" Volume is already exclusively attached to one node '
    "and can't be attached to another"
)


def creating(created: float) -> dict[str, object]:
    return pod(
        "db-0",
        owner=("StatefulSet", "db"),
        phase="Pending",
        created=created,
        statuses=[status(ready=False, state=waiting("ContainerCreating"))],
        volumes=[{"name": "data", "persistentVolumeClaim": {"claimName": "data-db-0"}}],
    )


def test_a_volume_that_cannot_attach_relates_the_claim() -> None:
    p = creating(600)
    (finding,) = run(
        MountFailed,
        bundle(p, event(p, "FailedAttachVolume", MULTI_ATTACH, count=8, source="attachdetach-controller")),
    )
    assert (finding.code, str(finding.severity)) == ("pod.mount-failed", "error")
    assert finding.related == (
        ObjectRef("Node", "", "node-1"),
        ObjectRef("PersistentVolumeClaim", "shop", "data-db-0"),
    )
    assert finding.evidence[0].value == MULTI_ATTACH


def test_a_young_pod_is_given_time_and_a_missing_configmap_is_a_config_error() -> None:
    young = creating(60)
    assert run(MountFailed, bundle(young, event(young, "FailedAttachVolume", MULTI_ATTACH))) == []
    p = creating(600)
    missing = event(
        p, "FailedMount", 'MountVolume.SetUp failed for volume "cfg" : configmap "db-conf" not found'
    )
    assert summary(run(MountFailed, bundle(p, missing))) == []
