"""Users and RBAC: who a request is from, and whether the Roles and bindings in the store allow it.

The authorizer follows kube-apiserver's RBAC authorizer (``plugin/pkg/auth/authorizer/rbac``):
ClusterRoleBindings are visited first, then the RoleBindings of the request's namespace; a binding
applies when one of its subjects is the user, one of the user's groups, or (as
``system:serviceaccount:<ns>:<name>``) a ServiceAccount; the first rule of a bound role that matches
the request's verb, API group, resource (``pods/log`` or ``*/scale`` for a subresource), name and
non-resource URL allows it. A RoleBinding to a ClusterRole grants that role in the binding's namespace
only. A ClusterRole with an ``aggregationRule`` has the rules of the ClusterRoles its selectors pick,
worked out when asked (as the aggregation controller keeps them). ``system:masters`` bypasses RBAC, as
the apiserver's privileged-group authorizer does. Request attributes come from the URL as
``RequestInfoFactory`` reads it, so a request is authorized before its resource is looked up.

Example:
    >>> attrs = request_attributes(UserInfo("alice", ("system:authenticated",)), "GET",
    ...                            "/api/v1/namespaces/shop/pods", {"watch": "true"})
    >>> attrs.verb, attrs.resource, attrs.namespace
    ('watch', 'pods', 'shop')
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from workbench.errors import SandboxApiError
from workbench.sandbox._api import Api
from workbench.sandbox._selectors import label_selector_from_spec

MASTERS = "system:masters"
AUTHENTICATED = "system:authenticated"
SA_PREFIX = "system:serviceaccount:"
_RBAC_GROUP = "rbac.authorization.k8s.io"


@dataclass(frozen=True, slots=True)
class UserInfo:
    """An authenticated user: a name and groups (``system:authenticated`` among them)."""

    name: str
    groups: tuple[str, ...] = ()

    @property
    def privileged(self) -> bool:
        """In ``system:masters``: every request is allowed without looking at RBAC."""
        return MASTERS in self.groups


ADMIN = UserInfo("sandbox-admin", (MASTERS, AUTHENTICATED))
"""Who a request without credentials is from (the sandbox's own kubeconfig carries none)."""


def user_info(name: str, groups: Sequence[str] = ()) -> UserInfo:
    """The user a token authenticates as: its groups, a ServiceAccount's groups, ``system:authenticated``.

    A name ``system:serviceaccount:<ns>:<sa>`` also gets ``system:serviceaccounts`` and
    ``system:serviceaccounts:<ns>``, as a real ServiceAccount token does.
    """
    found = list(dict.fromkeys(groups))
    parts = name.split(":")
    if name.startswith(SA_PREFIX) and len(parts) == 4 and all(parts[2:]):
        service_account_groups = ("system:serviceaccounts", f"system:serviceaccounts:{parts[2]}")
        found += [g for g in service_account_groups if g not in found]
    if AUTHENTICATED not in found:
        found.append(AUTHENTICATED)
    return UserInfo(name, tuple(found))


@dataclass(frozen=True, slots=True)
class Attributes:
    """What is asked (``authorizer.Attributes``): a resource request, or a non-resource path."""

    user: UserInfo
    verb: str
    resource_request: bool
    path: str = ""
    api_group: str = ""
    api_version: str = ""
    resource: str = ""
    subresource: str = ""
    namespace: str = ""
    name: str = ""


@dataclass(frozen=True, slots=True)
class Decision:
    """The authorizer's answer; `reason` says which binding allowed it, or what went wrong looking."""

    allowed: bool
    reason: str = ""


def authenticate(header: str | None, tokens: Mapping[str, UserInfo]) -> UserInfo:
    """The user an ``Authorization`` header names: none is `ADMIN`, a known bearer token its user.

    Until a user is registered (`tokens` is empty) every request is the admin's, whatever
    credentials it carries, as the sandbox has always taken them (tests send exec-plugin tokens).

    Raises:
        SandboxApiError: 401 Unauthorized, once there are users, for any other header (an unknown
            token, another scheme).
    """
    if header is None or not tokens:
        return ADMIN
    scheme, _, token = header.strip().partition(" ")
    user = tokens.get(token.strip()) if scheme.lower() == "bearer" and token.strip() else None
    if user is None:
        raise unauthorized()
    return user


# -- request attributes ---------------------------------------------------------------------------------
_METHOD_VERBS = {"POST": "create", "GET": "get", "HEAD": "get", "PUT": "update", "PATCH": "patch"}


def request_attributes(user: UserInfo, method: str, path: str, query: Mapping[str, str]) -> Attributes:
    """Read a request's attributes from its method, path and query, as ``RequestInfoFactory`` does.

    Paths outside ``/api/<version>/...`` and ``/apis/<group>/<version>/...`` are non-resource
    requests whose verb is the lower-cased method. GET without a name is ``list`` (``watch`` with
    ``?watch=true``), DELETE without a name ``deletecollection``; a list or watch with the field
    selector ``metadata.name=<name>`` is for that name (so ``resourceNames`` rules apply to it).
    """
    parts = [p for p in path.split("/") if p]
    if len(parts) < 3 or parts[0] not in ("api", "apis") or (parts[0] == "apis" and len(parts) < 4):
        return Attributes(user, method.lower(), False, path=path)
    group, rest = ("", parts[1:]) if parts[0] == "api" else (parts[1], parts[2:])
    version, rest = rest[0], rest[1:]
    verb = "delete" if method == "DELETE" else _METHOD_VERBS.get(method, "")
    if rest and rest[0] == "watch":  # the deprecated /watch/ prefix
        verb, rest = "watch", rest[1:]
    namespace = ""
    if rest and rest[0] == "namespaces" and len(rest) > 1:
        namespace = rest[1]
        if len(rest) > 2 and rest[2] not in ("status", "finalize"):
            rest = rest[2:]
    resource = rest[0] if rest else ""
    name = rest[1] if len(rest) > 1 else ""
    subresource = rest[2] if len(rest) > 2 else ""
    if not name and verb == "get":
        verb = "watch" if query.get("watch", "").lower() in ("true", "1") else "list"
    if not name and verb in ("list", "watch"):
        name = _exact_name(query.get("fieldSelector", ""))
    if not name and verb == "delete":
        verb = "deletecollection"
    return Attributes(user, verb, True, path, group, version, resource, subresource, namespace, name)


def _exact_name(selector: str) -> str:
    """The name a field selector requires exactly (``metadata.name=web``), if it names a valid one."""
    for term in selector.split(","):
        key, op, value = term.partition("==") if "==" in term else term.partition("=")
        if op and key.strip() == "metadata.name" and not key.endswith("!"):
            name = value.strip()
            if name not in ("", ".", "..") and "/" not in name and "%" not in name:
                return name
    return ""


def review_attributes(user: UserInfo, spec: Mapping[str, Any]) -> Attributes:
    """The attributes a SelfSubjectAccessReview asks about (its ``resourceAttributes`` or
    ``nonResourceAttributes``), for the requesting user."""
    res = spec.get("resourceAttributes")
    if isinstance(res, Mapping):
        return Attributes(
            user,
            _text(res.get("verb")),
            True,
            api_group=_text(res.get("group")),
            api_version=_text(res.get("version")),
            resource=_text(res.get("resource")),
            subresource=_text(res.get("subresource")),
            namespace=_text(res.get("namespace")),
            name=_text(res.get("name")),
        )
    non = spec.get("nonResourceAttributes")
    non = non if isinstance(non, Mapping) else {}
    return Attributes(user, _text(non.get("verb")), False, path=_text(non.get("path")))


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


# -- the authorizer ----------------------------------------------------------------------------------
def authorize(api: Api, attrs: Attributes) -> Decision:
    """Decide a request as kube-apiserver's ``Node,RBAC`` chain does for a user who is not a node.

    Returns:
        Allowed with ``RBAC: allowed by <binding>``; otherwise not allowed, with a reason that names
        the roles bindings refer to but that do not exist (``RBAC: clusterrole... not found``), else "".
    """
    if attrs.user.privileged:
        return Decision(True)
    errors: list[str] = []
    for source, rules, error in _visit(api, attrs.user, attrs.namespace):
        if error:
            errors.append(error)
        if any(rule_allows(attrs, rule) for rule in rules):
            return Decision(True, f"RBAC: allowed by {source}")
    return Decision(False, f"RBAC: {_aggregate(errors)}" if errors else "")


def check(api: Api, attrs: Attributes) -> None:
    """Authorize a request before it is handled.

    Raises:
        SandboxApiError: the 403 Forbidden a real server sends when nothing allows it.
    """
    decision = authorize(api, attrs)
    if not decision.allowed:
        raise forbidden(attrs, decision.reason)


def rules_for(api: Api, user: UserInfo, namespace: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Every rule the user's bindings grant in `namespace` ("" for cluster-wide only), and the errors
    met finding them (roles that do not exist)."""
    rules: list[dict[str, Any]] = []
    errors: list[str] = []
    for _, found, error in _visit(api, user, namespace):
        rules.extend(found)
        if error:
            errors.append(error)
    return rules, list(dict.fromkeys(errors))


def rule_allows(attrs: Attributes, rule: Mapping[str, Any]) -> bool:
    """``rbac.RuleAllows``: verb, API group, resource (with subresource) and name, or verb and URL."""
    verbs = _strings(rule.get("verbs"))
    if "*" not in verbs and attrs.verb not in verbs:
        return False
    if not attrs.resource_request:
        return any(
            url in ("*", attrs.path) or (url.endswith("*") and attrs.path.startswith(url.rstrip("*")))
            for url in _strings(rule.get("nonResourceURLs"))
        )
    groups = _strings(rule.get("apiGroups"))
    if "*" not in groups and attrs.api_group not in groups:
        return False
    combined = f"{attrs.resource}/{attrs.subresource}" if attrs.subresource else attrs.resource
    if not any(
        r in ("*", combined) or (attrs.subresource != "" and r == f"*/{attrs.subresource}")
        for r in _strings(rule.get("resources"))
    ):
        return False
    names = _strings(rule.get("resourceNames"))
    return not names or attrs.name in names


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _aggregate(messages: Iterable[str]) -> str:
    unique = list(dict.fromkeys(messages))
    return unique[0] if len(unique) == 1 else "[" + ", ".join(unique) + "]"


# -- bindings and roles in the store -------------------------------------------------------------------
def _bucket(api: Api, plural: str) -> str:
    rtype = api.registry.find(_RBAC_GROUP, "v1", plural)
    if rtype is None:  # the built-in registry always serves RBAC; a bare test registry may not
        raise SandboxApiError(500, "InternalError", f"{plural}.{_RBAC_GROUP} is not served")
    return api.bucket(rtype)


def _visit(api: Api, user: UserInfo, namespace: str) -> Iterator[tuple[str, list[dict[str, Any]], str]]:
    """(the binding and subject, the rules of its role, an error) for each binding that applies to
    the user: the ClusterRoleBindings, then the RoleBindings in `namespace`."""
    cluster_roles: dict[str, list[dict[str, Any]] | str] = {}  # one decision's cache
    kinds: list[tuple[str, str, str | None]] = [
        ("ClusterRoleBinding", _bucket(api, "clusterrolebindings"), None)
    ]
    if namespace:
        kinds.append(("RoleBinding", _bucket(api, "rolebindings"), namespace))
    for kind, bucket, ns in kinds:
        for entry in api.store.iter_entries(bucket, ns):
            binding = entry.decode()
            bound_ns = ns or ""
            subject = _matching_subject(binding.get("subjects"), user, bound_ns)
            if subject is None:
                continue
            ref: dict[str, Any] = binding["roleRef"] if isinstance(binding.get("roleRef"), dict) else {}
            name = binding["metadata"]["name"]
            label = f"{name}/{bound_ns}" if bound_ns else name
            source = (
                f'{kind} "{label}" of {_text(ref.get("kind"))} "{_text(ref.get("name"))}" to '
                f"{_describe(subject, bound_ns)}"
            )
            found = _role_rules(api, ref, bound_ns, cluster_roles)
            if isinstance(found, str):
                yield source, [], found
            else:
                yield source, found, ""


def _matching_subject(subjects: Any, user: UserInfo, namespace: str) -> dict[str, Any] | None:
    """The first subject of a binding that is the user (``appliesToUser``), or None."""
    for subject in subjects if isinstance(subjects, list) else []:
        if not isinstance(subject, dict):
            continue
        kind, name = subject.get("kind"), _text(subject.get("name"))
        if kind == "User" and name == user.name:
            return subject
        if kind == "Group" and name in user.groups:
            return subject
        if kind == "ServiceAccount":
            sa_ns = _text(subject.get("namespace")) or namespace
            if sa_ns and user.name == f"{SA_PREFIX}{sa_ns}:{name}":
                return subject
    return None


def _describe(subject: Mapping[str, Any], namespace: str) -> str:
    name, kind = _text(subject.get("name")), _text(subject.get("kind"))
    if kind == "ServiceAccount":
        return f'{kind} "{name}/{_text(subject.get("namespace")) or namespace}"'
    return f'{kind} "{name}"'


def _role_rules(
    api: Api, ref: Mapping[str, Any], namespace: str, cache: dict[str, list[dict[str, Any]] | str]
) -> list[dict[str, Any]] | str:
    """The rules a roleRef points at, or the error message (``GetRoleReferenceRules``)."""
    kind, name = ref.get("kind"), _text(ref.get("name"))
    if kind == "ClusterRole":
        if name not in cache:
            cache[name] = _cluster_role_rules(api, name, frozenset())
        return cache[name]
    if kind != "Role":
        return f"unsupported role reference kind: {_quote(_text(kind))}"
    entry = api.store.get(_bucket(api, "roles"), (namespace, name))
    if entry is None:
        return f"role.{_RBAC_GROUP} {_quote(name)} not found"
    return _rule_list(entry.decode().get("rules"))


def _cluster_role_rules(api: Api, name: str, seen: frozenset[str]) -> list[dict[str, Any]] | str:
    """A ClusterRole's rules; an aggregated one's are those of the ClusterRoles its selectors pick."""
    bucket = _bucket(api, "clusterroles")
    entry = api.store.get(bucket, ("", name))
    if entry is None:
        return f"clusterrole.{_RBAC_GROUP} {_quote(name)} not found"
    role = entry.decode()
    aggregation = role.get("aggregationRule")
    if not isinstance(aggregation, dict):
        return _rule_list(role.get("rules"))
    rules: list[dict[str, Any]] = []
    seen = seen | {name}
    selectors = aggregation.get("clusterRoleSelectors")
    for spec in selectors if isinstance(selectors, list) else []:
        try:
            selector = label_selector_from_spec(spec if isinstance(spec, dict) else None)
        except SandboxApiError:  # an invalid selector picks nothing (the controller would not run it)
            continue
        for other in api.store.iter_entries(bucket):
            if not selector.matches(other.labels):
                continue
            other_name = other.decode()["metadata"]["name"]
            if other_name in seen:
                continue
            found = _cluster_role_rules(api, other_name, seen)
            for rule in found if isinstance(found, list) else []:
                if rule not in rules:
                    rules.append(rule)
    return rules


def _rule_list(value: Any) -> list[dict[str, Any]]:
    return [r for r in value if isinstance(r, dict)] if isinstance(value, list) else []


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# -- refusals ---------------------------------------------------------------------------------------------
def unauthorized() -> SandboxApiError:
    """The 401 a real server sends for a token it does not know (kubectl: "You must be logged in")."""
    return SandboxApiError(401, "Unauthorized", "Unauthorized")


def forbidden(attrs: Attributes, reason: str = "") -> SandboxApiError:
    """The 403 kube-apiserver sends when no authorizer allows a request (``responsewriters.Forbidden``).

    Example message: ``deployments.apps "web" is forbidden: User "alice" cannot patch resource
    "deployments" in API group "apps" in the namespace "shop"``.
    """
    user = _quote(attrs.user.name)
    if not attrs.resource_request:
        text = f"User {user} cannot {attrs.verb} path {_quote(attrs.path)}"
        return SandboxApiError(403, "Forbidden", f"forbidden: {text}" + (f": {reason}" if reason else ""))
    resource = f"{attrs.resource}/{attrs.subresource}" if attrs.subresource else attrs.resource
    scope = f" in the namespace {_quote(attrs.namespace)}" if attrs.namespace else " at the cluster scope"
    text = (
        f"User {user} cannot {attrs.verb} resource {_quote(resource)} in API group "
        f"{_quote(attrs.api_group)}{scope}"
    )
    if reason:
        text += f": {reason}"
    qualified = f"{attrs.resource}.{attrs.api_group}" if attrs.api_group else attrs.resource
    if not qualified:
        message = f"forbidden: {text}"
    elif attrs.name:
        message = f"{qualified} {_quote(attrs.name)} is forbidden: {text}"
    else:
        message = f"{qualified} is forbidden: {text}"
    details = {"name": attrs.name, "group": attrs.api_group, "kind": attrs.resource}
    return SandboxApiError(403, "Forbidden", message, details={k: v for k, v in details.items() if v})
