"""Ingresses whose routes lead nowhere: a missing Service or port, a backend with no ready pod, a
TLS secret that does not exist or holds no certificate.

Backends are judged only when the services frame was read (likewise secrets for TLS): a read-only
user is often denied Secrets, and an unread frame must not look like missing objects.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, ClassVar

from workbench.analyzers._common import readable, records, text
from workbench.analyzers.base import DOCS
from workbench.analyzers.network._index import ServiceIndex, closest, few, target_ports
from workbench.frames import Frames
from workbench.frames.schema import Ingresses, Secrets, Services
from workbench.model import Evidence, Finding, ObjectRef, Severity

DOCS_URL = f"{DOCS}concepts/services-networking/ingress/"
TLS_KEYS = ("tls.crt", "tls.key")
"""The keys an ingress controller reads from a TLS secret."""


class IngressAnalyzer:
    """Ingress backends and TLS secrets that do not exist or cannot serve."""

    name: ClassVar[str] = "ingress"
    codes: ClassVar[tuple[str, ...]] = (
        "ingress.backend-missing",
        "ingress.backend-port-missing",
        "ingress.backend-unavailable",
        "ingress.tls-secret-missing",
        "ingress.tls-secret-invalid",
    )

    def analyze(self, frames: Frames) -> Iterable[Finding]:
        """One finding per Ingress and kind of failure (every broken backend or secret in it)."""
        ingresses = records(frames.ingresses)
        if not ingresses:
            return []
        services = ServiceIndex(frames)
        secrets = _secrets(
            frames, {str(r[Ingresses.NAMESPACE]) for r in ingresses if r[Ingresses.TLS_SECRETS]}
        )
        out: list[Finding] = []
        for row in ingresses:
            ref = ObjectRef(
                "Ingress", str(row[Ingresses.NAMESPACE]), str(row[Ingresses.NAME]), text(row[Ingresses.UID])
            )
            if services.readable:
                out.extend(_backends(ref, row, services))
            if secrets is not None:
                out.extend(_tls(ref, row, secrets))
        return out


def _backends(ref: ObjectRef, row: dict[str, Any], services: ServiceIndex) -> Iterator[Finding]:
    routes: list[str] = list(row[Ingresses.ROUTES] or [])
    missing: list[str] = []
    bad_port: list[tuple[str, str, dict[str, Any]]] = []
    unavailable: list[tuple[str, ObjectRef, str]] = []
    for backend in row[Ingresses.BACKENDS] or []:
        name, _, port = str(backend).rpartition(":")
        svc = services.get(ref.namespace, name)
        if svc is None:
            if name not in missing:
                missing.append(name)
            continue
        if svc[Services.TYPE] == "ExternalName":
            continue  # a DNS alias: the port is the external host's, nothing here to check
        if port and not _has_port(svc, port):
            bad_port.append((name, port, svc))
            continue
        readiness = services.readiness(ref.namespace, name)
        svc_ref = ObjectRef("Service", ref.namespace, name, text(svc[Services.UID]))
        if readiness.known and readiness.ready == 0 and svc_ref not in [u[1] for u in unavailable]:
            unavailable.append((name, svc_ref, f"{readiness.ready} ready, {readiness.not_ready} not ready"))
    if missing:
        yield _missing(ref, routes, missing, services.names_in(ref.namespace))
    if bad_port:
        yield _bad_port(ref, routes, bad_port)
    if unavailable:
        evidence = [Evidence("field", "endpoints", counts, svc) for _, svc, counts in unavailable]
        evidence += [Evidence("spec", "route", r) for r in _routes_to(routes, [u[0] for u in unavailable])]
        names = few([u[0] for u in unavailable])
        yield Finding(
            "ingress.backend-unavailable",
            Severity.ERROR,
            ref,
            f"Ingress {ref.namespace}/{ref.name} routes to Service {names}, which has no ready endpoints",
            evidence=tuple(evidence),
            explanation=(
                "The Service exists but no pod behind it is ready, so the ingress controller answers "
                "these routes with 502/503. The cause is behind the Service: see its finding and the "
                "findings on its pods."
            ),
            docs_url=DOCS_URL,
            related=tuple(sorted(u[1] for u in unavailable)),
        )


def _missing(ref: ObjectRef, routes: list[str], missing: list[str], existing: list[str]) -> Finding:
    evidence = [Evidence("spec", "route", r) for r in _routes_to(routes, missing)]
    guesses: list[str] = []
    for name in missing:
        guess = closest(name, existing)
        if guess is not None:
            guesses.append(guess)
            evidence.append(
                Evidence(
                    "field", "Service with a similar name", guess, ObjectRef("Service", ref.namespace, guess)
                )
            )
    summary = f"Ingress {ref.namespace}/{ref.name} routes to Service {few(missing)}, which does not exist"
    if guesses:
        summary += f" (did you mean {', '.join(guesses)}?)"
    return Finding(
        "ingress.backend-missing",
        Severity.ERROR,
        ref,
        summary,
        evidence=tuple(evidence),
        explanation=(
            f"No Service named {few(missing)} exists in namespace {ref.namespace}, so the ingress "
            "controller has nowhere to send these routes and answers 503 (or 404). Fix the backend's "
            "service name in the Ingress (a renamed or mistyped Service is the usual cause), or create "
            "the Service."
        ),
        docs_url=DOCS_URL,
        planners=("fix-ingress-backend",),
        related=tuple(ObjectRef("Service", ref.namespace, name) for name in sorted(missing)),
    )


def _bad_port(ref: ObjectRef, routes: list[str], bad: list[tuple[str, str, dict[str, Any]]]) -> Finding:
    evidence: list[Evidence] = []
    for name, port, svc in bad:
        svc_ref = ObjectRef("Service", ref.namespace, name, text(svc[Services.UID]))
        evidence.append(Evidence("spec", "backend", f"{name}:{port}"))
        evidence.append(
            Evidence("spec", "spec.ports", ", ".join(svc[Services.PORTS] or []) or "none", svc_ref)
        )
    evidence += [Evidence("spec", "route", r) for r in _routes_to(routes, [b[0] for b in bad])]
    wanted = few([f"{name}:{port}" for name, port, _ in bad])
    return Finding(
        "ingress.backend-port-missing",
        Severity.ERROR,
        ref,
        f"Ingress {ref.namespace}/{ref.name} routes to {wanted}, a port the Service does not define",
        evidence=tuple(evidence),
        explanation=(
            "The backend names a Service port (number or name) that the Service does not have, so the "
            "ingress controller cannot forward these routes. Use one of the Service's ports in the "
            "Ingress, or add the port to the Service."
        ),
        docs_url=DOCS_URL,
        planners=(),
    )


def _tls(
    ref: ObjectRef, row: dict[str, Any], secrets: dict[tuple[str, str], dict[str, Any]]
) -> Iterator[Finding]:
    missing: list[str] = []
    invalid: list[tuple[str, dict[str, Any]]] = []
    for name in row[Ingresses.TLS_SECRETS] or []:
        secret = secrets.get((ref.namespace, str(name)))
        if secret is None:
            missing.append(str(name))
        elif not set(TLS_KEYS) <= set(secret[Secrets.KEYS] or []):
            invalid.append((str(name), secret))
    hosts = ", ".join(row[Ingresses.HOSTS] or []) or "*"
    if missing:
        yield Finding(
            "ingress.tls-secret-missing",
            Severity.ERROR,
            ref,
            f"Ingress {ref.namespace}/{ref.name} uses TLS secret {few(missing)}, which does not exist",
            evidence=(
                *(Evidence("spec", "spec.tls[].secretName", name) for name in missing),
                Evidence("spec", "spec.rules[].host", hosts),
            ),
            explanation=(
                "The certificate secret the Ingress names is not in its namespace, so the ingress "
                "controller serves its default (self-signed) certificate and HTTPS clients reject it. "
                "Create the secret (or let cert-manager issue it: check its Certificate), or point "
                "spec.tls at the secret that holds the certificate. The secret must be in the "
                "Ingress's own namespace."
            ),
            docs_url=f"{DOCS_URL}#tls",
            planners=(),
            related=tuple(ObjectRef("Secret", ref.namespace, name) for name in sorted(missing)),
        )
    if invalid:
        yield Finding(
            "ingress.tls-secret-invalid",
            Severity.ERROR,
            ref,
            f"Ingress {ref.namespace}/{ref.name} uses TLS secret {few([n for n, _ in invalid])}, "
            "which holds no certificate",
            evidence=tuple(
                Evidence(
                    "field",
                    "secret keys",
                    f"type {text(s[Secrets.TYPE]) or '?'}, keys {', '.join(s[Secrets.KEYS] or []) or 'none'}",
                    ObjectRef("Secret", ref.namespace, n, text(s[Secrets.UID])),
                )
                for n, s in invalid
            ),
            explanation=(
                "A TLS secret must hold tls.crt and tls.key (type kubernetes.io/tls); this one does not, "
                "so the ingress controller falls back to its default certificate. Recreate it with "
                "`kubectl create secret tls`."
            ),
            docs_url=f"{DOCS_URL}#tls",
            planners=(),
            related=tuple(
                sorted(ObjectRef("Secret", ref.namespace, n, text(s[Secrets.UID])) for n, s in invalid)
            ),
        )


def _has_port(svc: dict[str, Any], port: str) -> bool:
    """Whether the Service defines ``port`` (a number matches spec.ports[].port, a name its name)."""
    if port.isdigit():
        return any(p == port for p, _, _ in target_ports(svc[Services.PORTS] or []))
    return port in (svc[Services.PORT_NAMES] or [])


def _routes_to(routes: list[str], services: list[str]) -> list[str]:
    """The routes (``host/path -> service:port``) whose backend is one of ``services``."""
    wanted = set(services)
    return [r for r in routes if r.rpartition(" -> ")[2].rpartition(":")[0] in wanted]


def _secrets(frames: Frames, namespaces: set[str]) -> dict[tuple[str, str], dict[str, Any]] | None:
    """Secrets of ``namespaces`` by (namespace, name) (key names only); None when the frame was not read."""
    if not readable(frames, Secrets.FRAME):
        return None
    df = frames.secrets
    df = df[df[Secrets.NAMESPACE].isin(list(namespaces))]
    return {(str(r[Secrets.NAMESPACE]), str(r[Secrets.NAME])): r for r in records(df)}
