"""What a pod's spec references and how privileged it runs: volumes, env sources, securityContext.

Split from ``_pods.py``. Env lists and projected volume sources are kept as raw JSON and decoded
once per distinct text: every pod of a workload carries the same env, and every pod in a cluster
the same ``kube-api-access`` projection, so a 150k-pod list decodes a few hundred of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Protocol

import msgspec

EMPTY = msgspec.Raw(b"")
"""An absent raw JSON field."""


class NameRef(msgspec.Struct, gc=False):
    """``configMapKeyRef``, ``secretKeyRef``, ``configMapRef``, ``secretRef``, projected sources."""

    name: str = ""


class SecretVolume(msgspec.Struct, rename="camel", gc=False):
    secret_name: str = ""


class ClaimVolume(msgspec.Struct, rename="camel", gc=False):
    claim_name: str = ""


class Projected(msgspec.Struct, gc=False):
    sources: msgspec.Raw = EMPTY


class Volume(msgspec.Struct, rename="camel", gc=False):
    name: str = ""
    config_map: NameRef | None = None
    secret: SecretVolume | None = None
    persistent_volume_claim: ClaimVolume | None = None
    projected: Projected | None = None
    ephemeral: msgspec.Raw = EMPTY  # only its presence matters: the claim is <pod>-<volume>


class Capabilities(msgspec.Struct, gc=False):
    add: list[str] = []


class SecurityContext(msgspec.Struct, rename="camel", gc=False):
    """A container's securityContext, or the pod's (which has no privileged/capabilities)."""

    privileged: bool | None = None
    allow_privilege_escalation: bool | None = None
    run_as_non_root: bool | None = None
    capabilities: Capabilities | None = None


class _ValueFrom(msgspec.Struct, rename="camel", gc=False):
    config_map_key_ref: NameRef | None = None
    secret_key_ref: NameRef | None = None


class _Env(msgspec.Struct, rename="camel", gc=False):
    """One ``env`` or ``envFrom`` entry: only the ConfigMap or Secret it reads."""

    value_from: _ValueFrom | None = None
    config_map_ref: NameRef | None = None
    secret_ref: NameRef | None = None


class _Projection(msgspec.Struct, rename="camel", gc=False):
    config_map: NameRef | None = None
    secret: NameRef | None = None


_ENV = msgspec.json.Decoder(list[_Env])
_PROJECTIONS = msgspec.json.Decoder(list[_Projection])
_NONE: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())


@lru_cache(maxsize=8192)
def _env_refs(raw: bytes) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(ConfigMaps, Secrets) one container's ``env`` or ``envFrom`` JSON reads."""
    if b"Ref" not in raw:  # only configMapKeyRef/secretKeyRef/configMapRef/secretRef name objects
        return _NONE
    config_maps: list[str] = []
    secrets: list[str] = []
    for e in _ENV.decode(raw):
        vf = e.value_from
        cm = e.config_map_ref or (vf.config_map_key_ref if vf is not None else None)
        secret = e.secret_ref or (vf.secret_key_ref if vf is not None else None)
        if cm is not None:
            config_maps.append(cm.name)
        elif secret is not None:
            secrets.append(secret.name)
    return tuple(config_maps), tuple(secrets)


@lru_cache(maxsize=4096)
def _projected_refs(raw: bytes) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(ConfigMaps, Secrets) one projected volume's ``sources`` JSON names."""
    if not raw:
        return _NONE
    sources = _PROJECTIONS.decode(raw)
    return (
        tuple(p.config_map.name for p in sources if p.config_map is not None),
        tuple(p.secret.name for p in sources if p.secret is not None),
    )


class WithEnv(Protocol):
    """A container spec with its raw ``env`` and ``envFrom`` (``_pods.Container``)."""

    env: msgspec.Raw
    env_from: msgspec.Raw


def config_refs(
    pod_name: str, volumes: list[Volume], *containers: Sequence[WithEnv]
) -> tuple[list[str], list[str], list[str]]:
    """(ConfigMaps, Secrets, PersistentVolumeClaims) a pod uses, each sorted and distinct.

    Args:
        pod_name: the pod's name (names its ephemeral volumes' claims ``<pod>-<volume>``).
        volumes: ``spec.volumes`` (configMap, secret, projected, persistentVolumeClaim, ephemeral).
        containers: ``spec.initContainers`` and ``spec.containers``, whose env and envFrom are read.
    """
    config_maps: list[str] = []
    secrets: list[str] = []
    claims: list[str] = []
    for v in volumes:
        if v.config_map is not None:
            config_maps.append(v.config_map.name)
        elif v.projected is not None:
            cms, secs = _projected_refs(bytes(v.projected.sources))
            config_maps.extend(cms)
            secrets.extend(secs)
        elif v.secret is not None:
            secrets.append(v.secret.secret_name)
        elif v.persistent_volume_claim is not None:
            claims.append(v.persistent_volume_claim.claim_name)
        elif len(v.ephemeral):
            claims.append(f"{pod_name}-{v.name}")
    for group in containers:
        for c in group:
            for raw in (c.env, c.env_from):
                if len(raw):
                    cms, secs = _env_refs(bytes(raw))
                    config_maps.extend(cms)
                    secrets.extend(secs)
    return _names(config_maps), _names(secrets), _names(claims)


def _names(names: list[str]) -> list[str]:
    """Sorted distinct non-empty names (most pods name one or two: no set for those)."""
    if len(names) < 2:
        return names if not names or names[0] else []
    return sorted({n for n in names if n})


def privileges(
    container: SecurityContext | None, pod: SecurityContext | None
) -> tuple[bool, bool, bool, list[str]]:
    """(privileged, allowPrivilegeEscalation, runAsNonRoot, capabilities added), as the kubelet applies them.

    allowPrivilegeEscalation defaults to true (the kubelet sets ``no_new_privs`` only when it is
    false) and is always true for a privileged container; runAsNonRoot falls back to the pod's.
    """
    pod_non_root = pod is not None and bool(pod.run_as_non_root)
    if container is None:
        return False, True, pod_non_root, []
    privileged = bool(container.privileged)
    escalation = privileged or container.allow_privilege_escalation is not False
    non_root = pod_non_root if container.run_as_non_root is None else container.run_as_non_root
    added = list(container.capabilities.add) if container.capabilities is not None else []
    return privileged, escalation, non_root, added
