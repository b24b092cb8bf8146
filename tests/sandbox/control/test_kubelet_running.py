"""The kubelet runs a healthy pod: status, events, logs, metrics, deletion and loaded pods left alone."""

from __future__ import annotations

import ipaddress
import re

from tests.conftest import Kubectl
from tests.sandbox.control._kubelet_pods import (  # fixtures
    container,
    create,
    events,
    get,
    logs,
    pod,
    reasons,
    status_of,
)
from workbench import sandbox

NGINX = container("web", "nginx:1.27", ports=[{"containerPort": 80, "name": "http"}])


def test_nginx_runs_and_becomes_ready(sb: sandbox.Sandbox) -> None:
    create(sb, "Pod", pod("web", NGINX))
    sb.advance(0)
    first = get(sb, "web")["status"]
    assert first["phase"] == "Pending"
    assert first["hostIP"] == "172.18.0.3"
    assert status_of(sb, "web")["state"] == {"waiting": {"reason": "ContainerCreating"}}
    sb.advance(30)

    status = get(sb, "web")["status"]
    assert status["phase"] == "Running"
    assert ipaddress.ip_address(status["podIP"]) in ipaddress.ip_network("10.244.1.0/24")
    assert status["podIPs"] == [{"ip": status["podIP"]}]
    assert status["hostIPs"] == [{"ip": "172.18.0.3"}]
    assert status["qosClass"] == "BestEffort"
    kinds = [(c["type"], c["status"]) for c in status["conditions"]]
    assert kinds == [
        ("PodReadyToStartContainers", "True"),
        ("Initialized", "True"),
        ("Ready", "True"),
        ("ContainersReady", "True"),
        ("PodScheduled", "True"),
    ]
    cs = status["containerStatuses"][0]
    assert (cs["ready"], cs["started"], cs["restartCount"]) == (True, True, 0)
    assert cs["image"] == "docker.io/library/nginx:1.27"
    assert re.fullmatch(r"docker\.io/library/nginx@sha256:[0-9a-f]{64}", cs["imageID"])
    assert re.fullmatch(r"containerd://[0-9a-f]{64}", cs["containerID"])
    assert "startedAt" in cs["state"]["running"]
    assert cs["lastState"] == {}
    assert [r for r, _ in reasons(sb, "web")] == ["Pulling", "Pulled", "Created", "Started"]
    pulled = reasons(sb, "web")[1][1]
    assert re.fullmatch(
        r'Successfully pulled image "nginx:1\.27" in [0-9.]+m?s \([0-9.]+m?s including waiting\)\. '
        r"Image size: 72404038 bytes\.",
        pulled,
    )
    assert all(e["involvedObject"]["fieldPath"] == "spec.containers{web}" for e in events(sb, "web"))
    assert all(e["source"] == {"component": "kubelet", "host": "kind-worker"} for e in events(sb, "web"))
    assert logs(sb, "web", "web")[-1].endswith("[notice] 1#1: start worker processes")
    assert sb.control.errors == []


def test_pod_ips_are_distinct_and_a_second_pod_finds_the_image_present(sb: sandbox.Sandbox) -> None:
    create(sb, "Pod", pod("one", NGINX))
    create(sb, "Pod", pod("two", NGINX))
    sb.advance(0)
    sb.advance(30)
    ips = {get(sb, name)["status"]["podIP"] for name in ("one", "two")}
    assert len(ips) == 2
    messages = [m for r, m in reasons(sb, "one") + reasons(sb, "two") if r in ("Pulling", "Pulled")]
    assert 'Container image "nginx:1.27" already present on machine' in messages or len(messages) == 4
    assert sb.control.errors == []


def test_describe_shows_the_running_container(sb: sandbox.Sandbox, kubectl: Kubectl) -> None:
    kubectl(
        "run",
        "web",
        "--image=nginx:1.27",
        "--port=80",
        "--overrides",
        '{"spec": {"nodeName": "kind-worker2"}}',
    )
    sb.advance(0)
    sb.advance(30)
    out = kubectl("describe", "pod", "web").stdout
    assert re.search(r"Status:\s+Running", out)
    assert re.search(r"Node:\s+kind-worker2/172\.18\.0\.4", out)
    assert re.search(r"IP:\s+10\.244\.2\.\d+", out)
    assert re.search(r"State:\s+Running", out)
    assert re.search(r"Ready:\s+True", out)
    assert re.search(r"Image ID:\s+docker\.io/library/nginx@sha256:", out)
    assert re.search(r"Normal\s+Created\s+.*kubelet\s+Created container: web", out)
    assert re.search(r"Normal\s+Started\s+.*kubelet\s+Started container web", out)
    wide = kubectl("get", "pod", "web", "-o", "wide", "--no-headers").stdout.split()
    assert wide[1:3] == ["1/1", "Running"]
    assert wide[6] == "kind-worker2"
    assert sb.control.errors == []


