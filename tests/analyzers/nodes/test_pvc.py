"""The pvc analyzer: Pending claims with what blocks them, Lost claims, and the waits that are normal."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest

from tests.analyzers.network.objects import event, frames_of, warnings_of
from tests.analyzers.nodes.objects import pvc, storageclass
from workbench.analyzers.nodes.pvc import PvcAnalyzer
from workbench.frames import Frames
from workbench.model import Finding, ObjectRef, Severity

NOT_FOUND = event(
    "PersistentVolumeClaim",
    "db-data",
    "ProvisioningFailed",
    'storageclass.storage.k8s.io "fast-ssd" not found',
    namespace="inventory",
    count=57,
)
NO_VOLUME = event(
    "PersistentVolumeClaim",
    "db-data",
    "FailedBinding",
    "no persistent volumes available for this claim and no storage class is set",
    namespace="inventory",
)
WAITING = event(
    "PersistentVolumeClaim",
    "db-data",
    "WaitForFirstConsumer",
    "waiting for first consumer to be created before binding",
    namespace="inventory",
    type_="Normal",
)


def analyze(frames: Frames) -> list[Finding]:
    return sorted(PvcAnalyzer().analyze(frames), key=Finding.sort_key)


def cluster(claim: dict[str, Any], *classes: dict[str, Any], events: Sequence[dict[str, Any]] = ()) -> Frames:
    return frames_of(pvcs=[claim], storageclasses=list(classes), events=list(events))


STANDARD = storageclass("standard", default=True)
LATE = storageclass("standard", default=True, binding="WaitForFirstConsumer")

CASES: dict[str, tuple[Frames, list[tuple[str, Severity, str]]]] = {
    "bound": (cluster(pvc("db-data", phase="Bound", volume="pvc-1"), STANDARD), []),
    "class missing": (
        cluster(pvc("db-data", storage_class="fast-ssd"), STANDARD, events=[NOT_FOUND]),
        [("pvc.pending", Severity.ERROR, "StorageClass fast-ssd does not exist")],
    ),
    "no class and no default": (
        cluster(pvc("db-data", storage_class=None), storageclass("standard")),
        [("pvc.pending", Severity.ERROR, "it names no StorageClass and the cluster has no default one")],
    ),
    "binding warning": (
        cluster(pvc("db-data", storage_class=""), STANDARD, events=[NO_VOLUME]),
        [
            (
                "pvc.pending",
                Severity.ERROR,
                "no persistent volumes available for this claim and no storage class is set",
            )
        ],
    ),
    # WaitForFirstConsumer claims wait for their pod by design.
    "waits for first consumer": (cluster(pvc("db-data"), LATE, events=[WAITING]), []),
    "pending briefly": (cluster(pvc("db-data", age=60), STANDARD), []),
    "pending long, no warning": (
        cluster(pvc("db-data", age=900), STANDARD),
        [("pvc.pending", Severity.WARNING, "still Pending after 15m")],
    ),
    "lost": (
        cluster(pvc("db-data", phase="Lost", volume="pvc-9"), STANDARD),
        [("pvc.lost", Severity.ERROR, "")],
    ),
    # Without the storageclasses frame nothing may count as missing: only the events speak.
    "classes not readable": (
        frames_of(pvcs=[pvc("db-data", storage_class="fast-ssd", age=60)]),
        [],
    ),
}


@pytest.mark.parametrize(("frames", "expected"), CASES.values(), ids=CASES.keys())
def test_pvc_findings(frames: Frames, expected: list[tuple[str, Severity, str]]) -> None:
    found = analyze(frames)
    assert [(f.code, f.severity) for f in found] == [e[:2] for e in expected]
    for f, (_, _, cause) in zip(found, expected, strict=True):
        assert cause in f.summary


def test_a_missing_class_relates_the_class_and_quotes_the_event() -> None:
    [found] = analyze(cluster(pvc("db-data", storage_class="fast-ssd"), STANDARD, events=[NOT_FOUND]))
    assert found.ref == ObjectRef("PersistentVolumeClaim", "inventory", "db-data", "uid-inventory-db-data")
    assert found.related == (ObjectRef("StorageClass", "", "fast-ssd"),)
    assert found.planners == ("create-storage-class",)
    values = {e.subject: e.value for e in found.evidence}
    assert values["spec.storageClassName"] == "fast-ssd (no such StorageClass)"
    assert values["spec.resources.requests.storage"] == "10Gi"
    assert values["event ProvisioningFailed (x57)"] == 'storageclass.storage.k8s.io "fast-ssd" not found'
    assert "standard" in found.explanation  # the classes that do exist


def test_a_lost_claim_relates_its_volume() -> None:
    [found] = analyze(cluster(pvc("db-data", phase="Lost", volume="pvc-9"), STANDARD))
    assert found.related == (ObjectRef("PersistentVolume", "", "pvc-9"),)


def test_pvc_pending_scenario(scenario: Callable[[str], Frames]) -> None:
    found = analyze(scenario("pvc-pending"))
    assert warnings_of(found) == [("pvc.pending", "PersistentVolumeClaim inventory/inventory-db-data")]
    assert found[0].related == (ObjectRef("StorageClass", "", "fast-ssd"),)


@pytest.mark.parametrize("name", ["healthy", "incident"])
def test_scenarios_with_bound_claims_have_no_pvc_findings(
    scenario: Callable[[str], Frames], name: str
) -> None:
    assert analyze(scenario(name)) == []
