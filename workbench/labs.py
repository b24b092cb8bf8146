"""Teaching labs: a scenario's broken cluster inside the notebook's kernel, a hint ladder and a grader.

`start` runs the scenario's sandbox in background threads (simulated time runs `speed` times faster
than real time, so the cluster keeps moving while the learner reads), points ``KUBECONFIG`` at it so
``!kubectl`` cells and ``workbench.connect()`` need no arguments, and returns a `Lab`. A kernel holds
one lab at a time: starting one stops the one before (an environment variable names one cluster).
It wires the sandbox and the session together and holds no Kubernetes logic of its own.

Example:
    >>> from workbench import labs
    >>> with labs.start("crashloop") as lab:
    ...     print(lab.hint())
    ...     lab.check(wait=0).passed
    hint 1/4: Which pods in the billing namespace are not Running, and how often have they restarted?
    False
"""

from __future__ import annotations

import atexit
import os
import shlex
import shutil
import subprocess
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from workbench import sandbox
from workbench.errors import ConfigError, ScenarioError
from workbench.sandbox._scenarios import scenario_header  # the sandbox exports no way to read a lesson
from workbench.sandbox._scenarios._checks import CheckReport, CheckResult  # nor names for these types
from workbench.session import Cluster, connect

__all__ = ["Applied", "Hint", "Lab", "LabCheck", "Solution", "available", "start"]

SETTLE_SECONDS = 360.0
"""Simulated seconds `Lab.check` gives a fix to take: a crash-looping pod may wait out a full five-minute
back-off before its next start, and the slowest documented fix needs ~180 s after that."""
CONFIRM_SECONDS = 30.0
"""Simulated seconds a pass must hold before it is reported (a wrong fix can look healed briefly)."""
MIN_WAIT, MAX_WAIT = 2.0, 15.0
"""Real seconds `Lab.check` waits at least and at most by default, whatever the speed."""
COMMAND_TIMEOUT = 120.0
"""Real seconds one kubectl command of a documented fix may take."""
KUBECTL_INSTALL = "https://kubernetes.io/docs/tasks/tools/#kubectl"
_POLL = 0.25


def available() -> list[str]:
    """The scenarios that are labs (they have a goal, hints, a fix and success checks), sorted."""
    return [name for name, _ in sandbox.scenarios() if _is_lab(name)]


def _is_lab(name: str) -> bool:
    teaching = scenario_header(name)["teaching"]
    return all(key in teaching for key in ("goal", "hints", "fix", "checks"))


@dataclass(frozen=True, repr=False)
class Hint:
    """One rung of the hint ladder (``number`` 0 once the ladder is used up)."""

    number: int
    total: int
    text: str

    def __str__(self) -> str:
        return f"hint {self.number}/{self.total}: {self.text}" if self.number else self.text

    __repr__ = __str__

    def _repr_markdown_(self) -> str:
        # Hints are written in markdown already (commands in backticks).
        return f"**hint {self.number}/{self.total}:** {self.text}" if self.number else self.text


@dataclass(frozen=True)
class Command:
    """One command of a documented fix: its line and, for ``kubectl apply -f -``, what it reads."""

    line: str
    stdin: str | None = None

    def __str__(self) -> str:
        return f"$ {self.line}" + (f" <<'EOF'\n{self.stdin.rstrip()}\nEOF" if self.stdin else "")


@dataclass(frozen=True, repr=False)
class Solution:
    """A scenario's documented fix: what is wrong, in one paragraph, and the commands that heal it."""

    scenario: str
    summary: str
    commands: tuple[Command, ...]

    def __str__(self) -> str:
        return "\n".join([f"Fix ({self.scenario}): {self.summary}", *(str(c) for c in self.commands)])

    __repr__ = __str__

    def _repr_markdown_(self) -> str:
        shell = "\n".join(str(c) for c in self.commands)
        return f"**Fix ({self.scenario}):** {self.summary}\n\n```console\n{shell}\n```"


