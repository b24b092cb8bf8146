"""The app model and image catalog: what a container *would* do, decided from its spec.

Nothing in a scenario says "this pod crashes". The kubelet asks the catalog what the image is
(does the repository exist, does the tag, is it private) and the app model what it does when it runs
(ports and HTTP paths it serves, how long it takes to start, how its memory grows, which environment
variables, files and services it needs, whether it exits on its own, what it logs). A fault is the
spec disagreeing with the model: a memory limit below the peak, a tag the registry lacks, a probe on a
path the app does not serve. A fix changes the spec; new pods are judged on the new spec.

The built-in catalog (``catalog.yaml`` beside this module) knows common public images and the kind
cluster's own; a scenario adds its images in ``images.yaml``::

    images:
      registry.shop.example/checkout:      # repository (docker.io/library/ is implied for "nginx")
        tags: ["1.4.2", "1.5.0"]           # tags that exist (omit: every tag exists)
        private: false                     # true: pulls fail without an imagePullSecret
        ports: [8080]                      # TCP ports it listens on
        paths: ["/healthz", "/"]           # HTTP paths answering 200 (others 404)
        startup: 4s                        # until it listens and answers
        memory: {base: 60Mi, peak: 180Mi, ramp: 90s}   # usage grows base → peak over ramp
        cpu: 20m
        env: [DATABASE_URL]                # required variables: missing → exits 1, logging why
        files: [/etc/checkout/config.yaml] # required files (from mounted volumes)
        depends:                           # services it calls: host[:port]; unreachable → on_fail
          - {host: payments, port: 8080, on_fail: unready}   # crash | unready | degraded
        exit: {code: 0, after: 20s}        # it exits by itself (a batch job)
        command: shell                     # "shell": command/args run as a shell would (busybox)
        size: 48Mi                         # image size (the Pulled event); default: derived from the name
        logs:                              # lines; {placeholders} filled by the kubelet
          start: ["listening on :{port}"]
          steady: ["GET /api/cart 200 {ms}ms"]    # one every `every` seconds while running
          every: 30s
        versions:                          # per-tag overrides of any field above
          "1.5.0": {env: [DATABASE_URL, PAYMENT_TOKEN]}

Log streams the kubelet reads (all optional; a default line is used where one is named):
``start`` (spread over the startup time), ``steady`` (cycled, one every ``every``), ``missing_env``
(instead of ``start`` when a required variable is missing; default ``Error: required environment
variable {var} is not set``), ``missing_file`` (default ``Error: open {file}: no such file or
directory``), ``dependency`` (a dependency is unreachable; default ``Error: {dep}: {error}``),
``oom`` (just before an OOM kill) and ``exit`` (when the app exits by itself).

Placeholders: ``{port}`` ``{pod_ip}`` ``{host_ip}`` ``{pod}`` ``{namespace}`` ``{node}``
``{container}`` ``{image}`` ``{tag}`` ``{ms}`` (a plausible latency) ``{n}`` (line number)
``{client_ip}`` ``{var}`` ``{file}`` ``{dep}`` ``{host}`` ``{error}`` ``{limit}``, and times
``{time}`` / ``{time:iso}`` (RFC 3339 with milliseconds), ``{time:nginx}`` (``2025/01/12 10:00:00``),
``{time:clf}`` (``12/Jan/2025:10:00:00 +0000``), ``{time:redis}`` (``12 Jan 2025 10:00:00.123``),
``{time:postgres}`` (``2025-01-12 10:00:00.123``) and ``{time:klog}`` (``I0112 10:00:00.123456``).
Unknown placeholders are left as written.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import yaml

from workbench.errors import QuantityError, ScenarioError
from workbench.quantity import parse_quantity
from workbench.sandbox._scenarios._times import parse_duration

CATALOG_FILE = Path(__file__).resolve().parent / "catalog.yaml"
DEFAULT_REGISTRY = "docker.io"

OnFail = Literal["crash", "unready", "degraded"]


@dataclass(frozen=True)
class Dependency:
    host: str
    port: int | None = None
    on_fail: OnFail = "crash"


@dataclass(frozen=True)
class Memory:
    base: float = 8 * 2**20
    peak: float = 16 * 2**20
    ramp: float = 30.0

    def at(self, seconds: float) -> float:
        """Bytes in use `seconds` after the container started."""
        if seconds >= self.ramp or self.ramp <= 0:
            return self.peak
        return self.base + (self.peak - self.base) * max(0.0, seconds) / self.ramp

    def reaches(self, limit: float) -> float | None:
        """Seconds after start at which usage first exceeds `limit` (None: it never does)."""
        if self.peak <= limit:
            return None
        if self.base > limit or self.ramp <= 0:
            return 0.0
        return self.ramp * (limit - self.base) / (self.peak - self.base)


@dataclass(frozen=True)
class Exit:
    code: int = 0
    after: float = 0.0


@dataclass(frozen=True)
class AppModel:
    """What one image (at one tag) does when it runs. See the module docstring for the YAML form."""

    repository: str
    ports: tuple[int, ...] = ()
    paths: tuple[str, ...] = ("/",)
    startup: float = 1.0
    memory: Memory = field(default_factory=Memory)
    cpu: float = 0.002
    env: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    depends: tuple[Dependency, ...] = ()
    exit: Exit | None = None
    shell: bool = False
    logs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    log_every: float = 0.0
    size: int = 0
    """Bytes of the image (0: a stable size derived from the repository name)."""


@dataclass(frozen=True)
class ImageEntry:
    repository: str
    tags: frozenset[str] | None  # None: any tag exists
    private: bool
    model: AppModel
    versions: Mapping[str, AppModel]

    def model_for(self, tag: str) -> AppModel:
        return self.versions.get(tag, self.model)


@dataclass(frozen=True)
class ImageRef:
    """A parsed image reference, normalised the way containerd names it."""

    registry: str
    path: str  # library/nginx
    tag: str
    digest: str

    @property
    def repository(self) -> str:
        return f"{self.registry}/{self.path}"

    @property
    def full(self) -> str:
        return f"{self.repository}@{self.digest}" if self.digest else f"{self.repository}:{self.tag}"


_REF = re.compile(
    r"^[a-z0-9]+(?:[._-]{1,2}[a-z0-9]+|-+[a-z0-9]+)*(?:/[a-z0-9]+(?:[._-]{1,2}[a-z0-9]+|-+[a-z0-9]+)*)*$"
)
_TAG = re.compile(r"^[\w][\w.-]{0,127}$")


def parse_image(ref: str) -> ImageRef | None:
    """Normalise ``nginx`` → ``docker.io/library/nginx:latest``; None for a name containerd refuses
    (the kubelet reports InvalidImageName)."""
    rest, digest = ref.split("@", 1) if "@" in ref else (ref, "")
    tag = ""
    last = rest.rsplit("/", 1)[-1]
    if ":" in last:
        rest, tag = rest.rsplit(":", 1)
    parts = rest.split("/")
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        registry, path = parts[0], "/".join(parts[1:])
    else:
        registry, path = DEFAULT_REGISTRY, rest
    if registry == DEFAULT_REGISTRY and "/" not in path:
        path = f"library/{path}"
    if not path or not _REF.match(path) or (tag and not _TAG.match(tag)):
        return None
    if digest and not re.fullmatch(r"sha256:[0-9a-f]{64}", digest):
        return None
    return ImageRef(registry, path, tag or ("" if digest else "latest"), digest)


class Catalog:
    """Images by repository: the built-in catalog plus a scenario's own."""

    def __init__(self, entries: Mapping[str, ImageEntry]) -> None:
        self._entries = dict(entries)

    def extended(self, other: Mapping[str, ImageEntry]) -> Catalog:
        return Catalog({**self._entries, **other})

    def lookup(self, ref: ImageRef) -> ImageEntry | None:
        return self._entries.get(ref.repository)

    def __contains__(self, repository: str) -> bool:
        return repository in self._entries

    def has_registry(self, registry: str) -> bool:
        """Whether any known repository lives on `registry` (so the host resolves)."""
        return any(repository.split("/", 1)[0] == registry for repository in self._entries)


