"""The sandbox's object store: pre-encoded JSON, one global resourceVersion, and a change feed.

Objects are kept as compact JSON bytes beside a small index (labels and field-selector values), so a
list of 150k pods is a join of byte strings, not 150k decodes and encodes, and the store's memory
stays close to the data's size. Every write takes the next global resourceVersion (as etcd's revision
does) and appends a `Change` to a bounded history. That history serves three things: watches (from
any resourceVersion still in it, else 410 Expired), consistent paginated lists (a continued page is
served as of the first page's resourceVersion by undoing the changes made since), and subscribers
such as the simulated control plane.
"""

from __future__ import annotations

import bisect
import gc
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import orjson

from workbench.errors import SandboxApiError

Key = tuple[str, str]  # (namespace, name); namespace "" for cluster-scoped objects
ChangeType = Literal["ADDED", "MODIFIED", "DELETED"]
Predicate = Callable[["Entry"], bool]


@dataclass(frozen=True, slots=True)
class Entry:
    """One stored object: its JSON bytes and what selectors need without decoding it."""

    raw: bytes
    rv: int
    uid: str
    labels: Mapping[str, str]
    fields: Mapping[str, str]
    owners: tuple[str, ...] = ()
    """The uids in ``metadata.ownerReferences`` (for the garbage collector's index)."""

    def decode(self) -> dict[str, Any]:
        obj: dict[str, Any] = orjson.loads(self.raw)
        return obj


@dataclass(frozen=True, slots=True)
class Change:
    """One write. For DELETED, `entry` is the object's last state (with the deletion's resourceVersion)."""

    rv: int
    type: ChangeType
    bucket: str
    key: Key
    entry: Entry
    prev: Entry | None


def expired(rv: int, oldest: int) -> SandboxApiError:
    return SandboxApiError(410, "Expired", f"too old resource version: {rv} ({oldest})")


