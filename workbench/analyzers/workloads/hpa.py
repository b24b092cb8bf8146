"""HorizontalPodAutoscalers that cannot scale (no metrics, no requests), whose target does not exist,
or that are pinned at their maximum under load."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from workbench.analyzers._common import event_evidence, present, readable, ref_of, text
from workbench.analyzers.base import DOCS
from workbench.analyzers.workloads import _shared as s
from workbench.frames import Frames
from workbench.frames.schema import Containers, Hpas, Pods
from workbench.model import Evidence, Finding, ObjectRef, Severity

UNABLE_TO_SCALE = "hpa.unable-to-scale"
AT_MAX = "hpa.at-max"
TARGET_MISSING = "hpa.target-missing"

_DOCS = DOCS + "tasks/run-application/horizontal-pod-autoscale/"
_TARGET_FRAMES = {"Deployment": "deployments", "StatefulSet": "statefulsets", "ReplicaSet": "replicasets"}
# 'resource/cpu utilization=70%' or 'container-resource/cpu[app] utilization=60%' (see frames/_policy.py)
_UTILIZATION = re.compile(
    r"^(?:container-)?resource/(?P<res>\w+)(?:\[(?P<container>[^\]]*)\])? .*utilization=(?P<pct>\d+)%"
)
_REQUEST_COLUMNS = {"cpu": Containers.CPU_REQUEST, "memory": Containers.MEMORY_REQUEST}
_CONTAINER_COLUMNS = (
    Containers.KIND,
    Containers.NAMESPACE,
    Containers.NAME,
    Containers.UID,
    Containers.CONTAINER,
    Containers.CPU_REQUEST,
    Containers.MEMORY_REQUEST,
)
_METRICS_DOWN = (
    "no metrics returned",
    "unable to fetch metrics",
    "could not find the requested resource",
    "unable to get metrics",
)


class HpaAnalyzer:
    """HPAs that cannot compute a replica count, that point at nothing, or that are held at maxReplicas.

    Utilization targets are percentages of the pods' requests, so a container without a request
    for the resource makes the HPA fail; the analyzer names those containers even before the
    controller has reported the failure. A target kind whose frame could not be read is not judged.
    """

    name: ClassVar[str] = "hpa"
    codes: ClassVar[tuple[str, ...]] = (UNABLE_TO_SCALE, AT_MAX, TARGET_MISSING)

    def analyze(self, frames: Frames) -> Iterator[Finding]:
        """Findings about the HPAs in ``frames``."""
        hpas = frames.hpas
        if hpas.empty:
            return
        rows = s.rows(hpas)
        targets = _Targets(frames, rows)
        events = s.events_of(frames, "HorizontalPodAutoscaler", {s.key_of(r) for r in rows})
        for row in rows:
            ref = ref_of(row)
            target = ObjectRef(text(row[Hpas.TARGET_KIND]), ref.namespace, text(row[Hpas.TARGET_NAME]))
            warnings = [event_evidence(e) for e in s.warnings(events.get(s.key_of(row), []))[-s.MAX_LISTED :]]
            if targets.missing(target):
                yield _target_missing(row, target, warnings)
                continue
            no_requests = targets.without_requests(row, target)
            found = _unable(row, target, no_requests, warnings, frames) or _at_max(row, target)
            if found is not None:
                yield found


class _Targets:
    """Scale targets and their pods, looked up once per analysis."""

    def __init__(self, frames: Frames, rows: list[s.Row]) -> None:
        self.known: dict[str, set[s.Key]] = {}
        for kind, frame in _TARGET_FRAMES.items():
            if readable(frames, frame):
                df = frames[frame]
                self.known[kind] = set(zip(df[Hpas.NAMESPACE].astype(str), df[Hpas.NAME], strict=True))
        wanted = {
            (text(r[Hpas.TARGET_KIND]), text(r[Hpas.NAMESPACE]), text(r[Hpas.TARGET_NAME])) for r in rows
        }
        deps = {(ns, name) for kind, ns, name in wanted if kind == "Deployment"}
        rss = s.children(frames.replicasets, "Deployment", deps, (Hpas.NAMESPACE, Hpas.NAME, Pods.OWNER_NAME))
        self.rs_of = {key: [s.key_of(r) for r in owned] for key, owned in rss.items()}
        self.rs_pods = s.children(
            frames.pods, "ReplicaSet", {k for keys in self.rs_of.values() for k in keys}, s.POD_COLUMNS
        )
        direct = {(kind, ns, name) for kind, ns, name in wanted if kind != "Deployment"}
        self.by_kind = {
            kind: s.children(frames.pods, kind, {(ns, n) for k, ns, n in direct if k == kind}, s.POD_COLUMNS)
            for kind in {k for k, _, _ in direct}
        }
        pods = [p for owned in self.rs_pods.values() for p in owned]
        pods.extend(p for by_owner in self.by_kind.values() for owned in by_owner.values() for p in owned)
        containers = frames.containers
        names = {str(p[Pods.NAME]) for p in pods}
        app = containers[containers[Containers.NAME].isin(names) & ~containers[Containers.INIT].astype(bool)]
        self.containers: dict[s.Key, list[s.Row]] = {}
        for row in s.rows(app, _CONTAINER_COLUMNS):
            self.containers.setdefault(s.key_of(row), []).append(row)

    def missing(self, target: ObjectRef) -> bool:
        """The target's kind was read and it has no object of that name."""
        known = self.known.get(target.kind)
        return known is not None and (target.namespace, target.name) not in known

    def pods(self, target: ObjectRef) -> list[s.Row]:
        """The live pods of ``target``."""
        key = (target.namespace, target.name)
        if target.kind == "Deployment":
            found = [p for rs in self.rs_of.get(key, []) for p in self.rs_pods.get(rs, [])]
        else:
            found = self.by_kind.get(target.kind, {}).get(key, [])
        return s.live_pods(found)

    def without_requests(self, row: Mapping[str, Any], target: ObjectRef) -> list[Evidence]:
        """Containers of the target's pods without a request for a resource the HPA targets by utilization."""
        metrics = row[Hpas.METRICS] if isinstance(row[Hpas.METRICS], list) else []
        wanted = [
            (m["res"], m["container"])
            for t in metrics
            if (m := _UTILIZATION.match(str(t))) and m["res"] in _REQUEST_COLUMNS
        ]
        if not wanted:
            return []
        mine = [c for p in self.pods(target) for c in self.containers.get(s.key_of(p), [])]
        out: list[Evidence] = []
        for resource, only in wanted:
            lacking: dict[str, list[s.Row]] = {}
            for c in mine:
                if (not only or c[Containers.CONTAINER] == only) and not present(
                    c[_REQUEST_COLUMNS[resource]]
                ):
                    lacking.setdefault(str(c[Containers.CONTAINER]), []).append(c)
            for name, hits in sorted(lacking.items()):
                first = min(hits, key=lambda c: str(c[Containers.NAME]))
                value = f"no {resource} request in {s.plural(len(hits), 'pod')}"
                subject = f"container {name} resources.requests.{resource}"
                out.append(Evidence("spec", subject, value, ref_of(first, "Pod")))
        return out