@dataclass(frozen=True)
class CommandRun:
    """A command of the fix as it ran: its line and what kubectl printed."""

    command: Command
    output: str


@dataclass(frozen=True, repr=False)
class Applied:
    """The documented fix, applied: each command with kubectl's output."""

    scenario: str
    runs: tuple[CommandRun, ...]

    def __str__(self) -> str:
        lines = [f"Applied the documented fix of {self.scenario}:"]
        for run in self.runs:
            lines += [str(run.command), *run.output.rstrip().splitlines()]
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_markdown_(self) -> str:
        body = "\n".join(str(self).splitlines()[1:])
        return f"Applied the documented fix of **{self.scenario}**:\n\n```console\n{body}\n```"


@dataclass(frozen=True, repr=False)
class LabCheck:
    """The grade of a lab: every success check with what it saw, and a nudge while any fails."""

    scenario: str
    report: CheckReport
    hints_left: int

    @property
    def passed(self) -> bool:
        return self.report.passed

    @property
    def results(self) -> tuple[CheckResult, ...]:
        return self.report.results

    def headline(self) -> str:
        total = len(self.results)
        if self.passed:
            return f"passed: {self.scenario} is healed ({total}/{total} checks pass)"
        return f"not yet: {len(self.report.failed)} of {total} checks still failing"

    def nudge(self) -> str:
        """What to do next while a check fails ('' once it passes)."""
        if self.passed:
            return ""
        if self.hints_left:
            return f"Still failing; try `lab.hint()` ({self.hints_left} left), then fix and check again."
        return "Still failing, and the hints are used up: `lab.solution()` shows the documented fix."

    def __str__(self) -> str:
        lines = [("✓ " if self.passed else "✗ ") + self.headline()]
        lines += [f"  {_mark(r)} {r.name} {r.subject}: {r.detail}" for r in self.results]
        return "\n".join([*lines, self.nudge()] if self.nudge() else lines)

    __repr__ = __str__

    def _repr_markdown_(self) -> str:
        rows = [f"- {_mark(r)} `{r.name}` {_md(r.subject)}: {_md(r.detail)}" for r in self.results]
        parts = [f"**{'✓' if self.passed else '✗'} {_md(self.headline())}**", "\n".join(rows)]
        return "\n\n".join([*parts, self.nudge()] if self.nudge() else parts)


def _mark(result: CheckResult) -> str:
    return "✓" if result.passed else "✗"


def _md(text: str) -> str:
    """Text from the cluster shown as markdown literally (``<none>`` is not a tag, ``*`` no emphasis)."""
    for char in "\\`*_[]#":
        text = text.replace(char, "\\" + char)
    return text.replace("<", "&lt;").replace(">", "&gt;")


