"""What a pod's spec asks of the namespace: ConfigMaps, Secrets and claims, checked as the kubelet does.

- `env_error`: the environment of a container (``envFrom`` first, then ``env``) names a ConfigMap,
  Secret or key that does not exist → CreateContainerConfigError with the kubelet's message.
- `volume_errors`: a configMap/secret/projected volume names something missing, or a claim is not
  bound → the pod stays in ContainerCreating with FailedMount events.
- `environment`: the variables a container starts with (names, and values where they may be shown).
- `Files`: which paths a container finds under its mounts (for the app model's required files and
  a shell's ``cat``).

Secrets are read for their existence and key names only: their values are never copied anywhere.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from workbench.sandbox._control._cluster import Cluster

ROOT_CA = "kube-root-ca.crt"
"""Published into every namespace by the root-ca-cert-publisher; projected SA volumes name it."""
MASK = "********"
"""What a shell prints for a value that came from a Secret (never the value itself)."""


@dataclass(frozen=True)
class Ref:
    """An object a pod waits for: kind ``ConfigMap``, ``Secret`` or ``PersistentVolumeClaim``."""

    kind: str
    namespace: str
    name: str


class _Lookup:
    """Reads each ConfigMap/Secret once per check; Secrets are reduced to their key names at once."""

    def __init__(self, cluster: Cluster, namespace: str) -> None:
        self.cluster = cluster
        self.namespace = namespace
        self._maps: dict[str, dict[str, str] | None] = {}
        self._secrets: dict[str, frozenset[str] | None] = {}

    def config_map(self, name: str) -> dict[str, str] | None:
        if name not in self._maps:
            obj = self.cluster.get("ConfigMap", self.namespace, name)
            self._maps[name] = (
                None
                if obj is None
                else {**dict.fromkeys(obj.get("binaryData") or {}, ""), **(obj.get("data") or {})}
            )
        return self._maps[name]

    def config_data(self, name: str) -> dict[str, str] | None:
        """Only ``data`` (what env vars can read), not ``binaryData``."""
        obj = self.cluster.get("ConfigMap", self.namespace, name)
        return None if obj is None else dict(obj.get("data") or {})

    def secret_keys(self, name: str) -> frozenset[str] | None:
        if name not in self._secrets:
            obj = self.cluster.get("Secret", self.namespace, name)
            self._secrets[name] = None if obj is None else frozenset((obj.get("data") or {}).keys())
            del obj  # the values go no further than this line
        return self._secrets[name]


def env_error(
    cluster: Cluster, pod: Mapping[str, Any], container: Mapping[str, Any]
) -> tuple[str, Ref] | None:
    """The kubelet's ``makeEnvironmentVariables`` error for `container`, with what it waits for."""
    ns = (pod.get("metadata") or {}).get("namespace") or "default"
    look = _Lookup(cluster, ns)
    for source in container.get("envFrom") or []:
        for field_name, kind in (("configMapRef", "ConfigMap"), ("secretRef", "Secret")):
            ref = source.get(field_name)
            if ref is None or ref.get("optional"):
                continue
            name = ref.get("name", "")
            found = look.config_map(name) if kind == "ConfigMap" else look.secret_keys(name)
            if found is None:
                return f'{kind.lower()} "{name}" not found', Ref(kind, ns, name)
    for var in container.get("env") or []:
        value_from = var.get("valueFrom") or {}
        if (ref := value_from.get("configMapKeyRef")) is not None:
            name, key, optional = ref.get("name", ""), ref.get("key", ""), bool(ref.get("optional"))
            data = look.config_data(name)
            if data is None:
                if not optional:
                    return f'configmap "{name}" not found', Ref("ConfigMap", ns, name)
            elif key not in data and not optional:
                return f"couldn't find key {key} in ConfigMap {ns}/{name}", Ref("ConfigMap", ns, name)
        elif (ref := value_from.get("secretKeyRef")) is not None:
            name, key, optional = ref.get("name", ""), ref.get("key", ""), bool(ref.get("optional"))
            keys = look.secret_keys(name)
            if keys is None:
                if not optional:
                    return f'secret "{name}" not found', Ref("Secret", ns, name)
            elif key not in keys and not optional:
                return f"couldn't find key {key} in Secret {ns}/{name}", Ref("Secret", ns, name)
    return None


