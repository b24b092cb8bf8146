"""The sandbox's initial cluster contents: scenario directories, manifest files and recordings.

Every loader returns a `Scenario`: complete objects in their storage versions (HPA autoscaling/v2,
CronJob batch/v1, Event core v1), ready for the store, which only adds resourceVersion.

A scenario is a directory under ``workbench/sandbox/scenarios/<name>/``::

    scenario.yaml   name, description (one line), age (``3d``: when the cluster was created), seed,
                    warmup (simulated time the control plane runs before the sandbox is served),
                    base (a scenario this one builds on), patches (changes to the base's objects),
                    and the teaching keys goal, level, hints, fix, wrong_fixes, checks (`_teaching`)
    *.yaml          manifests (multi-document); times may be written ``now`` or ``now-2h5m``
    logs.yaml       optional: ``{"<ns>/<pod>/<container>": {"current": [...], "previous": [...]}}``
    images.yaml     optional: the scenario's apps (the image catalog format of ``_control/_apps.py``)
    expected-findings.yaml
                    not loaded by the sandbox: what the analyzers must find in this scenario (read by
                    the analyzer tests and the agent evals)
    question.txt    not loaded by the sandbox: the question the agent eval asks (``workbench eval``)

A scenario with a ``base`` holds only what it adds: the base's manifests, logs and images load first
(recursively), then its own, and its ``patches`` change base objects (see `_layers`). Name, age,
seed, warm-up and teaching are the scenario's own.

Scenario and manifest objects are completed the way the server and its controllers would have:
create-time defaulting and admission (``serviceAccount``, container defaults, token volumes,
cluster IPs), event names ``<involvedObject.name>.<hex creation nanoseconds>``, owner uids resolved
by name, ControllerRevision data from the owning DaemonSet or StatefulSet, and the rules of
aggregated ClusterRoles. Recordings are kept as recorded.

Example:
    >>> from datetime import UTC, datetime
    >>> scenario = load_scenario("healthy", now=datetime(2026, 11, 28, 12, 0, tzinfo=UTC))
    >>> sorted({o["kind"] for o in scenario.objects})[:3]
    ['ClusterRole', 'ClusterRoleBinding', 'ConfigMap']
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from workbench.errors import ScenarioError
from workbench.sandbox._scenarios._complete import Document, complete_objects, expand_lists
from workbench.sandbox._scenarios._files import load_yaml_mapping, read_documents
from workbench.sandbox._scenarios._layers import apply_patches, base_chain, check_patches
from workbench.sandbox._scenarios._logs import LogKey, Logs, load_logs
from workbench.sandbox._scenarios._snapshot import snapshot_documents
from workbench.sandbox._scenarios._teaching import check_teaching
from workbench.sandbox._scenarios._times import parse_duration, utc

__all__ = [
    "SCENARIO_DIR",
    "Scenario",
    "load_manifests",
    "load_scenario",
    "load_snapshot",
    "scenario_header",
    "scenario_names",
    "scenario_warmup",
]

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"
_SPECIAL_FILES = frozenset({"scenario.yaml", "logs.yaml", "images.yaml", "expected-findings.yaml"})


@dataclass(frozen=True)
class Scenario:
    """A cluster's initial contents.

    Attributes:
        name: the scenario name (directory name, manifest or recording file stem).
        description: one line, shown by ``workbench sandbox list``.
        objects: complete objects, in load order, without resourceVersion.
        logs: (namespace, pod, container) → {"current": lines, "previous": lines}, lines untimestamped.
        created: when the cluster was created.
    """

    name: str
    description: str
    objects: tuple[dict[str, Any], ...]
    logs: Logs
    created: datetime
    images: Path | None = None
    """The scenario's ``images.yaml`` (its apps, added to the built-in image catalog), if it has one."""
    warmup: float = 0.0
    """Simulated seconds the control plane runs before the sandbox is handed over."""
    teaching: dict[str, Any] = field(default_factory=dict)
    """goal, level, hints, fix, wrong_fixes, checks: what a lab needs (validated; see `_teaching`)."""
    image_files: tuple[Path, ...] = ()
    """Every ``images.yaml`` to add to the catalog, the deepest base's first (later ones win)."""


def _scenario_dirs() -> dict[str, Path]:
    if not SCENARIO_DIR.is_dir():
        return {}
    return {p.name: p for p in sorted(SCENARIO_DIR.iterdir()) if (p / "scenario.yaml").is_file()}


def _read_header(directory: Path) -> dict[str, Any]:
    path = directory / "scenario.yaml"
    header = load_yaml_mapping(path)
    name = header.get("name", directory.name)
    if name != directory.name:
        raise ScenarioError(
            f"name {name!r} differs from the directory name {directory.name!r}", source=str(path)
        )
    description = header.get("description")
    if not isinstance(description, str) or not description.strip() or "\n" in description.strip():
        raise ScenarioError("description must be one line of text", source=str(path))
    try:
        age = parse_duration(str(header.get("age", "0s")))
    except ValueError as exc:
        raise ScenarioError(f"age: {exc}", source=str(path)) from exc
    try:
        warmup = parse_duration(str(header.get("warmup", "0s")))
    except ValueError as exc:
        raise ScenarioError(f"warmup: {exc}", source=str(path)) from exc
    base = header.get("base")
    if base is not None and (not isinstance(base, str) or not base.strip()):
        raise ScenarioError(
            "base must name a scenario (or a directory relative to this one)", source=str(path)
        )
    return {
        "name": name,
        "description": description.strip(),
        "age": age,
        "warmup": warmup.total_seconds(),
        "seed": str(header.get("seed", name)),
        "base": base,
        "patches": check_patches(header.get("patches"), source=str(path)),
        "teaching": check_teaching(header, source=str(path)),
    }