def _condition(row: Mapping[str, Any], name: str, status: str, reason: str, message: str) -> Evidence:
    value = f"{text(row[status])} {text(row[reason])}".strip() + (
        f": {text(row[message])}" if text(row[message]) else ""
    )
    return Evidence("condition", name, value)


def _unable(
    row: Mapping[str, Any],
    target: ObjectRef,
    no_requests: list[Evidence],
    warnings: list[Evidence],
    frames: Frames,
) -> Finding | None:
    active = (
        text(row[Hpas.SCALING_ACTIVE_STATUS]) == "False"
        and text(row[Hpas.SCALING_ACTIVE_REASON]) != "ScalingDisabled"
    )
    able = text(row[Hpas.ABLE_TO_SCALE_STATUS]) == "False"
    if not (active or able or no_requests):
        return None
    ref = ref_of(row)
    evidence: list[Evidence] = []
    if active:
        evidence.append(
            _condition(
                row,
                "ScalingActive",
                Hpas.SCALING_ACTIVE_STATUS,
                Hpas.SCALING_ACTIVE_REASON,
                Hpas.SCALING_ACTIVE_MESSAGE,
            )
        )
    if able:
        evidence.append(
            _condition(
                row,
                "AbleToScale",
                Hpas.ABLE_TO_SCALE_STATUS,
                Hpas.ABLE_TO_SCALE_REASON,
                Hpas.ABLE_TO_SCALE_MESSAGE,
            )
        )
    metrics = ", ".join(str(m) for m in row[Hpas.METRICS]) if isinstance(row[Hpas.METRICS], list) else ""
    current = (
        ", ".join(str(m) for m in row[Hpas.CURRENT_METRICS])
        if isinstance(row[Hpas.CURRENT_METRICS], list)
        else ""
    )
    evidence.append(Evidence("spec", "spec.metrics", metrics or "(none)"))
    evidence.append(
        Evidence("field", "status.currentMetrics", current or "(none: the controller could read no metric)")
    )
    evidence.extend(no_requests)
    evidence.extend(warnings)
    message = f"{text(row[Hpas.SCALING_ACTIVE_MESSAGE])} {text(row[Hpas.ABLE_TO_SCALE_MESSAGE])}"
    metrics_missing = frames.missing_for("pod_metrics")
    if no_requests or "missing request" in message:
        cause = (
            "A utilization target is a percentage of the pods' requests, and the target's containers "
            "listed above request none of that resource, so there is nothing to divide by. Set requests "
            f"on {target} (kubectl set resources); the HPA works once the new pods report usage."
        )
        planners: tuple[str, ...] = ("set-resources",)
    elif any(p in message for p in _METRICS_DOWN) or metrics_missing is not None:
        cause = (
            "The controller cannot read the metrics it scales on: the metrics pipeline (metrics-server for "
            "CPU and memory, an adapter for custom and external metrics) is missing or failing. Check "
            "kubectl get apiservice v1beta1.metrics.k8s.io and the metrics-server pods."
        )
        if metrics_missing is not None:
            evidence.append(
                Evidence("field", "metrics API", f"{metrics_missing.reason}: {metrics_missing.message}")
            )
        planners = ()
    elif able:
        cause = f"The controller cannot read or change the scale of {target}: read the AbleToScale message."
        planners = ()
    else:
        cause = "Read the ScalingActive message for what the controller could not compute."
        planners = ()
    return Finding(
        UNABLE_TO_SCALE,
        Severity.ERROR,
        ref,
        f"{ref} cannot scale {target}" + (f": {text(row[Hpas.SCALING_ACTIVE_REASON])}" if active else ""),
        evidence=tuple(evidence),
        explanation=(
            f"The autoscaler cannot compute how many replicas {target} needs, so it stays at "
            f"{s.num(row[Hpas.CURRENT_REPLICAS])} whatever the load. {cause}"
        ),
        docs_url=_DOCS + "#how-does-a-horizontalpodautoscaler-work",
        planners=planners,
        related=(target,),
    )


