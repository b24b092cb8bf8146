"""``scale``: scale a Deployment that was scaled to zero back to what the evidence says it ran.

Rule, first evidence wins: the Deployment's latest ScalingReplicaSet event "Scaled down replica set
... from N to 0" (what it had); else the minReplicas of a HorizontalPodAutoscaler that targets it
(an HPA stops acting on a target scaled to zero). Old ReplicaSets are no evidence here: scaling a
Deployment to zero scales every one of them to zero. Without evidence the planner does not guess a
number: the investigation asks how many replicas it should run.

It handles the Deployment's own finding, and the findings it causes when they are roots of their
own: a Service with no endpoints because the Deployment behind it wants no pods, and pods whose DNS
lookups time out because the cluster DNS Deployment was scaled to zero. Scenario ``dns-down``:
CoreDNS was scaled from 2 to 0 (event): the plan scales it back to 2, which heals it.
"""

from __future__ import annotations

import re
from typing import ClassVar

from workbench.analyzers._common import records, text
from workbench.frames import Frames
from workbench.frames.schema import Deployments, Events, Hpas, Services
from workbench.model import Action, Finding, Investigation, ObjectRef, Plan, PlanStep
from workbench.remediation.planners import _frames as fx
from workbench.remediation.planners import _investigate as inv

_SCALED_DOWN = re.compile(r"from (?P<count>\d+) to 0\b")


class ScaleBack:
    """Scale a Deployment at zero replicas back up (see the module docstring)."""

    name: ClassVar[str] = "scale"
    codes: ClassVar[tuple[str, ...]] = (
        "deployment.scaled-to-zero",
        "service.no-endpoints",
        "pod.dns-failures",
    )

    def propose(self, finding: Finding, frames: Frames) -> Plan | Investigation | None:
        """A scale step per Deployment at zero with evidence of its size; else see the module doc."""
        if finding.code == "deployment.scaled-to-zero":
            deployments = [fx.ref(frames, "Deployment", finding.ref.namespace, finding.ref.name)]
        else:
            services = [r for r in finding.related if r.kind == "Service"]
            if finding.ref.kind == "Service":
                services.insert(0, finding.ref)
            deployments = sorted({d for svc in services for d in _at_zero_behind(frames, svc)})
        if not deployments:
            return None
        steps = []
        for deployment in deployments:
            size, why = _size(frames, deployment)
            if size is None:
                return _investigate(finding, deployment)
            steps.append(
                PlanStep(
                    Action.SCALE,
                    deployment,
                    {"replicas": size},
                    f"Scale {fx.describe(deployment)} back to {size} replicas, {why}",
                    finding.id,
                )
            )
        names = ", ".join(fx.describe(d) for d in deployments)
        return Plan(
            f"Scale {names} back up",
            tuple(steps),
            findings=(finding.id,),
            notes=(
                "Watch the pods become ready and the Services that select them get endpoints again "
                "(kubectl get endpoints); the findings it caused clear once clients retry.",
                "Find who scaled it to zero and why (the API server's audit log), so it is not done again.",
            ),
        )


def _at_zero_behind(frames: Frames, service: ObjectRef) -> list[ObjectRef]:
    """Deployments at zero replicas whose pods ``service`` would select."""
    svc = fx.row(frames, service)
    if svc is None or not isinstance(svc[Services.SELECTOR], dict) or not svc[Services.SELECTOR]:
        return []
    selector = svc[Services.SELECTOR]
    deps = frames.deployments
    here = records(deps[(deps[Deployments.NAMESPACE] == service.namespace).to_numpy(dtype=bool)])
    return [
        fx.ref(frames, "Deployment", service.namespace, str(d[Deployments.NAME]))
        for d in here
        if fx.number(d[Deployments.REPLICAS], 1) == 0
        and isinstance(d[Deployments.SELECTOR], dict)
        and selector.items() <= d[Deployments.SELECTOR].items()
    ]


def _size(frames: Frames, deployment: ObjectRef) -> tuple[int | None, str]:
    """(replicas, why) from the evidence, (None, "") without any."""
    for event in reversed(fx.events(frames, deployment, "ScalingReplicaSet")):
        m = _SCALED_DOWN.search(text(event[Events.MESSAGE]))
        if m is not None and int(m["count"]) > 0:
            return int(
                m["count"]
            ), f"as many as it had before it was scaled to 0 (event: {text(event[Events.MESSAGE])})"
    hpas = frames.hpas
    mine = records(
        hpas[
            (
                (hpas[Hpas.NAMESPACE] == deployment.namespace)
                & (hpas[Hpas.TARGET_KIND] == "Deployment")
                & (hpas[Hpas.TARGET_NAME] == deployment.name)
            ).to_numpy(dtype=bool)
        ]
    )
    if mine and fx.number(mine[0][Hpas.MIN_REPLICAS]) > 0:
        size = fx.number(mine[0][Hpas.MIN_REPLICAS])
        return size, f"the minimum of HorizontalPodAutoscaler {text(mine[0][Hpas.NAME])}, which targets it"
    return None, ""


def _investigate(finding: Finding, deployment: ObjectRef) -> Investigation:
    checks = [
        f"{fx.describe(deployment)} wants 0 replicas; nothing in the cluster's state says how many it ran "
        "(its scale-down event has expired and no autoscaler targets it).",
        "Ask its owners, or read the replicas in its manifest (the Git repository, the Helm values).",
        "Then scale it to that number (kubectl scale).",
    ]
    commands = [
        inv.describe(deployment),
        inv.events(deployment),
        inv.kubectl("get", "hpa", "-n", deployment.namespace),
    ]
    return inv.investigation(
        f"Find how many replicas {fx.describe(deployment)} should run", finding, checks, commands
    )
