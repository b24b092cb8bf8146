"""Scenario loading for the library: ``base`` chains, ``patches`` and the teaching keys' validation."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from workbench.errors import ScenarioError
from workbench.sandbox._scenarios import load_scenario, scenario_names, scenario_warmup
from workbench.sandbox._scenarios._layers import merge_patch

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)

APP = """
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: shop}
data: {mode: live}
"""


def write(root: Path, name: str, header: dict[str, Any], files: dict[str, str] | None = None) -> Path:
    directory = root / name
    directory.mkdir()
    (directory / "scenario.yaml").write_text(
        yaml.safe_dump({"name": name, "description": f"The {name} scenario.", **header})
    )
    for file, text in (files or {}).items():
        (directory / file).write_text(text)
    return directory


def by_key(objects: tuple[dict[str, Any], ...]) -> dict[tuple[str, str, str], dict[str, Any]]:
    return {(o["kind"], o["metadata"].get("namespace", ""), o["metadata"]["name"]): o for o in objects}


def test_a_scenario_builds_on_healthy() -> None:
    base = by_key(load_scenario("healthy", now=NOW).objects)
    crash = load_scenario("crashloop", now=NOW)
    objects = by_key(crash.objects)
    assert set(base) < set(objects)  # every healthy object, plus the scenario's own
    assert ("Deployment", "billing", "invoice-api") in objects
    assert ("Deployment", "billing", "invoice-api") not in base
    assert ("kube-system", "coredns-6f6b679f8f-4qv8n", "coredns") in crash.logs  # the base's logs too
    assert [p.parent.name for p in crash.image_files] == ["crashloop"]
    assert crash.images == crash.image_files[0]
    assert crash.warmup == scenario_warmup("crashloop") == 360.0
    assert crash.teaching["level"] == 1


def test_bases_chain_and_images_accumulate(tmp_path: Path) -> None:
    images = "images:\n  registry.shop.example/{name}:\n    ports: [8080]\n"
    write(tmp_path, "one", {"base": "healthy"}, {"app.yaml": APP, "images.yaml": images.format(name="one")})
    two = write(
        tmp_path,
        "two",
        {"base": "../one", "warmup": "2m"},
        {"more.yaml": "apiVersion: v1\nkind: Secret\nmetadata: {name: creds, namespace: shop}\n"},
    )
    (two / "images.yaml").write_text(images.format(name="two"))
    scenario = load_scenario(two, now=NOW)
    objects = by_key(scenario.objects)
    assert ("ConfigMap", "shop", "settings") in objects
    assert ("Secret", "shop", "creds") in objects
    assert ("Node", "", "kind-worker") in objects
    assert [p.parent.name for p in scenario.image_files] == ["one", "two"]
    assert scenario.name == "two"
    assert scenario.warmup == 120.0


def test_patches_change_base_objects(tmp_path: Path) -> None:
    patches = [
        {
            "target": {"kind": "Node", "name": "kind-worker2"},
            "merge": {"metadata": {"annotations": {"a": "b"}}},
        },
        {
            "target": {"kind": "Deployment", "namespace": "kube-system", "name": "coredns"},
            "merge": {"spec": {"replicas": 0, "revisionHistoryLimit": None}},
        },
    ]
    directory = write(tmp_path, "patched", {"base": "healthy", "patches": patches})
    objects = by_key(load_scenario(directory, now=NOW).objects)
    assert objects[("Node", "", "kind-worker2")]["metadata"]["annotations"]["a"] == "b"
    assert "node.alpha.kubernetes.io/ttl" in objects[("Node", "", "kind-worker2")]["metadata"]["annotations"]
    coredns = objects[("Deployment", "kube-system", "coredns")]
    assert coredns["spec"]["replicas"] == 0
    assert coredns["spec"]["revisionHistoryLimit"] == 10  # removed by the patch, defaulted again on load


def test_merge_patch_follows_rfc_7386() -> None:
    original = {"a": {"b": 1, "c": [1, 2]}, "d": 4}
    assert merge_patch(original, {"a": {"b": None, "c": [3]}, "e": {"f": 1}}) == {
        "a": {"c": [3]},
        "d": 4,
        "e": {"f": 1},
    }
    assert original == {"a": {"b": 1, "c": [1, 2]}, "d": 4}
    assert merge_patch(original, [1]) == [1]


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ({"base": "no-such-base"}, r"no such scenario; known scenarios: .*healthy"),
        ({"base": ""}, r"base must name a scenario"),
        ({"base": "healthy", "patches": {"a": 1}}, r"patches must be a list"),
        (
            {"base": "healthy", "patches": [{"target": {"kind": "Node"}, "merge": {}}]},
            r"patches\[1\]\.target",
        ),
        ({"base": "healthy", "patches": [{"target": {"kind": "Node", "name": "n"}}]}, r"exactly the keys"),
        (
            {"base": "healthy", "patches": [{"target": {"kind": "Node", "name": "n"}, "merge": 1}]},
            r"merge: expected",
        ),
        (
            {
                "base": "healthy",
                "patches": [{"target": {"kind": "Node", "name": "kind-worker9"}, "merge": {}}],
            },
            r"patches\[1\]: no Node kind-worker9 in this scenario or its bases",
        ),
        (
            {
                "base": "healthy",
                "patches": [{"target": {"kind": "Node", "name": "kind-worker"}, "merge": {"kind": "Pod"}}],
            },
            r"must not change the kind",
        ),
    ],
)
def test_bad_bases_and_patches(tmp_path: Path, header: dict[str, Any], message: str) -> None:
    directory = write(tmp_path, "broken", header)
    with pytest.raises(ScenarioError, match=message):
        load_scenario(directory, now=NOW)


def test_a_cycle_of_bases_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "left", {"base": "../right"})
    right = write(tmp_path, "right", {"base": "../left"})
    with pytest.raises(ScenarioError, match=r"base scenarios form a cycle: right → left → right"):
        load_scenario(right, now=NOW)


def test_an_object_defined_by_the_base_and_the_scenario_is_refused(tmp_path: Path) -> None:
    again = "apiVersion: v1\nkind: Namespace\nmetadata: {name: kube-system}\n"
    directory = write(tmp_path, "dup", {"base": "healthy"}, {"ns.yaml": again})
    with pytest.raises(ScenarioError, match=r"defined twice"):
        load_scenario(directory, now=NOW)


FIX = {"summary": "Do it.", "commands": ["kubectl get pods"]}
WRONG = {"summary": "Not this.", "commands": ["kubectl get pods"], "why": "Because."}


@pytest.mark.parametrize(
    ("teaching", "message"),
    [
        ({"goal": ""}, r"goal must be a sentence"),
        ({"level": 6}, r"level must be a whole number from 1 to 5, not 6"),
        ({"level": True}, r"level must be a whole number"),
        ({"hints": "look"}, r"hints must be a list"),
        (
            {"hints": ["ok", {"Start here": "x"}]},
            r"hints\[2\] is .* not text \(quote a hint that contains ': '\)",
        ),
        ({"fix": {"summary": "x"}}, r"fix must have exactly: commands, summary"),
        ({"fix": {"summary": "x", "commands": []}}, r"fix\.commands must be a list"),
        (
            {"fix": {"summary": "x", "commands": ["rm -rf /"]}},
            r"fix\.commands\[1\]: expected 'kubectl \.\.\.'",
        ),
        ({"fix": {"summary": "x", "commands": [{"command": "kubectl apply -f -"}]}}, r"fix\.commands\[1\]"),
        ({"fix": {**FIX, "why": "x"}}, r"fix must have exactly"),
        ({"wrong_fixes": WRONG}, r"wrong_fixes must be a list"),
        ({"wrong_fixes": [FIX]}, r"wrong_fixes\[1\] must have exactly: commands, summary, why"),
        ({"wrong_fixes": [{**WRONG, "why": " "}]}, r"summary and why must be text"),
        ({"checks": [{"pods_readyy": {}}]}, r"unknown check 'pods_readyy'; known checks: "),
    ],
)
def test_teaching_keys_are_validated_on_load(tmp_path: Path, teaching: dict[str, Any], message: str) -> None:
    directory = write(tmp_path, "lesson", {"base": "healthy", **teaching})
    with pytest.raises(ScenarioError, match=message) as info:
        load_scenario(directory, now=NOW)
    assert info.value.source.endswith("scenario.yaml")


def test_commands_may_read_stdin(tmp_path: Path) -> None:
    fix = {"summary": "Apply it.", "commands": [{"command": "kubectl apply -f -", "stdin": "kind: x\n"}]}
    directory = write(tmp_path, "lesson", {"base": "healthy", "fix": fix, "wrong_fixes": [WRONG]})
    assert load_scenario(directory, now=NOW).teaching["fix"] == fix


def test_every_library_scenario_is_listed_with_one_line() -> None:
    names = dict(scenario_names())
    assert len(names) >= 20
    assert all(desc and "\n" not in desc for desc in names.values())
