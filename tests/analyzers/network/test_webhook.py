"""The webhook analyzer on hand-built configurations (the sandbox serves no admissionregistration)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from tests.analyzers.network.objects import endpoints, frames_of, meta, service
from workbench.analyzers.network.webhook import WebhookAnalyzer
from workbench.frames import Frames
from workbench.model import Finding, ObjectRef, Severity


def hook(
    name: str, svc: str | None, *, policy: str | None = "Fail", url: str | None = None
) -> dict[str, Any]:
    client: dict[str, Any] = {"caBundle": "Y2E="}
    if svc is not None:
        client["service"] = {"namespace": "policy", "name": svc, "path": "/validate", "port": 443}
    if url is not None:
        client["url"] = url
    out: dict[str, Any] = {
        "name": name,
        "clientConfig": client,
        "rules": [
            {"operations": ["CREATE"], "apiGroups": [""], "apiVersions": ["v1"], "resources": ["pods"]},
        ],
        "sideEffects": "None",
        "admissionReviewVersions": ["v1"],
    }
    if policy is not None:
        out["failurePolicy"] = policy
    return out


def config(kind: str, name: str, *hooks: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": kind,
        "metadata": meta(name, ""),
        "webhooks": list(hooks),
    }


def cluster(*, validating: Sequence[dict[str, Any]] = (), mutating: Sequence[dict[str, Any]] = ()) -> Frames:
    return frames_of(
        validatingwebhooks=list(validating),
        mutatingwebhooks=list(mutating),
        services=[
            service("gatekeeper", {"app": "gatekeeper"}, namespace="policy"),
            service("injector", {"app": "injector"}, namespace="policy"),
        ],
        endpoints=[
            endpoints("gatekeeper", namespace="policy", ready=["gatekeeper-a"]),
            endpoints("injector", namespace="policy", not_ready=["injector-a"]),
        ],
    )


def analyze(frames: Frames) -> list[Finding]:
    return sorted(WebhookAnalyzer().analyze(frames), key=Finding.sort_key)


V, M = "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"
CASES: dict[str, tuple[Frames, list[tuple[str, str, Severity]]]] = {
    "healthy": (cluster(validating=[config(V, "gatekeeper", hook("check.gatekeeper.sh", "gatekeeper"))]), []),
    "missing service, fails closed": (
        cluster(validating=[config(V, "kyverno", hook("validate.kyverno.svc", "kyverno-svc"))]),
        [("webhook.service-missing", "kyverno", Severity.ERROR)],
    ),
    "missing service, policy unset defaults to Fail": (
        cluster(validating=[config(V, "kyverno", hook("validate.kyverno.svc", "kyverno-svc", policy=None))]),
        [("webhook.service-missing", "kyverno", Severity.ERROR)],
    ),
    "missing service, ignored": (
        cluster(
            validating=[config(V, "kyverno", hook("validate.kyverno.svc", "kyverno-svc", policy="Ignore"))]
        ),
        [("webhook.service-missing", "kyverno", Severity.WARNING)],
    ),
    "no ready endpoints": (
        cluster(mutating=[config(M, "injector", hook("inject.example.io", "injector"))]),
        [("webhook.no-endpoints", "injector", Severity.ERROR)],
    ),
    "external URL is not judged": (
        cluster(
            validating=[config(V, "saas", hook("saas.example.io", None, url="https://hooks.example.io/v"))]
        ),
        [],
    ),
}


@pytest.mark.parametrize(("frames", "expected"), CASES.values(), ids=CASES.keys())
def test_webhook_findings(frames: Frames, expected: list[tuple[str, str, Severity]]) -> None:
    assert [(f.code, f.ref.name, f.severity) for f in analyze(frames)] == expected


def test_one_finding_per_configuration_names_every_webhook_and_service() -> None:
    frames = cluster(
        validating=[
            config(
                V,
                "kyverno",
                hook("a.kyverno.svc", "kyverno-svc", policy="Ignore"),
                hook("b.kyverno.svc", "kyverno-svc"),
            )
        ]
    )
    [found] = analyze(frames)
    assert found.ref == ObjectRef(V, "", "kyverno", "uid--kyverno")
    assert found.severity == Severity.ERROR  # one of its webhooks fails closed
    assert found.summary == f"{V} kyverno calls Service policy/kyverno-svc, which does not exist"
    assert found.related == (ObjectRef("Service", "policy", "kyverno-svc"),)
    subjects = [e.subject for e in found.evidence]
    assert subjects[:3] == [
        "webhooks[a.kyverno.svc].clientConfig.service",
        "webhooks[a.kyverno.svc].failurePolicy",
        "webhooks[a.kyverno.svc].rules",
    ]
    assert found.evidence[0].value == "policy/kyverno-svc:443"
    assert "Fail" in found.explanation


def test_without_the_services_frame_nothing_is_judged() -> None:
    frames = frames_of(validatingwebhooks=[config(V, "kyverno", hook("validate.kyverno.svc", "kyverno-svc"))])
    assert analyze(frames) == []
