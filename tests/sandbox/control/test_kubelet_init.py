"""Init containers run in order before the containers; failures show as Init:Error / Init:CrashLoopBackOff."""

from __future__ import annotations

from tests.conftest import Kubectl
from tests.sandbox.control._kubelet_pods import (  # fixtures
    condition,
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

APP = container("app", "busybox:1.36", command=["sh", "-c", "echo app is running && sleep 3600"])
WAIT_FOR_DB = container(
    "wait-for-db",
    "busybox:1.36",
    command=["sh", "-c", "until nslookup mydb; do echo waiting for mydb; sleep 2; done"],
)


def test_init_containers_run_in_order_then_the_app(sb: sandbox.Sandbox, kubectl: Kubectl) -> None:
    first = container("setup", "busybox:1.36", command=["sh", "-c", "echo preparing; sleep 5"])
    create(sb, "Pod", pod("app", APP, initContainers=[first, WAIT_FOR_DB]))
    sb.advance(0)
    assert table_status(kubectl, "app") == "Init:0/2"
    init = condition(sb, "app", "Initialized")
    assert (init["status"], init["reason"], init["message"]) == (
        "False",
        "ContainersNotInitialized",
        "containers with incomplete status: [setup wait-for-db]",
    )
    assert status_of(sb, "app", "app")["state"] == {"waiting": {"reason": "PodInitializing"}}
    sb.advance(20)
    assert table_status(kubectl, "app") == "Init:1/2"
    done = status_of(sb, "app", "setup")
    assert done["state"]["terminated"]["reason"] == "Completed"
    assert done["ready"] is True
    assert "running" in status_of(sb, "app", "wait-for-db")["state"]
    assert get(sb, "app")["status"]["phase"] == "Pending"
    assert logs(sb, "app", "setup") == ["preparing"]
    assert "** server can't find mydb: NXDOMAIN" in logs(sb, "app", "wait-for-db")
    assert "waiting for mydb" in logs(sb, "app", "wait-for-db")

    create(sb, "Pod", pod("mydb", container("db", "redis:7.4")))
    create(
        sb,
        "Service",
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "mydb", "namespace": "default"},
            "spec": {"selector": {"app": "mydb"}, "ports": [{"port": 6379}]},
        },
    )
    sb.advance(0)
    sb.advance(10)
    assert table_status(kubectl, "app") == "Running"
    assert condition(sb, "app", "Initialized")["status"] == "True"
    assert logs(sb, "app", "wait-for-db")[-2].startswith("Address: 10.96.")
    assert logs(sb, "app", "app") == ["app is running"]
    names = [m.split()[-1] for r, m in reasons(sb, "app") if r == "Started"]
    assert names == ["setup", "wait-for-db", "app"]
    assert sb.control.errors == []


def test_a_failing_init_container_crash_loops(sb: sandbox.Sandbox, kubectl: Kubectl) -> None:
    failing = container("migrate", "busybox:1.36", command=["sh", "-c", "echo migration failed; exit 2"])
    create(sb, "Pod", pod("app", APP, initContainers=[failing]))
    sb.advance(0)
    seen = set()
    for _ in range(30):
        sb.advance(2)
        seen.add(table_status(kubectl, "app"))
    assert {"Init:Error", "Init:CrashLoopBackOff"} <= seen
    assert status_of(sb, "app", "app")["state"] == {"waiting": {"reason": "PodInitializing"}}
    last = status_of(sb, "app", "migrate")["lastState"]["terminated"]
    assert (last["exitCode"], last["reason"]) == (2, "Error")
    assert logs(sb, "app", "migrate", previous=True) == ["migration failed"]
    assert sb.control.errors == []


def test_a_failing_init_container_fails_a_never_restarting_pod(sb: sandbox.Sandbox, kubectl: Kubectl) -> None:
    failing = container("migrate", "busybox:1.36", command=["sh", "-c", "exit 2"])
    create(sb, "Pod", pod("app", APP, initContainers=[failing], restartPolicy="Never"))
    sb.advance(0)
    sb.advance(20)
    assert get(sb, "app")["status"]["phase"] == "Failed"
    assert table_status(kubectl, "app") == "Init:Error"
    assert status_of(sb, "app", "migrate")["restartCount"] == 0
    assert sb.control.errors == []


def test_a_sidecar_keeps_running_beside_the_app(sb: sandbox.Sandbox, kubectl: Kubectl) -> None:
    sidecar = container(
        "log-shipper",
        "busybox:1.36",
        restartPolicy="Always",
        command=["sh", "-c", "while true; do echo shipping; sleep 10; done"],
    )
    create(sb, "Pod", pod("app", APP, initContainers=[sidecar]))
    sb.advance(0)
    sb.advance(30)
    row = kubectl("get", "pod", "app", "--no-headers").stdout.split()
    assert row[1:3] == ["2/2", "Running"]
    assert "running" in status_of(sb, "app", "log-shipper")["state"]
    assert logs(sb, "app", "log-shipper")[:2] == ["shipping", "shipping"]
    assert sb.control.errors == []
