"""The ReplicaSet controller on its own: counts, replacements, which pods go first, released pods."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.sandbox.control.workloads_support import Workloads, running_workloads

REPLICASET = """
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: cache}
spec:
  replicas: 3
  minReadySeconds: 10
  selector: {matchLabels: {app: cache}}
  template:
    metadata: {labels: {app: cache, tier: backend}}
    spec:
      containers: [{name: redis, image: "redis:7.4"}]
"""


@pytest.fixture
def wl() -> Iterator[Workloads]:
    yield from running_workloads()


def test_pods_are_made_replaced_and_counted(wl: Workloads) -> None:
    wl.apply(REPLICASET)
    wl.advance(1)
    pods = wl.pods("app=cache")
    assert len(pods) == 3
    assert all(
        p["metadata"]["name"].startswith("cache-") and p["metadata"]["generateName"] == "cache-" for p in pods
    )
    assert all(p["metadata"]["labels"] == {"app": "cache", "tier": "backend"} for p in pods)
    status = wl.get("ReplicaSet", "cache")["status"]
    assert status == {"replicas": 3, "fullyLabeledReplicas": 3, "observedGeneration": 1}

    wl.ready(*pods)
    wl.advance(1)
    status = wl.get("ReplicaSet", "cache")["status"]
    assert (status["readyReplicas"], status.get("availableReplicas")) == (3, None)  # not ready for 10 s yet
    wl.advance(10)
    assert wl.get("ReplicaSet", "cache")["status"]["availableReplicas"] == 3

    gone = pods[0]["metadata"]["name"]
    wl.cluster.delete("Pod", "default", gone)
    wl.advance(1)
    now = wl.pods("app=cache")
    assert len(now) == 3
    assert gone not in {p["metadata"]["name"] for p in now}
    replacement = next(p for p in now if p["metadata"]["name"] not in {q["metadata"]["name"] for q in pods})
    assert (
        "Normal",
        "SuccessfulCreate",
        f"Created pod: {replacement['metadata']['name']}",
        "replicaset-controller",
    ) in wl.events("cache")

    wl.set_pod(now[1], "Failed", ready=False)  # a failed pod stays and another takes its place
    wl.advance(1)
    assert len(wl.pods("app=cache")) == 3
    assert len(wl.pods("app=cache", alive=False)) == 4


def test_scale_down_deletes_the_least_useful_pods_first(wl: Workloads) -> None:
    wl.apply(REPLICASET.replace("replicas: 3", "replicas: 4"))
    wl.advance(1)
    pods = wl.pods("app=cache")
    wl.ready(pods[0], pods[2])  # pods[1] and pods[3] stay pending and unready
    wl.advance(1)
    wl.patch_spec("ReplicaSet", "cache", {"replicas": 2})
    wl.advance(1)
    left = {p["metadata"]["name"] for p in wl.pods("app=cache")}
    assert left == {pods[0]["metadata"]["name"], pods[2]["metadata"]["name"]}
    deleted = sorted(e[2] for e in wl.events("cache") if e[1] == "SuccessfulDelete")
    assert deleted == sorted(f"Deleted pod: {pods[i]['metadata']['name']}" for i in (1, 3))


def test_a_pod_relabelled_out_of_the_selector_is_released_and_replaced(wl: Workloads) -> None:
    wl.apply(REPLICASET)
    wl.advance(1)
    pod = wl.pods("app=cache")[0]
    pod["metadata"]["labels"]["app"] = "debug"
    wl.cluster.update("Pod", pod, manager="kubectl-label")
    wl.advance(1)
    released = wl.get("Pod", pod["metadata"]["name"])
    assert "ownerReferences" not in released["metadata"]
    assert len(wl.pods("app=cache")) == 3
