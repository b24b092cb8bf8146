"""A learner's own manifests behave as on a real cluster: nginx runs and serves, busybox `exit 1`
crash-loops, an image that does not exist cannot be pulled — seen through the real kubectl."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Kubectl, make_kubectl
from workbench import sandbox

MANIFESTS = """
apiVersion: v1
kind: Namespace
metadata: {name: lab}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: lab}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
        ports: [{containerPort: 80}]
        readinessProbe: {httpGet: {path: /, port: 80}}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: lab}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 80}]
---
apiVersion: v1
kind: Pod
metadata: {name: quitter, namespace: lab}
spec:
  containers:
  - name: main
    image: busybox:1.36
    command: ["sh", "-c", "echo starting; exit 1"]
---
apiVersion: v1
kind: Pod
metadata: {name: ghost, namespace: lab}
spec:
  containers:
  - name: main
    image: ghostcorp/ghost:1.0
---
apiVersion: v1
kind: Pod
metadata: {name: typo, namespace: lab}
spec:
  containers:
  - name: main
    image: nginx:1.99
"""


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[sandbox.Sandbox, Kubectl]]:
    with sandbox.start(scenario="healthy", manual_clock=True) as sb:
        kubectl = make_kubectl(sb, tmp_path_factory.mktemp("cache"))
        kubectl("apply", "-f", "-", stdin=MANIFESTS)
        sb.advance(90)
        yield sb, kubectl
        assert sb.control.errors == []


def rows(kubectl: Kubectl, *args: str) -> dict[str, list[str]]:
    lines = kubectl("get", *args, "-n", "lab").stdout.splitlines()[1:]
    return {line.split()[0]: line.split()[1:] for line in lines}


def test_nginx_deployment_runs_ready_and_serves(lab: tuple[sandbox.Sandbox, Kubectl]) -> None:
    _, kubectl = lab
    assert rows(kubectl, "deploy")["web"][:3] == ["2/2", "2", "2"]
    pods = {name: cols for name, cols in rows(kubectl, "pods").items() if name.startswith("web-")}
    assert len(pods) == 2
    assert all(cols[:3] == ["1/1", "Running", "0"] for cols in pods.values())
    endpoints = rows(kubectl, "endpoints")["web"][0].split(",")
    assert len(endpoints) == 2
    assert all(e.startswith("10.244.") and e.endswith(":80") for e in endpoints)
    logs = kubectl("logs", "deploy/web", "-n", "lab").stdout
    assert "Configuration complete; ready for start up" in logs


def test_busybox_exit_1_crash_loops_with_its_last_words(lab: tuple[sandbox.Sandbox, Kubectl]) -> None:
    _, kubectl = lab
    ready, status, restarts = rows(kubectl, "pods")["quitter"][:3]
    assert ready == "0/1"
    assert status in ("CrashLoopBackOff", "Error")
    assert int(restarts) >= 3  # immediate, 10 s, 20 s, 40 s back-offs fit in 90 s
    pod = json.loads(kubectl("get", "pod", "quitter", "-n", "lab", "-o", "json").stdout)
    last = pod["status"]["containerStatuses"][0]["lastState"]["terminated"]
    assert (last["exitCode"], last["reason"]) == (1, "Error")
    assert kubectl("logs", "quitter", "-n", "lab", "--previous").stdout == "starting\n"
    described = kubectl("describe", "pod", "quitter", "-n", "lab").stdout
    assert "Back-off restarting failed container main in pod quitter_lab(" in described


def test_an_image_that_does_not_exist_cannot_be_pulled(lab: tuple[sandbox.Sandbox, Kubectl]) -> None:
    _, kubectl = lab
    pods = rows(kubectl, "pods")
    assert pods["ghost"][1] in ("ErrImagePull", "ImagePullBackOff")
    assert pods["typo"][1] in ("ErrImagePull", "ImagePullBackOff")
    ghost = kubectl("describe", "pod", "ghost", "-n", "lab").stdout
    assert 'Failed to pull image "ghostcorp/ghost:1.0"' in ghost
    assert "pull access denied, repository does not exist or may require authorization" in ghost
    typo = kubectl("describe", "pod", "typo", "-n", "lab").stdout
    assert "docker.io/library/nginx:1.99: not found" in typo
    logs = kubectl("logs", "ghost", "-n", "lab", check=False)
    assert logs.returncode == 1
    # The kubelet's words depend on where the pull cycle is when kubectl asks: ErrImagePull ("image
    # can't be pulled") or ImagePullBackOff ("trying and failing..."); on a live clock it flips.
    waiting = 'container "main" in pod "ghost" is waiting to start: '
    assert any(
        waiting + words in logs.stderr
        for words in ("trying and failing to pull image", "image can't be pulled")
    )


def test_deleting_a_deployment_pod_gets_a_replacement(
    lab: tuple[sandbox.Sandbox, Kubectl], tmp_path: Path
) -> None:
    sb, kubectl = lab
    before = sorted(n for n in rows(kubectl, "pods") if n.startswith("web-"))
    kubectl("delete", "pod", before[0], "-n", "lab", "--wait=false")
    sb.advance(30)
    after = sorted(n for n in rows(kubectl, "pods") if n.startswith("web-"))
    assert before[0] not in after
    assert len(after) == 2
    assert rows(kubectl, "deploy")["web"][:3] == ["2/2", "2", "2"]
