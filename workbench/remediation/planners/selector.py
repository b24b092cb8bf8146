"""``fix-service-selector``: correct a Service selector that matches no pod but nearly matches one
workload's labels.

Rule: each selector label that no live pod in the namespace carries is replaced by the one value of
that label key, among the live pods, that is close to it (``order-api`` -> ``orders-api``: see
`_names`). The corrected selector must select live pods, and all of them must belong to one
workload: then the selector is that workload's labels as far as the Service asked. A label key no
pod carries, no close value, several close values, or a corrected selector spanning several
workloads give an investigation. Scenario ``service-selector``: app=order-api -> app=orders-api,
the orders-api Deployment's pods, which heals it.
"""

from __future__ import annotations

from typing import ClassVar

from workbench.analyzers._common import records
from workbench.frames import Frames
from workbench.frames.schema import Pods, Services
from workbench.model import Action, Finding, Investigation, ObjectRef, Plan, PlanStep
from workbench.remediation.planners import _frames as fx
from workbench.remediation.planners import _investigate as inv
from workbench.remediation.planners._names import close_names


class FixServiceSelector:
    """Replace mistyped selector values with the one close value live pods carry (module docstring)."""

    name: ClassVar[str] = "fix-service-selector"
    codes: ClassVar[tuple[str, ...]] = ("service.no-endpoints",)

    def propose(self, finding: Finding, frames: Frames) -> Plan | Investigation | None:
        """A set-service-selector step, or an investigation."""
        svc = fx.row(frames, finding.ref)
        if svc is None or not isinstance(svc[Services.SELECTOR], dict) or not svc[Services.SELECTOR]:
            return None
        old: dict[str, str] = {str(k): str(v) for k, v in svc[Services.SELECTOR].items()}
        ns = finding.ref.namespace
        df = frames.pods
        pods = fx.live(records(df[(df[Pods.NAMESPACE] == ns).to_numpy(dtype=bool)]))
        labels = [p[Pods.LABELS] if isinstance(p[Pods.LABELS], dict) else {} for p in pods]
        new = dict(old)
        problems = []
        for key, value in sorted(old.items()):
            if any(have.get(key) == value for have in labels):
                continue
            values = {str(have[key]) for have in labels if key in have}
            close = close_names(value, values)
            if len(close) != 1:
                problems.append(_why(key, value, values, close))
            else:
                new[key] = close[0]
        if new == old and not problems:
            return None  # every label is carried by some pod: not a typo this planner can fix
        chosen = [p for p, have in zip(pods, labels, strict=True) if new.items() <= have.items()]
        owners = sorted(
            {
                fx.workload(frames, fx.ref(frames, "Pod", ns, str(p[Pods.NAME])))
                or ObjectRef("Pod", ns, str(p[Pods.NAME]))
                for p in chosen
            }
        )
        if problems or not chosen or len(owners) != 1:
            if not problems:
                problems.append(
                    f"the corrected selector {_text(new)} selects "
                    + (
                        f"pods of several workloads ({', '.join(str(o) for o in owners)})"
                        if chosen
                        else "no pod"
                    )
                )
            return _investigate(finding, old, problems)
        owner = owners[0]
        target = fx.ref(frames, "Service", ns, finding.ref.name)
        ready = sum(bool(p[Pods.READY]) for p in chosen)
        step = PlanStep(
            Action.SET_SERVICE_SELECTOR,
            target,
            {"selector": new},
            f"Select {_text(new)} instead of {_text(old)} in {fx.describe(target)}, the labels of "
            f"{fx.describe(owner)}'s pods",
            finding.id,
        )
        return Plan(
            f"Fix the selector of {fx.describe(target)}",
            (step,),
            findings=(finding.id,),
            notes=(
                f"The new selector matches {len(chosen)} pod(s) of {fx.describe(owner)}, {ready} of them "
                f"ready: watch `kubectl get endpoints {target.name} -n {ns}` fill.",
                "If the pods' labels are the typo rather than the Service's selector, reject this plan and "
                "fix the pod template instead.",
            ),
        )


def _text(selector: dict[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(selector.items()))


def _why(key: str, value: str, values: set[str], close: list[str]) -> str:
    if not values:
        return f"no live pod carries a label {key} at all"
    if close:
        return f"several values of {key} are close to {value} ({', '.join(close)})"
    return f"no value of {key} on the pods ({', '.join(sorted(values))}) is close to {value}"


def _investigate(finding: Finding, selector: dict[str, str], problems: list[str]) -> Investigation:
    ns = finding.ref.namespace
    checks = [
        f"The Service selects {_text(selector)}, which no pod carries; " + "; ".join(problems) + ".",
        "Find the pods that should serve it (kubectl get pods --show-labels) and compare their labels with "
        "the selector; fix whichever side has the mistake.",
    ]
    commands = [
        inv.describe(finding.ref),
        inv.kubectl("get", "pods", "-n", ns, "--show-labels"),
        inv.kubectl("get", "endpoints", finding.ref.name, "-n", ns),
    ]
    return inv.investigation(
        f"Find which pods {fx.describe(finding.ref)} should select", finding, checks, commands
    )
