"""Indexes the network analyzers share: pods by label, top-level owners, Service readiness.

Each is built once per ``analyze()`` call from whole frames (one pass, no per-object scans), so a
150k-pod cluster costs one walk over its pods, not one per Service or NetworkPolicy.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from workbench.analyzers._common import present, readable, text
from workbench.frames import Frames
from workbench.frames.schema import Endpoints, Jobs, Pods, ReplicaSets, Services
from workbench.model import ObjectRef

FEW = 5
"""How many names evidence lists before it says "and N more"."""

_EXPRESSION = re.compile(r"^(?P<key>[^\s!]+)\s+(?P<op>in|notin)\s+\((?P<values>[^)]*)\)$")


SERVICE_COLUMNS = (
    Services.NAMESPACE,
    Services.NAME,
    Services.UID,
    Services.TYPE,
    Services.SELECTOR,
    Services.PORTS,
    Services.PORT_NAMES,
)
"""The services-frame columns the network analyzers read."""


def rows(df: pd.DataFrame, columns: Sequence[str]) -> list[dict[str, Any]]:
    """``columns`` of ``df``'s rows as dicts, from plain lists (``to_dict`` boxes every value, ~5x slower)."""
    names = [str(c) for c in columns]
    return [
        dict(zip(names, values, strict=True)) for values in zip(*(df[c].tolist() for c in names), strict=True)
    ]


def selector_text(selector: Mapping[str, str], expressions: Sequence[str] = ()) -> str:
    """A selector as ``kubectl get -l`` takes it: ``app=web,tier in (a,b)``."""
    parts = [f"{k}={v}" for k, v in sorted(selector.items())] + list(expressions)
    return ",".join(parts) if parts else "(every pod)"


def few(names: Sequence[str]) -> str:
    """The first `FEW` names, then how many more."""
    head = ", ".join(names[:FEW])
    return head + (f" and {len(names) - FEW} more" if len(names) > FEW else "")


