"""Reading a ``.wbsnap`` file, trusting nothing in it.

`open_snapshot_file` checks a file before anything is decompressed (a zip, only expected member
names, no paths leaving the archive, declared sizes and compression ratios within `SnapshotLimits`),
then parses the manifest and every list (orjson only: no pickle, no code) and checks the counts
against the manifest. Every failure is a `SnapshotError` naming the file, the cause and the fix.
"""

from __future__ import annotations

import os
import re
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import orjson

from workbench.errors import SnapshotError
from workbench.sources._snapshot_format import (
    FOOTER,
    LIST_MEMBER,
    LOG_MEMBER,
    MANIFEST,
    SUFFIX,
    Manifest,
    SnapshotLimits,
    StoredKind,
    StoredLog,
    corrupt,
    parse_manifest,
)


class SnapshotFile:
    """An open, verified snapshot. Use `open_snapshot_file` to get one; `close` it when done.

    Reading is safe from several threads at once (zipfile serializes seeks on the shared handle).
    """

    def __init__(
        self, path: str, archive: zipfile.ZipFile, manifest: Manifest, limits: SnapshotLimits
    ) -> None:
        self.path = path
        self.manifest = manifest
        self._zip = archive
        self._limits = limits
        self._kinds = {stored.kind.frame: stored for stored in manifest.kinds}
        self._logs = {(s.namespace, s.pod, s.container, s.previous): s for s in manifest.logs}

    def stored(self, frame: str) -> StoredKind | None:
        """The captured kind feeding ``frame``, or ``None`` if it was not captured."""
        return self._kinds.get(frame)

    def stored_logs(self, namespace: str, pod: str) -> list[StoredLog]:
        """The log tails captured for one pod."""
        return [log for key, log in self._logs.items() if key[:2] == (namespace, pod)]

    def header(self, frame: str) -> dict[str, Any]:
        """The List document's fields other than ``items`` (``apiVersion``, ``kind``, ``metadata``)."""
        stored = self._require(frame)
        with self._open(stored.member) as stream:
            return self._header(stored.member, stream.readline(self._limits.max_item_bytes))

    def items(self, frame: str, *, parse: bool = False) -> Iterator[bytes]:
        """The raw JSON of each item of ``frame``'s list, one at a time (bounded memory).

        Args:
            frame: a captured frame.
            parse: also check that each item parses as a JSON object (done once by `open_snapshot_file`).
        """
        member = self._require(frame).member
        try:
            yield from self._lines(member, parse=parse)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as err:
            raise corrupt(self.path, f"{member} cannot be read ({err})") from None

    def _lines(self, member: str, *, parse: bool) -> Iterator[bytes]:
        limit = self._limits.max_item_bytes
        with self._open(member) as stream:
            self._header(member, stream.readline(limit))
            number = 1
            while True:
                line = stream.readline(limit + 1)
                number += 1
                if line == FOOTER:
                    if stream.read(1):
                        raise corrupt(self.path, f"{member} has data after the end of its list")
                    return
                if not line.endswith(b"\n"):
                    cause = "an item longer than the limit" if len(line) > limit else "no end of list"
                    raise corrupt(self.path, f"{member} line {number}: {cause}")
                item = line[1:-1] if number > 2 else line[:-1]
                if number > 2 and line[:1] != b",":
                    raise corrupt(self.path, f"{member} line {number}: items after the first start with ','")
                if parse:
                    self._check_item(member, number, item)
                yield item

    def log_text(self, stored: StoredLog) -> str:
        """A captured log tail."""
        try:
            with self._open(stored.member) as stream:
                raw = stream.read()
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as err:
            raise corrupt(self.path, f"{stored.member} cannot be read ({err})") from None
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise corrupt(self.path, f"{stored.member} is not UTF-8 text") from None

    def log(self, namespace: str, pod: str, container: str, previous: bool) -> StoredLog | None:
        """The captured tail of one container, or ``None``."""
        return self._logs.get((namespace, pod, container, previous))

    def close(self) -> None:
        """Release the file handle."""
        self._zip.close()

    def _require(self, frame: str) -> StoredKind:
        stored = self._kinds.get(frame)
        if stored is None:
            raise KeyError(f"{frame!r} is not in snapshot {self.path}")
        return stored

    def _open(self, member: str) -> IO[bytes]:
        try:
            return self._zip.open(member)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as err:
            raise corrupt(self.path, f"{member} cannot be read ({err})") from None

    def _header(self, member: str, line: bytes) -> dict[str, Any]:
        try:
            doc = orjson.loads(line.rstrip(b"\n") + FOOTER)
        except orjson.JSONDecodeError:
            doc = None
        if not isinstance(doc, dict) or doc.get("items") != [] or not line.endswith(b'"items":[\n'):
            raise corrupt(self.path, f"{member} does not start with a List document header")
        del doc["items"]
        return doc

    def _check_item(self, member: str, number: int, item: bytes) -> None:
        try:
            parsed = orjson.loads(item)
        except orjson.JSONDecodeError as err:
            raise corrupt(self.path, f"{member} line {number} is not valid JSON ({err})") from None
        if not isinstance(parsed, dict):
            raise corrupt(self.path, f"{member} line {number} is not a JSON object")


