"""Kube Workbench: a Jupyter workbench for Kubernetes incidents.

The public face is deliberately small; internal modules import from the stage they need, never
from this facade. `tests/test_public_api.py` guards the exported names.

Example:
    >>> import workbench
    >>> cluster = workbench.connect()  # doctest: +SKIP
    >>> frames = cluster.frames()  # doctest: +SKIP
    >>> frames.pods.groupby("phase", observed=True).size()  # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workbench.errors import WorkbenchError

if TYPE_CHECKING:
    from workbench.session import Cluster, connect, open_snapshot

__all__ = ["Cluster", "WorkbenchError", "__version__", "connect", "open_snapshot"]

__version__ = "0.1.0"

_SESSION = {"Cluster", "connect", "open_snapshot"}


def __getattr__(name: str) -> Any:
    # The session pulls in pandas and the official client; importing them lazily keeps
    # `import workbench.errors` (and so `workbench --help` and the sandbox) fast.
    if name in _SESSION:
        from workbench import session  # noqa: PLC0415 - lazy on purpose, see above

        return getattr(session, name)
    raise AttributeError(f"module 'workbench' has no attribute {name!r}")
