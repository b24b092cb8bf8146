"""The StatefulSet controller: ordered pods with stable names, claims, revisions and rolling updates."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Kubectl
from tests.sandbox.control.workloads_support import Workloads, kubectl_for, running_workloads


@pytest.fixture
def wl() -> Iterator[Workloads]:
    yield from running_workloads()


@pytest.fixture
def kubectl_wl(wl: Workloads, tmp_path: Path) -> Kubectl:
    return kubectl_for(wl, tmp_path)


def statefulset(*, replicas: int = 3, policy: str = "OrderedReady", image: str = "nginx:1.27") -> str:
    return f"""
apiVersion: apps/v1
kind: StatefulSet
metadata: {{name: web}}
spec:
  serviceName: web
  replicas: {replicas}
  podManagementPolicy: {policy}
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers: [{{name: nginx, image: "{image}"}}]
  volumeClaimTemplates:
  - metadata: {{name: www}}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {{requests: {{storage: 1Gi}}}}
"""


def pod_names(wl: Workloads) -> list[str]:
    return [p["metadata"]["name"] for p in wl.pods("app=web")]


@pytest.mark.kubectl
def test_ordered_ready_makes_one_pod_at_a_time(wl: Workloads, kubectl_wl: Kubectl) -> None:
    wl.apply(statefulset())
    wl.advance(1)
    assert pod_names(wl) == ["web-0"]
    wl.advance(30)
    assert pod_names(wl) == ["web-0"]  # web-0 is not Running and Ready yet
    wl.ready("web-0")
    wl.advance(1)
    assert pod_names(wl) == ["web-0", "web-1"]
    wl.ready("web-1")
    wl.advance(1)
    wl.ready("web-2")
    wl.advance(1)
    assert pod_names(wl) == ["web-0", "web-1", "web-2"]

    sts = wl.get("StatefulSet", "web")
    [revision] = wl.list("ControllerRevision", "app=web")
    name = revision["metadata"]["name"]
    assert revision["revision"] == 1
    assert revision["metadata"]["labels"]["controller.kubernetes.io/hash"] == name.removeprefix("web-")
    assert revision["data"]["spec"]["template"]["$patch"] == "replace"
    assert sts["status"] == {
        "observedGeneration": 1,
        "replicas": 3,
        "readyReplicas": 3,
        "availableReplicas": 3,
        "currentReplicas": 3,
        "updatedReplicas": 3,
        "currentRevision": name,
        "updateRevision": name,
        "collisionCount": 0,
    }
    pod = wl.get("Pod", "web-1")
    assert pod["metadata"]["labels"] == {
        "app": "web",
        "controller-revision-hash": name,
        "statefulset.kubernetes.io/pod-name": "web-1",
        "apps.kubernetes.io/pod-index": "1",
    }
    assert (pod["spec"]["hostname"], pod["spec"]["subdomain"]) == ("web-1", "web")
    assert {"name": "www", "persistentVolumeClaim": {"claimName": "www-web-1"}} in pod["spec"]["volumes"]
    assert wl.names("PersistentVolumeClaim", "app=web") == ["www-web-0", "www-web-1", "www-web-2"]
    claim = wl.get("PersistentVolumeClaim", "www-web-0")
    assert claim["spec"]["resources"]["requests"]["storage"] == "1Gi"
    events = [(e[1], e[2]) for e in wl.events("web") if e[3] == "statefulset-controller"]
    assert events[:2] == [
        ("SuccessfulCreate", "create Claim www-web-0 Pod web-0 in StatefulSet web success"),
        ("SuccessfulCreate", "create Pod web-0 in StatefulSet web successful"),
    ]
    table = kubectl_wl("get", "statefulset", "web").stdout.splitlines()
    assert table[1].split()[:2] == ["web", "3/3"]

    wl.patch_spec("StatefulSet", "web", {"replicas": 1})
    wl.advance(1)
    assert pod_names(wl) == ["web-0"]
    deleted = [e[2] for e in wl.events("web") if e[1] == "SuccessfulDelete"]
    assert deleted == [  # highest ordinal first
        "delete Pod web-2 in StatefulSet web successful",
        "delete Pod web-1 in StatefulSet web successful",
    ]
    assert wl.names("PersistentVolumeClaim", "app=web") == ["www-web-0", "www-web-1", "www-web-2"]  # retained


def test_parallel_makes_every_pod_at_once(wl: Workloads) -> None:
    wl.apply(statefulset(policy="Parallel"))
    wl.advance(1)
    assert pod_names(wl) == ["web-0", "web-1", "web-2"]


def test_rolling_update_replaces_from_the_highest_ordinal(wl: Workloads) -> None:
    wl.apply(statefulset())
    wl.advance(1)
    for name in ("web-0", "web-1", "web-2"):
        wl.ready(name)
        wl.advance(1)
    old = wl.get("StatefulSet", "web")["status"]["currentRevision"]
    wl.patch_spec(
        "StatefulSet",
        "web",
        {"template": {"spec": {"containers": [{"name": "nginx", "image": "nginx:1.28"}]}}},
    )
    wl.advance(1)
    status = wl.get("StatefulSet", "web")["status"]
    new = status["updateRevision"]
    assert new != old
    assert status["currentRevision"] == old
    revisions_now = [p["metadata"]["labels"]["controller-revision-hash"] for p in wl.pods("app=web")]
    assert revisions_now == [old, old, new]  # web-2 went first and came back updated
    order = []
    for _ in range(6):
        wl.advance(1)
        for pod in wl.pods("app=web"):
            labels = pod["metadata"]["labels"]
            if labels["controller-revision-hash"] == new and not (pod.get("status") or {}).get("conditions"):
                order.append(pod["metadata"]["name"])
                wl.ready(pod)
    assert order == ["web-2", "web-1", "web-0"]
    status = wl.get("StatefulSet", "web")["status"]
    assert (status["currentRevision"], status["updateRevision"], status["updatedReplicas"]) == (new, new, 3)
    revisions = {r["metadata"]["name"]: r["revision"] for r in wl.list("ControllerRevision", "app=web")}
    assert revisions == {old: 1, new: 2}
    assert wl.get("Pod", "web-0")["spec"]["containers"][0]["image"] == "nginx:1.28"
