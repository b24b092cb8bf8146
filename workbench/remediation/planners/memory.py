"""``raise-memory-limit``: give containers the kernel keeps OOM-killing a higher memory limit.

Rule (the frames cannot show the real peak): an OOM kill happens *at* the limit, so the limit is
only a lower bound of what the container needs; the highest working set metrics-server reports for
that container in any pod of the workload can raise the bound. The new limit is twice the bound,
rounded up to 64Mi. If the container needs more it is killed again at the new limit, the finding
comes back, and the planner doubles again: the need is reached in log2(need / limit) rounds, and
never overshoots it by more than twice. The request is raised with the limit only when it equalled
the limit (a Guaranteed-style container keeps request == limit); otherwise it stays, below the
limit. A limit that would exceed every node's allocatable memory is not planned: that is a leak or
the wrong node size, and an investigation says so.

Scenario ``oomkilled`` (limit 192Mi, the app peaks at ~420Mi): the first plan sets 384Mi, which is
still below the peak, so it does not heal in one round; after the next kill the planner proposes
768Mi, which does.

Targets: the Deployment, StatefulSet or DaemonSet the pod belongs to, or the CronJob of a Job's
pods (the next runs get the limit). A Job's pod template is immutable and a bare pod cannot be
changed: those get an investigation.
"""

from __future__ import annotations

from typing import ClassVar

from workbench.analyzers._common import present, records, text
from workbench.frames import Frames
from workbench.frames.schema import Containers, Jobs
from workbench.model import Action, Finding, Investigation, ObjectRef, Plan, PlanStep
from workbench.remediation.planners import _amounts as amount
from workbench.remediation.planners import _frames as fx
from workbench.remediation.planners import _investigate as inv

FACTOR = 2
"""How much the limit grows per round: the kill only shows the need is above the limit."""
STEP = 64 * amount.MI
"""New limits are rounded up to a multiple of this."""


class RaiseMemoryLimit:
    """Double the memory limit of OOM-killed containers (see the module docstring)."""

    name: ClassVar[str] = "raise-memory-limit"
    codes: ClassVar[tuple[str, ...]] = ("pod.oomkilled", "pod.crashloop", "job.failed", "cronjob.failing")

    def propose(self, finding: Finding, frames: Frames) -> Plan | Investigation | None:
        """A set-resources step per OOM-killed container; None when nothing was OOM-killed."""
        top = _target(frames, finding)
        pods = fx.pods_of(frames, top) if top is not None else []
        if finding.ref.kind == "Pod" and not pods:
            pods = records(fx.rows_of(frames.pods, finding.ref.namespace, finding.ref.name))
        killed = _killed(frames, pods)
        if not killed:
            return None
        if top is None or top.kind not in fx.TEMPLATE_KINDS:
            return _cannot_change(finding, top)
        steps = []
        notes = []
        _, node_memory = fx.largest_allocatable(frames)
        for name, rows in sorted(killed.items()):
            limits = [int(r[Containers.MEMORY_LIMIT]) for r in rows if present(r[Containers.MEMORY_LIMIT])]
            if not limits:
                return _no_limit(finding, top, name)
            limit = max(limits)
            _, seen = fx.usage(frames, pods, name)
            new = int(amount.round_up(FACTOR * max(limit, seen or 0), STEP))
            if node_memory is not None and new > node_memory:
                return _too_big(finding, top, name, limit=limit, new=new, node=node_memory)
            requests = [
                int(r[Containers.MEMORY_REQUEST]) for r in rows if present(r[Containers.MEMORY_REQUEST])
            ]
            guaranteed = bool(requests) and max(requests) == limit
            params: dict[str, object] = {"container": name, "limits": {"memory": amount.memory(new)}}
            if guaranteed:
                params["requests"] = {"memory": amount.memory(new)}
            title = (
                f"Raise the memory limit of container {name} in {fx.describe(top)} from "
                f"{amount.memory(limit)} to {amount.memory(new)}"
                + (" (and its request, which equals the limit)" if guaranteed else "")
            )
            steps.append(PlanStep(Action.SET_RESOURCES, top, params, title, finding.id))
            seen_text = f"metrics show at most {amount.memory(seen)}" if seen else "no metrics show more"
            notes.append(
                f"{name} was killed at its {amount.memory(limit)} limit, so that is only a lower bound of "
                f"its need ({seen_text}); the plan doubles the bound."
            )
        where = f"-n {top.namespace}"
        notes += [
            f"Watch the new pods' restarts and memory (`kubectl top pod {where} --containers`): if they are "
            "OOMKilled again at the new limit the need is higher still; analyze again and this planner "
            "doubles again.",
            "A need that keeps growing with every raise is a leak: fix the program instead.",
        ]
        if top.kind == "CronJob":
            notes.append("The next scheduled run gets the new limit; a run already going keeps the old one.")
        return Plan(
            f"Give {fx.describe(top)} more memory", tuple(steps), findings=(finding.id,), notes=tuple(notes)
        )


