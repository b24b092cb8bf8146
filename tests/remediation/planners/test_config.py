"""repoint-config-key and add-missing-env: key names only, exactly one match, else investigate."""

from __future__ import annotations

from tests.analyzers.pods.objects import configmap, log_text, node, pod, secret, status, terminated, waiting
from tests.remediation.planners.objects import Obj, bundle, deployment, finding_of, owned, replicaset
from workbench.frames import Frames
from workbench.model import Evidence, Finding, Investigation, ObjectRef, Plan, Severity
from workbench.remediation.planners import propose
from workbench.remediation.planners.config_key import RepointConfigKey
from workbench.remediation.planners.missing_env import AddMissingEnv


def config_pod(
    message: str, name: str = "web-7d9f8c6b5-a1", owner: tuple[str, str] = ("ReplicaSet", "web-7d9f8c6b5")
) -> Obj:
    return pod(
        name,
        owner=owner,
        statuses=[status(ready=False, state=waiting("CreateContainerConfigError", message))],
    )


def web(*objects: Obj, pulled: tuple[str, ...] = ("configmaps", "secrets")) -> Frames:
    return bundle(
        deployment("web"), replicaset("web-7d9f8c6b5", "web"), node("node-1"), *objects, pulled=pulled
    )


MISSING = "couldn't find key SMTP_HOST in ConfigMap shop/mailer-config"


def test_a_renamed_key_is_read_under_its_one_close_new_name() -> None:
    frames = web(config_pod(MISSING), configmap("shop", "mailer-config", ["SMTP_HOSTNAME", "SMTP_PORT"]))
    plan = propose(finding_of(frames, "pod.config-error"), frames)
    assert isinstance(plan, Plan)
    (step,) = plan.steps
    assert (step.action.value, str(step.target), dict(step.params)) == (
        "set-env",
        "Deployment shop/web",
        {
            "container": "app",
            "env": [
                {
                    "name": "SMTP_HOST",
                    "valueFrom": {"configMapKeyRef": {"name": "mailer-config", "key": "SMTP_HOSTNAME"}},
                }
            ],
        },
    )
    assert any(
        n.startswith("Assumed: the env entry that reads key SMTP_HOST is named SMTP_HOST") for n in plan.notes
    )


def test_two_close_names_are_an_ambiguity_not_a_guess() -> None:
    frames = web(
        config_pod(MISSING),
        configmap("shop", "mailer-config", ["SMTP_HOSTNAME", "SMTP_HOST_NAME", "SMTP_PORT"]),
    )
    look = propose(finding_of(frames, "pod.config-error"), frames)
    assert isinstance(look, Investigation)
    assert (
        "Several keys are close to SMTP_HOST (SMTP_HOSTNAME, SMTP_HOST_NAME): decide which one holds the "
        "setting." in look.checks
    )
    assert "kubectl describe configmap mailer-config -n shop" in look.commands


def test_keys_renamed_beyond_recognition_get_an_investigation_listing_them() -> None:
    message = "couldn't find key POSTGRES_USER in Secret shop/db-credentials"
    frames = web(config_pod(message), secret("shop", "db-credentials", ["username", "password"]))
    look = RepointConfigKey().propose(finding_of(frames, "pod.config-error"), frames)
    assert isinstance(look, Investigation)
    assert look.checks[1].startswith("Its keys are password, username; none is a rename of POSTGRES_USER.")
    assert "kubectl describe secret db-credentials -n shop" in look.commands


def test_a_missing_object_gets_an_investigation() -> None:
    frames = web(config_pod('configmap "mailer-config" not found'))
    look = propose(finding_of(frames, "pod.config-error"), frames)
    assert isinstance(look, Investigation)
    assert look.title == "Find or recreate ConfigMap shop/mailer-config"


def test_an_unread_kind_is_not_taken_for_a_missing_key() -> None:
    message = "couldn't find key password in Secret shop/db-credentials"
    frames = web(config_pod(message), pulled=("configmaps",))
    look = RepointConfigKey().propose(finding_of(frames, "pod.config-error"), frames)
    assert isinstance(look, Investigation)
    assert "is not in the frames (it does not exist, or its kind could not be read)" in look.checks[1]