class Store:
    """Thread-safe versioned object store.

    Args:
        history: how many changes to keep for watches and consistent pagination (etcd compacts
            similarly; clients that fall behind get 410 Expired and relist).
    """

    def __init__(self, *, history: int = 50_000) -> None:
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._buckets: dict[str, dict[Key, Entry]] = {}
        self._sorted: dict[str, list[Key]] = {}
        self._log: list[Change] = []
        self._history = history
        self._rv = 1
        # The oldest change the log holds (or would hold next): watches and continued lists can
        # start from `_floor - 1` or later (an empty store has no history to lose).
        self._floor = 1
        self._subscribers: list[Callable[[Change], None]] = []
        self._by_uid: dict[str, tuple[str, Key]] = {}
        self._owned: dict[str, set[tuple[str, Key]]] = {}  # owner uid -> its dependents
        self.read_only = False

    # -- reads -------------------------------------------------------------------------------
    @property
    def lock(self) -> threading.RLock:
        """Hold it to read, check and write as one step (as an etcd transaction does)."""
        return self._lock

    @property
    def resource_version(self) -> int:
        return self._rv

    def get(self, bucket: str, key: Key) -> Entry | None:
        return self._buckets.get(bucket, {}).get(key)

    def count(self, bucket: str) -> int:
        return len(self._buckets.get(bucket, {}))

    def iter_entries(self, bucket: str, namespace: str | None = None) -> Iterator[Entry]:
        """Current entries of a bucket (optionally one namespace) in key order; a snapshot copy."""
        with self._lock:
            keys = self._range(bucket, namespace, None)
            entries = self._buckets.get(bucket, {})
            found = [entries[k] for k in keys]
        return iter(found)

    def page(
        self,
        bucket: str,
        namespace: str | None,
        *,
        match: Predicate | None = None,
        limit: int = 0,
        after: Key | None = None,
        at_rv: int | None = None,
    ) -> tuple[list[Entry], Key | None, int, int | None]:
        """One page of a list.

        Returns ``(entries, last_key_if_more, list_rv, remaining_or_None)``. With `at_rv` the page is
        the state as of that resourceVersion (410 Expired if the history no longer reaches it).
        `remaining` is only known without a predicate, as on a real server.
        """
        with self._lock:
            list_rv = at_rv if at_rv is not None else self._rv
            if at_rv is not None and at_rv < self._floor - 1:
                raise SandboxApiError(
                    410,
                    "Expired",
                    "The provided continue parameter is too old to display a consistent list result. "
                    "You can start a new list without the continue parameter.",
                )
            overlay = self._overlay(bucket, at_rv) if at_rv is not None and at_rv < self._rv else {}
            keys = self._range(bucket, namespace, after)
            if overlay:
                extra = [
                    k
                    for k in overlay
                    if (namespace is None or k[0] == namespace) and (after is None or k > after)
                ]
                keys = sorted(set(keys).union(extra))
            current = self._buckets.get(bucket, {})
            page: list[Entry] = []
            last: Key | None = None
            scanned = 0
            for k in keys:
                scanned += 1
                entry = overlay[k] if k in overlay else current.get(k)
                if entry is None or (match is not None and not match(entry)):
                    continue
                page.append(entry)
                last = k
                if limit and len(page) >= limit:
                    break
            more = limit > 0 and len(page) >= limit and scanned < len(keys)
            if not more:
                return page, None, list_rv, None
            remaining = None if match is not None or overlay else len(keys) - scanned
            return page, last, list_rv, remaining

    def changes_since(self, rv: int) -> list[Change]:
        """Changes with resourceVersion > `rv`; 410 Expired if the history has been trimmed past it."""
        with self._lock:
            if rv < self._floor - 1:
                raise expired(rv, self._floor - 1)
            i = bisect.bisect_right(self._log, rv, key=lambda c: c.rv)
            return self._log[i:]

    def wait(self, rv: int, timeout: float) -> list[Change]:
        """Block until a change newer than `rv` exists (or `timeout` real seconds pass); return them."""
        with self._lock:
            if self._rv <= rv:
                self._changed.wait(timeout)
            return self.changes_since(rv)

    def wake_all(self) -> None:
        """Wake every waiting watcher (used at shutdown)."""
        with self._lock:
            self._changed.notify_all()

    # -- writes --------------------------------------------------------------------------------
    def put(
        self,
        bucket: str,
        key: Key,
        obj: dict[str, Any],
        *,
        labels: Mapping[str, str],
        fields: Mapping[str, str],
    ) -> Entry:
        """Create or replace an object; stamps the next resourceVersion into ``obj["metadata"]``."""
        with self._lock:
            self._rv += 1
            obj["metadata"]["resourceVersion"] = str(self._rv)
            entry = Entry(
                orjson.dumps(obj),
                self._rv,
                obj["metadata"].get("uid", ""),
                dict(labels),
                dict(fields),
                _owner_uids(obj),
            )
            entries = self._buckets.setdefault(bucket, {})
            prev = entries.get(key)
            entries[key] = entry
            if prev is None:
                bisect.insort(self._sorted.setdefault(bucket, []), key)
            else:
                self._unindex(bucket, key, prev)
            self._index(bucket, key, entry)
            self._record(Change(self._rv, "ADDED" if prev is None else "MODIFIED", bucket, key, entry, prev))
            return entry

    def remove(self, bucket: str, key: Key, obj: dict[str, Any]) -> Entry:
        """Delete an object; `obj` is its final state, which watchers receive with a new resourceVersion."""
        with self._lock:
            entries = self._buckets.get(bucket, {})
            prev = entries.pop(key)
            keys = self._sorted[bucket]
            del keys[bisect.bisect_left(keys, key)]
            self._unindex(bucket, key, prev)
            self._rv += 1
            obj["metadata"]["resourceVersion"] = str(self._rv)
            entry = Entry(orjson.dumps(obj), self._rv, prev.uid, prev.labels, prev.fields, prev.owners)
            self._record(Change(self._rv, "DELETED", bucket, key, entry, prev))
            return entry

    def load(
        self, items: Iterable[tuple[str, Key, dict[str, Any], Mapping[str, str], Mapping[str, str]]]
    ) -> int:
        """Bulk-load initial objects without recording changes (a cluster's state before anyone watched).

        Returns the number of objects loaded.
        """
        # Loading builds millions of small objects and no cycles: the cyclic collector would only
        # rescan them again and again (a third of a 150k-pod load), so it pauses until the load is done.
        collecting = gc.isenabled()
        gc.disable()
        try:
            return self._load(items)
        finally:
            if collecting:
                gc.enable()

    def _load(
        self, items: Iterable[tuple[str, Key, dict[str, Any], Mapping[str, str], Mapping[str, str]]]
    ) -> int:
        n = 0
        with self._lock:
            touched: set[str] = set()
            for bucket, key, obj, labels, fields in items:
                self._rv += 1
                obj["metadata"]["resourceVersion"] = str(self._rv)
                entries = self._buckets.setdefault(bucket, {})
                if key not in entries:
                    self._sorted.setdefault(bucket, []).append(key)
                    touched.add(bucket)
                prev = entries.get(key)
                if prev is not None:
                    self._unindex(bucket, key, prev)
                entry = Entry(
                    orjson.dumps(obj),
                    self._rv,
                    obj["metadata"].get("uid", ""),
                    labels,
                    fields,
                    _owner_uids(obj),
                )
                entries[key] = entry
                self._index(bucket, key, entry)
                n += 1
            for bucket in touched:
                self._sorted[bucket].sort()
            self._floor = self._rv + 1  # the loaded state is a list at _rv, not a history
            self._log.clear()
        return n

    def subscribe(self, callback: Callable[[Change], None]) -> Callable[[], None]:
        """Call `callback` after every write (under the store lock: keep it short); returns an unsubscribe."""
        with self._lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe

    def find_uid(self, uid: str) -> tuple[str, Key, Entry] | None:
        """The object with this uid, wherever it is stored."""
        with self._lock:
            where = self._by_uid.get(uid)
            if where is None:
                return None
            entry = self._buckets[where[0]][where[1]]
            return where[0], where[1], entry

    def dependents(self, owner_uid: str) -> list[tuple[str, Key, Entry]]:
        """The objects whose ownerReferences name `owner_uid` (the garbage collector's graph)."""
        with self._lock:
            return [(b, k, self._buckets[b][k]) for b, k in sorted(self._owned.get(owner_uid, ()))]

    # -- internals -----------------------------------------------------------------------------
    def _index(self, bucket: str, key: Key, entry: Entry) -> None:
        if entry.uid:
            self._by_uid[entry.uid] = (bucket, key)
        for owner in entry.owners:
            self._owned.setdefault(owner, set()).add((bucket, key))

    def _unindex(self, bucket: str, key: Key, entry: Entry) -> None:
        if entry.uid and self._by_uid.get(entry.uid) == (bucket, key):
            del self._by_uid[entry.uid]
        for owner in entry.owners:
            owned = self._owned.get(owner)
            if owned is not None:
                owned.discard((bucket, key))
                if not owned:
                    del self._owned[owner]

    def _record(self, change: Change) -> None:
        self._log.append(change)
        if len(self._log) > 2 * self._history:
            drop = len(self._log) - self._history
            self._floor = self._log[drop].rv
            del self._log[:drop]
        for callback in list(self._subscribers):
            callback(change)
        self._changed.notify_all()

    def _range(self, bucket: str, namespace: str | None, after: Key | None) -> list[Key]:
        keys = self._sorted.get(bucket, [])
        lo, hi = 0, len(keys)
        if namespace is not None:
            lo = bisect.bisect_left(keys, (namespace, ""))
            hi = bisect.bisect_left(keys, (namespace + "\x00", ""))
        if after is not None:
            lo = max(lo, bisect.bisect_right(keys, after))
        return keys[lo:hi]

    def _overlay(self, bucket: str, rv: int) -> dict[Key, Entry | None]:
        """For keys changed after `rv`: their state as of `rv` (None if they did not exist then)."""
        overlay: dict[Key, Entry | None] = {}
        for change in self.changes_since(rv):
            if change.bucket == bucket and change.key not in overlay:
                overlay[change.key] = change.prev
        return overlay


def _owner_uids(obj: Mapping[str, Any]) -> tuple[str, ...]:
    refs = obj["metadata"].get("ownerReferences") or ()
    return tuple(r["uid"] for r in refs if isinstance(r, dict) and r.get("uid"))
