"""``fix-ingress-backend``: point an Ingress backend that names a missing Service at the existing one.

Rule: for each backend whose Service does not exist, the Services in the namespace that expose the
backend's port (its number, or its name) are the candidates; exactly one must have a name close to
the missing one (``landing`` -> ``landing-page``: see `_names`). Several close candidates, or none,
give an investigation — creating a Service is not a fix (it would select the wrong pods, or none).

The change is a JSON patch. The frames keep routes in spec order (``host/path -> service:port``),
not their indices, so the rule and path indices are rebuilt from that order (a new rule where the
host changes); every ``replace`` is preceded by a ``test`` of the current value, so if the layout
differs (a rule without paths, two rules for one host) the server refuses the whole patch and
nothing changes. Scenario ``ingress-backend``: ``landing:80`` -> ``landing-page``, which heals it.
"""

from __future__ import annotations

from typing import ClassVar

from workbench.analyzers._common import readable, records
from workbench.frames import Frames
from workbench.frames.schema import Endpoints, Ingresses, Services
from workbench.model import Action, Finding, Investigation, Plan, PlanStep
from workbench.remediation.planners import _frames as fx
from workbench.remediation.planners import _investigate as inv
from workbench.remediation.planners._names import close_names


class FixIngressBackend:
    """Re-point backends at the one existing Service closest to the missing name (module docstring)."""

    name: ClassVar[str] = "fix-ingress-backend"
    codes: ClassVar[tuple[str, ...]] = ("ingress.backend-missing",)

    def propose(self, finding: Finding, frames: Frames) -> Plan | Investigation | None:
        """A JSON patch replacing each missing Service name, or an investigation."""
        ingress = fx.row(frames, finding.ref)
        if ingress is None or not readable(frames, Services.FRAME):
            return None
        ns = finding.ref.namespace
        df = frames.services
        services = {
            str(r[Services.NAME]): r for r in records(df[(df[Services.NAMESPACE] == ns).to_numpy(dtype=bool)])
        }
        routes = [str(r) for r in ingress[Ingresses.ROUTES] or []]
        pointers = _pointers(routes)
        ops: list[dict[str, object]] = []
        chosen: list[tuple[str, str, str]] = []
        for backend in ingress[Ingresses.BACKENDS] or []:
            old, _, port = str(backend).rpartition(":")
            if old in services:
                continue
            exposing = [name for name, svc in services.items() if _exposes(svc, port)]
            close = close_names(old, exposing)
            if len(close) != 1:
                return _investigate(finding, old, port, close, sorted(services))
            new = close[0]
            chosen.append((old, port, new))
            for route, pointer in zip(routes, pointers, strict=True):
                if route.rpartition(" -> ")[2] == backend and pointer:
                    ops += [
                        {"op": "test", "path": pointer, "value": old},
                        {"op": "replace", "path": pointer, "value": new},
                    ]
        if not ops:
            return None
        target = fx.ref(frames, "Ingress", ns, finding.ref.name)
        what = "; ".join(f"{old}:{port} -> {new}" for old, port, new in chosen)
        step = PlanStep(
            Action.PATCH,
            target,
            {"patch_type": "json", "patch": ops},
            f"Point {fx.describe(target)}'s backend "
            + ", ".join(f"{old}:{port} at Service {new}" for old, port, new in chosen)
            + ", the existing Service with the closest name that exposes the port",
            finding.id,
        )
        ready = [f"{new} has {_ready(frames, ns, new)} ready endpoint address(es)" for _, _, new in chosen]
        return Plan(
            f"Fix the backend Service name in {fx.describe(target)} ({what})",
            (step,),
            findings=(finding.id,),
            notes=(
                "Each replace is preceded by a test of the current value: if the Ingress's rules are laid "
                "out differently than the frames suggest, the server refuses the whole patch and nothing "
                "changes.",
                "Watch `kubectl describe ingress` list endpoints for the backend; " + "; ".join(ready) + ".",
            ),
        )


def _pointers(routes: list[str]) -> list[str]:
    """The JSON pointer of each route's backend service name (rules rebuilt from host changes)."""
    out = []
    rule, path, host = -1, -1, None
    for route in routes:
        where, _, backend = route.partition(" -> ")
        if where == "default":
            out.append("/spec/defaultBackend/service/name")
            continue
        here = where.split("/", 1)[0]
        if here != host:
            rule, path, host = rule + 1, 0, here
        else:
            path += 1
        # A resource backend ("Kind/name") takes a path slot but has no service name to replace.
        out.append("" if "/" in backend else f"/spec/rules/{rule}/http/paths/{path}/backend/service/name")
    return out


def _exposes(service: fx.Row, port: str) -> bool:
    """Whether ``service`` defines ``port`` (a number matches spec.ports[].port, a name its name)."""
    if port.isdigit():
        return any(str(p).split("/", 1)[0].split(":", 1)[0] == port for p in service[Services.PORTS] or [])
    return port in (service[Services.PORT_NAMES] or [])


def _ready(frames: Frames, namespace: str, name: str) -> int:
    found = records(fx.rows_of(frames.endpoints, namespace, name))
    return fx.number(found[0][Endpoints.READY_ADDRESSES]) if found else 0


def _investigate(
    finding: Finding, old: str, port: str, close: list[str], existing: list[str]
) -> Investigation:
    ns = finding.ref.namespace
    if close:
        why = (
            f"several Services exposing port {port} have names close to {old} ({', '.join(close)}): "
            "decide which one"
        )
    else:
        here = ", ".join(existing) or "none"
        why = f"no Service exposing port {port} has a name close to {old} (Services here: {here})"
    checks = [
        f"The Ingress routes to Service {old}, which does not exist in {ns}; {why}.",
        "Check which Service selects the pods that should serve these routes (its selector against the "
        "pods' labels) and that it has ready endpoints.",
        "Then fix the backend's service name (and port) in the Ingress; creating a Service named "
        f"{old} only helps if its selector matches those pods.",
    ]
    commands = [
        inv.describe(finding.ref),
        inv.kubectl("get", "services", "-n", ns, "-o", "wide"),
        inv.kubectl("get", "endpoints", "-n", ns),
    ]
    return inv.investigation(
        f"Find the Service {finding.ref.name}'s backend {old} should use", finding, checks, commands
    )
