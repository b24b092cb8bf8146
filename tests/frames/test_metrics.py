"""The pod_metrics and node_metrics frames, and a metrics server that is not there."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pandas as pd
import pytest

from tests.frames.conftest import SandboxSource
from tests.pages import fetch_pages
from workbench import sandbox as sandbox_pkg
from workbench.frames import schema
from workbench.frames._metrics import build_node_metrics, build_pod_metrics, duration_seconds
from workbench.frames._pull import pull
from workbench.frames.schema import NodeMetrics, PodMetrics
from workbench.sources._kinds import builtin
from workbench.sources._protocol import Missing

POD_METRICS = builtin("pod_metrics")
NODE_METRICS = builtin("node_metrics")


@pytest.fixture(scope="module")
def sb() -> Iterator[sandbox_pkg.Sandbox]:
    with sandbox_pkg.start(scenario="oomkilled", manual_clock=True) as sb:
        sb.advance(60)
        yield sb


def test_pod_metrics_have_one_row_per_container_in_cores_and_bytes(sb: sandbox_pkg.Sandbox) -> None:
    pages = fetch_pages(sb, POD_METRICS, limit=5)
    df = build_pod_metrics(POD_METRICS, pages)["pod_metrics"]
    schema.validate("pod_metrics", df)
    raw = [(item, c) for page in pages for item in json.loads(page)["items"] for c in item["containers"]]
    assert len(df) == len(raw) > 10
    item, container = raw[0]
    row = df.iloc[0]
    assert (row[PodMetrics.NAMESPACE], row[PodMetrics.NAME]) == (
        item["metadata"]["namespace"],
        item["metadata"]["name"],
    )
    assert row[PodMetrics.KIND] == "Pod"
    assert row[PodMetrics.UID] == ""
    assert row[PodMetrics.CONTAINER] == container["name"]
    cpu, memory = container["usage"]["cpu"], container["usage"]["memory"]
    assert cpu.endswith("n")
    assert memory.endswith("Ki")
    assert row[PodMetrics.CPU] == pytest.approx(int(cpu[:-1]) / 1e9)
    assert row[PodMetrics.MEMORY] == int(memory[:-2]) * 1024
    assert row[PodMetrics.TIMESTAMP] == pd.Timestamp(item["timestamp"])
    assert row[PodMetrics.WINDOW_SECONDS] == duration_seconds(item["window"]) > 0
    assert (df[PodMetrics.CPU] >= 0).all()


def test_node_metrics(sb: sandbox_pkg.Sandbox) -> None:
    df = build_node_metrics(NODE_METRICS, fetch_pages(sb, NODE_METRICS))["node_metrics"]
    schema.validate("node_metrics", df)
    assert sorted(df[NodeMetrics.NAME]) == ["kind-control-plane", "kind-worker", "kind-worker2"]
    assert set(df[NodeMetrics.NAMESPACE]) == {""}
    assert (df[NodeMetrics.CPU] > 0).all()
    assert (df[NodeMetrics.MEMORY] > 2**30).all()
    assert df[NodeMetrics.TIMESTAMP].dt.tz is not None


def test_go_durations() -> None:
    assert duration_seconds("15s") == 15.0
    assert duration_seconds("20.031s") == pytest.approx(20.031)
    assert duration_seconds("1m30s") == 90.0
    assert duration_seconds("250ms") == 0.25
    assert duration_seconds("0") == 0.0
    assert pd.isna(duration_seconds("soon"))
    assert pd.isna(duration_seconds(None))


def test_a_missing_metrics_server_is_recorded_not_raised(sb: sandbox_pkg.Sandbox) -> None:
    sb.hide_group("metrics.k8s.io")
    try:
        frames = pull(SandboxSource(sb), ["pods", "pod_metrics", "node_metrics"])
    finally:
        sb.hide_group("metrics.k8s.io", hidden=False)
    assert [(m.frame, m.reason) for m in frames.missing] == [
        ("node_metrics", "absent"),
        ("pod_metrics", "absent"),
    ]
    assert all(isinstance(m, Missing) and m.message for m in frames.missing)
    assert len(frames.pod_metrics) == 0
    schema.validate("pod_metrics", frames.pod_metrics)
    assert len(frames.pods) > 0
    assert frames.missing_for("pods") is None
    assert "missing pod_metrics: absent" in repr(frames)
    back = pull(SandboxSource(sb), ["pod_metrics"])
    assert back.missing == ()
    assert len(back.pod_metrics) > 0
