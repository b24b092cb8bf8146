"""A pod template's volume mounts with the volumes they mount: the workload frames' ``volume_mounts``.

Mounts and volumes arrive as raw JSON (`_objects.TemplateSpec`) and are decoded once per distinct
template: a Deployment's ReplicaSets, a CronJob's Jobs and most workloads of one chart repeat the
same texts. Each row then gets its own copies of the cached dicts, so changing one cell never
changes another.
"""

from __future__ import annotations

from functools import lru_cache

import msgspec

from workbench.frames._objects import PodTemplate, TemplateSpec
from workbench.frames.schema import VolumeMount


class _Mount(msgspec.Struct, rename="camel", gc=False):
    name: str = ""
    mount_path: str = ""
    sub_path: str | None = None
    read_only: bool | None = None


class _KeyToPath(msgspec.Struct, gc=False):
    key: str = ""
    path: str = ""


class _ConfigMapVolume(msgspec.Struct, gc=False):
    name: str = ""
    items: list[_KeyToPath] | None = None


class _SecretVolume(msgspec.Struct, rename="camel", gc=False):
    secret_name: str = ""
    items: list[_KeyToPath] | None = None


class _ClaimVolume(msgspec.Struct, rename="camel", gc=False):
    claim_name: str = ""


_MOUNTS = msgspec.json.Decoder(list[_Mount])
_VOLUMES = msgspec.json.Decoder(list[dict[str, msgspec.Raw]])
_CONFIG_MAP = msgspec.json.Decoder(_ConfigMapVolume)
_SECRET = msgspec.json.Decoder(_SecretVolume)
_CLAIM = msgspec.json.Decoder(_ClaimVolume)
_TEXT = msgspec.json.Decoder(str)

Source = tuple[str | None, str | None, dict[str, str] | None]
"""(type, the object it names, items as key -> path) of a volume; see `schema.VolumeMount`."""
_NO_SOURCE: Source = (None, None, None)
_Key = tuple[tuple[bool, int, str, bytes], ...]
"""(init, index, name, raw volumeMounts) of each container that has mounts."""


def volume_mounts(template: PodTemplate | None) -> list[VolumeMount]:
    """The template's volume mounts with the volumes they mount (see `spec_mounts`)."""
    return [] if template is None else spec_mounts(template.spec)


def spec_mounts(spec: TemplateSpec) -> list[VolumeMount]:
    """A pod spec's volume mounts, init containers first, each container's in spec order, with the
    type, object and items of the volume each one mounts (`schema.VolumeMount`).

    Example:
        >>> spec = msgspec.json.decode(
        ...     b'{"containers": [{"name": "app", "volumeMounts": [{"name": "c", "mountPath": "/etc/app"}]}],'
        ...     b' "volumes": [{"name": "c", "configMap": {"name": "app-config"}}]}',
        ...     type=TemplateSpec,
        ... )
        >>> [(m["mount_path"], m["source"], m["source_name"]) for m in spec_mounts(spec)]
        [('/etc/app', 'configMap', 'app-config')]
    """
    key: list[tuple[bool, int, str, bytes]] = []
    for init, group in ((True, spec.init_containers), (False, spec.containers)):
        for i, c in enumerate(group):
            if len(c.volume_mounts) > 2:  # not absent, not "[]"
                key.append((init, i, c.name, bytes(c.volume_mounts)))
    if not key:
        return []
    return [m.copy() if m["items"] is None else _copy(m) for m in _decoded(bytes(spec.volumes), tuple(key))]


def _copy(mount: VolumeMount) -> VolumeMount:
    """A copy whose items are its own."""
    copy = mount.copy()
    copy["items"] = dict(mount["items"] or {})
    return copy


@lru_cache(maxsize=4096)
def _decoded(volumes: bytes, containers: _Key) -> tuple[VolumeMount, ...]:
    """The mounts of one distinct template (a malformed volumeMounts list counts as none)."""
    sources = _sources(volumes)
    out: list[VolumeMount] = []
    for init, i, name, raw in containers:
        try:
            mounts = _MOUNTS.decode(raw)
        except msgspec.ValidationError:
            continue
        for j, m in enumerate(mounts):
            kind, source_name, items = sources.get(m.name, _NO_SOURCE)
            out.append(
                {
                    "container": name,
                    "init": init,
                    "container_index": i,
                    "mount_index": j,
                    "mount_path": m.mount_path,
                    "sub_path": m.sub_path or None,
                    "read_only": bool(m.read_only),
                    "volume": m.name,
                    "source": kind,
                    "source_name": source_name,
                    "items": items,
                }
            )
    return tuple(out)


def _sources(volumes: bytes) -> dict[str, Source]:
    """Volume name -> its source, from spec.volumes' raw JSON."""
    if not volumes:
        return {}
    try:
        decoded = _VOLUMES.decode(volumes)
    except msgspec.ValidationError:
        return {}
    out: dict[str, Source] = {}
    for volume in decoded:
        name = _text(volume.get("name"))
        if name:
            out[name] = _source(volume)
    return out


def _source(volume: dict[str, msgspec.Raw]) -> Source:
    """A volume's source: its type is its one field besides ``name``."""
    for field, raw in volume.items():
        if field == "name":
            continue
        try:
            if field == "configMap":
                cm = _CONFIG_MAP.decode(raw)
                return field, cm.name or None, _items(cm.items)
            if field == "secret":
                secret = _SECRET.decode(raw)
                return field, secret.secret_name or None, _items(secret.items)
            if field == "persistentVolumeClaim":
                return field, _CLAIM.decode(raw).claim_name or None, None
        except msgspec.ValidationError:
            pass  # a malformed source still says what type the volume is
        return field, None, None
    return _NO_SOURCE


def _items(items: list[_KeyToPath] | None) -> dict[str, str] | None:
    return None if not items else {i.key: i.path for i in items}


def _text(raw: msgspec.Raw | None) -> str:
    if raw is None:
        return ""
    try:
        return _TEXT.decode(raw)
    except msgspec.ValidationError:
        return ""
