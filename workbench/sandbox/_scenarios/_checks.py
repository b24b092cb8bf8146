"""Success checks: a small declarative language that says when a scenario's fault is healed.

A scenario lists its checks in ``scenario.yaml``; each is a one-key mapping, the check's name, to its
parameters::

    checks:
    - pods_ready: {namespace: shop, selector: app=checkout, min: 2}
    - service_endpoints: {namespace: shop, name: checkout}
    - no_pods_in_reason: {namespace: shop, reason: CrashLoopBackOff}

Checks read plain API objects (the JSON a list returns) through ``fetch(kind, namespace)``, with
``namespace=None`` for every namespace or a cluster-scoped kind. The same checks grade the sandbox in
process (`Sandbox.check`) and a learner's cluster over HTTP. Each result says in one line what is
still wrong, in the words ``kubectl`` would use (STATUS column reasons, ``rollout status`` messages).

Example:
    >>> pods = [{"metadata": {"name": "web-1", "namespace": "shop", "labels": {"app": "web"}},
    ...          "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}}]
    >>> report = evaluate([{"pods_ready": {"namespace": "shop", "selector": "app=web"}}],
    ...                   lambda kind, ns: pods if kind == "Pod" else [])
    >>> report.passed, report.results[0].detail
    (True, '1 pod Ready')
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from workbench.errors import SandboxApiError, ScenarioError
from workbench.sandbox._scenarios._check_rules import (
    Reader,
    cronjob_last_success,
    deployment_available,
    hpa_scaling_active,
    ingress_backends,
    job_complete,
    no_pods_in_reason,
    nodes_ready,
    pods_ready,
    pvc_bound,
    service_endpoints,
    statefulset_ready,
)
from workbench.sandbox._selectors import parse_label_selector

__all__ = ["CHECKS", "Check", "CheckReport", "CheckResult", "Fetch", "evaluate", "parse_checks"]

Fetch = Callable[[str, str | None], list[dict[str, Any]]]
"""``fetch(kind, namespace)``: the objects of `kind` (``"Pod"``...) in a namespace, or all (None)."""


@dataclass(frozen=True)
class _Rule:
    run: Callable[[Mapping[str, Any], Reader], tuple[bool, str]]
    required: Mapping[str, type]
    optional: Mapping[str, type] = field(default_factory=dict)

    def subject(self, params: Mapping[str, Any]) -> str:
        ns, name = params.get("namespace"), params.get("name")
        where = f"{ns}/{name}" if ns and name else (ns or name or "")
        extra = params.get("selector") or params.get("reason") or ""
        return " ".join(p for p in (where, extra) if p) or "cluster"


_NS_NAME = {"namespace": str, "name": str}
CHECKS: Mapping[str, _Rule] = {
    "pods_ready": _Rule(pods_ready, {"namespace": str}, {"selector": str, "min": int, "max_restarts": int}),
    "no_pods_in_reason": _Rule(no_pods_in_reason, {"reason": str}, {"namespace": str, "selector": str}),
    "deployment_available": _Rule(deployment_available, _NS_NAME, {"min": int}),
    "statefulset_ready": _Rule(statefulset_ready, _NS_NAME, {"min": int}),
    "service_endpoints": _Rule(service_endpoints, _NS_NAME, {"min": int}),
    "ingress_backends": _Rule(ingress_backends, _NS_NAME),
    "job_complete": _Rule(job_complete, _NS_NAME),
    "cronjob_last_success": _Rule(cronjob_last_success, _NS_NAME),
    "pvc_bound": _Rule(pvc_bound, _NS_NAME),
    "nodes_ready": _Rule(nodes_ready, {}, {"names": list, "min": int}),
    "hpa_scaling_active": _Rule(hpa_scaling_active, _NS_NAME),
}
"""Every check by name, with its required and optional parameters."""


@dataclass(frozen=True)
class Check:
    """One validated check: its name (a key of `CHECKS`) and parameters."""

    name: str
    params: Mapping[str, Any]

    @property
    def subject(self) -> str:
        """What it looks at: ``shop/checkout`` or ``shop app=checkout``."""
        return CHECKS[self.name].subject(self.params)


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check; `detail` says in one line what is (still) wrong, or what is right."""

    name: str
    subject: str
    passed: bool
    detail: str

    def __str__(self) -> str:
        return f"{'PASS' if self.passed else 'FAIL'} {self.name} {self.subject}: {self.detail}"


