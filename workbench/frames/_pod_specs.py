"""A pod spec's repeated parts: what it references, how privileged it runs, its containers' settings.

Split from ``_pods.py``. Every pod of a workload carries the same text for its containers' env,
resources, probes, ports and securityContext, and every pod in a cluster the same
``kube-api-access`` projection. Those fields are kept as raw JSON (`msgspec.Raw`, a view of the
page) and a `SpecCache`, one per pull, turns each distinct text into its column values once: a
150k-pod list decodes a few hundred of each instead of 150k, and the per-pod work is one dict
lookup per field.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import NamedTuple, Protocol, TypeVar

import msgspec

from workbench.frames import _decode as d

EMPTY = msgspec.Raw(b"")
"""An absent raw JSON field (``bytes(EMPTY)`` is ``b""``, the key every cache maps to "not set")."""

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

Refs = tuple[tuple[str, ...], tuple[str, ...]]
"""(ConfigMap names, Secret names)."""

Amounts = tuple[float, float, int | None, int | None]
"""(CPU request, CPU limit) in cores, NaN when unset; (memory request, memory limit) in bytes, or None."""

Security = tuple[bool, bool, bool | None, tuple[str, ...]]
"""A container's (privileged, allowPrivilegeEscalation, runAsNonRoot or None, capabilities added)."""


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


class Resources(msgspec.Struct, gc=False):
    requests: dict[str, d.QuantityText] = {}
    limits: dict[str, d.QuantityText] = {}


class HttpGet(msgspec.Struct, gc=False):
    path: str = ""
    port: int | str = ""
    host: str = ""
    scheme: str = "HTTP"


class PortOnly(msgspec.Struct, gc=False):
    port: int | str = ""
    host: str = ""
    service: str | None = None


class Exec(msgspec.Struct, gc=False):
    command: list[str] = []


class Probe(msgspec.Struct, rename="camel", gc=False):
    http_get: HttpGet | None = None
    tcp_socket: PortOnly | None = None
    grpc: PortOnly | None = None
    exec: Exec | None = None
    initial_delay_seconds: int = 0
    timeout_seconds: int = 1
    period_seconds: int = 10
    success_threshold: int = 1
    failure_threshold: int = 3


class Port(msgspec.Struct, rename="camel", gc=False):
    container_port: int = 0
    name: str | None = None
    protocol: str = "TCP"


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
_RESOURCES = msgspec.json.Decoder(Resources | None)
_PROBE = msgspec.json.Decoder(Probe | None)
_PORTS = msgspec.json.Decoder(list[Port])
_SECURITY = msgspec.json.Decoder(SecurityContext | None)
_NONE: Refs = ((), ())
_NO_AMOUNTS: Amounts = (float("nan"), float("nan"), None, None)


def probe_summary(probe: Probe | None) -> str | None:
    """A probe as ``kubectl describe`` prints it (``http-get http://:8080/healthz delay=0s ...``)."""
    if probe is None:
        return None
    if probe.http_get is not None:
        h = probe.http_get
        action = f"http-get {h.scheme.lower()}://{h.host}:{h.port}{h.path}"
    elif probe.tcp_socket is not None:
        action = f"tcp-socket {probe.tcp_socket.host}:{probe.tcp_socket.port}"
    elif probe.grpc is not None:
        action = f"grpc <pod>:{probe.grpc.port} {probe.grpc.service or ''}".rstrip()
    elif probe.exec is not None:
        action = f"exec [{' '.join(probe.exec.command)}]"
    else:
        action = "unknown"
    return (
        f"{action} delay={probe.initial_delay_seconds}s timeout={probe.timeout_seconds}s "
        f"period={probe.period_seconds}s #success={probe.success_threshold} "
        f"#failure={probe.failure_threshold}"
    )


def port_texts(ports: Sequence[Port]) -> list[str]:
    """containerPorts as ``name:port/PROTO`` (``port/PROTO`` when unnamed)."""
    return [
        f"{p.name}:{p.container_port}/{p.protocol}" if p.name else f"{p.container_port}/{p.protocol}"
        for p in ports
    ]


def image_tag(image: str | None) -> tuple[str | None, bool]:
    """(tag or None, floats) of an image reference: it floats when tagged ``latest`` or pinned by nothing."""
    if not image:
        return None, False
    name, _, digest = image.partition("@")
    last = name.rsplit("/", 1)[-1]
    tag = last.rsplit(":", 1)[1] if ":" in last else None
    return tag, (tag == "latest" or (tag is None and not digest))


def _amounts(raw: bytes) -> Amounts:
    res = _RESOURCES.decode(raw) if raw else None
    if res is None:
        return _NO_AMOUNTS
    requests, limits = res.requests, res.limits
    return (
        d.cpu_cores(requests.get("cpu")),
        d.cpu_cores(limits.get("cpu")),
        d.byte_count(requests.get("memory")),
        d.byte_count(limits.get("memory")),
    )


def _probe_text(raw: bytes) -> str | None:
    return probe_summary(_PROBE.decode(raw)) if raw else None


def _port_texts(raw: bytes) -> tuple[str, ...]:
    return tuple(port_texts(_PORTS.decode(raw))) if raw else ()


def _security(raw: bytes) -> Security | None:
    sc = _SECURITY.decode(raw) if raw else None
    if sc is None:
        return None
    privileged = bool(sc.privileged)
    added = tuple(sc.capabilities.add) if sc.capabilities is not None else ()
    return privileged, privileged or sc.allow_privilege_escalation is not False, sc.run_as_non_root, added


def _pod_non_root(raw: bytes) -> bool:
    sc = _SECURITY.decode(raw) if raw else None
    return sc is not None and bool(sc.run_as_non_root)


