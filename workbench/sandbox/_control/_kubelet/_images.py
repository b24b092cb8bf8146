"""Image pulls: what containerd would answer for a reference, judged against the image catalog.

A pull succeeds when the catalog knows the repository and the tag, and the image is public or the
pod brings an imagePullSecret; otherwise it fails with the error text containerd 2.0 gives for that
case (the kubelet wraps it as ``Failed to pull image "x": <error>``). Names containerd cannot parse
never reach it: the kubelet reports InvalidImageName itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from workbench.sandbox._control._apps import Catalog, ImageEntry, ImageRef
from workbench.sandbox._control._kubelet._timing import fraction, hex64

PUBLIC_REGISTRIES = frozenset(
    {
        "docker.io",
        "registry.k8s.io",
        "k8s.gcr.io",
        "gcr.io",
        "ghcr.io",
        "quay.io",
        "public.ecr.aws",
        "mcr.microsoft.com",
        "registry.gitlab.com",
    }
)
NODE_RESOLVER = "172.18.0.1:53"
"""The kind node's nameserver: where containerd resolves registry hosts."""


@dataclass(frozen=True)
class PullResult:
    """One pull attempt: its outcome, how long it took and, on failure, containerd's error."""

    ok: bool
    seconds: float
    error: str = ""
    size: int = 0


def invalid_name_message(image: str) -> str:
    """The kubelet's message when ``parsers.ParseImageName`` refuses a reference."""
    rest = image.split("@", 1)[0]
    first, sep, remainder = rest.partition("/")
    if not (sep and ("." in first or ":" in first or first == "localhost")):
        remainder = rest
    last = remainder.rsplit("/", 1)[-1]
    if ":" in last:
        remainder = remainder[: len(remainder) - len(last)] + last.split(":", 1)[0]
    if "/" not in remainder and not sep:
        remainder = f"library/{remainder}"
    if remainder and remainder.lower() != remainder:
        reason = f"invalid reference format: repository name ({remainder}) must be lowercase"
    else:
        reason = "invalid reference format"
    return f'Failed to apply default image tag "{image}": couldn\'t parse image name "{image}": {reason}'


def image_size(ref: ImageRef, entry: ImageEntry | None) -> int:
    """Bytes of the image: the catalog's figure, or a stable size between 8 and 140 MB."""
    if entry is not None:
        size = entry.model_for(ref.tag).size
        if size:
            return size
    return int(8_000_000 + 132_000_000 * fraction("size", ref.repository, ref.tag))


def image_id(ref: ImageRef, *, preloaded: bool) -> str:
    """containerd's imageID: the repo digest of a pulled image, the config digest of a preloaded one."""
    if ref.digest:
        return f"{ref.repository}@{ref.digest}"
    if preloaded:
        return "sha256:" + hex64("config", ref.repository, ref.tag)
    return f"{ref.repository}@sha256:{hex64('manifest', ref.repository, ref.tag)}"


def attempt(catalog: Catalog, ref: ImageRef, *, authorized: bool, cached: bool, seed: str) -> PullResult:
    """Pull `ref` (with or without credentials); `cached` means the layers are already on the node."""
    entry = catalog.lookup(ref)
    f = fraction("pull", seed)
    failing = 0.4 + 0.8 * f
    full = ref.full
    prefix = f'failed to pull and unpack image "{full}": failed to resolve reference "{full}": '
    if entry is None:
        if ref.registry == "docker.io":
            return PullResult(False, failing, _denied(prefix))
        if ref.registry.startswith(("localhost", "127.")):
            port = ref.registry.partition(":")[2] or "80"
            return PullResult(
                False,
                failing,
                _unknown(
                    prefix + f'failed to do request: Head "http://{ref.registry}/v2/{ref.path}/manifests/'
                    f'{ref.tag or ref.digest}": dial tcp 127.0.0.1:{port}: connect: connection refused'
                ),
            )
        if ref.registry in PUBLIC_REGISTRIES or _registry_known(catalog, ref.registry):
            return PullResult(False, failing, _not_found(prefix + f"{full}: not found"))
        host = ref.registry.partition(":")[0]
        return PullResult(
            False,
            failing,
            _unknown(
                prefix + f'failed to do request: Head "https://{ref.registry}/v2/{ref.path}/manifests/'
                f'{ref.tag or ref.digest}": dial tcp: lookup {host} on {NODE_RESOLVER}: no such host'
            ),
        )
    if entry.private and not authorized:
        if ref.registry == "docker.io":
            return PullResult(False, failing, _denied(prefix))
        scope = ref.path.replace("/", "%2F")
        return PullResult(
            False,
            failing,
            _unknown(
                prefix + "failed to authorize: failed to fetch anonymous token: unexpected status from GET "
                f"request to https://{ref.registry}/token?scope=repository%3A{scope}%3Apull"
                f"&service={ref.registry}: 401 Unauthorized"
            ),
        )
    if not ref.digest and entry.tags is not None and ref.tag not in entry.tags:
        return PullResult(False, failing, _not_found(prefix + f"{full}: not found"))
    size = image_size(ref, entry)
    seconds = 0.3 + 0.5 * f if cached else 0.4 + size / 60e6 * (0.8 + 0.4 * f)
    return PullResult(True, seconds, size=size)


def _denied(prefix: str) -> str:
    return _unknown(
        prefix + "pull access denied, repository does not exist or may require authorization: "
        "server message: insufficient_scope: authorization failed"
    )


def _unknown(desc: str) -> str:
    return f"rpc error: code = Unknown desc = {desc}"


def _not_found(desc: str) -> str:
    return f"rpc error: code = NotFound desc = {desc}"


def _registry_known(catalog: Catalog, registry: str) -> bool:
    return catalog.has_registry(registry)


class NodeImages:
    """Which images each node holds: the ones it was loaded with plus the ones pulled since."""

    def __init__(self) -> None:
        self._pulled: dict[str, set[str]] = {}

    def preloaded(self, node: Mapping[str, Any], ref: ImageRef) -> bool:
        names = {ref.full, f"{ref.repository}:{ref.tag}" if ref.tag else ref.full}
        for image in (node.get("status") or {}).get("images") or []:
            if names.intersection(image.get("names") or ()):
                return True
        return False

    def present(self, node: Mapping[str, Any], ref: ImageRef) -> bool:
        name = (node.get("metadata") or {}).get("name", "")
        return ref.full in self._pulled.get(name, ()) or self.preloaded(node, ref)

    def add(self, node_name: str, ref: ImageRef) -> None:
        self._pulled.setdefault(node_name, set()).add(ref.full)