def environment(
    cluster: Cluster, pod: Mapping[str, Any], container: Mapping[str, Any], *, pod_ip: str, host_ip: str
) -> dict[str, str | None]:
    """The variables `container` starts with; a value is None when it comes from a Secret."""
    meta = pod.get("metadata") or {}
    spec = pod.get("spec") or {}
    ns = meta.get("namespace") or "default"
    look = _Lookup(cluster, ns)
    env: dict[str, str | None] = {"HOSTNAME": str(meta.get("name", "")), "HOME": "/root"}
    for source in container.get("envFrom") or []:
        prefix = source.get("prefix") or ""
        if (ref := source.get("configMapRef")) is not None:
            for key, value in (look.config_data(ref.get("name", "")) or {}).items():
                env[prefix + key] = value
        elif (ref := source.get("secretRef")) is not None:
            for key in look.secret_keys(ref.get("name", "")) or ():
                env[prefix + key] = None
    fields = {
        "metadata.name": meta.get("name", ""),
        "metadata.namespace": ns,
        "metadata.uid": meta.get("uid", ""),
        "spec.nodeName": spec.get("nodeName", ""),
        "spec.serviceAccountName": spec.get("serviceAccountName", ""),
        "status.podIP": pod_ip,
        "status.hostIP": host_ip,
    }
    for var in container.get("env") or []:
        name = var.get("name", "")
        value_from = var.get("valueFrom")
        if not value_from:
            env[name] = _expand(str(var.get("value", "")), env)
            continue
        if (ref := value_from.get("configMapKeyRef")) is not None:
            data = look.config_data(ref.get("name", ""))
            if data is not None and ref.get("key", "") in data:
                env[name] = data[ref.get("key", "")]
        elif (ref := value_from.get("secretKeyRef")) is not None:
            keys = look.secret_keys(ref.get("name", ""))
            if keys is not None and ref.get("key", "") in keys:
                env[name] = None
        elif (ref := value_from.get("fieldRef")) is not None:
            path = str(ref.get("fieldPath", ""))
            if path.startswith(("metadata.labels['", "metadata.annotations['")):
                which, _, rest = path.partition("['")
                env[name] = str((meta.get(which.split(".", 1)[1]) or {}).get(rest.rstrip("']"), ""))
            else:
                env[name] = str(fields.get(path, ""))
        elif value_from.get("resourceFieldRef") is not None:
            env[name] = "0"
    return env


def _expand(value: str, env: Mapping[str, str | None]) -> str:
    """``$(VAR)`` references to variables defined earlier, as the kubelet expands them."""
    if "$(" not in value:
        return value
    out = []
    i = 0
    while i < len(value):
        if value.startswith("$$", i):
            out.append("$")
            i += 2
        elif value.startswith("$(", i) and (end := value.find(")", i)) > 0:
            name = value[i + 2 : end]
            found = env.get(name, f"$({name})")
            out.append(MASK if found is None else found)
            i = end + 1
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def volume_errors(cluster: Cluster, pod: Mapping[str, Any]) -> list[tuple[str, str, Ref]]:
    """``(volume, message, what it waits for)`` for each volume that cannot be set up."""
    ns = (pod.get("metadata") or {}).get("namespace") or "default"
    look = _Lookup(cluster, ns)
    out: list[tuple[str, str, Ref]] = []
    for volume in (pod.get("spec") or {}).get("volumes") or []:
        name = volume.get("name", "")
        problem = _volume_problem(cluster, look, ns, volume)
        if problem is not None:
            out.append((name, *problem))
    return out


