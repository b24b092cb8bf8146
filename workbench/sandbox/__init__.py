"""The sandbox: a Kubernetes-API-compatible server on loopback, with scenario clusters.

Real `kubectl` and the official Python client use it unmodified. It stands apart from the workbench's
stages and imports none of them: to them it is just another API server.

Example:
    >>> from workbench import sandbox
    >>> with sandbox.start(scenario="healthy") as sb:
    ...     print(sb.kubeconfig.exists())
    True
"""

from __future__ import annotations

from workbench.sandbox._handle import Sandbox, scenarios, start, write_kubeconfig

__all__ = ["Sandbox", "scenarios", "start", "write_kubeconfig"]
