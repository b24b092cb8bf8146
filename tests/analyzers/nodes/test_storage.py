"""The storage analyzer: released and failed volumes, and the cluster's default StorageClass."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.analyzers.network.objects import frames_of
from tests.analyzers.nodes.objects import pv, pvc, storageclass
from workbench.analyzers.nodes.storage import DEFAULT_CLASS, StorageAnalyzer
from workbench.frames import Frames
from workbench.model import Finding, ObjectRef, Severity


def analyze(frames: Frames) -> list[Finding]:
    return sorted(StorageAnalyzer().analyze(frames), key=Finding.sort_key)


DEFAULT = storageclass("standard", default=True)

CASES: dict[str, tuple[dict[str, list[dict[str, Any]]], list[tuple[str, str, Severity]]]] = {
    "bound volume": ({"pvs": [pv("pvc-1", phase="Bound")], "storageclasses": [DEFAULT]}, []),
    "released, Retain keeps it on purpose": (
        {"pvs": [pv("pvc-1", phase="Released", reclaim="Retain")], "storageclasses": [DEFAULT]},
        [("pv.released", "pvc-1", Severity.INFO)],
    ),
    "released, Delete did not delete it": (
        {"pvs": [pv("pvc-1", phase="Released")], "storageclasses": [DEFAULT]},
        [("pv.released", "pvc-1", Severity.WARNING)],
    ),
    "failed": (
        {
            "pvs": [
                pv(
                    "pvc-1",
                    phase="Failed",
                    message="host_path deleter only supports /tmp/.+ but received provided /mnt",
                )
            ],
            "storageclasses": [DEFAULT],
        },
        [("pv.failed", "pvc-1", Severity.WARNING)],
    ),
    "no default, claims without class": (
        {
            "storageclasses": [storageclass("fast")],
            "pvcs": [pvc("db-data", storage_class=None, phase="Bound")],
        },
        [("storage.no-default-class", "(default)", Severity.INFO)],
    ),
    "no default, every claim names its class": (
        {"storageclasses": [storageclass("fast")], "pvcs": [pvc("db-data", storage_class="fast")]},
        [],
    ),
    "two defaults": (
        {"storageclasses": [DEFAULT, storageclass("fast", default=True, age=60)], "pvcs": []},
        [("storage.multiple-default-classes", "(default)", Severity.WARNING)],
    ),
    # Without the storageclasses frame, "no default" cannot be told from "not read".
    "classes not readable": ({"pvcs": [pvc("db-data", storage_class=None)]}, []),
}


@pytest.mark.parametrize(("objects", "expected"), CASES.values(), ids=CASES.keys())
def test_storage_findings(
    objects: dict[str, list[dict[str, Any]]], expected: list[tuple[str, str, Severity]]
) -> None:
    assert [(f.code, f.ref.name, f.severity) for f in analyze(frames_of(**objects))] == expected


def test_a_failed_volume_quotes_its_status_message() -> None:
    [found] = analyze(frames_of(pvs=[pv("pvc-1", phase="Failed", message="deleter failed")]))
    assert found.ref == ObjectRef("PersistentVolume", "", "pvc-1", "uid--pvc-1")
    assert [(e.subject, e.value) for e in found.evidence] == [
        ("status.phase", "Failed"),
        ("spec.persistentVolumeReclaimPolicy", "Delete"),
        ("spec.claimRef", "inventory/db-data"),
        ("status.message", "deleter failed"),
    ]
    assert found.related == ()  # the deleted claim is no cause of it


def test_two_defaults_name_the_one_that_wins() -> None:
    [found] = analyze(frames_of(storageclasses=[DEFAULT, storageclass("fast", default=True, age=60)]))
    assert found.ref == DEFAULT_CLASS
    assert found.summary == "2 StorageClasses are marked default: standard, fast"
    assert "(fast)" in found.explanation  # the newest default wins
    assert [e.ref.name for e in found.evidence if e.ref is not None] == ["standard", "fast"]


@pytest.mark.parametrize("name", ["healthy", "pvc-pending", "incident"])
def test_scenarios_have_one_default_class_and_no_released_volumes(
    scenario: Callable[[str], Frames], name: str
) -> None:
    assert analyze(scenario(name)) == []
