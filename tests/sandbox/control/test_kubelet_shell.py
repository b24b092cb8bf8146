"""The kubelet's pure parts: the busybox shell, back-offs, Go durations, image names, log placeholders.

Paths like ``/tmp/healthy`` are inside the simulated container: nothing touches this machine's /tmp.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from workbench.sandbox._control._apps import AppModel
from workbench.sandbox._control._kubelet._applog import LineFiller
from workbench.sandbox._control._kubelet._images import invalid_name_message
from workbench.sandbox._control._kubelet._process import main
from workbench.sandbox._control._kubelet._shell import Shell
from workbench.sandbox._control._kubelet._shellproc import shell_argv
from workbench.sandbox._control._kubelet._shtypes import Connect, Lookup, Out, Sleep, Touch
from workbench.sandbox._control._kubelet._timing import Backoff, go_duration

START = datetime(2025, 1, 12, 10, 0, 0, tzinfo=UTC)


class World:
    def __init__(self, files: dict[str, list[str]] | None = None, *, busybox: bool = True) -> None:
        self.files = files or {}
        self.busybox = busybox

    def file_exists(self, path: str) -> bool:
        return path in self.files

    def file_content(self, path: str) -> list[str] | None:
        return self.files.get(path)

    def stamp(self, offset: float) -> datetime:
        return START + timedelta(seconds=offset)

    def program(self, argv: list[str]) -> tuple[int, list[str]] | None:
        return None if self.busybox else (0, [])

    def missing(self, name: str) -> bool:
        return self.busybox and name == "curl"


def run(
    argv: list[str], *, world: World | None = None, limit: float = 100.0, dns: dict[str, str] | None = None
) -> list[Any]:
    """(time, what) for each step of the script, until it exits or passes `limit` seconds."""
    sh = Shell(world or World(), {"HOSTNAME": "pod-1", "GREETING": "hello"})
    steps = main(sh, argv)
    t: float = 0.0
    answer: Any = None
    out: list[Any] = []
    for _ in range(1000):
        try:
            action = steps.send(answer)
        except StopIteration as done:
            out.append((t, "exit", done.value))
            return out
        answer = None
        if isinstance(action, Sleep):
            t += action.seconds
            if t > limit:
                out.append((t, "still running"))
                return out
        elif isinstance(action, Out):
            out.append((t, action.line))
        elif isinstance(action, Touch):
            out.append((t, "touch" if action.exists else "rm", action.path))
        elif isinstance(action, Lookup):
            known = (dns or {}).get(action.host)
            answer = (
                (known, f"{action.host}.default.svc.cluster.local")
                if known
                else (f"dial tcp: lookup {action.host} on 10.96.0.10:53: no such host")
            )
        elif isinstance(action, Connect):
            answer = (True, "") if action.host in (dns or {}) else (False, "connection refused")
    return out


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["sh"], [(0.0, "exit", 0)]),
        (["sh", "-c", "exit 3"], [(0.0, "exit", 3)]),
        (["sleep", "5"], [(0.0 + 5, "exit", 0)]),
        (
            ["sh", "-c", "echo $GREETING from $HOSTNAME; sleep 2; echo bye"],
            [(0.0, "hello from pod-1"), (2.0, "bye"), (2.0, "exit", 0)],
        ),
        (
            ["sh", "-c", "cat /missing"],
            [(0.0, "cat: can't open '/missing': No such file or directory"), (0.0, "exit", 1)],
        ),
        (["sh", "-c", "false && echo no || echo yes"], [(0.0, "yes"), (0.0, "exit", 0)]),
        (["sh", "-c", "set -e; false; echo unreachable"], [(0.0, "exit", 1)]),
        (["sh", "-c", "for i in 1 2; do echo n=$i; done"], [(0.0, "n=1"), (0.0, "n=2"), (0.0, "exit", 0)]),
        (
            ["sh", "-c", "i=0; while [ $i -lt 2 ]; do i=$((i+1)); done; echo $i"],
            [(0.0, "2"), (0.0, "exit", 0)],
        ),
        (
            ["sh", "-c", "echo \"${MISSING:-default}\" '$GREETING'"],
            [(0.0, "default $GREETING"), (0.0, "exit", 0)],
        ),
        (
            ["sh", "-c", "echo hi > /tmp/f; cat /tmp/f"],
            [(0.0, "touch", "/tmp/f"), (0.0, "hi"), (0.0, "exit", 0)],  # noqa: S108
        ),
        (["sh", "-c", "date"], [(0.0, "Sun Jan 12 10:00:00 UTC 2025"), (0.0, "exit", 0)]),
        (["sh", "-c", "curl http://web"], [(0.0, "sh: curl: not found"), (0.0, "exit", 127)]),
        (
            ["sh", "-c", "echo 'oops"],
            [(0.0, "sh: syntax error: unterminated quoted string"), (0.0, "exit", 2)],
        ),
    ],
)
def test_scripts(argv: list[str], expected: list[Any]) -> None:
    assert run(argv) == expected


def test_a_loop_runs_on_and_logs_every_round() -> None:
    out = run(["sh", "-c", "while true; do echo tick; sleep 10; done"], limit=35)
    assert out == [(0.0, "tick"), (10.0, "tick"), (20.0, "tick"), (30.0, "tick"), (40.0, "still running")]


def test_sleep_infinity_and_busy_loops_run_forever() -> None:
    assert run(["sleep", "infinity"]) == [(math.inf, "still running")]
    busy = run(["sh", "-c", "while true; do :; done"])
    assert busy == [(math.inf, "still running")]


def test_files_come_and_go() -> None:
    out = run(["sh", "-c", "touch /tmp/healthy; sleep 30; rm -f /tmp/healthy; sleep 600"], limit=1000)
    healthy = "/tmp/healthy"  # noqa: S108  # inside the simulated container
    assert out == [(0.0, "touch", healthy), (30.0, "rm", healthy), (630.0, "exit", 0)]


def test_mounted_files_are_read() -> None:
    world = World({"/etc/app/app.yaml": ["replicas: 3"]})
    assert run(["cat", "/etc/app/app.yaml"], world=world) == [(0.0, "replicas: 3"), (0.0, "exit", 0)]


def test_network_commands() -> None:
    dns = {"db": "10.96.0.5"}
    found = run(["nslookup", "db"], dns=dns)
    assert found[3:5] == [(0.0, "Name:\tdb.default.svc.cluster.local"), (0.0, "Address: 10.96.0.5")]
    assert found[-1] == (0.0, "exit", 0)
    missing = run(["nslookup", "nope"])
    assert (0.0, "** server can't find nope: NXDOMAIN") in missing
    assert missing[-1] == (0.0, "exit", 1)
    assert run(["wget", "-qO-", "http://nope:8080/"]) == [
        (0.0, "wget: bad address 'nope:8080'"),
        (0.0, "exit", 1),
    ]
    assert run(["nc", "-z", "db", "5432"], dns=dns) == [(0.0, "exit", 0)]
    waiting = run(["sh", "-c", "until nslookup nope >/dev/null; do echo waiting; sleep 2; done"], limit=5)
    assert waiting == [(0.0, "waiting"), (2.0, "waiting"), (4.0, "waiting"), (6.0, "still running")]


def test_which_containers_run_a_shell() -> None:
    busybox = AppModel("docker.io/library/busybox", shell=True)  # noqa: S604  # the model's field, not a subprocess
    nginx = AppModel("docker.io/library/nginx")
    assert shell_argv({}, busybox) == ["sh"]
    assert shell_argv({"args": ["sleep", "10"]}, busybox) == ["sleep", "10"]
    assert shell_argv({"command": ["sh", "-c", "x"], "args": ["y"]}, busybox) == ["sh", "-c", "x", "y"]
    assert shell_argv({"command": ["/bin/sh", "-c", "sleep 1"]}, nginx) == ["/bin/sh", "-c", "sleep 1"]
    assert shell_argv({"command": ["nginx", "-g", "daemon off;"]}, nginx) is None
    assert shell_argv({}, nginx) is None


def test_crash_back_off_doubles_to_five_minutes_and_resets() -> None:
    backoff = Backoff()
    delays = []
    finished = 0.0
    assert not backoff.in_backoff_since("api", finished, finished)
    backoff.next("api", finished, finished)
    for _ in range(7):
        finished += 1
        assert backoff.in_backoff_since("api", finished, finished)
        delays.append(go_duration(backoff.get("api")))
        finished += backoff.get("api")
        backoff.next("api", finished, finished)
    assert delays == ["10s", "20s", "40s", "1m20s", "2m40s", "5m0s", "5m0s"]
    later = finished + 601
    assert not backoff.in_backoff_since("api", later, later)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(10, "10s"), (160, "2m40s"), (300, "5m0s"), (1.234, "1.234s"), (0.512, "512ms"), (3725, "1h2m5s")],
)
def test_go_durations(seconds: float, text: str) -> None:
    assert go_duration(seconds) == text


def test_invalid_image_names() -> None:
    assert invalid_name_message("Nginx") == (
        'Failed to apply default image tag "Nginx": couldn\'t parse image name "Nginx": '
        "invalid reference format: repository name (library/Nginx) must be lowercase"
    )
    assert invalid_name_message("nginx:bad tag").endswith(": invalid reference format")


def test_log_placeholders() -> None:
    filler = LineFiller(
        {"port": "8080", "pod_ip": "10.244.1.7"}, lambda t: START + timedelta(seconds=t), "seed"
    )
    assert filler.fill("listening on {pod_ip}:{port}", 0) == "listening on 10.244.1.7:8080"
    assert filler.fill("{time:nginx} [notice] start", 61) == "2025/01/12 10:01:01 [notice] start"
    assert filler.fill("{time:redis} * Ready", 1.5) == "12 Jan 2025 10:00:01.500 * Ready"
    assert filler.fill("{time} x {unknown}", 0) == "2025-01-12T10:00:00.000Z x {unknown}"
    latency = filler.fill("GET / 200 {ms}ms", 3)
    assert re.fullmatch(r"GET / 200 \d+ms", latency)
    assert filler.fill("{var} missing", 0, var="TOKEN") == "TOKEN missing"
