"""The conditions analyzer on custom objects: the polarity rule, ageing, one finding per object."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.analyzers.network.objects import event
from tests.analyzers.nodes.objects import CERTIFICATE, KUSTOMIZATION, bundle, condition, custom_object
from workbench.analyzers.nodes.conditions import ConditionsAnalyzer
from workbench.frames import Frames
from workbench.model import Finding, ObjectRef, Severity


def analyze(frames: Frames) -> list[Finding]:
    return sorted(ConditionsAnalyzer().analyze(frames), key=Finding.sort_key)


def one(*conditions: dict[str, Any], generation: int = 1) -> Frames:
    return bundle(
        [(CERTIFICATE, [custom_object(CERTIFICATE, "shop-tls", *conditions, generation=generation)])]
    )


CASES: dict[str, tuple[list[dict[str, Any]], Severity | None]] = {
    "Ready True": ([condition("Ready", "True", reason="Ready")], None),
    "Ready False, fresh": ([condition("Ready", "False", reason="DoesNotExist", ago=60)], Severity.WARNING),
    "Ready False, for 15m": ([condition("Ready", "False", reason="DoesNotExist", ago=900)], Severity.ERROR),
    "Ready False, no transition time": ([condition("Ready", "False", ago=None)], Severity.WARNING),
    # Controllers report Unknown while they reconcile: only a long Unknown is a finding.
    "Ready Unknown, fresh": ([condition("Ready", "Unknown", ago=60)], None),
    "Ready Unknown, for 15m": ([condition("Ready", "Unknown", ago=900)], Severity.WARNING),
    "Degraded True": ([condition("Ready", "True"), condition("Degraded", "True", ago=900)], Severity.ERROR),
    "Degraded False": ([condition("Degraded", "False")], None),
    "suffix: InstallFailed True": ([condition("InstallFailed", "True")], Severity.WARNING),
    "Stalled True": ([condition("Stalled", "True", reason="BuildFailed")], Severity.WARNING),
    # Types without a verdict: their values are normal at some point of an object's life.
    "Issuing False": ([condition("Issuing", "False")], None),
    "Reconciling True": ([condition("Reconciling", "True")], None),
    "Progressing False": ([condition("Progressing", "False")], None),
}


@pytest.mark.parametrize(("conditions", "expected"), CASES.values(), ids=CASES.keys())
def test_polarity_rule(conditions: list[dict[str, Any]], expected: Severity | None) -> None:
    found = analyze(one(*conditions))
    assert [f.severity for f in found] == ([expected] if expected is not None else [])
    assert all(f.code == "resource.condition-failing" for f in found)


def test_one_finding_per_object_lists_every_failing_condition() -> None:
    frames = bundle(
        [
            (
                CERTIFICATE,
                [
                    custom_object(
                        CERTIFICATE,
                        "shop-tls",
                        condition(
                            "Ready",
                            "False",
                            reason="DoesNotExist",
                            message="Issuer letsencrypt not found",
                            ago=900,
                        ),
                        condition("Issuing", "False"),
                        condition("Degraded", "True", reason="Backoff", ago=120),
                        generation=3,
                    ),
                    custom_object(CERTIFICATE, "api-tls", condition("Ready", "True")),
                ],
            ),
            (KUSTOMIZATION, [custom_object(KUSTOMIZATION, "apps", condition("Ready", "True"))]),
        ],
        events=[event("Certificate", "shop-tls", "Failed", "issuer not found", namespace="apps")],
    )
    [found] = analyze(frames)
    assert found.ref == ObjectRef(
        "Certificate", "apps", "shop-tls", "uid-apps-shop-tls", "cert-manager.io/v1"
    )
    assert found.severity == Severity.ERROR
    assert (
        found.summary
        == "Certificate apps/shop-tls reports Ready=False (DoesNotExist), Degraded=True (Backoff)"
    )
    assert [(e.kind, e.subject, e.value) for e in found.evidence] == [
        ("condition", "Ready", "False (DoesNotExist): Issuer letsencrypt not found for 15m"),
        ("condition", "Degraded", "True (Backoff) for 2m"),
        ("event", "event Failed", "issuer not found"),
    ]


def test_a_stale_condition_says_which_generation_it_describes() -> None:
    [found] = analyze(one(condition("Ready", "False", observed=2), generation=3))
    assert found.evidence[0].value.endswith("(reported for generation 2; the object is at 3)")


def test_no_custom_objects_no_findings(scenario: Callable[[str], Frames]) -> None:
    assert analyze(scenario("healthy")) == []


def test_a_corrupt_future_timestamp_does_not_age_conditions() -> None:
    bogus = event("Certificate", "other", "Issued", "ok", namespace="apps", type_="Normal")
    bogus["lastTimestamp"] = "2027-06-01T00:00:00Z"  # months past the capture: corrupt, ignored
    frames = bundle(
        [(CERTIFICATE, [custom_object(CERTIFICATE, "shop-tls", condition("Ready", "False", ago=60))])],
        events=[bogus],
    )
    [found] = analyze(frames)
    assert found.severity == Severity.WARNING
    assert found.evidence[0].value == "False for 60s"
