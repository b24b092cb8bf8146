"""Rollback patches name only what changes: containers and env entries by their merge keys."""

from __future__ import annotations

from workbench.remediation._diff import restore_patch, restore_strategic, strategic_patch


def deployment(image: str, env: list[dict[str, object]], replicas: int = 2) -> dict[str, object]:
    return {
        "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {
            "replicas": replicas,
            "template": {
                "spec": {
                    "containers": [
                        {"name": "web", "image": image, "env": env, "ports": [{"containerPort": 8080}]},
                        {"name": "sidecar", "image": "proxy:1"},
                    ]
                }
            },
        },
    }


def test_one_changed_image_is_restored_by_name() -> None:
    after, before = deployment("web:2", []), deployment("web:1", [])
    assert restore_strategic(after, before) == {
        "spec": {"template": {"spec": {"containers": [{"name": "web", "image": "web:1"}]}}}
    }
    # The merge patch has to carry the whole list, sidecar included.
    assert len(restore_patch(after, before)["spec"]["template"]["spec"]["containers"]) == 2


def test_env_entries_are_restored_by_name_with_nulls_for_fields_that_were_absent() -> None:
    ref = {"name": "DB", "valueFrom": {"secretKeyRef": {"name": "db", "key": "url"}}}
    after = deployment("web:1", [{"name": "MODE", "value": "x"}, ref])
    before = deployment("web:1", [{"name": "MODE", "value": "x"}, {"name": "DB", "value": "sqlite://"}])
    env = restore_strategic(after, before)["spec"]["template"]["spec"]["containers"][0]["env"]
    assert env == [{"name": "DB", "value": "sqlite://", "valueFrom": None}]


def test_an_added_entry_is_deleted_and_a_removed_one_comes_back() -> None:
    after = deployment("web:1", [{"name": "NEW", "value": "1"}])
    before = deployment("web:1", [{"name": "OLD", "value": "0"}])
    env = restore_strategic(after, before)["spec"]["template"]["spec"]["containers"][0]["env"]
    assert env == [{"name": "NEW", "$patch": "delete"}, {"name": "OLD", "value": "0"}]


def test_reordered_items_and_unkeyed_lists_are_replaced_whole() -> None:
    a = [{"name": "a"}, {"name": "b"}]
    assert strategic_patch(a, list(reversed(a)), "containers") == [
        {"name": "b"},
        {"name": "a"},
        {"$patch": "replace"},
    ]
    assert strategic_patch(["x"], ["y"], "args") == ["y"]
    assert strategic_patch({"replicas": 3}, {"replicas": 2}) == {"replicas": 2}
    assert strategic_patch({"a": 1}, {"a": 1}) == {}
