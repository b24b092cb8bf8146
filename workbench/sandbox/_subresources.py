"""Subresources and virtual resources: ``/scale``, ``pods/binding``, ``metrics.k8s.io``, access reviews
and whoami."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, TypedDict

import msgspec

from workbench.errors import SandboxApiError
from workbench.quantity import format_cpu, format_memory, parse_quantity
from workbench.sandbox._admission._errors import invalid_error, not_supported, required
from workbench.sandbox._api import Api
from workbench.sandbox._bodies import apply_patch
from workbench.sandbox._clock import rfc3339
from workbench.sandbox._kinds import ResourceType
from workbench.sandbox._rbac import ADMIN, UserInfo, authorize, review_attributes, rules_for
from workbench.sandbox._selectors import label_selector_from_spec
from workbench.sandbox._statuses import check_resource_version

WRITE_VERBS = frozenset({"create", "update", "patch", "delete", "deletecollection"})

# A pod and one of its containers → (cpu cores, memory bytes) it uses now.
UsageFn = Callable[[Mapping[str, Any], Mapping[str, Any]], tuple[float, float]]


# -- scale -------------------------------------------------------------------------------------------
def scale_of(obj: Mapping[str, Any]) -> dict[str, Any]:
    """The autoscaling/v1 Scale view of a Deployment/ReplicaSet/StatefulSet (or a CR with scale)."""
    meta = obj["metadata"]
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    selector = label_selector_from_spec(spec.get("selector")) if spec.get("selector") else None
    scale: dict[str, Any] = {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            k: meta[k]
            for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
            if k in meta
        },
        "spec": {"replicas": int(spec.get("replicas", 1))},
        "status": {"replicas": int(status.get("replicas", 0))},
    }
    if selector is not None and not selector.empty:
        scale["status"]["selector"] = str(selector)
    return scale


def update_scale(
    api: Api,
    rtype: ResourceType,
    namespace: str,
    name: str,
    *,
    body: dict[str, Any] | None = None,
    patch: tuple[str, Any] | None = None,
    dry_run: bool = False,
    manager: str = "unknown",
) -> dict[str, Any]:
    """PUT or PATCH ``/scale``: the patch applies to the Scale, whose replicas go to the parent's spec."""
    with api.store.lock:
        parent = api.get(rtype, namespace, name)
        current = scale_of(parent)
        new_scale: Any  # a client's body may be any JSON value
        if patch is not None:
            kind, doc = patch
            new_scale = apply_patch(kind, current, doc, "Scale")
        else:
            new_scale = body
        if not isinstance(new_scale, dict) or not isinstance(new_scale.get("metadata") or {}, dict):
            raise SandboxApiError(400, "BadRequest", "the object provided is not a Scale JSON object")
        if new_scale.get("kind") not in (None, "Scale"):
            raise SandboxApiError(
                400,
                "BadRequest",
                f"the kind of the provided object ({new_scale['kind']}) does not match the resource "
                f"{rtype.key}/scale (expected kind Scale)",
            )
        # Optimistic concurrency holds for patches too: a stale resourceVersion in the result conflicts.
        check_resource_version(rtype, parent, (new_scale.get("metadata") or {}).get("resourceVersion"))
        replicas = (new_scale.get("spec") or {}).get("replicas")
        if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
            raise SandboxApiError(
                422,
                "Invalid",
                f'Scale.autoscaling "{name}" is invalid: spec.replicas: Invalid value: {replicas}: '
                "must be greater than or equal to 0",
                details={
                    "name": name,
                    "group": "autoscaling",
                    "kind": "Scale",
                    "causes": [
                        {
                            "reason": "FieldValueInvalid",
                            "field": "spec.replicas",
                            "message": f"Invalid value: {replicas}: must be greater than or equal to 0",
                        }
                    ],
                },
            )
        parent.setdefault("spec", {})["replicas"] = replicas
        updated = api.update(rtype, namespace, name, parent, dry_run=dry_run, manager=manager)
        return scale_of(updated)


