"""Redacting whole Kubernetes objects (any kind) before they are stored or sent anywhere.

The rules, by where a value lives:

- ``Secret``: only ``type`` and the key names stay; every value of ``data`` and ``stringData`` becomes
  ``""`` and the ``last-applied-configuration`` annotation (which repeats the values) is dropped.
- ``metadata.managedFields`` is dropped everywhere (it is large and says nothing about health).
- ``ConfigMap``: ``data`` values are masked by pattern (wholly when the key names a secret);
  ``binaryData`` values become ``""``.
- Name/value pairs anywhere (container ``env``, probe ``httpHeaders``, custom parameters): the value is
  masked wholly when the name looks secret, by pattern otherwise. ``valueFrom`` references stay: they
  point at a Secret, they are not values.
- ``args`` and ``command`` lists: masked by pattern, and the item after a bare secret flag
  (``["--password", "x"]``) wholly.
- Annotation and label values, ``message`` and ``note`` fields (events, conditions, termination
  messages): masked by pattern. A ``last-applied-configuration`` annotation is parsed and redacted as
  the object it is, so an env value inside it is caught like the live one.
- A string field whose key names a secret (``password: ...`` in a custom resource) is masked wholly.
- Custom resources (any kind not built in): every string value is also masked by pattern.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import orjson

from workbench.redaction._patterns import (
    Redacted,
    holds_value,
    mask_text,
    mask_value,
    secret_env_kind,
    secret_key_kind,
)

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"

_BUILTIN_KINDS = {
    "Namespace", "Node", "Pod", "Service", "Endpoints", "EndpointSlice", "ConfigMap", "Secret",
    "PersistentVolumeClaim", "PersistentVolume", "Event", "Deployment", "ReplicaSet", "StatefulSet",
    "DaemonSet", "Job", "CronJob", "Ingress", "NetworkPolicy", "StorageClass", "HorizontalPodAutoscaler",
    "PodDisruptionBudget", "NodeMetrics", "PodMetrics", "CustomResourceDefinition", "ServiceAccount",
    "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "PodTemplate", "ReplicationController",
}  # fmt: skip
_TEXT_KEYS = {"message", "note"}
_ARG_KEYS = {"args", "command"}
_IDENTITY_KEYS = {"apiVersion", "kind", "name", "namespace", "uid"}


@dataclass
class RedactionReport:
    """What redaction removed, for the snapshot manifest ("what was redacted") and the agent preview.

    Attributes:
        by_kind: masked values per kind of secret (``password``, ``jwt``, ``secret_value``...).
        by_field: masked values per field (``Pod.spec.containers.env``, ``Secret.data``, ``log``...).
        dropped: fields removed whole, per field (``metadata.managedFields``...).
    """

    by_kind: Counter[str] = field(default_factory=Counter)
    by_field: Counter[str] = field(default_factory=Counter)
    dropped: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        """How many values were masked (dropped fields not counted)."""
        return sum(self.by_kind.values())

    def count(self, kind: str, where: str, n: int = 1) -> None:
        """Record ``n`` values of ``kind`` masked in field ``where``."""
        self.by_kind[kind] += n
        self.by_field[where] += n

    def add_text(self, redacted: Redacted, where: str) -> None:
        """Record what `mask_text` replaced in field ``where``."""
        for kind, n in redacted.kinds.items():
            self.count(kind, where, n)

    def merge(self, other: RedactionReport) -> None:
        """Add another report's counts to this one."""
        self.by_kind.update(other.by_kind)
        self.by_field.update(other.by_field)
        self.dropped.update(other.dropped)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form with sorted keys (stable manifests)."""
        return {
            "total": self.total,
            "by_kind": dict(sorted(self.by_kind.items())),
            "by_field": dict(sorted(self.by_field.items())),
            "dropped": dict(sorted(self.dropped.items())),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RedactionReport:
        """The report `to_dict` wrote (counts that are not integers are refused by the caller)."""
        return cls(
            Counter(data.get("by_kind", {})),
            Counter(data.get("by_field", {})),
            Counter(data.get("dropped", {})),
        )


def redact_log(text: str) -> Redacted:
    """Mask secrets in a log tail (see `mask_text`)."""
    return mask_text(text)


def redact_object(obj: dict[str, Any], *, in_place: bool = False) -> tuple[dict[str, Any], RedactionReport]:
    """Redact one Kubernetes object of any kind.

    Args:
        obj: the object as decoded from JSON.
        in_place: change ``obj`` itself instead of a copy (for freshly decoded list pages).

    Returns:
        The redacted object and what was masked or dropped.

    Example:
        >>> secret = {"kind": "Secret", "type": "Opaque", "data": {"pw": "aHVudGVyMg=="}}
        >>> redacted, report = redact_object(secret)
        >>> redacted["data"], report.by_field["Secret.data"]
        ({'pw': ''}, 1)
    """
    target = obj if in_place else orjson.loads(orjson.dumps(obj))
    report = RedactionReport()
    _Redactor(report).object(target)
    return target, report


class _Redactor:
    def __init__(self, report: RedactionReport) -> None:
        self.report = report

    def object(self, obj: dict[str, Any], prefix: str = "") -> None:
        kind = obj.get("kind") if isinstance(obj.get("kind"), str) else "Object"
        path = f"{prefix}{kind}"
        meta = obj.get("metadata")
        if kind == "Secret":
            self.secret(obj, path)
            annotations = meta.get("annotations") if isinstance(meta, dict) else None
            if isinstance(annotations, dict) and annotations.pop(LAST_APPLIED, None) is not None:
                self.report.dropped[f"{path}.metadata.annotations.{LAST_APPLIED}"] += 1
        elif kind == "ConfigMap":
            self.configmap(obj, path)
        # Secret and ConfigMap data were handled above; the walk must not mask their values twice.
        handled = {"data", "stringData", "binaryData"} if kind in {"Secret", "ConfigMap"} else set()
        self.walk(obj, path, deep_text=kind not in _BUILTIN_KINDS, skip=handled)

    def secret(self, obj: dict[str, Any], path: str) -> None:
        for key in ("data", "stringData"):
            values = obj.get(key)
            if not isinstance(values, dict):
                continue
            for name, value in values.items():
                if value:
                    self.report.count("secret_value", f"{path}.{key}")
                values[name] = ""

    def configmap(self, obj: dict[str, Any], path: str) -> None:
        data = obj.get("data")
        if isinstance(data, dict):
            for name, value in data.items():
                if isinstance(value, str):
                    data[name] = self.keyed_text(name, value, f"{path}.data", env=False)
        binary = obj.get("binaryData")
        if isinstance(binary, dict):
            for name, value in binary.items():
                if value:
                    self.report.dropped[f"{path}.binaryData"] += 1
                binary[name] = ""

    def text(self, value: str, where: str) -> str:
        redacted = mask_text(value)
        if redacted.count:
            self.report.add_text(redacted, where)
        return redacted.text

    def keyed_text(self, key: str, value: str, where: str, *, env: bool) -> str:
        """A value under a name: wholly masked when the name looks secret, by pattern otherwise."""
        kind = secret_env_kind(key) if env else secret_key_kind(key)
        if kind is not None and holds_value(value):
            self.report.count(kind, where)
            return mask_value(value, kind)
        return self.text(value, where)

    def walk(self, node: dict[str, Any], path: str, *, deep_text: bool, skip: set[str] | None = None) -> None:
        # The hot loop of a snapshot (every node of every object): paths are built only when used.
        if "managedFields" in node:
            del node["managedFields"]
            self.report.dropped[f"{path}.managedFields"] += 1
        name, pair_value = node.get("name"), node.get("value")
        pair = False
        if isinstance(name, str) and isinstance(pair_value, str):
            pair = True
            node["value"] = self.keyed_text(name, pair_value, path, env=True)
        for key, value in node.items():
            if skip and key in skip:
                continue
            if isinstance(value, str):
                if pair and key == "value":
                    continue  # a name/value pair, done above
                if key in _TEXT_KEYS:
                    node[key] = self.text(value, f"{path}.{key}")
                elif secret_key_kind(key) is not None:
                    node[key] = self.keyed_text(key, value, f"{path}.{key}", env=False)
                elif deep_text and key not in _IDENTITY_KEYS:
                    node[key] = self.text(value, f"{path}.{key}")
            elif isinstance(value, dict):
                if key == "annotations":
                    self.annotations(value, f"{path}.{key}")
                elif key == "labels":
                    for label, text in value.items():
                        if isinstance(text, str):
                            value[label] = self.text(text, f"{path}.{key}")
                else:
                    self.walk(value, f"{path}.{key}", deep_text=deep_text)
            elif isinstance(value, list):
                if key in _ARG_KEYS:
                    self.args(value, f"{path}.{key}")
                else:
                    self.walk_list(value, f"{path}.{key}", deep_text=deep_text)

    def walk_list(self, items: list[Any], path: str, *, deep_text: bool) -> None:
        for i, item in enumerate(items):
            if isinstance(item, dict):
                self.walk(item, path, deep_text=deep_text)
            elif isinstance(item, list):
                self.walk_list(item, path, deep_text=deep_text)
            elif deep_text and isinstance(item, str):
                items[i] = self.text(item, path)

    def annotations(self, values: dict[str, Any], where: str) -> None:
        for name, value in values.items():
            if not isinstance(value, str):
                continue
            if name == LAST_APPLIED:
                values[name] = self.last_applied(value, where)
            else:
                values[name] = self.keyed_text(name, value, where, env=False)

    def last_applied(self, value: str, where: str) -> str:
        try:
            applied = orjson.loads(value)
        except orjson.JSONDecodeError:
            return self.text(value, where)
        if not isinstance(applied, dict):
            return self.text(value, where)
        if applied.get("kind") == "Secret":
            # Stored only on objects that are not Secrets (those drop it): still, never keep values.
            self.report.dropped[f"{where}.{LAST_APPLIED}"] += 1
            return ""
        self.object(applied, prefix=f"{where}.{LAST_APPLIED}:")
        return orjson.dumps(applied).decode() + ("\n" if value.endswith("\n") else "")

    def args(self, items: list[Any], where: str) -> None:
        secret_next: str | None = None
        for i, item in enumerate(items):
            if not isinstance(item, str):
                secret_next = None
                continue
            if secret_next is not None and holds_value(item) and not item.startswith("-"):
                self.report.count(secret_next, where)
                items[i] = mask_value(item, secret_next)
                secret_next = None
                continue
            items[i] = self.text(item, where)
            flag = item.lstrip("-")
            secret_next = secret_key_kind(flag) if item.startswith("-") and "=" not in item and flag else None
