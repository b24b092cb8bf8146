"""pod.config-error and pod.create-error: what the container cannot be created without, and why."""

from __future__ import annotations

import pytest

from tests.analyzers.pods.conftest import Pull
from tests.analyzers.pods.objects import (
    bundle,
    configmap,
    event,
    pod,
    run,
    secret,
    status,
    summary,
    waiting,
)
from workbench.analyzers.pods.config_error import ConfigError
from workbench.model import ObjectRef


def config_error(message: str) -> dict[str, object]:
    return pod(
        "mailer-1",
        statuses=[status(ready=False, state=waiting("CreateContainerConfigError", message))],
        ready_since=600,
    )


@pytest.mark.parametrize(
    ("message", "objects", "related", "planner", "fact"),
    [
        (
            "couldn't find key SMTP_HOST in ConfigMap shop/mailer-config",
            [configmap("shop", "mailer-config", ["SMTP_PORT", "FROM"])],
            ObjectRef("ConfigMap", "shop", "mailer-config"),
            "repoint-config-key",
            ("keys", "FROM, SMTP_PORT"),
        ),
        (
            'configmap "mailer-config" not found',
            [],
            ObjectRef("ConfigMap", "shop", "mailer-config"),
            "rollout-undo",
            ("exists", "no"),
        ),
        (
            "couldn't find key password in Secret shop/mailer-smtp",
            [secret("shop", "mailer-smtp", ["username"])],
            ObjectRef("Secret", "shop", "mailer-smtp"),
            "repoint-config-key",
            ("keys", "username"),
        ),
        (
            'secret "mailer-smtp" not found',
            [],
            ObjectRef("Secret", "shop", "mailer-smtp"),
            "rollout-undo",
            ("exists", "no"),
        ),
    ],
)
def test_the_missing_object_or_key_is_parsed_into_related(
    message: str, objects: list[dict[str, object]], related: ObjectRef, planner: str, fact: tuple[str, str]
) -> None:
    frames = bundle(config_error(message), *objects, pulled=["configmaps", "secrets"])
    (finding,) = run(ConfigError, frames)
    assert (finding.code, str(finding.severity)) == ("pod.config-error", "error")
    assert finding.related == (related,)
    assert finding.planners[0] == planner
    assert (fact[0], fact[1], related) in [(e.subject, e.value, e.ref) for e in finding.evidence]
    assert finding.docs_url.endswith("/secret/" if related.kind == "Secret" else "/configure-pod-configmap/")


def test_when_secrets_were_not_read_the_bundle_says_so() -> None:
    (finding,) = run(
        ConfigError, bundle(config_error("couldn't find key password in Secret shop/mailer-smtp"))
    )
    assert ("exists", "not checked: secrets were not read") in [
        (e.subject, e.value) for e in finding.evidence
    ]


def test_a_volume_naming_a_missing_configmap_is_a_config_error_after_two_minutes() -> None:
    p = pod(
        "app-1",
        phase="Pending",
        created=300,
        statuses=[status(ready=False, state=waiting("ContainerCreating"))],
    )
    mount = event(
        p,
        "FailedMount",
        'MountVolume.SetUp failed for volume "cfg" : configmap "app-settings" not found',
        count=5,
    )
    (finding,) = run(ConfigError, bundle(p, mount))
    assert finding.related == (ObjectRef("ConfigMap", "shop", "app-settings"),)
    assert "a volume cannot be mounted: ConfigMap shop/app-settings does not exist" in finding.summary
    young = pod(
        "app-1",
        phase="Pending",
        created=60,
        statuses=[status(ready=False, state=waiting("ContainerCreating"))],
    )
    assert run(ConfigError, bundle(young, event(young, "FailedMount", mount["message"]))) == []


def test_create_errors() -> None:
    p = pod(
        "app-1",
        statuses=[
            status(
                ready=False,
                state=waiting("CreateContainerError", 'exec: "serve": executable file not found in $PATH'),
            )
        ],
    )
    sandbox = pod(
        "app-2",
        phase="Pending",
        created=600,
        statuses=[status(ready=False, state=waiting("ContainerCreating"))],
    )
    cni = event(
        sandbox,
        "FailedCreatePodSandBox",
        'Failed to create pod sandbox: plugin type="calico" failed (add): no IPs available',
        count=9,
    )
    findings = run(ConfigError, bundle(p, sandbox, cni))
    assert summary(findings) == [
        ("pod.create-error", "app-1", "error"),
        ("pod.create-error", "app-2", "error"),
    ]
    assert "CreateContainerError" in findings[0].summary
    assert "sandbox cannot be created on node node-1" in findings[1].summary
    assert findings[1].evidence[0].subject == "event FailedCreatePodSandBox (x9)"


def test_config_error_scenario(scenario: Pull) -> None:
    (finding,) = run(ConfigError, scenario("config-error"))
    assert finding.related == (ObjectRef("ConfigMap", "notifications", "mailer-config"),)
    assert finding.summary.endswith("key SMTP_HOST is missing from ConfigMap notifications/mailer-config")
    assert finding.planners[0] == "repoint-config-key"


def test_incident_scenario_names_the_secret_and_its_keys(scenario: Pull) -> None:
    (finding,) = run(ConfigError, scenario("incident"))
    assert finding.ref == ObjectRef("Pod", "data", "postgres-0", finding.ref.uid)
    assert finding.related == (ObjectRef("Secret", "data", "postgres-credentials"),)
    assert ("keys", "password, username") in [(e.subject, e.value) for e in finding.evidence]


def test_lab_volume_with_missing_configmap(scenario: Pull) -> None:
    findings = [f for f in run(ConfigError, scenario("healthy", manifest="lab")) if f.ref.namespace == "lab"]
    assert summary(findings) == [("pod.config-error", "needs-config", "error")]
    assert findings[0].related == (ObjectRef("ConfigMap", "lab", "app-settings"),)