# -- pods/binding --------------------------------------------------------------------------------------
def bind_pod(
    api: Api, rtype: ResourceType, namespace: str, name: str, binding: Any, *, dry_run: bool = False
) -> dict[str, Any]:
    """POST ``pods/binding``: assign a pod to a node, as kube-apiserver's BindingREST does.

    ``spec.nodeName`` cannot change through an update (pod validation forbids it); the scheduler sets
    it here instead. The write goes straight to storage like the real registry's: the binding's
    annotations are added, condition ``PodScheduled=True`` is set, and no managedFields entry is
    recorded (a real pod shows none for its binding either).

    Args:
        api: the sandbox API.
        rtype: the pods type.
        namespace / name: the pod (the binding's own name must match, or be empty).
        binding: the decoded ``v1.Binding`` (``target.name`` is the node).
        dry_run: check everything, write nothing.

    Returns:
        The ``Status`` (Success, code 201) the server answers.

    Raises:
        SandboxApiError: 422 for a binding without a target node, 404 for a missing pod, 409 when the
            pod is already bound, is being deleted, or has scheduling gates.
    """
    api.check_writable()
    body: dict[str, Any] = binding if isinstance(binding, dict) else {}
    meta: dict[str, Any] = body["metadata"] if isinstance(body.get("metadata"), dict) else {}
    target: dict[str, Any] = body["target"] if isinstance(body.get("target"), dict) else {}
    if meta.get("name") not in (None, "", name):
        raise SandboxApiError(
            400,
            "BadRequest",
            f"the name of the object ({meta.get('name')}) does not match the name on the URL ({name})",
        )
    errors = []
    if target.get("kind") not in (None, "", "Node"):
        errors.append(not_supported("target.kind", target.get("kind"), ("Node", "<empty>")))
    if not target.get("name"):
        errors.append(required("target.name"))
    if errors:
        raise invalid_error("Binding", "", name, errors)
    node = str(target["name"])
    with api.store.lock:
        pod = api.get(rtype, namespace, name)
        pod_meta = pod["metadata"]
        why = ""
        if meta.get("uid") and meta["uid"] != pod_meta.get("uid"):
            why = (
                f"Precondition failed: UID in precondition: {meta['uid']}, "
                f"UID in object meta: {pod_meta.get('uid')}"
            )
        elif pod_meta.get("deletionTimestamp"):
            why = f"pod {name} is being deleted, cannot be assigned to a host"
        elif (pod.get("spec") or {}).get("nodeName"):
            why = f'pod {name} is already assigned to node "{pod["spec"]["nodeName"]}"'
        elif (pod.get("spec") or {}).get("schedulingGates"):
            why = f"pod {name} has non-empty .spec.schedulingGates"
        if why:
            raise SandboxApiError(
                409,
                "Conflict",
                f'Operation cannot be fulfilled on pods/binding "{name}": {why}',
                details={"name": name, "kind": "pods/binding"},
            )
        pod.setdefault("spec", {})["nodeName"] = node
        annotations = meta.get("annotations")
        if isinstance(annotations, dict) and annotations:
            pod_meta.setdefault("annotations", {}).update({str(k): str(v) for k, v in annotations.items()})
        conditions = pod.setdefault("status", {}).setdefault("conditions", [])
        scheduled = next((c for c in conditions if c.get("type") == "PodScheduled"), None)
        now = rfc3339(api.clock.now())
        if scheduled is None:
            conditions.append(
                {"type": "PodScheduled", "status": "True", "lastProbeTime": None, "lastTransitionTime": now}
            )
        else:
            if scheduled.get("status") != "True":
                scheduled["lastTransitionTime"] = now
            scheduled.update(status="True", lastProbeTime=None)
            scheduled.pop("reason", None)
            scheduled.pop("message", None)
        if not dry_run:
            key, labels, fields = api.index(rtype, pod)
            api.store.put(api.bucket(rtype), key, pod, labels=labels, fields=fields)
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}


# -- metrics.k8s.io ----------------------------------------------------------------------------------
def _fraction(seed: str) -> float:
    """A stable pseudo-random number in [0.15, 0.85) for a container, so `kubectl top` is steady."""
    digest = hashlib.blake2b(seed.encode(), digest_size=4).digest()
    return 0.15 + 0.7 * int.from_bytes(digest, "big") / 2**32


@functools.lru_cache(maxsize=4096)
def _amount(raw: str | float) -> float:
    """A quantity as a float; a cluster repeats a few request texts over every pod (150k in the big
    synthetic one), and exact parsing is most of the cost of a metrics list."""
    return float(parse_quantity(raw))


# One text for every item of a metrics list (they all carry the time of the request).
_stamp = functools.lru_cache(maxsize=8)(rfc3339)


def simulated_usage(pod: Mapping[str, Any], container: Mapping[str, Any]) -> tuple[float, float]:
    """Usage of one running container: a stable share of its requests (or small defaults)."""
    requests = (container.get("resources") or {}).get("requests") or {}
    seed = f"{pod['metadata'].get('uid', '')}/{container.get('name', '')}"
    f = _fraction(seed)
    cpu = _amount(requests["cpu"]) * f if "cpu" in requests else 0.001 + 0.02 * f
    mem = _amount(requests["memory"]) * (0.5 + f / 2) if "memory" in requests else (8 + 60 * f) * 2**20
    return cpu, mem