def _target(frames: Frames, finding: Finding) -> ObjectRef | None:
    """The workload whose template to change (its Job's CronJob for a Job)."""
    ref = finding.ref
    if ref.kind == "Pod":
        return fx.workload(frames, ref)
    if ref.kind == "CronJob":
        return fx.ref(frames, "CronJob", ref.namespace, ref.name)
    if ref.kind == "Job":
        row = fx.row(frames, ref)
        if row is not None and text(row[Jobs.OWNER_KIND]) == "CronJob":
            return fx.ref(frames, "CronJob", ref.namespace, text(row[Jobs.OWNER_NAME]))
        return fx.ref(frames, "Job", ref.namespace, ref.name)
    return None


def _killed(frames: Frames, pods: list[fx.Row]) -> dict[str, list[fx.Row]]:
    """OOM-killed containers of ``pods`` by container name (now or in their last run)."""
    out: dict[str, list[fx.Row]] = {}
    for c in fx.containers(frames, pods):
        if "OOMKilled" in (text(c[Containers.LAST_REASON]), text(c[Containers.REASON])):
            out.setdefault(str(c[Containers.CONTAINER]), []).append(c)
    return out


def _cannot_change(finding: Finding, top: ObjectRef | None) -> Investigation:
    what = fx.describe(top) if top is not None else fx.describe(finding.ref)
    checks = [
        f"The memory limit of {what} cannot be changed in place: "
        + (
            "a Job's pod template is immutable; delete the Job and create it again with a higher limit."
            if top is not None and top.kind == "Job"
            else "its pods are not made from a template a plan can change; change the manifest that "
            "created them and recreate them with a higher limit."
        ),
        "Size the limit from the memory the program needs at its peak (its own metrics, or a run "
        "without a limit on a test cluster), not from the limit it was killed at.",
    ]
    return inv.investigation(
        f"Recreate {what} with more memory", finding, checks, [inv.describe(top or finding.ref)]
    )


def _no_limit(finding: Finding, top: ObjectRef, container: str) -> Investigation:
    checks = [
        f"Container {container} of {fx.describe(top)} sets no memory limit, yet it was OOM-killed: the "
        "node (or the pod's overall limit) ran out of memory, not the container's own limit.",
        "Check the node's memory pressure and what else runs there (kubectl top pods on that node).",
        "Give the container a memory request matching its real use so the scheduler places it where "
        "memory is free, and a limit above its peak.",
    ]
    return inv.investigation(
        f"Find what exhausts the memory around {fx.describe(top)}",
        finding,
        checks,
        [inv.describe(finding.ref), inv.kubectl("top", "pods", "-n", top.namespace, "--containers")],
    )


def _too_big(
    finding: Finding, top: ObjectRef, container: str, *, limit: int, new: int, node: int
) -> Investigation:
    checks = [
        f"Doubling container {container}'s memory limit ({amount.memory(limit)} -> {amount.memory(new)}) "
        f"would exceed the largest node's allocatable memory ({amount.approximate(node)}).",
        "Find out whether the program leaks (memory that grows with time, not with work) or truly needs "
        "that much; a need that large calls for bigger nodes, not a higher limit.",
    ]
    return inv.investigation(
        f"Find why {fx.describe(top)} needs so much memory",
        finding,
        checks,
        [inv.describe(finding.ref), inv.kubectl("top", "pods", "-n", top.namespace, "--containers")],
    )