def _pressure(row: Mapping[str, Any]) -> list[str]:
    """Metrics whose current utilization is above target: ``cpu 95% (target 70%)``."""
    targets = {}
    for spec in row[Hpas.METRICS] if isinstance(row[Hpas.METRICS], list) else []:
        if m := _UTILIZATION.match(str(spec)):
            targets[(m["res"], m["container"])] = int(m["pct"])
    out = []
    for now in row[Hpas.CURRENT_METRICS] if isinstance(row[Hpas.CURRENT_METRICS], list) else []:
        m = _UTILIZATION.match(str(now))
        if m and (goal := targets.get((m["res"], m["container"]))) is not None and int(m["pct"]) > goal:
            out.append(f"{m['res']} {m['pct']}% (target {goal}%)")
    return out


def _at_max(row: Mapping[str, Any], target: ObjectRef) -> Finding | None:
    current, most = s.num(row[Hpas.CURRENT_REPLICAS]), s.num(row[Hpas.MAX_REPLICAS], -1)
    limited = (
        text(row[Hpas.SCALING_LIMITED_STATUS]) == "True"
        and text(row[Hpas.SCALING_LIMITED_REASON]) == "TooManyReplicas"
    )
    pressure = _pressure(row)
    if not limited and not (most >= 0 and current >= most and pressure):
        return None
    ref = ref_of(row)
    evidence = [Evidence("field", "status.currentReplicas / spec.maxReplicas", f"{current} / {most}")]
    if limited:
        evidence.append(
            _condition(
                row,
                "ScalingLimited",
                Hpas.SCALING_LIMITED_STATUS,
                Hpas.SCALING_LIMITED_REASON,
                Hpas.SCALING_LIMITED_MESSAGE,
            )
        )
    if pressure:
        evidence.append(Evidence("metric", "above target", ", ".join(pressure)))
    return Finding(
        AT_MAX,
        Severity.WARNING,
        ref,
        f"{ref} is held at its maximum of {most} replicas"
        + (f" ({', '.join(pressure)})" if pressure else ""),
        evidence=tuple(evidence),
        explanation=(
            f"The load asks for more replicas of {target} than maxReplicas allows, so the pods run above "
            "their target: latency grows and they may be throttled or OOM-killed. Raise maxReplicas if the "
            "cluster has room, or find why the load or the per-pod usage grew."
        ),
        docs_url=_DOCS + "#algorithm-details",
        planners=(),  # no planner raises maxReplicas: capacity is a human call
        related=(target,),
    )


def _target_missing(row: Mapping[str, Any], target: ObjectRef, warnings: list[Evidence]) -> Finding:
    ref = ref_of(row)
    evidence = [Evidence("spec", "spec.scaleTargetRef", f"{target.kind}/{target.name}")]
    if text(row[Hpas.ABLE_TO_SCALE_STATUS]) == "False":
        evidence.append(
            _condition(
                row,
                "AbleToScale",
                Hpas.ABLE_TO_SCALE_STATUS,
                Hpas.ABLE_TO_SCALE_REASON,
                Hpas.ABLE_TO_SCALE_MESSAGE,
            )
        )
    evidence.extend(warnings)
    return Finding(
        TARGET_MISSING,
        Severity.ERROR,
        ref,
        f"{ref} scales {target}, which does not exist",
        evidence=tuple(evidence),
        explanation=(
            f"There is no {target.kind} named {target.name} in {target.namespace}, so this autoscaler scales "
            "nothing. The workload was renamed or deleted, or the HPA names the wrong kind: fix "
            "spec.scaleTargetRef or delete the HPA."
        ),
        docs_url=_DOCS,
        related=(target,),
    )
