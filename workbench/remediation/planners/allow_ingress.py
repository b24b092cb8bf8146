"""``allow-ingress``: open exactly the connection a NetworkPolicy drops — one source workload's pods to
one Service's pods, on the Service's target port — with a new policy beside the deny policy.

Rule, link by link (any missing link: None, and the investigation answers instead):
1. a pod's log (the bundle's ``logs`` frame, or the log lines a readiness finding quotes) says a
   connection to ``host:port`` timed out (``i/o timeout``, ``timed out``, ``deadline exceeded``: a
   dropped packet, not a refusal);
2. ``host`` is a Service of the pod's namespace (its name, ``name.namespace[.svc...]``, or its
   cluster IP), ``port`` one of its ports, and it has a selector;
3. the Service's live pods are all isolated for ingress by NetworkPolicies that have no ingress rule
   at all (the frames keep rule counts, not peers: a policy with rules might already admit the
   caller), and no policy isolates the calling pods for egress (an ingress rule would not be enough);
4. the calling pod belongs to a workload whose selector is plain labels, and no NetworkPolicy named
   ``allow-<workload>-to-<service>`` exists yet.
The step creates that policy: ``pod_selector`` the Service's selector, ``from_selector`` the workload's
selector, ``ports`` the Service's target port (numeric when the pods name it unambiguously). For a
``networkpolicy.blocks-traffic`` finding every such connection in the policy's namespace that it cuts
is opened (one step each); for ``pod.readiness-failing`` those the pod's own log names.

Scenario ``networkpolicy-deny``: frontend times out on ``http://catalog-api:8080``; default-deny-ingress
isolates every pod in shop: the plan allows app=frontend → app=catalog-api on TCP 8080, which heals it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar

from workbench.analyzers._common import records, text
from workbench.analyzers.network._isolation import Isolation, pod_key
from workbench.frames import Frames
from workbench.frames.schema import Containers, Deployments, Logs, NetworkPolicies, Pods, Services
from workbench.model import Action, Finding, Investigation, ObjectRef, Plan, PlanStep
from workbench.remediation.planners import _frames as fx

_TIMEOUT = re.compile(r"(?i)i/o timeout|timed? ?out\b|ETIMEDOUT|deadline exceeded")
_HOST_PORT = re.compile(r"(?<![\w.-])(?P<host>[A-Za-z0-9](?:[-A-Za-z0-9.]*[A-Za-z0-9])?):(?P<port>\d{1,5})\b")
_SERVICE_PORT = re.compile(r"^(?P<port>\d+)(?::\d+)?/(?P<protocol>[A-Z]+)->(?P<target>\S+)$")
_CONTAINER_PORT = re.compile(r"^(?:(?P<name>[^:]+):)?(?P<number>\d+)/(?P<protocol>[A-Z]+)$")
_DNS_NAME = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_SELECTED_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job")
_API_VERSION = "networking.k8s.io/v1"


@dataclass(frozen=True, slots=True)
class _Link:
    """One connection to open: the calling workload and its selector, the Service and its port."""

    source: ObjectRef
    from_selector: tuple[tuple[str, str], ...]
    service: str
    pod_selector: tuple[tuple[str, str], ...]
    protocol: str
    port: int | str
    policies: tuple[str, ...]  # the policies that isolate the Service's pods


class AllowIngress:
    """Allow the one connection a deny policy drops, from logs and policies (see the module docstring)."""

    name: ClassVar[str] = "allow-ingress"
    codes: ClassVar[tuple[str, ...]] = ("networkpolicy.blocks-traffic", "pod.readiness-failing")

    def propose(self, finding: Finding, frames: Frames) -> Plan | Investigation | None:
        """One allow-ingress step per evidenced connection, or None when a link is missing."""
        if frames.networkpolicies.empty or finding.ref.kind not in ("Pod", "NetworkPolicy"):
            return None
        ns = finding.ref.namespace
        isolation = Isolation(frames)
        links: list[_Link] = []
        for pod, lines in _timeouts(frames, finding).items():
            for host, port in lines:
                link = _link(frames, isolation, ns, pod, host=host, port=port)
                mine = link is not None and (finding.ref.kind == "Pod" or finding.ref.name in link.policies)
                if link is not None and mine and link not in links:
                    links.append(link)
        taken = {
            str(p[NetworkPolicies.NAME]) for p in isolation.policies if p[NetworkPolicies.NAMESPACE] == ns
        }
        if not links or any(_policy_name(link) in taken for link in links):
            return None
        return _plan(finding, ns, sorted(links, key=_policy_name))


def _timeouts(frames: Frames, finding: Finding) -> dict[str, list[tuple[str, int]]]:
    """Pod name → the (host, port) its log lines say a connection to timed out, first seen first."""
    ns = finding.ref.namespace
    logs = frames.logs
    mine = logs[(logs[Logs.NAMESPACE] == ns).to_numpy(dtype=bool)] if len(logs) else logs
    if finding.ref.kind == "Pod":
        mine = fx.rows_of(mine, ns, finding.ref.name) if len(mine) else mine
    lines = [(text(r[Logs.NAME]), text(r[Logs.LINE])) for r in records(mine)] if len(mine) else []
    if finding.ref.kind == "Pod":
        lines += [(finding.ref.name, value) for _, value in fx.evidence_values(finding, "log")]
    out: dict[str, list[tuple[str, int]]] = {}
    for pod, line in lines:
        if not _TIMEOUT.search(line):
            continue
        for m in _HOST_PORT.finditer(line):
            pair = (m["host"].lower(), int(m["port"]))
            if pair not in out.setdefault(pod, []):
                out[pod].append(pair)
    return out


def _service(frames: Frames, ns: str, host: str) -> fx.Row | None:
    """The Service of ``ns`` that ``host`` names (short or qualified DNS name, or cluster IP)."""
    parts = host.split(".")
    qualified = len(parts) == 1 or (parts[1] == ns and (len(parts) == 2 or parts[2] == "svc"))
    svc = frames.services
    for row in records(svc[(svc[Services.NAMESPACE] == ns).to_numpy(dtype=bool)]):
        if (qualified and parts[0] == row[Services.NAME]) or host == text(row[Services.CLUSTER_IP]):
            return row
    return None


def _link(frames: Frames, isolation: Isolation, ns: str, pod: str, *, host: str, port: int) -> _Link | None:
    """The connection from ``pod`` to ``host:port``, when every link of the rule holds."""
    svc = _service(frames, ns, host)
    selector = svc[Services.SELECTOR] if svc is not None else None
    if svc is None or not isinstance(selector, dict) or not selector:
        return None
    entry = next(
        (
            m
            for p in svc[Services.PORTS] or []
            if (m := _SERVICE_PORT.match(str(p))) and int(m["port"]) == port
        ),
        None,
    )
    if entry is None:
        return None
    df = frames.pods
    in_ns = records(df[(df[Pods.NAMESPACE] == ns).to_numpy(dtype=bool)])
    targets = [p for p in fx.live(in_ns) if selector.items() <= (p[Pods.LABELS] or {}).items()]
    source = next((p for p in in_ns if p[Pods.NAME] == pod), None)
    if not targets or source is None or source[Pods.HOST_NETWORK]:
        return None  # a pod on the host network is no pod to a policy's podSelector
    isolating = _isolating(isolation, targets)
    if isolating is None or _egress_isolated(isolation, source):
        return None
    top = fx.workload(frames, fx.ref(frames, "Pod", ns, pod))
    row = fx.row(frames, top) if top is not None and top.kind in _SELECTED_KINDS else None
    if top is None or row is None or row[Deployments.SELECTOR_EXPRESSIONS] or not row[Deployments.SELECTOR]:
        return None
    from_selector = {str(k): str(v) for k, v in row[Deployments.SELECTOR].items()}
    if not from_selector.items() <= (source[Pods.LABELS] or {}).items():
        return None
    target = _target_port(frames, targets, entry["target"], entry["protocol"])
    return _Link(
        top,
        tuple(sorted(from_selector.items())),
        str(svc[Services.NAME]),
        tuple(sorted((str(k), str(v)) for k, v in selector.items())),
        entry["protocol"],
        target,
        isolating,
    )


def _isolating(isolation: Isolation, pods: list[fx.Row]) -> tuple[str, ...] | None:
    """The policies isolating ``pods`` for ingress; None when one has a rule (it may admit the traffic
    already: the frames keep no peers) or some pod is not isolated (the drop is not explained)."""
    keys = {pod_key(p) for p in pods}
    names: list[str] = []
    covered: set[tuple[str, str]] = set()
    for policy in isolation.policies:
        selected = keys & {pod_key(p) for p in isolation.selected(policy)}
        if not selected or "Ingress" not in (policy[NetworkPolicies.POLICY_TYPES] or []):
            continue
        if fx.number(policy[NetworkPolicies.INGRESS_RULES]) > 0:
            return None
        names.append(str(policy[NetworkPolicies.NAME]))
        covered |= selected
    return tuple(sorted(names)) if names and covered == keys else None


def _egress_isolated(isolation: Isolation, pod: fx.Row) -> bool:
    """Some policy restricts what ``pod`` may send: an ingress rule alone would not let it through."""
    return any(
        "Egress" in (policy[NetworkPolicies.POLICY_TYPES] or [])
        and pod_key(pod) in {pod_key(p) for p in isolation.selected(policy)}
        for policy in isolation.policies
    )


def _target_port(frames: Frames, pods: list[fx.Row], target: str, protocol: str) -> int | str:
    """The Service's target port as a number: as written, or the one number the pods give its name."""
    if target.isdigit():
        return int(target)
    numbers = set()
    for container in fx.containers(frames, pods):
        for written in container[Containers.PORTS] or []:
            m = _CONTAINER_PORT.match(str(written))
            if m and m["name"] == target and m["protocol"] == protocol:
                numbers.add(int(m["number"]))
    return numbers.pop() if len(numbers) == 1 else target


