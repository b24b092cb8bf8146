"""StatefulSets: pods not ready (and the claims they wait for), rolling updates that do not finish,
and a governing Service that does not exist."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Any, ClassVar

import pandas as pd

from workbench.analyzers._common import cluster_now, event_evidence, present, readable, ref_of, text
from workbench.analyzers.base import DOCS
from workbench.analyzers.workloads import _shared as s
from workbench.frames import Frames
from workbench.frames.schema import Pods, Pvcs, Services, StatefulSets
from workbench.model import Evidence, Finding, ObjectRef, Severity

UNAVAILABLE = "statefulset.unavailable"
UPDATE_STUCK = "statefulset.update-stuck"
SERVICE_MISSING = "statefulset.service-missing"

_DOCS = DOCS + "concepts/workloads/controllers/statefulset/"
_REVISION_LABEL = "controller-revision-hash"
UPDATE_GRACE = timedelta(minutes=10)
"""An updated pod not ready for this long stalls the update (StatefulSets have no progress deadline)."""


class StatefulSetAnalyzer:
    """StatefulSets with fewer ready pods than wanted, a stuck rolling update, or no governing Service.

    A rolling update takes one pod down at a time; that pod is not a failure until it has not been
    ready for `UPDATE_GRACE`. Pods waiting for their PersistentVolumeClaims name the claims
    (``<template>-<statefulset>-<ordinal>``) in ``related``, so the claim's own finding is the cause.
    """

    name: ClassVar[str] = "statefulset"
    codes: ClassVar[tuple[str, ...]] = (UNAVAILABLE, UPDATE_STUCK, SERVICE_MISSING)

    def analyze(self, frames: Frames) -> Iterator[Finding]:
        """Findings about the StatefulSets in ``frames``."""
        sts = frames.statefulsets
        if sts.empty:
            return
        desired = sts[StatefulSets.REPLICAS].fillna(1)
        suspect = (sts[StatefulSets.READY_REPLICAS].fillna(0) < desired) | (
            (sts[StatefulSets.UPDATED_REPLICAS].fillna(0) < desired)
            & (sts[StatefulSets.CURRENT_REVISION] != sts[StatefulSets.UPDATE_REVISION])
        )
        rows = s.rows(sts[suspect.fillna(False).astype(bool)])
        if rows:
            now = cluster_now(frames)
            keys = {s.key_of(r) for r in rows}
            pods = s.children(frames.pods, "StatefulSet", keys, s.POD_COLUMNS)
            events = s.events_of(frames, "StatefulSet", keys)
            claims = _claims(frames, {ns for ns, _ in keys})
            for row in rows:
                key = s.key_of(row)
                found = _check(row, pods.get(key, []), events.get(key, []), claims, now)
                if found is not None:
                    yield found
        if readable(frames, Services.FRAME):
            yield from _missing_services(frames)


def _claims(frames: Frames, namespaces: set[str]) -> dict[s.Key, s.Row]:
    pvcs = frames.pvcs
    here = pvcs[pvcs[Pvcs.NAMESPACE].isin(namespaces)]
    return {s.key_of(r): r for r in s.rows(here)}


def _updating(row: Mapping[str, Any]) -> bool:
    current, update = text(row[StatefulSets.CURRENT_REVISION]), text(row[StatefulSets.UPDATE_REVISION])
    if (
        not current
        or not update
        or current == update
        or text(row[StatefulSets.UPDATE_STRATEGY]) == "OnDelete"
    ):
        return False  # OnDelete waits for a person to delete the pods: a different revision is expected
    partition = s.num(row[StatefulSets.PARTITION])
    return s.num(row[StatefulSets.UPDATED_REPLICAS]) < s.num(row[StatefulSets.REPLICAS], 1) - partition


def _check(
    row: Mapping[str, Any],
    pods: list[s.Row],
    events: list[s.Row],
    claims: dict[s.Key, s.Row],
    now: pd.Timestamp,
) -> Finding | None:
    desired = s.num(row[StatefulSets.REPLICAS], 1)
    ready = s.num(row[StatefulSets.READY_REPLICAS])
    not_ready = s.unready(pods)
    updating = _updating(row)
    if updating and _stalled(not_ready, text(row[StatefulSets.UPDATE_REVISION]), now):
        return _finding(UPDATE_STUCK, row, pods=pods, not_ready=not_ready, events=events, claims=claims)
    if ready >= desired:
        return None
    missing = desired - len(s.live_pods(pods))
    if missing <= 0 and s.all_starting(not_ready, now):
        return None
    if updating and desired - ready <= 1 and missing <= 0:
        return None  # the one pod a rolling update replaces, still within UPDATE_GRACE
    return _finding(UNAVAILABLE, row, pods=pods, not_ready=not_ready, events=events, claims=claims)


def _stalled(not_ready: list[s.Row], revision: str, now: pd.Timestamp) -> list[s.Row]:
    """Pods of the update revision that have not been ready for `UPDATE_GRACE`."""
    out = []
    for pod in not_ready:
        labels = pod[Pods.LABELS] if isinstance(pod[Pods.LABELS], dict) else {}
        since = pod[Pods.READY_CHANGED] if present(pod[Pods.READY_CHANGED]) else pod[Pods.CREATED]
        if labels.get(_REVISION_LABEL) == revision and present(since) and since < now - UPDATE_GRACE:
            out.append(pod)
    return out


def _finding(
    code: str,
    row: Mapping[str, Any],
    *,
    pods: list[s.Row],
    not_ready: list[s.Row],
    events: list[s.Row],
    claims: dict[s.Key, s.Row],
) -> Finding:
    ref = ref_of(row)
    desired = s.num(row[StatefulSets.REPLICAS], 1)
    ready = s.num(row[StatefulSets.READY_REPLICAS])
    severity = (
        Severity.CRITICAL if ready == 0 else Severity.ERROR if 2 * ready < desired else Severity.WARNING
    )
    evidence = [
        Evidence(
            "field",
            "status.readyReplicas",
            f"{ready} of {desired} wanted (existing {s.num(row[StatefulSets.CURRENT_REPLICAS])}, "
            f"updated {s.num(row[StatefulSets.UPDATED_REPLICAS])})",
        ),
        *s.pod_evidence(not_ready),
    ]
    live = {str(p[Pods.NAME]) for p in s.live_pods(pods)}
    absent = sorted({f"{ref.name}-{i}" for i in range(desired)} - live, key=_ordinal)
    if absent:
        policy = text(row[StatefulSets.POD_MANAGEMENT_POLICY]) or "OrderedReady"
        why = (
            " (OrderedReady: each pod waits for the one before it to be ready)"
            if policy == "OrderedReady"
            else ""
        )
        evidence.append(Evidence("field", "pods not created", ", ".join(absent[: s.MAX_LISTED * 2]) + why))
    waiting, claim_lines = _waiting_claims(row, not_ready, absent, claims)
    evidence.extend(claim_lines)
    evidence.extend(event_evidence(e) for e in s.warnings(events)[-s.MAX_LISTED :])
    if code == UPDATE_STUCK:
        summary = (
            f"{ref} update to {text(row[StatefulSets.UPDATE_REVISION])} is stuck: "
            f"{s.num(row[StatefulSets.UPDATED_REPLICAS])} of {desired} pods updated"
        )
        evidence.insert(
            1,
            Evidence(
                "field",
                "status.currentRevision -> updateRevision",
                f"{text(row[StatefulSets.CURRENT_REVISION])} -> {text(row[StatefulSets.UPDATE_REVISION])}",
            ),
        )
        explanation = (
            "The rolling update replaced a pod with the new revision, and that pod has not become ready for "
            f"over {s.duration(UPDATE_GRACE.total_seconds())}. A StatefulSet never gives up on its own: it "
            "waits for the pod forever. Fix the new template, or roll back (kubectl rollout undo "
            "statefulset/...), then delete the stuck pod: a StatefulSet does not replace a broken pod of a "
            "failed update by itself."
        )
        planners: tuple[str, ...] = ()
    else:
        summary = f"{ref} has {ready} of {s.plural(desired, 'pod')} ready"
        explanation = (
            f"The StatefulSet wants {s.plural(desired, 'pod')}; {s.plural(ready, 'pod')} ready. "
            + (
                "Its pods wait for PersistentVolumeClaims that are not bound; the claims' findings say why. "
                if waiting
                else "The pod findings under this one say why each pod fails. "
            )
            + (
                "With OrderedReady pod management one broken pod also keeps every higher ordinal from "
                "starting."
                if desired > 1
                and (text(row[StatefulSets.POD_MANAGEMENT_POLICY]) or "OrderedReady") == "OrderedReady"
                else ""
            )
        )
        planners = ()
    return Finding(
        code,
        severity,
        ref,
        summary,
        evidence=tuple(evidence),
        explanation=explanation,
        docs_url=_DOCS
        + ("#rolling-updates" if code == UPDATE_STUCK else "#deployment-and-scaling-guarantees"),
        planners=planners,
        related=tuple(waiting),
    )


def _ordinal(pod: str) -> int:
    tail = pod.rsplit("-", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def _waiting_claims(
    row: Mapping[str, Any], not_ready: list[s.Row], absent: list[str], claims: dict[s.Key, s.Row]
) -> tuple[list[ObjectRef], list[Evidence]]:
    """The claims that pods not ready (or not created) wait for, with evidence: the claims the pods
    mount, and for pods not created yet the claims their volumeClaimTemplates will name."""
    namespace = text(row[StatefulSets.NAMESPACE])
    templates = row[StatefulSets.VOLUME_CLAIM_TEMPLATES]
    names: list[str] = []
    for pod in sorted(not_ready, key=lambda p: _ordinal(str(p[Pods.NAME]))):
        if isinstance(pod[Pods.VOLUME_CLAIMS], list):
            names.extend(str(c) for c in pod[Pods.VOLUME_CLAIMS])
    if isinstance(templates, list):
        names.extend(f"{template}-{pod_name}" for pod_name in absent for template in templates)
    refs: list[ObjectRef] = []
    lines: list[Evidence] = []
    for name in dict.fromkeys(names):
        claim = claims.get((namespace, name))
        if claim is None or text(claim[Pvcs.PHASE]) == "Bound":
            continue
        claim_ref = ref_of(claim)
        refs.append(claim_ref)
        klass = text(claim[Pvcs.STORAGE_CLASS]) or "(default)"
        lines.append(
            Evidence("field", "claim", f"{text(claim[Pvcs.PHASE])}, storage class {klass}", claim_ref)
        )
    return refs, lines


def _missing_services(frames: Frames) -> Iterator[Finding]:
    sts = frames.statefulsets
    named = sts[sts[StatefulSets.SERVICE_NAME].notna() & (sts[StatefulSets.SERVICE_NAME] != "")]
    if named.empty:
        return
    services = set(
        zip(frames.services[Services.NAMESPACE].astype(str), frames.services[Services.NAME], strict=True)
    )
    for row in s.rows(
        named,
        (
            StatefulSets.KIND,
            StatefulSets.NAMESPACE,
            StatefulSets.NAME,
            StatefulSets.UID,
            StatefulSets.SERVICE_NAME,
        ),
    ):
        ref = ref_of(row)
        service = text(row[StatefulSets.SERVICE_NAME])
        if (ref.namespace, service) in services:
            continue
        svc = ObjectRef("Service", ref.namespace, service)
        yield Finding(
            SERVICE_MISSING,
            Severity.WARNING,
            ref,
            f"{ref} names governing Service {service}, which does not exist",
            evidence=(Evidence("spec", "spec.serviceName", service),),
            explanation=(
                "A StatefulSet's pods get stable DNS names (<pod>.<service>.<namespace>.svc) from its "
                f"governing headless Service. Without Service {service}, peers that find each other by "
                "these names (replication, clustering) cannot. Create the headless Service (clusterIP: None) "
                "selecting the pods, or fix spec.serviceName (it cannot change: recreate the StatefulSet)."
            ),
            docs_url=_DOCS + "#stable-network-id",
            related=(svc,),
        )