def _volume_problem(
    cluster: Cluster, look: _Lookup, ns: str, volume: Mapping[str, Any]
) -> tuple[str, Ref] | None:
    name = volume.get("name", "")
    setup = f'MountVolume.SetUp failed for volume "{name}" : '
    if (src := volume.get("configMap")) is not None:
        found = _config_map_problem(look, ns, src)
        return (setup + found[0], found[1]) if found else None
    if (src := volume.get("secret")) is not None:
        found = _secret_problem(look, ns, src, "secretName")
        return (setup + found[0], found[1]) if found else None
    if (src := volume.get("projected")) is not None:
        for source in src.get("sources") or []:
            found = None
            if (cm := source.get("configMap")) is not None and cm.get("name") != ROOT_CA:
                found = _config_map_problem(look, ns, cm)
            elif (secret := source.get("secret")) is not None:
                found = _secret_problem(look, ns, secret, "name")
            if found:
                return setup + found[0], found[1]
        return None
    if (src := volume.get("persistentVolumeClaim")) is not None:
        claim = src.get("claimName", "")
        ref = Ref("PersistentVolumeClaim", ns, claim)
        pvc = cluster.get("PersistentVolumeClaim", ns, claim)
        prefix = (
            f"Unable to attach or mount volumes: unmounted volumes=[{name}], unattached volumes=[], "
            f"failed to process volumes=[{name}]: error processing PVC {ns}/{claim}: "
        )
        if pvc is None:
            return (
                prefix + f'failed to fetch PVC from API server: persistentvolumeclaims "{claim}" not found',
                ref,
            )
        if (pvc.get("status") or {}).get("phase") != "Bound":
            return prefix + "PVC is not bound", ref
    return None


def _config_map_problem(look: _Lookup, ns: str, src: Mapping[str, Any]) -> tuple[str, Ref] | None:
    name = src.get("name", "")
    data = look.config_map(name)
    if data is None:
        return None if src.get("optional") else (f'configmap "{name}" not found', Ref("ConfigMap", ns, name))
    for item in src.get("items") or []:
        if item.get("key") not in data and not src.get("optional"):
            return f"configmap references non-existent config key: {item.get('key')}", Ref(
                "ConfigMap", ns, name
            )
    return None


def _secret_problem(
    look: _Lookup, ns: str, src: Mapping[str, Any], field_name: str
) -> tuple[str, Ref] | None:
    name = src.get(field_name, "")
    keys = look.secret_keys(name)
    if keys is None:
        return None if src.get("optional") else (f'secret "{name}" not found', Ref("Secret", ns, name))
    for item in src.get("items") or []:
        if item.get("key") not in keys and not src.get("optional"):
            return f"references non-existent secret key: {item.get('key')}", Ref("Secret", ns, name)
    return None


@dataclass
class _Mount:
    path: str
    keys: dict[str, str | None] | None  # None: any path exists (a disk); else file → content (None: hidden)
    sub_path: str = ""


@dataclass
class Files:
    """The paths a container sees under its volume mounts."""

    mounts: list[_Mount] = field(default_factory=list)

    def _find(self, path: str) -> tuple[_Mount, str] | None:
        path = posixpath.normpath(path)
        best: tuple[_Mount, str] | None = None
        for mount in self.mounts:
            under = path == mount.path or path.startswith(mount.path.rstrip("/") + "/")
            if under and (best is None or len(mount.path) > len(best[0].path)):
                best = (mount, path[len(mount.path) :].lstrip("/"))
        return best

    def exists(self, path: str) -> bool:
        found = self._find(path)
        if found is None:
            return False
        mount, rest = found
        if mount.keys is None:
            return True
        rel = posixpath.join(mount.sub_path, rest) if mount.sub_path else rest
        return not rel or rel in mount.keys or any(k.startswith(rel.rstrip("/") + "/") for k in mount.keys)

    def content(self, path: str) -> list[str] | None:
        """The lines of a file from a ConfigMap (None: unknown, hidden, or a directory)."""
        found = self._find(path)
        if found is None:
            return None
        mount, rest = found
        if mount.keys is None:
            return None
        rel = posixpath.join(mount.sub_path, rest) if mount.sub_path else rest
        text = mount.keys.get(rel)
        return None if text is None else text.splitlines()


