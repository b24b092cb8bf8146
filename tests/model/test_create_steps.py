"""The creating steps (allow-ingress, create-storage-class) and their undo (delete-created) as data:
what their parameters may say, the manifest they make, their kubectl text and their cell."""

from __future__ import annotations

import ast
import re
import shlex
import tokenize
from io import StringIO
from typing import Any

import pytest

from workbench.errors import ConfigError
from workbench.model import Action, ObjectRef, Plan, PlanStep
from workbench.model import _kubectl as kubectl_module
from workbench.model._cell import render_cell
from workbench.model._kubectl import kubectl_commands
from workbench.model._manifests import CREATED_BY, manifest

POLICY = ObjectRef(
    "NetworkPolicy", "shop", "allow-frontend-to-catalog-api", api_version="networking.k8s.io/v1"
)
CLASS = ObjectRef("StorageClass", "", "fast-ssd", api_version="storage.k8s.io/v1")
ALLOW: dict[str, Any] = {
    "pod_selector": {"app": "catalog-api"},
    "from_selector": {"app": "frontend"},
    "ports": [{"protocol": "TCP", "port": 8080}],
}
STORAGE: dict[str, Any] = {
    "provisioner": "rancher.io/local-path",
    "parameters": {"type": "ssd"},
    "reclaim_policy": "Delete",
    "volume_binding_mode": "WaitForFirstConsumer",
    "allow_volume_expansion": True,
}
DIGEST = "sha256:" + "ab" * 32


def allow(**params: Any) -> PlanStep:
    return PlanStep(Action.ALLOW_INGRESS, POLICY, {**ALLOW, **params})


def storage(**params: Any) -> PlanStep:
    return PlanStep(Action.CREATE_STORAGE_CLASS, CLASS, {**STORAGE, **params})


@pytest.mark.parametrize(
    ("params", "error"),
    [
        (
            {"pod_selector": {}},
            r"pod_selector must map the receiving pods' labels .* every pod in the namespace",
        ),
        ({"from_selector": {}}, r"from_selector must map the sending pods' labels"),
        ({"from_selector": ["app=frontend"]}, r"from_selector must map"),
        ({"pod_selector": {"app": "a b"}}, r"pod_selector: the value of app must be a label value"),
        ({"pod_selector": {"-app": "x"}}, r"pod_selector: '-app' is not a label name"),
        ({"ports": []}, r"ports must be a non-empty list .*no ports would allow every port"),
        ({"ports": [{"port": 8080}]}, r"each port must be exactly \{protocol, port\}"),
        ({"ports": [{"protocol": "TCP", "port": 8080, "endPort": 9000}]}, r"exactly \{protocol, port\}"),
        ({"ports": [{"protocol": "ICMP", "port": 8080}]}, r"protocol must be one of TCP, UDP, SCTP"),
        ({"ports": [{"protocol": "TCP", "port": 0}]}, r"port 0 is not between 1 and 65535"),
        ({"ports": [{"protocol": "TCP", "port": True}]}, r"port must be a number or a named port"),
        ({"ports": [{"protocol": "TCP", "port": "HTTP_port"}]}, r"'HTTP_port' is not a port name .* number"),
    ],
)
def test_allow_ingress_refuses_anything_wider_or_malformed(params: dict[str, Any], error: str) -> None:
    with pytest.raises(
        ConfigError, match=r"allow-ingress on NetworkPolicy shop/allow-frontend-to-catalog-api: "
    ):
        allow(**params)
    with pytest.raises(ConfigError, match=error):
        allow(**params)


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"namespace_selector": {"team": "x"}}, r"unknown parameter\(s\) namespace_selector"),
        ({"egress": []}, r"unknown parameter\(s\) egress \(it takes from_selector, pod_selector, ports\)"),
    ],
)
def test_allow_ingress_takes_no_other_peer_or_direction(params: dict[str, Any], error: str) -> None:
    with pytest.raises(ConfigError, match=error):
        allow(**params)


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"provisioner": ""}, r"provisioner must name a volume provisioner, e.g. rancher.io/local-path"),
        ({"provisioner": "local path"}, r"provisioner must name a volume provisioner"),
        ({"parameters": {"iops": 3000}}, r"parameters must map names to string values.*numbers as strings"),
        ({"reclaim_policy": "Recycle"}, r"reclaim_policy must be one of Delete, Retain, not 'Recycle'"),
        (
            {"volume_binding_mode": "Lazy"},
            r"volume_binding_mode must be one of Immediate, WaitForFirstConsumer",
        ),
        ({"allow_volume_expansion": "yes"}, r"allow_volume_expansion must be true or false"),
    ],
)
def test_create_storage_class_checks_each_field(params: dict[str, Any], error: str) -> None:
    with pytest.raises(ConfigError, match=error):
        storage(**params)


