"""``workload.no-requests`` and ``workload.no-limits``: containers without resource requests or a
memory limit, one INFO finding per top-level workload."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from workbench.analyzers._common import present
from workbench.analyzers.base import DOCS
from workbench.analyzers.pods._workloads import Row, by_workload, not_system, with_roots
from workbench.frames import Frames
from workbench.frames.schema import Containers
from workbench.model import Evidence, Finding, ObjectRef, Severity

DOCS_URL = DOCS + "concepts/configuration/manage-resources-containers/"
_NO_REQUESTS = "_no_requests"
_NO_LIMIT = "_no_memory_limit"


class ResourceHygiene:
    """App containers that set no CPU or memory request, or no memory limit (hygiene, INFO).

    One finding per Deployment / StatefulSet / DaemonSet / CronJob / bare pod, listing its
    containers, so a 150k-pod cluster yields one per workload. CPU limits are not required (they
    throttle; many teams leave them off on purpose); init containers and the platform's own
    namespaces (kube-system...) are left out.
    """

    name: ClassVar[str] = "workload-resources"
    codes: ClassVar[tuple[str, ...]] = ("workload.no-requests", "workload.no-limits")

    def analyze(self, frames: Frames) -> Iterator[Finding]:
        c = not_system(frames.containers)
        c = c[~c[Containers.INIT].to_numpy(dtype=bool)]
        no_requests = (c[Containers.CPU_REQUEST].isna() | c[Containers.MEMORY_REQUEST].isna()).to_numpy(
            dtype=bool
        )
        no_limit = c[Containers.MEMORY_LIMIT].isna().to_numpy(dtype=bool)
        columns = [
            Containers.NAMESPACE,
            Containers.NAME,
            Containers.CONTAINER,
            Containers.CPU_REQUEST,
            Containers.MEMORY_REQUEST,
        ]
        for code, mask, describe in (
            ("workload.no-requests", no_requests, _requests),
            ("workload.no-limits", no_limit, _limit),
        ):
            if not mask.any():
                continue
            flagged = with_roots(frames, c.loc[mask, columns])
            for ref, rows, pods in by_workload(flagged):
                yield describe(code, ref, rows, pods)


def _requests(code: str, ref: ObjectRef, rows: list[Row], pods: int) -> Finding:
    names = [str(r[Containers.CONTAINER]) for r in rows]
    evidence = []
    for r in rows:
        missing = [
            what
            for what, col in (("cpu", Containers.CPU_REQUEST), ("memory", Containers.MEMORY_REQUEST))
            if not present(r[col])
        ]
        evidence.append(
            Evidence(
                "spec",
                f"spec.containers[{r[Containers.CONTAINER]}].resources.requests",
                f"no {' or '.join(missing)} request",
            )
        )
    return Finding(
        code,
        Severity.INFO,
        ref,
        f"{ref}: container(s) {', '.join(names)} set no resource requests ({pods} pod(s))",
        evidence=tuple(evidence),
        explanation=(
            "Without requests the scheduler places the pods as if they needed nothing, so nodes get "
            "overcommitted; the pods are first in line for eviction under pressure (BestEffort or "
            "Burstable), and an HPA cannot compute utilization for them. Set requests near the "
            "containers' typical use (metrics-server or your monitoring shows it)."
        ),
        docs_url=DOCS_URL,
        planners=("set-resources",),
    )


def _limit(code: str, ref: ObjectRef, rows: list[Row], pods: int) -> Finding:
    names = [str(r[Containers.CONTAINER]) for r in rows]
    return Finding(
        code,
        Severity.INFO,
        ref,
        f"{ref}: container(s) {', '.join(names)} set no memory limit ({pods} pod(s))",
        evidence=tuple(
            Evidence("spec", f"spec.containers[{n}].resources.limits.memory", "not set") for n in names
        ),
        explanation=(
            "A container without a memory limit can grow until the node runs out of memory, and then "
            "the kubelet evicts or the kernel kills other pods on that node. Set a memory limit "
            "(commonly equal to the request). A CPU limit is optional: it only throttles."
        ),
        docs_url=DOCS_URL,
        planners=(),
    )
