"""Containers that exit: CrashLoopBackOff and its back-off, OOM kills, previous logs, STATUS column."""

from __future__ import annotations

import re

from tests.conftest import Kubectl
from tests.sandbox.control._kubelet_pods import (  # fixtures
    container,
    create,
    get,
    logs,
    pod,
    reasons,
    status_of,
    table_status,
    waiting_reason,
)
from workbench import sandbox

CRASH = container(
    "api", "busybox:1.36", command=["sh", "-c", "echo starting api; echo 'panic: cannot start' >&2; exit 1"]
)


def test_a_crashing_container_backs_off_10_20_40_seconds(sb: sandbox.Sandbox, kubectl: Kubectl) -> None:
    created = create(sb, "Pod", pod("api", CRASH))
    uid = created["metadata"]["uid"]
    sb.advance(0)
    messages: list[str] = []
    for _ in range(120):
        sb.advance(1)
        waiting = status_of(sb, "api")["state"].get("waiting") or {}
        if waiting.get("reason") == "CrashLoopBackOff" and waiting["message"] not in messages:
            messages.append(waiting["message"])
    assert messages[:3] == [
        f"back-off {delay} restarting failed container=api pod=api_default({uid})"
        for delay in ("10s", "20s", "40s")
    ]
    status = get(sb, "api")["status"]
    assert status["phase"] == "Running"
    ready = next(c for c in status["conditions"] if c["type"] == "Ready")
    assert (ready["status"], ready["reason"], ready["message"]) == (
        "False",
        "ContainersNotReady",
        "containers with unready status: [api]",
    )
    last = status_of(sb, "api")["lastState"]["terminated"]
    assert (last["exitCode"], last["reason"]) == (1, "Error")
    assert last["containerID"] == status_of(sb, "api")["containerID"]
    assert status_of(sb, "api")["restartCount"] >= 3
    assert ("BackOff", f"Back-off restarting failed container api in pod api_default({uid})") in reasons(
        sb, "api"
    )
    backoff = next(e for e in sb.control.cluster.objects("Event", "default") if e["reason"] == "BackOff")
    assert backoff["type"] == "Warning"
    assert backoff["count"] >= 3
    previous = kubectl("logs", "api", "--previous").stdout
    assert previous == "starting api\npanic: cannot start\n"
    assert sb.control.errors == []


def test_the_status_column_goes_round_the_crash_loop(sb: sandbox.Sandbox, kubectl: Kubectl) -> None:
    create(sb, "Pod", pod("api", container("api", "busybox:1.36", command=["sh", "-c", "sleep 3; exit 1"])))
    sb.advance(0)
    seen: list[str] = [table_status(kubectl, "api")]
    for _ in range(40):
        sb.advance(1.5)
        status = table_status(kubectl, "api")
        if not seen or seen[-1] != status:
            seen.append(status)
    assert seen[0] == "ContainerCreating"
    assert {"Running", "Error", "CrashLoopBackOff"} <= set(seen)
    assert seen.index("Running") < seen.index("Error") < seen.index("CrashLoopBackOff")
    row = kubectl("get", "pod", "api", "--no-headers").stdout
    assert re.search(r"\s0/1\s+\S+\s+[1-9]\d* \(\d+s ago\)\s", row)


def test_oom_killed_when_memory_crosses_the_limit(sb: sandbox.Sandbox, kubectl: Kubectl) -> None:
    # postgres' model grows from 20Mi to 45Mi over a minute: a 30Mi limit is crossed after 24 s.
    db = container(
        "db",
        "postgres:16",
        env=[{"name": "POSTGRES_PASSWORD", "value": "example"}],
        resources={"limits": {"memory": "30Mi"}},
    )
    create(sb, "Pod", pod("db", db))
    sb.advance(0)
    for _ in range(90):
        sb.advance(1)
        if "terminated" in status_of(sb, "db")["state"]:
            break
    terminated = status_of(sb, "db")["state"]["terminated"]
    assert (terminated["exitCode"], terminated["reason"]) == (137, "OOMKilled")
    assert table_status(kubectl, "db") == "OOMKilled"
    sb.advance(30)
    last = status_of(sb, "db")["lastState"]["terminated"]
    assert (last["exitCode"], last["reason"]) == (137, "OOMKilled")
    describe = kubectl("describe", "pod", "db").stdout
    assert re.search(r"Last State:\s+Terminated\n\s+Reason:\s+OOMKilled\n\s+Exit Code:\s+137", describe)
    previous = logs(sb, "db", "db", previous=True)
    assert previous[-1].endswith("database system is ready to accept connections")
    assert sb.control.errors == []


