"""The arithmetic of a Deployment rollout, from ``pkg/controller/deployment/util``.

Pure functions over Deployment and ReplicaSet objects (plain dicts): surge and unavailability
fenceposts, how far the new ReplicaSet may grow, the proportions of a scale spread over the
ReplicaSets of a rollout in flight, the revision annotations, and the status with its
``Available``/``Progressing`` conditions.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
_NOT_COPIED = frozenset(
    {
        "kubectl.kubernetes.io/last-applied-configuration",
        REVISION,
        REVISION_HISTORY,
        DESIRED_REPLICAS,
        MAX_REPLICAS,
        "deprecated.deployment.rollback.to",
    }
)
_REVISION_HISTORY_CHARS = 2000
CONDITION_TIMES = ("lastUpdateTime", "lastTransitionTime")

# Reasons of the Deployment conditions (deploymentutil).
NEW_RS_CREATED = "NewReplicaSetCreated"
FOUND_NEW_RS = "FoundNewReplicaSet"
RS_UPDATED = "ReplicaSetUpdated"
NEW_RS_AVAILABLE = "NewReplicaSetAvailable"
TIMED_OUT = "ProgressDeadlineExceeded"
PAUSED = "DeploymentPaused"
RESUMED = "DeploymentResumed"
FAILED_RS_CREATE = "ReplicaSetCreateError"


# -- numbers -------------------------------------------------------------------------------------
def replicas(obj: Mapping[str, Any] | None) -> int:
    """``spec.replicas`` (1 when unset, as defaulting leaves it)."""
    if obj is None:
        return 0
    value = (obj.get("spec") or {}).get("replicas")
    return 1 if value is None else int(value)


def counted(obj: Mapping[str, Any] | None, field: str) -> int:
    if obj is None:
        return 0
    return int((obj.get("status") or {}).get(field) or 0)


def scaled_value(value: int | str | None, total: int, *, round_up: bool) -> int:
    """``intstr.GetScaledValueFromIntOrPercent``."""
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    text = str(value)
    if not text.endswith("%"):
        return int(text)
    share = int(text[:-1]) * total / 100
    return math.ceil(share) if round_up else math.floor(share)


def _rolling(d: Mapping[str, Any]) -> Mapping[str, Any] | None:
    strategy = (d.get("spec") or {}).get("strategy") or {}
    if strategy.get("type", "RollingUpdate") != "RollingUpdate":
        return None
    rolling: Mapping[str, Any] = strategy.get("rollingUpdate") or {}
    return rolling


def is_rolling(d: Mapping[str, Any]) -> bool:
    return _rolling(d) is not None


def fenceposts(d: Mapping[str, Any]) -> tuple[int, int]:
    """``ResolveFenceposts``: (max surge, max unavailable), surge rounded up and unavailability down;
    both 0 would stall a rollout, so unavailability becomes 1."""
    rolling = _rolling(d)
    if rolling is None:
        return 0, 0
    desired = replicas(d)
    surge = scaled_value(rolling.get("maxSurge", 0), desired, round_up=True)
    unavailable = scaled_value(rolling.get("maxUnavailable", 0), desired, round_up=False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def max_surge(d: Mapping[str, Any]) -> int:
    return fenceposts(d)[0]


def max_unavailable(d: Mapping[str, Any]) -> int:
    if _rolling(d) is None or replicas(d) == 0:
        return 0
    return min(fenceposts(d)[1], replicas(d))


def total(rss: Iterable[Mapping[str, Any] | None], field: str = "") -> int:
    """Sum of ``spec.replicas`` (no `field`) or of a status count over ReplicaSets."""
    return sum(replicas(rs) if not field else counted(rs, field) for rs in rss if rs is not None)


def new_rs_replicas(d: Mapping[str, Any], all_rss: list[dict[str, Any]], new_rs: Mapping[str, Any]) -> int:
    """``NewRSNewReplicas``: how big the new ReplicaSet may be now."""
    if _rolling(d) is None:
        return replicas(d)
    current = total(all_rss)
    most = replicas(d) + max_surge(d)
    if current >= most:
        return replicas(new_rs)
    return replicas(new_rs) + min(most - current, replicas(d) - replicas(new_rs))


def _round(value: float) -> int:
    # Go's math.Round: halves away from zero.
    return math.floor(value + 0.5) if value >= 0 else -math.floor(-value + 0.5)


def proportion(rs: Mapping[str, Any], d: Mapping[str, Any], to_add: int, added: int) -> int:
    """``GetProportion``: this ReplicaSet's share of a scale spread over a rollout in flight."""
    if replicas(rs) == 0 or to_add in (0, added):
        return 0
    if replicas(d) == 0:
        fraction = -replicas(rs)
    else:
        before = _annotation_int(rs, MAX_REPLICAS) or counted(d, "replicas")
        if not before:
            return 0
        fraction = _round(replicas(rs) * (replicas(d) + max_surge(d)) / before) - replicas(rs)
    allowed = to_add - added
    return min(fraction, allowed) if to_add > 0 else max(fraction, allowed)


# -- annotations ---------------------------------------------------------------------------------
def _annotation_int(obj: Mapping[str, Any], key: str) -> int | None:
    text = (obj["metadata"].get("annotations") or {}).get(key)
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def revision(rs: Mapping[str, Any]) -> int:
    return _annotation_int(rs, REVISION) or 0


def desired_annotation(rs: Mapping[str, Any]) -> int | None:
    return _annotation_int(rs, DESIRED_REPLICAS)


def replicas_annotations_stale(rs: Mapping[str, Any], desired: int, most: int) -> bool:
    annotations = rs["metadata"].get("annotations") or {}
    return bool(
        annotations.get(DESIRED_REPLICAS) != str(desired) or annotations.get(MAX_REPLICAS) != str(most)
    )


def set_replicas_annotations(rs: dict[str, Any], desired: int, most: int) -> bool:
    if not replicas_annotations_stale(rs, desired, most):
        return False
    annotations = rs["metadata"].setdefault("annotations", {})
    annotations[DESIRED_REPLICAS] = str(desired)
    annotations[MAX_REPLICAS] = str(most)
    return True


def set_new_rs_annotations(
    d: Mapping[str, Any], rs: dict[str, Any], new_revision: int, *, exists: bool
) -> bool:
    """``SetNewReplicaSetAnnotations``: copy the Deployment's annotations (``change-cause`` among
    them), raise the revision, and keep the revisions a rolled-back-to ReplicaSet had before."""
    annotations: dict[str, str] = rs["metadata"].setdefault("annotations", {})
    changed = False
    for key, value in (d["metadata"].get("annotations") or {}).items():
        if key not in _NOT_COPIED and annotations.get(key) != value:
            annotations[key] = value
            changed = True
    old_text = annotations.get(REVISION)
    try:
        old = int(old_text) if old_text is not None else 0
    except ValueError:
        return changed
    if old < new_revision:
        annotations[REVISION] = str(new_revision)
        changed = True
        if old_text is not None:
            history = [h for h in annotations.get(REVISION_HISTORY, "").split(",") if h]
            while history and len(",".join([*history, old_text])) > _REVISION_HISTORY_CHARS:
                history.pop(0)
            annotations[REVISION_HISTORY] = ",".join([*history, old_text])
    if not exists and set_replicas_annotations(rs, replicas(d), replicas(d) + max_surge(d)):
        changed = True
    return changed
