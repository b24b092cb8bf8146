"""The control plane's loop, clock hand-over and event recorder, with small controllers of our own."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest

from workbench import sandbox
from workbench.errors import ConfigError
from workbench.sandbox._clock import Clock
from workbench.sandbox._control import Cluster, ControlPlane
from workbench.sandbox._control._cluster import Source
from workbench.sandbox._store import Change, Key


def cluster_of(sb: sandbox.Sandbox) -> Cluster:
    return sb.control.cluster


class Labeller:
    """Labels every new ConfigMap `seen=yes`; asks to be woken 5 s later once, and counts syncs."""

    name = "labeller"

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.syncs: list[tuple[Key, float]] = []

    def keys_for(self, change: Change) -> Iterable[Key]:
        if change.bucket == self.cluster.bucket("ConfigMap") and change.type != "DELETED":
            yield change.key

    def initial_keys(self) -> Iterable[Key]:
        return ()

    def sync(self, key: Key) -> float | None:
        self.syncs.append((key, self.cluster.clock.elapsed()))
        obj = self.cluster.get("ConfigMap", *key)
        if obj is None:
            return None
        if obj["metadata"].get("labels", {}).get("seen") != "yes":
            obj["metadata"].setdefault("labels", {})["seen"] = "yes"
            self.cluster.update("ConfigMap", obj, manager="labeller")
            return 5.0
        return None


class Broken:
    name = "broken"

    def keys_for(self, change: Change) -> Iterable[Key]:
        yield change.key

    def initial_keys(self) -> Iterable[Key]:
        return ()

    def sync(self, key: Key) -> float | None:
        raise RuntimeError("controller bug")


def config_map(name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"a": "1"}}


def test_changes_reach_controllers_only_when_the_clock_runs(sb: sandbox.Sandbox) -> None:
    cluster = cluster_of(sb)
    labeller = Labeller(cluster)
    plane = ControlPlane(cluster, [labeller])
    plane.start()
    cm_type = cluster.rtype("ConfigMap")
    sb.api.create(cm_type, "default", config_map("settings"))
    assert labeller.syncs == []  # manual clock: nothing ran yet
    sb.advance(0)
    assert cluster.get("ConfigMap", "default", "settings")["metadata"]["labels"] == {"seen": "yes"}
    start = labeller.syncs[0][1]
    sb.advance(4.9)
    assert [t - start for (_, t) in labeller.syncs] == [0.0, 0.0]  # the write, then its own echo
    sb.advance(0.2)
    assert [round(t - start, 6) for (_, t) in labeller.syncs] == [0.0, 0.0, 5.0]  # the asked-for wake-up
    plane.stop()
    assert plane.errors == []


def test_a_failing_controller_is_recorded_and_the_others_still_run(sb: sandbox.Sandbox) -> None:
    cluster = cluster_of(sb)
    labeller = Labeller(cluster)
    plane = ControlPlane(cluster, [Broken(), labeller])
    plane.start()
    sb.api.create(cluster.rtype("ConfigMap"), "default", config_map("other"))
    sb.advance(0)
    assert cluster.get("ConfigMap", "default", "other")["metadata"]["labels"] == {"seen": "yes"}
    assert plane.errors
    assert "RuntimeError: controller bug" in plane.errors[0]
    plane.stop()


def test_repeated_events_are_counted_into_one(sb: sandbox.Sandbox) -> None:
    cluster = cluster_of(sb)
    pod = cluster.get("Pod", "kube-system", "coredns-6f6b679f8f-4qv8n")
    assert pod is not None
    kubelet = Source("kubelet", "kind-worker")
    for _ in range(3):
        cluster.event(pod, "Warning", "BackOff", "Back-off restarting failed container", kubelet)
        sb.advance(10)
    events = [
        e
        for e in cluster.objects("Event", "kube-system")
        if e["involvedObject"]["name"] == pod["metadata"]["name"] and e["reason"] == "BackOff"
    ]
    assert len(events) == 1
    event = events[0]
    assert event["count"] == 3
    assert event["source"] == {"component": "kubelet", "host": "kind-worker"}
    assert event["involvedObject"]["uid"] == pod["metadata"]["uid"]
    assert event["metadata"]["name"].startswith(pod["metadata"]["name"] + ".")
    first, last = event["firstTimestamp"], event["lastTimestamp"]
    assert first < last


def test_scheduler_style_events_use_the_events_api_shape(sb: sandbox.Sandbox) -> None:
    cluster = cluster_of(sb)
    pod = cluster.get("Pod", "kube-system", "coredns-6f6b679f8f-4qv8n")
    assert pod is not None
    cluster.event(
        pod, "Normal", "Scheduled", "Successfully assigned x", Source("default-scheduler", modern=True)
    )
    [event] = [
        e for e in cluster.objects("Event", "kube-system") if e.get("message") == "Successfully assigned x"
    ]
    assert event["eventTime"].endswith("Z")
    assert event["firstTimestamp"] is None
    assert event["reportingComponent"] == "default-scheduler"
    assert event["action"] == "Binding"


def test_a_manual_clock_goes_live_without_a_jump() -> None:
    clock = Clock(manual=True)
    clock.advance(30)
    before = clock.elapsed()
    clock.go_live()
    try:
        assert before <= clock.elapsed() < before + 5
        assert not clock.manual
    finally:
        clock.stop()


def test_a_snapshot_replay_has_no_control_plane() -> None:
    with (
        sandbox.start(scenario="healthy", manual_clock=True, control_plane=False) as sb,
        pytest.raises(ConfigError, match="without a control plane"),
    ):
        _ = sb.control