def closest(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate most like ``word`` (a typo's likely intent), None when none is close."""
    found = difflib.get_close_matches(word, sorted(set(candidates) - {word}), n=1, cutoff=0.6)
    return found[0] if found else None


def matches_expressions(labels: Mapping[str, str], expressions: Sequence[str]) -> bool:
    """Whether ``labels`` satisfy every matchExpression (in the frames' ``key in (a,b)`` form).

    An expression the frames kept as written because its operator is unknown matches nothing, as
    the API server would refuse such a selector.
    """
    for written in expressions:
        expression = written.strip()
        found = _EXPRESSION.match(expression)
        if found is not None:
            values = {v.strip() for v in found["values"].split(",") if v.strip()}
            has = labels.get(found["key"])
            if found["op"] == "in" and has not in values:
                return False
            if found["op"] == "notin" and has in values:
                return False
        elif expression.startswith("!"):
            if expression[1:] in labels:
                return False
        elif " " in expression or expression not in labels:
            return False
    return True


_POD_COLUMNS = (
    Pods.NAMESPACE,
    Pods.NAME,
    Pods.UID,
    Pods.LABELS,
    Pods.READY,
    Pods.PHASE,
    Pods.STATUS,
    Pods.OWNER_KIND,
    Pods.OWNER_NAME,
)


class PodIndex:
    """Live pods (not terminating, not finished) by namespace and by ``(namespace, key, value)``.

    Args:
        pods: the pods frame.
        pairs: the ``(key, value)`` label pairs selectors will ask for; only those are indexed.
    """

    def __init__(self, pods: pd.DataFrame, pairs: Iterable[tuple[str, str]]) -> None:
        wanted = set(pairs)
        live = pods[pods[Pods.DELETED].isna() & ~pods[Pods.PHASE].isin(["Succeeded", "Failed"])]
        self._rows = rows(live, _POD_COLUMNS)
        self._by_namespace: dict[str, list[int]] = defaultdict(list)
        self._by_pair: dict[tuple[str, str, str], set[int]] = defaultdict(set)
        for i, row in enumerate(self._rows):
            namespace = str(row[Pods.NAMESPACE])
            self._by_namespace[namespace].append(i)
            labels = row[Pods.LABELS] or {}
            for pair in wanted.intersection(labels.items()):
                self._by_pair[(namespace, *pair)].add(i)

    def select(
        self, namespace: str, selector: Mapping[str, str], expressions: Sequence[str] = ()
    ) -> list[dict[str, Any]]:
        """The live pods of ``namespace`` the selector matches (empty selector: all), in frame order."""
        if selector:
            hits: set[int] | None = None
            for key, value in selector.items():
                found = self._by_pair.get((namespace, key, value), set())
                hits = found if hits is None else hits & found
                if not hits:
                    return []
            rows = [self._rows[i] for i in sorted(hits or ())]
        else:
            rows = [self._rows[i] for i in self._by_namespace.get(namespace, [])]
        if expressions:
            rows = [r for r in rows if matches_expressions(r[Pods.LABELS] or {}, expressions)]
        return rows

    def in_namespace(self, namespace: str) -> list[dict[str, Any]]:
        """Every live pod of ``namespace``."""
        return [self._rows[i] for i in self._by_namespace.get(namespace, [])]


class Owners:
    """Walks a pod's controller to its top-level workload (ReplicaSet → Deployment, Job → CronJob)."""

    def __init__(self, frames: Frames) -> None:
        self._parent: dict[tuple[str, str, str], tuple[str, str]] = {}
        for df in (frames.replicasets, frames.jobs):
            owned = df[df[ReplicaSets.OWNER_NAME].notna()]
            kinds = owned[Jobs.KIND].astype(str)
            for kind, ns, name, owner_kind, owner_name in zip(
                kinds.tolist(),
                owned[Jobs.NAMESPACE].tolist(),
                owned[Jobs.NAME].tolist(),
                owned[Jobs.OWNER_KIND].tolist(),
                owned[Jobs.OWNER_NAME].tolist(),
                strict=True,
            ):
                self._parent[(kind, str(ns), str(name))] = (str(owner_kind), str(owner_name))

    def root(self, pod: Mapping[str, Any]) -> ObjectRef:
        """The top-level workload of a pods-frame row; the pod itself when it has no controller."""
        namespace = str(pod[Pods.NAMESPACE])
        if not present(pod[Pods.OWNER_KIND]):
            return ObjectRef("Pod", namespace, str(pod[Pods.NAME]), text(pod[Pods.UID]))
        kind, name = str(pod[Pods.OWNER_KIND]), str(pod[Pods.OWNER_NAME])
        for _ in range(4):  # ReplicaSet → Deployment, Job → CronJob: never deeper in practice
            parent = self._parent.get((kind, namespace, name))
            if parent is None:
                break
            kind, name = parent
        return ObjectRef(kind, namespace, name)

    def roots(self, pods: Iterable[Mapping[str, Any]]) -> tuple[ObjectRef, ...]:
        """The distinct top-level workloads of ``pods``, sorted."""
        return tuple(sorted({self.root(p) for p in pods}))


@dataclass(frozen=True, slots=True)
class Readiness:
    """What the Endpoints object of one Service says (``known`` False when there is none to read)."""

    known: bool
    ready: int = 0
    not_ready: int = 0
    ref: ObjectRef | None = None


class ServiceIndex:
    """Services and their Endpoints by ``(namespace, name)``."""

    def __init__(self, frames: Frames) -> None:
        self.readable = readable(frames, Services.FRAME)
        self.endpoints_readable = readable(frames, Endpoints.FRAME)
        self.services: dict[tuple[str, str], dict[str, Any]] = {
            (str(r[Services.NAMESPACE]), str(r[Services.NAME])): r
            for r in rows(frames.services, SERVICE_COLUMNS)
        }
        self._endpoints: dict[tuple[str, str], tuple[int, int, str]] = {}
        eps = frames.endpoints
        for ns, name, uid, ready, not_ready in zip(
            eps[Endpoints.NAMESPACE].tolist(),
            eps[Endpoints.NAME].tolist(),
            eps[Endpoints.UID].tolist(),
            eps[Endpoints.READY_ADDRESSES].tolist(),
            eps[Endpoints.NOT_READY_ADDRESSES].tolist(),
            strict=True,
        ):
            counts = (int(ready) if present(ready) else 0, int(not_ready) if present(not_ready) else 0)
            self._endpoints[(str(ns), str(name))] = (*counts, text(uid))

    def get(self, namespace: str, name: str) -> dict[str, Any] | None:
        """The services-frame row of ``namespace/name``, None when there is none."""
        return self.services.get((namespace, name))

    def names_in(self, namespace: str) -> list[str]:
        """The Service names of ``namespace``."""
        return [name for ns, name in self.services if ns == namespace]

    def readiness(self, namespace: str, name: str) -> Readiness:
        """Ready and not-ready addresses of the Service's Endpoints.

        With the endpoints frame read, a Service without an Endpoints object has none ready;
        without it, nothing is known.
        """
        if not self.endpoints_readable:
            return Readiness(known=False)
        found = self._endpoints.get((namespace, name))
        if found is None:
            return Readiness(known=True)
        ready, not_ready, uid = found
        return Readiness(True, ready, not_ready, ObjectRef("Endpoints", namespace, name, uid))


def target_ports(ports: Iterable[str]) -> list[tuple[str, str, str]]:
    """``(port, protocol, target)`` of each Service port text (``80:30080/TCP->http``)."""
    out: list[tuple[str, str, str]] = []
    for entry in ports:
        head, _, target = str(entry).partition("->")
        port, _, protocol = head.partition("/")
        out.append((port.split(":")[0], protocol or "TCP", target or port.split(":")[0]))
    return out


def container_ports(entries: Iterable[str]) -> list[tuple[str, str, str]]:
    """``(name, number, protocol)`` of each containers-frame port text (``http:8080/TCP``)."""
    out: list[tuple[str, str, str]] = []
    for entry in entries:
        head, _, protocol = str(entry).partition("/")
        name, _, number = head.rpartition(":")
        out.append((name, number, protocol or "TCP"))
    return out