def files(cluster: Cluster, pod: Mapping[str, Any], container: Mapping[str, Any]) -> Files:
    """What `container` finds under its mounts: keys of ConfigMaps/Secrets, anything on disks."""
    spec = pod.get("spec") or {}
    ns = (pod.get("metadata") or {}).get("namespace") or "default"
    look = _Lookup(cluster, ns)
    volumes = {v.get("name"): v for v in spec.get("volumes") or []}
    others = [
        c
        for c in (spec.get("initContainers") or []) + (spec.get("containers") or [])
        if c.get("name") != container.get("name")
    ]
    out = Files()
    for mount in container.get("volumeMounts") or []:
        volume = volumes.get(mount.get("name"))
        if volume is None:
            continue
        keys = _volume_keys(
            look,
            volume,
            pod,
            shared=any(
                m.get("name") == mount.get("name") for c in others for m in c.get("volumeMounts") or []
            ),
        )
        path = posixpath.normpath(str(mount.get("mountPath", "/")))
        out.mounts.append(_Mount(path, keys, str(mount.get("subPath") or "")))
    return out


def _volume_keys(
    look: _Lookup, volume: Mapping[str, Any], pod: Mapping[str, Any], *, shared: bool
) -> dict[str, str | None] | None:
    if (src := volume.get("configMap")) is not None:
        return _projected_map(look.config_map(src.get("name", "")) or {}, src.get("items"))
    if (src := volume.get("secret")) is not None:
        hidden = dict.fromkeys(look.secret_keys(src.get("secretName", "")) or (), None)
        return _projected_map(hidden, src.get("items"))
    if (src := volume.get("downwardAPI")) is not None:
        return _downward(src.get("items"), pod)
    if (src := volume.get("projected")) is not None:
        keys: dict[str, str | None] = {}
        for source in src.get("sources") or []:
            if (cm := source.get("configMap")) is not None:
                keys.update(_projected_map(look.config_map(cm.get("name", "")) or {}, cm.get("items")))
            elif (secret := source.get("secret")) is not None:
                hidden = dict.fromkeys(look.secret_keys(secret.get("name", "")) or (), None)
                keys.update(_projected_map(hidden, secret.get("items")))
            elif (token := source.get("serviceAccountToken")) is not None:
                keys[str(token.get("path", "token"))] = None
            elif (down := source.get("downwardAPI")) is not None:
                keys.update(_downward(down.get("items"), pod))
        return keys
    if "emptyDir" in volume:
        return None if shared else {}
    return None


def _downward(items: Any, pod: Mapping[str, Any]) -> dict[str, str | None]:
    """downwardAPI files: the pod's fields (``metadata.namespace`` is how a container learns its own)."""
    meta = pod.get("metadata") or {}
    out: dict[str, str | None] = {}
    for item in items or []:
        path = str(item.get("fieldPath") or (item.get("fieldRef") or {}).get("fieldPath") or "")
        value = {
            "metadata.name": meta.get("name", ""),
            "metadata.namespace": meta.get("namespace", ""),
            "metadata.uid": meta.get("uid", ""),
        }.get(path)
        if value is None and path in ("metadata.labels", "metadata.annotations"):
            pairs = meta.get(path.split(".", 1)[1]) or {}
            value = "\n".join(f'{k}="{v}"' for k, v in sorted(pairs.items()))
        out[str(item.get("path"))] = value or ""
    return out


def _projected_map(data: Mapping[str, str | None], items: Any) -> dict[str, str | None]:
    if not items:
        return dict(data)
    return {str(item.get("path")): data.get(item.get("key", "")) for item in items if item.get("key") in data}
