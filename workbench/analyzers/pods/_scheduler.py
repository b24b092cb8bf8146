"""The scheduler's "0/3 nodes are available: ..." message as data: reasons with node counts."""

from __future__ import annotations

import re
from dataclasses import dataclass

_HEAD = re.compile(r"^0/(?P<total>\d+) nodes are available:\s*")
_COUNTED = re.compile(r"^(?P<count>\d+) (?P<reason>.+)$", re.S)
_TAINT = re.compile(r"\{(?P<key>[^:}]+):")

CONTROL_PLANE_TAINTS = frozenset({"node-role.kubernetes.io/control-plane", "node-role.kubernetes.io/master"})


@dataclass(frozen=True, slots=True)
class Rejection:
    """One reason the scheduler gave, and on how many nodes.

    Attributes:
        count: the nodes it rejected for this reason (None when the message gives no count: all of them).
        reason: the reason as written (``Insufficient memory``).
        category: ``resources``, ``taint``, ``cordoned``, ``affinity``, ``storage``, ``ports``,
            ``spread`` or ``other``.
    """

    count: int | None
    reason: str
    category: str

    def __str__(self) -> str:
        return f"{self.count} {self.reason}" if self.count is not None else self.reason

    @property
    def taint_key(self) -> str:
        """The taint's key for a ``taint`` rejection (``""`` otherwise)."""
        m = _TAINT.search(self.reason)
        return m["key"].strip() if m is not None and self.category == "taint" else ""


def parse(message: str) -> tuple[int | None, list[Rejection]]:
    """(total nodes, rejections, most nodes first) of a FailedScheduling / PodScheduled message.

    Example:
        >>> total, why = parse("0/3 nodes are available: 1 node(s) had untolerated taint "
        ...     "{node-role.kubernetes.io/control-plane: }, 2 Insufficient memory. preemption: ...")
        >>> total, [(r.count, r.category) for r in why]
        (3, [(2, 'resources'), (1, 'taint')])
    """
    head = _HEAD.match(message)
    total = int(head["total"]) if head is not None else None
    body = message[head.end() :] if head is not None else message
    body = body.split(" preemption:", 1)[0].strip().rstrip(".")
    out = []
    for raw in re.split(r", (?=\d+ )", body):
        part = raw.strip()
        if not part:
            continue
        m = _COUNTED.match(part)
        count, reason = (int(m["count"]), m["reason"].strip()) if m is not None else (None, part)
        out.append(Rejection(count, reason, _category(reason)))
    out.sort(key=lambda r: -(r.count if r.count is not None else total or 0))
    return total, out


def _category(reason: str) -> str:
    low = reason.lower()
    if low.startswith("insufficient") or "too many pods" in low:
        return "resources"
    if "taint" in low:
        return "taint"
    if "were unschedulable" in low or "was unschedulable" in low:
        return "cordoned"
    if "persistentvolumeclaim" in low or "persistent volume" in low or "volume node affinity" in low:
        return "storage"
    if "affinity" in low or "selector" in low:
        return "affinity"
    if "free ports" in low:
        return "ports"
    if "topology spread" in low:
        return "spread"
    return "other"