def test_a_statefulsets_broken_pod_is_deleted_after_the_template_is_fixed() -> None:
    frames = bundle(
        owned("StatefulSet", "db", replicas=1),
        config_pod(MISSING, "db-0", ("StatefulSet", "db")),
        configmap("shop", "mailer-config", ["SMTP_HOSTNAME"]),
        node("node-1"),
    )
    plan = propose(finding_of(frames, "pod.config-error"), frames)
    assert isinstance(plan, Plan)
    assert [(s.action.value, str(s.target), s.target.api_version) for s in plan.steps] == [
        ("set-env", "StatefulSet shop/db", "apps/v1"),
        ("delete-pod", "Pod shop/db-0", "v1"),
    ]


CRASH = [status(ready=False, restarts=6, state=waiting("CrashLoopBackOff"), last=terminated(1))]
FATAL = (
    '{"level":"fatal","msg":"invalid configuration",'
    '"error":"required environment variable DATABASE_URL is not set"}'
)


def crashing(*objects: Obj, lines: tuple[str, ...] = (FATAL,)) -> Frames:
    p = pod("web-7d9f8c6b5-a1", statuses=CRASH)
    logs = [("shop", "web-7d9f8c6b5-a1", "app", True, log_text(*lines))]
    return bundle(
        deployment("web"),
        replicaset("web-7d9f8c6b5", "web"),
        p,
        node("node-1"),
        *objects,
        logs=logs,
        pulled=("configmaps", "secrets"),
    )


def test_a_variable_the_log_says_is_missing_comes_from_the_one_secret_that_has_it() -> None:
    frames = crashing(secret("shop", "web-db", ["DATABASE_URL"]), configmap("shop", "web", ["LOG_LEVEL"]))
    plan = propose(finding_of(frames, "pod.crashloop"), frames)
    assert isinstance(plan, Plan)
    (step,) = plan.steps
    assert dict(step.params) == {
        "container": "app",
        "env": [
            {"name": "DATABASE_URL", "valueFrom": {"secretKeyRef": {"name": "web-db", "key": "DATABASE_URL"}}}
        ],
    }
    assert (
        step.title
        == "Set DATABASE_URL in container app of deployment shop/web from key DATABASE_URL of Secret "
        "shop/web-db"
    )


def test_two_objects_with_the_key_get_an_investigation() -> None:
    frames = crashing(secret("shop", "web-db", ["DATABASE_URL"]), configmap("shop", "web", ["DATABASE_URL"]))
    look = propose(finding_of(frames, "pod.crashloop"), frames)
    assert isinstance(look, Investigation)
    assert any(
        "Several objects in shop have a key DATABASE_URL (ConfigMap web, Secret web-db)" in c
        for c in look.checks
    )


def test_no_object_with_the_key_gets_an_investigation() -> None:
    frames = crashing(configmap("shop", "web", ["LOG_LEVEL"]))
    look = propose(finding_of(frames, "pod.crashloop"), frames)
    assert isinstance(look, Investigation)
    assert any(c.startswith("No ConfigMap or Secret in shop has a key DATABASE_URL") for c in look.checks)


def test_the_log_line_a_finding_quotes_is_evidence_enough_without_a_logs_frame() -> None:
    frames = bundle(
        deployment("web"),
        replicaset("web-7d9f8c6b5", "web"),
        pod("web-7d9f8c6b5-a1", statuses=CRASH),
        secret("shop", "web-db", ["DATABASE_URL"]),
        node("node-1"),
    )
    finding = Finding(
        "pod.crashloop",
        Severity.ERROR,
        ObjectRef("Pod", "shop", "web-7d9f8c6b5-a1"),
        "crash-looping",
        evidence=(Evidence("log", "log app (previous)", "panic: DATABASE_URL must be set"),),
    )
    plan = AddMissingEnv().propose(finding, frames)
    assert isinstance(plan, Plan)
    assert dict(plan.steps[0].params)["env"] == [
        {"name": "DATABASE_URL", "valueFrom": {"secretKeyRef": {"name": "web-db", "key": "DATABASE_URL"}}}
    ]


def test_a_log_that_names_no_variable_is_not_this_planners() -> None:
    frames = crashing(
        secret("shop", "web-db", ["DATABASE_URL"]), lines=("panic: runtime error: index out of range",)
    )
    assert AddMissingEnv().propose(finding_of(frames, "pod.crashloop"), frames) is None
