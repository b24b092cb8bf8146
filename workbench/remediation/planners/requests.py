"""``set-resources``: give containers the resource requests the evidence supports.

Three cases. The first rule of each — a request is the highest usage metrics-server reports for
that container in the workload's pods, divided by a target utilization, rounded up (CPU to 10m,
memory to 16Mi) — is the best evidence and always comes first:

- ``hpa.unable-to-scale`` because the target's containers request none of a resource the HPA
  scales on by utilization: the target is the HPA's own (70% -> usage / 0.7), so the current load
  sits at the target and the HPA keeps today's replica count until the load changes. Without
  metrics the request is a documented default (`DEFAULT_CPU`, `DEFAULT_MEMORY`). Scenario
  ``hpa-no-metrics``: the gateway uses 60m, the target is 70%: request 90m, which heals it.
- ``workload.no-requests``: the same with an 80% target (`HEADROOM`), or the defaults.
- ``pod.unschedulable`` for want of CPU or memory: when pods of the same workload run and report
  usage (the real need) below the request, the request is lowered to usage / 0.8 if that fits the
  largest node. When no pod of the workload ever ran, but the request exceeds what any node the
  scheduler weighed (not cordoned, no taint the pod does not tolerate) could ever offer, it is
  lowered to the most that lets every replica be placed in the nodes' free allocatable, rounded
  down to 100m / 256Mi (`_sized_to_nodes`; a limit equal to the old request follows it); the notes
  say the app's real need is still unknown. Scenario ``pending-resources``: 40Gi on nodes with
  31.2Gi free becomes 31Gi, which heals it. Otherwise (the nodes are merely full, none has room,
  or the scheduler names reasons the frames cannot tie to nodes) an investigation compares the
  requests with the nodes.

A request from usage never exceeds the container's limit for the same resource.
"""

from __future__ import annotations

import re
from typing import ClassVar

from workbench.analyzers._common import present, records, text
from workbench.analyzers.pods._scheduler import CONTROL_PLANE_TAINTS, parse
from workbench.frames import Frames
from workbench.frames.schema import Containers, Hpas, Pods
from workbench.model import Action, Finding, Investigation, ObjectRef, Plan, PlanStep
from workbench.remediation.planners import _amounts as amount
from workbench.remediation.planners import _frames as fx
from workbench.remediation.planners import _investigate as inv
from workbench.remediation.planners import _sized_to_nodes as sized

DEFAULT_CPU = 0.1
"""CPU request (cores) when no metrics show usage: 100m, a common LimitRange default."""
DEFAULT_MEMORY = 128 * amount.MI
"""Memory request when no metrics show usage."""
HEADROOM = 0.8
"""Target utilization of a request when no HPA sets one: usage plus 25%."""
_STEPS = {"cpu": (0.01, 0.01), "memory": (16 * amount.MI, 32 * amount.MI)}  # (rounding step, minimum)
_UTILIZATION = re.compile(
    r"^(?:container-)?resource/(?P<res>cpu|memory)(?:\[(?P<c>[^\]]*)\])? .*utilization=(?P<pct>\d+)%"
)
_REQUEST = {"cpu": Containers.CPU_REQUEST, "memory": Containers.MEMORY_REQUEST}
_LIMIT = {"cpu": Containers.CPU_LIMIT, "memory": Containers.MEMORY_LIMIT}


