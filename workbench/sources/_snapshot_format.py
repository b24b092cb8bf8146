"""The ``.wbsnap`` snapshot file: its layout, its limits and its manifest.

A snapshot is a zip archive (deflate) holding::

    manifest.json                                   what is inside (see `Manifest`)
    lists/<frame>.json                              one List document per kind, all items, redacted
    logs/<namespace>/<pod>/<container>.log          a container's log tail, redacted
    logs/<namespace>/<pod>/<container>.previous.log the previous run's tail

A list member is an ordinary JSON List document laid out one item per line, so it can be read (and
written) an item at a time with bounded memory::

    {"apiVersion":"v1","kind":"PodList","metadata":{"resourceVersion":"291"},"items":[
    {...first item...}
    ,{...second item...}
    ]}

`parse_manifest` validates the manifest; `workbench.sources._snapshot_reader` reads and checks the
rest, `workbench.sources._snapshot_writer` writes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from workbench.errors import SnapshotError
from workbench.sources._kinds import Kind
from workbench.sources._protocol import Missing

FORMAT = "kube-workbench-snapshot"
FORMAT_VERSION = 1
SUFFIX = ".wbsnap"
MANIFEST = "manifest.json"
FOOTER = b"]}\n"

_FRAME = r"[a-z0-9][a-z0-9_.\-]{0,252}"
_NAME = r"[a-z0-9](?:[a-z0-9.\-]{0,251}[a-z0-9])?"
LIST_MEMBER = re.compile(rf"lists/({_FRAME})\.json")
LOG_MEMBER = re.compile(
    rf"logs/({_NAME})/({_NAME})/([a-z0-9](?:[a-z0-9\-]{{0,61}}[a-z0-9])?)(\.previous)?\.log"
)
_NAME_ONLY = re.compile(_NAME)
_REASONS = ("forbidden", "absent", "error")
_GIB = 1 << 30
_MIB = 1 << 20


def list_member(frame: str) -> str:
    """The member holding ``frame``'s List document."""
    return f"lists/{frame}.json"


def log_member(namespace: str, pod: str, container: str, previous: bool) -> str:
    """The member holding one container's log tail (``previous``: the run before the last restart)."""
    return f"logs/{namespace}/{pod}/{container}{'.previous' if previous else ''}.log"


def valid_name(value: str) -> bool:
    """Whether ``value`` is a Kubernetes object name safe to use as a path component."""
    return _NAME_ONLY.fullmatch(value) is not None


@dataclass(frozen=True, slots=True)
class SnapshotLimits:
    """Bounds a snapshot must respect before anything is decompressed (zip bombs are refused).

    Attributes:
        max_member_bytes: the largest uncompressed list member.
        max_total_bytes: the largest uncompressed total.
        max_ratio: the largest uncompressed/compressed ratio of a member over ``ratio_floor`` bytes.
        ratio_floor: members smaller than this are not ratio-checked (tiny members compress oddly).
        max_members: the most members.
        max_manifest_bytes: the largest manifest.
        max_log_bytes: the largest log member.
        max_item_bytes: the longest line (one object) in a list member.
    """

    max_member_bytes: int = 8 * _GIB
    max_total_bytes: int = 32 * _GIB
    max_ratio: int = 400
    ratio_floor: int = _MIB
    max_members: int = 200_000
    max_manifest_bytes: int = 256 * _MIB
    max_log_bytes: int = 64 * _MIB
    max_item_bytes: int = 32 * _MIB


@dataclass(frozen=True, slots=True)
class StoredKind:
    """A kind captured in the snapshot: its coordinates, item count and list member."""

    kind: Kind
    count: int
    resource_version: str
    member: str


@dataclass(frozen=True, slots=True)
class StoredLog:
    """A captured log tail."""

    namespace: str
    pod: str
    container: str
    previous: bool
    member: str
    bytes: int


@dataclass(frozen=True, slots=True)
class Manifest:
    """``manifest.json``: what the snapshot holds.

    Attributes:
        format_version: the layout version (`FORMAT_VERSION` when written by this version).
        captured_at: when the state was read (UTC).
        source: the context or source name it was read from.
        server_version: the server's ``/version`` document.
        namespaces: the namespaces captured, or ``None`` for all.
        kinds: the kinds captured.
        custom_kinds: the custom resources the cluster served (captured or not).
        missing: kinds that could not be read, with the reason (as the live pull recorded them).
        redaction: what redaction removed (`RedactionReport.to_dict`).
        anonymized: whether names were replaced by pseudonyms.
        logs: the captured log tails.
        created_by: the program that wrote it.
    """

    format_version: int
    captured_at: datetime
    source: str
    server_version: dict[str, str]
    namespaces: tuple[str, ...] | None
    kinds: tuple[StoredKind, ...]
    custom_kinds: tuple[Kind, ...]
    missing: tuple[Missing, ...]
    redaction: dict[str, Any]
    anonymized: bool
    logs: tuple[StoredLog, ...]
    created_by: str


def kind_to_json(kind: Kind) -> dict[str, Any]:
    """A Kind's coordinates as manifest JSON."""
    return {
        "frame": kind.frame,
        "kind": kind.kind,
        "group": kind.group,
        "version": kind.version,
        "plural": kind.plural,
        "namespaced": kind.namespaced,
    }


