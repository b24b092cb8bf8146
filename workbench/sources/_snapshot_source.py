"""`SnapshotSource`: a `ClusterSource` over a ``.wbsnap`` file, for postmortems with no cluster.

Frames built from a snapshot are the frames the live pull built when it was taken: lists come back
as the same List documents (split into pages to bound memory), and a kind the live pull could not
read raises the same error class with the same message, so the frame bundle records the same
missing kinds. A kind that was not captured at all is absent (`KindAbsentError`, "not in this
snapshot").
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence

import orjson

from workbench.errors import ApiStatusError, ConfigError, ForbiddenError, KindAbsentError, SourceError
from workbench.sources._kinds import BY_FRAME, Kind
from workbench.sources._snapshot_format import SnapshotLimits
from workbench.sources._snapshot_reader import open_snapshot_file

DEFAULT_PAGE_SIZE = 500


class SnapshotSource:
    """Read-only cluster state from a snapshot file.

    Example:
        >>> source = SnapshotSource("incident.wbsnap")  # doctest: +SKIP
        >>> next(source.list_pages(builtin("pods")))[:40]  # doctest: +SKIP
        b'{"apiVersion":"v1","kind":"PodList","met'

    Args:
        path: the ``.wbsnap`` file.
        page_size: items per yielded page (bounds memory for large lists).
        limits: size bounds checked before anything is decompressed.

    Raises:
        SnapshotError: the file is missing, not a snapshot, corrupt, hostile or from a newer format.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        limits: SnapshotLimits | None = None,
    ) -> None:
        if page_size < 1:
            raise ConfigError(f"page_size must be a positive number of items, not {page_size}")
        self._path = os.fspath(path)
        self._page_size = page_size
        self._file = open_snapshot_file(path, limits=limits)
        self.manifest = self._file.manifest
        self._missing = {m.frame: m for m in self.manifest.missing}

    @property
    def name(self) -> str:
        """The snapshot's path."""
        return self._path

    @property
    def namespaces(self) -> tuple[str, ...] | None:
        """The namespaces captured, or ``None`` for all."""
        return self.manifest.namespaces

    def server_version(self) -> dict[str, str]:
        """The ``/version`` document recorded at capture time."""
        return dict(self.manifest.server_version)

    def custom_kinds(self) -> Sequence[Kind]:
        """The custom resource kinds the cluster served when the snapshot was taken."""
        kinds = {kind.frame: kind for kind in self.manifest.custom_kinds}
        for stored in self.manifest.kinds:
            if stored.kind.frame not in BY_FRAME:
                kinds.setdefault(stored.kind.frame, stored.kind)
        return sorted(kinds.values(), key=lambda kind: kind.frame)

    def list_pages(self, kind: Kind) -> Iterator[bytes]:
        """The kind's stored list as List documents of at most ``page_size`` items.

        Raises:
            ForbiddenError, KindAbsentError, SourceError: the kind was missing when the snapshot was
                taken (same class and message as then), or was not captured at all (absent).
        """
        stored = self._file.stored(kind.frame)
        if stored is None:
            raise self._not_captured(kind)
        return self._pages(kind.frame)

    def _pages(self, frame: str) -> Iterator[bytes]:
        header = self._file.header(frame)
        meta = header.get("metadata") if isinstance(header.get("metadata"), dict) else {}
        prefix = orjson.dumps({**header, "metadata": meta, "items": []})[: -len(b"]}")]
        batch: list[bytes] = []
        sent = False
        for item in self._file.items(frame):
            batch.append(item)
            if len(batch) == self._page_size:
                yield prefix + b",".join(batch) + b"]}"
                batch = []
                sent = True
        if batch or not sent:
            yield prefix + b",".join(batch) + b"]}"

    def write_lists(self, path: str | os.PathLike[str]) -> None:
        """Write every stored list as a JSON array of List documents (what the sandbox replays).

        Metrics are left out: the sandbox serves metrics.k8s.io from its own model, not from lists.
        """
        with open(path, "wb") as out:
            out.write(b"[")
            first = True
            for stored in self.manifest.kinds:
                if stored.kind.group == "metrics.k8s.io":
                    continue
                for page in self._pages(stored.kind.frame):
                    out.write(page if first else b"," + page)
                    first = False
            out.write(b"]")

    def _not_captured(self, kind: Kind) -> SourceError:
        path = kind.path()
        missing = self._missing.get(kind.frame)
        if missing is None:
            return KindAbsentError(
                f"{kind.frame} ({kind.kind}) is not in this snapshot ({self._path}); take a new snapshot "
                "that includes it, or read it from a live cluster",
                code=404,
                reason="NotFound",
                path=path,
            )
        if missing.reason == "forbidden":
            return ForbiddenError(missing.message, code=403, reason="Forbidden", path=path)
        if missing.reason == "absent":
            return KindAbsentError(missing.message, code=404, reason="NotFound", path=path)
        return SourceError(missing.message)

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
        """A container's captured log tail (lines start with RFC 3339 timestamps, as captured).

        Args:
            namespace: the pod's namespace.
            pod: the pod's name.
            container: the container; may be left out when only one container's log was captured.
            previous: the run before the last restart.
            tail: only the last ``tail`` lines.
            limit_bytes: at most this many bytes (from the start of the selected lines).

        Raises:
            ApiStatusError: 404 when that log was not captured, or 400 when ``container`` is needed.
        """
        path = f"/api/v1/namespaces/{namespace}/pods/{pod}/log"
        if container is None:
            containers = sorted({log.container for log in self._file.stored_logs(namespace, pod)})
            if len(containers) > 1:
                raise ApiStatusError(
                    f"a container name must be specified for pod {pod}, "
                    f"choose one of: [{' '.join(containers)}]",
                    code=400,
                    reason="BadRequest",
                    path=path,
                )
            container = containers[0] if containers else ""
        stored = self._file.log(namespace, pod, container, previous)
        if stored is None:
            which = "previous log" if previous else "log"
            raise ApiStatusError(
                f"the {which} of {namespace}/{pod}"
                + (f" container {container}" if container else "")
                + f" was not captured in snapshot {self._path}; take a new snapshot with logs for this "
                "pod, or read it from a live cluster",
                code=404,
                reason="NotFound",
                path=path,
            )
        text = self._file.log_text(stored)
        if tail is not None:
            lines = text.splitlines(keepends=True)
            text = "".join(lines[-tail:]) if tail > 0 else ""
        if limit_bytes is not None:
            text = text.encode("utf-8")[:limit_bytes].decode("utf-8", errors="ignore")
        return text

    def close(self) -> None:
        """Close the file."""
        self._file.close()

    def __enter__(self) -> SnapshotSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