class _Identity(TypedDict, total=False):
    name: Any
    namespace: Any
    uid: Any
    labels: Any


class _Container(TypedDict, total=False):
    name: Any
    resources: Any


class _Spec(TypedDict, total=False):
    containers: list[_Container]


class _Phase(TypedDict, total=False):
    phase: Any


class _MeteredPod(TypedDict, total=False):
    metadata: _Identity
    spec: _Spec
    status: _Phase


_METERED = msgspec.json.Decoder(_MeteredPod)


def metered_pod(raw: bytes) -> dict[str, Any]:
    """What metrics read of a stored pod (identity, labels, phase, containers' names and resources),
    as the same nested dicts, without building the rest: most of a pod's JSON is other fields, and a
    metrics list decodes every pod (150k in the big synthetic cluster)."""
    pod: dict[str, Any] = dict(_METERED.decode(raw))
    return pod


def pod_metrics(
    pod: Mapping[str, Any], now: datetime, usage: UsageFn = simulated_usage
) -> dict[str, Any] | None:
    """PodMetrics for a running pod (None otherwise: metrics-server only reports running pods)."""
    if (pod.get("status") or {}).get("phase") != "Running":
        return None
    meta = pod["metadata"]
    containers = []
    for c in (pod.get("spec") or {}).get("containers") or []:
        cpu, mem = usage(pod, c)
        containers.append(
            {"name": c["name"], "usage": {"cpu": format_cpu(cpu), "memory": format_memory(mem)}}
        )
    return {
        "metadata": {
            "name": meta["name"],
            "namespace": meta.get("namespace", ""),
            "creationTimestamp": _stamp(now),
            "labels": meta.get("labels") or {},
        },
        "timestamp": _stamp(now),
        "window": "15s",
        "containers": containers,
    }


def pod_usage(pod: Mapping[str, Any], usage: UsageFn = simulated_usage) -> tuple[float, float]:
    """(cores, bytes) a running pod's app containers use now."""
    cpu = mem = 0.0
    for c in (pod.get("spec") or {}).get("containers") or []:
        c_cpu, c_mem = usage(pod, c)
        cpu += c_cpu
        mem += c_mem
    return cpu, mem


def node_metrics(node: Mapping[str, Any], pods_usage: tuple[float, float], now: datetime) -> dict[str, Any]:
    """NodeMetrics: its running pods' usage (`pod_usage` summed) plus the system's own overhead
    (kubelet, runtime, OS)."""
    alloc = (node.get("status") or {}).get("allocatable") or {}
    cpu = _amount(alloc.get("cpu", "1")) * 0.04 + pods_usage[0]
    mem = _amount(alloc.get("memory", "1Gi")) * 0.08 + pods_usage[1]
    meta = node["metadata"]
    return {
        "metadata": {
            "name": meta["name"],
            "creationTimestamp": _stamp(now),
            "labels": meta.get("labels") or {},
        },
        "timestamp": _stamp(now),
        "window": "20.031s",
        "usage": {"cpu": format_cpu(cpu), "memory": format_memory(mem)},
    }


# -- authentication and authorization reviews --------------------------------------------------------
SANDBOX_USER = ADMIN.name
"""Who a request without credentials is from: the sandbox's own kubeconfig carries none."""
SANDBOX_GROUPS = ADMIN.groups
_READ_VERBS = ["get", "list", "watch"]


def review(kind: str, body: Any, *, user: UserInfo, api: Api) -> dict[str, Any]:
    """Answer a SelfSubjectReview, SelfSubjectAccessReview or SelfSubjectRulesReview from `user`."""
    if kind == "SelfSubjectReview":
        return self_subject_review(body, now=api.clock.now(), user=user)
    if kind == "SelfSubjectAccessReview":
        return access_review(body, read_only=api.read_only, user=user, api=api)
    return rules_review(body, read_only=api.read_only, user=user, api=api)


def self_subject_review(body: Any, *, now: datetime, user: UserInfo = ADMIN) -> dict[str, Any]:
    """SelfSubjectReview (``kubectl auth whoami``): the user the request came from.

    Args:
        body: the decoded request body; its content does not matter, as on a real server.
        now: the sandbox clock's time, the review's ``creationTimestamp``.
        user: who asked (`ADMIN` for a request without a token).

    Raises:
        SandboxApiError: 400 for a body that is not a JSON object.
    """
    if not isinstance(body, dict):
        raise SandboxApiError(400, "BadRequest", "the object provided is not a JSON object")
    return {
        "kind": "SelfSubjectReview",
        "apiVersion": "authentication.k8s.io/v1",
        "metadata": {"creationTimestamp": rfc3339(now)},
        "status": {"userInfo": {"username": user.name, "groups": list(user.groups)}},
    }