class _Doc:
    """Typed access to a parsed JSON object; a wrong or missing field is a SnapshotError naming it."""

    def __init__(self, data: Any, where: str, path: str) -> None:
        if not isinstance(data, dict):
            raise corrupt(path, f"{where} is not a JSON object")
        self.data: dict[str, Any] = data
        self.where = where
        self.path = path

    def get(self, key: str, kind: type | tuple[type, ...], *, optional: bool = False) -> Any:
        value = self.data.get(key)
        if value is None and optional:
            return None
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            expected = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            raise corrupt(self.path, f"{self.where}.{key} should be a {expected}, not {value!r:.60}")
        return value

    def strings(self, key: str) -> dict[str, str]:
        value: dict[str, Any] = self.get(key, dict)
        if not all(isinstance(v, str) for v in value.values()):
            raise corrupt(self.path, f"{self.where}.{key} should map names to strings")
        return {k: str(v) for k, v in value.items()}


def corrupt(path: str, cause: str) -> SnapshotError:
    return SnapshotError(
        f"the snapshot is corrupt: {cause}; re-create it with `workbench snapshot` (or ask for a new copy)",
        path=path,
    )


def _kind_from(doc: _Doc) -> Kind:
    frame = doc.get("frame", str)
    if not re.fullmatch(_FRAME, frame):
        raise corrupt(doc.path, f"{doc.where}.frame {frame!r} is not a frame name")
    return Kind(
        frame,
        doc.get("kind", str),
        doc.get("group", str),
        doc.get("version", str),
        doc.get("plural", str),
        doc.get("namespaced", bool),
    )


def parse_manifest(raw: bytes, path: str) -> Manifest:
    """Parse and validate ``manifest.json`` (format name, version, every field's type).

    Raises:
        SnapshotError: it is not a Kube Workbench manifest, is from a newer format, or is malformed.
    """
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as err:
        raise corrupt(path, f"manifest.json is not valid JSON ({err})") from None
    doc = _Doc(data, "manifest", path)
    if data.get("format") != FORMAT:
        raise SnapshotError(
            f"not a Kube Workbench snapshot: its manifest names format {data.get('format')!r}, "
            f"not {FORMAT!r}; open a file written by `workbench snapshot`",
            path=path,
        )
    version = doc.get("format_version", int)
    if version > FORMAT_VERSION:
        raise SnapshotError(
            f"the snapshot is format_version {version}, but this kube-workbench reads format_version "
            f"{FORMAT_VERSION} at most: upgrade kube-workbench (pip install -U kube-workbench)",
            path=path,
        )
    if version < 1:
        raise corrupt(path, f"manifest.format_version {version} is not a version")
    try:
        captured_at = datetime.fromisoformat(doc.get("captured_at", str))
    except ValueError:
        raise corrupt(path, "manifest.captured_at is not an ISO 8601 time") from None
    namespaces = doc.get("namespaces", list, optional=True)
    if namespaces is not None and not all(isinstance(n, str) for n in namespaces):
        raise corrupt(path, "manifest.namespaces should be a list of names")
    kinds = []
    for i, entry in enumerate(doc.get("kinds", list)):
        item = _Doc(entry, f"manifest.kinds[{i}]", path)
        kind = _kind_from(item)
        member = item.get("member", str)
        if member != list_member(kind.frame):
            raise corrupt(path, f"{item.where}.member {member!r} should be {list_member(kind.frame)!r}")
        count = item.get("count", int)
        if count < 0:
            raise corrupt(path, f"{item.where}.count is negative")
        kinds.append(StoredKind(kind, count, item.get("resource_version", str), member))
    missing = []
    for i, entry in enumerate(doc.get("missing", list)):
        item = _Doc(entry, f"manifest.missing[{i}]", path)
        reason = item.get("reason", str)
        if reason not in _REASONS:
            raise corrupt(path, f"{item.where}.reason {reason!r} is not one of {', '.join(_REASONS)}")
        missing.append(Missing(item.get("frame", str), reason, item.get("message", str)))
    logs = []
    for i, entry in enumerate(doc.get("logs", list)):
        item = _Doc(entry, f"manifest.logs[{i}]", path)
        namespace, pod, container = (item.get(key, str) for key in ("namespace", "pod", "container"))
        previous = item.get("previous", bool)
        member = item.get("member", str)
        if member != log_member(namespace, pod, container, previous):
            raise corrupt(
                path, f"{item.where}.member {member!r} does not match its namespace, pod and container"
            )
        logs.append(StoredLog(namespace, pod, container, previous, member, item.get("bytes", int)))
    customs = tuple(
        _kind_from(_Doc(e, f"manifest.custom_kinds[{i}]", path))
        for i, e in enumerate(doc.get("custom_kinds", list))
    )
    return Manifest(
        format_version=version,
        captured_at=captured_at,
        source=doc.get("source", str),
        server_version=doc.strings("server_version"),
        namespaces=tuple(namespaces) if namespaces is not None else None,
        kinds=tuple(kinds),
        custom_kinds=customs,
        missing=tuple(missing),
        redaction=doc.get("redaction", dict),
        anonymized=doc.get("anonymized", bool),
        logs=tuple(logs),
        created_by=doc.get("created_by", str),
    )
