"""What paging needs from a list page's bytes: its continue token and its objects' keys.

Only these few fields are decoded (msgspec skips the rest of the page without building it), and
the token is read from the bytes before the page's items when it can be (see `continue_token`).
"""

from __future__ import annotations

from typing import Any

import msgspec

from workbench.errors import SourceError


class _Meta(msgspec.Struct):
    namespace: str = ""
    name: str = ""


class _Item(msgspec.Struct):
    metadata: _Meta = msgspec.field(default_factory=_Meta)


class _ListMeta(msgspec.Struct):
    continue_: str = msgspec.field(default="", name="continue")


class _ListHead(msgspec.Struct):
    """The few fields paging needs; msgspec skips the rest of the page without building it."""

    metadata: _ListMeta = msgspec.field(default_factory=_ListMeta)
    items: list[_Item] = msgspec.field(default_factory=list)


class _ListPrefix(msgspec.Struct):
    """A list page's head: what comes before its ``items``."""

    metadata: _ListMeta | None = None


_HEAD = msgspec.json.Decoder(_ListHead)
_PREFIX = msgspec.json.Decoder(_ListPrefix)
_ITEMS_KEY = b',"items":'


def continue_token(body: bytes, path: str) -> str:
    """A list page's continue token, read from the bytes before its items when it can be.

    A Kubernetes API server writes ``kind``, ``apiVersion`` and ``metadata`` before ``items``, so
    the token is found without reading the page's objects (the caller decodes those anyway). The
    cut at the first ``,"items":`` is trusted only when the bytes before it, closed with ``}``, are a
    JSON object holding ``metadata``: a key nested deeper would leave a brace open, and none can
    hide inside a string, whose quotes are escaped. Any other page is decoded whole.

    Raises:
        SourceError: the page is not a JSON List.
    """
    cut = body.find(_ITEMS_KEY)
    if cut > 0:
        try:
            prefix = _PREFIX.decode(body[:cut] + b"}")
        except msgspec.DecodeError:
            prefix = None
        if prefix is not None and prefix.metadata is not None:
            return prefix.metadata.continue_
    return _head(body, path).metadata.continue_


def keys(body: bytes, path: str) -> list[str]:
    """The ``namespace/name`` of every object in a list page."""
    return [f"{item.metadata.namespace}/{item.metadata.name}" for item in _head(body, path).items]


def _head(body: bytes, path: str) -> _ListHead:
    try:
        return _HEAD.decode(body)
    except msgspec.DecodeError as exc:
        raise SourceError(f"the API server sent a list page for {path} that is not a List: {exc}") from exc


def key(item: dict[str, Any]) -> str:
    meta = item.get("metadata") or {}
    return f"{meta.get('namespace', '')}/{meta.get('name', '')}"
