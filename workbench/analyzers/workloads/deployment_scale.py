"""Deployments scaled to zero, and what depends on them (the Services that select their pods)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from workbench.analyzers._common import event_evidence, records, ref_of, text
from workbench.analyzers.base import DOCS
from workbench.analyzers.workloads import _shared as s
from workbench.frames import Frames
from workbench.frames.schema import Deployments, Endpoints, Events, ReplicaSets, Services
from workbench.model import Evidence, Finding, ObjectRef, Severity

SCALED_TO_ZERO = "deployment.scaled-to-zero"

_DOCS = DOCS + "concepts/workloads/controllers/deployment/#scaling-a-deployment"
_TEMPLATE_HASH = "pod-template-hash"
_SCALED_FROM = re.compile(r"from (\d+) to 0\b")


class DeploymentScaleAnalyzer:
    """Deployments that want no pods.

    Zero replicas is often deliberate (INFO). It is an ERROR when a Service selects the Deployment's
    pods, which then has no endpoints, and CRITICAL for a kube-system add-on such as CoreDNS, which
    the whole cluster depends on. The pod template's labels are read from the newest ReplicaSet
    (a ReplicaSet carries them, plus the template hash), falling back to the Deployment's selector.
    """

    name: ClassVar[str] = "deployment-scale"
    codes: ClassVar[tuple[str, ...]] = (SCALED_TO_ZERO,)

    def analyze(self, frames: Frames) -> Iterator[Finding]:
        """A finding per Deployment whose spec.replicas is 0."""
        deps = frames.deployments
        rows = s.rows(deps[(deps[Deployments.REPLICAS] == 0).fillna(False).astype(bool)])
        if not rows:
            return
        keys = {s.key_of(r) for r in rows}
        replicasets = s.children(frames.replicasets, "Deployment", keys)
        events = s.events_of(frames, "Deployment", keys)
        for row in rows:
            owned = replicasets.get(s.key_of(row), [])
            newest = max(owned, key=lambda r: s.num(r[ReplicaSets.REVISION], -1)) if owned else None
            yield _finding(frames, row, newest, events.get(s.key_of(row), []))


def _finding(
    frames: Frames, row: Mapping[str, Any], newest: Mapping[str, Any] | None, events: list[dict[str, Any]]
) -> Finding:
    ref = ref_of(row)
    labels = (
        {k: v for k, v in newest[ReplicaSets.LABELS].items() if k != _TEMPLATE_HASH}
        if newest is not None and isinstance(newest[ReplicaSets.LABELS], dict)
        else dict(row[Deployments.SELECTOR] or {})
    )
    services = _selecting_services(frames, ref.namespace, labels)
    scaled = [
        e
        for e in events
        if text(e[Events.REASON]) == "ScalingReplicaSet" and _SCALED_FROM.search(text(e[Events.MESSAGE]))
    ]
    before = _SCALED_FROM.search(text(scaled[-1][Events.MESSAGE])) if scaled else None
    evidence = [Evidence("spec", "spec.replicas", "0"), *(event_evidence(e) for e in scaled[-1:])]
    if not services:
        return Finding(
            SCALED_TO_ZERO,
            Severity.INFO,
            ref,
            f"{ref} is scaled to zero",
            evidence=tuple(evidence),
            explanation="The Deployment wants no pods. No Service selects them, so this may be on purpose.",
            docs_url=_DOCS,
            planners=("scale",),
        )
    for svc in services:
        evidence.append(
            Evidence("field", "selects this Deployment's pods", _endpoints_line(frames, svc), svc)
        )
    names = ", ".join(str(svc) for svc in services)
    one = len(services) == 1
    system = ref.namespace == "kube-system"
    dns = system and (labels.get("k8s-app") == "kube-dns" or any(svc.name == "kube-dns" for svc in services))
    impact = (
        "This is the cluster DNS: every name lookup in the cluster fails, so every app that finds a "
        "Service by name fails too."
        if dns
        else f"{names} {'selects' if one else 'select'} its pods: with none there are no endpoints, and "
        "clients cannot connect."
    )
    size = before.group(1) if before else "N"
    command = f"kubectl -n {ref.namespace} scale deployment/{ref.name} --replicas={size}"
    was = f" (it had {size} before it was scaled down)" if before else ""
    return Finding(
        SCALED_TO_ZERO,
        Severity.CRITICAL if system else Severity.ERROR,
        ref,
        f"{ref} is scaled to zero but {names} {'depends' if one else 'depend'} on it",
        evidence=tuple(evidence),
        explanation=f"The Deployment wants no pods. {impact} Scale it back up{was}: {command}.",
        docs_url=_DOCS,
        planners=("scale",),
        related=tuple(services),
    )


def _selecting_services(frames: Frames, namespace: str, labels: Mapping[str, str]) -> list[ObjectRef]:
    svcs = frames.services
    if svcs.empty or not labels:
        return []
    here = records(svcs[svcs[Services.NAMESPACE] == namespace])
    return [
        ref_of(svc)
        for svc in here
        if isinstance(svc[Services.SELECTOR], dict)
        and svc[Services.SELECTOR]
        and all(labels.get(k) == v for k, v in svc[Services.SELECTOR].items())
    ]


def _endpoints_line(frames: Frames, svc: ObjectRef) -> str:
    eps = frames.endpoints
    match = eps[(eps[Endpoints.NAMESPACE] == svc.namespace) & (eps[Endpoints.NAME] == svc.name)]
    if match.empty:
        return "no Endpoints object"
    return f"{s.num(match.iloc[0][Endpoints.READY_ADDRESSES])} ready endpoint addresses"
