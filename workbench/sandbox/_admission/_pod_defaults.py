"""Pod and pod-template defaulting, the pod admission plugins, and the QoS class.

Mirrors ``pkg/apis/core/v1/defaults.go`` (container, probe, volume and pod-spec defaults), the
ServiceAccount, Priority and DefaultTolerationSeconds admission plugins, and ``ComputePodQOS``.
Everything here edits a private copy in place; callers pass fresh dicts.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from workbench.errors import QuantityError, SandboxApiError
from workbench.quantity import canonical_quantity, parse_quantity

from ._errors import go_quote

SA_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"
SA_VOLUME_PREFIX = "kube-api-access-"
_SYSTEM_PRIORITIES = {"system-cluster-critical": 2000000000, "system-node-critical": 2000001000}
_DEFAULT_TOLERATION_KEYS = ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable")
_VOLUME_MODE_SOURCES = ("configMap", "secret", "downwardAPI", "projected")
_QOS_RESOURCES = ("cpu", "memory")


def as_dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def dicts(value: object) -> list[dict[str, Any]]:
    """The dict items of a list (anything else is left for validation to report)."""
    return [item for item in as_list(value) if isinstance(item, dict)]


def spec_of(obj: dict[str, Any]) -> dict[str, Any]:
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        spec = obj["spec"] = {}
    return spec


def fill_status(obj: dict[str, Any], **zero: Any) -> None:
    """Fill the zero value a real server serializes for a fresh status (absent keys only)."""
    status = obj.get("status")
    if not isinstance(status, dict):
        status = obj["status"] = {}
    for key, value in zero.items():
        status.setdefault(key, copy.deepcopy(value))


def set_if_none(spec: dict[str, Any], key: str, value: Any) -> None:
    if spec.get(key) is None:
        spec[key] = value


_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_DOMAIN_PART = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = re.compile(rf"{_DOMAIN_PART}(?:\.{_DOMAIN_PART})*(?::[0-9]+)?")
_PATH_AND_REF = re.compile(
    rf"{_COMPONENT}(?:/{_COMPONENT})*(?::([\w][\w.-]{{0,127}}))?"
    r"(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?"
)


def image_tag(image: str) -> str:
    """The tag kubelet-side parsing finds: ``latest`` when untagged, "" for digests and bad refs.

    Mirrors ``parsers.ParseImageName``: an unparseable reference (``Shop/API``) yields no tag, which
    is why such pods default to ``IfNotPresent``.
    """
    rest = image
    first, sep, remainder = image.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        if not _DOMAIN.fullmatch(first):
            return ""
        rest = remainder
    match = _PATH_AND_REF.fullmatch(rest)
    if not match:
        return ""
    if match.group(1):
        return match.group(1)
    return "" if "@" in rest else "latest"


def default_container(container: dict[str, Any]) -> None:
    image = container.get("image")
    if not container.get("imagePullPolicy"):
        tag = image_tag(image) if isinstance(image, str) else ""
        container["imagePullPolicy"] = "Always" if tag == "latest" else "IfNotPresent"
    if not container.get("terminationMessagePath"):
        container["terminationMessagePath"] = "/dev/termination-log"
    if not container.get("terminationMessagePolicy"):
        container["terminationMessagePolicy"] = "File"
    # ResourceRequirements is a struct, so it always serializes, even empty.
    if not isinstance(container.get("resources"), dict):
        container["resources"] = {}
    for port in dicts(container.get("ports")):
        if not port.get("protocol"):
            port["protocol"] = "TCP"
    for env in dicts(container.get("env")):
        field_ref = as_dict(as_dict(env.get("valueFrom")).get("fieldRef"))
        if field_ref and not field_ref.get("apiVersion"):
            field_ref["apiVersion"] = "v1"
    for probe_name in ("livenessProbe", "readinessProbe", "startupProbe"):
        probe = container.get(probe_name)
        if isinstance(probe, dict):
            default_probe(probe)
    lifecycle = as_dict(container.get("lifecycle"))
    for hook in ("postStart", "preStop"):
        default_handler(as_dict(lifecycle.get(hook)))
    canonicalize_resources(container["resources"])


def default_probe(probe: dict[str, Any]) -> None:
    for key, value in (
        ("timeoutSeconds", 1),
        ("periodSeconds", 10),
        ("successThreshold", 1),
        ("failureThreshold", 3),
    ):
        if not probe.get(key):
            probe[key] = value
    default_handler(probe)


def default_handler(handler: dict[str, Any]) -> None:
    http_get = handler.get("httpGet")
    if isinstance(http_get, dict):
        if not http_get.get("path"):
            http_get["path"] = "/"
        if not http_get.get("scheme"):
            http_get["scheme"] = "HTTP"


def canonicalize_resources(resources: dict[str, Any]) -> None:
    """Round every quantity up to milli precision and print it canonically, as defaulting does."""
    for key in ("limits", "requests"):
        quantities = resources.get(key)
        if isinstance(quantities, dict):
            for name, raw in quantities.items():
                canonical = canonical_quantity(raw, round_milli=True)
                if canonical is not None:
                    quantities[name] = canonical


def default_volumes(volumes: object) -> None:
    for volume in dicts(volumes):
        if not any(key != "name" for key in volume):
            volume["emptyDir"] = {}
        for source_name in _VOLUME_MODE_SOURCES:
            source = volume.get(source_name)
            if isinstance(source, dict) and source.get("defaultMode") is None:
                source["defaultMode"] = 420
        host_path = volume.get("hostPath")
        if isinstance(host_path, dict) and host_path.get("type") is None:
            host_path["type"] = ""
        for item in dicts(as_dict(volume.get("downwardAPI")).get("items")):
            _default_field_ref(item)
        for source in dicts(as_dict(volume.get("projected")).get("sources")):
            token = source.get("serviceAccountToken")
            if isinstance(token, dict) and token.get("expirationSeconds") is None:
                token["expirationSeconds"] = 3600
            for item in dicts(as_dict(source.get("downwardAPI")).get("items")):
                _default_field_ref(item)


def _default_field_ref(item: dict[str, Any]) -> None:
    field_ref = item.get("fieldRef")
    if isinstance(field_ref, dict) and not field_ref.get("apiVersion"):
        field_ref["apiVersion"] = "v1"


def default_pod_spec(spec: dict[str, Any], *, is_pod: bool) -> None:
    """SetDefaults_PodSpec plus the container defaults; `is_pod` adds SetDefaults_Pod."""
    if not spec.get("dnsPolicy"):
        spec["dnsPolicy"] = "ClusterFirst"
    if not spec.get("restartPolicy"):
        spec["restartPolicy"] = "Always"
    if not isinstance(spec.get("securityContext"), dict):
        spec["securityContext"] = {}
    if spec.get("terminationGracePeriodSeconds") is None:
        spec["terminationGracePeriodSeconds"] = 30
    if not spec.get("schedulerName"):
        spec["schedulerName"] = "default-scheduler"
    # v1 conversion keeps the deprecated serviceAccount field in step with serviceAccountName.
    if not spec.get("serviceAccountName") and spec.get("serviceAccount"):
        spec["serviceAccountName"] = spec["serviceAccount"]
    if spec.get("serviceAccountName"):
        spec["serviceAccount"] = spec["serviceAccountName"]
    default_volumes(spec.get("volumes"))
    for key in ("initContainers", "containers", "ephemeralContainers"):
        for container in dicts(spec.get(key)):
            default_container(container)
    if is_pod:
        for key in ("containers", "initContainers"):
            for container in dicts(spec.get(key)):
                _requests_from_limits(container)
        if spec.get("enableServiceLinks") is None:
            spec["enableServiceLinks"] = True
        if spec.get("hostNetwork") is True:
            for key in ("containers", "initContainers"):
                for container in dicts(spec.get(key)):
                    for port in dicts(container.get("ports")):
                        if not port.get("hostPort"):
                            port["hostPort"] = port.get("containerPort")


def _requests_from_limits(container: dict[str, Any]) -> None:
    resources = as_dict(container.get("resources"))
    limits = resources.get("limits")
    if not isinstance(limits, dict):
        return
    requests = resources.setdefault("requests", {})
    if isinstance(requests, dict):
        for name, value in limits.items():
            requests.setdefault(name, value)


def default_template(template: object) -> None:
    """Defaults for a pod template inside a workload (no pod-only or admission defaults)."""
    if not isinstance(template, dict):
        return
    meta = template.setdefault("metadata", {})
    # metav1.Time is not omitempty-able, so a real 1.32 server prints the zero value as null.
    if isinstance(meta, dict) and "creationTimestamp" not in meta:
        meta["creationTimestamp"] = None
    spec = template.get("spec")
    if isinstance(spec, dict):
        default_pod_spec(spec, is_pod=False)


def admit_pod(pod: dict[str, Any], random_suffix: Callable[[int], str]) -> None:
    """The create-time admission plugins: ServiceAccount, Priority and DefaultTolerationSeconds.

    Raises:
        SandboxApiError: 403 when the pod sets an integer priority the Priority plugin disagrees with.
    """
    spec = as_dict(pod.get("spec"))
    annotations = as_dict(as_dict(pod.get("metadata")).get("annotations"))
    # The ServiceAccount plugin leaves mirror (static) pods alone: the kubelet made them, not a user.
    if "kubernetes.io/config.mirror" not in annotations:
        if not spec.get("serviceAccountName"):
            spec["serviceAccountName"] = "default"
        spec["serviceAccount"] = spec["serviceAccountName"]
        if spec.get("automountServiceAccountToken") is not False:
            _mount_token(spec, random_suffix)
    _admit_priority(pod, spec)
    _add_default_tolerations(spec)


def _mount_token(spec: dict[str, Any], random_suffix: Callable[[int], str]) -> None:
    volumes = spec.get("volumes")
    if not isinstance(volumes, list):
        volumes = []
    existing = next(
        (v.get("name") for v in dicts(volumes) if str(v.get("name", "")).startswith(SA_VOLUME_PREFIX)),
        None,
    )
    name = existing or SA_VOLUME_PREFIX + random_suffix(5)
    mount = {"name": name, "readOnly": True, "mountPath": SA_MOUNT_PATH}
    needs_volume = False
    for key in ("initContainers", "containers"):
        for container in dicts(spec.get(key)):
            mounts = container.get("volumeMounts")
            if not isinstance(mounts, list):
                mounts = container["volumeMounts"] = []
            if not any(isinstance(m, dict) and m.get("mountPath") == SA_MOUNT_PATH for m in mounts):
                mounts.append(dict(mount))
                needs_volume = True
    if needs_volume and existing is None:
        volumes.append(_token_volume(name))
        spec["volumes"] = volumes


def _token_volume(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "projected": {
            "defaultMode": 420,
            "sources": [
                {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                {
                    "downwardAPI": {
                        "items": [
                            {
                                "path": "namespace",
                                "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"},
                            }
                        ]
                    }
                },
            ],
        },
    }


def _admit_priority(pod: dict[str, Any], spec: dict[str, Any]) -> None:
    computed = _SYSTEM_PRIORITIES.get(str(spec.get("priorityClassName") or ""), 0)
    given = spec.get("priority")
    if given is not None and given != computed:
        name = as_dict(pod.get("metadata")).get("name", "")
        raise SandboxApiError(
            403,
            "Forbidden",
            f"pods {go_quote(str(name))} is forbidden: the integer value of priority ({given}) must not be "
            f"provided in pod spec; priority admission controller computed {computed} from the given "
            "PriorityClass name",
            details={"name": name, "kind": "pods"},
        )
    spec["priority"] = computed
    if not spec.get("preemptionPolicy"):
        spec["preemptionPolicy"] = "PreemptLowerPriority"


def _add_default_tolerations(spec: dict[str, Any]) -> None:
    tolerations = spec.get("tolerations")
    if not isinstance(tolerations, list):
        tolerations = []
    for key in _DEFAULT_TOLERATION_KEYS:
        covered = any(
            t.get("key", "") in (key, "") and t.get("effect", "") in ("NoExecute", "")
            for t in dicts(tolerations)
        )
        if not covered:
            tolerations.append(
                {"key": key, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}
            )
    spec["tolerations"] = tolerations


def compute_qos_class(pod: dict[str, Any]) -> str:
    """The pod's QoS class exactly as ``ComputePodQOS`` derives it (after defaulting).

    Requests and limits of cpu and memory are summed over containers and init containers;
    Guaranteed needs every container to limit both and the sums of requests and limits to match.

    Args:
        pod: a pod (or anything with a pod ``spec``).

    Returns:
        ``Guaranteed``, ``Burstable`` or ``BestEffort``.
    """
    spec = as_dict(pod.get("spec"))
    requests: dict[str, Fraction] = {}
    limits: dict[str, Fraction] = {}
    guaranteed = True
    for container in dicts(spec.get("containers")) + dicts(spec.get("initContainers")):
        resources = as_dict(container.get("resources"))
        _add_positive(as_dict(resources.get("requests")), requests)
        found = _add_positive(as_dict(resources.get("limits")), limits)
        if not set(_QOS_RESOURCES) <= found:
            guaranteed = False
    if not requests and not limits:
        return "BestEffort"
    matched = all(limits.get(name) == value for name, value in requests.items())
    if guaranteed and matched and len(requests) == len(limits):
        return "Guaranteed"
    return "Burstable"


def _add_positive(quantities: dict[str, Any], totals: dict[str, Fraction]) -> set[str]:
    found: set[str] = set()
    for name, raw in quantities.items():
        if name not in _QOS_RESOURCES:
            continue
        try:
            value = parse_quantity(raw).value
        except QuantityError:
            continue
        if value > 0:
            found.add(name)
            totals[name] = totals.get(name, Fraction(0)) + value
    return found