def scenario_names() -> list[tuple[str, str]]:
    """Every built-in scenario as (name, description), sorted by name.

    Raises:
        ScenarioError: a scenario's ``scenario.yaml`` is malformed.
    """
    return [(name, _read_header(path)["description"]) for name, path in _scenario_dirs().items()]


def _documents(paths: Iterable[Path]) -> Iterator[Document]:
    for path in paths:
        for index, doc in enumerate(read_documents(path), start=1):
            yield from expand_lists(doc, source=str(path), index=index)


def _resolve(name_or_dir: str | os.PathLike[str], relative_to: Path | None = None) -> Path:
    known = _scenario_dirs()
    directory = Path(name_or_dir)
    if isinstance(name_or_dir, str) and name_or_dir in known:
        return known[name_or_dir]  # a bare name means the built-in scenario
    if relative_to is not None and not directory.is_absolute():
        directory = relative_to / directory
    if not (directory / "scenario.yaml").is_file():
        names = ", ".join(known) or "(none)"
        raise ScenarioError(f"no such scenario; known scenarios: {names}", source=str(name_or_dir))
    return directory


def scenario_header(name_or_dir: str | os.PathLike[str]) -> dict[str, Any]:
    """A scenario's ``scenario.yaml``, validated: name, description, age, warmup, seed, teaching.

    Raises:
        ScenarioError: an unknown scenario or a malformed ``scenario.yaml``.
    """
    return _read_header(_resolve(name_or_dir))


def scenario_warmup(name_or_dir: str | os.PathLike[str]) -> float:
    """The simulated seconds a scenario's control plane runs before it is handed over (its ``warmup``).

    Raises:
        ScenarioError: an unknown scenario or a malformed ``scenario.yaml``.
    """
    warmup: float = _read_header(_resolve(name_or_dir))["warmup"]
    return warmup


def load_scenario(name_or_dir: str | os.PathLike[str], *, now: datetime) -> Scenario:
    """Load a built-in scenario by name, or a scenario directory by path.

    Args:
        name_or_dir: ``"healthy"`` or a directory holding a ``scenario.yaml``.
        now: the moment relative times (``now-3d``) are measured from.

    Raises:
        ScenarioError: an unknown name (the message lists the known ones) or a file that cannot be loaded.
    """
    directory = _resolve(name_or_dir)
    header = _read_header(directory)
    chain = base_chain(
        directory,
        lambda d: _read_header(d)["base"],
        lambda base, naming: _resolve(base, relative_to=naming),
    )
    created = utc(now) - header["age"]
    documents: list[Document] = []
    for layer in chain:
        files = sorted(p for p in layer.glob("*.y*ml") if p.name not in _SPECIAL_FILES)
        documents.extend(_documents(files))
        apply_patches(documents, _read_header(layer)["patches"], source=str(layer / "scenario.yaml"))
    objects = complete_objects(
        documents,
        seed=header["seed"],
        created=created,
        now=now,
        managed=True,
        namespaces_defined=True,
    )
    logs: dict[LogKey, Any] = {}
    for layer in chain:
        if (layer / "logs.yaml").is_file():
            logs.update(load_logs(layer / "logs.yaml", objects, now=now))
    images = directory / "images.yaml"
    return Scenario(
        header["name"],
        header["description"],
        objects,
        logs,
        created,
        images=images if images.is_file() else None,
        warmup=header["warmup"],
        teaching=header["teaching"],
        image_files=tuple(p / "images.yaml" for p in chain if (p / "images.yaml").is_file()),
    )


def load_manifests(
    paths: Iterable[str | os.PathLike[str]], *, now: datetime, seed: str = "manifests"
) -> Scenario:
    """Load plain manifest files (kubectl-style YAML or JSON, ``List`` documents included).

    Args:
        paths: the files, in order.
        now: the cluster's creation time and the base of relative times.
        seed: makes generated uids reproducible.

    Raises:
        ScenarioError: a file that cannot be read, parsed, or holds an incomplete or duplicate object.
    """
    files = [Path(p) for p in paths]
    for path in files:
        if not path.is_file():
            raise ScenarioError("no such file", source=str(path))
    objects = complete_objects(_documents(files), seed=seed, created=utc(now), now=now, managed=True)
    name = files[0].stem if len(files) == 1 else "manifests"
    return Scenario(name, f"manifests from {', '.join(map(str, files))}", objects, {}, utc(now))


def load_snapshot(path: str | os.PathLike[str], *, now: datetime) -> Scenario:
    """Load a recorded set of API lists.

    Accepts a JSON file (optionally ``.gz``) holding an array of List documents, a directory of such
    files, or ``kubectl get ... -o json`` output (a ``List`` or ``<Kind>List``). Recorded uids and times
    are kept; objects are converted to their storage versions and lose their resourceVersion.

    Args:
        path: the file or directory.
        now: creationTimestamp for objects recorded without one (the cluster's creation time is the
            oldest recorded creationTimestamp).

    Raises:
        ScenarioError: a missing or unreadable file, invalid JSON, or an object without kind or name.
    """
    root = Path(path)
    objects = complete_objects(
        snapshot_documents(root), seed=str(root), created=utc(now), now=None, managed=False, recorded=True
    )
    stamps = [o["metadata"]["creationTimestamp"] for o in objects if o["metadata"].get("creationTimestamp")]
    created = datetime.fromisoformat(min(stamps).replace("Z", "+00:00")) if stamps else utc(now)
    name = root.name.split(".")[0] or "snapshot"
    return Scenario(name, f"recorded snapshot {root}", objects, {}, created)
