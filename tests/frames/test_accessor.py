"""The df.k8s accessor: refs, selection, owner chains, related events and describe."""

from __future__ import annotations

import gc

import pandas as pd
import pytest

from tests.frames.conftest import Pulled
from workbench.errors import ConfigError
from workbench.frames import schema
from workbench.frames._bundle import BUNDLE_ATTR, Frames
from workbench.frames.schema import Containers, Pods
from workbench.model import ObjectRef


def report_builder(pulled: Pulled) -> tuple[Frames, pd.DataFrame]:
    frames = pulled("oomkilled")
    pods = frames.pods
    return frames, pods[pods[Pods.NAMESPACE] == "analytics"]


def test_refs_name_every_row(pulled: Pulled) -> None:
    frames, pods = report_builder(pulled)
    refs = frames.pods.k8s.refs()
    assert len(refs) == len(frames.pods)
    ref = pods.k8s.ref(pods.index[0])
    assert ref == ObjectRef("Pod", "analytics", pods.iloc[0][Pods.NAME], pods.iloc[0][Pods.UID], "v1")
    node = frames.nodes.k8s.refs()[0]
    assert (node.kind, node.namespace, node.api_version) == ("Node", "", "v1")


def test_select_by_namespace_and_labels(pulled: Pulled) -> None:
    frames, _ = report_builder(pulled)
    picked = frames.pods.k8s.select(namespace="analytics", labels={"app": "report-builder"})
    assert len(picked) == 1
    assert len(frames.pods.k8s.select(labels={"app": "nope"})) == 0
    assert set(frames.pods.k8s.select(namespace="kube-system")[Pods.NAMESPACE]) == {"kube-system"}


def test_owner_chain_walks_pod_to_replicaset_to_deployment(pulled: Pulled) -> None:
    frames, pods = report_builder(pulled)
    chain = pods.k8s.owner_chain(pods.index[0])
    assert [r.kind for r in chain] == ["Pod", "ReplicaSet", "Deployment"]
    assert chain[1].name == pods.iloc[0][Pods.OWNER_NAME]
    assert chain[1].uid == pods.iloc[0][Pods.OWNER_UID]
    assert chain[2] == ObjectRef("Deployment", "analytics", "report-builder", chain[2].uid, "apps/v1")
    assert chain[2].uid
    containers = frames.containers
    row = containers.index[containers[Containers.NAMESPACE] == "analytics"][0]
    assert containers.k8s.owner_chain(row) == chain  # a container row starts from its pod
    static = frames.pods[frames.pods[Pods.NAME] == "etcd-kind-control-plane"]
    assert [r.kind for r in static.k8s.owner_chain(static.index[0])] == ["Pod", "Node"]


def test_events_about_a_pod(pulled: Pulled) -> None:
    _, pods = report_builder(pulled)
    events = pods.k8s.events(pods.index[0])
    assert len(events) > 3
    assert set(events["object_name"]) == {pods.iloc[0][Pods.NAME]}
    assert events["last_seen"].is_monotonic_increasing
    backoff = events[events["reason"] == "BackOff"].iloc[0]
    assert backoff["type"] == "Warning"
    assert backoff["count"] > 5


def test_describe_reads_like_kubectl_describe(pulled: Pulled) -> None:
    _, pods = report_builder(pulled)
    text = pods.k8s.describe(pods.index[0])
    name = pods.iloc[0][Pods.NAME]
    assert text.splitlines()[0].startswith(f"Pod analytics/{name}  (uid ")
    assert "  status: CrashLoopBackOff" in text
    assert "  qos: Burstable" in text
    assert "Owners: Pod analytics/" in text
    assert "<- Deployment analytics/report-builder" in text
    assert "report-builder: waiting, CrashLoopBackOff, not ready" in text
    assert "last terminated OOMKilled (exit 137)" in text
    assert "Warning BackOff x" in text


def test_a_frame_not_from_a_bundle_says_so() -> None:
    df = pd.DataFrame(
        {"kind": ["Pod"], "namespace": ["shop"], "name": ["web-0"], "uid": ["u1"], "phase": ["Running"]}
    )
    assert df.k8s.refs() == [ObjectRef("Pod", "shop", "web-0", "u1", "v1")]
    with pytest.raises(ConfigError, match="did not come from a Frames bundle"):
        df.k8s.owner_chain(0)
    with pytest.raises(ConfigError, match="did not come from a Frames bundle"):
        df.k8s.events(0)
    assert df.k8s.describe(0) == "Pod shop/web-0  (uid u1)\n  phase: Running"
    assert not hasattr(pd.DataFrame({"a": [1]}), "k8s")


def test_frames_link_to_their_bundle_by_key_only_and_not_beyond_its_life() -> None:
    frames = Frames({"pods": schema.empty("pods")})
    pods = frames.pods
    key = pods.attrs[BUNDLE_ATTR]
    assert isinstance(key, str)
    assert pods.head().attrs[BUNDLE_ATTR] == key  # derived frames keep the key
    del frames
    gc.collect()
    with pytest.raises(ConfigError, match="no longer exists; keep a reference to the bundle"):
        pods.k8s.events(0)


def test_ref_of_an_unknown_label_is_a_key_error(pulled: Pulled) -> None:
    _, pods = report_builder(pulled)
    with pytest.raises(KeyError):
        pods.k8s.ref(10_000)
