"""The sandbox's simulated control plane: controllers, scheduler and kubelets, with no containers.

Controllers subscribe to the store's change feed and write back through the API, on the sandbox
clock (`_plane`). What a container does is decided by the image catalog and app model (`_apps`) from
the pod's spec, never scripted, so a fix that changes the spec heals the cluster and one that does
not, does not.

Example:
    >>> from workbench import sandbox
    >>> with sandbox.start(scenario="healthy", manual_clock=True) as sb:
    ...     sb.control.errors
    []
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from workbench.sandbox._api import Api
from workbench.sandbox._control._apps import Catalog, builtin_catalog
from workbench.sandbox._control._cluster import Cluster
from workbench.sandbox._control._plane import Controller, ControlPlane
from workbench.sandbox._logs import LogStore

__all__ = ["Catalog", "Cluster", "ControlPlane", "Controller", "builtin_catalog", "control_plane"]

# The modules that provide controllers, each as ``CONTROLLERS``: factories taking the Cluster.
_MODULES = (
    "workbench.sandbox._control._workloads",
    "workbench.sandbox._control._scheduler",
    "workbench.sandbox._control._kubelet",
    "workbench.sandbox._control._endpoints",
    "workbench.sandbox._control._nodes",
    "workbench.sandbox._control._volumes",
    "workbench.sandbox._control._hpa",
)


def _factories() -> list[Callable[[Cluster], Controller]]:
    out: list[Callable[[Cluster], Controller]] = []
    for name in _MODULES:
        out.extend(importlib.import_module(name).CONTROLLERS)
    return out


def control_plane(api: Api, logs: LogStore, *, catalog: Catalog | None = None, seed: int = 0) -> ControlPlane:
    """Build (not start) the control plane for a sandbox."""
    cluster = Cluster(api, logs, catalog=catalog or builtin_catalog(), seed=seed)
    return ControlPlane(cluster, [factory(cluster) for factory in _factories()])