def test_the_targets_scope_is_checked() -> None:
    with pytest.raises(ConfigError, match=r"a StorageClass is cluster-scoped; give fast-ssd namespace \"\""):
        PlanStep(Action.CREATE_STORAGE_CLASS, ObjectRef("StorageClass", "shop", "fast-ssd"), STORAGE)
    with pytest.raises(ConfigError, match=r"needs a name \(and a namespace\)"):
        PlanStep(Action.ALLOW_INGRESS, ObjectRef("NetworkPolicy", "", "allow"), ALLOW)
    with pytest.raises(
        ConfigError, match=r"allow-ingress cannot target a Service; it applies to: NetworkPolicy"
    ):
        PlanStep(Action.ALLOW_INGRESS, ObjectRef("Service", "shop", "x"), ALLOW)
    with pytest.raises(ConfigError, match=r"delete-created cannot target a Deployment; it applies to: Netw"):
        PlanStep(
            Action.DELETE_CREATED, ObjectRef("Deployment", "shop", "x"), {"uid": "u", "created_by": DIGEST}
        )


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"uid": "u1"}, r"missing parameter\(s\) created_by"),
        (
            {"uid": "u1", "created_by": "sha256:abc"},
            r"created_by must be the digest of the plan .*rollback_plan",
        ),
        ({"uid": "", "created_by": DIGEST}, r"uid must be a non-empty string"),
    ],
)
def test_delete_created_names_the_object_and_the_plan_that_made_it(
    params: dict[str, Any], error: str
) -> None:
    with pytest.raises(ConfigError, match=error):
        PlanStep(Action.DELETE_CREATED, POLICY, params)


def test_the_manifests_say_exactly_what_the_parameters_say() -> None:
    assert manifest(allow(), created_by=DIGEST) == {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {
            "name": "allow-frontend-to-catalog-api",
            "namespace": "shop",
            "annotations": {CREATED_BY: DIGEST},
        },
        "spec": {
            "podSelector": {"matchLabels": {"app": "catalog-api"}},
            "policyTypes": ["Ingress"],
            "ingress": [
                {
                    "from": [{"podSelector": {"matchLabels": {"app": "frontend"}}}],
                    "ports": [{"protocol": "TCP", "port": 8080}],
                }
            ],
        },
    }
    assert manifest(storage()) == {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": {"name": "fast-ssd"},
        "provisioner": "rancher.io/local-path",
        "parameters": {"type": "ssd"},
        "reclaimPolicy": "Delete",
        "volumeBindingMode": "WaitForFirstConsumer",
        "allowVolumeExpansion": True,
    }
    only = PlanStep(Action.CREATE_STORAGE_CLASS, CLASS, {"provisioner": "ebs.csi.aws.com"})
    assert manifest(only) == {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": {"name": "fast-ssd"},
        "provisioner": "ebs.csi.aws.com",
    }
    with pytest.raises(
        ConfigError, match=r"scale creates no object; only allow-ingress, create-storage-class"
    ):
        manifest(PlanStep(Action.SCALE, ObjectRef("Deployment", "shop", "web"), {"replicas": 1}))


def test_the_kubectl_equivalent_is_a_quoted_heredoc() -> None:
    (command,) = kubectl_commands(allow(), context="kind-shop")
    assert command == (
        "kubectl --context kind-shop -n shop create -f - <<'EOF'\n"
        "apiVersion: networking.k8s.io/v1\n"
        "kind: NetworkPolicy\n"
        "metadata:\n"
        "  name: allow-frontend-to-catalog-api\n"
        "  namespace: shop\n"
        "spec:\n"
        "  podSelector:\n"
        "    matchLabels:\n"
        "      app: catalog-api\n"
        "  policyTypes:\n"
        "  - Ingress\n"
        "  ingress:\n"
        "  - from:\n"
        "    - podSelector:\n"
        "        matchLabels:\n"
        "          app: frontend\n"
        "    ports:\n"
        "    - protocol: TCP\n"
        "      port: 8080\n"
        "EOF"
    )
    first = command.split("\n")[0]
    assert shlex.split(first.removesuffix(" <<'EOF'")) == [
        "kubectl", "--context", "kind-shop", "-n", "shop", "create", "-f", "-"
    ]  # fmt: skip
    (cluster_scoped,) = kubectl_commands(storage())
    assert cluster_scoped.startswith("kubectl create -f - <<'EOF'\napiVersion: storage.k8s.io/v1\n")
    undo = PlanStep(Action.DELETE_CREATED, CLASS, {"uid": "u1", "created_by": DIGEST})
    assert kubectl_commands(undo, context="c") == ["kubectl --context c delete storageclass fast-ssd"]
    named = PlanStep(
        Action.DELETE_CREATED, ObjectRef("NetworkPolicy", "shop", "-x"), {"uid": "u", "created_by": DIGEST}
    )
    assert kubectl_commands(named) == ["kubectl -n shop delete networkpolicy -- -x"]