def test_a_limit_above_the_peak_is_never_crossed(sb: sandbox.Sandbox) -> None:
    db = container(
        "db",
        "postgres:16",
        env=[{"name": "POSTGRES_PASSWORD", "value": "example"}],
        resources={"limits": {"memory": "64Mi"}},
    )
    create(sb, "Pod", pod("db", db))
    sb.advance(0)
    sb.advance(300)
    assert status_of(sb, "db")["restartCount"] == 0
    assert status_of(sb, "db")["ready"] is True


def test_busybox_without_a_command_completes_and_crash_loops(sb: sandbox.Sandbox, kubectl: Kubectl) -> None:
    create(sb, "Pod", pod("bb", container("bb", "busybox:1.36")))
    sb.advance(0)
    seen = set()
    for _ in range(40):
        sb.advance(1)
        seen.add(table_status(kubectl, "bb"))
    assert {"Completed", "CrashLoopBackOff"} <= seen
    last = status_of(sb, "bb")["lastState"]["terminated"]
    assert (last["exitCode"], last["reason"]) == (0, "Completed")


def test_a_crash_after_ten_minutes_restarts_without_back_off(sb: sandbox.Sandbox) -> None:
    create(
        sb, "Pod", pod("slow", container("api", "busybox:1.36", command=["sh", "-c", "sleep 700; exit 1"]))
    )
    sb.advance(0)
    for _ in range(150):
        sb.advance(10)
        assert waiting_reason(sb, "slow") in ("", "ContainerCreating")
    assert status_of(sb, "slow")["restartCount"] == 2


def test_on_failure_and_never_policies(sb: sandbox.Sandbox) -> None:
    create(sb, "Pod", pod("once", CRASH, restartPolicy="Never"))
    create(sb, "Pod", pod("retry", CRASH, restartPolicy="OnFailure"))
    create(
        sb,
        "Pod",
        pod(
            "done", container("api", "busybox:1.36", command=["echo", "all good"]), restartPolicy="OnFailure"
        ),
    )
    sb.advance(0)
    sb.advance(60)
    assert get(sb, "once")["status"]["phase"] == "Failed"
    assert status_of(sb, "once")["restartCount"] == 0
    assert get(sb, "retry")["status"]["phase"] == "Running"
    assert waiting_reason(sb, "retry") == "CrashLoopBackOff"
    assert get(sb, "done")["status"]["phase"] == "Succeeded"
    assert logs(sb, "done", "api") == ["all good"]
    assert sb.control.errors == []


def test_fallback_to_logs_on_error_puts_the_log_tail_in_the_message(
    sb: sandbox.Sandbox, kubectl: Kubectl
) -> None:
    api = container(
        "api",
        "busybox:1.36",
        command=["sh", "-c", "echo loading config; echo 'fatal: no such table: users'; exit 2"],
        terminationMessagePolicy="FallbackToLogsOnError",
    )
    create(sb, "Pod", pod("api", api, restartPolicy="Never"))
    sb.advance(0)
    sb.advance(10)
    terminated = status_of(sb, "api")["state"]["terminated"]
    assert terminated["message"] == "loading config\nfatal: no such table: users\n"
    assert "Message:" in kubectl("describe", "pod", "api").stdout


def test_active_deadline_seconds_fails_the_pod(sb: sandbox.Sandbox) -> None:
    sleeper = container("api", "busybox:1.36", command=["sleep", "3600"])
    create(sb, "Pod", pod("api", sleeper, activeDeadlineSeconds=30))
    sb.advance(0)
    sb.advance(40)
    status = get(sb, "api")["status"]
    assert (status["phase"], status["reason"]) == ("Failed", "DeadlineExceeded")
    assert status["message"] == "Pod was active on the node longer than the specified deadline"
    assert ("DeadlineExceeded", status["message"]) in reasons(sb, "api")
    assert ("Killing", "Stopping container api") in reasons(sb, "api")
    assert sb.control.errors == []
