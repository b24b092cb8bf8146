"""The health map: tiles per namespace, workload and pod, coloured by the worst finding (or pod
health), sized by pods or CPU requests, folded above max_leaves so a large cluster stays small."""

from __future__ import annotations

import math
from typing import Any

import pytest

from tests.views.conftest import LARGE_PODS, analysed, annotation_texts, values
from workbench.analyzers import AnalysisReport
from workbench.errors import ConfigError
from workbench.frames import Frames
from workbench.frames.schema import Pods
from workbench.model import Severity
from workbench.views import health_map, theme
from workbench.views.plots._health_map import ROOT

Scenario = tuple[Frames, AnalysisReport]


def tiles(fig: Any) -> dict[str, dict[str, Any]]:
    trace = fig.data[0]
    return {
        i: {"parent": p, "label": lab, "value": v, "color": c, "ref": r}
        for i, p, lab, v, c, r in zip(
            values(trace.ids),
            values(trace.parents),
            values(trace.labels),
            values(trace.values),
            values(trace.marker.colors),
            values(trace.customdata),
            strict=True,
        )
    }


def leaves(fig: Any) -> dict[str, dict[str, Any]]:
    every = tiles(fig)
    parents = {t["parent"] for t in every.values()}
    return {i: t for i, t in every.items() if i not in parents}


def worst(report: AnalysisReport, kind: str, namespace: str, name: str) -> Severity | None:
    found = [
        f.severity
        for f in report.findings
        if (f.ref.kind, f.ref.namespace, f.ref.name) == (kind, namespace, name)
    ]
    return max(found) if found else None


def test_with_a_report_every_pod_tile_has_the_colour_of_its_worst_finding(incident: Scenario) -> None:
    frames, report = incident
    fig = health_map(frames, report)
    assert fig.data[0].type == "treemap"
    pods = {t["ref"]: t for t in tiles(fig).values() if str(t["ref"]).startswith("Pod ")}
    assert len(pods) == len(frames.pods)
    for ns, name in zip(frames.pods[Pods.NAMESPACE], frames.pods[Pods.NAME], strict=True):
        assert pods[f"Pod {ns}/{name}"]["color"] == theme.severity_color(worst(report, "Pod", ns, name))
    # A crash-looping pod is an error; its Deployment is unavailable, which is critical.
    crash = next(f for f in report.findings if f.code == "pod.crashloop")
    assert (
        pods[f"Pod {crash.ref.namespace}/{crash.ref.name}"]["color"] == theme.SEVERITY_COLORS[Severity.ERROR]
    )
    every = tiles(fig)
    assert every["shop/Deployment/checkout"]["color"] == theme.SEVERITY_COLORS[Severity.CRITICAL]
    assert every["shop"]["color"] == theme.SEVERITY_COLORS[Severity.CRITICAL]
    assert every["kube-system"]["color"] == theme.HEALTHY_COLOR
    assert every[ROOT]["color"] == theme.severity_color(report.worst)


def test_pods_sit_under_their_deployment_not_their_replicaset(incident: Scenario) -> None:
    frames, report = incident
    every = tiles(health_map(frames, report))
    checkout = [t for t in every.values() if t["parent"] == "shop/Deployment/checkout"]
    assert sorted(str(t["label"]) for t in checkout) == sorted(
        n for n in frames.pods[Pods.NAME] if n.startswith("checkout-")
    )
    assert every["shop/Deployment/checkout"]["ref"] == "Deployment shop/checkout"
    assert every["data/StatefulSet/postgres"]["parent"] == "data"


def test_without_a_report_pods_are_coloured_by_readiness(incident: Scenario) -> None:
    frames, _ = incident
    fig = health_map(frames)
    pods = {t["ref"]: t["color"] for t in tiles(fig).values() if str(t["ref"]).startswith("Pod ")}
    for ns, name, ready, status in zip(
        frames.pods[Pods.NAMESPACE],
        frames.pods[Pods.NAME],
        frames.pods[Pods.READY],
        frames.pods[Pods.STATUS],
        strict=True,
    ):
        if ready:
            expected = theme.HEALTHY_COLOR
        elif status in ("CrashLoopBackOff", "CreateContainerConfigError"):
            expected = theme.SEVERITY_COLORS[Severity.ERROR]
        else:
            expected = theme.SEVERITY_COLORS[Severity.WARNING]
        assert pods[f"Pod {ns}/{name}"] == expected, name
    assert "by pod readiness" in fig.layout.title.text


def test_values_add_up_from_pods_to_the_root(incident: Scenario) -> None:
    frames, report = incident
    every = tiles(health_map(frames, report))
    assert every[ROOT]["value"] == len(frames.pods)
    for ident, tile in every.items():
        children = [t["value"] for t in every.values() if t["parent"] == ident]
        if children:
            assert tile["value"] == sum(children), ident  # branchvalues="total" needs exact sums


