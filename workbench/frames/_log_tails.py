"""Which container logs are worth reading, and a bundle with their tails in its ``logs`` frame.

Used by the notebook facade (analysis, snapshots) and the agent alike: failing containers first —
broken, then restarted, then running but not ready — a few per workload so one big crash-looping
Deployment cannot crowd out the others.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from workbench.errors import SourceError
from workbench.frames._bundle import Frames
from workbench.frames._logs import logs_frame
from workbench.frames.schema import Containers, Logs, Pods, dtypes
from workbench.model import ObjectRef
from workbench.sources import ClusterSource

LogKey = tuple[str, str, str, bool]
"""(namespace, pod, container, previous)."""


def logs_worth_reading(
    frames: Frames, pods: Sequence[ObjectRef] | None = None, *, max_logs: int = 50, per_workload: int = 2
) -> list[LogKey]:
    """The logs of ``pods`` (every container, and the previous run of restarted ones), or of the
    failing containers, at most ``per_workload`` per workload and ``max_logs`` in all."""
    containers = frames.containers
    keys = list(zip(containers[Containers.NAMESPACE], containers[Containers.NAME], strict=True))
    if pods is not None:
        wanted = {(ref.namespace, ref.name) for ref in pods}
        chosen = containers[[key in wanted for key in keys]]
    else:
        state = containers[Containers.STATE].astype("string")
        ready = containers[Containers.READY].fillna(False).astype(bool)
        failed_exit = containers[Containers.EXIT_CODE].fillna(0) != 0
        broken = ((state == "waiting") | ((state == "terminated") & failed_exit)).fillna(False)
        restarted = (containers[Containers.RESTARTS].fillna(0) > 0).astype(bool)
        unready = ((state == "running") & ~ready & ~containers[Containers.INIT]).fillna(False)
        rank = pd.Series(3, index=containers.index)
        rank[unready.astype(bool)] = 2
        rank[restarted] = 1
        rank[broken.astype(bool)] = 0
        owners = dict(
            zip(
                zip(frames.pods[Pods.NAMESPACE], frames.pods[Pods.NAME], strict=True),
                frames.pods[Pods.OWNER_NAME],
                strict=True,
            )
        )
        workload = pd.Series(
            [f"{ns}/{_owner(owners, ns, name)}" for ns, name in keys], index=containers.index
        )
        candidates = containers.assign(_rank=rank, _workload=workload)[rank < 3]
        ordered = candidates.sort_values("_rank", kind="stable")
        chosen = ordered.groupby("_workload", sort=False).head(per_workload).head(max_logs)
    result: list[LogKey] = []
    for row in chosen.itertuples(index=False):
        namespace = str(getattr(row, Containers.NAMESPACE))
        pod = str(getattr(row, Containers.NAME))
        container = str(getattr(row, Containers.CONTAINER))
        result.append((namespace, pod, container, False))
        if int(getattr(row, Containers.RESTARTS) or 0) > 0:
            result.append((namespace, pod, container, True))
    return result


def _owner(owners: dict[tuple[str, str], object], namespace: str, pod: str) -> str:
    """The pod's owner's name; a bare pod (no owner: NA in the frame) is its own workload."""
    owner = owners.get((namespace, pod))
    return owner if isinstance(owner, str) and owner else pod


def with_log_tails(
    frames: Frames, source: ClusterSource, namespaces: Sequence[str] | None = None, *, tail: int = 200
) -> Frames:
    """``frames`` plus the last ``tail`` lines of its failing containers' logs (a new bundle; the
    given one is not changed). Logs that cannot be read (gone, never started, not in a snapshot)
    are left out."""
    parts = []
    for namespace, pod, container, previous in logs_worth_reading(frames):
        if namespaces is not None and namespace not in namespaces:
            continue
        try:
            text = source.logs(namespace, pod, container=container, previous=previous, tail=tail)
        except SourceError:
            continue
        parts.append(logs_frame(text, namespace=namespace, pod=pod, container=container, previous=previous))
    parts = [df for df in parts if len(df)]
    if not parts:
        return frames
    # pd.concat turns categoricals with different categories into object; astype restores them.
    log_lines = pd.concat(parts, ignore_index=True).astype(dtypes(Logs.FRAME))
    # Shallow copies: a bundle tags its frames with its key, and the given bundle keeps its own.
    kept = {name: frames[name].copy(deep=False) for name in frames.pulled if name != Logs.FRAME}
    return Frames(
        {**kept, Logs.FRAME: log_lines},
        missing=frames.missing,
        source=frames.source,
        captured_at=frames.captured_at,
        server_version=frames.server_version,
    )