def _env_refs(raw: bytes) -> Refs:
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


def _projected_refs(raw: bytes) -> Refs:
    """(ConfigMaps, Secrets) one projected volume's ``sources`` JSON names."""
    if not raw:
        return _NONE
    sources = _PROJECTIONS.decode(raw)
    return (
        tuple(p.config_map.name for p in sources if p.config_map is not None),
        tuple(p.secret.name for p in sources if p.secret is not None),
    )


class Memo(dict[K, V]):
    """A dict that computes the value of a missing key once and keeps it.

    A hit is a plain dict lookup (no Python call), which is what makes it cheaper per pod than
    `functools.lru_cache`; it lives as long as the pull that made it.
    """

    __slots__ = ("_compute",)

    def __init__(self, compute: Callable[[K], V]) -> None:
        super().__init__()
        self._compute = compute

    def __missing__(self, key: K) -> V:
        value = self[key] = self._compute(key)
        return value


class ContainerSpec(NamedTuple):
    """A container's column values that come from its repeated raw fields."""

    amounts: Amounts
    liveness: str | None
    readiness: str | None
    startup: str | None
    ports: tuple[str, ...]
    security: Security | None
    refs: Refs
    """What its env and envFrom read."""


SEPARATOR = b"\0"
"""Joins a container's raw fields into one cache key: JSON text never holds a raw NUL byte."""


class WithSpec(Protocol):
    """A container with its raw fields (``_pods.Container``)."""

    resources: msgspec.Raw
    liveness_probe: msgspec.Raw
    readiness_probe: msgspec.Raw
    startup_probe: msgspec.Raw
    ports: msgspec.Raw
    security_context: msgspec.Raw
    env: msgspec.Raw
    env_from: msgspec.Raw


def spec_key(c: WithSpec) -> bytes:
    """The `SpecCache.containers` key of a container: its raw fields, joined in a fixed order."""
    return SEPARATOR.join(
        (c.resources, c.liveness_probe, c.readiness_probe, c.startup_probe, c.ports, c.security_context,
         c.env, c.env_from)
    )  # fmt: skip


def _container_spec(key: bytes) -> ContainerSpec:
    resources, liveness, readiness, startup, ports, security, env, env_from = key.split(SEPARATOR)
    env_cms, env_secrets = _env_refs(env)
    from_cms, from_secrets = _env_refs(env_from)
    return ContainerSpec(
        _amounts(resources),
        _probe_text(liveness),
        _probe_text(readiness),
        _probe_text(startup),
        _port_texts(ports),
        _security(security),
        (env_cms + from_cms, env_secrets + from_secrets),
    )


class SpecCache:
    """Column values of the repeated raw spec fields, keyed by their JSON text.

    Decoding errors surface on first use as `msgspec.ValidationError`, like the page's own.

    Attributes:
        containers: a container's `ContainerSpec`, by its `spec_key`.
        pod_non_root: the pod securityContext's ``runAsNonRoot`` (False when unset), by its text.
        projected: the `Refs` of a projected volume's ``sources``, by their text.
        images: an image's `image_tag`.
    """

    def __init__(self) -> None:
        self.containers: Memo[bytes, ContainerSpec] = Memo(_container_spec)
        self.pod_non_root: Memo[bytes, bool] = Memo(_pod_non_root)
        self.projected: Memo[bytes, Refs] = Memo(_projected_refs)
        self.images: Memo[str | None, tuple[str | None, bool]] = Memo(image_tag)


def config_refs(
    pod_name: str, volumes: list[Volume], env_refs: list[Refs], cache: SpecCache
) -> tuple[list[str], list[str], list[str]]:
    """(ConfigMaps, Secrets, PersistentVolumeClaims) a pod uses, each sorted and distinct.

    Args:
        pod_name: the pod's name (names its ephemeral volumes' claims ``<pod>-<volume>``).
        volumes: ``spec.volumes`` (configMap, secret, projected, persistentVolumeClaim, ephemeral).
        env_refs: what the containers' env and envFrom read (only the non-empty ones need be given).
        cache: decodes projected volume sources.
    """
    config_maps: list[str] = []
    secrets: list[str] = []
    claims: list[str] = []
    for v in volumes:
        if v.config_map is not None:
            config_maps.append(v.config_map.name)
        elif v.projected is not None:
            cms, secs = cache.projected[bytes(v.projected.sources)]
            config_maps.extend(cms)
            secrets.extend(secs)
        elif v.secret is not None:
            secrets.append(v.secret.secret_name)
        elif v.persistent_volume_claim is not None:
            claims.append(v.persistent_volume_claim.claim_name)
        elif v.ephemeral:
            claims.append(f"{pod_name}-{v.name}")
    for cms, secs in env_refs:
        config_maps += cms
        secrets += secs
    return _names(config_maps), _names(secrets), _names(claims)


def _names(names: list[str]) -> list[str]:
    """Sorted distinct non-empty names (most pods name one or two: no set for those)."""
    n = len(names)
    if n < 2:
        return names if not n or names[0] else []
    if n == 2:
        a, b = names
        if a and b:
            return names if a < b else [a] if a == b else [b, a]
    return sorted({n for n in names if n})


def privileges(security: Security | None, pod_non_root: bool) -> tuple[bool, bool, bool, list[str]]:
    """(privileged, allowPrivilegeEscalation, runAsNonRoot, capabilities added), as the kubelet applies them.

    allowPrivilegeEscalation defaults to true (the kubelet sets ``no_new_privs`` only when it is
    false) and is always true for a privileged container; runAsNonRoot falls back to the pod's.
    """
    if security is None:
        return False, True, pod_non_root, []
    privileged, escalation, non_root, added = security
    return privileged, escalation, pod_non_root if non_root is None else non_root, list(added)
