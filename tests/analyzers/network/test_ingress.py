"""The ingress analyzer: missing backends and ports, dead backends, missing or empty TLS secrets."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.analyzers.network.objects import endpoints, frames_of, meta, service, warnings_of
from workbench.analyzers.network.ingress import IngressAnalyzer
from workbench.frames import Frames
from workbench.model import Finding, ObjectRef, Severity

WEB = {"app": "web"}


def ingress(*backends: tuple[str, int | str], tls: tuple[str, ...] = ()) -> dict[str, Any]:
    paths = []
    for i, (name, port) in enumerate(backends):
        number = {"number": port} if isinstance(port, int) else {"name": port}
        paths.append(
            {"path": f"/{i}", "pathType": "Prefix", "backend": {"service": {"name": name, "port": number}}}
        )
    spec: dict[str, Any] = {
        "ingressClassName": "nginx",
        "rules": [{"host": "shop.example", "http": {"paths": paths}}],
    }
    if tls:
        spec["tls"] = [{"hosts": ["shop.example"], "secretName": s} for s in tls]
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": meta("shop"), "spec": spec}


def secret(name: str, *keys: str, type_: str = "kubernetes.io/tls") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": meta(name),
        "type": type_,
        "data": dict.fromkeys(keys, "c2VjcmV0"),
    }


def analyze(frames: Frames) -> list[Finding]:
    return sorted(IngressAnalyzer().analyze(frames), key=Finding.sort_key)


def cluster(ing: dict[str, Any], *, ready: bool = True, **extra: list[dict[str, Any]]) -> Frames:
    objects: dict[str, list[dict[str, Any]]] = {
        "ingresses": [ing],
        "services": [service("web", WEB), service("web-admin", {"app": "admin"})],
        "endpoints": [
            endpoints("web", ready=["web-a"] if ready else [], not_ready=[] if ready else ["web-a"]),
            endpoints("web-admin", ready=["admin-a"]),
        ],
        "secrets": [secret("shop-tls", "tls.crt", "tls.key")],
    }
    objects.update(extra)
    return frames_of(**objects)


CASES: dict[str, tuple[Frames, list[tuple[str, Severity]]]] = {
    "healthy, by port number": (cluster(ingress(("web", 80), tls=("shop-tls",))), []),
    "healthy, by port name": (cluster(ingress(("web", "http"))), []),
    "missing service": (cluster(ingress(("wbe", 80))), [("ingress.backend-missing", Severity.ERROR)]),
    "missing port number": (
        cluster(ingress(("web", 8080))),
        [("ingress.backend-port-missing", Severity.ERROR)],
    ),
    "missing port name": (
        cluster(ingress(("web", "https"))),
        [("ingress.backend-port-missing", Severity.ERROR)],
    ),
    "no ready endpoints": (
        cluster(ingress(("web", 80)), ready=False),
        [("ingress.backend-unavailable", Severity.ERROR)],
    ),
    "missing TLS secret": (
        cluster(ingress(("web", 80), tls=("shop-tls", "shop-tls-2026"))),
        [("ingress.tls-secret-missing", Severity.ERROR)],
    ),
    "TLS secret without a certificate": (
        cluster(
            ingress(("web", 80), tls=("shop-tls",)), secrets=[secret("shop-tls", "password", type_="Opaque")]
        ),
        [("ingress.tls-secret-invalid", Severity.ERROR)],
    ),
    # A read-only user is often denied Secrets: an unread frame must not look like missing secrets.
    "secrets not readable": (
        frames_of(
            ingresses=[ingress(("web", 80), tls=("shop-tls",))],
            services=[service("web", WEB)],
            endpoints=[endpoints("web", ready=["web-a"])],
        ),
        [],
    ),
    "services not readable": (frames_of(ingresses=[ingress(("wbe", 80))]), []),
    "ExternalName backend": (
        cluster(ingress(("docs", 80)), services=[service("docs", None, type_="ExternalName")], endpoints=[]),
        [],
    ),
}


@pytest.mark.parametrize(("frames", "expected"), CASES.values(), ids=CASES.keys())
def test_ingress_findings(frames: Frames, expected: list[tuple[str, Severity]]) -> None:
    assert [(f.code, f.severity) for f in analyze(frames)] == expected


def test_a_missing_backend_names_the_route_and_the_closest_service() -> None:
    [found] = analyze(cluster(ingress(("web-admn", 80), ("web", 80))))
    assert (
        found.summary
        == "Ingress shop/shop routes to Service web-admn, which does not exist (did you mean web-admin?)"
    )
    assert [(e.subject, e.value) for e in found.evidence] == [
        ("route", "shop.example/0 -> web-admn:80"),
        ("Service with a similar name", "web-admin"),
    ]
    assert found.related == (ObjectRef("Service", "shop", "web-admn"),)
    assert found.planners == ("fix-ingress-backend",)


def test_a_dead_backend_relates_the_service_so_its_finding_is_the_cause() -> None:
    [found] = analyze(cluster(ingress(("web", 80)), ready=False))
    assert found.related == (ObjectRef("Service", "shop", "web", "uid-shop-web"),)
    assert found.evidence[0].value == "0 ready, 1 not ready"


def test_a_missing_tls_secret_is_named() -> None:
    [found] = analyze(cluster(ingress(("web", 80), tls=("shop-tls-2026",))))
    assert found.summary == "Ingress shop/shop uses TLS secret shop-tls-2026, which does not exist"
    assert found.related == (ObjectRef("Secret", "shop", "shop-tls-2026"),)
    assert found.docs_url.endswith("/ingress/#tls")


def test_ingress_backend_scenario(scenario: Callable[[str], Frames]) -> None:
    found = analyze(scenario("ingress-backend"))
    assert warnings_of(found) == [("ingress.backend-missing", "Ingress marketing/marketing")]
    assert "did you mean landing-page?" in found[0].summary


def test_incident_scenario_ingress_follows_the_dead_frontend(scenario: Callable[[str], Frames]) -> None:
    found = analyze(scenario("incident"))
    assert warnings_of(found) == [("ingress.backend-unavailable", "Ingress shop/shop")]
    assert [str(r) for r in found[0].related] == ["Service shop/frontend"]


def test_healthy_scenario_has_no_ingress_findings(scenario: Callable[[str], Frames]) -> None:
    assert analyze(scenario("healthy")) == []
