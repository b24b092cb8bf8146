"""Benchmark: every workbench figure on a big synthetic cluster, next to the figure a user would write.

For each size a sandbox (`workbench sandbox start --synthetic pods=N,nodes=N/30`) runs in its own
process; this process pulls every frame once, analyses them, then builds each figure ``--repeats``
times (best run kept) and serialises it (``fig.to_json()``, what a notebook sends to the browser).

The naive alternatives are what a user reaching for plotly express writes over the raw frames:

* health map   — ``px.treemap(pods, path=[namespace, owner, pod], color=phase)``: one leaf per pod;
* node capacity — ``px.bar`` of requests and allocatable for every node;
* timeline     — ``px.scatter`` of every event and every container termination (x time, y object);
* restart heatmap — ``px.density_heatmap`` of every restarted container (binned in the browser);
* findings summary — ``px.histogram(report.to_frame(), x=namespace, color=severity)``.

Rollout history and the cause graph draw one Deployment and one finding: no naive counterpart grows
with the cluster, so only ours is measured.

Printed per size: build seconds, serialise seconds, JSON bytes of ours and of the naive figure, and
the naive / ours ratios of total time and of bytes. Usage::

    python bench/figures.py --sizes 10000,50000,150000
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.express as px
from _sandbox import start_sandbox  # bench/ is the script's directory

import workbench
from workbench.analyzers import AnalysisReport, analyze
from workbench.frames import Frames
from workbench.frames.schema import Containers, Deployments, Events, Nodes, Pods
from workbench.views import (
    cause_graph,
    findings_summary,
    health_map,
    node_capacity,
    restart_heatmap,
    rollout_history,
    timeline,
)

Build = Callable[[], Any]


def naive_health(frames: Frames) -> Any:
    # plotly express needs plain text (no missing owner, no categoricals) in path and colour columns.
    columns = [Pods.NAMESPACE, Pods.OWNER_NAME, Pods.NAME, Pods.PHASE]
    pods = frames.pods[columns].fillna({Pods.OWNER_NAME: "(none)"}).astype(str)
    return px.treemap(pods, path=[Pods.NAMESPACE, Pods.OWNER_NAME, Pods.NAME], color=Pods.PHASE)


def naive_nodes(frames: Frames) -> Any:
    requested = frames.pods.groupby(Pods.NODE, observed=True)[Pods.CPU_REQUEST].sum()
    nodes = frames.nodes.assign(requests=frames.nodes[Nodes.NAME].map(requested).astype("float64"))
    return px.bar(nodes, x=Nodes.NAME, y=["requests", Nodes.CPU_ALLOCATABLE], barmode="group")


def naive_timeline(frames: Frames) -> Any:
    ev, c = frames.events, frames.containers
    done = c[c[Containers.LAST_FINISHED_AT].notna()]
    points = pd.concat(
        [
            pd.DataFrame(
                {
                    "time": ev[Events.LAST_SEEN],
                    "object": ev[Events.OBJECT_NAME].astype(str),
                    "reason": ev[Events.REASON].astype(str),
                    "message": ev[Events.MESSAGE].astype(str),
                }
            ),
            pd.DataFrame(
                {
                    "time": done[Containers.LAST_FINISHED_AT],
                    "object": done[Containers.NAME].astype(str),
                    "reason": done[Containers.LAST_REASON].astype(str),
                    "message": done[Containers.CONTAINER].astype(str),
                }
            ),
        ]
    )
    return px.scatter(points, x="time", y="object", color="reason", hover_data=["message"])


def naive_heatmap(frames: Frames) -> Any:
    c = frames.containers[frames.containers[Containers.RESTARTS] > 0]
    owners = frames.pods.set_index([Pods.NAMESPACE, Pods.NAME])[Pods.OWNER_NAME]
    rows = c.assign(
        workload=owners.reindex(
            pd.MultiIndex.from_frame(c[[Containers.NAMESPACE, Containers.NAME]])
        ).to_numpy()
    )
    return px.density_heatmap(
        rows, x=Containers.LAST_FINISHED_AT, y="workload", z=Containers.RESTARTS, histfunc="sum"
    )


def naive_summary(report: AnalysisReport) -> Any:
    return px.histogram(report.to_frame(), x="namespace", color="severity")


def measure(build: Build, repeats: int) -> tuple[float, float, int]:
    """Best build seconds, then serialise seconds and JSON characters of that figure."""
    best, fig = float("inf"), None
    for _ in range(repeats):
        started = time.perf_counter()
        fig = build()
        best = min(best, time.perf_counter() - started)
    started = time.perf_counter()
    payload = len(fig.to_json())
    return best, time.perf_counter() - started, payload


def figures(frames: Frames, report: AnalysisReport) -> list[tuple[str, Build, Build | None]]:
    deployment = (
        f"{frames.deployments[Deployments.NAMESPACE].iloc[0]}/{frames.deployments[Deployments.NAME].iloc[0]}"
    )
    root = report.roots()[0] if report.findings else None
    return [
        ("health_map(frames, report)", lambda: health_map(frames, report), lambda: naive_health(frames)),
        ("node_capacity(frames)", lambda: node_capacity(frames), lambda: naive_nodes(frames)),
        ("timeline(frames, report)", lambda: timeline(frames, report), lambda: naive_timeline(frames)),
        ("restart_heatmap(frames)", lambda: restart_heatmap(frames), lambda: naive_heatmap(frames)),
        ("findings_summary(report)", lambda: findings_summary(report), lambda: naive_summary(report)),
        (f"rollout_history({deployment})", lambda: rollout_history(frames, deployment), None),
        ("cause_graph(report, root)", lambda: cause_graph(report, root or "none"), None),
    ]


def mb(chars: int) -> str:
    return f"{chars / 1e6:.2f}"


def run(pods: int, repeats: int) -> list[str]:
    kubeconfig = Path(tempfile.mkdtemp()) / "bench.kubeconfig"
    proc = start_sandbox(pods, kubeconfig)
    try:
        with workbench.connect(kubeconfig=kubeconfig) as cluster:
            frames = cluster.frames()
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    report = analyze(frames)
    lines = [
        f"| **{len(frames.pods):,} pods**, {len(frames.nodes):,} nodes, "
        f"{len(frames.deployments):,} Deployments, {len(frames.events):,} events, "
        f"{len(report.findings):,} findings | | | | | | |"
    ]
    print(lines[0], flush=True)
    for name, ours, naive in figures(frames, report):
        o_build, o_json, o_bytes = measure(ours, repeats)
        cells = [name, f"{o_build:.2f} + {o_json:.2f}", mb(o_bytes)]
        if naive is None:
            cells += ["n/a", "n/a", "", ""]
        else:
            n_build, n_json, n_bytes = measure(naive, repeats)
            cells += [
                f"{n_build:.2f} + {n_json:.2f}",
                mb(n_bytes),
                f"{(n_build + n_json) / (o_build + o_json):.1f}x",
                f"{n_bytes / o_bytes:.1f}x",
            ]
        lines.append("| " + " | ".join(cells) + " |")
        print(lines[-1], flush=True)
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10000,50000,150000")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    print(f"Figures benchmark on {os.cpu_count()} CPUs; build: best of {args.repeats}; times in seconds")
    print(
        "| figure | ours: build + to_json s | ours MB | naive: build + to_json s | naive MB "
        "| naive/ours time | naive/ours bytes |"
    )
    print("|---|---|---|---|---|---|---|")
    for size in (int(s) for s in args.sizes.split(",")):
        run(size, args.repeats)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS {peak:,.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
