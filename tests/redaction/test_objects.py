"""`redact_object` and `redact_log`: whole objects of any kind, with the corpus placed where it hides."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from tests.redaction.corpus import NEGATIVE, POSITIVE, Case
from workbench.redaction import placeholder, redact_log, redact_object

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def place(case: Case) -> dict[str, Any]:
    """An object holding the case's text where the case says it lives."""
    if case.where == "env":
        env = [{"name": case.key or "CONFIG", "value": case.text}]
        return {"kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "a", "env": env}]}}
    if case.where == "annotation":
        return {
            "kind": "Deployment",
            "metadata": {"name": "d", "annotations": {case.key or "example.com/note": case.text}},
        }
    if case.where == "configmap":
        return {"kind": "ConfigMap", "metadata": {"name": "c"}, "data": {case.key or "app.conf": case.text}}
    if case.where == "args":
        return {"kind": "Pod", "spec": {"containers": [{"name": "a", "args": case.text.split(" ")}]}}
    assert case.where == "event"
    return {"kind": "Event", "involvedObject": {"kind": "Pod", "name": "p"}, "message": case.text}


def test_the_corpus_is_as_large_as_promised() -> None:
    assert len(POSITIVE) >= 60
    assert len(NEGATIVE) >= 20
    assert {case.where for case in POSITIVE} == {"env", "annotation", "configmap", "args", "event", "log"}


@pytest.mark.parametrize("case", POSITIVE, ids=[f"{c.where}-{i}" for i, c in enumerate(POSITIVE)])
def test_no_corpus_secret_survives_anywhere_in_the_redacted_output(case: Case) -> None:
    if case.where == "log":
        redacted = redact_log(case.text)
        assert case.secret not in redacted.text
        assert redacted.count >= 1
        return
    obj = place(case)
    out, report = redact_object(obj)
    assert case.secret not in orjson.dumps(out).decode()
    assert report.total >= 1
    assert case.secret in orjson.dumps(obj).decode(), "the input object is not changed"


@pytest.mark.parametrize("text", NEGATIVE)
@pytest.mark.parametrize("where", ["annotation", "configmap", "event", "env"])
def test_ordinary_values_stay_unchanged_in_every_place(where: str, text: str) -> None:
    obj = place(Case(where, text, ""))  # type: ignore[arg-type]
    out, report = redact_object(obj)
    assert out == obj
    assert report.total == 0


def test_a_secret_keeps_only_its_type_and_key_names() -> None:
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": "db",
            "namespace": "shop",
            "labels": {"app": "db"},
            "annotations": {LAST_APPLIED: '{"data":{"password":"aHVudGVyMg=="}}', "owner": "team-a"},
            "managedFields": [{"manager": "kubectl"}],
        },
        "type": "kubernetes.io/basic-auth",
        "data": {"username": "YWRtaW4=", "password": "aHVudGVyMg=="},
        "stringData": {"extra": "plain"},
    }
    out, report = redact_object(secret)
    assert out["type"] == "kubernetes.io/basic-auth"
    assert out["data"] == {"username": "", "password": ""}
    assert out["stringData"] == {"extra": ""}
    assert out["metadata"]["annotations"] == {"owner": "team-a"}
    assert "managedFields" not in out["metadata"]
    assert report.by_field == {"Secret.data": 2, "Secret.stringData": 1}
    assert report.by_kind == {"secret_value": 3}
    assert report.dropped == {
        f"Secret.metadata.annotations.{LAST_APPLIED}": 1,
        "Secret.metadata.managedFields": 1,
    }


def test_env_values_are_masked_by_name_or_pattern_and_references_stay() -> None:
    ref = {"secretKeyRef": {"name": "db", "key": "password"}}
    pod = {
        "kind": "Pod",
        "spec": {
            "initContainers": [{"name": "init", "env": [{"name": "API_TOKEN", "value": "tok-123"}]}],
            "containers": [
                {
                    "name": "app",
                    "env": [
                        {"name": "DB_PASSWORD", "value": "hunter2"},
                        {"name": "DB_PASSWORD_REF", "valueFrom": ref},
                        {"name": "DATABASE_URL", "value": "postgres://app:pw123@db:5432/shop"},
                        {"name": "PASSWORD_ALIAS", "value": "$(DB_PASSWORD)"},
                        {"name": "LOG_LEVEL", "value": "debug"},
                    ],
                }
            ],
        },
    }
    out, report = redact_object(pod)
    env = out["spec"]["containers"][0]["env"]
    assert env[0] == {"name": "DB_PASSWORD", "value": placeholder("password")}
    assert env[1] == {"name": "DB_PASSWORD_REF", "valueFrom": ref}
    assert env[2]["value"] == f"postgres://app:{placeholder('url_password')}@db:5432/shop"
    assert env[3]["value"] == "$(DB_PASSWORD)"
    assert env[4]["value"] == "debug"
    assert out["spec"]["initContainers"][0]["env"][0]["value"] == placeholder("token")
    assert report.by_field == {"Pod.spec.containers.env": 2, "Pod.spec.initContainers.env": 1}


