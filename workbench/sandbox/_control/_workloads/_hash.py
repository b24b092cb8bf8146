"""Template hashes and revision data, shaped like the ones kube-controller-manager writes.

The Deployment and DaemonSet controllers name what they make after an FNV-1a hash of the pod
template (``controller.ComputeHash``); the StatefulSet controller hashes the bytes of a
ControllerRevision's data with FNV-1 (``history.HashControllerRevision``). Both print the 32-bit sum
in decimal and pass it through ``rand.SafeEncodeString``, which maps each character into the
alphabet ``bcdfghjklmnpqrstvwxz2456789`` — so a hash is up to ten characters drawn from the ten
that decimal digits map to (``4-9``, ``b``, ``c``, ``d``, ``f``), like ``6f6b679f8f``.

Go hashes the template's in-memory struct; a hash of its canonical JSON is as stable (the same
template always gives the same hash, any change gives another) without claiming to be byte-equal.

Example:
    >>> safe_encode("0123456789")
    '456789bcdf'
    >>> web = {"metadata": {"labels": {"app": "web"}}}
    >>> template_hash(web) == template_hash(dict(web)), template_hash(web) == template_hash({})
    (True, False)
"""

from __future__ import annotations

import json
from typing import Any

import orjson

from workbench.sandbox._scenarios._controllers import revision_patch

_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
_FNV_OFFSET = 0x811C9DC5
_FNV_PRIME = 0x01000193
_MASK = 0xFFFFFFFF
POD_TEMPLATE_HASH = "pod-template-hash"


def fnv32a(data: bytes) -> int:
    """The 32-bit FNV-1a hash (Go's ``hash/fnv.New32a``)."""
    h = _FNV_OFFSET
    for byte in data:
        h = ((h ^ byte) * _FNV_PRIME) & _MASK
    return h


def fnv32(data: bytes) -> int:
    """The 32-bit FNV-1 hash (Go's ``hash/fnv.New32``)."""
    h = _FNV_OFFSET
    for byte in data:
        h = ((h * _FNV_PRIME) & _MASK) ^ byte
    return h


def safe_encode(text: str) -> str:
    """``rand.SafeEncodeString``: each byte mapped into an alphabet without vowels or look-alikes."""
    return "".join(_ALPHABET[b % len(_ALPHABET)] for b in text.encode())


def normalized(value: Any) -> Any:
    """`value` with nulls and empty maps and lists dropped, recursively: Kubernetes' semantic
    equality treats a nil map or slice as equal to an empty one."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            kept = normalized(item)
            if kept is None or kept in ({}, []):
                continue
            out[key] = kept
        return out
    if isinstance(value, list):
        return [normalized(item) for item in value]
    return value


def without_hash_label(template: dict[str, Any] | None) -> dict[str, Any]:
    """The template without the ``pod-template-hash`` label, normalized for comparison."""
    copied: dict[str, Any] = normalized(template or {})
    labels = (copied.get("metadata") or {}).get("labels")
    if isinstance(labels, dict) and POD_TEMPLATE_HASH in labels:
        del labels[POD_TEMPLATE_HASH]
        if not labels:
            del copied["metadata"]["labels"]
        if not copied["metadata"]:
            del copied["metadata"]
    return copied


def equal_ignore_hash(a: dict[str, Any] | None, b: dict[str, Any] | None) -> bool:
    """``deploymentutil.EqualIgnoreHash``: the templates match once the hash label is set aside."""
    return bool(without_hash_label(a) == without_hash_label(b))


def template_hash(template: dict[str, Any] | None, collision_count: int | None = None) -> str:
    """``controller.ComputeHash``: the pod-template-hash of a Deployment's (or DaemonSet's) template."""
    data = orjson.dumps(without_hash_label(template), option=orjson.OPT_SORT_KEYS)
    if collision_count is not None:
        data += str(collision_count).encode()
    return safe_encode(str(fnv32a(data)))


def revision_data(template: dict[str, Any] | None) -> dict[str, Any]:
    """The ``data`` of a ControllerRevision for `template` (shared with the scenario loader)."""
    return revision_patch(template or {})


def revision_raw(data: dict[str, Any]) -> bytes:
    """The bytes Go's ``json.Marshal`` gives for revision data: sorted keys, compact, HTML escaped."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").encode()


def revision_hash(data: dict[str, Any], collision_count: int | None = None) -> str:
    """``history.HashControllerRevision``: the hash a StatefulSet revision is named after."""
    raw = revision_raw(data)
    if collision_count is not None:
        raw += str(collision_count).encode()
    return safe_encode(str(fnv32(raw)))
