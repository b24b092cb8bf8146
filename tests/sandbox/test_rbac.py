"""Users with tokens and RBAC: real kubectl and the official client as users who may not do everything.

Roles and bindings are created with ``kubectl apply`` by the admin (the sandbox's own kubeconfig, no
token); users get kubeconfigs from `Sandbox.kubeconfig_for` and are authorized by the bindings.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client, config
from kubernetes.client.exceptions import ApiException

from tests.conftest import KUBECTL, Kubectl, make_kubectl
from workbench import sandbox as sandbox_pkg
from workbench.errors import ConfigError
from workbench.sandbox._rbac import UserInfo, request_attributes

pytestmark = [pytest.mark.kubectl, pytest.mark.client]

FIXTURES = Path(__file__).parent / "fixtures"
RBAC = "rbac.authorization.k8s.io"


def binding(
    kind: str, name: str, role: tuple[str, str], subjects: list[dict[str, str]], *, namespace: str = ""
) -> dict[str, Any]:
    meta = {"name": name, "namespace": namespace} if namespace else {"name": name}
    return {
        "apiVersion": f"{RBAC}/v1",
        "kind": kind,
        "metadata": meta,
        "roleRef": {"apiGroup": RBAC, "kind": role[0], "name": role[1]},
        "subjects": subjects,
    }


def user(name: str) -> dict[str, str]:
    return {"apiGroup": RBAC, "kind": "User", "name": name}


def group(name: str) -> dict[str, str]:
    return {"apiGroup": RBAC, "kind": "Group", "name": name}


SETUP: list[dict[str, Any]] = [
    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}},
    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "other"}},
    {
        "apiVersion": f"{RBAC}/v1",
        "kind": "Role",
        "metadata": {"name": "one-secret", "namespace": "shop"},
        "rules": [{"apiGroups": [""], "resources": ["secrets"], "resourceNames": ["db"], "verbs": ["get"]}],
    },
    binding("RoleBinding", "alice-view", ("ClusterRole", "view"), [user("alice")], namespace="shop"),
    binding("RoleBinding", "alice-secret", ("Role", "one-secret"), [user("alice")], namespace="shop"),
    binding("RoleBinding", "deployers-edit", ("ClusterRole", "edit"), [group("deployers")], namespace="shop"),
    binding("ClusterRoleBinding", "carol-view", ("ClusterRole", "view"), [user("carol")]),
    binding(
        "RoleBinding",
        "deployer-sa",
        ("ClusterRole", "view"),
        [{"kind": "ServiceAccount", "name": "deployer", "namespace": "shop"}],
        namespace="shop",
    ),
    binding("RoleBinding", "dave-ghost", ("ClusterRole", "ghost"), [user("dave")], namespace="shop"),
]


@pytest.fixture(scope="module")
def sb() -> Iterator[sandbox_pkg.Sandbox]:
    with sandbox_pkg.start("healthy", manual_clock=True) as running:
        yield running


@pytest.fixture(scope="module")
def admin(sb: sandbox_pkg.Sandbox, tmp_path_factory: pytest.TempPathFactory) -> Kubectl:
    run = make_kubectl(sb, tmp_path_factory.mktemp("admin-cache"))
    run("apply", "-f", "-", stdin=yaml.safe_dump_all(SETUP))
    run("create", "deployment", "web", "--image=nginx", "--replicas=2", "-n", "shop")
    run("create", "deployment", "web", "--image=nginx", "-n", "other")
    run("create", "secret", "generic", "db", "--from-literal=password=x", "-n", "shop")
    sb.advance(30)  # the controllers and kubelets make and start the pods
    return run


def as_user(kubeconfig: Path, cache: Path) -> Kubectl:
    def run(*args: str, check: bool = True, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        cmd = [KUBECTL, f"--kubeconfig={kubeconfig}", f"--cache-dir={cache}", *args]
        result = subprocess.run(cmd, capture_output=True, text=True, input=stdin, timeout=60, check=False)
        if check and result.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
        return result

    return run


@pytest.fixture(scope="module")
def login(sb: sandbox_pkg.Sandbox, admin: Kubectl, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """``login("alice", ["dev"])``: a kubectl for that user, made once per user and groups."""
    made: dict[tuple[str, tuple[str, ...]], Kubectl] = {}

    def get(name: str, groups: tuple[str, ...] = ()) -> Kubectl:
        if (name, groups) not in made:
            made[name, groups] = as_user(sb.kubeconfig_for(name, groups), tmp_path_factory.mktemp("cache"))
        return made[name, groups]

    return get


def forbidden(text: str) -> str:
    return f"Error from server (Forbidden): {text}\n"


def names(out: str) -> list[str]:
    return sorted(out.split())


# -- a view user in one namespace --------------------------------------------------------------------
def test_a_view_user_lists_pods_in_its_namespace_and_no_other(admin: Kubectl, login: Any) -> None:
    alice = login("alice")
    pods = alice("get", "pods", "-n", "shop", "-o", "name").stdout
    assert names(pods) == names(admin("get", "pods", "-n", "shop", "-o", "name").stdout)
    assert len(names(pods)) == 2
    denied = alice("get", "pods", "-n", "other", check=False)
    assert (denied.returncode, denied.stderr) == (
        1,
        forbidden(
            'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace '
            '"other"'
        ),
    )
    everywhere = alice("get", "pods", "-A", check=False)  # a RoleBinding grants nothing cluster-wide
    assert everywhere.stderr == forbidden(
        'pods is forbidden: User "alice" cannot list resource "pods" in API group "" at the cluster scope'
    )


def test_a_view_user_cannot_patch_a_deployment_even_in_a_dry_run(admin: Kubectl, login: Any) -> None:
    alice = login("alice")
    message = forbidden(
        'deployments.apps "web" is forbidden: User "alice" cannot patch resource "deployments" in API group '
        '"apps" in the namespace "shop"'
    )
    patch = ("patch", "deployment", "web", "-n", "shop", "-p", '{"spec":{"replicas":5}}')
    refused = alice(*patch, check=False)
    assert (refused.returncode, refused.stderr) == (1, message)
    assert alice(*patch, "--dry-run=server", check=False).stderr == message
    scaled = alice("scale", "deployment", "web", "-n", "shop", "--replicas=5", check=False)
    assert scaled.stderr == forbidden(
        'deployments.apps "web" is forbidden: User "alice" cannot patch resource "deployments/scale" in API '
        'group "apps" in the namespace "shop"'
    )
    replicas = admin("get", "deployment", "web", "-n", "shop", "-o", "jsonpath={.spec.replicas}").stdout
    assert replicas == "2"


def test_view_does_not_show_secrets_but_a_resource_name_rule_shows_one(login: Any) -> None:
    alice = login("alice")
    assert alice("get", "secrets", "-n", "shop", check=False).stderr == forbidden(
        'secrets is forbidden: User "alice" cannot list resource "secrets" in API group "" in the '
        'namespace "shop"'
    )
    assert alice("get", "secret", "db", "-n", "shop", "-o", "name").stdout == "secret/db\n"
    assert alice("get", "secret", "other", "-n", "shop", check=False).stderr == forbidden(
        'secrets "other" is forbidden: User "alice" cannot get resource "secrets" in API group "" in the '
        'namespace "shop"'
    )


@pytest.mark.parametrize(
    ("args", "answer"),
    [
        (("get", "pods", "-n", "shop"), "yes"),
        (("watch", "pods", "-n", "shop"), "yes"),
        (("list", "pods", "-n", "other"), "no - no RBAC rule allows it"),
        (("list", "pods", "-A"), "no - no RBAC rule allows it"),
        (("patch", "deployments", "-n", "shop"), "no - no RBAC rule allows it"),
        (("get", "pods", "--subresource=log", "-n", "shop"), "yes"),
        (("create", "pods", "--subresource=eviction", "-n", "shop"), "no - no RBAC rule allows it"),
        (("get", "deployments", "--subresource=scale", "-n", "shop"), "yes"),
        (("update", "deployments", "--subresource=scale", "-n", "shop"), "no - no RBAC rule allows it"),
        (("get", "secret/db", "-n", "shop"), "yes"),
        (("get", "secret/other", "-n", "shop"), "no - no RBAC rule allows it"),
        (("list", "secrets", "-n", "shop"), "no - no RBAC rule allows it"),
        (("get", "/apis"), "yes"),
        (("get", "/logs"), "no - no RBAC rule allows it"),
    ],
)
def test_kubectl_auth_can_i_answers_for_a_view_user(login: Any, args: tuple[str, ...], answer: str) -> None:
    result = login("alice")("auth", "can-i", *args, check=False)
    assert (result.stdout.strip(), result.returncode) == (answer, 0 if answer == "yes" else 1)


# -- groups, edit, cluster-wide bindings, service accounts ------------------------------------------------
def test_a_group_bound_to_edit_may_scale_and_evict_in_its_namespace_only(admin: Kubectl, login: Any) -> None:
    bob = login("bob", ("deployers",))
    for args in (
        ("update", "deployments", "--subresource=scale", "-n", "shop"),
        ("create", "pods", "--subresource=eviction", "-n", "shop"),
        ("patch", "deployments", "-n", "shop"),
    ):
        assert bob("auth", "can-i", *args).stdout == "yes\n"
    assert (
        bob("scale", "deployment", "web", "-n", "shop", "--replicas=3").stdout
        == "deployment.apps/web scaled\n"
    )
    assert admin("get", "deployment", "web", "-n", "shop", "-o", "jsonpath={.spec.replicas}").stdout == "3"
    assert bob("get", "deployment", "web", "-n", "other", check=False).stderr == forbidden(
        'deployments.apps "web" is forbidden: User "bob" cannot get resource "deployments" in API group '
        '"apps" in the namespace "other"'
    )
    assert bob("delete", "node", "kind-worker", check=False).stderr == forbidden(
        'nodes "kind-worker" is forbidden: User "bob" cannot delete resource "nodes" in API group "" at the '
        "cluster scope"
    )
    assert login("bob")("auth", "can-i", "patch", "deployments", "-n", "shop", check=False).returncode == 1


def test_a_cluster_role_binding_grants_in_every_namespace(login: Any) -> None:
    carol = login("carol")
    for namespace in ("shop", "other", "kube-system"):
        assert carol("auth", "can-i", "list", "pods", "-n", namespace).stdout == "yes\n"
    assert len(names(carol("get", "pods", "-A", "-o", "name").stdout)) > 3
    assert carol("auth", "can-i", "list", "secrets", "-n", "other", check=False).returncode == 1


def test_a_service_account_subject_matches_its_user_name(login: Any) -> None:
    sa = login("system:serviceaccount:shop:deployer")
    review = json.loads(sa("auth", "whoami", "-o", "json").stdout)
    assert review["status"]["userInfo"] == {
        "username": "system:serviceaccount:shop:deployer",
        "groups": ["system:serviceaccounts", "system:serviceaccounts:shop", "system:authenticated"],
    }
    assert sa("auth", "can-i", "list", "pods", "-n", "shop").stdout == "yes\n"
    assert (
        login("system:serviceaccount:other:deployer")(
            "auth", "can-i", "list", "pods", "-n", "shop", check=False
        ).returncode
        == 1
    )


def test_whoami_shows_the_user_and_groups(login: Any) -> None:
    assert login("bob", ("deployers",))("auth", "whoami").stdout == (
        "ATTRIBUTE   VALUE\nUsername    bob\nGroups      [deployers system:authenticated]\n"
    )


def test_can_i_list_shows_the_users_rules_in_the_namespace(login: Any) -> None:
    alice = login("alice")
    shop = [line.split() for line in alice("auth", "can-i", "--list", "-n", "shop").stdout.splitlines()]
    assert ["pods", "[]", "[]", "[get", "list", "watch]"] in shop
    assert ["secrets", "[]", "[db]", "[get]"] in shop
    assert ["[/apis/*]", "[]", "[get]"] in [row[-3:] for row in shop if len(row) == 3]
    other = [line.split() for line in alice("auth", "can-i", "--list", "-n", "other").stdout.splitlines()]
    assert not [row for row in other if row[0] == "pods"]
    assert ["selfsubjectaccessreviews.authorization.k8s.io", "[]", "[]", "[create]"] in other


def test_a_binding_to_a_missing_role_says_so_in_the_denial(login: Any) -> None:
    dave = login("dave")
    missing = f'RBAC: clusterrole.{RBAC} "ghost" not found'
    assert dave("auth", "can-i", "list", "pods", "-n", "shop", check=False).stdout == f"no - {missing}\n"
    assert dave("get", "pods", "-n", "shop", check=False).stderr == forbidden(
        'pods is forbidden: User "dave" cannot list resource "pods" in API group "" in the namespace '
        f'"shop": {missing}'
    )


def test_an_aggregated_cluster_role_takes_rules_labelled_for_it(admin: Kubectl, login: Any) -> None:
    alice = login("alice")
    assert (
        alice("auth", "can-i", "list", "leases.coordination.k8s.io", "-n", "shop", check=False).returncode
        == 1
    )
    extra = {
        "apiVersion": f"{RBAC}/v1",
        "kind": "ClusterRole",
        "metadata": {"name": "leases-view", "labels": {f"{RBAC}/aggregate-to-view": "true"}},
        "rules": [{"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": ["list"]}],
    }
    admin("apply", "-f", "-", stdin=yaml.safe_dump(extra))
    try:
        assert alice("auth", "can-i", "list", "leases.coordination.k8s.io", "-n", "shop").stdout == "yes\n"
    finally:
        admin("delete", "clusterrole", "leases-view")
    assert (
        alice("auth", "can-i", "list", "leases.coordination.k8s.io", "-n", "shop", check=False).returncode
        == 1
    )


# -- authentication ------------------------------------------------------------------------------------------
def test_an_unknown_token_is_unauthorized(sb: sandbox_pkg.Sandbox, tmp_path: Path) -> None:
    good = sb.kubeconfig_for("mallory")
    doc = yaml.safe_load(good.read_text())
    doc["users"][0]["user"]["token"] = "not-a-token"
    bad = tmp_path / "bad.kubeconfig"
    bad.write_text(yaml.safe_dump(doc))
    result = as_user(bad, tmp_path / "cache")("get", "pods", check=False)
    # Discovery is refused first; kubectl words a 401 there as client-go does.
    assert (result.returncode, result.stderr.splitlines()[-1]) == (
        1,
        "error: You must be logged in to the server (the server has asked for the client to provide "
        "credentials)",
    )
    # With discovery cached (the same server, a good token), the refused list is kubectl's Unauthorized.
    cache = tmp_path / "warm"
    as_user(good, cache)("get", "pods", "-n", "shop", check=False)
    assert as_user(bad, cache)("get", "pods", check=False).stderr == (
        "error: You must be logged in to the server (Unauthorized)\n"
    )
    api = config.new_client_from_config(str(bad))
    try:
        with pytest.raises(ApiException) as err:
            client.CoreV1Api(api).list_namespaced_pod("default")
    finally:
        api.close()
    assert err.value.status == 401
    assert json.loads(err.value.body or "") == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "Unauthorized",
        "reason": "Unauthorized",
        "code": 401,
    }


def test_the_user_kubeconfig_carries_a_token_for_the_same_server(sb: sandbox_pkg.Sandbox) -> None:
    doc = yaml.safe_load(sb.kubeconfig_for("erin", ["dev"]).read_text())
    assert doc["current-context"] == "workbench-sandbox-erin"
    assert doc["clusters"][0]["cluster"]["server"] == sb.url.replace("http://", "https://")
    assert len(doc["users"][0]["user"]["token"]) >= 32
    assert doc["users"][0]["name"] == doc["contexts"][0]["context"]["user"] == "workbench-sandbox-erin"


def test_the_admin_kubeconfig_is_unaffected(sb: sandbox_pkg.Sandbox, admin: Kubectl, login: Any) -> None:
    login("alice")  # users exist; the admin's requests still carry no token and bypass RBAC
    assert yaml.safe_load(sb.kubeconfig.read_text())["users"] == [{"name": "workbench-sandbox", "user": {}}]
    assert admin("auth", "whoami").stdout == (
        "ATTRIBUTE   VALUE\nUsername    sandbox-admin\nGroups      [system:masters system:authenticated]\n"
    )
    assert admin("auth", "can-i", "delete", "nodes").stdout == "yes\n"
    assert admin("get", "secrets", "-n", "shop", "-o", "name").stdout == "secret/db\n"


def test_a_user_in_system_masters_bypasses_rbac(login: Any) -> None:
    root = login("root", ("system:masters",))
    assert root("auth", "can-i", "delete", "nodes").stdout == "yes\n"
    assert root("get", "secrets", "-n", "shop", "-o", "name").stdout == "secret/db\n"


# -- the official client -------------------------------------------------------------------------------------
def test_the_official_client_gets_the_forbidden_status(sb: sandbox_pkg.Sandbox, admin: Kubectl) -> None:
    api = config.new_client_from_config(str(sb.kubeconfig_for("alice")))
    try:
        core, apps = client.CoreV1Api(api), client.AppsV1Api(api)
        assert len(core.list_namespaced_pod("shop").items) == 2
        with pytest.raises(ApiException) as err:
            apps.patch_namespaced_deployment("web", "shop", {"spec": {"replicas": 9}}, dry_run="All")
        with pytest.raises(ApiException) as watch:
            core.list_namespaced_pod("other", watch=True)
        review = client.AuthorizationV1Api(api).create_self_subject_access_review(
            client.V1SelfSubjectAccessReview(
                spec=client.V1SelfSubjectAccessReviewSpec(
                    resource_attributes=client.V1ResourceAttributes(
                        namespace="shop", verb="get", resource="pods", subresource="log"
                    )
                )
            )
        )
    finally:
        api.close()
    assert err.value.status == 403
    assert json.loads(err.value.body or "") == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": 'deployments.apps "web" is forbidden: User "alice" cannot patch resource "deployments" in '
        'API group "apps" in the namespace "shop"',
        "reason": "Forbidden",
        "details": {"name": "web", "group": "apps", "kind": "deployments"},
        "code": 403,
    }
    assert json.loads(watch.value.body or "")["message"] == (
        'pods is forbidden: User "alice" cannot watch resource "pods" in API group "" in the '
        'namespace "other"'
    )
    assert review.status is not None
    assert (review.status.allowed, review.status.reason) == (
        True,
        'RBAC: allowed by RoleBinding "alice-view/shop" of ClusterRole "view" to User "alice"',
    )


# -- bootstrap policy, read-only snapshots ----------------------------------------------------------------
def test_registering_a_user_adds_no_role_a_scenario_already_has(
    sb: sandbox_pkg.Sandbox, admin: Kubectl
) -> None:
    before = names(admin("get", "clusterroles,clusterrolebindings", "-o", "name").stdout)
    sb.kubeconfig_for("frank")
    assert names(admin("get", "clusterroles,clusterrolebindings", "-o", "name").stdout) == before


def test_a_snapshot_gets_the_bootstrap_roles_and_stays_read_only(tmp_path: Path) -> None:
    with sandbox_pkg.start(snapshot=FIXTURES / "recorded-lists.json", read_only=True) as snap:
        admin = make_kubectl(snap, tmp_path / "admin")
        had = admin("get", "clusterroles", "-o", "name").stdout
        viewer = as_user(snap.kubeconfig_for("viewer"), tmp_path / "viewer")
        root = as_user(snap.kubeconfig_for("root", ["system:masters"]), tmp_path / "root")
        roles = {n.split("/")[1] for n in names(admin("get", "clusterroles", "-o", "name").stdout)}
        # Any user needs system:basic-user to ask what it may do, and system:discovery for kubectl.
        assert viewer("auth", "whoami", "-o", "jsonpath={.status.userInfo.username}").stdout == "viewer"
        assert viewer("auth", "can-i", "list", "pods", "-n", "shop", check=False).stdout == (
            "no - no RBAC rule allows it\n"
        )
        assert root("auth", "can-i", "delete", "pods", "-n", "shop", check=False).stdout == (
            "no - the sandbox is serving a read-only snapshot\n"
        )
        assert root("auth", "can-i", "list", "pods", "-n", "shop").stdout == "yes\n"
    assert had == ""
    assert roles == {
        "cluster-admin",
        "admin",
        "edit",
        "view",
        "system:aggregate-to-admin",
        "system:aggregate-to-edit",
        "system:aggregate-to-view",
        "system:basic-user",
        "system:discovery",
        "system:public-info-viewer",
        "system:monitoring",
        "system:node-proxier",
        "system:kube-dns",
    }


# -- arguments and request attributes ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("user_name", "groups", "named"),
    [("", (), "user"), (" ", (), "user"), ("alice", "dev", "groups"), ("alice", ("dev", ""), "groups")],
)
def test_bad_user_arguments_are_refused(
    sb: sandbox_pkg.Sandbox, user_name: str, groups: Any, named: str
) -> None:
    with pytest.raises(ConfigError, match=f"^{named} must be"):
        sb.kubeconfig_for(user_name, groups)


@pytest.mark.parametrize(
    ("method", "path", "query", "expected"),
    [
        ("GET", "/api/v1/namespaces/shop/pods", {}, ("list", "", "pods", "", "shop", "")),
        ("GET", "/api/v1/namespaces/shop/pods", {"watch": "true"}, ("watch", "", "pods", "", "shop", "")),
        ("GET", "/api/v1/watch/namespaces/shop/pods", {}, ("watch", "", "pods", "", "shop", "")),
        (
            "GET",
            "/api/v1/namespaces/shop/pods",
            {"fieldSelector": "metadata.name=web-1"},
            ("list", "", "pods", "", "shop", "web-1"),
        ),
        ("GET", "/api/v1/namespaces/shop/pods/web-1/log", {}, ("get", "", "pods", "log", "shop", "web-1")),
        (
            "POST",
            "/api/v1/namespaces/shop/pods/web-1/eviction",
            {},
            ("create", "", "pods", "eviction", "shop", "web-1"),
        ),
        (
            "PATCH",
            "/apis/apps/v1/namespaces/shop/deployments/web/scale",
            {},
            ("patch", "apps", "deployments", "scale", "shop", "web"),
        ),
        (
            "PUT",
            "/apis/apps/v1/namespaces/shop/deployments/web",
            {},
            ("update", "apps", "deployments", "", "shop", "web"),
        ),
        ("DELETE", "/api/v1/namespaces/shop/pods/web-1", {}, ("delete", "", "pods", "", "shop", "web-1")),
        ("DELETE", "/api/v1/namespaces/shop/pods", {}, ("deletecollection", "", "pods", "", "shop", "")),
        ("GET", "/api/v1/namespaces/shop", {}, ("get", "", "namespaces", "", "shop", "shop")),
        (
            "PUT",
            "/api/v1/namespaces/shop/finalize",
            {},
            ("update", "", "namespaces", "finalize", "shop", "shop"),
        ),
        ("GET", "/api/v1/nodes", {}, ("list", "", "nodes", "", "", "")),
    ],
)
def test_request_attributes_are_read_from_the_url(
    method: str, path: str, query: dict[str, str], expected: tuple[str, ...]
) -> None:
    attrs = request_attributes(UserInfo("alice"), method, path, query)
    assert attrs.resource_request
    assert (
        attrs.verb,
        attrs.api_group,
        attrs.resource,
        attrs.subresource,
        attrs.namespace,
        attrs.name,
    ) == expected


@pytest.mark.parametrize("path", ["/api", "/apis", "/apis/apps/v1", "/api/v1", "/version", "/openapi/v2"])
def test_discovery_paths_are_non_resource_requests(path: str) -> None:
    attrs = request_attributes(UserInfo("alice"), "GET", path, {})
    assert (attrs.resource_request, attrs.verb, attrs.path) == (False, "get", path)