class Lab:
    """A running lab: the scenario's sandbox, its hint ladder, its grader and its documented fix.

    Made by `start`; use it as a context manager or call `stop()`.

    Attributes:
        scenario: the scenario's name (``"crashloop"``).
        level: its difficulty, 1 (first day) to 5 (an incident).
        kubeconfig: the kubeconfig file ``KUBECONFIG`` points at while the lab runs.
        url: the sandbox API server's address.
        speed: simulated seconds per real second.
    """

    def __init__(self, sb: sandbox.Sandbox, *, kubectl: str, speed: float) -> None:
        self._sandbox = sb
        self._teaching: Mapping[str, Any] = sb.teaching
        self._kubectl = kubectl
        self._hints: list[str] = [str(h) for h in self._teaching.get("hints") or []]
        self._given = 0
        self._clusters: list[Cluster] = []
        self._cache = Path(tempfile.mkdtemp(prefix="workbench-lab-kube-cache-"))
        self._saved_env = {name: os.environ.get(name) for name in ("KUBECONFIG", "KUBECACHEDIR")}
        self._stopped = False
        self.scenario = sb.scenario
        self.level = int(self._teaching.get("level", 0))
        self.kubeconfig = sb.kubeconfig
        self.url = sb.url
        self.speed = speed
        # kubectl in `!` cells caches discovery per server; a cache of its own leaves ~/.kube untouched.
        os.environ["KUBECONFIG"] = str(self.kubeconfig)
        os.environ["KUBECACHEDIR"] = str(self._cache)

    @property
    def running(self) -> bool:
        return not self._stopped

    @property
    def goal(self) -> str:
        """What the lab teaches, as markdown."""
        return f"**Goal (level {self.level}):** {' '.join(str(self._teaching['goal']).split())}"

    def hint(self) -> Hint:
        """The next hint of the ladder, vague to specific; once used up, says so and where to go next."""
        total = len(self._hints)
        if self._given >= total:
            return Hint(
                0, total, f"No more hints: that was the last of {total}. `lab.solution()` shows the fix."
            )
        self._given += 1
        return Hint(self._given, total, self._hints[self._given - 1])

    def cluster(self) -> Cluster:
        """A `Cluster` connected to the lab (new each call, so its frames are fresh)."""
        self._require_running()
        cluster = connect(kubeconfig=self.kubeconfig)
        self._clusters.append(cluster)
        return cluster

    def check(self, *, wait: float | None = None) -> LabCheck:
        """Grade the cluster against the scenario's success checks.

        A fix takes simulated time to heal (rollouts, back-offs), so this waits until every check
        passes and keeps passing for `CONFIRM_SECONDS` of simulated time, or until `wait` runs out.

        Args:
            wait: real seconds to wait at most; default `SETTLE_SECONDS` of simulated time, kept
                between `MIN_WAIT` and `MAX_WAIT`. ``0`` grades the cluster as it is now.

        Raises:
            ConfigError: a negative `wait`, or the lab is stopped.
        """
        self._require_running()
        if wait is None:
            wait = min(MAX_WAIT, max(MIN_WAIT, SETTLE_SECONDS / self.speed))
        if wait < 0:
            raise ConfigError(f"wait is real seconds to wait at most (0 or more), not {wait!r}")
        deadline = time.monotonic() + wait
        holding_until: float | None = None
        while True:
            report = self._sandbox.check()
            now = time.monotonic()
            if report.passed:
                holding_until = holding_until or min(now + CONFIRM_SECONDS / self.speed, deadline)
                if now >= holding_until:
                    break
            else:
                holding_until = None
                if now >= deadline:
                    break
            time.sleep(min(_POLL, max(0.0, (holding_until or deadline) - now)))
        return LabCheck(self.scenario, report, len(self._hints) - self._given)

    def solution(self) -> Solution:
        """The scenario's documented fix (for instructors; a learner tries `hint()` first)."""
        fix = self._teaching["fix"]
        return Solution(self.scenario, " ".join(str(fix["summary"]).split()), _commands(fix["commands"]))

    def apply_solution(self) -> Applied:
        """Run the documented fix with the real kubectl against this lab's sandbox (CI, instructors).

        Each command is split like a shell would (no shell runs it) and always gets this lab's
        kubeconfig, so it cannot reach another cluster whatever ``KUBECONFIG`` says by then.

        Raises:
            ConfigError: the lab is stopped.
            ScenarioError: a command of the fix is not kubectl, or kubectl refused it (its message).
        """
        self._require_running()
        runs = []
        for number, command in enumerate(self.solution().commands, start=1):
            args = shlex.split(command.line)
            if not args or args[0] != "kubectl":
                raise ScenarioError(
                    f"fix command {number} is not a kubectl command: {command.line}", source=self.scenario
                )
            argv = [self._kubectl, f"--kubeconfig={self.kubeconfig}", f"--cache-dir={self._cache}", *args[1:]]
            try:
                # A fixed argument list from the scenario's own scenario.yaml; no shell is involved.
                done = subprocess.run(  # noqa: S603
                    argv,
                    input=command.stdin,
                    capture_output=True,
                    text=True,
                    timeout=COMMAND_TIMEOUT,
                    check=False,
                )
            except subprocess.TimeoutExpired as exc:
                raise ScenarioError(
                    f"fix command {number} did not finish in {COMMAND_TIMEOUT:.0f} s: {command.line}",
                    source=self.scenario,
                ) from exc
            if done.returncode:
                raise ScenarioError(
                    f"fix command {number} failed ({done.returncode}): {command.line}\n{done.stderr.strip()}",
                    source=self.scenario,
                )
            runs.append(CommandRun(command, done.stdout))
        return Applied(self.scenario, tuple(runs))

    def stop(self) -> None:
        """Stop the sandbox and give ``KUBECONFIG`` back its value from before the lab. Idempotent."""
        global _current  # noqa: PLW0603 - the one lab that owns this process's KUBECONFIG
        if self._stopped:
            return
        self._stopped = True
        for cluster in self._clusters:
            cluster.close()
        self._sandbox.stop()
        mine = {"KUBECONFIG": str(self.kubeconfig), "KUBECACHEDIR": str(self._cache)}
        for name, value in self._saved_env.items():
            if os.environ.get(name) != mine[name]:
                continue  # someone pointed it elsewhere since: theirs now
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        shutil.rmtree(self._cache, ignore_errors=True)
        if _current is self:
            _current = None

    def _require_running(self) -> None:
        if self._stopped:
            raise ConfigError(
                f"the lab {self.scenario} is stopped; start it again with labs.start({self.scenario!r})"
            )

    def __enter__(self) -> Lab:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        if self._stopped:
            return f"<Lab {self.scenario}: stopped>"
        where = f"at {self.url}; kubectl uses KUBECONFIG={self.kubeconfig}"
        return f"<Lab {self.scenario} (level {self.level}) {where}>"

    def _repr_markdown_(self) -> str:
        if self._stopped:
            return f"Lab **{self.scenario}** is stopped."
        return (
            f"Lab **{self.scenario}** (level {self.level}) is running at `{self.url}`, "
            f"{self.speed:g}× faster than real time. `kubectl` and `workbench.connect()` use it: "
            f"`KUBECONFIG={self.kubeconfig}`."
        )


