"""The listing tool: objects of one kind as a compact table, filtered by namespace, labels and status.

Also what the other cluster tools share: the kinds the agent may name (and their short names), the
pattern every object name must match, and the chat's namespace scope.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from workbench.agent._bounds import ToolOutput, bounded, failure, table
from workbench.agent._context import ClusterView
from workbench.frames.schema import (
    Col,
    ConfigMaps,
    CronJobs,
    DaemonSets,
    Deployments,
    Endpoints,
    Frame,
    Hpas,
    Ingresses,
    Jobs,
    Namespaces,
    NetworkPolicies,
    Nodes,
    Pdbs,
    Pods,
    Pvcs,
    Pvs,
    ReplicaSets,
    Secrets,
    Services,
    StatefulSets,
    StorageClasses,
    frame_schema,
)
from workbench.sources import builtin

NAME_PATTERN = r"^[A-Za-z0-9]([A-Za-z0-9._:-]{0,251}[A-Za-z0-9])?$"
"""Object and namespace names: no slashes, so a name can never turn into another API path."""

LISTABLE: dict[str, tuple[Col, ...]] = {
    "pods": (
        Pods.NAMESPACE, Pods.NAME, Pods.STATUS, Pods.READY_CONTAINERS, Pods.CONTAINERS, Pods.RESTARTS,
        Pods.NODE, Pods.OWNER_NAME,
    ),
    "deployments": (
        Deployments.NAMESPACE, Deployments.NAME, Deployments.REPLICAS, Deployments.READY_REPLICAS,
        Deployments.AVAILABLE_REPLICAS, Deployments.UPDATED_REPLICAS, Deployments.PROGRESSING_REASON,
    ),
    "replicasets": (
        ReplicaSets.NAMESPACE, ReplicaSets.NAME, ReplicaSets.REPLICAS, ReplicaSets.READY_REPLICAS,
        ReplicaSets.OWNER_NAME, ReplicaSets.REVISION,
    ),
    "statefulsets": (
        StatefulSets.NAMESPACE, StatefulSets.NAME, StatefulSets.REPLICAS, StatefulSets.READY_REPLICAS,
        StatefulSets.UPDATE_REVISION,
    ),
    "daemonsets": (
        DaemonSets.NAMESPACE, DaemonSets.NAME, DaemonSets.DESIRED_PODS, DaemonSets.READY_PODS,
        DaemonSets.UNAVAILABLE_PODS,
    ),
    "jobs": (
        Jobs.NAMESPACE, Jobs.NAME, Jobs.STATUS, Jobs.REASON, Jobs.SUCCEEDED, Jobs.FAILED, Jobs.ACTIVE,
        Jobs.OWNER_NAME,
    ),
    "cronjobs": (
        CronJobs.NAMESPACE, CronJobs.NAME, CronJobs.SCHEDULE, CronJobs.SUSPEND, CronJobs.LAST_SCHEDULE,
        CronJobs.LAST_SUCCESSFUL, CronJobs.ACTIVE,
    ),
    "services": (
        Services.NAMESPACE, Services.NAME, Services.TYPE, Services.CLUSTER_IP, Services.PORTS,
        Services.SELECTOR,
    ),
    "endpoints": (
        Endpoints.NAMESPACE, Endpoints.NAME, Endpoints.READY_ADDRESSES, Endpoints.NOT_READY_ADDRESSES,
        Endpoints.NOT_READY_PODS,
    ),
    "ingresses": (Ingresses.NAMESPACE, Ingresses.NAME, Ingresses.INGRESS_CLASS, Ingresses.ROUTES),
    "networkpolicies": (
        NetworkPolicies.NAMESPACE, NetworkPolicies.NAME, NetworkPolicies.POD_SELECTOR,
        NetworkPolicies.DENY_ALL_INGRESS, NetworkPolicies.DENY_ALL_EGRESS,
    ),
    "configmaps": (ConfigMaps.NAMESPACE, ConfigMaps.NAME, ConfigMaps.KEYS),
    "secrets": (Secrets.NAMESPACE, Secrets.NAME, Secrets.TYPE, Secrets.KEYS),
    "pvcs": (
        Pvcs.NAMESPACE, Pvcs.NAME, Pvcs.PHASE, Pvcs.STORAGE_CLASS, Pvcs.STORAGE_REQUEST, Pvcs.VOLUME_NAME,
    ),
    "pvs": (
        Pvs.NAME, Pvs.PHASE, Pvs.CLAIM_NAMESPACE, Pvs.CLAIM_NAME, Pvs.STORAGE_CLASS, Pvs.RECLAIM_POLICY,
    ),
    "storageclasses": (
        StorageClasses.NAME, StorageClasses.PROVISIONER, StorageClasses.DEFAULT, StorageClasses.BINDING_MODE,
    ),
    "hpas": (
        Hpas.NAMESPACE, Hpas.NAME, Hpas.TARGET_KIND, Hpas.TARGET_NAME, Hpas.MIN_REPLICAS, Hpas.MAX_REPLICAS,
        Hpas.CURRENT_REPLICAS, Hpas.DESIRED_REPLICAS, Hpas.SCALING_ACTIVE_REASON,
    ),
    "pdbs": (Pdbs.NAMESPACE, Pdbs.NAME, Pdbs.MIN_AVAILABLE, Pdbs.MAX_UNAVAILABLE, Pdbs.DISRUPTIONS_ALLOWED),
    "namespaces": (Namespaces.NAME, Namespaces.PHASE),
    "nodes": (
        Nodes.NAME, Nodes.READY_STATUS, Nodes.UNSCHEDULABLE, Nodes.ROLES, Nodes.TAINTS, Nodes.MEMORY_PRESSURE,
        Nodes.DISK_PRESSURE, Nodes.KUBELET_VERSION,
    ),
}  # fmt: skip
"""The frames the agent may list, and the columns a listing shows (from workbench/frames/schema.py)."""
_SHORT = {
    "po": "pods", "deploy": "deployments", "rs": "replicasets", "sts": "statefulsets", "ds": "daemonsets",
    "cj": "cronjobs", "svc": "services", "ep": "endpoints", "ing": "ingresses", "netpol": "networkpolicies",
    "cm": "configmaps", "pvc": "pvcs", "pv": "pvs", "sc": "storageclasses", "hpa": "hpas", "pdb": "pdbs",
    "ns": "namespaces", "no": "nodes", "persistentvolumeclaims": "pvcs", "persistentvolumes": "pvs",
    "horizontalpodautoscalers": "hpas", "poddisruptionbudgets": "pdbs",
}  # fmt: skip
Status = Literal["failing", "pending", "not-ready"]


def normalize_kind(value: str) -> str:
    """A frame name from a kind, plural or short name (``Pod``, ``pod``, ``po`` → ``pods``)."""
    key = value.strip().lower()
    for candidate in (key, _SHORT.get(key, ""), key + "s", key + "es", _SHORT.get(key + "s", "")):
        if candidate in LISTABLE:
            return candidate
    kinds = {builtin(frame).kind.lower(): frame for frame in LISTABLE}
    if key in kinds:
        return kinds[key]
    raise ValueError(f"unknown kind {value!r}; use one of: {', '.join(LISTABLE)}")


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ListArgs(_Args):
    """List objects of one kind, filtered; returns a compact table (never raw JSON)."""

    kind: str = Field(description=f"one of: {', '.join(LISTABLE)} (kind names and short names work too)")
    namespace: str | None = Field(None, pattern=NAME_PATTERN, description="only this namespace")
    selector: str | None = Field(
        None, max_length=300, description="label selector: app=web,tier!=db,env in (a,b)"
    )
    status: Status | None = Field(None, description="only failing, pending or not-ready objects")
    limit: int = Field(30, ge=1, le=50, description="rows to return (at most 50)")

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str) -> str:
        return normalize_kind(value)


def out_of_scope(view: ClusterView, namespace: str | None) -> str | None:
    """Why ``namespace`` is outside the chat's scope, or None."""
    if namespace and view.namespaces is not None and namespace not in view.namespaces:
        return f"namespace {namespace!r} is outside this chat's scope ({', '.join(view.namespaces)})"
    return None