def test_a_value_is_ascii_yaml_and_no_line_of_it_can_end_the_heredoc(monkeypatch: pytest.MonkeyPatch) -> None:
    hostile = "EOF\nEOF\n$(touch /tmp/x) `id` 'q' \"d\" \u202eü\x1b[31m"
    (command,) = kubectl_commands(storage(parameters={"note": hostile, "EOF": "EOF"}))
    lines = command.split("\n")
    assert lines[0].endswith(" <<'EOF'")
    assert lines[-1] == "EOF"
    assert lines.count("EOF") == 1  # the delimiter, once, on the last line
    assert all(line.isascii() and line.isprintable() for line in lines)
    # A delimiter that a line of the manifest reads like is lengthened until none does.
    monkeypatch.setattr(kubectl_module, "_HEREDOC", "kind: StorageClass")
    (command,) = kubectl_commands(storage())
    lines = command.split("\n")
    assert lines[0].endswith(" <<'kind: StorageClass_'")
    assert lines[-1] == "kind: StorageClass_"
    assert "kind: StorageClass" in lines


def test_the_cell_comments_every_line_of_the_heredoc_and_evaluates_back() -> None:
    plan = Plan(
        "Allow frontend to catalog-api; create fast-ssd",
        (
            PlanStep(Action.ALLOW_INGRESS, POLICY, ALLOW, "Allow it", "networkpolicy.blocks-traffic:x"),
            storage(parameters={"note": "EOF\n$(id)"}),
            PlanStep(Action.DELETE_CREATED, CLASS, {"uid": "u1", "created_by": DIGEST}),
        ),
    )
    cell = render_cell(plan, context="kind-x")
    header = cell.split("import workbench\n")[0].splitlines()
    assert all(line.startswith("#") for line in header)
    comments = [
        t.string for t in tokenize.generate_tokens(StringIO(cell).readline) if t.type == tokenize.COMMENT
    ]
    assert comments[: len(header)] == header  # each line one comment: none can end early
    # With "# " taken off, the kubectl part is the commands as they are copied.
    start = header.index("# The same change with kubectl (for reference; this cell does not run them):") + 1
    expected = []
    for command in plan.kubectl(context="kind-x"):
        first, *rest = command.split("\n")
        expected += ["  " + first, *rest]
    assert [re.sub(r"^# ?", "", line) for line in header[start:]] == expected
    (call,) = [
        n
        for n in ast.walk(ast.parse(cell))
        if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "Plan"
    ]
    scope = {"Action": Action, "ObjectRef": ObjectRef, "Plan": Plan, "PlanStep": PlanStep}
    again = eval(compile(ast.Expression(call), "<cell>", "eval"), {"__builtins__": {}}, scope)  # noqa: S307 - the point of the test
    assert again == plan


@pytest.mark.parametrize("context", ["line one\nimport os", "x <<'EOF'\nEOF", "cr\rlf\n"])
def test_a_hostile_context_stays_on_the_commands_first_line(context: str) -> None:
    plan = Plan("p", (allow(), storage()))
    cell = render_cell(plan, context=context)
    header = cell.split("import workbench\n")[0].splitlines()
    comments = [
        t.string for t in tokenize.generate_tokens(StringIO(cell).readline) if t.type == tokenize.COMMENT
    ]
    assert comments[: len(header)] == header
    heads = [line for line in header if line.startswith("#   kubectl")]
    assert len(heads) == 2
    assert all(line.endswith("create -f - <<'EOF'") for line in heads)
    for command in plan.kubectl(context=context):
        first, *rest = kubectl_module.lines_of(command)
        assert shlex.split(first.removesuffix(" <<'EOF'"))[:3] == ["kubectl", "--context", context]
        assert rest[-1] == "EOF"
    assert kubectl_module.lines_of("kubectl --context 'a\nb' cordon n") == [
        "kubectl --context 'a\nb' cordon n"
    ]
