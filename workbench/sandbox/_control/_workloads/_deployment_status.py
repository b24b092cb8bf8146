"""The status of a Deployment: counts from its ReplicaSets, ``Available`` and ``Progressing``.

From ``pkg/controller/deployment`` (``calculateStatus``, ``syncRolloutStatus``,
``checkPausedConditions``) and its util package (``DeploymentComplete``, ``DeploymentProgressing``,
``DeploymentTimedOut``): the reasons and messages ``kubectl describe`` and ``kubectl rollout
status`` read, such as ``ReplicaSet "web-5d9c7b8f6" has timed out progressing.``
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from workbench.sandbox._clock import parse_time
from workbench.sandbox._control._workloads._pods import (
    condition,
    dropped_zeros,
    remove_condition,
    set_condition,
)
from workbench.sandbox._control._workloads._rollout import (
    CONDITION_TIMES,
    NEW_RS_AVAILABLE,
    PAUSED,
    RESUMED,
    RS_UPDATED,
    TIMED_OUT,
    counted,
    max_unavailable,
    replicas,
    total,
)


def set_deployment_condition(
    status: dict[str, Any], type_: str, value: str, reason: str, message: str, *, now: datetime
) -> bool:
    """``SetDeploymentCondition``: Deployment conditions carry lastUpdateTime and lastTransitionTime."""
    return set_condition(status, type_, value, reason, message, now=now, times=CONDITION_TIMES)


def calculate_status(
    d: Mapping[str, Any], all_rss: list[dict[str, Any]], new_rs: Mapping[str, Any] | None, now: datetime
) -> dict[str, Any]:
    """``calculateStatus``: the counts, and ``Available`` from the minimum availability."""
    available = total(all_rss, "availableReplicas")
    old = d.get("status") or {}
    status = dropped_zeros(
        {
            "observedGeneration": d["metadata"].get("generation", 1),
            "replicas": total(all_rss, "replicas"),
            "updatedReplicas": counted(new_rs, "replicas"),
            "readyReplicas": total(all_rss, "readyReplicas"),
            "availableReplicas": available,
            "unavailableReplicas": max(0, total(all_rss) - available),
            "collisionCount": old.get("collisionCount"),
        },
        keep=("collisionCount",) if old.get("collisionCount") is not None else (),
    )
    if old.get("conditions"):
        status["conditions"] = [dict(c) for c in old["conditions"]]
    if available >= replicas(d) - max_unavailable(d):
        reason, message = "MinimumReplicasAvailable", "Deployment has minimum availability."
        set_deployment_condition(status, "Available", "True", reason, message, now=now)
    else:
        reason, message = "MinimumReplicasUnavailable", "Deployment does not have minimum availability."
        set_deployment_condition(status, "Available", "False", reason, message, now=now)
    return status


def has_deadline(d: Mapping[str, Any]) -> bool:
    deadline = (d.get("spec") or {}).get("progressDeadlineSeconds")
    return deadline is not None and int(deadline) < 2**31 - 1


def complete(d: Mapping[str, Any], status: Mapping[str, Any]) -> bool:
    """``DeploymentComplete``: every replica updated and available, and the spec observed."""
    want = replicas(d)
    return (
        int(status.get("updatedReplicas") or 0) == want
        and int(status.get("replicas") or 0) == want
        and int(status.get("availableReplicas") or 0) == want
        and int(status.get("observedGeneration") or 0) >= int(d["metadata"].get("generation", 1))
    )


def progressing(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """``DeploymentProgressing``: more updated, ready or available replicas, or fewer old ones."""

    def n(status: Mapping[str, Any], field: str) -> int:
        return int(status.get(field) or 0)

    return (
        n(new, "updatedReplicas") > n(old, "updatedReplicas")
        or n(new, "replicas") - n(new, "updatedReplicas") < n(old, "replicas") - n(old, "updatedReplicas")
        or n(new, "readyReplicas") > n(old, "readyReplicas")
        or n(new, "availableReplicas") > n(old, "availableReplicas")
    )


def deadline_left(d: Mapping[str, Any], status: Mapping[str, Any], now: datetime) -> float | None:
    """Seconds until the progress deadline passes (negative once passed); None when no estimate is
    made: no deadline, no ``Progressing`` condition, or the rollout finished or timed out already."""
    cond = condition({"status": status}, "Progressing")
    if not has_deadline(d) or cond is None or cond.get("reason") in (NEW_RS_AVAILABLE, TIMED_OUT):
        return None
    since = cond.get("lastUpdateTime")
    if not since:
        return None
    deadline = int((d.get("spec") or {}).get("progressDeadlineSeconds") or 0)
    return (parse_time(since) - now).total_seconds() + deadline


def timed_out(d: Mapping[str, Any], status: Mapping[str, Any], now: datetime) -> bool:
    """``DeploymentTimedOut``."""
    cond = condition({"status": status}, "Progressing")
    if not has_deadline(d) or cond is None or cond.get("reason") == NEW_RS_AVAILABLE:
        return False
    if cond.get("reason") == TIMED_OUT:
        return True
    left = deadline_left(d, status, now)
    return left is not None and left < 0


def paused_condition(d: dict[str, Any], now: datetime) -> None:
    """``checkPausedConditions``: ``Progressing`` Unknown while paused, and once resumed, so the
    time spent paused never counts against the progress deadline."""
    if not has_deadline(d):
        return
    cond = condition(d, "Progressing")
    if cond is not None and cond.get("reason") == TIMED_OUT:
        return
    was_paused = cond is not None and cond.get("reason") == PAUSED
    paused = bool((d.get("spec") or {}).get("paused"))
    if paused and not was_paused:
        set_deployment_condition(
            d["status"], "Progressing", "Unknown", PAUSED, "Deployment is paused", now=now
        )
    elif was_paused and not paused:
        set_deployment_condition(
            d["status"], "Progressing", "Unknown", RESUMED, "Deployment is resumed", now=now
        )


def rollout_status(
    d: dict[str, Any], all_rss: list[dict[str, Any]], new_rs: dict[str, Any] | None, now: datetime
) -> dict[str, Any]:
    """``syncRolloutStatus``: the counts, ``Progressing`` as the rollout goes (or stalls), and a
    ReplicaSet's ``ReplicaFailure``."""
    status = calculate_status(d, all_rss, new_rs, now)
    if not has_deadline(d):
        remove_condition(status, "Progressing")
    current = condition(d, "Progressing")
    settled = (
        int(status.get("replicas") or 0) == int(status.get("updatedReplicas") or 0)
        and current is not None
        and current.get("reason") == NEW_RS_AVAILABLE
    )
    name = f'Deployment "{d["metadata"]["name"]}"'
    if new_rs is not None:
        name = f'ReplicaSet "{new_rs["metadata"]["name"]}"'
    if has_deadline(d) and not settled:
        if complete(d, status):
            message = f"{name} has successfully progressed."
            set_deployment_condition(status, "Progressing", "True", NEW_RS_AVAILABLE, message, now=now)
        elif progressing(d["status"], status):
            # Progress moves lastUpdateTime even when the reason stays the same.
            keep = current.get("lastTransitionTime") if current and current.get("status") == "True" else None
            remove_condition(status, "Progressing")
            set_deployment_condition(
                status, "Progressing", "True", RS_UPDATED, f"{name} is progressing.", now=now
            )
            if keep:
                status["conditions"][-1]["lastTransitionTime"] = keep
        elif timed_out(d, status, now):
            message = f"{name} has timed out progressing."
            set_deployment_condition(status, "Progressing", "False", TIMED_OUT, message, now=now)
    failures = (condition(rs, "ReplicaFailure") for rs in all_rss)
    failure = next((c for c in failures if c and c.get("status") == "True"), None)
    if failure is not None:
        reason, message = str(failure.get("reason", "")), str(failure.get("message", ""))
        set_deployment_condition(status, "ReplicaFailure", "True", reason, message, now=now)
    else:
        remove_condition(status, "ReplicaFailure")
    return status
