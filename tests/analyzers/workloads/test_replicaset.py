"""The replicaset analyzer: pods the API server refuses to create (quota, webhooks, service accounts,
PodSecurity), from the ReplicaFailure condition or FailedCreate events — and not once the pods exist."""

from __future__ import annotations

from pathlib import Path

import pytest

import workbench
from tests.analyzers.workloads.objects import Obj, event, found, frames_of, meta, replicaset
from workbench import sandbox
from workbench.analyzers.workloads.replicaset import ReplicaSetAnalyzer
from workbench.frames import Frames
from workbench.model import Finding, ObjectRef, Severity

QUOTA = (
    'pods "web-aaa-x1" is forbidden: exceeded quota: compute, requested: cpu=2, used: cpu=3, limited: cpu=4'
)
WEBHOOK = 'admission webhook "validate.policy.example.io" denied the request: containers must not run as root'
SERVICE_ACCOUNT = (
    'pods "web-aaa-x1" is forbidden: error looking up service account shop/builder: '
    'serviceaccount "builder" not found'
)
POD_SECURITY = (
    'pods "web-aaa-x1" is forbidden: violates PodSecurity "restricted:latest": '
    "allowPrivilegeEscalation != false"
)
RS = "ReplicaSet shop/web-aaa"


def analyze(frames: Frames) -> list[Finding]:
    return sorted(ReplicaSetAnalyzer().analyze(frames), key=Finding.sort_key)


def webhook_config(name: str, webhook: str) -> Obj:
    return {
        "metadata": meta(name, ""),
        "webhooks": [
            {
                "name": webhook,
                "clientConfig": {"service": {"namespace": "policy", "name": "validator", "port": 443}},
                "rules": [
                    {
                        "operations": ["CREATE"],
                        "apiGroups": [""],
                        "apiVersions": ["v1"],
                        "resources": ["pods"],
                    }
                ],
                "failurePolicy": "Fail",
                "sideEffects": "None",
                "admissionReviewVersions": ["v1"],
            }
        ],
    }


CASES: dict[str, tuple[Frames, list[tuple[str, str, str]]]] = {
    "all pods exist": (frames_of(replicasets=[replicaset("web-aaa", deployment="web")]), []),
    "ReplicaFailure condition": (
        frames_of(
            replicasets=[replicaset("web-aaa", deployment="web", current=0, failure=("FailedCreate", QUOTA))]
        ),
        [("replicaset.failed-create", "error", RS)],
    ),
    "FailedCreate events while pods are missing": (
        frames_of(
            replicasets=[replicaset("web-aaa", deployment="web", current=1)],
            events=[event("ReplicaSet", "web-aaa", "FailedCreate", f"Error creating: {WEBHOOK}", count=7)],
        ),
        [("replicaset.failed-create", "error", RS)],
    ),
    "old FailedCreate events once every pod exists": (
        frames_of(
            replicasets=[replicaset("web-aaa", deployment="web")],
            events=[event("ReplicaSet", "web-aaa", "FailedCreate", f"Error creating: {QUOTA}", ago=3000)],
        ),
        [],
    ),
    "a Normal event with the same reason is not a refusal": (
        frames_of(
            replicasets=[replicaset("web-aaa", deployment="web", current=1)],
            events=[event("ReplicaSet", "web-aaa", "FailedCreate", "oddly Normal", warning=False)],
        ),
        [],
    ),
    "an old revision scaled to zero": (
        frames_of(replicasets=[replicaset("web-aaa", deployment="web", replicas=0, current=0)]),
        [],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_findings(case: str) -> None:
    frames, expected = CASES[case]
    assert found(analyze(frames)) == expected


@pytest.mark.parametrize(
    ("message", "related", "words"),
    [
        (QUOTA, [ObjectRef("ResourceQuota", "shop", "compute")], "ResourceQuota compute is used up"),
        (
            WEBHOOK,
            [ObjectRef("ValidatingWebhookConfiguration", "", "policy", "uid--policy")],
            "admission webhook validate.policy.example.io",
        ),
        (SERVICE_ACCOUNT, [ObjectRef("ServiceAccount", "shop", "builder")], "ServiceAccount builder"),
        (POD_SECURITY, [ObjectRef("Namespace", "", "shop")], "Pod Security level restricted:latest"),
        ("pods is forbidden: maximum cpu usage per Container is 500m, but limit is 2", [], "LimitRange"),
        ("something else entirely", [], "Read the message"),
    ],
)
def test_the_refusal_names_its_cause(message: str, related: list[ObjectRef], words: str) -> None:
    frames = frames_of(
        replicasets=[replicaset("web-aaa", deployment="web", current=0, failure=("FailedCreate", message))],
        validatingwebhooks=[webhook_config("policy", "validate.policy.example.io")],
    )
    (finding,) = analyze(frames)
    assert list(finding.related) == related
    assert words in finding.explanation
    assert finding.evidence[1].value == f"FailedCreate: {message}"


def test_sandbox_replicaset_refused_by_quota(tmp_path: Path) -> None:
    # The sandbox has no quota admission, so the refused ReplicaSet is served as recorded (no controllers).
    manifest = tmp_path / "refused.yaml"
    manifest.write_text(
        f"""
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: billing-7c9d
  namespace: default
  labels: {{app: billing, pod-template-hash: 7c9d}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: billing, pod-template-hash: 7c9d}}}}
  template:
    metadata: {{labels: {{app: billing, pod-template-hash: 7c9d}}}}
    spec:
      containers: [{{name: app, image: "registry.example/billing:1.0"}}]
status:
  replicas: 0
  conditions:
  - type: ReplicaFailure
    status: "True"
    reason: FailedCreate
    lastTransitionTime: now-5m
    message: '{QUOTA}'
---
apiVersion: v1
kind: Event
metadata: {{name: billing-7c9d.failedcreate, namespace: default}}
involvedObject: {{kind: ReplicaSet, namespace: default, name: billing-7c9d}}
type: Warning
reason: FailedCreate
message: 'Error creating: {QUOTA}'
count: 12
firstTimestamp: now-5m
lastTimestamp: now-30s
source: {{component: replicaset-controller}}
"""
    )
    with (
        sandbox.start(scenario="healthy", control_plane=False, manifests=[manifest]) as sb,
        workbench.connect(kubeconfig=sb.kubeconfig) as cluster,
    ):
        (finding,) = analyze(cluster.frames())
    assert (finding.code, finding.severity, str(finding.ref)) == (
        "replicaset.failed-create",
        Severity.ERROR,
        "ReplicaSet default/billing-7c9d",
    )
    assert [e.subject for e in finding.evidence] == [
        "status.replicas",
        "ReplicaFailure",
        "event FailedCreate (x12)",
    ]
    assert finding.related == (ObjectRef("ResourceQuota", "default", "compute"),)