def test_templates_in_workloads_and_cronjobs_are_redacted_like_pods() -> None:
    container = {
        "name": "app",
        "env": [{"name": "SECRET_KEY", "value": "s3cr3t"}],
        "args": ["--token", "t0k3n"],
    }
    cronjob = {
        "kind": "CronJob",
        "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [container]}}}}},
    }
    out, report = redact_object(cronjob)
    dumped = orjson.dumps(out).decode()
    assert "s3cr3t" not in dumped
    assert "t0k3n" not in dumped
    prefix = "CronJob.spec.jobTemplate.spec.template.spec.containers"
    assert report.by_field == {f"{prefix}.env": 1, f"{prefix}.args": 1}


def test_probe_headers_and_exec_commands_are_redacted() -> None:
    probe = {
        "httpGet": {
            "path": "/healthz",
            "httpHeaders": [{"name": "Authorization", "value": "Bearer abc123def456"}],
        },
        "exec": {"command": ["sh", "-c", "curl -H 'X-Api-Key: k3y-val' localhost"]},
    }
    out, _ = redact_object({"kind": "Pod", "spec": {"containers": [{"name": "a", "livenessProbe": probe}]}})
    dumped = orjson.dumps(out).decode()
    assert "abc123def456" not in dumped
    assert "k3y-val" not in dumped
    assert out["spec"]["containers"][0]["livenessProbe"]["httpGet"]["path"] == "/healthz"


def test_configmap_binary_data_is_dropped_and_data_masked_by_pattern() -> None:
    cm = {
        "kind": "ConfigMap",
        "data": {"app.properties": "mode=prod\ndb.password=Pr0d!\n", "password": "plain", "motd": "hello"},
        "binaryData": {"keystore.jks": "AAECAwQ="},
    }
    out, report = redact_object(cm)
    assert out["data"] == {
        "app.properties": f"mode=prod\ndb.password={placeholder('password')}\n",
        "password": placeholder("password"),
        "motd": "hello",
    }
    assert out["binaryData"] == {"keystore.jks": ""}
    assert report.dropped == {"ConfigMap.binaryData": 1}
    assert report.by_field == {"ConfigMap.data": 2}


def test_last_applied_configuration_is_redacted_as_the_object_it_holds() -> None:
    applied = {
        "kind": "Deployment",
        "spec": {
            "template": {
                "spec": {"containers": [{"name": "a", "env": [{"name": "DB_PASSWORD", "value": "hunter2"}]}]}
            }
        },
    }
    deployment = {
        "kind": "Deployment",
        "metadata": {"annotations": {LAST_APPLIED: orjson.dumps(applied).decode() + "\n"}},
    }
    out, report = redact_object(deployment)
    annotation = out["metadata"]["annotations"][LAST_APPLIED]
    assert annotation.endswith("\n")
    inner = orjson.loads(annotation)
    assert inner["spec"]["template"]["spec"]["containers"][0]["env"][0]["value"] == placeholder("password")
    assert report.by_kind == {"password": 1}


def test_status_messages_and_custom_resources_are_masked() -> None:
    pod = {
        "kind": "Pod",
        "status": {"containerStatuses": [{"lastState": {"terminated": {"message": "token=abc123xyz"}}}]},
    }
    out, _ = redact_object(pod)
    assert "abc123xyz" not in orjson.dumps(out).decode()
    custom = {
        "apiVersion": "db.example.com/v1",
        "kind": "Database",
        "metadata": {"name": "orders"},
        "spec": {"adminPassword": "cr-secret-1", "dsn": "mysql://root:cr-secret-2@db/orders", "size": "10Gi"},
    }
    out, report = redact_object(custom)
    assert out["spec"] == {
        "adminPassword": placeholder("password"),
        "dsn": f"mysql://root:{placeholder('url_password')}@db/orders",
        "size": "10Gi",
    }
    assert report.total == 2


def test_in_place_changes_the_given_object_and_a_copy_does_not() -> None:
    obj = {"kind": "Event", "message": "password=hunter2"}
    copy, _ = redact_object(obj)
    assert obj["message"] == "password=hunter2"
    same, _ = redact_object(obj, in_place=True)
    assert same is obj
    assert obj["message"] == copy["message"] == f"password={placeholder('password')}"


def test_reports_merge_and_serialize_sorted() -> None:
    _, first = redact_object({"kind": "Event", "message": "password=a1 token=b2"})
    _, second = redact_object({"kind": "Secret", "data": {"k": "dg=="}})
    first.merge(second)
    assert first.to_dict() == {
        "total": 3,
        "by_kind": {"password": 1, "secret_value": 1, "token": 1},
        "by_field": {"Event.message": 2, "Secret.data": 1},
        "dropped": {},
    }