def test_sized_by_requests_tiles_are_millicores_and_pods_without_a_request_still_show(
    incident: Scenario,
) -> None:
    frames, report = incident
    fig = health_map(frames, report, size_by="requests", chart="sunburst")
    assert fig.data[0].type == "sunburst"
    cpu = frames.pods[Pods.CPU_REQUEST].fillna(0)
    expected = sum(max(math.ceil(c * 1000 - 1e-9), 1) for c in cpu)
    assert tiles(fig)[ROOT]["value"] == expected
    redis = next(t for t in tiles(fig).values() if str(t["ref"]).startswith("Pod shop/redis-"))
    assert redis["value"] == 1  # BestEffort: no request, drawn at 1m


def test_namespaces_narrow_the_map(incident: Scenario) -> None:
    frames, report = incident
    every = tiles(health_map(frames, report, namespaces=["shop"]))
    assert {t["label"] for t in every.values() if t["parent"] == ROOT} == {"shop"}
    assert every[ROOT]["value"] == int((frames.pods[Pods.NAMESPACE] == "shop").sum())


def test_above_max_leaves_pods_fold_into_their_workloads(incident: Scenario) -> None:
    frames, report = incident
    fig = health_map(frames, report, max_leaves=10)
    refs = [str(t["ref"]) for t in leaves(fig).values()]
    assert not any(r.startswith("Pod ") for r in refs)
    namespaces = frames.pods[Pods.NAMESPACE].nunique()
    assert len(leaves(fig)) <= 10 + namespaces  # the kept workloads, and one "others" per namespace
    assert any(str(t["label"]).endswith(" others)") for t in leaves(fig).values())
    assert tiles(fig)[ROOT]["value"] == len(frames.pods)
    notes = annotation_texts(fig, "note")
    assert any("shown as their" in n for n in notes)


def test_a_healthy_cluster_is_all_healthy_colour() -> None:
    frames, report = analysed("healthy")
    fig = health_map(frames, report)
    assert set(values(fig.data[0].marker.colors)) == {theme.HEALTHY_COLOR}


def test_the_colour_key_names_every_health_level(incident: Scenario) -> None:
    frames, report = incident
    key = annotation_texts(health_map(frames, report), "colour key")[0]
    for level in theme.HEALTH_ORDER:
        assert f"color:{theme.HEALTH_COLORS[level]}" in key
        assert level in key


def test_no_pods_gives_a_figure_that_says_so() -> None:
    fig = health_map(Frames({}))
    assert len(fig.data) == 0
    assert annotation_texts(fig, "nothing to show") == ["Nothing to show: no pods"]


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"size_by": "cpu"}, ["size_by='cpu'", "'pods'", "'requests'"]),
        ({"chart": "pie"}, ["chart='pie'", "'treemap'", "'sunburst'"]),
        ({"namespaces": "shop"}, ["list of names", "['shop']"]),
        ({"namespaces": ["nowhere"]}, ["no namespace 'nowhere'", "shop"]),
        ({"namespaces": ["shop", "shpo"]}, ["no namespace 'shpo'", "shop"]),
        ({"max_leaves": 0}, ["max_leaves=0", "positive"]),
    ],
)
def test_bad_arguments_name_the_valid_values(
    incident: Scenario, kwargs: dict[str, Any], words: list[str]
) -> None:
    frames, report = incident
    with pytest.raises(ConfigError) as err:
        health_map(frames, report, **kwargs)
    for word in words:
        assert word in str(err.value)


@pytest.mark.slow
def test_a_large_cluster_stays_under_a_megabyte_and_keeps_every_pod(big: Scenario) -> None:
    frames, report = big
    assert len(frames.pods) >= LARGE_PODS > theme.AGGREGATE_THRESHOLD
    fig = health_map(frames, report)
    every = tiles(fig)
    assert every[ROOT]["value"] == len(frames.pods)  # folded, not dropped
    namespaces = frames.pods[Pods.NAMESPACE].nunique()
    assert len(leaves(fig)) <= theme.AGGREGATE_THRESHOLD + namespaces
    assert not any(str(t["ref"]).startswith("Pod ") for t in every.values())
    # The workloads kept are the worst: every crash-looping pod's Deployment is a tile of its own.
    crashing = {
        (f.ref.namespace, f.ref.name.rsplit("-", 2)[0]) for f in report.findings if f.code == "pod.crashloop"
    }
    for ns, deployment in crashing:
        assert every[f"{ns}/Deployment/{deployment}"]["color"] != theme.HEALTHY_COLOR
    payload = len(fig.to_json())
    assert payload < 1_000_000, f"{payload:,} bytes"
    assert any("folded into one 'others' tile" in n for n in annotation_texts(fig, "note"))
