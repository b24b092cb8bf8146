"""Writing a ``.wbsnap`` snapshot: redacted lists and logs, streamed, and renamed into place at the end.

Memory stays bounded to one list page: each page is decoded, its items redacted (and optionally
anonymized) and written out one line each. A kind's list is spooled to a temporary file first, so a
source that fails half-way through a kind (a 403 on page three) leaves no half list in the archive:
the caller records the kind as missing and goes on. The archive itself is written to a temporary
file beside the target and renamed over it only by `SnapshotWriter.close`; a failure anywhere leaves
nothing behind.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import orjson

from workbench.errors import ConfigError, SnapshotError
from workbench.redaction import Anonymizer, RedactionReport, mask_text, redact_log, redact_object
from workbench.sources._kinds import Kind
from workbench.sources._protocol import Missing
from workbench.sources._snapshot_format import (
    FOOTER,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    kind_to_json,
    list_member,
    log_member,
    valid_name,
)

CREATED_BY = "kube-workbench 0.1.0"
_COPY_CHUNK = 1 << 20


class SnapshotWriter:
    """Writes one snapshot file. Not thread-safe: add kinds one after another.

    Example:
        >>> with SnapshotWriter("incident.wbsnap") as snap:  # doctest: +SKIP
        ...     snap.add_pages(builtin("pods"), source.list_pages(builtin("pods")))
        ...     snap.add_log("shop", "checkout-7d9f8c6b5d-x2x4z", "checkout", False, text)
        ...     snap.close(server_version=source.server_version(), source=source.name, namespaces=None)

    Args:
        path: the snapshot to write (conventionally ending in ``.wbsnap``); replaced if it exists.
        anonymizer: replace names by pseudonyms (the map stays with the caller; it is never written).
    """

    def __init__(self, path: str | os.PathLike[str], *, anonymizer: Anonymizer | None = None) -> None:
        self.path = Path(path)
        self._anonymizer = anonymizer
        self._report = RedactionReport()
        self._kinds: dict[str, dict[str, Any]] = {}
        self._logs: dict[str, dict[str, Any]] = {}
        self._missing: list[Missing] = []
        self._done = False
        if not self.path.parent.is_dir():
            raise SnapshotError(
                "its directory does not exist; create it or choose another path", path=str(path)
            )
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".partial", dir=self.path.parent)
        self._tmp = Path(tmp)
        self._file = os.fdopen(fd, "w+b")
        self._zip = zipfile.ZipFile(self._file, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6)

    @property
    def report(self) -> RedactionReport:
        """What redaction removed so far."""
        return self._report

    def add_pages(self, kind: Kind, pages: Iterable[bytes]) -> int:
        """Store one kind's list from its raw JSON List pages, redacting every item.

        Args:
            kind: the kind the pages list.
            pages: the pages, as ``ClusterSource.list_pages`` yields them.

        Returns:
            How many items were stored.

        Raises:
            ConfigError: the kind was already added or the writer is closed.
            SnapshotError: a page is not a JSON List document.
            SourceError: whatever ``pages`` raises (nothing of this kind is stored then).
        """
        self._check_open()
        if kind.frame in self._kinds:
            raise ConfigError(f"{kind.frame} was already added to {self.path}; add each kind once")
        report = RedactionReport()
        with tempfile.TemporaryFile(dir=self.path.parent) as spool:
            count, resource_version = self._spool(kind, pages, spool, report)
            spool.seek(0)
            with self._zip.open(list_member(kind.frame), "w", force_zip64=True) as out:
                shutil.copyfileobj(spool, out, _COPY_CHUNK)
        self._report.merge(report)
        entry = kind_to_json(kind)
        entry.update(count=count, resource_version=resource_version, member=list_member(kind.frame))
        self._kinds[kind.frame] = entry
        return count

    def _spool(
        self, kind: Kind, pages: Iterable[bytes], out: IO[bytes], report: RedactionReport
    ) -> tuple[int, str]:
        count = 0
        resource_version: str | None = None
        for number, page in enumerate(pages, 1):
            try:
                doc = orjson.loads(page)
            except orjson.JSONDecodeError as err:
                raise self._bad_page(kind, number, f"not JSON ({err})") from None
            items = doc.get("items") if isinstance(doc, dict) else None
            if not isinstance(items, list | None):
                raise self._bad_page(kind, number, "its items are not a list")
            if resource_version is None:
                meta = doc.get("metadata") if isinstance(doc, dict) else None
                resource_version = str(meta.get("resourceVersion", "")) if isinstance(meta, dict) else ""
                out.write(self._header(kind, resource_version))
            for item in items or ():
                if not isinstance(item, dict):
                    raise self._bad_page(kind, number, "an item is not a JSON object")
                redacted, item_report = redact_object(item, in_place=True)
                report.merge(item_report)
                if self._anonymizer is not None:
                    redacted = self._anonymizer.anonymize_object(redacted)
                out.write((b"," if count else b"") + orjson.dumps(redacted) + b"\n")
                count += 1
        if resource_version is None:  # no pages at all: an empty list
            resource_version = ""
            out.write(self._header(kind, resource_version))
        out.write(FOOTER)
        return count, resource_version

    @staticmethod
    def _header(kind: Kind, resource_version: str) -> bytes:
        doc = {
            "apiVersion": kind.api_version,
            "kind": f"{kind.kind}List",
            "metadata": {"resourceVersion": resource_version},
            "items": [],
        }
        return orjson.dumps(doc)[: -len(b"]}")] + b"\n"

    def _bad_page(self, kind: Kind, number: int, cause: str) -> SnapshotError:
        return SnapshotError(
            f"cannot store the {kind.kind} list: page {number} is {cause}; the source sent a malformed page",
            path=str(self.path),
        )

    def add_log(self, namespace: str, pod: str, container: str, previous: bool, text: str) -> None:
        """Store a container's log tail, redacted.

        Raises:
            ConfigError: a name is not a Kubernetes name, the log was already added, or the writer is closed.
        """
        self._check_open()
        for label, value in (("namespace", namespace), ("pod", pod), ("container", container)):
            if not valid_name(value) or (label == "container" and "." in value):
                raise ConfigError(f"{label} {value!r} is not a Kubernetes name; pass the object's name")
        redacted = redact_log(text)
        self._report.add_text(redacted, "log")
        body = redacted.text
        if self._anonymizer is not None:
            anon = self._anonymizer
            namespace, pod = anon.namespace(namespace), anon.name(pod, "app")
            container, body = anon.name(container, "ctr"), anon.anonymize_text(body)
        member = log_member(namespace, pod, container, previous)
        if member in self._logs:
            raise ConfigError(f"the log {member} was already added to {self.path}; add each log once")
        data = body.encode("utf-8")
        self._zip.writestr(member, data)
        self._logs[member] = {
            "namespace": namespace,
            "pod": pod,
            "container": container,
            "previous": previous,
            "member": member,
            "bytes": len(data),
        }

    def set_missing(self, missing: Iterable[Missing]) -> None:
        """Record the kinds that could not be read (``frame`` is the `Kind.frame` that failed).

        A `SnapshotSource` raises the same error for them, so frames pulled from the snapshot record
        the same missing kinds as the live pull did. Messages are redacted like any text.
        """
        self._check_open()
        recorded = []
        for entry in missing:
            if entry.frame in self._kinds:
                raise ConfigError(f"{entry.frame} was captured; it cannot also be missing")
            message = mask_text(entry.message).text
            if self._anonymizer is not None:
                message = self._anonymizer.anonymize_text(message)
            recorded.append(Missing(entry.frame, entry.reason, message))
        self._missing = recorded

    def close(
        self,
        *,
        server_version: Mapping[str, str],
        source: str,
        namespaces: Sequence[str] | None = None,
        captured_at: datetime | None = None,
        custom_kinds: Sequence[Kind] = (),
    ) -> Path:
        """Write the manifest and move the finished file into place.

        Args:
            server_version: the server's ``/version`` document.
            source: the context or source name the state was read from.
            namespaces: the namespaces captured, or ``None`` for all.
            captured_at: when the state was read (default: now); must be timezone-aware.
            custom_kinds: every custom resource kind the cluster served, captured or not.

        Returns:
            The snapshot's path.
        """
        self._check_open()
        at = captured_at or datetime.now(UTC)
        if at.tzinfo is None:
            raise ConfigError("captured_at must be timezone-aware (for example datetime.now(UTC))")
        anon = self._anonymizer
        if anon is not None and namespaces is not None:
            namespaces = [anon.namespace(ns) for ns in namespaces]
        customs = {kind.frame: kind_to_json(kind) for kind in custom_kinds}
        for entry in self._kinds.values():
            if entry["frame"] not in customs and "." in entry["frame"]:
                customs[entry["frame"]] = {
                    k: entry[k] for k in ("frame", "kind", "group", "version", "plural", "namespaced")
                }
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_by": CREATED_BY,
            "captured_at": at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "source": "anonymized" if anon is not None else source,
            "server_version": {str(k): str(v) for k, v in server_version.items()},
            "namespaces": list(namespaces) if namespaces is not None else None,
            "kinds": list(self._kinds.values()),
            "custom_kinds": list(customs.values()),
            "missing": [{"frame": m.frame, "reason": m.reason, "message": m.message} for m in self._missing],
            "redaction": self._report.to_dict(),
            "anonymized": anon is not None,
            "logs": list(self._logs.values()),
        }
        try:
            self._zip.writestr(MANIFEST, orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
            self._zip.close()
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            os.replace(self._tmp, self.path)
        except BaseException:
            self.abort()
            raise
        self._done = True
        return self.path

    def abort(self) -> None:
        """Give up: nothing is written (the temporary file is removed). Idempotent."""
        self._done = True
        # The archive is thrown away: an error closing it does not matter.
        with contextlib.suppress(OSError, ValueError, zipfile.BadZipFile):
            self._zip.close()
        self._file.close()
        self._tmp.unlink(missing_ok=True)

    def _check_open(self) -> None:
        if self._done:
            raise ConfigError(f"the snapshot writer for {self.path} is already closed")

    def __enter__(self) -> SnapshotWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._done:
            return
        self.abort()
        if exc_type is None:
            raise ConfigError(
                f"the snapshot {self.path} was not finished: call close(server_version=..., source=...) "
                "inside the with block; nothing was written"
            )
