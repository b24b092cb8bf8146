"""The ``df.k8s`` accessor: object refs, label filters and drill-down through the frame's bundle.

Example:
    >>> import pandas as pd
    >>> from workbench.frames import _accessor  # registers df.k8s
    >>> df = pd.DataFrame({"kind": ["Pod"], "namespace": ["shop"], "name": ["web-0"], "uid": ["u1"]})
    >>> df.k8s.refs()
    [ObjectRef(kind='Pod', namespace='shop', name='web-0', uid='u1', api_version='v1')]
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

import pandas as pd

from workbench.errors import ConfigError
from workbench.frames._bundle import Frames, bundle_of
from workbench.frames.schema import Containers, Events, Frame, Pods
from workbench.model import ObjectRef
from workbench.sources._kinds import BUILTIN

API_VERSIONS: dict[str, str] = {k.kind: k.api_version for k in BUILTIN}
KIND_FRAMES: dict[str, str] = {k.kind: k.frame for k in BUILTIN}
# Every frame with controllers names its owner and label columns as the pods frame does (schema.py).
_OWNER_COLUMNS = (Pods.OWNER_KIND, Pods.OWNER_NAME, Pods.OWNER_UID)
_MAX_CHAIN = 10  # owner references can form a loop in a broken cluster; stop walking after this
_SKIP_IN_DESCRIBE = {Frame.KIND, Frame.NAMESPACE, Frame.NAME, Frame.UID, Pods.LABELS}


@pd.api.extensions.register_dataframe_accessor("k8s")
class K8sAccessor:
    """Kubernetes-aware helpers on any frame with ``kind, namespace, name`` (and ``uid``) columns."""

    def __init__(self, df: pd.DataFrame) -> None:
        missing = [c for c in (Frame.KIND, Frame.NAMESPACE, Frame.NAME) if c not in df.columns]
        if missing:
            # AttributeError is pandas' convention: hasattr(df, "k8s") is then False.
            raise AttributeError(
                f"df.k8s needs the identity columns kind, namespace, name; missing {missing}"
            )
        self._df = df

    def refs(self) -> list[ObjectRef]:
        """One `ObjectRef` per row, in row order."""
        return [self._row_ref(row) for _, row in self._df.iterrows()]

    def ref(self, label: Hashable) -> ObjectRef:
        """The `ObjectRef` of the row with index ``label``."""
        return self._row_ref(self._row(label))

    def select(
        self, *, namespace: str | None = None, labels: Mapping[str, str] | None = None
    ) -> pd.DataFrame:
        """The rows in ``namespace`` whose ``labels`` include every given key and value."""
        df = self._df
        if namespace is not None:
            df = df[df[Frame.NAMESPACE] == namespace]
        if labels:
            if Pods.LABELS not in df.columns:
                raise KeyError("this frame has no labels column to select on")
            wanted = dict(labels)
            df = df[[all(have.get(k) == v for k, v in wanted.items()) for have in df[Pods.LABELS]]]
        return df

    def owner_chain(self, label: Hashable) -> list[ObjectRef]:
        """The row's object and its controllers, nearest first (Pod -> ReplicaSet -> Deployment).

        Walks ``owner_*`` columns from frame to frame in the bundle; stops at an owner whose frame
        was not pulled or that no longer exists (that owner is still listed, from the reference).

        Raises:
            ConfigError: the frame did not come from a `Frames` bundle.
        """
        bundle = bundle_of(self._df)
        chain = [self.ref(label)]
        while len(chain) < _MAX_CHAIN:
            owner = _owner_of(bundle, chain[-1])
            if owner is None or owner in chain:
                break
            chain.append(owner)
        return chain

    def events(self, label: Hashable) -> pd.DataFrame:
        """The bundle's events about the row's object, oldest first.

        Raises:
            ConfigError: the frame did not come from a `Frames` bundle.
        """
        return _events_about(bundle_of(self._df), self.ref(label))

    def describe(self, label: Hashable) -> str:
        """A ``kubectl describe``-like summary of one row: its fields, owners, containers and events.

        Works on any frame; the owner, container and event sections need the frame's bundle and
        are left out without one.
        """
        row = self._row(label)
        ref = self._row_ref(row)
        lines = [f"{ref}" + (f"  (uid {ref.uid})" if ref.uid else "")]
        for col, value in row.items():
            if col not in _SKIP_IN_DESCRIBE and _present(value):
                lines.append(f"  {col}: {_text(value)}")
        if isinstance(row.get(Pods.LABELS), dict) and row[Pods.LABELS]:
            lines.append("  labels: " + ", ".join(f"{k}={v}" for k, v in sorted(row[Pods.LABELS].items())))
        try:
            bundle = bundle_of(self._df)
        except ConfigError:  # a frame not from a bundle: the row alone
            return "\n".join(lines)
        chain = self.owner_chain(label)
        if len(chain) > 1:
            lines.append("Owners: " + " <- ".join(str(r) for r in chain))
        if ref.kind == "Pod":
            lines.extend(_container_lines(bundle, ref))
        events = _events_about(bundle, ref)
        if len(events):
            lines.append("Events:")
            for ev in events.to_dict("records"):
                last = ev[Events.LAST_SEEN]
                when = _text(last) if _present(last) else "?"
                what = f"{ev[Events.TYPE]} {ev[Events.REASON]} x{ev[Events.COUNT]}"
                lines.append(f"  {when} {what}: {ev[Events.MESSAGE]}")
        return "\n".join(lines)

    def _row(self, label: Hashable) -> pd.Series[Any]:
        row = self._df.loc[label]  # type: ignore[call-overload]  # any index label
        if isinstance(row, pd.DataFrame):
            raise KeyError(f"index label {label!r} names {len(row)} rows; reset_index() for unique labels")
        return row  # type: ignore[no-any-return]

    @staticmethod
    def _row_ref(row: pd.Series[Any]) -> ObjectRef:
        kind = str(row[Frame.KIND])
        uid = row.get(Frame.UID)
        return ObjectRef(
            kind,
            str(row[Frame.NAMESPACE]) if _present(row[Frame.NAMESPACE]) else "",
            str(row[Frame.NAME]),
            str(uid) if _present(uid) else "",
            API_VERSIONS.get(kind, ""),
        )


def _owner_of(bundle: Frames, ref: ObjectRef) -> ObjectRef | None:
    frame_name = KIND_FRAMES.get(ref.kind)
    if frame_name is None or frame_name not in bundle:
        return None
    df = bundle[frame_name]
    if not all(c in df.columns for c in _OWNER_COLUMNS):
        return None
    rows = _find(df, ref)
    if not len(rows):
        return None
    row = rows.iloc[0]
    if not _present(row[Pods.OWNER_KIND]):
        return None
    kind = str(row[Pods.OWNER_KIND])
    uid = row[Pods.OWNER_UID]
    return ObjectRef(
        kind,
        ref.namespace,
        str(row[Pods.OWNER_NAME]),
        str(uid) if _present(uid) else "",
        API_VERSIONS.get(kind, ""),
    )


def _find(df: pd.DataFrame, ref: ObjectRef) -> pd.DataFrame:
    if ref.uid:
        by_uid = df[df[Frame.UID] == ref.uid]
        if len(by_uid):
            return by_uid
    return df[(df[Frame.NAMESPACE] == ref.namespace) & (df[Frame.NAME] == ref.name)]


def _events_about(bundle: Frames, ref: ObjectRef) -> pd.DataFrame:
    events = bundle[Events.FRAME]
    same = (
        (events[Events.OBJECT_KIND] == ref.kind)
        & (events[Events.OBJECT_NAMESPACE] == ref.namespace)
        & (events[Events.OBJECT_NAME] == ref.name)
    )
    if ref.uid:  # a recreated object with the same name has another uid: leave its events out
        same &= (events[Events.OBJECT_UID] == ref.uid) | (events[Events.OBJECT_UID] == "")
    return events[same.fillna(False).astype(bool)].sort_values(Events.LAST_SEEN, kind="stable")


def _container_lines(bundle: Frames, ref: ObjectRef) -> list[str]:
    containers = _find(bundle[Containers.FRAME], ref)
    if not len(containers):
        return []
    lines = ["Containers:"]
    for c in containers.to_dict("records"):
        state = c[Containers.STATE] if _present(c[Containers.STATE]) else "unknown"
        parts = [("init " if c[Containers.INIT] else "") + f"{c[Containers.CONTAINER]}: {state}"]
        if _present(c[Containers.REASON]):
            parts.append(str(c[Containers.REASON]))
        parts.append("ready" if c[Containers.READY] else "not ready")
        parts.append(f"restarts={c[Containers.RESTARTS]}")
        if _present(c[Containers.LAST_REASON]):
            parts.append(f"last terminated {c[Containers.LAST_REASON]} (exit {c[Containers.LAST_EXIT_CODE]})")
        lines.append("  " + ", ".join(parts))
        if _present(c[Containers.MESSAGE]):
            lines.append(f"    message: {c[Containers.MESSAGE]}")
    return lines


def _present(value: Any) -> bool:
    if isinstance(value, list | dict | tuple):
        return bool(value)
    return not pd.isna(value)


def _text(value: Any) -> str:
    if isinstance(value, pd.Timestamp):
        return f"{value:%Y-%m-%dT%H:%M:%SZ}"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)
