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
from workbench.sources import builtin

NAME_PATTERN = r"^[A-Za-z0-9]([A-Za-z0-9._:-]{0,251}[A-Za-z0-9])?$"
"""Object and namespace names: no slashes, so a name can never turn into another API path."""

LISTABLE: dict[str, tuple[str, ...]] = {
    "pods": ("namespace", "name", "status", "ready_containers", "containers", "restarts", "node",
             "owner_name"),
    "deployments": ("namespace", "name", "replicas", "ready_replicas", "available_replicas",
                    "updated_replicas", "progressing_reason"),
    "replicasets": ("namespace", "name", "replicas", "ready_replicas", "owner_name", "revision"),
    "statefulsets": ("namespace", "name", "replicas", "ready_replicas", "update_revision"),
    "daemonsets": ("namespace", "name", "desired_pods", "ready_pods", "unavailable_pods"),
    "jobs": ("namespace", "name", "status", "reason", "succeeded", "failed", "active", "owner_name"),
    "cronjobs": ("namespace", "name", "schedule", "suspend", "last_schedule", "last_successful", "active"),
    "services": ("namespace", "name", "type", "cluster_ip", "ports", "selector"),
    "endpoints": ("namespace", "name", "ready_addresses", "not_ready_addresses", "not_ready_pods"),
    "ingresses": ("namespace", "name", "ingress_class", "routes"),
    "networkpolicies": ("namespace", "name", "pod_selector", "deny_all_ingress", "deny_all_egress"),
    "configmaps": ("namespace", "name", "keys"),
    "secrets": ("namespace", "name", "type", "keys"),
    "pvcs": ("namespace", "name", "phase", "storage_class", "storage_request", "volume_name"),
    "pvs": ("name", "phase", "claim_namespace", "claim_name", "storage_class", "reclaim_policy"),
    "storageclasses": ("name", "provisioner", "default", "binding_mode"),
    "hpas": ("namespace", "name", "target_kind", "target_name", "min_replicas", "max_replicas",
             "current_replicas", "desired_replicas", "scaling_active_reason"),
    "pdbs": ("namespace", "name", "min_available", "max_unavailable", "disruptions_allowed"),
    "namespaces": ("name", "phase"),
    "nodes": ("name", "ready_status", "unschedulable", "roles", "taints", "memory_pressure", "disk_pressure",
              "kubelet_version"),
}  # fmt: skip
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
    if view.namespaces is None or "namespace" not in df.columns:
        return df
    return df[df["namespace"].isin([*view.namespaces, ""])]


# --- list ---------------------------------------------------------------------------------------


def list_resources(view: ClusterView, args: ListArgs) -> ToolOutput:
    if problem := out_of_scope(view, args.namespace):
        return failure(problem)
    df = in_scope(view, view.frames()[args.kind])
    if args.namespace is not None:
        df = df[df["namespace"] == args.namespace]
    if args.selector:
        if "labels" not in df.columns:
            return failure(f"{args.kind} have no labels to select on; drop selector=")
        try:
            match = parse_selector(args.selector)
        except ValueError as err:
            return failure(str(err))
        df = df[[match(labels if isinstance(labels, dict) else {}) for labels in df["labels"]]]
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


def _status_filter(frame: str, status: str, df: pd.DataFrame) -> pd.Series[Any] | None:
    if frame == "pods":
        text = df["status"].astype("string").fillna("")
        bad = text.str.contains(r"Err|BackOff|Crash|OOM|Error|Evicted|Unknown|Init:|Failed", regex=True)
        running = df["phase"] == "Running"
        return {
            "failing": bad | (df["phase"] == "Failed") | (running & ~df["ready"] & (df["restarts"] > 0)),
            "pending": df["phase"] == "Pending",
            "not-ready": running & ~df["ready"],
        }[status]
    if frame == "nodes":
        pressure = df["memory_pressure"] | df["disk_pressure"] | df["pid_pressure"]
        return {"failing": ~df["ready"] | pressure, "not-ready": ~df["ready"]}.get(status)
    if frame in {"deployments", "statefulsets"} and status != "pending":
        return df["ready_replicas"].fillna(0) < df["replicas"].fillna(0)
    if frame == "daemonsets" and status != "pending":
        return df["ready_pods"].fillna(0) < df["desired_pods"].fillna(0)
    if frame == "jobs":
        return df["status"] == ("Failed" if status == "failing" else "Running")
    if frame == "pvcs":
        return df["phase"] == ("Lost" if status == "failing" else "Pending")
    if frame == "endpoints" and status != "pending":
        return df["ready_addresses"].fillna(0) == 0
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
