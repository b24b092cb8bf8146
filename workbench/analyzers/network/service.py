"""Services that send traffic nowhere: no pod selected, none ready, or a target port no pod exposes.

Only Services with a selector are judged: an ExternalName Service has no pods, and a Service
without a selector has Endpoints managed by hand (the ``kubernetes`` Service, external databases).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any, ClassVar

import pandas as pd

from workbench.analyzers._common import present, readable, text
from workbench.analyzers.base import DOCS
from workbench.analyzers.network._index import (
    SERVICE_COLUMNS,
    Owners,
    PodIndex,
    Readiness,
    ServiceIndex,
    closest,
    container_ports,
    few,
    rows,
    selector_text,
    target_ports,
)
from workbench.analyzers.network._isolation import Isolation, pod_key
from workbench.frames import Frames
from workbench.frames.schema import (
    Containers,
    DaemonSets,
    Deployments,
    Pods,
    ReplicaSets,
    Services,
    StatefulSets,
)
from workbench.model import Evidence, Finding, ObjectRef, Severity

DOCS_URL = f"{DOCS}tasks/debug/debug-application/debug-service/"


class ServiceAnalyzer:
    """Services whose selector matches no pod, whose pods are all unready, or whose port is not exposed."""

    name: ClassVar[str] = "service"
    codes: ClassVar[tuple[str, ...]] = (
        "service.no-endpoints",
        "service.no-ready-endpoints",
        "service.port-mismatch",
    )

    def analyze(self, frames: Frames) -> Iterable[Finding]:
        """Findings on every Service with a selector that routes to no ready pod (see module doc)."""
        svc = frames.services
        candidates = rows(
            svc[(svc[Services.TYPE] != "ExternalName") & svc[Services.SELECTOR].map(bool)], SERVICE_COLUMNS
        )
        if not candidates:
            return []
        return list(_Run(frames, candidates).findings())


class _Run:
    """One analyze() call: the indexes, built once, and the per-Service judgement."""

    def __init__(self, frames: Frames, candidates: list[dict[str, Any]]) -> None:
        self.frames = frames
        self.candidates = candidates
        self.pods_readable = readable(frames, Pods.FRAME)
        pairs = {pair for row in candidates for pair in row[Services.SELECTOR].items()}
        self.pods = PodIndex(frames.pods, pairs)
        self.services = ServiceIndex(frames)
        self.owners = Owners(frames)
        self._workloads: dict[str, list[tuple[ObjectRef, dict[str, str], int | None]]] | None = None
        self._isolation: Isolation | None = None

    def findings(self) -> Iterator[Finding]:
        matched = {
            (str(r[Services.NAMESPACE]), str(r[Services.NAME])): self.pods.select(
                str(r[Services.NAMESPACE]), r[Services.SELECTOR]
            )
            for r in self.candidates
        }
        ports = self._container_ports(p for pods in matched.values() for p in pods)
        for row in self.candidates:
            key = (str(row[Services.NAMESPACE]), str(row[Services.NAME]))
            yield from self._judge(row, matched[key], ports)

    def _judge(
        self,
        row: dict[str, Any],
        pods: list[dict[str, Any]],
        ports: dict[tuple[str, str], list[tuple[str, ...]]] | None,
    ) -> Iterator[Finding]:
        namespace, name = str(row[Services.NAMESPACE]), str(row[Services.NAME])
        ref = ObjectRef("Service", namespace, name, text(row[Services.UID]))
        readiness = self.services.readiness(namespace, name)
        if readiness.known:
            ready = readiness.ready
        elif self.pods_readable:
            ready = sum(bool(p[Pods.READY]) for p in pods)
        else:
            return
        mismatch = _port_mismatch(row, pods, ports) if pods and ports is not None else []
        # A named targetPort no container declares keeps ready pods out of the Endpoints: the port,
        # not the pods, is why nothing is ready, so it replaces the no-ready-endpoints finding.
        port_explains = bool(mismatch) and ready == 0 and any(bool(p[Pods.READY]) for p in pods)
        if mismatch:
            yield self._port_finding(ref, pods, ports or {}, mismatch, down=port_explains)
        if ready > 0 or port_explains:
            return
        if pods:
            yield self._no_ready(ref, row, pods, readiness)
        elif self.pods_readable or readiness.not_ready == 0:
            yield self._no_endpoints(ref, row, readiness)

    # --- no pod selected ---------------------------------------------------------------------------

    def _no_endpoints(self, ref: ObjectRef, row: dict[str, Any], readiness: Readiness) -> Finding:
        selector: dict[str, str] = row[Services.SELECTOR]
        evidence = [Evidence("spec", "spec.selector", selector_text(selector))]
        if readiness.known:
            evidence.append(_endpoints_evidence(readiness))
        related: set[ObjectRef] = set()
        planners: list[str] = []
        backing = [w for w in self._workloads_in(ref.namespace) if selector.items() <= w[1].items()]
        if backing:
            for workload, _, wanted in backing:
                evidence.append(Evidence("spec", "spec.replicas", f"wants {wanted} pods", workload))
                related.add(workload)
            names = ", ".join(str(w[0]) for w in backing)
            if all(w[2] == 0 for w in backing):
                summary = f"Service {ref.namespace}/{ref.name} has no endpoints: {names} is scaled to 0"
                why = (
                    "The workload whose pods this Service selects runs no pods, so every connection to "
                    "the Service is refused. Scale it back up (check who scaled it down and why)."
                )
                planners.append("scale")
            else:
                summary = f"Service {ref.namespace}/{ref.name} has no endpoints: {names} has no pods"
                why = (
                    "The workload whose pods this Service selects has created none: look at its events "
                    "and conditions (a quota, an admission webhook or a bad template refuses them)."
                )
        else:
            hint, hint_related = self._selector_hint(ref.namespace, selector)
            evidence.extend(hint)
            related.update(hint_related)
            planners.append("fix-service-selector")
            summary = f"Service {ref.namespace}/{ref.name} selects no pods ({selector_text(selector)})"
            if hint:
                summary += f"; did you mean {hint[0].value}?"
            why = (
                "No pod in the namespace carries every label the Service selects, so its Endpoints are "
                "empty and connections are refused. A typo in the selector or in the pod template's "
                "labels is the usual cause: compare `kubectl get svc -o wide` with `kubectl get pods "
                "--show-labels` and fix the side that is wrong."
            )
        return Finding(
            "service.no-endpoints",
            Severity.CRITICAL,
            ref,
            summary,
            evidence=tuple(evidence),
            explanation=why,
            docs_url=DOCS_URL,
            planners=tuple(planners),
            related=tuple(sorted(related)),
        )

    def _selector_hint(
        self, namespace: str, selector: dict[str, str]
    ) -> tuple[list[Evidence], set[ObjectRef]]:
        """For each selector label no pod has, the closest value the namespace's pods (or workloads) carry."""
        evidence: list[Evidence] = []
        related: set[ObjectRef] = set()
        pods = self.pods.in_namespace(namespace)
        for key, value in sorted(selector.items()):
            if self.pods.select(namespace, {key: value}):
                continue
            values = {str(p[Pods.LABELS][key]) for p in pods if key in (p[Pods.LABELS] or {})}
            values.update(w[1][key] for w in self._workloads_in(namespace) if key in w[1])
            guess = closest(value, values)
            if guess is None:
                continue
            carriers = [p for p in pods if (p[Pods.LABELS] or {}).get(key) == guess]
            owners = self.owners.roots(carriers)
            if not owners:
                owners = tuple(w[0] for w in self._workloads_in(namespace) if w[1].get(key) == guess)
            where = owners[0] if owners else None
            evidence.append(Evidence("field", f"label {key} of pods in {namespace}", f"{key}={guess}", where))
            related.update(owners)
        return evidence, related

    def _workloads_in(self, namespace: str) -> list[tuple[ObjectRef, dict[str, str], int | None]]:
        """Top-level workloads of ``namespace``: (ref, selector matchLabels, wanted pods)."""
        if self._workloads is None:
            self._workloads = _workloads(self.frames)
        return self._workloads.get(namespace, [])

    # --- pods selected, none ready -----------------------------------------------------------------

    def _no_ready(
        self, ref: ObjectRef, row: dict[str, Any], pods: list[dict[str, Any]], readiness: Readiness
    ) -> Finding:
        evidence = [_endpoints_evidence(readiness)] if readiness.known else []
        evidence.append(Evidence("spec", "spec.selector", selector_text(row[Services.SELECTOR])))
        for pod in pods[:5]:
            pod_ref = ObjectRef("Pod", ref.namespace, str(pod[Pods.NAME]), text(pod[Pods.UID]))
            status = text(pod[Pods.STATUS]) or text(pod[Pods.PHASE]) or "Unknown"
            evidence.append(Evidence("field", "status", f"{status}, not ready", pod_ref))
        owners = self.owners.roots(pods)
        # A policy that cuts these pods off is a cause too (their readiness often depends on traffic).
        policies = sorted({p for pod in pods for p in self._cutting(pod)})
        evidence.extend(
            Evidence("spec", "isolated by", f"NetworkPolicy {p.name} allows no traffic", p) for p in policies
        )
        return Finding(
            "service.no-ready-endpoints",
            Severity.CRITICAL,
            ref,
            f"Service {ref.namespace}/{ref.name} has no ready endpoints: "
            f"{len(pods)} pod(s) match its selector and none is ready ({few([str(o) for o in owners])})",
            evidence=tuple(evidence),
            explanation=(
                "Every pod the Service selects fails its readiness check (or has not started), so the "
                "Service has nowhere to send traffic and callers see refused connections or 503s. "
                "The cause is in the pods: look at the findings on their workload (crash loops, "
                "failing probes, pods that cannot be scheduled) and fix that first."
            ),
            docs_url=DOCS_URL,
            related=(*owners, *policies),
        )

    def _cutting(self, pod: dict[str, Any]) -> list[ObjectRef]:
        """The NetworkPolicies that cut ``pod`` off entirely (none when the namespace has none)."""
        if self.frames.networkpolicies.empty:
            return []
        if self._isolation is None:
            self._isolation = Isolation(self.frames)
        return self._isolation.cutting(pod_key(pod))

    # --- target port exposed by no pod -------------------------------------------------------------

    def _container_ports(
        self, pods: Iterable[dict[str, Any]]
    ) -> dict[tuple[str, str], list[tuple[str, ...]]] | None:
        """App containers' declared ports of ``pods``, by (namespace, pod); None when unknown."""
        if not readable(self.frames, Containers.FRAME):
            return None
        keys = {(str(p[Pods.NAMESPACE]), str(p[Pods.NAME])) for p in pods}
        out: dict[tuple[str, str], list[tuple[str, ...]]] = {key: [] for key in keys}
        if not keys:
            return out
        c = self.frames.containers
        names = {name for _, name in keys}
        app = c[~c[Containers.INIT] & c[Containers.NAME].isin(names)]
        for ns, name, entries in zip(
            app[Containers.NAMESPACE].tolist(),
            app[Containers.NAME].tolist(),
            app[Containers.PORTS].tolist(),
            strict=True,
        ):
            key = (str(ns), str(name))
            if key in out and entries is not None:
                out[key].extend(container_ports(entries))
        return out

    def _port_finding(
        self,
        ref: ObjectRef,
        pods: list[dict[str, Any]],
        ports: dict[tuple[str, str], list[tuple[str, ...]]],
        mismatch: list[tuple[str, str]],
        *,
        down: bool,
    ) -> Finding:
        evidence = [Evidence("spec", f"spec.ports[{port}].targetPort", target) for target, port in mismatch]
        sample = pods[0]
        pod_ref = ObjectRef("Pod", ref.namespace, str(sample[Pods.NAME]), text(sample[Pods.UID]))
        declared = ports.get((ref.namespace, pod_ref.name), [])
        evidence.append(
            Evidence(
                "spec", "containers[].ports", ", ".join(_port_text(*p) for p in declared) or "none", pod_ref
            )
        )
        targets = ", ".join(target for target, _ in mismatch)
        severity = Severity.CRITICAL if down else Severity.ERROR
        return Finding(
            "service.port-mismatch",
            severity,
            ref,
            f"Service {ref.namespace}/{ref.name} targets port {targets}, which no selected pod defines",
            evidence=tuple(evidence),
            explanation=(
                "The Service forwards to a named targetPort that none of the selected pods' containers "
                "defines, so the endpoints controller cannot resolve it and sends that port's traffic "
                "nowhere. Point targetPort at a port name (or number) the containers use, or add the "
                "named port to the pod template."
            ),
            docs_url=f"{DOCS}concepts/services-networking/service/#defining-a-service",
            planners=(),
        )


