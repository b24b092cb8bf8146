"""Analyzers of the workloads family, one per file; FAMILY lists them for the registry.

Deployments (and those scaled to zero), ReplicaSets, StatefulSets, DaemonSets, Jobs, CronJobs,
HorizontalPodAutoscalers and PodDisruptionBudgets. Helpers they share live in ``_shared`` (the
cluster's "now", children by owner, selectors) and ``_cron`` (CronJob schedules).
"""

from __future__ import annotations

from workbench.analyzers.base import Analyzer
from workbench.analyzers.workloads.cronjob import CronJobAnalyzer
from workbench.analyzers.workloads.daemonset import DaemonSetAnalyzer
from workbench.analyzers.workloads.deployment import DeploymentAnalyzer
from workbench.analyzers.workloads.deployment_scale import DeploymentScaleAnalyzer
from workbench.analyzers.workloads.hpa import HpaAnalyzer
from workbench.analyzers.workloads.job import JobAnalyzer
from workbench.analyzers.workloads.pdb import PdbAnalyzer
from workbench.analyzers.workloads.replicaset import ReplicaSetAnalyzer
from workbench.analyzers.workloads.statefulset import StatefulSetAnalyzer

FAMILY: tuple[type[Analyzer], ...] = (
    DeploymentAnalyzer,
    DeploymentScaleAnalyzer,
    ReplicaSetAnalyzer,
    StatefulSetAnalyzer,
    DaemonSetAnalyzer,
    JobAnalyzer,
    CronJobAnalyzer,
    HpaAnalyzer,
    PdbAnalyzer,
)
