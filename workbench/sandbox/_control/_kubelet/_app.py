"""An image's app model at work: what the container's main program does once started.

A missing variable or file ends it at startup (logging why), its memory curve meeting the limit
OOM-kills it, an unreachable dependency crashes it, makes it unready or just fills its log with
errors (checked every 10 s, so a fixed dependency heals it), and a batch app exits with its code.
Steady log lines follow at the model's pace.
"""

from __future__ import annotations

from collections import deque

from workbench.sandbox._control._kubelet._applog import DEFAULT_LINES
from workbench.sandbox._control._kubelet._process import Exit, Process, Setting, present

DEPENDENCY_CHECK = 10.0
"""How often a running app notices whether its dependencies answer."""
_TIMEOUT = 10.0


class AppProcess(Process):
    """An image's app model at work."""

    def __init__(self, s: Setting) -> None:
        super().__init__(s)
        m = s.model
        logs = m.logs
        self.listen_at: float | None = s.start + m.startup
        self.unready: str | None = None
        self._dep_next: float | None = None
        self._steady_next: float | None = None
        self._steady_index = 0
        missing_var = next((v for v in m.env if not present(s.env.get(v, ""))), None)
        missing_file = next((f for f in m.files if not s.files.exists(f)), None)
        if missing_var is not None or missing_file is not None:
            key = "missing_env" if missing_var is not None else "missing_file"
            lines = logs.get(key) or DEFAULT_LINES[key]
            for i, line in enumerate(lines):
                self.plan(s.start + 0.2 + 0.001 * i, line, var=missing_var or "", file=missing_file or "")
            self.ended = Exit(s.start + 0.3, 1, "Error")
            self.listen_at = None
            return
        start_lines = logs.get("start", ())
        for i, line in enumerate(start_lines):
            self.plan(s.start + 0.01 + m.startup * i / max(1, len(start_lines) - 1), line)
        if m.exit is not None:
            at = s.start + max(m.exit.after, m.startup)
            for i, line in enumerate(logs.get("exit", ())):
                self.plan(at - 0.01 + 0.001 * i, line)
            self.ended = Exit(at, m.exit.code, "Completed" if m.exit.code == 0 else "Error")
        if self._oom is not None:
            for i, line in enumerate(logs.get("oom", ())):
                self.plan(self._oom.at - 0.05 + 0.001 * i, line, limit=str(int(s.memory_limit or 0)))
        if m.depends:
            self._dep_next = self.listen_at
        if logs.get("steady") and m.log_every > 0:
            self._steady_next = (self.listen_at or s.start) + m.log_every
        self._planned = deque(sorted(self._planned))

    def advance(self, now: float) -> list[tuple[float, str]]:
        while self._dep_next is not None and self._dep_next <= now + 1e-9:
            at = self._dep_next
            end = self.exit()
            if end is not None and end.at <= at:
                self._dep_next = None
                break
            later = at + DEPENDENCY_CHECK
            if later <= now:  # catching up: only the latest check matters
                self._dep_next = later
                continue
            self._check_dependencies(at)
            self._dep_next = later
        self._steady(now)
        return self.release(now)

    def _check_dependencies(self, at: float) -> None:
        logs = self.s.model.logs
        unready = None
        for dep in self.s.model.depends:
            ok, error = self.s.reach(dep.host, dep.port)
            if ok:
                continue
            name = f"{dep.host}:{dep.port}" if dep.port else dep.host
            lines = logs.get("dependency") or DEFAULT_LINES["dependency"]
            when = at + (_TIMEOUT if "timeout" in error else 0.05)
            for i, line in enumerate(lines):
                self.plan(when + 0.001 * i, line, dep=name, host=dep.host, error=error)
            if dep.on_fail == "crash":
                if self.ended is None or self.ended.at > when:
                    self.ended = Exit(when + 0.01, 1, "Error")
                    self._dep_next = None
                break
            if dep.on_fail == "unready" and unready is None:
                unready = error
        self.unready = unready
        self._planned = deque(sorted(self._planned))

    def _steady(self, now: float) -> None:
        steady = self.s.model.logs.get("steady", ())
        every = self.s.model.log_every
        end = self.exit()
        limit = now if end is None else min(now, end.at)
        if self._steady_next is not None and limit - self._steady_next > every * 200:
            skipped = int((limit - self._steady_next) / every) - 200
            self._steady_next += skipped * every  # after a long gap, only the recent lines
            self._steady_index += skipped
        while self._steady_next is not None and self._steady_next <= limit + 1e-9:
            self.plan(self._steady_next, steady[self._steady_index % len(steady)])
            self._steady_index += 1
            self._steady_next += every

    def wake(self, now: float) -> float | None:
        times = [super().wake(now), self._dep_next]
        if self._steady_next is not None:
            times.append(max(self._steady_next, now + 5.0))
        future = [t for t in times if t is not None and t > now]
        return min(future) if future else None

    def listening(self, port: int, at: float) -> bool:
        return self.listen_at is not None and at >= self.listen_at and port in self.s.model.ports

    def http_status(self, path: str, at: float, readiness: bool) -> int:
        path = path.split("?", 1)[0] or "/"
        if path not in self.s.model.paths:
            return 404
        return 503 if readiness and self.unready else 200

    def breaks(self) -> list[float]:
        return [self.listen_at] if self.listen_at is not None else []

    def program(self, argv: list[str], at: float) -> tuple[int, list[str]] | None:
        # The image's own tools (pg_isready, redis-cli...) answer once the app is up.
        return (0, []) if self.listen_at is not None and at >= self.listen_at else (1, [])
