"""The simulated kubelet: what each node does with the pods bound to it, decided from the pod spec.

No container runs. For every pod bound to a Ready node, the kubelet pulls images (judged against
the image catalog), checks the ConfigMaps, Secrets and claims the spec names, runs init containers
in order and then the containers, each as its image's app model or its shell command decides
(`_process`), probes them (`_probes`), restarts them with the crash back-off, writes their logs, and
posts the pod status and the events a real kubelet v1.32 records. Nothing is decided from labels or
scenario flags: a fix to the spec changes the outcome, and nothing else does.

Files: `_controller` (the controller and metrics), `_host` (one node as a sync sees it), `_runtime`,
`_lifecycle` and `_container` (the per-pod and per-container state machines), `_status`, `_probes`,
`_images` (pull outcomes), `_config` (ConfigMap/Secret references, volumes, files), `_process`,
`_app` and `_shellproc` (what a started container does), `_shell`, `_shparse`, `_shtypes`,
`_shcmds` and `_shnet` (busybox's sh), `_applog` (log lines), `_usage`, `_ipam` (pod IPs), `_adopt`
(pods loaded with a status), `_timing` (back-offs, ids).

Example:
    >>> from workbench import sandbox
    >>> with sandbox.start(scenario="healthy", manual_clock=True) as sb:
    ...     sb.control.controllers["kubelet"].name
    'kubelet'
"""

from __future__ import annotations

from collections.abc import Callable

from workbench.sandbox._control._cluster import Cluster
from workbench.sandbox._control._kubelet._controller import Kubelet
from workbench.sandbox._control._plane import Controller

__all__ = ["CONTROLLERS", "Kubelet"]

CONTROLLERS: list[Callable[[Cluster], Controller]] = [Kubelet]
