"""Container logs as a frame: one row per line, with the kubelet's timestamp parsed."""

from __future__ import annotations

import pandas as pd

from workbench.errors import ConfigError
from workbench.frames import _decode as d
from workbench.frames.schema import Logs

DEFAULT_MAX_LINES = 10_000


def logs_frame(
    text: str,
    *,
    namespace: str,
    pod: str,
    container: str | None = None,
    previous: bool = False,
    max_lines: int = DEFAULT_MAX_LINES,
) -> pd.DataFrame:
    """The ``logs`` frame of one container's log, read with ``timestamps=true``.

    Each line starts with an RFC 3339 timestamp and a space (``2026-05-01T10:00:00.123456789Z msg``);
    a line without one (a log cut mid-line by ``limitBytes``) keeps its whole text and a NaT time.

    Args:
        text: the log as `ClusterSource.logs` returns it.
        namespace: the pod's namespace.
        pod: the pod's name.
        container: the container's name (``None`` when the pod's only container was read).
        previous: whether this is the previous (crashed) instance's log.
        max_lines: keep only the last this many lines, so a chatty container cannot exhaust memory.

    Returns:
        The frame, oldest line first.

    Raises:
        ConfigError: ``max_lines`` is not positive.

    Example:
        >>> df = logs_frame("2026-05-01T10:00:00Z started\\n", namespace="shop", pod="web-0")
        >>> df.loc[0, "line"], str(df.loc[0, "time"])
        ('started', '2026-05-01 10:00:00+00:00')
    """
    if max_lines < 1:
        raise ConfigError(f"max_lines must be a positive number of lines, not {max_lines}")
    lines = text.splitlines()[-max_lines:]
    heads, rests = [], []
    for line in lines:
        head, _, rest = line.partition(" ")
        heads.append(head)
        rests.append(rest)
    stamps = pd.to_datetime(pd.Series(heads, dtype=object), utc=True, format="ISO8601", errors="coerce")
    stamped = stamps.notna().tolist()
    columns: d.Columns = {
        Logs.KIND: d.Const("Pod"),
        Logs.NAMESPACE: d.Const(namespace),
        Logs.NAME: d.Const(pod),
        Logs.UID: d.Const(""),
        Logs.CONTAINER: d.Const(container),
        Logs.PREVIOUS: d.Const(previous),
        Logs.TIME: pd.DatetimeIndex(stamps),
        Logs.LINE: [rest if ok else line for line, rest, ok in zip(lines, rests, stamped, strict=True)],
    }
    return d.build(Logs.FRAME, columns, len(lines))
