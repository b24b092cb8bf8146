"""Sandbox scenarios for the pod analyzers' tests: frames pulled once per session, optionally with
the log tails of failing containers added (as the analysis report does)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import pytest

import workbench
from workbench import sandbox
from workbench.errors import SourceError
from workbench.frames import Frames
from workbench.frames._pull import concat
from workbench.frames.schema import Containers
from workbench.model import ObjectRef

ADVANCE_SECONDS = 600.0
"""How long each scenario runs before it is pulled (the expected-findings moment)."""
MANIFESTS = Path(__file__).parent / "manifests"
"""Extra manifests loaded into a scenario for analyzers no built-in scenario exhibits."""

LAB = "lab"
"""The namespace of the test manifests' objects."""

Pull = Callable[..., Frames]


@functools.cache
def pull_scenario(name: str, *, logs: bool = False, manifest: str = "") -> Frames:
    """Scenario ``name`` (plus ``manifests/<manifest>.yaml``) after `ADVANCE_SECONDS`; with ``logs``,
    the current and previous log tails of every failing container (restarted, or waiting or
    terminated and not ready) are added to the bundle's ``logs`` frame."""
    extra = [MANIFESTS / f"{manifest}.yaml"] if manifest else []
    with sandbox.start(scenario=name, manual_clock=True, manifests=extra) as sb:
        sb.advance(ADVANCE_SECONDS)
        with workbench.connect(kubeconfig=sb.kubeconfig) as cluster:
            frames = cluster.frames()
            return with_failing_logs(cluster, frames) if logs else frames


def with_failing_logs(cluster: workbench.Cluster, frames: Frames) -> Frames:
    """``frames`` with a ``logs`` frame: 200-line tails of failing containers, and of every
    container in the ``lab`` namespace the test manifests use."""
    c = frames.containers
    failing = (c[Containers.RESTARTS] > 0).fillna(False) | (
        c[Containers.STATE].astype("string").isin(["waiting", "terminated"]).fillna(False)
        & ~c[Containers.READY]
    )
    lab = (c[Containers.NAMESPACE] == LAB).to_numpy(dtype=bool)
    chosen = c[failing.to_numpy(dtype=bool) | lab]
    parts = []
    for ns, pod, container in zip(
        chosen[Containers.NAMESPACE], chosen[Containers.NAME], chosen[Containers.CONTAINER], strict=True
    ):
        for previous in (False, True):
            try:
                parts.append(
                    cluster.logs(
                        ObjectRef("Pod", str(ns), str(pod)),
                        container=str(container),
                        previous=previous,
                        tail=200,
                    )
                )
            except SourceError:
                continue  # no previous run: nothing to read
    bundle = {name: frames[name] for name in frames.pulled}
    if parts:
        bundle["logs"] = concat("logs", parts)
    return Frames(bundle, missing=frames.missing, source=frames.source, captured_at=frames.captured_at)


@pytest.fixture(scope="session")
def scenario() -> Pull:
    """``scenario(name, logs=False, manifest="")``: a scenario's frames, pulled at most once a session."""
    return pull_scenario
