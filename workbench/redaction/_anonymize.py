"""Reversible anonymization of names: namespaces, workloads, pods, nodes, images and hosts.

An `Anonymizer` maps each identifying name to a stable pseudonym, the same everywhere it appears, so
an anonymized cluster still hangs together: pods keep their owner's prefix and their random suffixes
(``invoice-api-79d868d77-vgmg7`` becomes ``app-3f2a-79d868d77-vgmg7``), label values and selectors
map alike (selectors still match), ownerReferences and events' involvedObject follow their targets,
and free text (messages, logs) has the known names replaced. `deanonymize_text` turns pseudonyms in
an answer back into the real names for the person who owns the map.

Pseudonyms are ``<prefix>-<4+ hex>``, the hex an HMAC of the name under a random key kept in the
map, so they reveal nothing by themselves. The prefix comes from where a name was first seen:
``ns`` namespaces, ``node`` nodes, ``app`` workloads and pods, ``svc`` services, ``cm`` ConfigMaps,
``secret`` Secrets, ``ctr`` containers, ``lbl`` label values, ``img`` image repositories, ``host-<hex>
.example`` hosts and registries, ``obj`` anything else.

Kept as they are (well-known, not identifying): the namespaces ``default``, ``kube-system``,
``kube-public``, ``kube-node-lease``; core add-on names (``kubernetes``, ``coredns``, ``kube-dns``,
``kube-proxy``, ``kube-root-ca.crt``, ``etcd``...) and ``system:``/``system-`` names; CRD names (they
are API schema); images from ``registry.k8s.io`` and Docker Hub's official images; IP addresses;
numbers, versions and hashes in label values; uids, timestamps and every field name.

Limits: free text is matched against the names seen so far, so a name that first appears in text
(a hostname only a log mentions) is not replaced. The map is a separate file: a snapshot only says
``anonymized: true`` and never contains it.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import re
import secrets
from pathlib import Path
from typing import Any

import orjson

from workbench.errors import ConfigError

MAP_FORMAT = "kube-workbench-anonymization-map"

KEEP_NAMESPACES = frozenset({"default", "kube-system", "kube-public", "kube-node-lease"})
KEEP_NAMES = KEEP_NAMESPACES | {
    "kubernetes", "kube-dns", "coredns", "kube-proxy", "kube-root-ca.crt", "kube-apiserver", "etcd",
    "kube-controller-manager", "kube-scheduler", "metrics-server", "default-scheduler", "cluster-info",
    "kubeadm-config", "kubelet-config", "extension-apiserver-authentication", "kindnet", "standard",
    "local-path-provisioner", "local-path-storage", "ingress-nginx", "cert-manager",
}  # fmt: skip
_KEEP_LABEL_KEYS = {
    "kubernetes.io/os", "kubernetes.io/arch", "beta.kubernetes.io/os", "beta.kubernetes.io/arch",
    "node.kubernetes.io/instance-type", "beta.kubernetes.io/instance-type", "topology.kubernetes.io/zone",
    "topology.kubernetes.io/region", "failure-domain.beta.kubernetes.io/zone", "app.kubernetes.io/version",
    "failure-domain.beta.kubernetes.io/region", "app.kubernetes.io/managed-by", "app.kubernetes.io/component",
    "tier", "helm.sh/chart", "pod-template-generation", "kubernetes.io/bootstrapping",
    "addonmanager.kubernetes.io/mode", "kubernetes.io/cluster-service",
    "rbac.authorization.kubernetes.io/autoupdate",
}  # fmt: skip
_KEEP_REGISTRIES = {"registry.k8s.io", "k8s.gcr.io"}
_PUBLIC_REGISTRIES = {
    "docker.io", "index.docker.io", "quay.io", "ghcr.io", "gcr.io", "mcr.microsoft.com", "public.ecr.aws",
    "registry.gitlab.com", "nvcr.io",
}  # fmt: skip
_KEEP_HUB_ORGS = {"library", "kindest"}
_CATEGORY = {
    "Namespace": "ns", "Node": "node", "NodeMetrics": "node", "Pod": "app", "PodMetrics": "app",
    "Deployment": "app", "ReplicaSet": "app", "StatefulSet": "app", "DaemonSet": "app", "Job": "app",
    "CronJob": "app", "HorizontalPodAutoscaler": "app", "PodDisruptionBudget": "app", "Service": "svc",
    "Endpoints": "svc", "EndpointSlice": "svc", "ConfigMap": "cm", "Secret": "secret", "Ingress": "ing",
    "PersistentVolumeClaim": "pvc", "PersistentVolume": "pv", "ServiceAccount": "sa", "StorageClass": "sc",
    "NetworkPolicy": "netpol",
}  # fmt: skip
_PARENT_CATEGORY = {
    "configMap": "cm", "configMapRef": "cm", "configMapKeyRef": "cm", "secret": "secret",
    "secretRef": "secret", "secretKeyRef": "secret", "imagePullSecrets": "secret", "service": "svc",
    "containers": "ctr", "initContainers": "ctr", "ephemeralContainers": "ctr", "containerStatuses": "ctr",
    "initContainerStatuses": "ctr", "ephemeralContainerStatuses": "ctr", "volumes": "vol",
    "volumeMounts": "vol",
}  # fmt: skip
_NAME_KEY_CATEGORY = {
    "nodeName": "node", "nominatedNodeName": "node", "secretName": "secret", "claimName": "pvc",
    "serviceAccountName": "sa", "serviceAccount": "sa", "serviceName": "svc", "volumeName": "pv",
    "containerName": "ctr", "hostname": "app", "subdomain": "svc",
}  # fmt: skip
# ``name`` under these is a port, a metric or an env var name: vocabulary, not an object's name.
_EXEMPT_PARENTS = {"env", "ports", "httpHeaders", "resource", "metric", "port", "conditions", "claims"}
_SCHEMA_KINDS = {"CustomResourceDefinition", "APIService"}
_SKIP_KEYS = {"uid", "resourceVersion", "apiVersion", "kind", "creationTimestamp", "deletionTimestamp"}
_TEXT_KEYS = {
    "message", "note", "reportingInstance", "description", "value", "fieldPath", "providerID", "path",
    "mountPath", "subPath",
}  # fmt: skip
_HASH = re.compile(r"^(?:[bcdfghjklmnpqrstvwxz2456789]{5,10}|[0-9]+)$")
_EVENT_SUFFIX = re.compile(r"\.[0-9a-f]{8,}$")
_PLAIN_VALUE = re.compile(
    r"^(?:v?[0-9][0-9.]*(?:[-+][A-Za-z0-9.]+)?|true|false|[0-9a-f]{8,}(?:-[0-9a-f]+)*)$", re.I
)
_LABEL = r"[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?"
_CLUSTER_DNS = re.compile(rf"(?<![A-Za-z0-9.\-]){_LABEL}\.{_LABEL}\.svc\b")
_RUN = re.compile(r"[A-Za-z0-9]+(?:[.\-][A-Za-z0-9]+)*")
_SPLIT = re.compile(r"([.\-])")
_MIN_TEXT = 3  # shorter names are not replaced in free text (too many accidental words)


class Anonymizer:
    """Maps identifying names to stable pseudonyms and back.

    Example:
        >>> anon = Anonymizer()
        >>> pod = anon.name("invoice-api-79d868d77-vgmg7", "app")
        >>> pod.startswith("app-") and pod.endswith("-79d868d77-vgmg7")
        True
        >>> anon.deanonymize_text(f"restart {pod}")
        'restart invoice-api-79d868d77-vgmg7'
    """

    def __init__(self, *, key: bytes | None = None) -> None:
        self._key = key if key is not None else secrets.token_bytes(16)
        self._forward: dict[str, str] = {}
        self._reverse: dict[str, str] = {}
        self._words = 1
        self._reverse_words = 1

    # --- one name ------------------------------------------------------------------------------

    def _pseudonym(self, original: str, prefix: str, suffix: str = "") -> str:
        found = self._forward.get(original)
        if found is not None:
            return found
        digest = hmac.new(self._key, original.encode(), hashlib.sha256).hexdigest()
        for width in (4, 6, 8, 12, 64):
            candidate = f"{prefix}-{digest[:width]}{suffix}"
            if candidate not in self._reverse and candidate not in self._forward:
                break
        self._forward[original] = candidate
        self._reverse[candidate] = original
        self._words = max(self._words, len(_SPLIT.split(original)) // 2 + 1)
        self._reverse_words = max(self._reverse_words, len(_SPLIT.split(candidate)) // 2 + 1)
        return candidate

    def namespace(self, value: str) -> str:
        """The pseudonym of a namespace (well-known namespaces stay)."""
        return value if not value or value in KEEP_NAMESPACES else self._pseudonym(value, "ns")

    def node(self, value: str) -> str:
        """The pseudonym of a node."""
        return value if not value else self._pseudonym(value, "node")

    def name(self, value: str, category: str = "obj") -> str:
        """The pseudonym of an object name, keeping random suffixes (``-79d868d77-vgmg7``, ``-0``).

        Args:
            value: the name.
            category: the prefix to use if the name is new (``ns`` and ``node`` dispatch to those).
        """
        if category == "ns":
            return self.namespace(value)
        if category == "node":
            return self.node(value)
        if not value or value in KEEP_NAMES or value.startswith(("system:", "system-")):
            return value
        event = _EVENT_SUFFIX.search(value)
        base, tail = (value[: event.start()], value[event.start() :]) if event else (value, "")
        parts = base.split("-")
        keep = len(parts)
        while keep > 1 and len(parts) - keep < 2 and _HASH.match(parts[keep - 1]):
            keep -= 1
        stem = "-".join(parts[:keep])
        if stem in KEEP_NAMES:
            return value
        return self._pseudonym(stem, category) + base[len(stem) :] + tail

    def host(self, value: str) -> str:
        """The pseudonym of a hostname (``host-3f2a.example``); IPs, ports and ``*.`` stay."""
        host, colon, port = value.partition(":") if value.count(":") == 1 else (value, "", "")
        wildcard = host.startswith("*.")
        host = host[2:] if wildcard else host
        if not host or host == "localhost" or _is_ip(host):
            return value
        labels = host.split(".")
        if len(labels) == 1:
            new = self.name(host, "svc")  # a bare service name, resolved in the pod's namespace
        elif "svc" in labels[2:3] or host.endswith(".cluster.local"):
            # In-cluster DNS: <service>.<namespace>.svc.cluster.local maps like the objects do.
            new = ".".join([self.name(labels[0], "svc"), self.namespace(labels[1]), *labels[2:]])
        else:
            new = self._pseudonym(host, "host", ".example")
        return ("*." if wildcard else "") + new + colon + port

    def image(self, value: str) -> str:
        """An image reference with its registry and repository mapped; the tag and digest stay."""
        scheme, sep, ref = value.rpartition("://")
        ref, at, digest = ref.partition("@")
        repo, tag = ref, ""
        if ":" in ref.rsplit("/", 1)[-1]:
            repo, tag = ref.rsplit(":", 1)
            tag = ":" + tag
        parts = repo.split("/")
        registry = (
            parts[0]
            if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost")
            else ""
        )
        path = parts[1:] if registry else parts
        hub = registry in {"", "docker.io", "index.docker.io"}
        if registry in _KEEP_REGISTRIES or (hub and (len(path) == 1 or path[0] in _KEEP_HUB_ORGS)):
            return value
        new_registry = registry if registry in _PUBLIC_REGISTRIES or not registry else self.host(registry)
        new_path = [p if p in KEEP_NAMES else self._pseudonym(p, "img") for p in path]
        new_repo = "/".join(([new_registry] if new_registry else []) + new_path)
        return f"{scheme}{sep}{new_repo}{tag}{at}{digest}"

    def label_value(self, key: str, value: str) -> str:
        """A label or selector value: the same value maps the same way wherever it is used."""
        if key.endswith("-hash") and "-" in value:
            return self.name(value, "app")  # controller-revision-hash: <owner>-<hash>
        if not value or key in _KEEP_LABEL_KEYS or key.endswith(("-hash", "controller-uid")):
            return value
        if key.startswith("node-role.kubernetes.io/") or _PLAIN_VALUE.match(value):
            return value
        if key == "kubernetes.io/metadata.name":
            return self.namespace(value)
        if key == "kubernetes.io/hostname":
            return self.node(value)
        return self.name(value, "lbl")

    # --- text ----------------------------------------------------------------------------------

    def anonymize_text(self, text: str) -> str:
        """Replace every name seen so far in free text (messages, logs, annotation values).

        In-cluster DNS names (``<service>.<namespace>.svc``) are learned from the text itself.
        """
        for match in _CLUSTER_DNS.finditer(text):
            self.host(match.group(0))
        return _replace_runs(text, self._forward, self._words, min_len=_MIN_TEXT)

    def deanonymize_text(self, text: str) -> str:
        """Turn pseudonyms back into the real names (for an answer shown to the map's owner)."""
        return _replace_runs(text, self._reverse, self._reverse_words, min_len=1)

    # --- objects -------------------------------------------------------------------------------

    def anonymize_object(self, obj: dict[str, Any]) -> dict[str, Any]:
        """A copy of a Kubernetes object (any kind) with its names replaced.

        Structured fields (names, namespaces, references, labels, selectors, images, hosts) are mapped
        first, so the text fields of the same object (an event's message) already know its names.
        """
        out: dict[str, Any] = orjson.loads(orjson.dumps(obj))
        kind = out.get("kind")
        kind = kind if isinstance(kind, str) else ""
        texts: list[tuple[Any, Any]] = []
        _Walk(self, kind, texts).obj(out, "")
        for holder, key in texts:
            holder[key] = self.anonymize_text(holder[key])
        return out

    # --- the map -------------------------------------------------------------------------------

    def to_json(self) -> bytes:
        """The map (key and names) as JSON: keep it private, never inside a snapshot."""
        return orjson.dumps(
            {"format": MAP_FORMAT, "format_version": 1, "key": self._key.hex(), "names": self._forward},
            option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS,
        )

    @classmethod
    def from_json(cls, data: bytes | str, *, source: str = "<map>") -> Anonymizer:
        """The anonymizer `to_json` saved; raises ConfigError naming ``source`` if it is not one."""
        try:
            doc = orjson.loads(data)
            if not isinstance(doc, dict) or doc.get("format") != MAP_FORMAT:
                raise ValueError(f"format is not {MAP_FORMAT!r}")
            names = doc["names"]
            if not isinstance(names, dict) or not all(isinstance(v, str) for v in names.values()):
                raise ValueError("names must map strings to strings")
            anon = cls(key=bytes.fromhex(doc["key"]))
        except (ValueError, KeyError, TypeError) as err:
            raise ConfigError(
                f"{source}: not a Kube Workbench anonymization map ({err}); "
                "pass the file the anonymizer saved"
            ) from None
        for original, pseudonym in names.items():
            anon._forward[original] = pseudonym
            anon._reverse[pseudonym] = original
            anon._words = max(anon._words, len(_SPLIT.split(original)) // 2 + 1)
            anon._reverse_words = max(anon._reverse_words, len(_SPLIT.split(pseudonym)) // 2 + 1)
        return anon

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the map to ``path`` (readable by its owner only)."""
        target = Path(path)
        target.write_bytes(self.to_json())
        target.chmod(0o600)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Anonymizer:
        """Read a map `save` wrote."""
        try:
            data = Path(path).read_bytes()
        except OSError as err:
            raise ConfigError(f"{path}: cannot read the anonymization map ({err.strerror})") from None
        return cls.from_json(data, source=str(path))


class _Walk:
    """One pass over an object's structured fields; free-text fields are queued for afterwards."""

    def __init__(self, anon: Anonymizer, kind: str, texts: list[tuple[Any, Any]]) -> None:
        self.anon = anon
        self.kind = kind
        self.texts = texts

    def obj(self, node: dict[str, Any], parent: str) -> None:
        # managedFields spell field and container names into their keys; they say nothing of health.
        node.pop("managedFields", None)
        for key, value in node.items():
            if key in _SKIP_KEYS:
                continue
            if isinstance(value, str):
                node[key] = self.string(node, key, value, parent)
            elif isinstance(value, dict):
                self.mapping(node, key, value)
            elif isinstance(value, list):
                self.sequence(key, value)

    def mapping(self, node: dict[str, Any], key: str, value: dict[str, Any]) -> None:
        if key in {"labels", "matchLabels", "nodeSelector"} or (
            key == "selector" and "matchLabels" not in value and "matchExpressions" not in value
        ):
            for label, label_value in value.items():
                if isinstance(label_value, str):
                    value[label] = self.anon.label_value(label, label_value)
        elif key == "annotations":
            # Keys too (``shop.example/change``): nothing selects on them, unlike label keys.
            renamed = {self.anon.anonymize_text(name): text for name, text in value.items()}
            value.clear()
            value.update(renamed)
            for name, text in value.items():
                if isinstance(text, str) and name.endswith("/last-applied-configuration"):
                    value[name] = self.annotation(text)
                elif isinstance(text, str):
                    self.texts.append((value, name))
        elif key in {"data", "stringData"} and node.get("kind") in {"ConfigMap", "Secret"}:
            self.texts.extend((value, name) for name, text in value.items() if isinstance(text, str))
        else:
            self.obj(value, key)

    def sequence(self, key: str, items: list[Any]) -> None:
        if key in {"matchExpressions", "matchFields"}:
            for expr in items:
                if isinstance(expr, dict) and isinstance(expr.get("values"), list):
                    label = str(expr.get("key", ""))
                    expr["values"] = [
                        (self.anon.node(v) if label == "metadata.name" else self.anon.label_value(label, v))
                        if isinstance(v, str)
                        else v
                        for v in expr["values"]
                    ]
            return
        for i, item in enumerate(items):
            if isinstance(item, str):
                if key in {"hosts", "hostnames"}:
                    items[i] = self.anon.host(item)
                elif key in {"names", "images"}:
                    items[i] = self.anon.image(item)
                else:
                    self.texts.append((items, i))
            elif isinstance(item, dict):
                self.obj(item, key)
            elif isinstance(item, list):
                self.sequence(key, item)

    def string(self, node: dict[str, Any], key: str, value: str, parent: str) -> str:
        anon = self.anon
        if key == "namespace":
            return anon.namespace(value)
        if key == "name":
            if parent == "metadata":
                return (
                    value if self.kind in _SCHEMA_KINDS else anon.name(value, _CATEGORY.get(self.kind, "obj"))
                )
            if isinstance(node.get("kind"), str):
                return anon.name(value, _CATEGORY.get(node["kind"], "obj"))
            if parent in _EXEMPT_PARENTS:
                return value
            return anon.name(value, _PARENT_CATEGORY.get(parent, "obj"))
        if key == "generateName":
            return anon.name(value.rstrip("-"), _CATEGORY.get(self.kind, "obj")) + "-" if value else value
        if key in _NAME_KEY_CATEGORY or (key.endswith("Name") and key != "fieldName"):
            return anon.name(value, _NAME_KEY_CATEGORY.get(key, "obj"))
        if key == "host":
            return anon.node(value) if parent == "source" else anon.host(value)
        if key == "address" and node.get("type") == "Hostname":
            return anon.node(value)
        if key == "externalName":
            return anon.host(value)
        if key in {"image", "imageID"}:
            return anon.image(value)
        if key in _TEXT_KEYS and parent != "fieldRef":
            self.texts.append((node, key))
        elif self.kind not in _CATEGORY and self.kind not in _SCHEMA_KINDS and self.kind != "Event":
            self.texts.append((node, key))  # custom resources: names may hide in any field
        return value

    def annotation(self, text: str) -> str:
        try:
            applied = orjson.loads(text)
        except orjson.JSONDecodeError:
            return self.anon.anonymize_text(text)
        if not isinstance(applied, dict):
            return self.anon.anonymize_text(text)
        return orjson.dumps(self.anon.anonymize_object(applied)).decode() + (
            "\n" if text.endswith("\n") else ""
        )


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _replace_runs(text: str, table: dict[str, str], max_words: int, *, min_len: int) -> str:
    """Replace the longest known sequences of words (joined by ``-`` or ``.``) in every run of text."""
    if not table or not text:
        return text

    def replace(m: re.Match[str]) -> str:
        run = m.group(0)
        whole = table.get(run)
        if whole is not None and len(run) >= min_len:
            return whole
        parts = _SPLIT.split(run)  # words at even indexes, separators at odd ones
        words = parts[0::2]
        out: list[str] = []
        i = 0
        while i < len(words):
            for j in range(min(len(words), i + max_words), i, -1):
                candidate = "".join(parts[2 * i : 2 * j - 1])
                if len(candidate) >= min_len and candidate in table:
                    out.append(table[candidate])
                    i = j
                    break
            else:
                out.append(words[i])
                i += 1
            if i < len(words):
                out.append(parts[2 * i - 1])
        return "".join(out)

    return _RUN.sub(replace, text)