class SetRequests:
    """Set resource requests from observed usage (see the module docstring)."""

    name: ClassVar[str] = "set-resources"
    codes: ClassVar[tuple[str, ...]] = ("hpa.unable-to-scale", "workload.no-requests", "pod.unschedulable")

    def propose(self, finding: Finding, frames: Frames) -> Plan | Investigation | None:
        """Requests per container from usage (or defaults); see the module docstring."""
        if finding.code == "pod.unschedulable":
            return _unschedulable(finding, frames)
        if finding.code == "hpa.unable-to-scale":
            hpa = fx.row(frames, finding.ref)
            if hpa is None:
                return None
            top = fx.ref(
                frames, text(hpa[Hpas.TARGET_KIND]), finding.ref.namespace, text(hpa[Hpas.TARGET_NAME])
            )
            wanted = [
                (m["res"], m["c"] or "", int(m["pct"]) / 100)
                for spec in (hpa[Hpas.METRICS] if isinstance(hpa[Hpas.METRICS], list) else [])
                if (m := _UTILIZATION.match(str(spec)))
            ]
            why = f"the target of HorizontalPodAutoscaler {finding.ref.name}"
        else:
            top = finding.ref
            wanted = [("cpu", "", HEADROOM), ("memory", "", HEADROOM)]
            why = "80% utilization"
        if top.kind not in fx.TEMPLATE_KINDS:
            return None
        pods = fx.live(fx.pods_of(frames, top))
        steps = []
        for container, resources in _lacking(frames, pods, wanted).items():
            requests, reasons = {}, []
            for res, target in resources.items():
                value, how = _request(frames, pods, container, res, target)
                requests[res] = _text(res, value)
                reasons.append(f"{res} {requests[res]} ({how} at {why}, {target:.0%})")
            steps.append(
                PlanStep(
                    Action.SET_RESOURCES,
                    top,
                    {"container": container, "requests": requests},
                    f"Request {', '.join(reasons)} for container {container} of {fx.describe(top)}",
                    finding.id,
                )
            )
        if not steps:
            return None
        notes = ["The requests also reserve node capacity for every pod: check the nodes have room."]
        if finding.code == "hpa.unable-to-scale":
            notes.insert(
                0,
                "With these requests the current load sits at about the HPA's target, so it keeps today's "
                "replica count until the load changes. Watch `kubectl get hpa`: TARGETS shows a percentage "
                "once the new pods report usage, and ScalingActive turns True.",
            )
        return Plan(
            f"Set resource requests on {fx.describe(top)}",
            tuple(steps),
            findings=(finding.id,),
            notes=tuple(notes),
        )


def _lacking(
    frames: Frames, pods: list[fx.Row], wanted: list[tuple[str, str, float]]
) -> dict[str, dict[str, float]]:
    """Container -> {resource: target utilization} for app containers without that request."""
    out: dict[str, dict[str, float]] = {}
    for c in fx.containers(frames, pods):
        name = str(c[Containers.CONTAINER])
        for res, only, target in wanted:
            if not c[Containers.INIT] and (not only or only == name) and not present(c[_REQUEST[res]]):
                out.setdefault(name, {})[res] = target
    return {name: out[name] for name in sorted(out)}


def _request(
    frames: Frames, pods: list[fx.Row], container: str, res: str, target: float
) -> tuple[float, str]:
    """(request, how it was found) for ``res`` of ``container``, capped at its limit; the documented
    default when no metrics show its use."""
    cpu, memory = fx.usage(frames, pods, container)
    seen = cpu if res == "cpu" else memory
    step, least = _STEPS[res]
    if seen is None:
        value, how = (DEFAULT_CPU if res == "cpu" else DEFAULT_MEMORY), "no usage metrics: the default"
    else:
        value = max(least, amount.round_up(seen / target, step))
        how = f"peak use {_text(res, seen)}"
    limits = [
        float(c[_LIMIT[res]]) for c in fx.containers(frames, pods, container) if present(c[_LIMIT[res]])
    ]
    if limits and value > min(limits):
        value, how = min(limits), how + ", capped at its limit"
    return value, how


def _text(res: str, value: float) -> str:
    return amount.cpu(value) if res == "cpu" else amount.memory(value)


