"""Synthetic large clusters: realistic generated objects added to any scenario for scale work.

``pods=150000,nodes=5000`` yields namespaces, nodes, Deployments with their ReplicaSets and pods,
Services with their Endpoints and EndpointSlices, and ConfigMaps, complete enough for the official
client's models, deterministic for a seed, and fast: every object is stamped out of a pre-encoded
template (see `_template`).

Example:
    >>> from datetime import UTC, datetime
    >>> spec = parse_synthetic_spec("pods=300")
    >>> objects = list(synthetic_objects(spec, now=datetime(2026, 11, 28, tzinfo=UTC)))
    >>> sum(o["kind"] == "Pod" for o in objects)
    300
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from workbench.errors import ConfigError
from workbench.sandbox._synthetic._fleet import Fleet

__all__ = [
    "MAX_NODES",
    "MAX_PODS",
    "MAX_PODS_PER_NODE",
    "SyntheticSpec",
    "parse_synthetic_spec",
    "synthetic_objects",
]

# Kubernetes' documented large-cluster limits (kubernetes.io/docs/setup/best-practices/cluster-large).
MAX_PODS = 150_000
MAX_NODES = 5_000
MAX_PODS_PER_NODE = 110

_EXAMPLE = "a valid value looks like 'pods=150000,nodes=5000' or 'pods=2000' (optional: seed=7)"
_PART = re.compile(r"\s*(pods|nodes|seed)\s*=\s*(\d[\d_]*)\s*")


@dataclass(frozen=True)
class SyntheticSpec:
    """How big a synthetic cluster to generate.

    Attributes:
        pods: number of pods (0 to 150000).
        nodes: number of nodes (1 to 5000, at least pods/110).
        seed: the random seed; the same spec always yields the same objects.
    """

    pods: int
    nodes: int
    seed: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.pods <= MAX_PODS:
            raise ConfigError(f"synthetic pods={self.pods} is out of range 0..{MAX_PODS}; {_EXAMPLE}")
        if not 1 <= self.nodes <= MAX_NODES:
            raise ConfigError(f"synthetic nodes={self.nodes} is out of range 1..{MAX_NODES}; {_EXAMPLE}")
        if self.pods > self.nodes * MAX_PODS_PER_NODE:
            need = math.ceil(self.pods / MAX_PODS_PER_NODE)
            raise ConfigError(
                f"synthetic pods={self.pods} do not fit on {self.nodes} nodes at {MAX_PODS_PER_NODE} "
                f"pods per node; use nodes={need} or more ({_EXAMPLE})"
            )


def parse_synthetic_spec(text: str) -> SyntheticSpec:
    """Parse ``pods=N[,nodes=M][,seed=S]``; nodes defaults to max(3, ceil(pods/100)).

    Raises:
        ConfigError: malformed text or values beyond Kubernetes' documented limits.
    """
    values: dict[str, int] = {}
    for part in text.split(","):
        match = _PART.fullmatch(part)
        if match is None:
            raise ConfigError(f"synthetic spec {text!r}: cannot read {part.strip()!r}; {_EXAMPLE}")
        key, value = match.groups()
        if key in values:
            raise ConfigError(f"synthetic spec {text!r}: {key} is given twice; {_EXAMPLE}")
        values[key] = int(value.replace("_", ""))
    if "pods" not in values:
        raise ConfigError(f"synthetic spec {text!r}: pods is missing; {_EXAMPLE}")
    pods = values["pods"]
    nodes = values.get("nodes", max(3, math.ceil(pods / 100)))
    return SyntheticSpec(pods=pods, nodes=nodes, seed=values.get("seed", 0))


def synthetic_objects(spec: SyntheticSpec, *, now: datetime) -> Iterator[dict[str, Any]]:
    """Generate the objects of a synthetic cluster, namespaces and nodes first.

    Every object is complete (uid, creationTimestamp, managedFields, ownerReferences with uids,
    status) and independent (no shared sub-dicts), in its storage version, without resourceVersion.

    Args:
        spec: how many pods and nodes, and the seed.
        now: the moment the cluster is observed; all times are before it.
    """
    # A seeded generator on purpose: the same spec must give the same cluster (this is not a secret).
    fleet = Fleet(spec.pods, spec.nodes, random.Random(spec.seed), now)  # noqa: S311
    yield from fleet.namespaces()
    yield from fleet.nodes()
    yield from fleet.workloads()
