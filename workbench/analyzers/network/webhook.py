"""Admission webhooks whose Service is missing or has no ready endpoints.

The API server calls these webhooks on every request their rules match. When the Service is gone
or no pod behind it is ready, a webhook with ``failurePolicy: Fail`` (the default) rejects those
requests (pods cannot be created, deployments cannot be updated); with ``Ignore`` each call waits
for its timeout and the policy it enforces is skipped. Webhooks that call a URL outside the cluster
cannot be judged from cluster state and are left alone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any, ClassVar

import pandas as pd

from workbench.analyzers._common import present, records, text
from workbench.analyzers.base import DOCS
from workbench.analyzers.network._index import ServiceIndex, few
from workbench.frames import Frames
from workbench.frames.schema import Services, ValidatingWebhooks
from workbench.model import Evidence, Finding, ObjectRef, Severity

DOCS_URL = f"{DOCS}reference/access-authn-authz/extensible-admission-controllers/"

_Key = tuple[str, str, str]  # configuration kind, name, uid


class WebhookAnalyzer:
    """Validating and mutating webhooks that point to a missing Service or one with no ready pod."""

    name: ClassVar[str] = "webhook"
    codes: ClassVar[tuple[str, ...]] = ("webhook.service-missing", "webhook.no-endpoints")

    def analyze(self, frames: Frames) -> Iterable[Finding]:
        """One finding per webhook configuration and failure, naming every webhook it concerns."""
        rows = [r for df in (frames.validatingwebhooks, frames.mutatingwebhooks) for r in _in_cluster(df)]
        if not rows:
            return []
        services = ServiceIndex(frames)
        if not services.readable:
            return []
        missing: dict[_Key, list[dict[str, Any]]] = defaultdict(list)
        unready: dict[_Key, list[dict[str, Any]]] = defaultdict(list)
        for row in rows:
            key = (
                str(row[ValidatingWebhooks.KIND]),
                str(row[ValidatingWebhooks.NAME]),
                text(row[ValidatingWebhooks.UID]),
            )
            namespace, name = _service(row)
            svc = services.get(namespace, name)
            if svc is None:
                missing[key].append(row)
            elif svc[Services.TYPE] != "ExternalName":
                readiness = services.readiness(namespace, name)
                if readiness.known and readiness.ready == 0:
                    unready[key].append(row)
        out = [_finding("webhook.service-missing", key, hooks) for key, hooks in missing.items()]
        out += [_finding("webhook.no-endpoints", key, hooks) for key, hooks in unready.items()]
        return out


def _in_cluster(df: pd.DataFrame) -> list[dict[str, Any]]:
    """The webhooks that call a Service (not a URL)."""
    return records(df[df[ValidatingWebhooks.SERVICE_NAME].notna()])


def _service(row: dict[str, Any]) -> tuple[str, str]:
    return text(row[ValidatingWebhooks.SERVICE_NAMESPACE]), str(row[ValidatingWebhooks.SERVICE_NAME])


def _fails_closed(row: dict[str, Any]) -> bool:
    """failurePolicy Fail; admissionregistration/v1 defaults an unset policy to Fail."""
    policy = row[ValidatingWebhooks.FAILURE_POLICY]
    return not present(policy) or str(policy) == "Fail"


def _finding(code: str, key: _Key, hooks: list[dict[str, Any]]) -> Finding:
    kind, name, uid = key
    ref = ObjectRef(kind, "", name, uid)
    closed = [h for h in hooks if _fails_closed(h)]
    services = sorted({_service(h) for h in hooks})
    where = few([f"{ns}/{svc}" for ns, svc in services])
    evidence: list[Evidence] = []
    for hook in hooks:
        webhook = str(hook[ValidatingWebhooks.WEBHOOK])
        ns, svc = _service(hook)
        port = hook[ValidatingWebhooks.SERVICE_PORT]
        target = f"{ns}/{svc}" + (f":{port}" if present(port) else "")
        evidence.append(Evidence("spec", f"webhooks[{webhook}].clientConfig.service", target))
        policy = text(hook[ValidatingWebhooks.FAILURE_POLICY]) or "Fail (default)"
        evidence.append(Evidence("spec", f"webhooks[{webhook}].failurePolicy", policy))
        rules = hook[ValidatingWebhooks.RULES] or []
        if rules:
            evidence.append(Evidence("spec", f"webhooks[{webhook}].rules", "; ".join(rules)))
    if code == "webhook.service-missing":
        problem = f"calls Service {where}, which does not exist"
        cause = "The Service the webhook calls does not exist (it was deleted, or the webhook's chart was "
        cause += "partly uninstalled)."
    else:
        problem = f"calls Service {where}, which has no ready endpoints"
        cause = (
            "No pod behind the webhook's Service is ready (see the findings on that Service and its pods)."
        )
    if closed:
        effect = (
            " Its failurePolicy is Fail, so the API server rejects every request the webhook's rules match "
            "until the webhook answers again: restore its Service and pods, or, if the webhook is no longer "
            "wanted, delete the configuration."
        )
    else:
        effect = (
            " Its failurePolicy is Ignore, so matching requests wait for the webhook's timeout and then "
            "skip it: API calls are slow and whatever the webhook enforces is not enforced."
        )
    return Finding(
        code,
        Severity.ERROR if closed else Severity.WARNING,
        ref,
        f"{kind} {name} {problem}",
        evidence=tuple(evidence),
        explanation=cause + effect,
        docs_url=DOCS_URL,
        related=tuple(ObjectRef("Service", ns, svc) for ns, svc in services),
    )