def _unschedulable(finding: Finding, frames: Frames) -> Plan | Investigation | None:
    pod = fx.row(frames, finding.ref)
    if pod is None:
        return None
    total, rejections = parse(text(pod[Pods.UNSCHEDULABLE_MESSAGE]))
    short = sorted(
        {r.reason.split()[-1].lower() for r in rejections if r.category == "resources"} & {"cpu", "memory"}
    )
    others = {
        r.category
        for r in rejections
        if r.category != "resources" and r.taint_key not in CONTROL_PLANE_TAINTS
    }
    if not short or others - {"taint", "cordoned"}:
        return None
    top = fx.workload(frames, finding.ref)
    node_cpu, node_memory = fx.largest_allocatable(frames)
    mine = records(fx.rows_of(frames.pods, finding.ref.namespace, finding.ref.name))
    running = (
        [p for p in fx.live(fx.pods_of(frames, top)) if text(p[Pods.PHASE]) == "Running"]
        if top is not None and not others  # with nodes cordoned or tainted, "fits the largest" is unsure
        else []
    )
    steps = []
    for c in fx.containers(frames, mine):
        if c[Containers.INIT] or top is None or top.kind not in fx.TEMPLATE_KINDS or not running:
            continue
        name, requests = str(c[Containers.CONTAINER]), {}
        for res in short:
            cpu, memory = fx.usage(frames, running, name)
            if (cpu if res == "cpu" else memory) is None:
                continue  # no running pod reports its use: nothing shows the real need
            value, _ = _request(frames, running, name, res, HEADROOM)
            room = node_cpu if res == "cpu" else node_memory
            if not present(c[_REQUEST[res]]) or value >= float(c[_REQUEST[res]]):
                continue
            if room is not None and value > room:
                continue
            requests[res] = _text(res, value)
        if requests:
            amounts = ", ".join(f"{res} {value}" for res, value in requests.items())
            title = (
                f"Lower the requests of container {name} in {fx.describe(top)} to {amounts}: its running "
                "pods' peak use + 25%"
            )
            steps.append(
                PlanStep(
                    Action.SET_RESOURCES, top, {"container": name, "requests": requests}, title, finding.id
                )
            )
    if top is not None and steps:
        return Plan(
            f"Size {fx.describe(top)}'s requests to what its pods use",
            tuple(steps),
            findings=(finding.id,),
            notes=(
                "Watch the Pending pods get a node; keep an eye on their usage against the new requests.",
            ),
        )
    fitted = sized.plan(finding, frames, pod, short, message=(total, rejections), top=top)
    if fitted is not None or others:
        return fitted
    return _oversized(finding, pod, short, room=(node_cpu, node_memory), top=top)


def _oversized(
    finding: Finding,
    pod: fx.Row,
    short: list[str],
    *,
    room: tuple[float | None, int | None],
    top: ObjectRef | None,
) -> Investigation:
    node_cpu, node_memory = room
    asked = []
    if present(pod[Pods.CPU_REQUEST]):
        asked.append(f"cpu {amount.cpu(float(pod[Pods.CPU_REQUEST]))}")
    if present(pod[Pods.MEMORY_REQUEST]):
        asked.append(f"memory {amount.approximate(int(pod[Pods.MEMORY_REQUEST]))}")
    free = []
    if node_cpu is not None:
        free.append(f"cpu {amount.cpu(node_cpu)}")
    if node_memory is not None:
        free.append(f"memory {amount.approximate(node_memory)}")
    owner = fx.describe(top) if top is not None else fx.describe(finding.ref)
    checks = [
        f"The scheduler finds no node with enough {' and '.join(short)}: the pod requests "
        f"{', '.join(asked) or 'nothing'}; the largest node can give "
        f"{', '.join(free) or 'an unknown amount'}.",
        f"No pod of {owner} runs, so nothing here shows what the app really uses: measure it (kubectl top "
        "where it runs elsewhere, its own metrics, a run on a test cluster).",
        "Then lower the requests to that use plus a margin, or add nodes big enough for them.",
    ]
    commands = [inv.describe(finding.ref), inv.kubectl("describe", "nodes"), inv.kubectl("top", "nodes")]
    return inv.investigation(f"Find what {owner} really needs", finding, checks, commands)
