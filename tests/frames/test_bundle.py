"""`pull` and the `Frames` bundle: concurrency, partial failure, unreachable clusters, access by name."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pandas as pd
import pytest

from tests.frames.conftest import Endpoint, FaultProxy, Pulled, SandboxSource
from workbench import sandbox as sandbox_pkg
from workbench.errors import ApiUnreachableError, ConfigError, CredentialsError, FrameSchemaError
from workbench.frames import _decode, schema
from workbench.frames._bundle import Frames, bundled_frames
from workbench.frames._pull import pull
from workbench.frames.schema import Pods


@pytest.fixture(scope="module")
def sb() -> Iterator[sandbox_pkg.Sandbox]:
    with sandbox_pkg.start(scenario="crashloop", manual_clock=True) as sb:
        sb.advance(60)
        yield sb


def test_every_frame_is_an_attribute_and_an_item(pulled: Pulled) -> None:
    frames = pulled("crashloop")
    assert frames.names() == bundled_frames()
    assert {"pods", "containers", "nodes", "events", "pod_metrics", "node_metrics"} <= set(frames.names())
    assert "logs" in frames.names()
    assert frames.logs.empty  # log tails are added by whoever reads them, never by a pull
    assert frames.pods is frames["pods"]
    for name in frames.names():
        schema.validate(name, frames[name])
    assert frames.source == "sandbox:crashloop"
    assert frames.server_version["gitVersion"].startswith("v1.")
    assert frames.captured_at.tzinfo is UTC
    with pytest.raises(KeyError, match="no frame 'pod'; frames: pods, containers, nodes"):
        frames["pod"]
    with pytest.raises(AttributeError, match="Frames has no frame 'pod'"):
        _ = frames.pod
    assert "pods" in dir(frames)


def test_repr_summarises_counts_and_what_is_missing(pulled: Pulled) -> None:
    frames = pulled("crashloop")
    text = repr(frames)
    assert text.startswith("Frames from sandbox:crashloop at ")
    assert f"pods {len(frames.pods)}" in text
    assert f"events {len(frames.events)}" in text
    for m in frames.missing:
        assert f"missing {m.frame}: {m.reason}" in text


def test_asking_for_containers_pulls_pods_and_nothing_else(sb: sandbox_pkg.Sandbox) -> None:
    frames = pull(SandboxSource(sb), ["containers"], workers=1)
    assert frames.pulled == ("pods", "containers")
    assert len(frames.containers) > 0
    assert len(frames.pods) > 0
    assert len(frames.nodes) == 0
    schema.validate("nodes", frames.nodes)
    assert frames.missing == ()


def test_bad_arguments_name_the_fix(sb: sandbox_pkg.Sandbox) -> None:
    with pytest.raises(KeyError, match=r"unknown frame 'podz'; known: .*pods"):
        pull(SandboxSource(sb), ["podz"])
    with pytest.raises(KeyError, match=r"frame 'logs' is not built from list pages; pullable: .*pods"):
        pull(SandboxSource(sb), ["logs"])
    with pytest.raises(ConfigError, match="workers must be a positive number"):
        pull(SandboxSource(sb), ["pods"], workers=0)


def test_a_forbidden_or_failing_kind_is_recorded_and_the_pull_goes_on(sb: sandbox_pkg.Sandbox) -> None:
    proxy = FaultProxy(sb.url, {"/api/v1/pods": 403, "/api/v1/nodes": 500})
    try:
        frames = pull(SandboxSource(Endpoint(proxy.url), name="proxied"), ["pods", "nodes", "events"])
    finally:
        proxy.close()
    reasons = {(m.frame, m.reason) for m in frames.missing}
    assert reasons == {("pods", "forbidden"), ("containers", "forbidden"), ("nodes", "error")}
    assert "injected 403 for /api/v1/pods" in frames.missing_for("pods").message  # type: ignore[union-attr]
    assert len(frames.pods) == 0
    schema.validate("containers", frames.containers)
    assert len(frames.events) > 0


def test_a_malformed_page_is_an_error_for_its_kind_only(sb: sandbox_pkg.Sandbox) -> None:
    proxy = FaultProxy(sb.url, {"/api/v1/nodes": 200})
    try:
        frames = pull(SandboxSource(Endpoint(proxy.url)), ["nodes", "pods"])
    finally:
        proxy.close()
    nodes = frames.missing_for("nodes")
    assert nodes is not None
    assert nodes.reason == "error"
    assert "the Node list could not be decoded" in nodes.message
    assert "$.items[0].metadata.name" in nodes.message
    assert len(frames.pods) > 0


def test_an_unreachable_cluster_raises_instead_of_returning_nothing() -> None:
    with pytest.raises(ApiUnreachableError):
        pull(SandboxSource(Endpoint("http://127.0.0.1:9")), ["pods"])


def test_credentials_rejected_for_every_kind_raise(sb: sandbox_pkg.Sandbox) -> None:
    proxy = FaultProxy(sb.url, {"*": 401})  # /version answers, every list is refused
    try:
        with pytest.raises(CredentialsError, match="injected 401"):
            pull(SandboxSource(Endpoint(proxy.url)), ["pods", "nodes"])
    finally:
        proxy.close()


def test_a_bundle_rejects_frames_that_break_their_schema() -> None:
    bad = schema.empty("pods").assign(restarts=pd.Series([], dtype="float64"))
    with pytest.raises(FrameSchemaError, match="column 'restarts' is float64, declared Int64"):
        Frames({"pods": bad})
    with pytest.raises(KeyError, match="a bundle carries no frame 'metrics'"):
        Frames({"metrics": schema.empty("pods")})
    empty = Frames({}, source="nowhere", captured_at=datetime(2026, 1, 1, tzinfo=UTC))
    assert len(empty.pods) == 0
    assert "(nothing pulled)" in repr(empty)


def test_concat_keeps_categoricals_categorical() -> None:
    a = _decode.build("pods", _one_pod("Running", "node-a"), 1)
    b = _decode.build("pods", _one_pod("Pending", None), 1)
    both = _decode.concat("pods", [a, b, schema.empty("pods")])
    schema.validate("pods", both)
    assert list(both[Pods.PHASE]) == ["Running", "Pending"]
    assert list(both[Pods.PHASE].cat.categories) == ["Pending", "Running"]
    assert both[Pods.NODE].isna().tolist() == [False, True]


def _one_pod(phase: str, node: str | None) -> dict[str, object]:
    values: dict[str, object] = {}
    for col in schema.columns("pods"):
        values[col] = [
            {"": None, "category": None, "string": None, "Int64": None, "float64": None, "bool": False}.get(
                col.dtype, {} if col.dtype == "object" else None
            )
        ]
    values.update(kind=["Pod"], namespace=["ns"], name=[phase.lower()], uid=["u"], phase=[phase], node=[node])
    return values


def test_each_empty_frame_is_its_own_copy_with_the_schema() -> None:
    first, second = schema.empty("pods"), schema.empty("pods")
    schema.validate("pods", first)
    first.attrs["bundle"] = "one"
    first[Pods.NAME] = first[Pods.NAME].astype(object)  # changes to one copy...
    del second[Pods.NAMESPACE]
    assert "bundle" not in schema.empty("pods").attrs  # ...reach neither another nor the next one
    schema.validate("pods", schema.empty("pods"))
    bundles = Frames({}), Frames({})
    assert bundles[0].pods is not bundles[1].pods