def in_scope(view: ClusterView, df: pd.DataFrame) -> pd.DataFrame:
    if view.namespaces is None or Frame.NAMESPACE not in df.columns:
        return df
    return df[df[Frame.NAMESPACE].isin([*view.namespaces, ""])]


# --- list ---------------------------------------------------------------------------------------


def list_resources(view: ClusterView, args: ListArgs) -> ToolOutput:
    if problem := out_of_scope(view, args.namespace):
        return failure(problem)
    df = in_scope(view, view.frames()[args.kind])
    if args.namespace is not None:
        df = df[df[Frame.NAMESPACE] == args.namespace]
    if args.selector:
        labels_col = _labels_column(args.kind)
        if labels_col is None or labels_col not in df.columns:
            return failure(f"{args.kind} have no labels to select on; drop selector=")
        try:
            match = parse_selector(args.selector)
        except ValueError as err:
            return failure(str(err))
        df = df[[match(labels if isinstance(labels, dict) else {}) for labels in df[labels_col]]]
    if args.status is not None:
        keep = _status_filter(args.kind, args.status, df)
        if keep is None:
            return failure(
                f"status={args.status} is not defined for {args.kind}; it applies to pods, nodes, "
                "deployments, statefulsets, daemonsets, jobs, pvcs and endpoints"
            )
        df = df[keep.fillna(False).astype(bool)]
    where = " ".join(
        f"{k}={v}"
        for k, v in (("namespace", args.namespace), ("selector", args.selector), ("status", args.status))
        if v
    )
    header, *rows = table(df.head(args.limit), LISTABLE[args.kind])
    head = f"{len(df)} {args.kind}" + (f" ({where})" if where else "") + f"\n{header}"
    return bounded(
        head, rows, total=len(df), hint="narrow with namespace=, selector= or status=, or use frame_summary"
    )


