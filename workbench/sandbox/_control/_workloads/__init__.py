"""The workload controllers: Deployments, ReplicaSets, StatefulSets, DaemonSets, Jobs and CronJobs.

Each is a `Controller` of the control plane, reading and writing only through the store as
kube-controller-manager's controllers do, with their reasons, messages and event sources.

Example:
    >>> from workbench import sandbox
    >>> with sandbox.start(scenario="healthy", manual_clock=True) as sb:
    ...     sorted(c.name for c in sb.control.controllers.values() if c.name in NAMES)
    ['cronjob', 'daemonset', 'deployment', 'job', 'replicaset', 'statefulset']
"""

from __future__ import annotations

from collections.abc import Callable

from workbench.sandbox._control._cluster import Cluster
from workbench.sandbox._control._plane import Controller
from workbench.sandbox._control._workloads._cronjob import CronJobController
from workbench.sandbox._control._workloads._daemonset import DaemonSetController
from workbench.sandbox._control._workloads._deployment import DeploymentController
from workbench.sandbox._control._workloads._job import JobController
from workbench.sandbox._control._workloads._replicaset import ReplicaSetController
from workbench.sandbox._control._workloads._statefulset import StatefulSetController

__all__ = [
    "CONTROLLERS",
    "NAMES",
    "CronJobController",
    "DaemonSetController",
    "DeploymentController",
    "JobController",
    "ReplicaSetController",
    "StatefulSetController",
]

CONTROLLERS: list[Callable[[Cluster], Controller]] = [
    DeploymentController,
    ReplicaSetController,
    StatefulSetController,
    DaemonSetController,
    JobController,
    CronJobController,
]
NAMES = frozenset({"deployment", "replicaset", "statefulset", "daemonset", "job", "cronjob"})
