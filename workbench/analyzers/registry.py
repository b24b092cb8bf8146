"""The explicit registry of analyzers (greppable), plus third-party ones from an entry-point group.

Built-in analyzers are listed by family, one analyzer per file; a third-party package registers
its analyzer classes under the ``workbench.analyzers`` entry-point group.
"""

from __future__ import annotations

from importlib.metadata import entry_points

from workbench.analyzers.base import Analyzer
from workbench.analyzers.network import FAMILY as NETWORK
from workbench.analyzers.nodes import FAMILY as NODES
from workbench.analyzers.pods import FAMILY as PODS
from workbench.analyzers.workloads import FAMILY as WORKLOADS
from workbench.errors import ConfigError

ENTRY_POINT_GROUP = "workbench.analyzers"

BUILTIN: tuple[type[Analyzer], ...] = (*PODS, *WORKLOADS, *NETWORK, *NODES)


def plugins() -> list[type[Analyzer]]:
    """Analyzer classes third-party packages register under `ENTRY_POINT_GROUP`."""
    return [ep.load() for ep in entry_points(group=ENTRY_POINT_GROUP)]


def analyzers(*, names: list[str] | None = None, include_plugins: bool = True) -> list[Analyzer]:
    """One instance of every analyzer (or of those ``names``), built-in first.

    Raises:
        ConfigError: a name is unknown (the message lists the known ones), or two analyzers share a
            name or a finding code.
    """
    classes = [*BUILTIN, *(plugins() if include_plugins else [])]
    seen_names: set[str] = set()
    seen_codes: dict[str, str] = {}
    for cls in classes:
        if cls.name in seen_names:
            raise ConfigError(f"two analyzers are named {cls.name!r}; rename one")
        seen_names.add(cls.name)
        for code in cls.codes:
            if code in seen_codes:
                raise ConfigError(
                    f"finding code {code!r} is emitted by both {seen_codes[code]} and {cls.name}"
                )
            seen_codes[code] = cls.name
    if names is not None:
        unknown = sorted(set(names) - seen_names)
        if unknown:
            raise ConfigError(f"unknown analyzers {unknown}; known: {', '.join(sorted(seen_names))}")
        classes = [cls for cls in classes if cls.name in names]
    return [cls() for cls in classes]
