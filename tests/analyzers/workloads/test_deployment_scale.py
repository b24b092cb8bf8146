"""The deployment-scale analyzer: a Deployment scaled to zero is INFO alone, an ERROR when a Service
selects its pods, CRITICAL for a kube-system add-on such as CoreDNS — and it heals when scaled back."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

import workbench
from tests.analyzers.workloads.objects import deployment, event, found, frames_of, replicaset, service
from tests.conftest import KUBECTL
from workbench import sandbox
from workbench.analyzers.workloads.deployment_scale import DeploymentScaleAnalyzer
from workbench.frames import Frames
from workbench.model import Finding, ObjectRef, Severity


def analyze(frames: Frames) -> list[Finding]:
    return sorted(DeploymentScaleAnalyzer().analyze(frames), key=Finding.sort_key)


def zero(name: str = "web", namespace: str = "shop") -> dict[str, list[dict[str, object]]]:
    """A Deployment scaled to zero and its (empty) ReplicaSet, whose labels carry the template's."""
    return {
        "deployments": [deployment(name, replicas=0, available=0, namespace=namespace)],
        "replicasets": [
            replicaset(
                f"{name}-aaa",
                deployment=name,
                replicas=0,
                namespace=namespace,
                labels={"app": name, "tier": "front", "pod-template-hash": "aaa"},
            )
        ],
    }


CASES: dict[str, tuple[Frames, list[tuple[str, str, str]]]] = {
    "nothing depends on it": (
        frames_of(**zero(), services=[]),
        [("deployment.scaled-to-zero", "info", "Deployment shop/web")],
    ),
    "a Service selects its pods": (
        frames_of(**zero(), services=[service("web", {"app": "web", "tier": "front"})]),
        [("deployment.scaled-to-zero", "error", "Deployment shop/web")],
    ),
    "a Service selecting other labels does not count": (
        frames_of(**zero(), services=[service("web", {"app": "web", "tier": "back"})]),
        [("deployment.scaled-to-zero", "info", "Deployment shop/web")],
    ),
    "a Service in another namespace does not count": (
        frames_of(**zero(), services=[service("web", {"app": "web"}, namespace="other")]),
        [("deployment.scaled-to-zero", "info", "Deployment shop/web")],
    ),
    "cluster DNS": (
        frames_of(
            **zero("coredns", "kube-system"),
            services=[service("kube-dns", {"app": "coredns"}, namespace="kube-system")],
        ),
        [("deployment.scaled-to-zero", "critical", "Deployment kube-system/coredns")],
    ),
    "wants replicas": (
        frames_of(deployments=[deployment("web")], services=[service("web", {"app": "web"})]),
        [],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_findings(case: str) -> None:
    frames, expected = CASES[case]
    assert found(analyze(frames)) == expected


def test_evidence_names_the_service_and_the_size_it_had() -> None:
    frames = frames_of(
        **zero(),
        services=[service("web", {"app": "web"})],
        events=[
            event(
                "Deployment",
                "web",
                "ScalingReplicaSet",
                "Scaled down replica set web-aaa from 3 to 0",
                warning=False,
            )
        ],
    )
    (finding,) = analyze(frames)
    assert finding.related == (ObjectRef("Service", "shop", "web", "uid-shop-web"),)
    assert [(e.subject, e.value) for e in finding.evidence[:2]] == [
        ("spec.replicas", "0"),
        ("event ScalingReplicaSet", "Scaled down replica set web-aaa from 3 to 0"),
    ]
    assert finding.evidence[2].ref == ObjectRef("Service", "shop", "web", "uid-shop-web")
    assert finding.evidence[2].value == "no Endpoints object"
    assert "kubectl -n shop scale deployment/web --replicas=3" in finding.explanation
    assert finding.planners == ("scale",)


def test_dns_down_scenario(scenario: Callable[[str], Frames]) -> None:
    (finding,) = analyze(scenario("dns-down"))
    assert (finding.code, finding.severity, str(finding.ref)) == (
        "deployment.scaled-to-zero",
        Severity.CRITICAL,
        "Deployment kube-system/coredns",
    )
    assert [str(r) for r in finding.related] == ["Service kube-system/kube-dns"]
    assert "cluster DNS" in finding.explanation
    assert "--replicas=2" in finding.explanation  # read from the scale-down event
    assert any(e.value == "0 ready endpoint addresses" for e in finding.evidence)


@pytest.mark.kubectl
def test_finding_heals_when_coredns_is_scaled_back(tmp_path: Path) -> None:
    with sandbox.start(scenario="dns-down", manual_clock=True) as sb:
        sb.advance(60)
        with workbench.connect(kubeconfig=sb.kubeconfig) as cluster:
            assert [f.code for f in analyze(cluster.frames())] == ["deployment.scaled-to-zero"]
        subprocess.run(
            [
                KUBECTL,
                f"--kubeconfig={sb.kubeconfig}",
                f"--cache-dir={tmp_path}",
                "-n",
                "kube-system",
                "scale",
                "deployment/coredns",
                "--replicas=2",
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
        sb.advance(120)
        with workbench.connect(kubeconfig=sb.kubeconfig) as cluster:
            assert analyze(cluster.frames()) == []
