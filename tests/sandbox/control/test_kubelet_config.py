"""ConfigMaps, Secrets and volumes: creation errors, mount failures, healing, and what the app sees."""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import Kubectl
from tests.sandbox.control._kubelet_pods import (
    add_images,
    container,
    create,
    get,
    logs,
    pod,
    reasons,
    status_of,
    table_status,
)
from workbench import sandbox


def config_map(name: str, **data: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": "default"},
        "data": data,
    }


def secret(name: str, **data: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": "default"},
        "stringData": data,
    }


def env_from_key(kind: str, name: str, key: str) -> dict[str, Any]:
    ref = "configMapKeyRef" if kind == "ConfigMap" else "secretKeyRef"
    return {"name": key, "valueFrom": {ref: {"name": name, "key": key}}}


def test_a_missing_config_map_key_heals_when_the_key_is_added(sb: sandbox.Sandbox, kubectl: Kubectl) -> None:
    create(sb, "ConfigMap", config_map("app-config", OTHER="x"))
    api = container("api", "nginx:1.27", env=[env_from_key("ConfigMap", "app-config", "LOG_LEVEL")])
    create(sb, "Pod", pod("api", api))
    sb.advance(0)
    sb.advance(30)
    waiting = status_of(sb, "api")["state"]["waiting"]
    assert waiting == {
        "reason": "CreateContainerConfigError",
        "message": "couldn't find key LOG_LEVEL in ConfigMap default/app-config",
    }
    assert table_status(kubectl, "api") == "CreateContainerConfigError"
    assert get(sb, "api")["status"]["phase"] == "Pending"
    failed = [m for r, m in reasons(sb, "api") if r == "Failed"]
    assert failed == ["Error: couldn't find key LOG_LEVEL in ConfigMap default/app-config"]
    assert 'Container image "nginx:1.27" already present on machine' in [m for _, m in reasons(sb, "api")]
    count = next(
        e["count"]
        for e in sb.control.cluster.objects("Event", "default")
        if e["reason"] == "Failed" and e["involvedObject"]["name"] == "api"
    )
    assert count >= 2  # the pod worker keeps trying
    kubectl("patch", "configmap", "app-config", "-p", '{"data": {"LOG_LEVEL": "debug"}}')
    sb.advance(0)
    sb.advance(3)
    assert get(sb, "api")["status"]["phase"] == "Running"
    assert status_of(sb, "api")["restartCount"] == 0
    assert sb.control.errors == []


def test_missing_objects_in_env_give_the_kubelet_messages(sb: sandbox.Sandbox) -> None:
    cases = {
        "cm": [env_from_key("ConfigMap", "nope", "A")],
        "secret": [env_from_key("Secret", "db-creds", "PASSWORD")],
        "optional": [
            {"name": "A", "valueFrom": {"configMapKeyRef": {"name": "nope", "key": "A", "optional": True}}}
        ],
    }
    for name, env in cases.items():
        create(sb, "Pod", pod(name, container("api", "nginx:1.27", env=env)))
    create(sb, "Secret", secret("partial", USER="app"))
    create(
        sb,
        "Pod",
        pod("key", container("api", "nginx:1.27", env=[env_from_key("Secret", "partial", "PASSWORD")])),
    )
    create(
        sb,
        "Pod",
        pod("envfrom", container("api", "nginx:1.27", envFrom=[{"configMapRef": {"name": "settings"}}])),
    )
    sb.advance(0)
    sb.advance(10)
    messages = {
        n: status_of(sb, n)["state"].get("waiting", {}).get("message") for n in (*cases, "key", "envfrom")
    }
    assert messages == {
        "cm": 'configmap "nope" not found',
        "secret": 'secret "db-creds" not found',
        "optional": None,
        "key": "couldn't find key PASSWORD in Secret default/partial",
        "envfrom": 'configmap "settings" not found',
    }
    assert get(sb, "optional")["status"]["phase"] == "Running"
    assert sb.control.errors == []


