"""``workload.overprovisioned``: requests far above what the workload's pods use (when metrics exist)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

import pandas as pd

from workbench.analyzers._common import records
from workbench.analyzers.base import DOCS
from workbench.analyzers.pods import _evidence as ev
from workbench.analyzers.pods._workloads import (
    ROOT_KIND,
    ROOT_NAME,
    ROOT_UID,
    not_system,
    root_ref,
    with_roots,
)
from workbench.frames import Frames
from workbench.frames.schema import Containers, PodMetrics
from workbench.model import Evidence, Finding, Severity

DOCS_URL = DOCS + "concepts/configuration/manage-resources-containers/"
USAGE_SHARE = 0.2
"""Usage below this share of the requests (summed over the workload's measured pods) is waste."""
MIN_CPU = 0.25
"""CPU cores requested (summed) below which the waste is too small to mention."""
MIN_MEMORY = 256 * 2**20
"""Memory bytes requested (summed) below which the waste is too small to mention."""


class Overprovisioned:
    """Workloads whose pods use under 20% of the CPU or memory they request, over all their pods
    that metrics-server measured while running and ready (one sample: a hint to check against
    longer-term monitoring).

    Nothing is reported without pod metrics, nor for small requests (under 250m CPU / 256Mi in
    total); one INFO finding per top-level workload; the platform's own namespaces are left out.
    """

    name: ClassVar[str] = "workload-overprovisioned"
    codes: ClassVar[tuple[str, ...]] = ("workload.overprovisioned",)

    def analyze(self, frames: Frames) -> Iterator[Finding]:
        m = frames.pod_metrics
        if not len(m):
            return
        c = not_system(frames.containers)
        # Only containers up and ready: a crash-looping or starting one uses nothing yet.
        up = (c[Containers.STATE] == "running").to_numpy(dtype=bool) & c[Containers.READY].to_numpy(
            dtype=bool
        )
        c = c[up & ~c[Containers.INIT].to_numpy(dtype=bool)]
        keys = [Containers.NAMESPACE, Containers.NAME, Containers.CONTAINER]
        usage = pd.DataFrame(
            {
                Containers.NAMESPACE: m[PodMetrics.NAMESPACE].astype(str).to_numpy(),
                Containers.NAME: m[PodMetrics.NAME].astype(str).to_numpy(),
                Containers.CONTAINER: m[PodMetrics.CONTAINER].astype(str).to_numpy(),
                "_cpu": m[PodMetrics.CPU].to_numpy(dtype=float),
                "_memory": m[PodMetrics.MEMORY].astype("float64").to_numpy(),
            }
        )
        spec = pd.DataFrame(
            {
                Containers.NAMESPACE: c[Containers.NAMESPACE].astype(str).to_numpy(),
                Containers.NAME: c[Containers.NAME].astype(str).to_numpy(),
                Containers.CONTAINER: c[Containers.CONTAINER].astype(str).to_numpy(),
                "_cpu_request": c[Containers.CPU_REQUEST].to_numpy(dtype=float),
                "_memory_request": c[Containers.MEMORY_REQUEST].astype("float64").to_numpy(),
            }
        )
        measured = with_roots(frames, spec.merge(usage, on=keys, how="inner"))
        if not len(measured):
            return
        # Sum only where both sides are known, so a container without a request adds no "waste".
        measured["_cpu_used"] = measured["_cpu"].where(measured["_cpu_request"].notna())
        measured["_memory_used"] = measured["_memory"].where(measured["_memory_request"].notna())
        totals = measured.groupby([Containers.NAMESPACE, ROOT_KIND, ROOT_NAME], sort=True).agg(
            cpu_request=("_cpu_request", "sum"),
            cpu_used=("_cpu_used", "sum"),
            memory_request=("_memory_request", "sum"),
            memory_used=("_memory_used", "sum"),
            pods=(Containers.NAME, "nunique"),
            uid=(ROOT_UID, "first"),
        )
        cpu_waste = (totals["cpu_request"] >= MIN_CPU) & (
            totals["cpu_used"] < USAGE_SHARE * totals["cpu_request"]
        )
        memory_waste = (totals["memory_request"] >= MIN_MEMORY) & (
            totals["memory_used"] < USAGE_SHARE * totals["memory_request"]
        )
        for row in records(totals[(cpu_waste | memory_waste).to_numpy(dtype=bool)].reset_index()):
            cpu_request, cpu_used = float(row["cpu_request"]), float(row["cpu_used"])
            memory_request, memory_used = float(row["memory_request"]), float(row["memory_used"])
            facts = []
            if cpu_request >= MIN_CPU and cpu_used < USAGE_SHARE * cpu_request:
                facts.append(
                    Evidence(
                        "metric",
                        "cpu used / requested",
                        f"{ev.cpu(cpu_used)} of {ev.cpu(cpu_request)} ({cpu_used / cpu_request:.0%})",
                    )
                )
            if memory_request >= MIN_MEMORY and memory_used < USAGE_SHARE * memory_request:
                facts.append(
                    Evidence(
                        "metric",
                        "memory used / requested",
                        f"{ev.memory(memory_used)} of {ev.memory(memory_request)} "
                        f"({memory_used / memory_request:.0%})",
                    )
                )
            if not facts:
                continue
            pods = int(row["pods"])
            ref = root_ref(
                str(row[Containers.NAMESPACE]), str(row[ROOT_KIND]), str(row[ROOT_NAME]), row["uid"]
            )
            yield Finding(
                "workload.overprovisioned",
                Severity.INFO,
                ref,
                f"{ref}: uses under {USAGE_SHARE:.0%} of its requested "
                + " and ".join(f.subject.split()[0] for f in facts)
                + f" ({pods} measured pod(s))",
                evidence=(*facts, Evidence("metric", "pods measured (metrics-server)", str(pods))),
                explanation=(
                    "The pods reserve far more than they use: the scheduler keeps that capacity for "
                    "them, so the cluster needs more nodes than the load does. This is one metrics "
                    "sample; check the usage over a busy week, then lower the requests to its peak "
                    "plus headroom."
                ),
                docs_url=DOCS_URL,
                planners=(),
            )
