"""Configuration objects: the ``configmaps`` and ``secrets`` frames, key names only.

No value of a ConfigMap or Secret is ever built into a Python string here: values decode as
`msgspec.Raw` (a view of the page's bytes that is dropped with the struct) and only the keys are
kept. Secrets arrive with their values blanked by the sources; the frame would not hold them
even if they did not. A Secret's annotations are not read at all, because kubectl's
last-applied-configuration annotation carries the values.
"""

from __future__ import annotations

from collections.abc import Iterable

import msgspec
import pandas as pd

from workbench.frames import _decode as d
from workbench.frames import _objects as o
from workbench.frames.schema import ConfigMaps, Secrets
from workbench.sources._kinds import Kind


class ConfigMap(msgspec.Struct, rename="camel", gc=False):
    metadata: d.ObjectMeta = msgspec.field(default_factory=d.ObjectMeta)
    data: dict[str, msgspec.Raw] | None = None
    binary_data: dict[str, msgspec.Raw] | None = None
    immutable: bool = False


class Secret(msgspec.Struct, rename="camel", gc=False):
    metadata: d.ObjectMeta = msgspec.field(default_factory=d.ObjectMeta)
    type: str | None = None
    data: dict[str, msgspec.Raw] | None = None
    string_data: dict[str, msgspec.Raw] | None = None
    immutable: bool = False


_CONFIGMAPS = d.list_decoder(ConfigMap)
_SECRETS = d.list_decoder(Secret)


def _keys(*maps: dict[str, msgspec.Raw] | None) -> list[str]:
    return sorted({key for m in maps if m for key in m})


def build_configmaps(kind: Kind, pages: Iterable[bytes]) -> dict[str, pd.DataFrame]:
    """The ``configmaps`` frame from raw ConfigMap List pages: key names, never values.

    Args:
        kind: the ConfigMap kind (the registry's uniform signature).
        pages: raw JSON List documents, decoded one at a time.

    Returns:
        ``{"configmaps": ...}`` matching `schema.ConfigMaps`.
    """
    return o.build_one(ConfigMaps, kind.kind, _CONFIGMAPS, pages, _configmap_row)


def _configmap_row(rows: o.Rows, cm: ConfigMap) -> None:
    meta = cm.metadata
    keys = _keys(cm.data, cm.binary_data)
    rows.add(
        meta,
        (
            (ConfigMaps.CREATED, meta.creation_timestamp),
            (ConfigMaps.LABELS, meta.labels),
            (ConfigMaps.KEYS, keys),
            (ConfigMaps.KEY_COUNT, len(keys)),
            (ConfigMaps.IMMUTABLE, cm.immutable),
        ),
    )


def build_secrets(kind: Kind, pages: Iterable[bytes]) -> dict[str, pd.DataFrame]:
    """The ``secrets`` frame from raw Secret List pages: type and key names, never values.

    Safe on pages whose values were not blanked: they are skipped, not kept.
    """
    return o.build_one(Secrets, kind.kind, _SECRETS, pages, _secret_row)


def _secret_row(rows: o.Rows, secret: Secret) -> None:
    meta = secret.metadata
    keys = _keys(secret.data, secret.string_data)
    rows.add(
        meta,
        (
            (Secrets.CREATED, meta.creation_timestamp),
            (Secrets.LABELS, meta.labels),
            (Secrets.TYPE, secret.type or "Opaque"),
            (Secrets.KEYS, keys),
            (Secrets.KEY_COUNT, len(keys)),
            (Secrets.IMMUTABLE, secret.immutable),
        ),
    )
