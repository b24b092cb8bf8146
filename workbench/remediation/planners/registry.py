"""The explicit registry of planners (greppable), plus third-party ones from an entry-point group.

Order matters: for one finding the planners that handle its code are asked in this order and the
first plan wins, so a planner that reads specific evidence (a missing variable named in a log, an
image older pods ran) comes before the generic fallbacks (rolling a Deployment back). A third-party
package registers its planner classes under the ``workbench.planners`` entry-point group; they are
asked after the built-in ones.
"""

from __future__ import annotations

from importlib.metadata import entry_points

from workbench.errors import ConfigError
from workbench.remediation.planners.allow_ingress import AllowIngress
from workbench.remediation.planners.ask_image import AskForImage
from workbench.remediation.planners.base import Planner
from workbench.remediation.planners.config_key import RepointConfigKey
from workbench.remediation.planners.ingress import FixIngressBackend
from workbench.remediation.planners.investigate_jobs import InvestigateJob
from workbench.remediation.planners.investigate_network import InvestigateNetworkPolicy
from workbench.remediation.planners.investigate_nodes import InvestigateNode
from workbench.remediation.planners.investigate_storage import InvestigateClaim
from workbench.remediation.planners.memory import RaiseMemoryLimit
from workbench.remediation.planners.missing_env import AddMissingEnv
from workbench.remediation.planners.mount_path import FixMountPath
from workbench.remediation.planners.probes import FixProbe
from workbench.remediation.planners.recreate_job import RecreateJob
from workbench.remediation.planners.requests import SetRequests
from workbench.remediation.planners.rollback import RolloutUndo
from workbench.remediation.planners.sandbox_kubelet import StartSandboxKubelet
from workbench.remediation.planners.scale import ScaleBack
from workbench.remediation.planners.selector import FixServiceSelector
from workbench.remediation.planners.set_image import SetImage
from workbench.remediation.planners.storage_class import CreateStorageClass
from workbench.remediation.planners.taints import RemoveTaint
from workbench.remediation.planners.uncordon import Uncordon

ENTRY_POINT_GROUP = "workbench.planners"

BUILTIN: tuple[type[Planner], ...] = (
    # Evidence-specific fixes first.
    AddMissingEnv,
    RepointConfigKey,
    FixMountPath,
    RaiseMemoryLimit,
    FixProbe,
    SetImage,
    ScaleBack,
    SetRequests,
    FixIngressBackend,
    FixServiceSelector,
    RemoveTaint,
    Uncordon,
    StartSandboxKubelet,
    # The generic fallback for a new revision that never became ready.
    RolloutUndo,
    # An image the registry lacks and nothing here to go back to: the person names the image.
    AskForImage,
    # Creating what is missing: a policy allowing one dropped connection, a StorageClass a claim names.
    AllowIngress,
    CreateStorageClass,
    # A failed Job made again with the variable its log asks for (its pod template is immutable).
    RecreateJob,
    # No safe fix: what to look at.
    InvestigateNode,
    InvestigateClaim,
    InvestigateNetworkPolicy,
    InvestigateJob,
)


def plugins() -> list[type[Planner]]:
    """Planner classes third-party packages register under `ENTRY_POINT_GROUP`."""
    return [ep.load() for ep in entry_points(group=ENTRY_POINT_GROUP)]


def planners(*, names: list[str] | None = None, include_plugins: bool = True) -> list[Planner]:
    """One instance of every planner (or of those ``names``), built-in first, in asking order.

    Raises:
        ConfigError: a name is unknown (the message lists the known ones), or two planners share a name.
    """
    classes = [*BUILTIN, *(plugins() if include_plugins else [])]
    seen: set[str] = set()
    for cls in classes:
        if cls.name in seen:
            raise ConfigError(f"two planners are named {cls.name!r}; rename one")
        seen.add(cls.name)
    if names is not None:
        unknown = sorted(set(names) - seen)
        if unknown:
            raise ConfigError(f"unknown planners {unknown}; known: {', '.join(sorted(seen))}")
        classes = [cls for cls in classes if cls.name in names]
    return [cls() for cls in classes]


def codes() -> dict[str, list[str]]:
    """Finding code -> the built-in planners that handle it, in asking order (codes sorted)."""
    out: dict[str, list[str]] = {}
    for cls in BUILTIN:
        for code in cls.codes:
            out.setdefault(code, []).append(cls.name)
    return {code: out[code] for code in sorted(out)}
