"""workload.overprovisioned: requests far above the usage metrics-server measured."""

from __future__ import annotations

import pytest

from tests.analyzers.pods.conftest import Pull
from tests.analyzers.pods.objects import (
    Obj,
    bundle,
    container,
    owned,
    pod,
    pod_metrics,
    run,
    status,
    summary,
    terminated,
    waiting,
)
from workbench.analyzers.pods.overprovisioned import Overprovisioned

RS = owned("ReplicaSet", "shop", "web-7d9f8c6b5", ("Deployment", "web"))
BIG = {"requests": {"cpu": "1", "memory": "2Gi"}, "limits": {"memory": "2Gi"}}


def web(i: int, cpu: str, memory: str, **kw: object) -> list[Obj]:
    name = f"web-7d9f8c6b5-{i}"
    return [pod(name, containers=[container(**BIG)], **kw), pod_metrics("shop", name, {"app": (cpu, memory)})]  # type: ignore[arg-type]


CASES = [
    (
        "5% of cpu and memory",
        [RS, *web(1, "50m", "100Mi"), *web(2, "40m", "100Mi")],
        [("workload.overprovisioned", "web", "info")],
    ),
    ("half used", [RS, *web(1, "500m", "1Gi")], []),
    (
        "small requests are not worth it",
        [RS, pod("web-7d9f8c6b5-1"), pod_metrics("shop", "web-7d9f8c6b5-1", {"app": ("1m", "5Mi")})],
        [],
    ),
    ("no metrics", [RS, pod("web-7d9f8c6b5-1", containers=[container(**BIG)])], []),
    (
        "a crash-looping container uses nothing: not waste",
        [
            RS,
            *web(
                1,
                "0",
                "0",
                statuses=[
                    status(ready=False, restarts=4, state=waiting("CrashLoopBackOff"), last=terminated(1))
                ],
            ),
        ],
        [],
    ),
]


@pytest.mark.parametrize(("objects", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_overprovisioned(objects: list[Obj], expected: list[tuple[str, str, str]]) -> None:
    assert summary(run(Overprovisioned, bundle(*objects))) == expected


def test_evidence_sums_over_the_workloads_measured_pods() -> None:
    (finding,) = run(Overprovisioned, bundle(RS, *web(1, "50m", "1Gi"), *web(2, "50m", "1Gi")))
    assert [(e.subject, e.value) for e in finding.evidence] == [
        ("cpu used / requested", "100m of 2 (5%)"),
        ("pods measured (metrics-server)", "2"),
    ]
    assert finding.summary == "Deployment shop/web: uses under 20% of its requested cpu (2 measured pod(s))"


def test_scenarios_without_waste_in_their_apps(scenario: Pull) -> None:
    assert run(Overprovisioned, scenario("healthy")) == []  # kube-system only: left out