def test_a_missing_config_map_volume_keeps_the_pod_creating(sb: sandbox.Sandbox, kubectl: Kubectl) -> None:
    api = container(
        "api",
        "busybox:1.36",
        command=["sh", "-c", "cat /etc/app/app.yaml; sleep 3600"],
        volumeMounts=[{"name": "config", "mountPath": "/etc/app"}],
    )
    create(sb, "Pod", pod("api", api, volumes=[{"name": "config", "configMap": {"name": "app-config"}}]))
    sb.advance(0)
    sb.advance(150)
    assert table_status(kubectl, "api") == "ContainerCreating"
    status = get(sb, "api")["status"]
    assert "podIP" not in status
    assert (
        next(c for c in status["conditions"] if c["type"] == "PodReadyToStartContainers")["status"] == "False"
    )
    mounts = [m for r, m in reasons(sb, "api") if r == "FailedMount"]
    assert mounts[0] == 'MountVolume.SetUp failed for volume "config" : configmap "app-config" not found'
    assert any(m.startswith("Unable to attach or mount volumes: unmounted volumes=[config]") for m in mounts)
    describe = kubectl("describe", "pod", "api").stdout
    assert re.search(r"Warning\s+FailedMount\s+.*MountVolume\.SetUp failed for volume \"config\"", describe)
    create(sb, "ConfigMap", config_map("app-config", **{"app.yaml": "replicas: 3"}))
    sb.advance(0)
    sb.advance(5)
    assert get(sb, "api")["status"]["phase"] == "Running"
    assert logs(sb, "api", "api") == ["replicas: 3"]
    assert sb.control.errors == []


def test_missing_secret_volume_and_key(sb: sandbox.Sandbox) -> None:
    create(sb, "Secret", secret("tls", **{"tls.crt": "x"}))
    volumes = [
        {"name": "creds", "secret": {"secretName": "creds"}},
        {"name": "tls", "secret": {"secretName": "tls", "items": [{"key": "tls.key", "path": "tls.key"}]}},
    ]
    create(sb, "Pod", pod("api", container("api", "nginx:1.27"), volumes=volumes))
    sb.advance(0)
    sb.advance(5)
    mounts = {m for r, m in reasons(sb, "api") if r == "FailedMount"}
    assert mounts == {
        'MountVolume.SetUp failed for volume "creds" : secret "creds" not found',
        'MountVolume.SetUp failed for volume "tls" : references non-existent secret key: tls.key',
    }


def test_required_env_and_files_from_the_app_model(sb: sandbox.Sandbox) -> None:
    add_images(
        sb,
        {
            "shop/api": {
                "ports": [8080],
                "env": ["DATABASE_URL"],
                "files": ["/etc/api/config.yaml"],
                "logs": {
                    "start": ["api starting"],
                    "missing_file": ["open {file}: no such file or directory"],
                },
            }
        },
    )
    create(sb, "ConfigMap", config_map("api-env", DATABASE_URL="postgres://db:5432/shop"))
    create(sb, "ConfigMap", config_map("api-files", **{"config.yaml": "a: 1"}))
    no_env = container("api", "shop/api:1.0")
    no_file = container("api", "shop/api:1.0", envFrom=[{"configMapRef": {"name": "api-env"}}])
    complete = container(
        "api",
        "shop/api:1.0",
        envFrom=[{"configMapRef": {"name": "api-env"}}],
        volumeMounts=[{"name": "files", "mountPath": "/etc/api"}],
    )
    create(sb, "Pod", pod("no-env", no_env))
    create(sb, "Pod", pod("no-file", no_file))
    create(
        sb, "Pod", pod("complete", complete, volumes=[{"name": "files", "configMap": {"name": "api-files"}}])
    )
    sb.advance(0)
    sb.advance(30)
    assert logs(sb, "no-env", "api", previous=True) == [
        "Error: required environment variable DATABASE_URL is not set"
    ]
    assert logs(sb, "no-file", "api", previous=True) == [
        "open /etc/api/config.yaml: no such file or directory"
    ]
    for name in ("no-env", "no-file"):
        last = status_of(sb, name)["lastState"]["terminated"]
        assert (last["exitCode"], last["reason"]) == (1, "Error")
    assert get(sb, "complete")["status"]["phase"] == "Running"
    assert status_of(sb, "complete")["ready"] is True
    assert sb.control.errors == []


def test_secret_values_never_reach_the_logs(sb: sandbox.Sandbox) -> None:
    create(sb, "Secret", secret("db", PASSWORD="hunter2"))
    script = "echo password=$PASSWORD; env | grep PASSWORD; sleep 3600"
    api = container(
        "api",
        "busybox:1.36",
        command=["sh", "-c", script],
        env=[env_from_key("Secret", "db", "PASSWORD")],
    )
    create(sb, "Pod", pod("api", api))
    sb.advance(0)
    sb.advance(10)
    lines = logs(sb, "api", "api")
    assert lines == ["password=********", "PASSWORD=********"]
    assert not any("hunter2" in line for line in lines)
    assert sb.control.errors == []


def test_a_container_reads_its_namespace_from_the_service_account_volume(sb: sandbox.Sandbox) -> None:
    script = "cat /var/run/secrets/kubernetes.io/serviceaccount/namespace; echo; sleep 3600"
    create(sb, "Pod", pod("api", container("api", "busybox:1.36", command=["sh", "-c", script])))
    sb.advance(0)
    sb.advance(5)
    assert logs(sb, "api", "api") == ["default", ""]
