"""Policy frames (hpas, pdbs, namespaces, validating and mutating webhooks) from real scenarios."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from tests.frames.conftest import SandboxSource
from tests.frames.helpers import frames_of, kubectl, row
from workbench import sandbox as sandbox_pkg
from workbench.frames import schema
from workbench.frames._pull import pull
from workbench.frames._registry import builder_for
from workbench.sources._kinds import builtin


@pytest.fixture(scope="module")
def hpa_sandbox() -> Iterator[sandbox_pkg.Sandbox]:
    with sandbox_pkg.start(scenario="hpa-no-metrics", manual_clock=True) as sb:
        sb.advance(30)
        yield sb


def test_hpa_without_cpu_requests_is_not_scaling_active(hpa_sandbox: sandbox_pkg.Sandbox) -> None:
    hpas = frames_of(hpa_sandbox, "hpas")["hpas"]
    hpa = row(hpas, "gateway", "edge-gateway")
    assert (hpa["kind"], hpa["target_kind"], hpa["target_name"]) == (
        "HorizontalPodAutoscaler",
        "Deployment",
        "edge-gateway",
    )
    assert (hpa["min_replicas"], hpa["max_replicas"], hpa["current_replicas"]) == (2, 6, 2)
    assert hpa["metrics"] == ["resource/cpu utilization=70%"]
    assert hpa["current_metrics"] == []  # the controller reports type "" for a metric it cannot read
    assert (hpa["scaling_active_status"], hpa["scaling_active_reason"]) == (
        "False",
        "FailedGetResourceMetric",
    )
    assert "missing request for cpu" in hpa["scaling_active_message"]
    assert hpa["able_to_scale_status"] == "True"
    for col in ("kind", "namespace", "target_kind", "scaling_active_status", "scaling_active_reason"):
        assert isinstance(hpas[col].dtype, pd.CategoricalDtype), col
    assert str(hpas["min_replicas"].dtype) == "Int64"
    assert str(hpas["last_scale"].dtype) == "datetime64[ns, UTC]"
    assert str(hpas["scaling_active_message"].dtype) == "string"


def test_hpa_reads_its_metric_once_pods_request_cpu(tmp_path: Path) -> None:
    with sandbox_pkg.start(scenario="hpa-no-metrics", manual_clock=True) as sb:
        kubectl(
            sb,
            tmp_path,
            "-n",
            "gateway",
            "set",
            "resources",
            "deployment/edge-gateway",
            "--requests=cpu=200m,memory=128Mi",
        )
        sb.advance(180)
        hpa = row(frames_of(sb, "hpas")["hpas"], "gateway", "edge-gateway")
    assert (hpa["scaling_active_status"], hpa["scaling_active_reason"]) == ("True", "ValidMetricFound")
    assert len(hpa["current_metrics"]) == 1
    assert hpa["current_metrics"][0].startswith("resource/cpu utilization=")


def test_pdb_spec_and_status_columns(hpa_sandbox: sandbox_pkg.Sandbox, tmp_path: Path) -> None:
    kubectl(
        hpa_sandbox,
        tmp_path,
        "-n",
        "gateway",
        "create",
        "pdb",
        "edge",
        "--selector=app=edge-gateway",
        "--min-available=50%",
    )
    pdbs = frames_of(hpa_sandbox, "pdbs")["pdbs"]
    pdb = row(pdbs, "gateway", "edge")
    assert (pdb["kind"], pdb["min_available"], pdb["selector"]) == (
        "PodDisruptionBudget",
        "50%",
        {"app": "edge-gateway"},
    )
    assert pd.isna(pdb["max_unavailable"])
    assert pdb["selector_expressions"] == []
    for col in ("current_healthy", "desired_healthy", "disruptions_allowed", "expected_pods"):
        assert str(pdbs[col].dtype) == "Int64", col
    assert str(pdbs["min_available"].dtype) == "string"
    assert isinstance(pdbs["disruption_reason"].dtype, pd.CategoricalDtype)


def test_namespaces_are_cluster_scoped_rows(hpa_sandbox: sandbox_pkg.Sandbox) -> None:
    nss = frames_of(hpa_sandbox, "namespaces")["namespaces"]
    gateway = row(nss, "", "gateway")
    assert (gateway["kind"], gateway["phase"]) == ("Namespace", "Active")
    assert gateway["labels"] == {"team": "platform", "kubernetes.io/metadata.name": "gateway"}
    assert pd.isna(gateway["deleted"])
    assert pd.isna(gateway["message"])
    assert set(nss["namespace"]) == {""}
    assert {"default", "kube-system", "gateway"} <= set(nss["name"])
    assert isinstance(nss["phase"].dtype, pd.CategoricalDtype)
    assert str(nss["created"].dtype) == "datetime64[ns, UTC]"


def test_terminating_namespace_says_what_is_left() -> None:
    page = {
        "items": [
            {
                "metadata": {"name": "old", "uid": "u", "deletionTimestamp": "2026-01-01T00:00:00Z"},
                "status": {
                    "phase": "Terminating",
                    "conditions": [
                        {"type": "NamespaceDeletionDiscoveryFailure", "status": "False"},
                        {
                            "type": "NamespaceContentRemaining",
                            "status": "True",
                            "message": "Some resources are remaining: certificates.certs.example.com has 1",
                        },
                        {
                            "type": "NamespaceFinalizersRemaining",
                            "status": "True",
                            "message": "Some content in the namespace has finalizers remaining: certs/x in 1",
                        },
                    ],
                },
            }
        ]
    }
    kind = builtin("namespaces")
    ns = builder_for(kind)(kind, [json.dumps(page).encode()])["namespaces"].iloc[0]
    assert ns["phase"] == "Terminating"
    assert ns["deleted"] == pd.Timestamp("2026-01-01T00:00:00Z")
    assert ns["message"] == (
        "Some resources are remaining: certificates.certs.example.com has 1; "
        "Some content in the namespace has finalizers remaining: certs/x in 1"
    )


def test_webhooks_absent_from_the_sandbox_are_recorded_missing(hpa_sandbox: sandbox_pkg.Sandbox) -> None:
    frames = pull(SandboxSource(hpa_sandbox), ["validatingwebhooks", "mutatingwebhooks"])
    assert {(m.frame, m.reason) for m in frames.missing} == {
        ("validatingwebhooks", "absent"),
        ("mutatingwebhooks", "absent"),
    }
    for name in ("validatingwebhooks", "mutatingwebhooks"):
        assert len(frames[name]) == 0
        schema.validate(name, frames[name])


CONFIG = {
    "metadata": {"name": "policy-engine", "uid": "cfg-uid", "creationTimestamp": "2026-01-01T00:00:00Z"},
    "webhooks": [
        {
            "name": "validate.policy.example.com",
            "clientConfig": {
                "service": {"namespace": "policy", "name": "policy-webhook", "path": "/validate"}
            },
            "rules": [
                {
                    "operations": ["CREATE", "UPDATE"],
                    "apiGroups": [""],
                    "apiVersions": ["v1"],
                    "resources": ["pods"],
                },
                {
                    "operations": ["*"],
                    "apiGroups": ["apps"],
                    "apiVersions": ["v1"],
                    "resources": ["deployments"],
                },
            ],
            "sideEffects": "None",
            "namespaceSelector": {
                "matchLabels": {"policy": "on"},
                "matchExpressions": [
                    {"key": "kubernetes.io/metadata.name", "operator": "NotIn", "values": ["kube-system"]}
                ],
            },
        },
        {
            "name": "external.example.com",
            "clientConfig": {"url": "https://hooks.example.com/check"},
            "failurePolicy": "Ignore",
            "timeoutSeconds": 3,
            "objectSelector": {"matchLabels": {"checked": "yes"}},
            "reinvocationPolicy": "IfNeeded",
        },
    ],
}


@pytest.mark.parametrize(
    ("frame", "kind_name"),
    [
        ("validatingwebhooks", "ValidatingWebhookConfiguration"),
        ("mutatingwebhooks", "MutatingWebhookConfiguration"),
    ],
)
def test_one_row_per_webhook(frame: str, kind_name: str) -> None:
    kind = builtin(frame)
    pages = [json.dumps({"items": [CONFIG]}).encode(), b'{"items": [{"metadata": {"name": "empty"}}]}']
    df = builder_for(kind)(kind, pages)[frame]
    schema.validate(frame, df)
    assert len(df) == 2
    assert set(df["kind"]) == {kind_name}
    assert set(df["name"]) == {"policy-engine"}
    assert set(df["uid"]) == {"cfg-uid"}
    assert set(df["namespace"]) == {""}
    svc, ext = df.iloc[0], df.iloc[1]
    assert (svc["webhook"], svc["service_namespace"], svc["service_name"]) == (
        "validate.policy.example.com",
        "policy",
        "policy-webhook",
    )
    assert (svc["service_port"], svc["service_path"]) == (443, "/validate")  # the API's default port
    assert pd.isna(svc["url"])
    assert (svc["failure_policy"], svc["timeout_seconds"], svc["side_effects"]) == ("Fail", 10.0, "None")
    assert svc["rules"] == ["CREATE,UPDATE core/v1 pods", "* apps/v1 deployments"]
    assert svc["namespace_selector"] == {"policy": "on"}
    assert svc["namespace_selector_expressions"] == ["kubernetes.io/metadata.name notin (kube-system)"]
    assert (ext["url"], ext["failure_policy"], ext["timeout_seconds"]) == (
        "https://hooks.example.com/check",
        "Ignore",
        3.0,
    )
    assert pd.isna(ext["service_name"])
    assert pd.isna(ext["service_port"])
    assert ext["object_selector"] == {"checked": "yes"}
    assert ext["rules"] == []
    assert isinstance(df["failure_policy"].dtype, pd.CategoricalDtype)
    assert str(df["service_port"].dtype) == "Int64"
    if frame == "mutatingwebhooks":
        assert list(df["reinvocation_policy"].astype(object).fillna("-")) == ["-", "IfNeeded"]
    else:
        assert "reinvocation_policy" not in df.columns
