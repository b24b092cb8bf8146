"""Which builder turns a kind's list pages into frames: one explicit, greppable table.

A builder takes the `Kind` and an iterable of raw JSON List pages (decoded one at a time as they
arrive) and returns ``{frame name: DataFrame}`` for every frame whose schema names that kind as
its ``source`` (``pods`` -> ``pods`` and ``containers``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pandas as pd

from workbench.frames import schema
from workbench.frames._conditions import build_conditions, build_crds
from workbench.frames._config import build_configmaps, build_secrets
from workbench.frames._events import build_events
from workbench.frames._jobs import build_cronjobs, build_jobs
from workbench.frames._metrics import build_node_metrics, build_pod_metrics
from workbench.frames._network import build_endpoints, build_ingresses, build_networkpolicies, build_services
from workbench.frames._nodes import build_nodes
from workbench.frames._pods import build_pods
from workbench.frames._policy import (
    build_hpas,
    build_mutatingwebhooks,
    build_namespaces,
    build_pdbs,
    build_validatingwebhooks,
)
from workbench.frames._storage import build_pvcs, build_pvs, build_storageclasses
from workbench.frames._workloads import (
    build_daemonsets,
    build_deployments,
    build_replicasets,
    build_statefulsets,
)
from workbench.sources._kinds import BY_FRAME, Kind

Builder = Callable[[Kind, Iterable[bytes]], dict[str, pd.DataFrame]]

CUSTOM_RESOURCES = "*"
"""The key (and schema ``source``) of the builder for custom resources: the ``conditions`` frame."""

builders: dict[str, Builder] = {
    "pods": build_pods,
    "nodes": build_nodes,
    "events": build_events,
    "pod_metrics": build_pod_metrics,
    "node_metrics": build_node_metrics,
    # --- other kinds: one line per Kind.frame ("<Kind.frame>": build_x), CUSTOM_RESOURCES for CRs ---
    "deployments": build_deployments,
    "replicasets": build_replicasets,
    "statefulsets": build_statefulsets,
    "daemonsets": build_daemonsets,
    "jobs": build_jobs,
    "cronjobs": build_cronjobs,
    "services": build_services,
    "endpoints": build_endpoints,
    "ingresses": build_ingresses,
    "networkpolicies": build_networkpolicies,
    "configmaps": build_configmaps,
    "secrets": build_secrets,
    "pvcs": build_pvcs,
    "pvs": build_pvs,
    "storageclasses": build_storageclasses,
    "hpas": build_hpas,
    "pdbs": build_pdbs,
    "namespaces": build_namespaces,
    "validatingwebhooks": build_validatingwebhooks,
    "mutatingwebhooks": build_mutatingwebhooks,
    "crds": build_crds,
    CUSTOM_RESOURCES: build_conditions,
}
"""Builders by the ``Kind.frame`` they read (``CUSTOM_RESOURCES`` for every custom resource)."""


def is_custom(kind: Kind) -> bool:
    """Whether ``kind`` is a custom resource (not one of the built-in kinds)."""
    return BY_FRAME.get(kind.frame) != kind


def source_key(kind: Kind) -> str:
    """The key of ``kind``'s builder in `builders`."""
    return CUSTOM_RESOURCES if is_custom(kind) else kind.frame


def builder_for(kind: Kind) -> Builder:
    """The builder of ``kind``; raises KeyError naming the kinds that have one."""
    key = source_key(kind)
    try:
        return builders[key]
    except KeyError:
        known = ", ".join(sorted(builders))
        raise KeyError(f"no frame builder reads {kind.kind} ({key!r}); builders exist for: {known}") from None


def produces(key: str) -> tuple[str, ...]:
    """The frames built from the kind with builder key ``key`` (``pods`` -> pods, containers)."""
    return tuple(name for name, frame in schema.FRAMES.items() if key == frame.FED_BY)


def sources_of(frames: Iterable[str]) -> tuple[str, ...]:
    """The builder keys needed to build ``frames`` (each frame name checked against the schema).

    Raises:
        KeyError: a name is not a declared frame, or no kind's list feeds it (``logs``).
    """
    keys: list[str] = []
    for name in frames:
        source = schema.frame_schema(name).FED_BY
        if source is None or source not in builders:
            pulled = sorted(n for n, f in schema.FRAMES.items() if f.FED_BY in builders)
            raise KeyError(f"frame {name!r} is not built from list pages; pullable: {', '.join(pulled)}")
        if source not in keys:
            keys.append(source)
    return tuple(keys)
