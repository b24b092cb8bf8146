"""The configmap analyzer: ConfigMaps no pod uses, and empty ones; hygiene only (INFO)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.analyzers.network.objects import frames_of, meta, pod
from workbench.analyzers.network.configmap import ConfigMapAnalyzer
from workbench.frames import Frames
from workbench.model import Finding, Severity


def configmap(name: str, namespace: str = "shop", **data: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta(name, namespace), "data": data}


def analyze(frames: Frames) -> list[tuple[str, str, Severity]]:
    found = sorted(ConfigMapAnalyzer().analyze(frames), key=Finding.sort_key)
    return [(f.code, f"{f.ref.namespace}/{f.ref.name}", f.severity) for f in found]


USER = pod("web-a", labels={"app": "web"}, config_maps=["web-config", "web-flags"])
FINISHED = pod(
    "report-1", labels={"job": "report"}, phase="Succeeded", node=None, config_maps=["report-config"]
)

CASES: dict[str, tuple[dict[str, list[dict[str, Any]]], list[tuple[str, str, Severity]]]] = {
    "used": ({"configmaps": [configmap("web-config", PORT="8080")], "pods": [USER]}, []),
    "unused": (
        {"configmaps": [configmap("old-config", PORT="8080")], "pods": [USER]},
        [("configmap.unused", "shop/old-config", Severity.INFO)],
    ),
    "empty but used": (
        {"configmaps": [configmap("web-flags")], "pods": [USER]},
        [("configmap.empty", "shop/web-flags", Severity.INFO)],
    ),
    "empty and unused: one finding": (
        {"configmaps": [configmap("scratch")], "pods": [USER]},
        [("configmap.unused", "shop/scratch", Severity.INFO)],
    ),
    "used by a finished Job's pod": (
        {"configmaps": [configmap("report-config", QUERY="x")], "pods": [FINISHED]},
        [],
    ),
    "kube-root-ca.crt and kube-* namespaces are left out": (
        {
            "configmaps": [
                configmap("kube-root-ca.crt", **{"ca.crt": "x"}),
                configmap("kubeadm-config", "kube-system"),
            ],
            "pods": [],
        },
        [],
    ),
    "pods not readable: only emptiness is judged": (
        {"configmaps": [configmap("old-config", PORT="8080"), configmap("scratch")]},
        [("configmap.empty", "shop/scratch", Severity.INFO)],
    ),
}


@pytest.mark.parametrize(("objects", "expected"), CASES.values(), ids=CASES.keys())
def test_configmap_findings(
    objects: dict[str, list[dict[str, Any]]], expected: list[tuple[str, str, Severity]]
) -> None:
    assert analyze(frames_of(**objects)) == expected


@pytest.mark.parametrize("name", ["healthy", "config-error"])
def test_scenarios_use_every_configmap(scenario: Callable[[str], Frames], name: str) -> None:
    assert analyze(scenario(name)) == []