def open_snapshot_file(path: str | os.PathLike[str], *, limits: SnapshotLimits | None = None) -> SnapshotFile:
    """Open and verify a ``.wbsnap`` file.

    Args:
        path: the snapshot file.
        limits: size bounds (defaults suit snapshots of clusters with hundreds of thousands of pods).

    Raises:
        SnapshotError: the file is missing, not a zip, corrupt, hostile (unexpected members, paths
            leaving the archive, sizes or ratios over the limits) or from a newer format.
    """
    limits = limits or SnapshotLimits()
    name = os.fspath(path)
    if not Path(name).is_file():
        raise SnapshotError("no such snapshot file; check the path", path=name)
    try:
        archive = zipfile.ZipFile(name)
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError) as err:
        raise SnapshotError(
            f"not a Kube Workbench snapshot (expected a {SUFFIX} zip): {err}; check the path, or "
            "re-create the file with `workbench snapshot`",
            path=name,
        ) from None
    except OSError as err:
        raise SnapshotError(
            f"cannot read the file ({err.strerror}); check its permissions", path=name
        ) from None
    try:
        snapshot = _verify(name, archive, limits)
    except BaseException:
        archive.close()
        raise
    return snapshot


def _verify(path: str, archive: zipfile.ZipFile, limits: SnapshotLimits) -> SnapshotFile:
    infos = archive.infolist()
    if len(infos) > limits.max_members:
        raise _hostile(path, f"it has {len(infos)} members, more than the {limits.max_members} allowed")
    seen: set[str] = set()
    total = 0
    for info in infos:
        _check_member(path, info, limits)
        if info.filename in seen:
            raise _hostile(path, f"member {info.filename!r} appears twice")
        seen.add(info.filename)
        total += info.file_size
    if total > limits.max_total_bytes:
        raise _hostile(
            path, f"its members add up to {total} bytes, over the {limits.max_total_bytes} allowed"
        )
    if MANIFEST not in seen:
        raise SnapshotError(
            f"not a Kube Workbench snapshot: the zip has no {MANIFEST}; open a file written by "
            "`workbench snapshot`",
            path=path,
        )
    try:
        manifest = parse_manifest(archive.read(MANIFEST), path)
    except (zipfile.BadZipFile, zlib.error, EOFError) as err:
        raise corrupt(path, f"{MANIFEST} cannot be read ({err})") from None
    expected = {MANIFEST} | {k.member for k in manifest.kinds} | {log.member for log in manifest.logs}
    unexpected = sorted(seen - expected)
    if unexpected:
        raise _hostile(path, f"unexpected member {unexpected[0]!r} (not listed in its manifest)")
    absent = sorted(expected - seen)
    if absent:
        raise corrupt(path, f"the manifest lists {absent[0]!r} but the zip has no such member")
    snapshot = SnapshotFile(path, archive, manifest, limits)
    for stored in manifest.kinds:
        count = sum(1 for _ in snapshot.items(stored.kind.frame, parse=True))
        if count != stored.count:
            raise corrupt(
                path, f"the manifest counts {stored.count} {stored.kind.frame} but the list holds {count}"
            )
    for log in manifest.logs:
        if archive.getinfo(log.member).file_size != log.bytes:
            raise corrupt(path, f"the manifest says {log.member} has {log.bytes} bytes, but it does not")
    return snapshot


def _check_member(path: str, info: zipfile.ZipInfo, limits: SnapshotLimits) -> None:
    member = info.filename
    if (
        member.startswith("/")
        or "\\" in member
        or ".." in member.split("/")
        or re.match(r"[A-Za-z]:", member)
    ):
        raise _hostile(path, f"member {member!r} has a path that leaves the archive")
    if member == MANIFEST:
        bound = limits.max_manifest_bytes
    elif LIST_MEMBER.fullmatch(member):
        bound = limits.max_member_bytes
    elif LOG_MEMBER.fullmatch(member):
        bound = limits.max_log_bytes
    else:
        raise _hostile(path, f"unexpected member {member!r} (only manifest.json, lists/ and logs/ belong)")
    if info.flag_bits & 0x1:
        raise _hostile(path, f"member {member!r} is encrypted")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise _hostile(path, f"member {member!r} uses compression method {info.compress_type}, not deflate")
    if info.file_size > bound:
        raise _hostile(path, f"member {member!r} declares {info.file_size} bytes, over the {bound} allowed")
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size > limits.ratio_floor and ratio > limits.max_ratio:
        raise _hostile(
            path,
            f"member {member!r} expands {ratio:.0f} times, over the {limits.max_ratio} allowed (a zip bomb?)",
        )


def _hostile(path: str, cause: str) -> SnapshotError:
    return SnapshotError(
        f"refusing to read the snapshot: {cause}; only open snapshots written by `workbench snapshot` "
        "from a source you trust",
        path=path,
    )
