"""``rollout-undo``: roll a Deployment back to the last revision whose pods are available.

Rule: the finding is a stuck rollout, or a pod of the Deployment's newest revision; that revision
has no available pod (it never became ready), and an older revision's ReplicaSet still has
available pods — so its template is known to run here. The step names that revision explicitly
(``to_revision``): a plain undo goes back one revision, which is the broken one again when someone
restarted the rollout meanwhile. Without an available older revision there is no evidence that
rolling back helps, and the planner passes (None).

It is asked after the planners that read specific evidence (a missing variable, an image other
pods run), as the fallback that undoes the whole change rather than fixing the part that broke.
Scenario ``rollout-stuck``: revision 2 (4.3.0) never becomes ready, revision 1 (4.2.0) serves
three pods: the plan rolls back to revision 1, which heals it.
"""

from __future__ import annotations

from typing import ClassVar

from workbench.analyzers._common import text
from workbench.frames import Frames
from workbench.frames.schema import Deployments, ReplicaSets
from workbench.model import Action, Finding, Investigation, ObjectRef, Plan, PlanStep
from workbench.remediation.planners import _frames as fx


class RolloutUndo:
    """Roll back a Deployment whose newest revision never became ready (see the module docstring)."""

    name: ClassVar[str] = "rollout-undo"
    codes: ClassVar[tuple[str, ...]] = (
        "deployment.rollout-stuck",
        "pod.image-pull",
        "pod.crashloop",
        "pod.config-error",
        "pod.create-error",
        "pod.oomkilled",
        "pod.liveness-restarts",
        "pod.readiness-failing",
        "pod.dns-failures",
        "pod.init-failing",
    )

    def propose(self, finding: Finding, frames: Frames) -> Plan | Investigation | None:
        """Rollback to the last available revision, or None when there is none to go back to."""
        pod_rs = ""
        if finding.ref.kind == "Deployment":
            deployment = fx.ref(frames, "Deployment", finding.ref.namespace, finding.ref.name)
        else:
            chain = fx.owner_chain(frames, finding.ref)
            if [r.kind for r in chain] != ["Pod", "ReplicaSet", "Deployment"]:
                return None
            pod_rs, deployment = chain[1].name, chain[2]
        rss = fx.replicasets(frames, deployment)
        dep = fx.row(frames, deployment)
        if not rss or dep is None:
            return None
        current = fx.number(dep[Deployments.REVISION], fx.number(rss[-1][ReplicaSets.REVISION]))
        newest = next((r for r in rss if fx.number(r[ReplicaSets.REVISION], -1) == current), rss[-1])
        if pod_rs and str(newest[ReplicaSets.NAME]) != pod_rs:
            return None  # the failing pod is not of the revision being rolled out
        if fx.number(newest[ReplicaSets.AVAILABLE_REPLICAS]) > 0:
            return None  # the new revision runs somewhere: the failure is not the template's alone
        good = [
            r
            for r in rss
            if fx.number(r[ReplicaSets.REVISION], -1) < fx.number(newest[ReplicaSets.REVISION], -1)
            and fx.number(r[ReplicaSets.AVAILABLE_REPLICAS]) > 0
        ]
        if not good:
            return None
        return _plan(finding, deployment, dep, newest, good[-1])


def _images(rs: fx.Row) -> str:
    images = rs[ReplicaSets.IMAGES]
    return ", ".join(str(i) for i in images) if isinstance(images, list) and images else "no image listed"


def _plan(finding: Finding, deployment: ObjectRef, dep: fx.Row, newest: fx.Row, good: fx.Row) -> Plan:
    back = fx.number(good[ReplicaSets.REVISION])
    broken = fx.number(newest[ReplicaSets.REVISION])
    available = fx.number(good[ReplicaSets.AVAILABLE_REPLICAS])
    cause = text(dep[Deployments.CHANGE_CAUSE])
    step = PlanStep(
        Action.ROLLOUT_UNDO,
        deployment,
        {"to_revision": back},
        f"Roll {fx.describe(deployment)} back to revision {back} ({_images(good)}), whose {available} "
        f"pod(s) are available; revision {broken} ({_images(newest)}) never became ready",
        finding.id,
    )
    where = f"deployment/{deployment.name} -n {deployment.namespace}"
    return Plan(
        f"Roll back {fx.describe(deployment)} to revision {back}",
        (step,),
        findings=(finding.id,),
        notes=(
            f"Kubernetes re-creates revision {back}'s template as a new revision; revision {broken}'s "
            f"ReplicaSet ({text(newest[ReplicaSets.NAME])}) scales down to zero.",
            f"Watch `kubectl rollout status {where}`: it finishes when every pod is available, and the "
            "findings on the new revision's pods go away.",
            f"This undoes revision {broken}"
            + (f" ({cause})" if cause else "")
            + " rather than fixing it: find why its pods failed before rolling forward again.",
        ),
    )