def _port_mismatch(
    row: dict[str, Any], pods: list[dict[str, Any]], ports: dict[tuple[str, str], list[tuple[str, ...]]]
) -> list[tuple[str, str]]:
    """(targetPort, port) of each named targetPort that no selected pod's containers declare.

    Only names are judged: the endpoints controller must resolve a name in the pod's spec, so a
    missing one provably sends no traffic. Declaring a numeric containerPort is optional (apps
    often serve metrics on a port they never declare), so a number nobody declares proves nothing.
    """
    out: list[tuple[str, str]] = []
    for port, protocol, target in target_ports(row[Services.PORTS]):
        if target.isdigit():
            continue
        declared = (ports.get((str(p[Pods.NAMESPACE]), str(p[Pods.NAME])), []) for p in pods)
        if not any(name == target and proto == protocol for d in declared for name, _, proto in d):
            out.append((target, port))
    return out


def _port_text(name: str, number: str, protocol: str) -> str:
    return f"{name}:{number}/{protocol}" if name else f"{number}/{protocol}"


def _endpoints_evidence(readiness: Readiness) -> Evidence:
    return Evidence(
        "field",
        "endpoints",
        f"{readiness.ready} ready, {readiness.not_ready} not ready"
        if readiness.ref
        else "no Endpoints object",
        readiness.ref,
    )


