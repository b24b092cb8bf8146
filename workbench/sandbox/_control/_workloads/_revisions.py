"""ControllerRevisions: the template history StatefulSets and DaemonSets keep (``controller/history``).

A revision stores, as ``data``, the strategic merge patch that puts the owner's template back
(`revision_data`, the same the scenario loader derives), and a ``revision`` number. The revision
whose data equals the owner's current template is the current one; if it is not the newest, it is
renumbered to become the newest (a rollback). Otherwise a new one is made, named
``<owner>-<hash>``. Old revisions no pod uses are pruned beyond ``revisionHistoryLimit``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from workbench.errors import SandboxApiError
from workbench.sandbox._control._cluster import Cluster
from workbench.sandbox._control._workloads._pods import MANAGER, controlled, controller_ref


def number(revision: dict[str, Any]) -> int:
    return int(revision.get("revision") or 0)


def history(cluster: Cluster, owner: dict[str, Any]) -> list[dict[str, Any]]:
    """The owner's revisions, oldest first (``history.SortControllerRevisions``)."""
    revisions = controlled(cluster, owner, "ControllerRevision")
    return sorted(
        revisions,
        key=lambda r: (number(r), r["metadata"].get("creationTimestamp") or "", r["metadata"]["name"]),
    )


class CollisionError(Exception):
    """The revision's name is taken by a revision with other data: count it and try another hash."""


def ensure(
    cluster: Cluster,
    owner: dict[str, Any],
    revisions: list[dict[str, Any]],
    data: dict[str, Any],
    *,
    hash_of: Callable[[int | None], str],
    hash_label: str,
) -> dict[str, Any]:
    """The revision of `data`: found (renumbered to be the newest if it is not) or created.

    Args:
        cluster: where to read and write.
        owner: the StatefulSet or DaemonSet.
        revisions: its revisions, oldest first (updated in place with what this writes).
        data: the revision data of the owner's current template.
        hash_of: the hash to name a new revision by, given the owner's ``status.collisionCount``.
        hash_label: the label a new revision carries its hash in.

    Raises:
        CollisionError: the name is taken by another revision (the caller bumps ``collisionCount``).
    """
    newest = max((number(r) for r in revisions), default=0)
    equal = [r for r in revisions if r.get("data") == data]
    if equal:
        found = equal[-1]
        if found is not revisions[-1]:
            found["revision"] = newest + 1
            found = cluster.update("ControllerRevision", found, manager=MANAGER)
            _replace(revisions, found)
        return found
    collisions = (owner.get("status") or {}).get("collisionCount")
    hash_ = hash_of(collisions)
    meta = owner["metadata"]
    labels = dict(
        (((owner.get("spec") or {}).get("template") or {}).get("metadata") or {}).get("labels") or {}
    )
    labels[hash_label] = hash_
    revision: dict[str, Any] = {
        "apiVersion": "apps/v1",
        "kind": "ControllerRevision",
        "metadata": {
            "name": f"{meta['name']}-{hash_}",
            "namespace": meta["namespace"],
            "labels": dict(sorted(labels.items())),
            "ownerReferences": [controller_ref(owner)],
        },
        "data": data,
        "revision": newest + 1,
    }
    if meta.get("annotations"):
        revision["metadata"]["annotations"] = dict(meta["annotations"])
    try:
        created = cluster.create("ControllerRevision", revision, manager=MANAGER)
    except SandboxApiError as exc:
        if exc.reason != "AlreadyExists":
            raise
        raise CollisionError(revision["metadata"]["name"]) from exc
    revisions.append(created)
    return created


def count_collision(cluster: Cluster, kind: str, owner: dict[str, Any]) -> None:
    """Raise the owner's ``status.collisionCount``, so its next revision gets another hash."""
    status = dict(owner.get("status") or {})
    status["collisionCount"] = int(status.get("collisionCount") or 0) + 1
    owner["status"] = status
    cluster.update_status(kind, owner, manager=MANAGER)


def template_of(revision: dict[str, Any]) -> dict[str, Any]:
    """The pod template a revision records (its data without the patch directive)."""
    template = dict(((revision.get("data") or {}).get("spec") or {}).get("template") or {})
    template.pop("$patch", None)
    return template


def prune(cluster: Cluster, revisions: list[dict[str, Any]], live: Iterable[str], limit: int) -> None:
    """Delete the oldest revisions that are not `live` (by name) beyond `limit`."""
    keep = set(live)
    old = [r for r in revisions if r["metadata"]["name"] not in keep]
    for revision in old[: max(0, len(old) - limit)]:
        cluster.delete("ControllerRevision", revision["metadata"]["namespace"], revision["metadata"]["name"])
        revisions.remove(revision)


def _replace(revisions: list[dict[str, Any]], updated: dict[str, Any]) -> None:
    uid = updated["metadata"]["uid"]
    revisions[:] = [updated if r["metadata"]["uid"] == uid else r for r in revisions]
    revisions.sort(key=number)
