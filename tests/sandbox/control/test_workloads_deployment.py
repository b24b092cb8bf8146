"""The Deployment and ReplicaSet controllers, seen through the store and the real kubectl."""

from __future__ import annotations

import queue
import re
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import KUBECTL, Kubectl, make_kubectl
from tests.sandbox.control.workloads_support import Workloads, kubectl_for, running_workloads
from workbench import sandbox
from workbench.sandbox._control._workloads import NAMES

HASH = re.compile(r"[bcdfghjklmnpqrstvwxz2456789]{6,10}")


@pytest.fixture
def wl() -> Iterator[Workloads]:
    yield from running_workloads()


@pytest.fixture
def kubectl_wl(wl: Workloads, tmp_path: Path) -> Kubectl:
    return kubectl_for(wl, tmp_path)


def deployment(name: str = "web", *, replicas: int = 3, image: str = "nginx:1.27", strategy: str = "") -> str:
    return f"""
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: {name}}}}}
  {strategy}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
      containers: [{{name: nginx, image: "{image}"}}]
"""


def sizes(wl: Workloads, name: str = "web") -> list[tuple[str, int]]:
    """(image, spec.replicas) of the Deployment's ReplicaSets, oldest first."""
    return [
        (rs["spec"]["template"]["spec"]["containers"][0]["image"], rs["spec"]["replicas"])
        for rs in wl.list("ReplicaSet", f"app={name}")
    ]


def condition(obj: dict, type_: str) -> dict:
    return next(c for c in obj["status"]["conditions"] if c["type"] == type_)


def settle(wl: Workloads, selector: str = "app=web", rounds: int = 10) -> None:
    """Make pods ready until the rollout stops changing."""
    for _ in range(rounds):
        if not wl.run_ready(selector):
            wl.advance(1)
            if not wl.run_ready(selector):
                return
        wl.advance(1)