@functools.cache
def builtin_catalog() -> Catalog:
    return Catalog(load_images(CATALOG_FILE))


def load_images(path: Path) -> dict[str, ImageEntry]:
    """Read an ``images:`` mapping (the built-in catalog or a scenario's ``images.yaml``)."""
    try:
        doc = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ScenarioError(f"cannot read the image catalog: {exc}", source=str(path)) from exc
    images = doc.get("images") if isinstance(doc, dict) else None
    if not isinstance(images, dict):
        raise ScenarioError("expected a mapping under `images:`", source=str(path))
    return images_from_mapping(images, source=str(path))


def images_from_mapping(images: Mapping[str, Any], *, source: str) -> dict[str, ImageEntry]:
    out: dict[str, ImageEntry] = {}
    for name, spec in images.items():
        ref = parse_image(f"{name}:x")
        if ref is None or not isinstance(spec, dict):
            raise ScenarioError(
                f"images.{name}: expected a repository name mapped to its model", source=source
            )
        try:
            model = _model(ref.repository, spec, AppModel(ref.repository))
            versions = {
                str(tag): _model(ref.repository, override or {}, model)
                for tag, override in (spec.get("versions") or {}).items()
            }
        except (ValueError, TypeError, QuantityError) as exc:
            raise ScenarioError(f"images.{name}: {exc}", source=source) from exc
        tags = spec.get("tags")
        out[ref.repository] = ImageEntry(
            ref.repository,
            frozenset(map(str, tags)) | frozenset(versions) if tags is not None else None,
            bool(spec.get("private", False)),
            model,
            versions,
        )
    return out