def access_review(
    body: Any, *, read_only: bool, user: UserInfo = ADMIN, api: Api | None = None
) -> dict[str, Any]:
    """SelfSubjectAccessReview (``kubectl auth can-i``): what the authorizer answers for `user`.

    Writes to a read-only snapshot are denied for everyone. ``system:masters`` may do anything else;
    any other user gets the RBAC authorizer's answer (it needs `api`, whose Roles and bindings it
    reads). A denial that RBAC gives no reason for says ``no RBAC rule allows it``.

    Raises:
        SandboxApiError: 400 without a spec, 422 without resourceAttributes or nonResourceAttributes.
    """
    if not isinstance(body, dict) or not isinstance(body.get("spec"), dict):
        raise SandboxApiError(400, "BadRequest", "SelfSubjectAccessReview must have a spec")
    spec = body["spec"]
    attrs = spec.get("resourceAttributes") or spec.get("nonResourceAttributes")
    if not isinstance(attrs, dict):
        raise SandboxApiError(
            422,
            "Invalid",
            'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: '
            'spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or '
            "resourceAttributes must be specified",
        )
    verb = attrs.get("verb", "")
    status: dict[str, Any]
    if read_only and verb in WRITE_VERBS:
        status = {"allowed": False, "denied": True, "reason": "the sandbox is serving a read-only snapshot"}
    elif user.privileged or api is None:
        status = {"allowed": True, "reason": "the sandbox grants every request"}
    else:
        decision = authorize(api, review_attributes(user, spec))
        status = {"allowed": decision.allowed, "reason": decision.reason or "no RBAC rule allows it"}
    return {
        "kind": "SelfSubjectAccessReview",
        "apiVersion": "authorization.k8s.io/v1",
        "metadata": {"creationTimestamp": None},
        "spec": spec,
        "status": status,
    }


def rules_review(
    body: Any, *, read_only: bool, user: UserInfo = ADMIN, api: Api | None = None
) -> dict[str, Any]:
    """SelfSubjectRulesReview (``kubectl auth can-i --list -n NS``): the rules `user` has in the
    namespace of the review's spec.

    ``system:masters`` has every rule; any other user the rules of the ClusterRoleBindings and of the
    namespace's RoleBindings that name them. A read-only snapshot keeps only the read verbs.
    """
    spec = body.get("spec") if isinstance(body, dict) else None
    spec = spec if isinstance(spec, dict) else {}
    status: dict[str, Any]
    if user.privileged or api is None:
        status = {
            "resourceRules": [
                {"verbs": _READ_VERBS if read_only else ["*"], "apiGroups": ["*"], "resources": ["*"]}
            ],
            "nonResourceRules": [{"verbs": ["*"], "nonResourceURLs": ["*"]}],
            "incomplete": False,
        }
    else:
        namespace = spec.get("namespace")
        rules, errors = rules_for(api, user, namespace if isinstance(namespace, str) else "")
        status = _rules_status(rules, read_only=read_only)
        if errors:
            status["evaluationError"] = "[" + ", ".join(errors) + "]" if len(errors) > 1 else errors[0]
    return {
        "kind": "SelfSubjectRulesReview",
        "apiVersion": "authorization.k8s.io/v1",
        "metadata": {"creationTimestamp": None},
        "spec": spec,
        "status": status,
    }


def _rules_status(rules: list[dict[str, Any]], *, read_only: bool) -> dict[str, Any]:
    """RBAC rules as a rules review lists them: resource rules and non-resource rules apart."""
    resource_rules: list[dict[str, Any]] = []
    non_resource_rules: list[dict[str, Any]] = []
    for rule in rules:
        verbs = [v for v in rule.get("verbs") or [] if isinstance(v, str)]
        if read_only:
            verbs = _READ_VERBS if "*" in verbs else [v for v in verbs if v in _READ_VERBS]
        if not verbs:
            continue
        if rule.get("resources"):
            out: dict[str, Any] = {"verbs": verbs}
            for key in ("apiGroups", "resources", "resourceNames"):
                if rule.get(key):
                    out[key] = list(rule[key])
            resource_rules.append(out)
        if rule.get("nonResourceURLs"):
            non_resource_rules.append({"verbs": verbs, "nonResourceURLs": list(rule["nonResourceURLs"])})
    return {"resourceRules": resource_rules, "nonResourceRules": non_resource_rules, "incomplete": False}