def _commands(raw: Any) -> tuple[Command, ...]:
    return tuple(
        Command(str(c["command"]), str(c["stdin"])) if isinstance(c, Mapping) else Command(str(c))
        for c in raw
    )


_current: Lab | None = None


def start(scenario: str, *, speed: float = 30.0) -> Lab:
    """Start a lab: the scenario's broken cluster, served from this process, with ``KUBECONFIG`` on it.

    Args:
        scenario: a lab scenario (see `available`), e.g. ``"image-pull"``.
        speed: simulated seconds per real second (30: a five-minute back-off passes in ten seconds).

    Returns:
        The running `Lab`; any lab started before it in this process is stopped first.

    Raises:
        ScenarioError: not a lab scenario (the message lists the labs).
        ConfigError: kubectl is not installed (the message says where to get it), or a bad `speed`.
    """
    global _current  # noqa: PLW0603 - see Lab.stop
    names = available()
    if scenario not in names:
        raise ScenarioError(f"no lab of that name; the labs are: {', '.join(names)}", source=str(scenario))
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        raise ConfigError(
            "kubectl is not installed (not found on PATH); the labs are worked with it. Install it as "
            f"{KUBECTL_INSTALL} shows (e.g. `brew install kubectl`, `sudo snap install kubectl --classic`, "
            "or `conda install -c conda-forge kubernetes-client`), then start the lab again"
        )
    if isinstance(speed, bool) or not isinstance(speed, int | float) or not speed > 0:
        raise ConfigError(f"speed must be a positive number of simulated seconds per second, not {speed!r}")
    if _current is not None:
        _current.stop()
    _current = Lab(sandbox.start(scenario, speed=float(speed)), kubectl=kubectl, speed=float(speed))
    return _current


@atexit.register
def _stop_at_exit() -> None:
    # A kernel that shuts down with a lab running still removes its kubeconfig and cache.
    if _current is not None:
        _current.stop()