@pytest.mark.kubectl
def test_a_kubectl_created_deployment_gets_a_replicaset_and_pods(wl: Workloads, kubectl_wl: Kubectl) -> None:
    kubectl_wl("create", "deployment", "web", "--image=nginx:1.27", "--replicas=3")
    wl.advance(1)
    [rs] = wl.list("ReplicaSet", "app=web")
    hash_ = rs["metadata"]["labels"]["pod-template-hash"]
    assert HASH.fullmatch(hash_)
    assert rs["metadata"]["name"] == f"web-{hash_}"
    assert rs["spec"]["selector"] == {"matchLabels": {"app": "web", "pod-template-hash": hash_}}
    assert rs["spec"]["template"]["metadata"]["labels"] == {"app": "web", "pod-template-hash": hash_}
    assert rs["metadata"]["annotations"] == {
        "deployment.kubernetes.io/desired-replicas": "3",
        "deployment.kubernetes.io/max-replicas": "4",
        "deployment.kubernetes.io/revision": "1",
    }
    d = wl.get("Deployment", "web")
    [owner] = rs["metadata"]["ownerReferences"]
    assert owner == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "web",
        "uid": d["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }
    pods = wl.pods("app=web")
    assert len(pods) == 3
    for pod in pods:
        assert re.fullmatch(rf"web-{hash_}-[bcdfghjklmnpqrstvwxz2456789]{{5}}", pod["metadata"]["name"])
        assert pod["metadata"]["labels"] == {"app": "web", "pod-template-hash": hash_}
        assert pod["metadata"]["ownerReferences"][0]["name"] == rs["metadata"]["name"]
        assert "nodeName" not in pod["spec"]
    assert d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1"
    assert (
        "Normal",
        "ScalingReplicaSet",
        f"Scaled up replica set web-{hash_} from 0 to 3",
        "deployment-controller",
    ) in wl.events("web")
    created = [e for e in wl.events(rs["metadata"]["name"]) if e[1] == "SuccessfulCreate"]
    assert sorted(e[2] for e in created) == sorted(f"Created pod: {p['metadata']['name']}" for p in pods)
    assert {e[3] for e in created} == {"replicaset-controller"}
    status = d["status"]
    assert (status["observedGeneration"], status["replicas"], status["updatedReplicas"]) == (1, 3, 3)
    assert status["unavailableReplicas"] == 3
    assert "availableReplicas" not in status
    assert condition(d, "Available")["reason"] == "MinimumReplicasUnavailable"
    assert condition(d, "Available")["message"] == "Deployment does not have minimum availability."

    settle(wl)
    d = wl.get("Deployment", "web")
    assert {
        k: d["status"].get(k)
        for k in ("replicas", "readyReplicas", "availableReplicas", "unavailableReplicas")
    } == {
        "replicas": 3,
        "readyReplicas": 3,
        "availableReplicas": 3,
        "unavailableReplicas": None,
    }
    available, progressing = condition(d, "Available"), condition(d, "Progressing")
    assert (available["status"], available["reason"]) == ("True", "MinimumReplicasAvailable")
    assert available["message"] == "Deployment has minimum availability."
    assert (progressing["status"], progressing["reason"]) == ("True", "NewReplicaSetAvailable")
    assert progressing["message"] == f'ReplicaSet "web-{hash_}" has successfully progressed.'
    rs = wl.get("ReplicaSet", f"web-{hash_}")
    assert rs["status"] == {
        "replicas": 3,
        "fullyLabeledReplicas": 3,
        "readyReplicas": 3,
        "availableReplicas": 3,
        "observedGeneration": 1,
    }

    table = kubectl_wl("get", "deployment", "web").stdout.splitlines()
    assert table[0].split() == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert table[1].split()[:4] == ["web", "3/3", "3", "3"]
    rs_table = kubectl_wl("get", "rs", "-l", "app=web").stdout.splitlines()
    assert rs_table[1].split()[:4] == [f"web-{hash_}", "3", "3", "3"]
    out = kubectl_wl("rollout", "status", "deployment/web", "--timeout=20s").stdout
    assert out.strip() == 'deployment "web" successfully rolled out'


def test_rolling_update_steps_within_max_surge_and_max_unavailable(wl: Workloads) -> None:
    strategy = "strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}"
    wl.apply(deployment(replicas=4, strategy=strategy))
    wl.advance(1)
    settle(wl)
    old = wl.list("ReplicaSet", "app=web")[0]["metadata"]["name"]
    wl.patch_spec(
        "Deployment",
        "web",
        {"template": {"spec": {"containers": [{"name": "nginx", "image": "nginx:1.28"}]}}},
    )
    wl.advance(1)
    steps = [sizes(wl)]
    for _ in range(6):
        new_pods = wl.pods(f"pod-template-hash!={old.removeprefix('web-')},app=web")
        pending = [p for p in new_pods if not (p.get("status") or {}).get("conditions")]
        if not pending:
            break
        wl.ready(pending[0])
        wl.advance(1)
        steps.append(sizes(wl))
    assert steps == [
        [("nginx:1.27", 4), ("nginx:1.28", 1)],
        [("nginx:1.27", 3), ("nginx:1.28", 2)],
        [("nginx:1.27", 2), ("nginx:1.28", 3)],
        [("nginx:1.27", 1), ("nginx:1.28", 4)],
        [("nginx:1.27", 0), ("nginx:1.28", 4)],
    ]
    new = wl.list("ReplicaSet", "app=web")[1]["metadata"]["name"]
    scaling = [e[2] for e in wl.events("web") if e[1] == "ScalingReplicaSet"]
    assert scaling[-8:] == [
        f"Scaled up replica set {new} from 0 to 1",
        f"Scaled down replica set {old} from 4 to 3",
        f"Scaled up replica set {new} from 1 to 2",
        f"Scaled down replica set {old} from 3 to 2",
        f"Scaled up replica set {new} from 2 to 3",
        f"Scaled down replica set {old} from 2 to 1",
        f"Scaled up replica set {new} from 3 to 4",
        f"Scaled down replica set {old} from 1 to 0",
    ]
    d = wl.get("Deployment", "web")
    assert d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"
    assert condition(d, "Progressing")["reason"] == "NewReplicaSetAvailable"
    assert wl.get("ReplicaSet", new)["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"


def test_default_fenceposts_round_surge_up_and_unavailability_down(wl: Workloads) -> None:
    wl.apply(deployment(replicas=4))  # 25%/25% of 4: one more, one fewer
    wl.advance(1)
    settle(wl)
    wl.patch_spec(
        "Deployment",
        "web",
        {"template": {"spec": {"containers": [{"name": "nginx", "image": "nginx:1.28"}]}}},
    )
    wl.advance(1)
    assert sizes(wl) == [("nginx:1.27", 3), ("nginx:1.28", 2)]
    wl.run_ready("app=web")
    wl.advance(1)
    assert sizes(wl) == [("nginx:1.27", 1), ("nginx:1.28", 4)]
    settle(wl)
    assert sizes(wl) == [("nginx:1.27", 0), ("nginx:1.28", 4)]
    annotations = wl.list("ReplicaSet", "app=web")[1]["metadata"]["annotations"]
    assert annotations["deployment.kubernetes.io/max-replicas"] == "5"


def test_recreate_waits_for_the_old_pods_to_be_gone(wl: Workloads) -> None:
    wl.apply(deployment(replicas=2, strategy="strategy: {type: Recreate}"))
    wl.advance(1)
    settle(wl)
    held = wl.pods("app=web")[0]
    held["metadata"]["finalizers"] = ["example.com/hold"]
    wl.cluster.update("Pod", held, manager="test")
    wl.patch_spec(
        "Deployment",
        "web",
        {"template": {"spec": {"containers": [{"name": "nginx", "image": "nginx:1.28"}]}}},
    )
    wl.advance(2)
    assert sizes(wl) == [("nginx:1.27", 0)]  # the held pod is still terminating: no new ReplicaSet yet
    assert wl.get("Pod", held["metadata"]["name"])["metadata"].get("deletionTimestamp")
    held = wl.get("Pod", held["metadata"]["name"])
    del held["metadata"]["finalizers"]
    wl.cluster.update("Pod", held, manager="test")
    wl.advance(1)
    assert sizes(wl) == [("nginx:1.27", 0), ("nginx:1.28", 2)]
    scaling = [e[2] for e in wl.events("web") if e[1] == "ScalingReplicaSet"]
    assert scaling[1].startswith("Scaled down replica set web-")
    assert scaling[1].endswith("from 2 to 0")
    assert scaling[2].endswith("from 0 to 2")


@pytest.mark.kubectl
def test_rollout_undo_with_kubectl_reuses_the_old_replicaset_as_the_next_revision(
    wl: Workloads, kubectl_wl: Kubectl
) -> None:
    kubectl_wl("create", "deployment", "web", "--image=nginx:1.26", "--replicas=2")
    wl.advance(1)
    settle(wl)
    [first] = wl.names("ReplicaSet", "app=web")
    kubectl_wl("set", "image", "deployment/web", "nginx=nginx:1.27")
    kubectl_wl("annotate", "deployment/web", "kubernetes.io/change-cause=upgrade to 1.27")
    wl.advance(1)
    settle(wl)
    assert sizes(wl) == [("nginx:1.26", 0), ("nginx:1.27", 2)]
    history = kubectl_wl("rollout", "history", "deployment/web").stdout
    assert [line.split(None, 1) for line in history.strip().splitlines()[1:]] == [
        ["REVISION", "CHANGE-CAUSE"],
        ["1", "<none>"],
        ["2", "upgrade to 1.27"],
    ]
    assert "rolled back" in kubectl_wl("rollout", "undo", "deployment/web").stdout
    wl.advance(1)
    d = wl.get("Deployment", "web")
    assert d["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.26"
    settle(wl)
    reused = wl.get("ReplicaSet", first)
    assert reused["spec"]["replicas"] == 2
    assert reused["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "3"
    assert reused["metadata"]["annotations"]["deployment.kubernetes.io/revision-history"] == "1"
    assert wl.get("Deployment", "web")["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "3"
    assert len(wl.names("ReplicaSet", "app=web")) == 2  # no third ReplicaSet: the old one came back
    history = kubectl_wl("rollout", "history", "deployment/web").stdout
    assert [line.split(None, 1)[0] for line in history.strip().splitlines()[2:]] == ["2", "3"]
    out = kubectl_wl("rollout", "status", "deployment/web", "--timeout=20s").stdout
    assert 'deployment "web" successfully rolled out' in out


@pytest.mark.kubectl
def test_progress_deadline_exceeded(wl: Workloads, kubectl_wl: Kubectl) -> None:
    wl.apply(deployment(replicas=2))
    wl.advance(1)
    [rs] = wl.names("ReplicaSet", "app=web")
    wl.advance(590)
    assert condition(wl.get("Deployment", "web"), "Progressing")["status"] == "True"
    wl.advance(20)
    progressing = condition(wl.get("Deployment", "web"), "Progressing")
    assert (progressing["status"], progressing["reason"]) == ("False", "ProgressDeadlineExceeded")
    assert progressing["message"] == f'ReplicaSet "{rs}" has timed out progressing.'
    result = kubectl_wl("rollout", "status", "deployment/web", "--timeout=20s", check=False)
    assert result.returncode == 1
    assert 'error: deployment "web" exceeded its progress deadline' in result.stderr


@pytest.mark.kubectl
def test_rollout_status_follows_the_rollout(wl: Workloads, kubectl_wl: Kubectl, tmp_path: Path) -> None:
    wl.apply(deployment(replicas=3))
    wl.advance(1)
    cmd = [
        KUBECTL,
        f"--kubeconfig={wl.sb.kubeconfig}",
        f"--cache-dir={tmp_path / 'cache'}",
        "rollout",
        "status",
        "deployment/web",
        "--timeout=60s",
    ]
    lines: queue.Queue[str] = queue.Queue()
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) as proc:

        def read() -> None:
            assert proc.stdout is not None
            for line in proc.stdout:
                lines.put(line.strip())

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        try:
            first = lines.get(timeout=30)
            assert (
                first
                == 'Waiting for deployment "web" rollout to finish: 0 of 3 updated replicas are available...'
            )
            for pod in wl.pods("app=web"):
                wl.ready(pod)
                wl.advance(1)
            proc.wait(timeout=30)
        finally:
            proc.kill()
            reader.join(timeout=5)
    seen = [first]
    while not lines.empty():
        seen.append(lines.get())
    assert seen[-1] == 'deployment "web" successfully rolled out'
    assert 'Waiting for deployment "web" rollout to finish: 2 of 3 updated replicas are available...' in seen
    assert proc.returncode == 0


@pytest.mark.kubectl
def test_rollout_restart_makes_a_new_replicaset(wl: Workloads, kubectl_wl: Kubectl) -> None:
    wl.apply(deployment(replicas=1))
    wl.advance(1)
    settle(wl)
    kubectl_wl("rollout", "restart", "deployment/web")
    wl.advance(1)
    settle(wl)
    rss = wl.list("ReplicaSet", "app=web")
    assert [rs["spec"]["replicas"] for rs in rss] == [0, 1]
    assert "kubectl.kubernetes.io/restartedAt" in rss[1]["spec"]["template"]["metadata"]["annotations"]
    assert rss[1]["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"


def test_revision_history_limit_prunes_old_empty_replicasets(wl: Workloads) -> None:
    wl.apply(deployment(replicas=1, strategy="revisionHistoryLimit: 1"))
    wl.advance(1)
    settle(wl)
    for tag in ("1.28", "1.29", "1.30"):
        wl.patch_spec(
            "Deployment",
            "web",
            {"template": {"spec": {"containers": [{"name": "nginx", "image": f"nginx:{tag}"}]}}},
        )
        wl.advance(1)
        settle(wl)
    assert sizes(wl) == [("nginx:1.29", 0), ("nginx:1.30", 1)]
    revisions = [
        rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
        for rs in wl.list("ReplicaSet", "app=web")
    ]
    assert revisions == ["3", "4"]


@pytest.mark.kubectl
def test_scale_pause_and_resume(wl: Workloads, kubectl_wl: Kubectl) -> None:
    wl.apply(deployment(replicas=3))
    wl.advance(1)
    settle(wl)
    [rs] = wl.names("ReplicaSet", "app=web")
    kubectl_wl("scale", "deployment/web", "--replicas=5")
    wl.advance(1)
    assert sizes(wl) == [("nginx:1.27", 5)]
    assert (
        "Normal",
        "ScalingReplicaSet",
        f"Scaled up replica set {rs} from 3 to 5",
        "deployment-controller",
    ) in wl.events("web")
    annotations = wl.get("ReplicaSet", rs)["metadata"]["annotations"]
    assert (
        annotations["deployment.kubernetes.io/desired-replicas"],
        annotations["deployment.kubernetes.io/max-replicas"],
    ) == ("5", "7")
    settle(wl)
    kubectl_wl("rollout", "pause", "deployment/web")
    kubectl_wl("set", "image", "deployment/web", "nginx=nginx:1.28")
    wl.advance(5)
    assert sizes(wl) == [("nginx:1.27", 5)]
    progressing = condition(wl.get("Deployment", "web"), "Progressing")
    assert (progressing["status"], progressing["reason"], progressing["message"]) == (
        "Unknown",
        "DeploymentPaused",
        "Deployment is paused",
    )
    kubectl_wl("rollout", "resume", "deployment/web")
    wl.advance(1)
    assert [image for image, _ in sizes(wl)] == ["nginx:1.27", "nginx:1.28"]
    settle(wl)
    assert sizes(wl) == [("nginx:1.27", 0), ("nginx:1.28", 5)]


def test_loaded_workloads_are_left_as_loaded(wl: Workloads) -> None:
    before = {
        (kind, o["metadata"]["name"]): o["metadata"]["resourceVersion"]
        for kind in ("Deployment", "ReplicaSet", "DaemonSet")
        for o in wl.list(kind, namespace="kube-system")
    }
    wl.advance(30)
    after = {
        (kind, o["metadata"]["name"]): o["metadata"]["resourceVersion"]
        for kind in ("Deployment", "ReplicaSet", "DaemonSet")
        for o in wl.list(kind, namespace="kube-system")
    }
    assert after == before
    pod = wl.pods("k8s-app=kube-dns", "kube-system")[0]
    wl.set_pod(pod, "Running", ready=True)  # a kubelet rewrote a status: the loaded template still matches
    wl.advance(5)
    assert wl.names("ReplicaSet", "k8s-app=kube-dns", "kube-system") == [
        "coredns-668d6bf9bc",
        "coredns-6f6b679f8f",
    ]
    assert len(wl.pods("k8s-app=kube-dns", "kube-system")) == 2
    d = wl.get("Deployment", "coredns", "kube-system")
    assert d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"


@pytest.mark.kubectl
def test_with_the_whole_control_plane(tmp_path: Path) -> None:
    with sandbox.start(scenario="healthy", manual_clock=True) as sb:
        kubectl = make_kubectl(sb, tmp_path / "cache")
        kubectl("create", "deployment", "web", "--image=nginx:1.27", "--replicas=2")
        sb.advance(30)
        cluster = sb.control.cluster
        [rs] = [
            r for r in cluster.objects("ReplicaSet", "default") if r["metadata"]["name"].startswith("web-")
        ]
        pods = [p for p in cluster.objects("Pod", "default") if p["metadata"]["name"].startswith("web-")]
        assert len(pods) == 2
        assert {p["metadata"]["labels"]["pod-template-hash"] for p in pods} == {
            rs["metadata"]["labels"]["pod-template-hash"]
        }
        ours = [e for e in sb.control.errors if e.split(" ", 1)[0] in NAMES]
        assert ours == []