def _workloads(frames: Frames) -> dict[str, list[tuple[ObjectRef, dict[str, str], int | None]]]:
    """Top-level workloads by namespace: (ref, selector matchLabels, wanted pods)."""
    out: dict[str, list[tuple[ObjectRef, dict[str, str], int | None]]] = defaultdict(list)
    sources: list[tuple[pd.DataFrame, str, str]] = [
        (frames.deployments, "Deployment", Deployments.REPLICAS),
        (frames.statefulsets, "StatefulSet", StatefulSets.REPLICAS),
        (frames.daemonsets, "DaemonSet", DaemonSets.DESIRED_PODS),
    ]
    rs = frames.replicasets
    sources.append((rs[rs[ReplicaSets.OWNER_NAME].isna()], "ReplicaSet", ReplicaSets.REPLICAS))
    for df, kind, wanted in sources:
        for ns, name, uid, selector, count in zip(
            df[Deployments.NAMESPACE].tolist(),
            df[Deployments.NAME].tolist(),
            df[Deployments.UID].tolist(),
            df[Deployments.SELECTOR].tolist(),
            df[wanted].tolist(),
            strict=True,
        ):
            ref = ObjectRef(kind, str(ns), str(name), text(uid))
            out[str(ns)].append((ref, dict(selector or {}), int(count) if present(count) else None))
    return out
