"""The store: global resourceVersions, consistent pages, change history and expiry."""

from __future__ import annotations

from typing import Any

import pytest

from workbench.errors import SandboxApiError
from workbench.sandbox._store import Store


def _obj(name: str, ns: str = "default", **labels: str) -> dict[str, Any]:
    return {"kind": "ConfigMap", "metadata": {"name": name, "namespace": ns, "labels": labels}}


def _put(store: Store, name: str, ns: str = "default", **labels: str) -> int:
    return store.put("configmaps", (ns, name), _obj(name, ns, **labels), labels=labels, fields={}).rv


def test_every_write_takes_the_next_global_resource_version() -> None:
    store = Store()
    first = _put(store, "a")
    second = store.put("secrets", ("default", "s"), _obj("s"), labels={}, fields={}).rv
    third = _put(store, "a")
    assert (first, second, third) == (first, first + 1, first + 2)
    entry = store.get("configmaps", ("default", "a"))
    assert entry is not None
    assert entry.decode()["metadata"]["resourceVersion"] == str(third)


def test_pages_are_sorted_by_namespace_then_name_and_filtered_by_namespace() -> None:
    store = Store()
    for ns, name in [("b", "x"), ("a", "z"), ("a", "y"), ("c", "a")]:
        _put(store, name, ns)
    everything, _, _, _ = store.page("configmaps", None)
    assert [e.decode()["metadata"]["name"] for e in everything] == ["y", "z", "x", "a"]
    only_a, _, _, _ = store.page("configmaps", "a")
    assert [e.decode()["metadata"]["name"] for e in only_a] == ["y", "z"]


def test_a_continued_page_shows_the_state_as_of_the_first_page() -> None:
    store = Store()
    for i in range(6):
        _put(store, f"cm-{i}", v="old")
    page1, last, list_rv, remaining = store.page("configmaps", "default", limit=3)
    assert [e.decode()["metadata"]["name"] for e in page1] == ["cm-0", "cm-1", "cm-2"]
    assert remaining == 3
    # Changes after the first page: a modification, a deletion and a creation.
    _put(store, "cm-4", v="new")
    store.remove("configmaps", ("default", "cm-5"), _obj("cm-5"))
    _put(store, "cm-3a")
    page2, last2, rv2, _ = store.page("configmaps", "default", limit=10, after=last, at_rv=list_rv)
    names = [e.decode()["metadata"]["name"] for e in page2]
    assert names == ["cm-3", "cm-4", "cm-5"]
    assert page2[1].labels == {"v": "old"}
    assert rv2 == list_rv
    assert last2 is None
    fresh, _, _, _ = store.page("configmaps", "default", after=last)
    assert [e.decode()["metadata"]["name"] for e in fresh] == ["cm-3", "cm-3a", "cm-4"]


def test_a_predicate_filters_without_decoding_and_hides_remaining_count() -> None:
    store = Store()
    for i in range(5):
        _put(store, f"cm-{i}", tier="web" if i % 2 else "db")
    page, last, _, remaining = store.page(
        "configmaps", None, match=lambda e: e.labels.get("tier") == "web", limit=1
    )
    assert [e.decode()["metadata"]["name"] for e in page] == ["cm-1"]
    assert last == ("default", "cm-1")
    assert remaining is None


def test_history_is_trimmed_and_old_versions_expire() -> None:
    store = Store(history=3)
    start = store.resource_version
    for i in range(10):
        _put(store, f"cm-{i}")
    with pytest.raises(SandboxApiError) as err:
        store.changes_since(start)
    assert err.value.code == 410
    assert err.value.reason == "Expired"
    recent = store.changes_since(store.resource_version - 2)
    assert [c.type for c in recent] == ["ADDED", "ADDED"]
    with pytest.raises(SandboxApiError) as err:
        store.page("configmaps", None, limit=1, after=("default", "cm-0"), at_rv=start)
    assert err.value.code == 410


def test_changes_carry_the_previous_state_and_subscribers_see_every_write() -> None:
    store = Store()
    seen: list[str] = []
    unsubscribe = store.subscribe(lambda c: seen.append(f"{c.type}:{c.key[1]}"))
    _put(store, "a", v="1")
    _put(store, "a", v="2")
    store.remove("configmaps", ("default", "a"), _obj("a"))
    unsubscribe()
    _put(store, "b")
    assert seen == ["ADDED:a", "MODIFIED:a", "DELETED:a"]
    modified = store.changes_since(store.resource_version - 4)[1]
    assert modified.prev is not None
    assert modified.prev.labels == {"v": "1"}


def test_bulk_load_records_no_history_but_serves_lists() -> None:
    store = Store()
    rows = [("configmaps", ("default", f"cm-{i}"), _obj(f"cm-{i}"), {}, {}) for i in (3, 1, 2)]
    assert store.load(rows) == 3
    page, _, _, _ = store.page("configmaps", None)
    assert [e.decode()["metadata"]["name"] for e in page] == ["cm-1", "cm-2", "cm-3"]
    assert store.changes_since(store.resource_version) == []


def test_the_owner_index_follows_writes_and_deletes() -> None:
    store = Store()
    owner = {"metadata": {"name": "rs", "namespace": "default", "uid": "u-rs"}}
    store.put("replicasets.apps", ("default", "rs"), owner, labels={}, fields={})
    for name in ("p1", "p2"):
        pod = {
            "metadata": {
                "name": name,
                "namespace": "default",
                "uid": f"u-{name}",
                "ownerReferences": [{"uid": "u-rs", "kind": "ReplicaSet", "name": "rs"}],
            }
        }
        store.put("pods", ("default", name), pod, labels={}, fields={})
    assert [k for _, k, _ in store.dependents("u-rs")] == [("default", "p1"), ("default", "p2")]
    found = store.find_uid("u-p2")
    assert found is not None
    assert found[:2] == ("pods", ("default", "p2"))
    # Orphaning p1 (its ownerReference removed) and deleting p2 both leave the index.
    store.put(
        "pods",
        ("default", "p1"),
        {"metadata": {"name": "p1", "namespace": "default", "uid": "u-p1"}},
        labels={},
        fields={},
    )
    store.remove(
        "pods", ("default", "p2"), {"metadata": {"name": "p2", "namespace": "default", "uid": "u-p2"}}
    )
    assert store.dependents("u-rs") == []
    assert store.find_uid("u-p2") is None
