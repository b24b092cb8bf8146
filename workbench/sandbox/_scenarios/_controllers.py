"""Content controllers derive from other objects, filled in so scenario files need not repeat it.

- A ``ControllerRevision`` owned by a DaemonSet or StatefulSet gets the ``data`` its controller
  writes (a strategic merge patch that replaces ``spec.template`` with the owner's template), the
  owner's template labels plus the revision hash label, and the owner's annotations.
- A ``ClusterRole`` with an ``aggregationRule`` and no ``rules`` gets the rules the
  clusterrole-aggregation controller would have copied from the ClusterRoles its selectors match.

Both run on defaulted objects with resolved owner references, so derived data matches what the
owner holds once the server stores it.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from workbench.errors import SandboxApiError, ScenarioError
from workbench.sandbox._scenarios._document import Document
from workbench.sandbox._selectors import label_selector_from_spec

# The label each controller puts the template hash under: the DaemonSet controller uses its own
# key, the StatefulSet controller the one from the shared controller-history package.
REVISION_HASH_LABELS = {
    "DaemonSet": "controller-revision-hash",
    "StatefulSet": "controller.kubernetes.io/hash",
}
_RBAC = "rbac.authorization.k8s.io"


def _sorted_keys(value: Any) -> Any:
    # The controller round-trips the owner through map[string]interface{} before marshalling
    # the patch, so every object in it comes out with its keys sorted.
    if isinstance(value, dict):
        return {k: _sorted_keys(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted_keys(v) for v in value]
    return value


def revision_patch(template: dict[str, Any]) -> dict[str, Any]:
    """The ``data`` a DaemonSet or StatefulSet controller stores for a revision of `template`."""
    replaced = copy.deepcopy(template)
    replaced["$patch"] = "replace"
    return {"spec": {"template": _sorted_keys(replaced)}}


def _complete_revision(doc: Document, by_uid: dict[str, dict[str, Any]]) -> None:
    obj = doc.obj
    meta = obj["metadata"]
    owner_ref = next((o for o in meta.get("ownerReferences") or [] if o.get("controller")), None)
    owner = by_uid.get(owner_ref["uid"]) if owner_ref else None
    if owner is None or owner["kind"] not in REVISION_HASH_LABELS:
        if "data" not in obj:
            raise ScenarioError(
                f"{doc.where()}: give it data, or a DaemonSet or StatefulSet controller owner "
                "to derive its data from",
                source=doc.source,
            )
        return
    template = (owner.get("spec") or {}).get("template") or {}
    prefix = f"{owner['metadata']['name']}-"
    if not meta["name"].startswith(prefix):
        raise ScenarioError(
            f"{doc.where()}: a revision of {owner['kind']} {owner['metadata']['name']} is named "
            f"{prefix}<hash> (the hash its pods carry in their controller-revision-hash label)",
            source=doc.source,
        )
    if "labels" not in meta:
        labels = dict((template.get("metadata") or {}).get("labels") or {})
        labels[REVISION_HASH_LABELS[owner["kind"]]] = meta["name"].removeprefix(prefix)
        meta["labels"] = labels
    owner_annotations = owner["metadata"].get("annotations")
    if "annotations" not in meta and owner_annotations:
        meta["annotations"] = dict(owner_annotations)
    data = obj.pop("data", None) or revision_patch(template)
    revision = obj.pop("revision", 1)
    obj.update(data=data, revision=revision)  # the Go struct's field order


def _aggregated_rules(role: dict[str, Any], roles: Sequence[dict[str, Any]], doc: Document) -> list[Any]:
    rules: list[Any] = []
    for index, selector in enumerate(role["aggregationRule"].get("clusterRoleSelectors") or []):
        try:
            matcher = label_selector_from_spec(
                selector, field_path=f"aggregationRule.clusterRoleSelectors[{index}]"
            )
        except SandboxApiError as exc:
            raise ScenarioError(f"{doc.where()}: {exc.message}", source=doc.source) from exc
        selected = [r for r in roles if matcher.matches(r["metadata"].get("labels") or {})]
        for other in sorted(selected, key=lambda r: str(r["metadata"]["name"])):
            if other is role:
                continue
            for rule in other.get("rules") or []:
                if rule not in rules:
                    rules.append(copy.deepcopy(rule))
    return rules


def _aggregate_cluster_roles(docs: Sequence[Document]) -> None:
    role_docs = [d for d in docs if d.obj["kind"] == "ClusterRole" and d.obj["apiVersion"].startswith(_RBAC)]
    roles = [d.obj for d in role_docs]
    targets = [d for d in role_docs if d.obj.get("aggregationRule") and "rules" not in d.obj]
    for target in targets:
        target.obj["rules"] = []
    # Aggregated roles can select each other (admin takes edit, edit takes view): repeat until
    # nothing changes, as the controller's resyncs converge.
    for _ in range(len(targets) + 1):
        changed = False
        for target in targets:
            rules = _aggregated_rules(target.obj, roles, target)
            if rules != target.obj["rules"]:
                target.obj["rules"] = rules
                changed = True
        if not changed:
            return


def derive_controller_content(docs: Sequence[Document]) -> None:
    """Fill ControllerRevision data and aggregated ClusterRole rules, in place.

    Raises:
        ScenarioError: a ControllerRevision with neither data nor a DaemonSet/StatefulSet owner,
            one misnamed for its owner, or an invalid aggregation selector.
    """
    by_uid = {d.obj["metadata"]["uid"]: d.obj for d in docs}
    for doc in docs:
        if doc.obj["kind"] == "ControllerRevision" and doc.obj["apiVersion"] == "apps/v1":
            _complete_revision(doc, by_uid)
    _aggregate_cluster_roles(docs)
