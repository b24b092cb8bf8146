"""The three PATCH body types, driven by the payloads kubectl and the Python client really send."""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from workbench.errors import SandboxApiError
from workbench.sandbox._patch import json_patch, merge_patch, strategic_merge_patch

REJECTED = "the server rejected our request due to an error in our request"


def _deployment() -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": "api",
            "namespace": "shop",
            "labels": {"app": "api", "tier": "backend"},
            "annotations": {"deployment.kubernetes.io/revision": "3"},
            "finalizers": ["example.com/a", "example.com/b"],
        },
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "api"}},
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
            },
            "template": {
                "metadata": {"labels": {"app": "api"}},
                "spec": {
                    "containers": [
                        {
                            "name": "api",
                            "image": "shop/api:1.0",
                            "args": ["--port", "8080"],
                            "env": [{"name": "MODE", "value": "prod"}, {"name": "LOG", "value": "info"}],
                            "ports": [{"containerPort": 8080, "name": "http", "protocol": "TCP"}],
                            "volumeMounts": [{"name": "data", "mountPath": "/data"}],
                        },
                        {"name": "sidecar", "image": "shop/proxy:2.1"},
                    ],
                    "volumes": [{"name": "data", "hostPath": {"path": "/srv/data"}}],
                    "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "shop"}],
                },
            },
        },
        "status": {
            "conditions": [
                {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"},
                {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"},
            ]
        },
    }


def _pod_spec(obj: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = obj["spec"]["template"]["spec"]
    return spec


def _containers(obj: dict[str, Any]) -> list[dict[str, Any]]:
    containers: list[dict[str, Any]] = _pod_spec(obj)["containers"]
    return containers


def _keys(value: Any) -> Iterator[str]:
    """Every object key anywhere inside `value`."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from _keys(item)


def _raises(code: int, reason: str, call: Callable[[], Any]) -> str:
    with pytest.raises(SandboxApiError) as caught:
        call()
    assert (caught.value.code, caught.value.reason) == (code, reason)
    return caught.value.message


# ---------------------------------------------------------------------------------------------
# JSON merge patch (RFC 7386)


def test_merge_patch_kubectl_scale_sets_replicas_on_the_scale_object() -> None:
    scale = {"kind": "Scale", "metadata": {"name": "api"}, "spec": {"replicas": 2}, "status": {"replicas": 2}}
    result = merge_patch(scale, {"spec": {"replicas": 5}})
    assert result == {**scale, "spec": {"replicas": 5}}


def test_merge_patch_label_null_removes_the_label_and_annotate_adds() -> None:
    obj = _deployment()
    result = merge_patch(obj, {"metadata": {"labels": {"tier": None}, "annotations": {"owner": "team-a"}}})
    assert result["metadata"]["labels"] == {"app": "api"}
    assert result["metadata"]["annotations"] == {"deployment.kubernetes.io/revision": "3", "owner": "team-a"}


def test_merge_patch_replaces_lists_whole() -> None:
    result = merge_patch(_deployment(), {"spec": {"template": {"spec": {"containers": [{"name": "only"}]}}}})
    assert _containers(result) == [{"name": "only"}]


def test_merge_patch_drops_nulls_inside_new_values() -> None:
    result = merge_patch(
        {"a": 1}, {"b": {"c": None, "d": 2}, "e": [{"f": None, "g": 3}, None], "missing": None}
    )
    assert result == {"a": 1, "b": {"d": 2}, "e": [{"g": 3}, None]}


def test_merge_patch_treats_a_non_object_target_as_empty() -> None:
    assert merge_patch({"spec": "oops"}, {"spec": {"replicas": 1}}) == {"spec": {"replicas": 1}}
    assert merge_patch(None, {"a": 1}) == {"a": 1}


@pytest.mark.parametrize(
    ("body", "word"), [([{"spec": {}}], "array"), ("x", "string"), (3, "number"), (True, "bool")]
)
def test_merge_patch_refuses_a_body_that_is_not_an_object(body: Any, word: str) -> None:
    message = _raises(400, "BadRequest", lambda: merge_patch({}, body))
    assert message == (
        f"error decoding patch: json: cannot unmarshal {word} into Go value of type map[string]interface {{}}"
    )


def test_merge_patch_refuses_a_null_body() -> None:
    assert _raises(400, "BadRequest", lambda: merge_patch({}, None)) == "Invalid JSON Patch"


def test_merge_patch_never_mutates_its_inputs_nor_shares_with_them() -> None:
    target, patch = _deployment(), {"metadata": {"labels": {"tier": None, "new": "x"}}, "spec": {"x": [1]}}
    target_before, patch_before = copy.deepcopy(target), copy.deepcopy(patch)
    result = merge_patch(target, patch)
    assert (target, patch) == (target_before, patch_before)
    result["spec"]["x"].append(2)
    result["metadata"]["annotations"]["changed"] = "yes"
    assert (target, patch) == (target_before, patch_before)


# ---------------------------------------------------------------------------------------------
# JSON patch (RFC 6902)


def test_json_patch_kubectl_rollout_undo_replaces_template_and_annotations() -> None:
    old_template = {
        "metadata": {"labels": {"app": "api", "pod-template-hash": "5d8f"}},
        "spec": {"containers": [{"name": "api", "image": "shop/api:0.9"}]},
    }
    body = [
        {"op": "replace", "path": "/spec/template", "value": old_template},
        {
            "op": "replace",
            "path": "/metadata/annotations",
            "value": {"deployment.kubernetes.io/revision": "4"},
        },
    ]
    result = json_patch(_deployment(), body)
    assert result["spec"]["template"] == old_template
    assert result["metadata"]["annotations"] == {"deployment.kubernetes.io/revision": "4"}
    assert result["spec"]["replicas"] == 2


def test_json_patch_replace_adds_a_missing_object_key_like_kube_apiserver() -> None:
    # evanphx/json-patch v4 turns this replace into an add; `rollout undo` relies on it.
    obj = {"metadata": {"name": "api"}}
    body = [{"op": "replace", "path": "/metadata/annotations", "value": {"a": "1"}}]
    assert json_patch(obj, body) == {"metadata": {"name": "api", "annotations": {"a": "1"}}}


def test_json_patch_add_appends_inserts_and_unescapes_pointer_tokens() -> None:
    body = [
        {"op": "add", "path": "/spec/template/spec/containers/-", "value": {"name": "debug"}},
        {"op": "add", "path": "/spec/template/spec/containers/0", "value": {"name": "init"}},
        {"op": "add", "path": "/metadata/annotations/kubectl.kubernetes.io~1restartedAt", "value": "now"},
        {"op": "add", "path": "/metadata/labels/a~0b", "value": "tilde"},
    ]
    result = json_patch(_deployment(), body)
    assert [c["name"] for c in _containers(result)] == ["init", "api", "sidecar", "debug"]
    assert result["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"] == "now"
    assert result["metadata"]["labels"]["a~b"] == "tilde"


def test_json_patch_remove_move_copy_and_test() -> None:
    body = [
        {"op": "test", "path": "/spec/replicas", "value": 2},
        {"op": "remove", "path": "/metadata/labels/tier"},
        {"op": "remove", "path": "/spec/template/spec/containers/1"},
        {"op": "copy", "from": "/metadata/labels/app", "path": "/metadata/labels/copied"},
        {"op": "move", "from": "/spec/strategy", "path": "/spec/oldStrategy"},
        {"op": "test", "path": "/spec/oldStrategy/type", "value": "RollingUpdate"},
    ]
    result = json_patch(_deployment(), body)
    assert result["metadata"]["labels"] == {"app": "api", "copied": "api"}
    assert [c["name"] for c in _containers(result)] == ["api"]
    assert "strategy" not in result["spec"]
    assert result["spec"]["oldStrategy"]["type"] == "RollingUpdate"


def test_json_patch_whole_document_and_null_body() -> None:
    assert json_patch({"a": 1}, [{"op": "replace", "path": "", "value": {"b": 2}}]) == {"b": 2}
    assert json_patch({"a": 1}, [{"op": "test", "path": "", "value": {"a": 1}}]) == {"a": 1}
    assert json_patch({"a": 1}, None) == {"a": 1}


def test_json_patch_test_tells_true_from_one_and_accepts_one_point_zero() -> None:
    assert json_patch({"n": 1}, [{"op": "test", "path": "/n", "value": 1.0}]) == {"n": 1}
    _raises(422, "Invalid", lambda: json_patch({"n": 1}, [{"op": "test", "path": "/n", "value": True}]))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"op": "add", "path": "/a", "value": 1},
            "json: cannot unmarshal object into Go value of type jsonpatch.Patch",
        ),
        ("add", "json: cannot unmarshal string into Go value of type jsonpatch.Patch"),
        (["add"], "json: cannot unmarshal string into Go value of type jsonpatch.Operation"),
        ([{"op": "bogus", "path": "/a"}], "Unexpected kind: bogus"),
        ([{"path": "/a", "value": 1}], "Unexpected kind: unknown"),
        ([{"op": "remove"}], "remove operation failed to decode path: missing value"),
        ([{"op": "add", "path": 3, "value": 1}], "add operation failed to decode path: missing value"),
        (
            [{"op": "replace", "value": 1}],
            "replace operation failed to decode path: operation missing path field: missing value",
        ),
        (
            [{"op": "test", "path": 3, "value": 1}],
            "test operation failed to decode path: "
            "json: cannot unmarshal number into Go value of type string",
        ),
        (
            [{"op": "add", "path": "spec/replicas", "value": 1}],
            'add operation has an invalid path "spec/replicas": a JSON pointer must start with "/"',
        ),
        (
            [{"op": "remove", "path": "/metadata/labels/a~2b"}],
            'remove operation has an invalid path "/metadata/labels/a~2b": '
            '"~" must be followed by "0" or "1"',
        ),
        (
            [{"op": "move", "path": "/a"}],
            "move operation failed to decode from: operation, missing from field: missing value",
        ),
        (
            [{"op": "replace", "path": "/spec/replicas"}],
            "replace operation failed to decode value: operation, missing value field: missing value",
        ),
    ],
)
def test_json_patch_refuses_malformed_bodies_with_400(body: Any, message: str) -> None:
    assert _raises(400, "BadRequest", lambda: json_patch(_deployment(), body)) == message


def test_json_patch_checks_every_operation_before_applying_any() -> None:
    body = [{"op": "remove", "path": "/no/such/path"}, {"op": "frobnicate", "path": "/a"}]
    assert _raises(400, "BadRequest", lambda: json_patch({}, body)) == "Unexpected kind: frobnicate"


@pytest.mark.parametrize(
    "operation",
    [
        {"op": "remove", "path": "/metadata/labels/nope"},
        {"op": "remove", "path": "/spec/template/spec/containers/2"},
        {"op": "remove", "path": "/spec/template/spec/containers/-"},
        {"op": "remove", "path": "/spec/template/spec/containers/01"},
        {"op": "remove", "path": ""},
        {"op": "replace", "path": "/spec/template/spec/containers/5", "value": {}},
        {"op": "replace", "path": "/spec/nothing/here", "value": 1},
        {"op": "add", "path": "/spec/template/spec/containers/3", "value": {}},
        {"op": "add", "path": "/spec/nothing/here", "value": 1},
        {"op": "add", "path": "/spec/replicas/x", "value": 1},
        {"op": "test", "path": "/spec/replicas", "value": 3},
        {"op": "test", "path": "/spec/template/spec/containers/9", "value": None},
        {"op": "move", "from": "/spec/nope", "path": "/spec/x"},
        {"op": "copy", "from": "/spec/template/spec/containers/7", "path": "/spec/x"},
        {"op": "move", "from": "/spec", "path": "/spec/inner"},
    ],
)
def test_json_patch_answers_422_for_a_patch_that_does_not_apply(operation: dict[str, Any]) -> None:
    assert _raises(422, "Invalid", lambda: json_patch(_deployment(), [operation])) == REJECTED


def test_json_patch_refuses_more_than_ten_thousand_operations() -> None:
    body = [{"op": "test", "path": "/a", "value": 1}] * 10001
    message = _raises(413, "RequestEntityTooLarge", lambda: json_patch({"a": 1}, body))
    assert message.endswith("maximum operations in a JSON patch is 10000, got 10001")


def test_json_patch_never_mutates_its_inputs_even_when_a_later_operation_fails() -> None:
    doc = _deployment()
    value = {"name": "debug", "env": [{"name": "A", "value": "1"}]}
    ok = [{"op": "add", "path": "/spec/template/spec/containers/-", "value": value}]
    doc_before, ok_before = copy.deepcopy(doc), copy.deepcopy(ok)
    result = json_patch(doc, ok)
    _containers(result)[-1]["env"].append({"name": "B"})
    assert (doc, ok) == (doc_before, ok_before)
    failing = [*ok, {"op": "remove", "path": "/metadata/labels/nope"}]
    _raises(422, "Invalid", lambda: json_patch(doc, failing))
    assert doc == doc_before


# ---------------------------------------------------------------------------------------------
# Strategic merge patch: the payloads kubectl sends


def test_smp_kubectl_set_image_updates_one_container_and_keeps_the_order() -> None:
    body = {
        "spec": {
            "template": {
                "spec": {
                    "$setElementOrder/containers": [{"name": "api"}, {"name": "sidecar"}],
                    "containers": [{"image": "shop/api:1.1", "name": "api"}],
                }
            }
        }
    }
    result = strategic_merge_patch(_deployment(), body, kind="Deployment")
    expected = _deployment()
    _containers(expected)[0]["image"] = "shop/api:1.1"
    assert result == expected


def test_smp_kubectl_set_image_on_the_second_container() -> None:
    body = {
        "spec": {
            "template": {
                "spec": {
                    "$setElementOrder/containers": [{"name": "api"}, {"name": "sidecar"}],
                    "containers": [{"image": "shop/proxy:2.2", "name": "sidecar"}],
                }
            }
        }
    }
    result = strategic_merge_patch(_deployment(), body, kind="Deployment")
    assert [(c["name"], c["image"]) for c in _containers(result)] == [
        ("api", "shop/api:1.0"),
        ("sidecar", "shop/proxy:2.2"),
    ]


def test_smp_kubectl_rollout_restart_adds_the_template_annotation() -> None:
    body = {
        "spec": {
            "template": {
                "metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": "2026-11-28T18:00:00Z"}}
            }
        }
    }
    result = strategic_merge_patch(_deployment(), body, kind="Deployment")
    template = result["spec"]["template"]
    assert template["metadata"] == {
        "labels": {"app": "api"},
        "annotations": {"kubectl.kubernetes.io/restartedAt": "2026-11-28T18:00:00Z"},
    }
    assert template["spec"] == _pod_spec(_deployment())


def test_smp_cordon_and_uncordon_a_node() -> None:
    node: dict[str, Any] = {
        "kind": "Node",
        "metadata": {"name": "node-1"},
        "spec": {"podCIDR": "10.0.1.0/24", "taints": [{"key": "a", "effect": "NoSchedule"}]},
    }
    cordoned = strategic_merge_patch(node, {"spec": {"unschedulable": True}}, kind="Node")
    assert cordoned["spec"] == {**node["spec"], "unschedulable": True}
    uncordoned = strategic_merge_patch(cordoned, {"spec": {"unschedulable": None}}, kind="Node")
    assert uncordoned == node


def test_smp_label_removal_by_null() -> None:
    result = strategic_merge_patch(_deployment(), {"metadata": {"labels": {"tier": None}}}, kind="Deployment")
    assert result["metadata"]["labels"] == {"app": "api"}


def test_smp_env_var_update_by_name() -> None:
    body = {
        "spec": {
            "template": {
                "spec": {"containers": [{"name": "api", "env": [{"name": "LOG", "value": "debug"}]}]}
            }
        }
    }
    result = strategic_merge_patch(_deployment(), body, kind="Deployment")
    api = _containers(result)[0]
    assert api["env"] == [{"name": "MODE", "value": "prod"}, {"name": "LOG", "value": "debug"}]
    assert api["image"] == "shop/api:1.0"
    assert api["args"] == ["--port", "8080"]


def test_smp_container_ports_merge_by_container_port() -> None:
    body = {
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {
                            "name": "api",
                            "ports": [
                                {"containerPort": 8080, "name": "web"},
                                {"containerPort": 9090, "name": "metrics"},
                            ],
                        }
                    ]
                }
            }
        }
    }
    result = strategic_merge_patch(_deployment(), body, kind="Deployment")
    assert _containers(result)[0]["ports"] == [
        {"containerPort": 8080, "name": "web", "protocol": "TCP"},
        {"containerPort": 9090, "name": "metrics"},
    ]


def test_smp_service_ports_merge_by_port_not_container_port() -> None:
    service = {
        "kind": "Service",
        "metadata": {"name": "api"},
        "spec": {
            "selector": {"app": "api"},
            "ports": [
                {"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"},
                {"name": "https", "port": 443, "targetPort": 8443, "protocol": "TCP"},
            ],
        },
    }
    result = strategic_merge_patch(
        service, {"spec": {"ports": [{"port": 80, "targetPort": 9090}]}}, kind="Service"
    )
    assert result["spec"]["ports"] == [
        {"name": "http", "port": 80, "targetPort": 9090, "protocol": "TCP"},
        {"name": "https", "port": 443, "targetPort": 8443, "protocol": "TCP"},
    ]
    # The same body on a Pod's container ports has no containerPort: there it is malformed.
    pod = {"spec": {"containers": [{"name": "api", "ports": [{"containerPort": 80}]}]}}
    body = {"spec": {"containers": [{"name": "api", "ports": [{"port": 80, "targetPort": 9090}]}]}}
    message = _raises(400, "BadRequest", lambda: strategic_merge_patch(pod, body, kind="Pod"))
    assert message == "map: map[port:80 targetPort:9090] does not contain declared merge key: containerPort"


def test_smp_patch_delete_removes_one_container() -> None:
    body = {"spec": {"template": {"spec": {"containers": [{"name": "sidecar", "$patch": "delete"}]}}}}
    result = strategic_merge_patch(_deployment(), body, kind="Deployment")
    assert [c["name"] for c in _containers(result)] == ["api"]


def test_smp_finalizers_merge_as_a_set() -> None:
    obj = _deployment()
    result = strategic_merge_patch(
        obj, {"metadata": {"finalizers": ["example.com/b", "example.com/c"]}}, kind="Deployment"
    )
    assert result["metadata"]["finalizers"] == ["example.com/a", "example.com/b", "example.com/c"]
    removed = strategic_merge_patch(
        obj,
        {"metadata": {"$deleteFromPrimitiveList/finalizers": ["example.com/a", "example.com/z"]}},
        kind="Deployment",
    )
    assert removed["metadata"]["finalizers"] == ["example.com/b"]


def test_smp_a_new_list_element_goes_before_the_existing_ones_as_upstream() -> None:
    # The Kubernetes "kubectl patch" task page shows the added redis container listed first.
    body = {"spec": {"template": {"spec": {"containers": [{"name": "patch-demo-ctr-2", "image": "redis"}]}}}}
    result = strategic_merge_patch(_deployment(), body, kind="Deployment")
    assert [c["name"] for c in _containers(result)] == ["patch-demo-ctr-2", "api", "sidecar"]
    finalizers = strategic_merge_patch(
        _deployment(), {"metadata": {"finalizers": ["example.com/c"]}}, kind="Deployment"
    )
    assert finalizers["metadata"]["finalizers"] == ["example.com/c", "example.com/a", "example.com/b"]


def test_smp_set_element_order_places_new_elements() -> None:
    body = {
        "metadata": {
            "$setElementOrder/finalizers": ["example.com/a", "example.com/b", "example.com/c"],
            "finalizers": ["example.com/c"],
        },
        "spec": {
            "template": {
                "spec": {
                    "$setElementOrder/containers": [{"name": "sidecar"}, {"name": "api"}, {"name": "new"}],
                    "containers": [{"name": "new", "image": "n:1"}],
                }
            }
        },
    }
    result = strategic_merge_patch(_deployment(), body, kind="Deployment")
    assert result["metadata"]["finalizers"] == ["example.com/a", "example.com/b", "example.com/c"]
    assert [c["name"] for c in _containers(result)] == ["sidecar", "api", "new"]


@pytest.mark.parametrize(
    ("original", "patch", "expected"),
    [
        # Upstream apimachinery cases: the patch's order wins among the elements it names.
        (
            [{"name": 1}, {"name": 2, "value": "b"}, {"name": 3}],
            [{"name": 3, "value": "c"}, {"name": 1, "value": "a"}],
            [{"name": 2, "value": "b"}, {"name": 3, "value": "c"}, {"name": 1, "value": "a"}],
        ),
        (
            [{"name": 1}, {"name": 2}],
            [{"name": 1, "$patch": "delete"}, {"name": 3}],
            [{"name": 3}, {"name": 2}],
        ),
        ([{"name": 1}, {"name": 1}, {"name": 2}], [{"name": 1, "$patch": "delete"}], [{"name": 2}]),
        ([{"name": 1}, {"name": 2}], [{"$patch": "replace"}], []),
        ([{"name": 1}, {"name": 2}], [{"name": 3, "x": None}, {"$patch": "replace"}], [{"name": 3}]),
    ],
)
def test_smp_keyed_list_semantics(original: list[Any], patch: list[Any], expected: list[Any]) -> None:
    result = strategic_merge_patch({"spec": {"volumes": original}}, {"spec": {"volumes": patch}}, kind="Pod")
    assert result == {"spec": {"volumes": expected}}


def test_smp_patch_replace_and_delete_and_merge_on_maps() -> None:
    obj = {"spec": {"nodeSelector": {"disk": "ssd", "zone": "a"}, "affinity": {"nodeAffinity": {"x": 1}}}}
    body = {
        "spec": {
            "nodeSelector": {"$patch": "replace", "zone": "b", "gone": None},
            "affinity": {"$patch": "delete"},
            "securityContext": {"$patch": "merge", "runAsUser": 1000},
            "dnsConfig": {"$patch": "delete"},
        }
    }
    result = strategic_merge_patch(obj, body, kind="Pod")
    assert result == {
        "spec": {"nodeSelector": {"zone": "b"}, "affinity": {}, "securityContext": {"runAsUser": 1000}}
    }
    assert strategic_merge_patch({"a": 1}, {"$patch": "delete"}, kind="ConfigMap") == {}


def test_smp_retain_keys_switches_deployment_strategy() -> None:
    body = {"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}}
    result = strategic_merge_patch(_deployment(), body, kind="Deployment")
    assert result["spec"]["strategy"] == {"type": "Recreate"}


def test_smp_retain_keys_inside_a_volume_switches_its_source() -> None:
    body = {
        "spec": {
            "template": {
                "spec": {
                    "$setElementOrder/volumes": [{"name": "data"}],
                    "volumes": [{"$retainKeys": ["emptyDir", "name"], "emptyDir": {}, "name": "data"}],
                }
            }
        }
    }
    result = strategic_merge_patch(_deployment(), body, kind="Deployment")
    assert _pod_spec(result)["volumes"] == [{"name": "data", "emptyDir": {}}]


@pytest.mark.parametrize(
    ("field", "existing", "patch", "expected"),
    [
        ("args", ["--port", "8080"], ["--debug"], ["--debug"]),
        ("command", ["/bin/api"], ["/bin/sh", "-c"], ["/bin/sh", "-c"]),
        (
            "envFrom",
            [{"configMapRef": {"name": "a"}}],
            [{"secretRef": {"name": "b"}}],
            [{"secretRef": {"name": "b"}}],
        ),
    ],
)
def test_smp_atomic_container_lists_are_replaced(
    field: str, existing: Any, patch: Any, expected: Any
) -> None:
    pod = {"spec": {"containers": [{"name": "api", field: existing}]}}
    result = strategic_merge_patch(pod, {"spec": {"containers": [{"name": "api", field: patch}]}}, kind="Pod")
    assert result["spec"]["containers"][0][field] == expected


def test_smp_tolerations_taints_and_endpoint_subsets_are_atomic() -> None:
    result = strategic_merge_patch(
        _deployment(), {"spec": {"template": {"spec": {"tolerations": [{"key": "gpu"}]}}}}, kind="Deployment"
    )
    assert _pod_spec(result)["tolerations"] == [{"key": "gpu"}]
    node = {"spec": {"taints": [{"key": "a", "effect": "NoSchedule"}]}}
    result = strategic_merge_patch(
        node, {"spec": {"taints": [{"key": "b", "effect": "NoExecute"}]}}, kind="Node"
    )
    assert result["spec"]["taints"] == [{"key": "b", "effect": "NoExecute"}]
    endpoints = {"subsets": [{"addresses": [{"ip": "10.0.0.1"}]}]}
    result = strategic_merge_patch(
        endpoints, {"subsets": [{"addresses": [{"ip": "10.0.0.2"}]}]}, kind="Endpoints"
    )
    assert result["subsets"] == [{"addresses": [{"ip": "10.0.0.2"}]}]


@pytest.mark.parametrize(
    ("field", "key", "existing", "added"),
    [
        ("initContainers", "name", {"name": "init", "image": "a"}, {"name": "init2", "image": "b"}),
        ("ephemeralContainers", "name", {"name": "debug", "image": "a"}, {"name": "debug2", "image": "b"}),
        ("volumes", "name", {"name": "data", "emptyDir": {}}, {"name": "cache", "emptyDir": {}}),
        ("imagePullSecrets", "name", {"name": "reg"}, {"name": "reg2"}),
        ("hostAliases", "ip", {"ip": "10.0.0.1", "hostnames": ["a"]}, {"ip": "10.0.0.2", "hostnames": ["b"]}),
        (
            "topologySpreadConstraints",
            "topologyKey",
            {"topologyKey": "zone", "maxSkew": 1},
            {"topologyKey": "host", "maxSkew": 2},
        ),
        ("resourceClaims", "name", {"name": "gpu"}, {"name": "fpga"}),
    ],
)
def test_smp_pod_spec_keyed_lists(
    field: str, key: str, existing: dict[str, Any], added: dict[str, Any]
) -> None:
    pod = {"spec": {field: [existing]}}
    update = {key: existing[key], "extra": "updated"}
    result = strategic_merge_patch(pod, {"spec": {field: [update, added]}}, kind="Pod")
    assert result["spec"][field] == [{**existing, "extra": "updated"}, added]


@pytest.mark.parametrize(
    ("field", "key", "value"),
    [
        ("env", "name", "LOG"),
        ("volumeMounts", "mountPath", "/data"),
        ("volumeDevices", "devicePath", "/dev/x"),
    ],
)
def test_smp_container_keyed_lists(field: str, key: str, value: str) -> None:
    existing = [{key: "/other", "old": True}, {key: value, "old": True}]
    pod = {"spec": {"containers": [{"name": "api", field: existing}]}}
    body = {"spec": {"containers": [{"name": "api", field: [{key: value, "readOnly": True}]}]}}
    result = strategic_merge_patch(pod, body, kind="Pod")
    assert result["spec"]["containers"][0][field] == [
        {key: "/other", "old": True},
        {key: value, "old": True, "readOnly": True},
    ]


def test_smp_service_account_secrets_merge_by_name() -> None:
    account = {"secrets": [{"name": "token-a"}], "imagePullSecrets": [{"name": "reg-a"}]}
    body = {"secrets": [{"name": "token-b"}], "imagePullSecrets": [{"name": "reg-b"}]}
    assert strategic_merge_patch(account, body, kind="ServiceAccount") == {
        "secrets": [{"name": "token-b"}, {"name": "token-a"}],
        "imagePullSecrets": [{"name": "reg-b"}],
    }


def test_smp_owner_references_merge_by_uid() -> None:
    obj = {"metadata": {"ownerReferences": [{"uid": "u1", "kind": "ReplicaSet", "name": "a"}]}}
    body = {"metadata": {"ownerReferences": [{"uid": "u1", "controller": True}, {"uid": "u2", "name": "b"}]}}
    result = strategic_merge_patch(obj, body, kind="Pod")
    assert result["metadata"]["ownerReferences"] == [
        {"uid": "u1", "kind": "ReplicaSet", "name": "a", "controller": True},
        {"uid": "u2", "name": "b"},
    ]


@pytest.mark.parametrize(
    "kind",
    [
        "Pod",
        "Node",
        "Deployment",
        "ReplicaSet",
        "StatefulSet",
        "DaemonSet",
        "Job",
        "PersistentVolumeClaim",
        "Namespace",
        "ReplicationController",
    ],
)
def test_smp_status_conditions_merge_by_type(kind: str) -> None:
    obj = {
        "status": {"conditions": [{"type": "Ready", "status": "True"}, {"type": "Other", "status": "True"}]}
    }
    body = {"status": {"conditions": [{"type": "Ready", "status": "False", "reason": "Broken"}]}}
    result = strategic_merge_patch(obj, body, kind=kind)
    assert result["status"]["conditions"] == [
        {"type": "Ready", "status": "False", "reason": "Broken"},
        {"type": "Other", "status": "True"},
    ]


def test_smp_conditions_are_atomic_where_the_kind_has_no_rule() -> None:
    obj = {"status": {"conditions": [{"type": "Ready"}, {"type": "Other"}]}}
    result = strategic_merge_patch(obj, {"status": {"conditions": [{"type": "Ready"}]}}, kind="ConfigMap")
    assert result["status"]["conditions"] == [{"type": "Ready"}]


def test_smp_node_addresses_merge_and_pod_container_statuses_are_atomic() -> None:
    node = {
        "status": {
            "addresses": [
                {"type": "InternalIP", "address": "10.0.0.5"},
                {"type": "Hostname", "address": "n1"},
            ]
        }
    }
    body: dict[str, Any] = {"status": {"addresses": [{"type": "InternalIP", "address": "10.0.0.6"}]}}
    assert strategic_merge_patch(node, body, kind="Node")["status"]["addresses"] == [
        {"type": "InternalIP", "address": "10.0.0.6"},
        {"type": "Hostname", "address": "n1"},
    ]
    pod = {
        "status": {
            "containerStatuses": [
                {"name": "api", "ready": True, "restartCount": 0},
                {"name": "log", "ready": True},
            ],
            "initContainerStatuses": [{"name": "init", "ready": True}],
        }
    }
    body = {
        "status": {
            "containerStatuses": [{"name": "api", "ready": False, "restartCount": 1}],
            "initContainerStatuses": [{"name": "init", "ready": False}],
        }
    }
    result = strategic_merge_patch(pod, body, kind="Pod")
    # Upstream gives container statuses no merge key, so a patch replaces the whole list.
    assert result["status"]["containerStatuses"] == [{"name": "api", "ready": False, "restartCount": 1}]
    assert result["status"]["initContainerStatuses"] == [{"name": "init", "ready": False}]


def _with_template(
    kind: str, pod_spec: dict[str, Any]
) -> tuple[dict[str, Any], Callable[[dict[str, Any]], Any]]:
    if kind == "CronJob":
        obj = {"spec": {"jobTemplate": {"spec": {"template": {"spec": pod_spec}}}}}
        return obj, lambda o: o["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    if kind == "PodTemplate":
        return {"template": {"spec": pod_spec}}, lambda o: o["template"]["spec"]
    return {"spec": {"template": {"spec": pod_spec}}}, lambda o: o["spec"]["template"]["spec"]


@pytest.mark.parametrize(
    "kind",
    [
        "Deployment",
        "ReplicaSet",
        "StatefulSet",
        "DaemonSet",
        "Job",
        "ReplicationController",
        "CronJob",
        "PodTemplate",
    ],
)
def test_smp_pod_template_rules_apply_inside_every_workload(kind: str) -> None:
    spec = {"containers": [{"name": "api", "env": [{"name": "A", "value": "1"}]}, {"name": "log"}]}
    obj, pod_spec = _with_template(kind, spec)
    patch_obj, _ = _with_template(
        kind, {"containers": [{"name": "api", "env": [{"name": "A", "value": "2"}]}]}
    )
    result = strategic_merge_patch(obj, patch_obj, kind=kind)
    assert pod_spec(result) == {
        "containers": [{"name": "api", "env": [{"name": "A", "value": "2"}]}, {"name": "log"}]
    }


def test_smp_unknown_kinds_merge_maps_and_metadata_lists_only() -> None:
    cm = {"metadata": {"name": "cfg", "finalizers": ["a"]}, "data": {"k1": "v1", "k2": "v2"}}
    body = {"metadata": {"finalizers": ["a", "b"]}, "data": {"k2": None, "k3": "v3"}}
    assert strategic_merge_patch(cm, body, kind="ConfigMap") == {
        "metadata": {"name": "cfg", "finalizers": ["a", "b"]},
        "data": {"k1": "v1", "k3": "v3"},
    }


def test_smp_directive_keys_and_nulls_never_reach_the_result() -> None:
    body = {
        "metadata": {"labels": {"new": None}, "$deleteFromPrimitiveList/finalizers": ["example.com/a"]},
        "spec": {
            "strategy": {"$retainKeys": ["type", "rollingUpdate"], "type": "RollingUpdate"},
            "template": {
                "spec": {
                    "$setElementOrder/containers": [{"name": "api"}, {"name": "added"}, {"name": "sidecar"}],
                    "containers": [
                        {
                            "name": "added",
                            "env": [{"name": "X", "value": None, "$patch": "merge"}],
                            "tty": None,
                        },
                        {"name": "sidecar", "$patch": "delete"},
                    ],
                    "nodeSelector": {"$patch": "replace", "a": "b", "$retainKeys": ["a"]},
                    "tolerations": [{"$patch": "replace"}, {"key": "x", "value": None}],
                }
            },
        },
    }
    result = strategic_merge_patch(_deployment(), body, kind="Deployment")
    assert not [k for k in _keys(result) if k.startswith("$")]
    assert [c["name"] for c in _containers(result)] == ["api", "added"]
    assert _containers(result)[1] == {"name": "added", "env": [{"name": "X"}]}
    assert _pod_spec(result)["tolerations"] == [{"key": "x"}]
    assert _pod_spec(result)["nodeSelector"] == {"a": "b"}


def test_smp_null_body_is_a_no_op() -> None:
    assert strategic_merge_patch(_deployment(), None, kind="Deployment") == _deployment()  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# Strategic merge patch: errors


@pytest.mark.parametrize(("body", "word"), [([{"spec": {}}], "array"), ("x", "string"), (1.5, "number")])
def test_smp_refuses_a_body_that_is_not_an_object(body: Any, word: str) -> None:
    message = _raises(400, "BadRequest", lambda: strategic_merge_patch({}, body, kind="Pod"))
    assert message == (
        f"error decoding patch: json: cannot unmarshal {word} into Go value of type map[string]interface {{}}"
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"spec": {"$patch": "explode", "a": 1}},
            "unknown patch type: explode in map: map[$patch:explode a:1]",
        ),
        (
            {"spec": {"containers": [{"name": "api", "$patch": "nuke"}]}},
            "unknown patch type: nuke in map: map[$patch:nuke name:api]",
        ),
        (
            {"spec": {"containers": [{"image": "x"}]}},
            "map: map[image:x] does not contain declared merge key: name",
        ),
        (
            {"spec": {"containers": [{"$patch": "delete", "image": "x"}]}},
            "map: map[$patch:delete image:x] does not contain declared merge key: name",
        ),
        (
            {"spec": {"containers": ["api"]}},
            "list element types are not identical: [[map[image:a:1 name:api]] [api]]",
        ),
        ({"spec": {"$setElementOrder/containers": "api"}}, "invalid patch format of setElementOrder list"),
        ({"spec": {"$setElementOrder": [{"name": "api"}]}}, "invalid patch format of setElementOrder list"),
        (
            {"spec": {"$setElementOrder/containers": [{"name": "api"}], "containers": {"name": "api"}}},
            "invalid patch format of setElementOrder list",
        ),
        (
            {"spec": {"$setElementOrder/containers": [{"image": "x"}]}},
            "map: map[image:x] does not contain declared merge key: name",
        ),
        (
            {
                "spec": {
                    "$setElementOrder/containers": [{"name": "a"}, {"name": "b"}],
                    "containers": [{"name": "b"}, {"name": "a"}],
                }
            },
            "The order in patch list:\n[map[name:b] map[name:a]]\n doesn't match "
            "$setElementOrder list:\n[map[name:a] map[name:b]]\n",
        ),
        ({"spec": {"$retainKeys": "containers"}}, "invalid patch format of retainKeys"),
        ({"spec": {"$retainKeys": ["containers"], "nodeName": "n1"}}, "invalid patch format of retainKeys"),
        (
            {"metadata": {"$deleteFromPrimitiveList/finalizers": "a"}},
            "invalid patch format of primitive list",
        ),
        (
            {"metadata": {"$deleteFromPrimitiveListfinalizers": ["a"]}},
            "invalid patch format of primitive list",
        ),
    ],
)
def test_smp_refuses_malformed_patches_with_400(body: dict[str, Any], message: str) -> None:
    pod = {"metadata": {"finalizers": ["a"]}, "spec": {"containers": [{"name": "api", "image": "a:1"}]}}
    assert _raises(400, "BadRequest", lambda: strategic_merge_patch(pod, body, kind="Pod")) == message


def test_smp_refuses_lists_of_lists_in_merging_lists_with_422() -> None:
    body = {"metadata": {"finalizers": [["a"]]}}
    message = _raises(422, "Invalid", lambda: strategic_merge_patch({"metadata": {}}, body, kind="Pod"))
    assert message == REJECTED


def test_smp_never_mutates_its_inputs_nor_shares_with_them() -> None:
    doc = _deployment()
    body = {
        "metadata": {"labels": {"tier": None}, "finalizers": ["example.com/c"]},
        "spec": {
            "strategy": {"$retainKeys": ["type"], "type": "Recreate"},
            "template": {
                "spec": {
                    "$setElementOrder/containers": [{"name": "api"}, {"name": "sidecar"}],
                    "containers": [
                        {"name": "api", "env": [{"name": "NEW", "value": "1"}]},
                        {"name": "sidecar", "$patch": "delete"},
                    ],
                    "volumes": [{"name": "cache", "emptyDir": {}}],
                }
            },
        },
    }
    doc_before, body_before = copy.deepcopy(doc), copy.deepcopy(body)
    result = strategic_merge_patch(doc, body, kind="Deployment")
    assert (doc, body) == (doc_before, body_before)
    _pod_spec(result)["volumes"][0]["emptyDir"]["medium"] = "Memory"
    _containers(result)[0]["env"].clear()
    result["metadata"]["finalizers"].append("x")
    assert (doc, body) == (doc_before, body_before)


# ---------------------------------------------------------------------------------------------
# Differential check against the real apimachinery code: `kubectl patch --local` applies a patch
# to a file with kubectl's compiled-in types, without talking to any server.

_KUBECTL = shutil.which("kubectl")
_API_VERSIONS = {
    "Deployment": "apps/v1",
    "Pod": "v1",
    "Service": "v1",
    "Node": "v1",
    "CronJob": "batch/v1",
    "ConfigMap": "v1",
}


def _three(*names: str) -> list[dict[str, Any]]:
    return [{"name": n, "image": f"{n}:1"} for n in names]


def _deploy(containers: list[dict[str, Any]], **spec: Any) -> dict[str, Any]:
    template = {"metadata": {"labels": {"a": "b"}}, "spec": {"containers": containers, **spec}}
    return {"spec": {"selector": {"matchLabels": {"a": "b"}}, "template": template}}


def _in_template(pod_spec: dict[str, Any]) -> dict[str, Any]:
    return {"spec": {"template": {"spec": pod_spec}}}


_ORACLE_CASES: list[tuple[str, dict[str, Any], Any, str]] = [
    (
        "Deployment",
        _deploy(_three("api", "side")),
        _in_template(
            {
                "$setElementOrder/containers": [{"name": "api"}, {"name": "side"}],
                "containers": [{"name": "side", "image": "side:2"}],
            }
        ),
        "strategic",
    ),
    (
        "Deployment",
        _deploy(_three("a", "b", "c")),
        _in_template({"containers": [{"name": "d"}, {"name": "b", "image": "x"}]}),
        "strategic",
    ),
    (
        "Deployment",
        _deploy(_three("a", "b", "c")),
        _in_template({"containers": [{"name": "c"}, {"name": "a", "image": "x"}]}),
        "strategic",
    ),
    (
        "Deployment",
        _deploy(_three("a", "b")),
        _in_template({"containers": [{"name": "a", "$patch": "delete"}]}),
        "strategic",
    ),
    (
        "Deployment",
        _deploy(_three("a", "b")),
        _in_template(
            {
                "$setElementOrder/containers": [{"name": "a"}, {"name": "n"}, {"name": "b"}],
                "containers": [{"name": "n"}],
            }
        ),
        "strategic",
    ),
    (
        "Deployment",
        _deploy([{"name": "a", "env": [{"name": "M", "value": "1"}, {"name": "L", "value": "2"}]}]),
        _in_template(
            {"containers": [{"name": "a", "env": [{"name": "L", "value": "3"}, {"name": "N", "value": "4"}]}]}
        ),
        "strategic",
    ),
    (
        "Deployment",
        _deploy(
            _three("a"), volumes=[{"name": "d", "hostPath": {"path": "/x"}}, {"name": "e", "emptyDir": {}}]
        ),
        _in_template(
            {
                "$setElementOrder/volumes": [{"name": "d"}, {"name": "e"}],
                "volumes": [{"$retainKeys": ["emptyDir", "name"], "emptyDir": {}, "name": "d"}],
            }
        ),
        "strategic",
    ),
    (
        "Deployment",
        {"metadata": {"finalizers": ["a", "b", "c"]}, **_deploy(_three("x"))},
        {
            "metadata": {
                "$setElementOrder/finalizers": ["c", "a", "d"],
                "$deleteFromPrimitiveList/finalizers": ["b"],
                "finalizers": ["d"],
            }
        },
        "strategic",
    ),
    (
        "Service",
        {
            "spec": {
                "ports": [
                    {"name": "http", "port": 80, "protocol": "TCP"},
                    {"name": "https", "port": 443, "protocol": "TCP"},
                ]
            }
        },
        {"spec": {"ports": [{"port": 443, "targetPort": 8443}, {"port": 8080, "name": "alt"}]}},
        "strategic",
    ),
    (
        "Node",
        {
            "status": {
                "addresses": [{"type": "InternalIP", "address": "1"}, {"type": "Hostname", "address": "h"}]
            }
        },
        {"status": {"addresses": [{"type": "Hostname", "address": "h2"}]}},
        "strategic",
    ),
    (
        "Pod",
        {
            "spec": {"containers": _three("a", "b")},
            "status": {
                "containerStatuses": [
                    {"name": n, "ready": True, "restartCount": 0, "image": "i", "imageID": ""} for n in "ab"
                ]
            },
        },
        {"status": {"containerStatuses": [{"name": "b", "ready": False}]}},
        "strategic",
    ),
    (
        "CronJob",
        {
            "spec": {
                "schedule": "* * * * *",
                "jobTemplate": {"spec": {"template": {"spec": {"containers": _three("a", "b")}}}},
            }
        },
        {
            "spec": {
                "jobTemplate": {
                    "spec": {"template": {"spec": {"containers": [{"name": "b", "image": "b:2"}]}}}
                }
            }
        },
        "strategic",
    ),
    (
        "ConfigMap",
        {"data": {"a": "1"}},
        [{"op": "replace", "path": "/metadata/annotations", "value": {"x": "y"}}],
        "json",
    ),
    (
        "ConfigMap",
        {"data": {"a": "1", "b": "2"}},
        [{"op": "move", "from": "/data/a", "path": "/data/c"}, {"op": "remove", "path": "/data/b"}],
        "json",
    ),
    (
        "Deployment",
        _deploy(_three("a")),
        {"spec": {"replicas": 3, "template": {"spec": {"containers": [{"name": "q", "workingDir": None}]}}}},
        "merge",
    ),
]


def _apply_locally(kind: str, patch_type: str, doc: dict[str, Any], body: Any) -> Any:
    if patch_type == "json":
        return json_patch(doc, body)
    if patch_type == "merge":
        return merge_patch(doc, body)
    return strategic_merge_patch(doc, body, kind=kind)


@pytest.mark.kubectl
@pytest.mark.skipif(_KUBECTL is None, reason="kubectl is not installed")
@pytest.mark.parametrize(("kind", "doc", "body", "patch_type"), _ORACLE_CASES)
def test_patches_match_kubectl_patch_local(
    kind: str, doc: dict[str, Any], body: Any, patch_type: str, tmp_path: Path
) -> None:
    assert _KUBECTL is not None
    obj = {"apiVersion": _API_VERSIONS[kind], "kind": kind, "metadata": {"name": "x"}, **doc}
    manifest = tmp_path / "object.json"
    manifest.write_text(json.dumps(obj))
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text("")
    argv = [
        _KUBECTL,
        "patch",
        "-f",
        str(manifest),
        "--local",
        "--type",
        patch_type,
        "-p",
        json.dumps(body),
        "-o",
        "json",
    ]
    done = subprocess.run(
        argv,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env={**os.environ, "KUBECONFIG": str(kubeconfig)},
    )
    expected = json.loads(done.stdout)
    expected["metadata"].pop("creationTimestamp", None)  # kubectl's typed round trip adds a null one
    if expected.get("status") == {}:
        del expected["status"]
    assert _apply_locally(kind, patch_type, obj, body) == expected
