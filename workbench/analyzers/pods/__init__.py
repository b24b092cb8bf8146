"""Analyzers of the pods family, one per file; FAMILY lists them for the registry.

Pod failures get ONE finding per pod with the most specific code; which code is decided once per
bundle in `_triage` (read its docstring for the precedence). Hygiene and security findings are
INFO and aggregated per top-level workload.
"""

from __future__ import annotations

from workbench.analyzers.base import Analyzer
from workbench.analyzers.pods.config_error import ConfigError
from workbench.analyzers.pods.crashloop import CrashLoop
from workbench.analyzers.pods.dns import DnsFailures
from workbench.analyzers.pods.failed import FailedPods
from workbench.analyzers.pods.image_pull import ImagePull
from workbench.analyzers.pods.image_tags import LatestTag
from workbench.analyzers.pods.init_containers import InitFailing
from workbench.analyzers.pods.liveness import LivenessRestarts
from workbench.analyzers.pods.logs import LogErrors
from workbench.analyzers.pods.mounts import MountFailed
from workbench.analyzers.pods.not_ready import NotReady
from workbench.analyzers.pods.oomkilled import OomKilled
from workbench.analyzers.pods.overprovisioned import Overprovisioned
from workbench.analyzers.pods.readiness import ReadinessFailing
from workbench.analyzers.pods.resources import ResourceHygiene
from workbench.analyzers.pods.security import Privileged
from workbench.analyzers.pods.terminating import StuckTerminating
from workbench.analyzers.pods.unschedulable import Unschedulable

FAMILY: tuple[type[Analyzer], ...] = (
    CrashLoop,
    OomKilled,
    ImagePull,
    ConfigError,
    MountFailed,
    Unschedulable,
    ReadinessFailing,
    LivenessRestarts,
    InitFailing,
    StuckTerminating,
    FailedPods,
    NotReady,
    DnsFailures,
    LogErrors,
    ResourceHygiene,
    LatestTag,
    Overprovisioned,
    Privileged,
)