@dataclass(frozen=True)
class CheckReport:
    """Every check's result, in the order the scenario lists them; `passed` when all passed."""

    passed: bool
    results: tuple[CheckResult, ...]

    @property
    def failed(self) -> tuple[CheckResult, ...]:
        return tuple(r for r in self.results if not r.passed)

    def __str__(self) -> str:
        return "\n".join(str(r) for r in self.results)


def parse_checks(specs: Any, *, source: str) -> tuple[Check, ...]:
    """Validate a ``checks`` list.

    Args:
        specs: the list from ``scenario.yaml`` (None means no checks).
        source: the file or scenario named in errors.

    Raises:
        ScenarioError: not a list of one-key mappings, an unknown check (the message lists the known
            ones), a missing or unknown parameter, a parameter of the wrong type, or a bad selector.
    """
    if specs is None:
        return ()
    if not isinstance(specs, list):
        raise ScenarioError("checks must be a list of {<check>: {parameters}} mappings", source=source)
    return tuple(_parse_one(spec, index, source) for index, spec in enumerate(specs, start=1))


def _parse_one(spec: Any, index: int, source: str) -> Check:
    where = f"checks[{index}]"
    if isinstance(spec, Check):
        return spec
    if not isinstance(spec, Mapping) or len(spec) != 1:
        raise ScenarioError(f"{where}: expected one {{<check>: {{parameters}}}} mapping", source=source)
    name, raw = next(iter(spec.items()))
    params: Any = {} if raw is None else raw
    rule = CHECKS.get(name)
    if rule is None:
        known = ", ".join(sorted(CHECKS))
        raise ScenarioError(f"{where}: unknown check {name!r}; known checks: {known}", source=source)
    if not isinstance(params, Mapping):
        raise ScenarioError(f"{where}.{name}: parameters must be a mapping", source=source)
    allowed = {**rule.required, **rule.optional}
    for key in rule.required:
        if key not in params:
            raise ScenarioError(f"{where}.{name}: missing parameter {key!r}", source=source)
    for key, value in params.items():
        expected = allowed.get(key)
        if expected is None:
            known = ", ".join(sorted(allowed)) or "none"
            raise ScenarioError(
                f"{where}.{name}: unknown parameter {key!r}; {name} takes: {known}", source=source
            )
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise ScenarioError(
                f"{where}.{name}.{key}: expected {expected.__name__}, got {value!r}", source=source
            )
        if isinstance(value, int) and key in ("min", "max_restarts") and value < 0:
            raise ScenarioError(f"{where}.{name}.{key}: must be 0 or more, not {value}", source=source)
    if "selector" in params:
        try:
            parse_label_selector(params["selector"])
        except SandboxApiError as exc:
            raise ScenarioError(f"{where}.{name}.selector: {exc.message}", source=source) from None
    if "names" in params and not all(isinstance(n, str) for n in params["names"]):
        raise ScenarioError(f"{where}.{name}.names: expected a list of node names", source=source)
    return Check(str(name), dict(params))


def evaluate(checks: Iterable[Check | Mapping[str, Any]], fetch: Fetch) -> CheckReport:
    """Run checks against the objects `fetch` returns (each kind and namespace is fetched once).

    Args:
        checks: parsed `Check`s, or the raw mappings of a ``checks`` list (validated first).
        fetch: ``fetch(kind, namespace)`` → plain API objects.

    Raises:
        ScenarioError: a raw check that does not validate.
    """
    parsed = parse_checks(list(checks), source="checks")
    reader = Reader(fetch)
    results = []
    for check in parsed:
        passed, detail = CHECKS[check.name].run(check.params, reader)
        results.append(CheckResult(check.name, check.subject, passed, detail))
    return CheckReport(all(r.passed for r in results), tuple(results))