_FIELDS = frozenset(
    {
        "tags",
        "private",
        "versions",
        "ports",
        "paths",
        "startup",
        "memory",
        "cpu",
        "env",
        "files",
        "depends",
        "exit",
        "command",
        "logs",
        "size",
    }
)


def _seconds(value: Any) -> float:
    return value if isinstance(value, (int, float)) else parse_duration(str(value)).total_seconds()


def _model(repository: str, spec: Mapping[str, Any], base: AppModel) -> AppModel:
    unknown = set(spec) - _FIELDS
    if unknown:
        raise ValueError(
            f"unknown field(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(_FIELDS))}"
        )
    changes: dict[str, Any] = {"repository": repository}
    if "ports" in spec:
        changes["ports"] = tuple(int(p) for p in spec["ports"])
    if "paths" in spec:
        changes["paths"] = tuple(str(p) for p in spec["paths"])
    if "startup" in spec:
        changes["startup"] = _seconds(spec["startup"])
    if "memory" in spec:
        m = spec["memory"]
        changes["memory"] = Memory(
            float(parse_quantity(str(m.get("base", "8Mi")))),
            float(parse_quantity(str(m.get("peak", m.get("base", "16Mi"))))),
            _seconds(m.get("ramp", 30)),
        )
    if "cpu" in spec:
        changes["cpu"] = float(parse_quantity(str(spec["cpu"])))
    if "env" in spec:
        changes["env"] = tuple(str(e) for e in spec["env"])
    if "files" in spec:
        changes["files"] = tuple(str(f) for f in spec["files"])
    if "depends" in spec:
        changes["depends"] = tuple(_dependency(d) for d in spec["depends"])
    if "exit" in spec:
        e = spec["exit"]
        changes["exit"] = None if e is None else Exit(int(e.get("code", 0)), _seconds(e.get("after", 0)))
    if "command" in spec:
        if spec["command"] not in ("shell", None):
            raise ValueError(f"command: {spec['command']!r} is not known; use `shell` or leave it out")
        changes["shell"] = spec["command"] == "shell"
    if "size" in spec:
        changes["size"] = int(float(parse_quantity(str(spec["size"]))))
    if "logs" in spec:
        logs = dict(spec["logs"])
        every = logs.pop("every", None)
        changes["logs"] = {str(k): tuple(str(line) for line in _lines(v)) for k, v in logs.items()}
        if every is not None:
            changes["log_every"] = _seconds(every)
    return replace(base, **changes)


def _lines(value: Any) -> Sequence[str]:
    return [value] if isinstance(value, str) else list(value)


def _dependency(spec: Any) -> Dependency:
    if isinstance(spec, str):
        host, _, port = spec.partition(":")
        return Dependency(host, int(port) if port else None)
    on_fail = spec.get("on_fail", "crash")
    if on_fail not in ("crash", "unready", "degraded"):
        raise ValueError(f"depends.on_fail: {on_fail!r}; use crash, unready or degraded")
    return Dependency(str(spec["host"]), int(spec["port"]) if spec.get("port") else None, on_fail)
