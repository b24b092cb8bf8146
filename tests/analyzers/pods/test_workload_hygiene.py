"""workload.no-requests, workload.no-limits, workload.latest-tag: INFO, one finding per top-level workload."""

from __future__ import annotations

import pytest

from tests.analyzers.pods.conftest import Pull
from tests.analyzers.pods.objects import Obj, bundle, container, owned, pod, run, summary
from workbench.analyzers.pods.image_tags import LatestTag
from workbench.analyzers.pods.resources import ResourceHygiene
from workbench.model import ObjectRef

BARE = {"requests": {}, "limits": {}}
RS = owned("ReplicaSet", "shop", "web-7d9f8c6b5", ("Deployment", "web"))


def web(i: int, **spec: object) -> Obj:
    return pod(f"web-7d9f8c6b5-{i}", containers=[container(**spec)])  # type: ignore[arg-type]


CASES = [
    (
        "three pods of one Deployment, one finding each",
        [RS, web(1, **BARE), web(2, **BARE), web(3, **BARE)],
        [("workload.no-limits", "web", "info"), ("workload.no-requests", "web", "info")],
    ),
    ("requests and a memory limit set", [RS, web(1)], []),
    ("only a cpu limit missing is fine", [RS, web(1, limits={"memory": "256Mi"})], []),
    (
        "memory request missing",
        [RS, web(1, requests={"cpu": "100m"})],
        [("workload.no-requests", "web", "info")],
    ),
    (
        "a bare pod is its own workload",
        [pod("debug", owner=None, containers=[container(**BARE)])],
        [("workload.no-limits", "debug", "info"), ("workload.no-requests", "debug", "info")],
    ),
    (
        "the platform's namespaces are left out",
        [
            pod(
                "kube-proxy-x",
                "kube-system",
                owner=("DaemonSet", "kube-proxy"),
                containers=[container(**BARE)],
            )
        ],
        [],
    ),
    (
        "a CronJob's run is the CronJob's",
        [
            owned("Job", "shop", "export-2901", ("CronJob", "export")),
            pod(
                "export-2901-x",
                owner=("Job", "export-2901"),
                phase="Succeeded",
                containers=[container(limits={})],
                statuses=[],
            ),
        ],
        [("workload.no-limits", "export", "info")],
    ),
    (
        "a ReplicaSet without its Deployment in the bundle stays a ReplicaSet",
        [web(1, limits={})],
        [("workload.no-limits", "web-7d9f8c6b5", "info")],
    ),
]


@pytest.mark.parametrize(("objects", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_requests_and_limits(objects: list[Obj], expected: list[tuple[str, str, str]]) -> None:
    assert summary(run(ResourceHygiene, bundle(*objects))) == expected


def test_the_finding_names_the_workload_and_its_containers() -> None:
    pods = [
        pod(f"web-7d9f8c6b5-{i}", containers=[container(), container("sidecar", requests={}, limits={})])
        for i in range(3)
    ]
    (finding,) = [f for f in run(ResourceHygiene, bundle(RS, *pods)) if f.code == "workload.no-requests"]
    assert finding.ref == ObjectRef("Deployment", "shop", "web", finding.ref.uid)
    assert finding.ref.uid  # from the ReplicaSet's ownerReference
    assert finding.summary == "Deployment shop/web: container(s) sidecar set no resource requests (3 pod(s))"
    assert [(e.subject, e.value) for e in finding.evidence] == [
        ("spec.containers[sidecar].resources.requests", "no cpu or memory request")
    ]
    assert finding.planners == ("set-resources",)


@pytest.mark.parametrize(
    ("image", "floats"),
    [
        ("redis:latest", True),
        ("redis", True),
        ("registry.example:5000/shop/web", True),
        ("redis:7.4", False),
        ("redis@sha256:" + "a" * 64, False),
        ("registry.example:5000/shop/web:1.2", False),
    ],
)
def test_latest_tag(image: str, floats: bool) -> None:
    findings = run(LatestTag, bundle(RS, web(1, image=image), web(2, image=image)))
    assert summary(findings) == ([("workload.latest-tag", "web", "info")] if floats else [])
    if floats:
        assert findings[0].summary == f"Deployment shop/web: floating image tag {image} (2 pod(s))"


def test_an_init_containers_floating_image_counts() -> None:
    p = pod("web-7d9f8c6b5-1", init=[container("setup", image="busybox")], init_statuses=[])
    (finding,) = run(LatestTag, bundle(RS, p))
    assert finding.evidence[0].subject == "spec.initContainers[setup].image"


def test_incident_scenario_redis(scenario: Pull) -> None:
    frames = scenario("incident")
    hygiene = {(f.code, str(f.ref)) for f in [*run(ResourceHygiene, frames), *run(LatestTag, frames)]}
    assert ("workload.latest-tag", "Deployment shop/redis") in hygiene
    assert ("workload.no-requests", "Deployment shop/redis") in hygiene
    assert not [f for f in run(ResourceHygiene, frames) if f.ref.namespace == "kube-system"]
