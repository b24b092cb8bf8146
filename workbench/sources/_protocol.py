"""`ClusterSource`: the one seam between the workbench and a cluster (live API or snapshot file)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

from workbench.errors import ForbiddenError, KindAbsentError, SourceError
from workbench.sources._kinds import Kind

MissingReason = Literal["forbidden", "absent", "error"]


@dataclass(frozen=True, slots=True)
class Missing:
    """A kind that could not be read, and why (recorded in the frame bundle; views show it).

    Attributes:
        frame: the frame the kind feeds.
        reason: ``forbidden`` (RBAC), ``absent`` (not served) or ``error`` (anything else).
        message: the server's message or the error, for a person.
    """

    frame: str
    reason: MissingReason
    message: str

    @classmethod
    def of(cls, frame: str, error: SourceError) -> Missing:
        """The record of ``frame`` failing with ``error`` (RBAC, not served, or anything else)."""
        reason: MissingReason = (
            "forbidden"
            if isinstance(error, ForbiddenError)
            else "absent"
            if isinstance(error, KindAbsentError)
            else "error"
        )
        return cls(frame, reason, str(error))


@runtime_checkable
class ClusterSource(Protocol):
    """Read-only access to one cluster's state.

    Implementations: `LiveSource` (an API server: a kubeconfig context, in-cluster, or the sandbox)
    and `SnapshotSource` (a ``.wbsnap`` file). Frames are built from what ``list_pages`` yields,
    so both give identical frames for the same state.
    """

    @property
    def name(self) -> str:
        """The context name or snapshot path, for people."""
        ...

    @property
    def namespaces(self) -> tuple[str, ...] | None:
        """The namespaces this source is limited to, or ``None`` for all."""
        ...

    def server_version(self) -> dict[str, str]:
        """The server's ``/version`` document (``gitVersion``, ``major``, ``minor``...)."""
        ...

    def custom_kinds(self) -> Sequence[Kind]:
        """Custom resources the cluster serves (from its CRDs), for the ``conditions`` frame."""
        ...

    def list_pages(self, kind: Kind) -> Iterator[bytes]:
        """The kind's objects as raw JSON List documents, one page at a time.

        Secrets come with their values blanked. Raises `ForbiddenError`, `KindAbsentError` or
        another `SourceError` when the kind cannot be read.
        """
        ...

    def logs(
        self,
        namespace: str,
        pod: str,
        *,
        container: str | None = None,
        previous: bool = False,
        tail: int | None = None,
        limit_bytes: int | None = None,
    ) -> str:
        """A container's log with RFC 3339 timestamps at the start of each line."""
        ...

    def close(self) -> None:
        """Release connections or file handles."""
        ...