def _labels_column(frame: str) -> Col | None:
    """The frame's declared labels column, None when its schema has none."""
    col = getattr(frame_schema(frame), "LABELS", None)
    return col if isinstance(col, Col) else None


def _status_filter(frame: str, status: str, df: pd.DataFrame) -> pd.Series[Any] | None:
    if frame == Pods.FRAME:
        text = df[Pods.STATUS].astype("string").fillna("")
        bad = text.str.contains(r"Err|BackOff|Crash|OOM|Error|Evicted|Unknown|Init:|Failed", regex=True)
        running = df[Pods.PHASE] == "Running"
        return {
            "failing": bad
            | (df[Pods.PHASE] == "Failed")
            | (running & ~df[Pods.READY] & (df[Pods.RESTARTS] > 0)),
            "pending": df[Pods.PHASE] == "Pending",
            "not-ready": running & ~df[Pods.READY],
        }[status]
    if frame == Nodes.FRAME:
        pressure = df[Nodes.MEMORY_PRESSURE] | df[Nodes.DISK_PRESSURE] | df[Nodes.PID_PRESSURE]
        return {"failing": ~df[Nodes.READY] | pressure, "not-ready": ~df[Nodes.READY]}.get(status)
    if frame == Deployments.FRAME and status != "pending":
        return df[Deployments.READY_REPLICAS].fillna(0) < df[Deployments.REPLICAS].fillna(0)
    if frame == StatefulSets.FRAME and status != "pending":
        return df[StatefulSets.READY_REPLICAS].fillna(0) < df[StatefulSets.REPLICAS].fillna(0)
    if frame == DaemonSets.FRAME and status != "pending":
        return df[DaemonSets.READY_PODS].fillna(0) < df[DaemonSets.DESIRED_PODS].fillna(0)
    if frame == Jobs.FRAME:
        return df[Jobs.STATUS] == ("Failed" if status == "failing" else "Running")
    if frame == Pvcs.FRAME:
        return df[Pvcs.PHASE] == ("Lost" if status == "failing" else "Pending")
    if frame == Endpoints.FRAME and status != "pending":
        return df[Endpoints.READY_ADDRESSES].fillna(0) == 0
    return None


_TERM = re.compile(
    r"^\s*(?:(?P<not>!)\s*(?P<nkey>[\w./-]+)|(?P<key>[\w./-]+)\s*(?:(?P<op>==|=|!=)\s*(?P<val>[\w.-]*)"
    r"|\s+(?P<set>in|notin)\s*\((?P<vals>[\w.,\s-]*)\))?)\s*$"
)


@dataclass(frozen=True, slots=True)
class _Term:
    key: str
    op: Literal["exists", "!exists", "=", "!=", "in", "notin"]
    values: frozenset[str] = frozenset()

    def __call__(self, labels: dict[str, Any]) -> bool:
        if self.op in {"exists", "!exists"}:
            return (self.key in labels) == (self.op == "exists")
        found = labels.get(self.key) in self.values
        return found == (self.op in {"=", "in"})


def parse_selector(text: str) -> Callable[[dict[str, Any]], bool]:
    """A predicate over a labels dict from a Kubernetes label selector (equality and set terms)."""
    terms: list[_Term] = []
    for raw in (t for t in re.split(r",(?![^()]*\))", text) if t.strip()):
        m = _TERM.match(raw)
        if m is None:
            raise ValueError(
                f"cannot read selector term {raw.strip()!r}; write key=value, key!=value, key in (a,b)"
            )
        if m["nkey"]:
            terms.append(_Term(m["nkey"], "!exists"))
        elif m["op"]:
            terms.append(_Term(m["key"], "!=" if m["op"] == "!=" else "=", frozenset({m["val"]})))
        elif m["set"]:
            values = frozenset(v.strip() for v in m["vals"].split(",") if v.strip())
            terms.append(_Term(m["key"], "notin" if m["set"] == "notin" else "in", values))
        else:
            terms.append(_Term(m["key"], "exists"))
    return lambda labels: all(term(labels) for term in terms)
