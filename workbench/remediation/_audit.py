"""The audit log: one JSON line per dry-run and apply, appended to a file the user owns.

The same record is also a cell output (`AUDIT_MIME`) of the dry-run or apply, so a saved notebook
carries its own trail into the postmortem. A plan is never applied when its record cannot be written.
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path

import orjson

from workbench.errors import AuditError, ConfigError
from workbench.model import AuditRecord

ENV = "WORKBENCH_AUDIT_LOG"
"""Environment variable naming the audit log file."""


def default_path() -> Path:
    """``$WORKBENCH_AUDIT_LOG``, else ``$XDG_STATE_HOME/workbench/audit.jsonl`` (``~/.local/state``)."""
    if os.environ.get(ENV):
        return Path(os.environ[ENV]).expanduser()
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "workbench" / "audit.jsonl"


def local_user() -> str:
    """The operating-system user running this process (``""`` when it cannot be told)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry and no LOGNAME/USER (some containers)
        return ""


class AuditLog:
    """An append-only JSON-lines file of `AuditRecord`s.

    Args:
        path: the file; default `default_path()`.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path).expanduser() if path is not None else default_path()

    def check(self) -> None:
        """Make sure a record can be appended (creating the directory), before anything is applied.

        Raises:
            AuditError: the file or its directory cannot be written.
        """
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("ab"):
                pass
        except OSError as exc:
            raise AuditError(
                f"the audit log {self.path} cannot be written ({exc.strerror or exc}); nothing was applied. "
                f"Point {ENV} at a writable file, or fix the directory's permissions"
            ) from exc

    def write(self, record: AuditRecord) -> None:
        """Append one record.

        Raises:
            AuditError: the file cannot be written.
        """
        self.check()
        line = orjson.dumps(record.to_dict()) + b"\n"
        try:
            with self.path.open("ab") as out:
                out.write(line)
        except OSError as exc:
            raise AuditError(f"the audit log {self.path} cannot be written ({exc.strerror or exc})") from exc

    def records(self) -> list[AuditRecord]:
        """Every record in the file, oldest first (an absent file has none).

        Raises:
            AuditError: a line is not an audit record (the file was edited or is not an audit log).
        """
        if not self.path.exists():
            return []
        out = []
        for number, line in enumerate(self.path.read_bytes().splitlines(), 1):
            if not line.strip():
                continue
            try:
                out.append(AuditRecord.from_dict(orjson.loads(line)))
            except (orjson.JSONDecodeError, ValueError, ConfigError) as exc:
                raise AuditError(f"{self.path}:{number} is not an audit record ({exc})") from exc
        return out
