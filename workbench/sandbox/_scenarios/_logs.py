"""A scenario's container logs (``logs.yaml``): what ``kubectl logs`` prints for each container."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from workbench.errors import ScenarioError
from workbench.sandbox._scenarios._files import load_yaml_mapping
from workbench.sandbox._scenarios._times import expand_log_line

LogKey = tuple[str, str, str]
Logs = Mapping[LogKey, Mapping[str, tuple[str, ...]]]
_STREAMS = ("current", "previous")


def load_logs(path: Path, objects: tuple[dict[str, Any], ...], *, now: datetime) -> Logs:
    """Read ``logs.yaml``: ``{"<namespace>/<pod>/<container>": {"current": [...], "previous": [...]}}``.

    Both streams are always present in the result (empty when not given). ``{{time:now-5m}}`` and
    ``{{klog:now-5m}}`` inside a line become absolute times.

    Raises:
        ScenarioError: a malformed entry, or one naming a pod or container the scenario lacks.
    """
    source = str(path)
    containers: dict[tuple[str, str], set[str]] = {}
    for obj in objects:
        if obj["kind"] == "Pod" and obj["apiVersion"] == "v1":
            spec = obj.get("spec") or {}
            names = {
                c.get("name") for c in (spec.get("containers") or []) + (spec.get("initContainers") or [])
            }
            containers[(obj["metadata"]["namespace"], obj["metadata"]["name"])] = {str(n) for n in names}
    logs: dict[LogKey, dict[str, tuple[str, ...]]] = {}
    for raw_key, streams in load_yaml_mapping(path).items():
        parts = str(raw_key).split("/")
        if len(parts) != 3 or not all(parts):
            raise ScenarioError(f"key {raw_key!r} must be <namespace>/<pod>/<container>", source=source)
        namespace, pod, container = parts
        if (namespace, pod) not in containers:
            raise ScenarioError(f"key {raw_key!r}: the scenario has no pod {namespace}/{pod}", source=source)
        if container not in containers[(namespace, pod)]:
            known = ", ".join(sorted(containers[(namespace, pod)]))
            raise ScenarioError(
                f"key {raw_key!r}: pod {namespace}/{pod} has no container {container!r} ({known})",
                source=source,
            )
        if not isinstance(streams, dict) or not set(streams) <= set(_STREAMS):
            raise ScenarioError(
                f"key {raw_key!r}: expected a mapping with 'current' and/or 'previous' lists", source=source
            )
        entry: dict[str, tuple[str, ...]] = {}
        for stream in _STREAMS:
            lines = streams.get(stream) or []
            if not isinstance(lines, list) or any(isinstance(line, (dict, list)) for line in lines):
                raise ScenarioError(
                    f"key {raw_key!r}: {stream!r} must be a list of lines (quote lines with ': ')",
                    source=source,
                )
            entry[stream] = tuple(expand_log_line(str(line), now, index=i) for i, line in enumerate(lines))
        logs[(namespace, pod, container)] = entry
    return logs