def _policy_name(link: _Link) -> str:
    return f"allow-{link.source.name}-to-{link.service}"


def _step(finding: Finding, ns: str, link: _Link) -> PlanStep | None:
    name = _policy_name(link)
    if len(name) > 253 or not _DNS_NAME.fullmatch(name):
        return None
    params: dict[str, Any] = {
        "pod_selector": dict(link.pod_selector),
        "from_selector": dict(link.from_selector),
        "ports": [{"protocol": link.protocol, "port": link.port}],
    }
    return PlanStep(
        Action.ALLOW_INGRESS,
        ObjectRef("NetworkPolicy", ns, name, api_version=_API_VERSION),
        params,
        f"Allow {fx.describe(link.source)}'s pods to reach Service {link.service} on "
        f"{link.protocol} {link.port}",
        finding.id,
    )


def _labels(pairs: tuple[tuple[str, str], ...]) -> str:
    return ",".join(f"{k}={v}" for k, v in pairs)


def _plan(finding: Finding, ns: str, links: list[_Link]) -> Plan | None:
    steps = [_step(finding, ns, link) for link in links]
    if any(step is None for step in steps):
        return None
    policies = sorted({p for link in links for p in link.policies})
    opened = "; ".join(
        f"pods {_labels(link.from_selector)} → pods {_labels(link.pod_selector)} "
        f"on {link.protocol} {link.port}"
        for link in links
    )
    services = ", ".join(sorted({link.service for link in links}))
    return Plan(
        f"Allow the traffic {', '.join(policies)} drops to {services}",
        tuple(s for s in steps if s is not None),
        findings=(finding.id,),
        notes=(
            f"The callers' logs time out reaching {services}, whose pods are isolated by "
            f"{', '.join(policies)} with no rule letting anything in.",
            f"Each new policy allows only: {opened}, within {ns}. The deny policy stays: everything else is "
            "still dropped.",
            "Watch the callers' pods become Ready; if they time out on another host, analyze again.",
        ),
    )
