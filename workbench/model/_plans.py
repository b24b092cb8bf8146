"""`Plan`: a remediation as data — an ordered list of allow-listed steps with a digest; `Approval`.

A plan never holds a shell string or code: each step is one action from a closed set, against one
object, with parameters checked against that action's schema when the step is made. The digest is a
SHA-256 over the plan's canonical JSON, so an approval binds to exactly the content that was reviewed;
editing any step (or the plan's title) makes a different digest and the approval no longer matches.

Example:
    >>> web = ObjectRef("Deployment", "shop", "web")
    >>> plan = Plan("Roll back web", (PlanStep(Action.ROLLOUT_UNDO, web, {"to_revision": 1}, "undo"),))
    >>> plan.approve(by="sre@example.com").matches(plan)
    True
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from workbench.errors import ConfigError
from workbench.model._inputs import PlanInput, check_value, substitute, used
from workbench.model._refs import ObjectRef
from workbench.model._step_params import CHECKS


class Action(enum.StrEnum):
    """The closed set of things a remediation step may do (DESIGN.md, safety rule 4)."""

    PATCH = "patch"
    SCALE = "scale"
    ROLLOUT_RESTART = "rollout-restart"
    ROLLOUT_UNDO = "rollout-undo"
    SET_IMAGE = "set-image"
    SET_RESOURCES = "set-resources"
    SET_ENV = "set-env"
    SET_CONFIGMAP_KEY = "set-configmap-key"
    DELETE_POD = "delete-pod"
    CORDON = "cordon"
    UNCORDON = "uncordon"
    DRAIN = "drain"
    SET_SERVICE_SELECTOR = "set-service-selector"
    SET_PROBE = "set-probe"
    SET_HPA_RANGE = "set-hpa-range"
    REMOVE_TAINT = "remove-taint"
    ALLOW_INGRESS = "allow-ingress"
    CREATE_STORAGE_CLASS = "create-storage-class"
    DELETE_CREATED = "delete-created"
    RECREATE_JOB = "recreate-job"


_WORKLOADS = frozenset({"Deployment", "StatefulSet", "DaemonSet"})
_SCALABLE = frozenset({"Deployment", "StatefulSet", "ReplicaSet"})
CREATED_KINDS = frozenset({"NetworkPolicy", "StorageClass"})
"""The kinds a step may create (and so a rollback may delete again)."""
_CLUSTER_SCOPED = frozenset({"Node", "StorageClass"})


@dataclass(frozen=True, slots=True)
class _Schema:
    kinds: frozenset[str]
    required: frozenset[str] = frozenset()
    optional: frozenset[str] = frozenset()


def _s(
    kinds: frozenset[str] | set[str], required: tuple[str, ...] = (), optional: tuple[str, ...] = ()
) -> _Schema:
    return _Schema(frozenset(kinds), frozenset(required), frozenset(optional))


SCHEMAS: Mapping[Action, _Schema] = MappingProxyType(
    {
        Action.PATCH: _s(
            {
                *_WORKLOADS,
                "Service",
                "ConfigMap",
                "HorizontalPodAutoscaler",
                "Ingress",
                "CronJob",
                "Job",
                "Node",
            },
            ("patch_type", "patch"),
        ),
        Action.SCALE: _s(_SCALABLE, ("replicas",)),
        Action.ROLLOUT_RESTART: _s(_WORKLOADS),
        Action.ROLLOUT_UNDO: _s({"Deployment"}, optional=("to_revision",)),
        Action.SET_IMAGE: _s(_WORKLOADS | {"CronJob"}, ("container", "image")),
        Action.SET_RESOURCES: _s(_WORKLOADS | {"CronJob"}, ("container",), ("requests", "limits")),
        Action.SET_ENV: _s(_WORKLOADS | {"CronJob"}, ("container", "env")),
        Action.SET_CONFIGMAP_KEY: _s({"ConfigMap"}, ("key", "value")),
        Action.DELETE_POD: _s({"Pod"}),
        Action.CORDON: _s({"Node"}),
        Action.UNCORDON: _s({"Node"}),
        Action.DRAIN: _s({"Node"}, optional=("grace_seconds", "timeout_seconds")),
        Action.SET_SERVICE_SELECTOR: _s({"Service"}, ("selector",)),
        Action.SET_PROBE: _s(_WORKLOADS, ("container", "probe", "settings")),
        Action.SET_HPA_RANGE: _s({"HorizontalPodAutoscaler"}, optional=("min_replicas", "max_replicas")),
        Action.REMOVE_TAINT: _s({"Node"}, ("key",), ("effect",)),
        # Creating: the object must not exist yet, and only these shapes can be expressed.
        Action.ALLOW_INGRESS: _s({"NetworkPolicy"}, ("pod_selector", "from_selector", "ports")),
        Action.CREATE_STORAGE_CLASS: _s(
            {"StorageClass"},
            ("provisioner",),
            ("parameters", "reclaim_policy", "volume_binding_mode", "allow_volume_expansion"),
        ),
        # Undoing a create: only an object a plan created (its uid, and the plan's digest it carries).
        Action.DELETE_CREATED: _s(CREATED_KINDS, ("uid", "created_by")),
        # A Job's pod template is immutable: delete the (finished) Job, create it again with the env set.
        Action.RECREATE_JOB: _s({"Job"}, ("container", "env")),
    }
)
"""Per action: the object kinds it may target, and its required and optional parameters."""

PATCH_TYPES = frozenset({"strategic", "merge", "json"})


@dataclass(frozen=True, slots=True)
class PlanStep:
    """One allow-listed action against one object.

    Attributes:
        action: what to do (`Action`).
        target: the object it changes.
        params: the action's parameters (plain JSON values only), checked against `SCHEMAS`.
        title: one line for a person (``Raise web's memory limit to 512Mi``).
        reason: the id of the finding it addresses (``pod.oomkilled:Pod/shop/web-1``), or ``""``.

    Raises:
        ConfigError: an action outside the allow-list, a target kind the action cannot change,
            a missing or unknown parameter, or a value that is not plain JSON.
    """

    action: Action
    target: ObjectRef
    params: Mapping[str, Any] = field(default_factory=dict)
    title: str = ""
    reason: str = ""

    def __post_init__(self) -> None:
        try:
            action = Action(self.action)
        except ValueError:
            allowed = ", ".join(a.value for a in Action)
            raise ConfigError(f"step action {self.action!r} is not allowed; allowed: {allowed}") from None
        schema = SCHEMAS[action]
        if self.target.kind not in schema.kinds:
            kinds = ", ".join(sorted(schema.kinds))
            raise ConfigError(f"{action.value} cannot target a {self.target.kind}; it applies to: {kinds}")
        keys = set(self.params)
        missing = sorted(schema.required - keys)
        unknown = sorted(keys - schema.required - schema.optional)
        if missing or unknown:
            problems = [f"missing parameter(s) {', '.join(missing)}"] if missing else []
            problems += [f"unknown parameter(s) {', '.join(unknown)}"] if unknown else []
            takes = ", ".join(sorted(schema.required | schema.optional)) or "no parameters"
            raise ConfigError(f"{action.value} on {self.target}: {'; '.join(problems)} (it takes {takes})")
        if action is Action.PATCH and self.params["patch_type"] not in PATCH_TYPES:
            raise ConfigError(
                f"patch_type {self.params['patch_type']!r} is not one of {', '.join(sorted(PATCH_TYPES))}"
            )
        try:
            frozen = json.loads(_canonical(dict(self.params)))
        except (TypeError, ValueError) as exc:
            raise ConfigError(
                f"{action.value} on {self.target}: parameters must be plain JSON ({exc})"
            ) from None
        check = CHECKS.get(action.value)
        if check is not None and (problem := check(frozen)):
            raise ConfigError(f"{action.value} on {self.target}: {problem}")
        scoped = self.target.kind not in _CLUSTER_SCOPED
        if not self.target.name or (scoped and not self.target.namespace):
            raise ConfigError(f"{action.value}: the target {self.target} needs a name (and a namespace)")
        if self.target.kind == "StorageClass" and self.target.namespace:
            raise ConfigError(
                f'{action.value}: a StorageClass is cluster-scoped; give {self.target.name} namespace ""'
            )
        object.__setattr__(self, "action", action)
        object.__setattr__(self, "params", MappingProxyType(frozen))

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (what the digest is computed over)."""
        return {
            "action": self.action.value,
            "target": {
                "kind": self.target.kind,
                "namespace": self.target.namespace,
                "name": self.target.name,
                "api_version": self.target.api_version,
            },
            "params": dict(self.params),
            "title": self.title,
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PlanStep:
        """The step `to_dict` wrote (from an audit record); validated like any new step.

        Raises:
            ConfigError: the data is not a step, or the step is not allowed.
        """
        try:
            target = data["target"]
            ref = ObjectRef(
                str(target["kind"]),
                str(target.get("namespace") or ""),
                str(target["name"]),
                api_version=str(target.get("api_version") or ""),
            )
            return cls(
                data["action"],
                ref,
                dict(data.get("params") or {}),
                data.get("title", ""),
                data.get("reason", ""),
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise ConfigError(
                f"not a plan step: {exc!r} missing or malformed in {dict(data)!r:.200}"
            ) from None


@dataclass(frozen=True, slots=True)
class Plan:
    """An ordered remediation: steps run in order, each against one object.

    Attributes:
        title: what the plan does, in one line.
        steps: the steps, in the order they run.
        findings: ids of the findings it addresses.
        notes: what a person should know or check (e.g. "investigate instead" when no safe fix exists).
        inputs: values a person must give before the plan can run (``${name}`` in the steps'
            string parameters); `fill` gives them. Empty for a plan that is ready.
    """

    title: str
    steps: tuple[PlanStep, ...]
    findings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    inputs: tuple[PlanInput, ...] = ()

    def __post_init__(self) -> None:
        # Lists are accepted for convenience (a cell writes ``steps=[...]``); the plan keeps tuples.
        for name in ("steps", "findings", "notes", "inputs"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        if not self.steps:
            raise ConfigError(f"plan {self.title!r} has no steps; a plan needs at least one")
        if not all(isinstance(step, PlanStep) for step in self.steps):
            raise ConfigError(f"plan {self.title!r}: every step must be a PlanStep")
        if not all(isinstance(item, PlanInput) for item in self.inputs):
            raise ConfigError(f"plan {self.title!r}: every input must be a PlanInput")
        names = [item.name for item in self.inputs]
        if len(set(names)) != len(names):
            raise ConfigError(f"plan {self.title!r}: two inputs share a name ({', '.join(sorted(names))})")
        unused = set(names) - used([dict(step.params) for step in self.steps], names)
        if unused:
            raise ConfigError(
                f"plan {self.title!r}: no step uses input(s) {', '.join(sorted(unused))}; "
                "write ${name} into a step's parameters or drop the input"
            )

    def fill(self, values: Mapping[str, str] | None = None, /, **named: str) -> Plan:
        """This plan with the values a person gave put in place of its ``${name}`` placeholders.

        Inputs not given stay inputs (the plan is still not ready). The filled steps are checked
        again, so a value that makes a step invalid (a quantity that does not parse) is refused here.

        Raises:
            ConfigError: a name the plan does not ask for (the message lists what it asks), or a value
                that is empty, too long or not printable.
        """
        given = {**(values or {}), **named}
        wanted = {item.name: item for item in self.inputs}
        unknown = sorted(set(given) - set(wanted))
        if unknown:
            asks = "; ".join(str(item) for item in self.inputs) or "nothing"
            raise ConfigError(
                f"plan {self.title!r} has no input(s) {', '.join(unknown)}; it asks for: {asks}"
            )
        checked = {name: check_value(wanted[name], value) for name, value in given.items()}
        steps = tuple(
            PlanStep(
                step.action,
                step.target,
                substitute(dict(step.params), checked),
                substitute(step.title, checked),
                step.reason,
            )
            for step in self.steps
        )
        rest = tuple(item for item in self.inputs if item.name not in checked)
        return Plan(substitute(self.title, checked), steps, self.findings, self.notes, rest)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data."""
        return {
            "title": self.title,
            "steps": [step.to_dict() for step in self.steps],
            "findings": list(self.findings),
            "notes": list(self.notes),
            # Only when there are any: the digest of a plan without inputs is what it always was.
            **({"inputs": [item.to_dict() for item in self.inputs]} if self.inputs else {}),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Plan:
        """The plan `to_dict` wrote; its digest is the original's.

        Raises:
            ConfigError: the data is not a plan, or one of its steps is not allowed.
        """
        if not isinstance(data, Mapping) or not isinstance(data.get("steps"), list):
            raise ConfigError("not a plan: expected an object with a title and a list of steps")
        return cls(
            str(data.get("title", "")),
            tuple(PlanStep.from_dict(step) for step in data["steps"]),
            tuple(str(f) for f in data.get("findings") or ()),
            tuple(str(n) for n in data.get("notes") or ()),
            tuple(PlanInput.from_dict(item) for item in data.get("inputs") or ()),
        )

    @property
    def digest(self) -> str:
        """``sha256:<hex>`` over the plan's canonical JSON: any change to any step changes it."""
        return "sha256:" + hashlib.sha256(_canonical(self.to_dict()).encode()).hexdigest()

    def approve(self, *, by: str = "", at: datetime | None = None) -> Approval:
        """An approval of exactly this content (what the widget's Approve button produces)."""
        return Approval(self.digest, by, at or datetime.now(UTC))

    def to_cell(self, *, context: str | None = None, kubeconfig: str | None = None) -> str:
        """The notebook cell that previews this plan, and applies it once a person approves it.

        Args:
            context: the kubeconfig context the cell connects to (the default context when None).
            kubeconfig: the kubeconfig file it connects with (the default file when None).

        Returns:
            Python source: the plan as literals, a server-side dry run, and an apply guarded by an
            ``APPROVED_BY`` line left empty; the equivalent kubectl commands are comments.
        """
        from workbench.model._cell import render_cell  # noqa: PLC0415 - _cell imports this module

        return render_cell(self, context=context, kubeconfig=kubeconfig)

    def kubectl(self, *, context: str | None = None) -> list[str]:
        """The kubectl commands that make the same changes, every step's in order (never run)."""
        from workbench.model._kubectl import kubectl_commands  # noqa: PLC0415 - it imports this module

        return [command for step in self.steps for command in kubectl_commands(step, context=context)]


@dataclass(frozen=True, slots=True)
class Approval:
    """A person's go-ahead for one plan's exact content.

    Attributes:
        digest: the approved plan's digest.
        approved_by: who approved (a name or e-mail; the audit log adds the kube user).
        approved_at: when (UTC).
    """

    digest: str
    approved_by: str
    approved_at: datetime

    def matches(self, plan: Plan) -> bool:
        """Whether this approval is for ``plan`` as it is now (not an edited copy)."""
        return self.digest == plan.digest


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
