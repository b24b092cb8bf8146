"""Conversion between the API versions the sandbox serves for one stored object.

Each resource is kept in one storage version and converted on the way out (get, list items, watch
events) and on the way in (create and update bodies), as kube-apiserver does:

==========================================  ===============  =====================================
resource                                    stored as        also served as
==========================================  ===============  =====================================
horizontalpodautoscalers                    autoscaling/v2   autoscaling/v2beta2, autoscaling/v1
cronjobs                                    batch/v1         batch/v1beta1 (same fields)
events (core) and events (events.k8s.io)    v1               events.k8s.io/v1
==========================================  ===============  =====================================

autoscaling/v1 has room for a CPU target only, so the other metrics, the current metrics, the
behavior and the conditions travel in the ``autoscaling.alpha.kubernetes.io/*`` annotations, in the
JSON the real apiserver writes (pkg/apis/autoscaling/v1/conversion.go). A v1 client's
read-modify-write therefore keeps them, and kubectl 1.20 shows what a real cluster would show.

The functions never mutate their input, and a converted object shares no state with it. The
per-resource rules live in `_hpa` (with the annotation shapes in `_hpa_fields`) and `_events`;
CronJob needs only its apiVersion changed (batch/v1beta1 had the same fields, timeZone included, by
the time it was removed in 1.25).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, Final

import orjson

from workbench.errors import SandboxApiError
from workbench.sandbox._convert import _events, _hpa

Obj = dict[str, Any]

STORAGE: Final[Mapping[tuple[str, str], tuple[str, str]]] = MappingProxyType(
    {
        ("autoscaling", "horizontalpodautoscalers"): ("autoscaling", "v2"),
        ("batch", "cronjobs"): ("batch", "v1"),
        ("", "events"): ("", "v1"),
        ("events.k8s.io", "events"): ("", "v1"),
    }
)
"""(group, resource) -> (storage group, storage version) for every resource served in several shapes."""


def needs_conversion(group: str, resource: str, version: str) -> bool:
    """Whether `group`/`version` of `resource` differs from the shape it is stored in.

    Args:
        group: the API group of the request ("" for core).
        resource: the plural resource name.
        version: the requested version.

    Returns:
        False for resources stored in the requested shape (and for every resource not in `STORAGE`).

    Example:
        >>> needs_conversion("batch", "cronjobs", "v1beta1"), needs_conversion("apps", "deployments", "v1")
        (True, False)
    """
    storage = STORAGE.get((group, resource))
    return storage is not None and storage != (group, version)


def to_version(obj: dict[str, Any], *, group: str, resource: str, version: str) -> dict[str, Any]:
    """Convert a stored object of `group`/`resource` to the requested served version.

    Lists are not handled here; convert them item by item.

    Args:
        obj: the stored object (storage version).
        group: the API group of the request ("" for core).
        resource: the plural resource name, e.g. ``horizontalpodautoscalers``.
        version: the requested version, e.g. ``v1``.

    Returns:
        `obj` itself when no conversion is needed (so the caller can reuse its encoded bytes),
        otherwise a new object.

    Raises:
        SandboxApiError: 404 when `version` is not served for the resource.

    Example:
        >>> cj = {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "n"}}
        >>> to_version(cj, group="batch", resource="cronjobs", version="v1beta1")["apiVersion"]
        'batch/v1beta1'
    """
    if not needs_conversion(group, resource, version):
        return obj
    convert = _OUT.get((group, resource, version))
    if convert is None:
        raise _not_served()
    return convert(_copy(obj))


def to_storage(obj: dict[str, Any], *, group: str, resource: str, version: str) -> dict[str, Any]:
    """Convert an incoming create or update body in `version` to the storage version.

    Args:
        obj: the request body, as decoded JSON.
        group: the API group of the request ("" for core).
        resource: the plural resource name.
        version: the version of the endpoint the body was sent to.

    Returns:
        `obj` itself when it is already in the storage shape, otherwise a new object.

    Raises:
        SandboxApiError: 400 when the body's apiVersion is not the endpoint's, an autoscaling
            tolerance annotation is not a quantity, or an events.k8s.io Event does not decode into
            its type; 422 when an events.k8s.io Event has no eventTime; 404 when `version` is not
            served.

    Example:
        >>> ev = {"apiVersion": "events.k8s.io/v1", "kind": "Event", "note": "hi",
        ...       "eventTime": "2026-01-01T10:00:00.000000Z"}
        >>> to_storage(ev, group="events.k8s.io", resource="events", version="v1")["message"]
        'hi'
    """
    if (group, resource) not in STORAGE:
        return obj
    expected = f"{group}/{version}" if group else version
    sent = obj.get("apiVersion")
    if sent not in (None, "", expected):
        raise SandboxApiError(
            400,
            "BadRequest",
            f"the API version in the data ({sent}) does not match the expected API version ({expected})",
        )
    if not needs_conversion(group, resource, version):
        return obj
    convert = _IN.get((group, resource, version))
    if convert is None:
        raise _not_served()
    return convert(_copy(obj))


def _not_served() -> SandboxApiError:
    return SandboxApiError(404, "NotFound", "the server could not find the requested resource")


def _copy(obj: Obj) -> Obj:
    # A JSON round trip is the cheapest deep copy of a JSON document, and it guarantees the result
    # shares nothing with the stored object the caller may still hold.
    copied: Obj = orjson.loads(orjson.dumps(obj))
    return copied


def _with_api_version(api_version: str) -> Callable[[Obj], Obj]:
    def convert(obj: Obj) -> Obj:
        obj["apiVersion"] = api_version
        return obj

    return convert


_OUT: Final[Mapping[tuple[str, str, str], Callable[[Obj], Obj]]] = MappingProxyType(
    {
        ("autoscaling", "horizontalpodautoscalers", "v1"): _hpa.v2_to_v1,
        ("autoscaling", "horizontalpodautoscalers", "v2beta2"): _hpa.v2_to_v2beta2,
        ("batch", "cronjobs", "v1beta1"): _with_api_version("batch/v1beta1"),
        ("events.k8s.io", "events", "v1"): _events.core_to_v1,
    }
)
_IN: Final[Mapping[tuple[str, str, str], Callable[[Obj], Obj]]] = MappingProxyType(
    {
        ("autoscaling", "horizontalpodautoscalers", "v1"): _hpa.v1_to_v2,
        ("autoscaling", "horizontalpodautoscalers", "v2beta2"): _hpa.v2beta2_to_v2,
        ("batch", "cronjobs", "v1beta1"): _with_api_version("batch/v1"),
        ("events.k8s.io", "events", "v1"): _events.v1_to_core,
    }
)