def test_top_pod_reads_the_app_model(sb: sandbox.Sandbox, kubectl: Kubectl) -> None:
    create(sb, "Pod", pod("web", NGINX))
    sb.advance(0)
    sb.advance(60)  # past nginx's memory ramp: it sits at its peak, 9Mi, using 1m of CPU
    top = kubectl("top", "pod", "web", "--no-headers").stdout.split()
    assert top == ["web", "1m", "9Mi"]
    assert sb.control.usage(get(sb, "web"), NGINX) == (0.001, 9 * 2**20)
    assert sb.control.errors == []


def test_deleting_a_pod_stops_its_containers(sb: sandbox.Sandbox, kubectl: Kubectl) -> None:
    create(sb, "Pod", pod("web", NGINX))
    sb.advance(0)
    sb.advance(10)
    kubectl("delete", "pod", "web", "--wait=false")
    sb.advance(0)
    assert ("Killing", "Stopping container web") in reasons(sb, "web")
    sb.advance(2)
    assert sb.control.cluster.get("Pod", "default", "web") is None
    assert logs(sb, "web", "web") == []
    assert sb.control.errors == []


def test_loaded_pods_are_left_as_they_are(sb: sandbox.Sandbox) -> None:
    before = {
        (p["metadata"]["namespace"], p["metadata"]["name"]): p["metadata"]["resourceVersion"]
        for p in sb.control.cluster.objects("Pod")
    }
    sb.advance(0)
    sb.advance(600)
    after = {
        (p["metadata"]["namespace"], p["metadata"]["name"]): p["metadata"]["resourceVersion"]
        for p in sb.control.cluster.objects("Pod")
    }
    assert after == before
    assert sb.control.controllers["kubelet"].pods == {}  # type: ignore[attr-defined]
    assert sb.control.errors == []


def test_a_loaded_pod_being_deleted_gets_its_killing_events(sb: sandbox.Sandbox) -> None:
    cluster = sb.control.cluster
    name = "coredns-6f6b679f8f-4qv8n"
    cluster.delete("Pod", "kube-system", name, grace=30)
    sb.advance(0)
    found = [
        e["message"]
        for e in cluster.objects("Event", "kube-system")
        if e["involvedObject"]["name"] == name and e["reason"] == "Killing"
    ]
    assert found == ["Stopping container coredns"]
    assert sb.control.errors == []


def test_a_job_pod_succeeds_or_fails_by_exit_code(sb: sandbox.Sandbox) -> None:
    ok = container("job", "busybox:1.36", command=["sh", "-c", "echo done; sleep 2"])
    bad = container("job", "busybox:1.36", command=["sh", "-c", "echo oops; exit 3"])
    create(sb, "Pod", pod("ok", ok, restartPolicy="Never"))
    create(sb, "Pod", pod("bad", bad, restartPolicy="Never"))
    sb.advance(0)
    sb.advance(20)
    assert get(sb, "ok")["status"]["phase"] == "Succeeded"
    assert status_of(sb, "ok")["state"]["terminated"]["reason"] == "Completed"
    ready = next(c for c in get(sb, "ok")["status"]["conditions"] if c["type"] == "Ready")
    assert (ready["status"], ready["reason"]) == ("False", "PodCompleted")
    assert get(sb, "bad")["status"]["phase"] == "Failed"
    terminated = status_of(sb, "bad")["state"]["terminated"]
    assert (terminated["exitCode"], terminated["reason"]) == (3, "Error")
    assert logs(sb, "bad", "job") == ["oops"]
    assert sb.control.errors == []


def test_a_stopped_kubelet_does_nothing_until_it_is_back(sb: sandbox.Sandbox, kubectl: Kubectl) -> None:
    kubectl("annotate", "node", "kind-worker2", "sandbox.workbench.io/kubelet=stopped")
    create(sb, "Pod", pod("web", NGINX, node="kind-worker2"))
    sb.advance(0)
    sb.advance(30)
    assert get(sb, "web")["status"].get("containerStatuses") is None
    kubectl("annotate", "node", "kind-worker2", "sandbox.workbench.io/kubelet-")
    sb.advance(0)
    sb.advance(30)
    assert get(sb, "web")["status"]["phase"] == "Running"
    assert sb.control.errors == []
