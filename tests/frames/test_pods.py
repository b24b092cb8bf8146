"""The pods and containers frames, built from real sandbox scenarios' list pages."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.frames.conftest import Pulled
from tests.pages import fetch_pages
from workbench import sandbox as sandbox_pkg
from workbench.errors import FrameSchemaError
from workbench.frames import _decode, schema
from workbench.frames._pods import build_pods, image_tag
from workbench.frames.schema import Containers, Pods
from workbench.sources._kinds import builtin

PODS = builtin("pods")


def app_pod(pulled: Pulled, scenario: str, namespace: str) -> pd.Series:
    pods = pulled(scenario).pods
    rows = pods[pods[Pods.NAMESPACE] == namespace]
    assert len(rows) >= 1, f"{scenario}: no pod in {namespace}"
    return rows.iloc[0]


def app_container(pulled: Pulled, scenario: str, namespace: str) -> pd.Series:
    containers = pulled(scenario).containers
    rows = containers[(containers[Containers.NAMESPACE] == namespace) & ~containers[Containers.INIT]]
    assert len(rows) >= 1, f"{scenario}: no container in {namespace}"
    return rows.iloc[0]


def test_both_frames_match_their_schema_with_identity_first(pulled: Pulled) -> None:
    frames = pulled("oomkilled")
    for name in ("pods", "containers"):
        df = frames[name]
        schema.validate(name, df)
        assert list(df.columns[:4]) == ["kind", "namespace", "name", "uid"]
        assert set(df[schema.Frame.KIND]) == {"Pod"}
    assert frames.pods[Pods.CREATED].dtype == "datetime64[ns, UTC]"
    assert str(frames.pods[Pods.CREATED].dt.tz) == "UTC"
    for col in (Pods.PHASE, Pods.NODE, Pods.NAMESPACE, Pods.QOS, Pods.STATUS):
        assert isinstance(frames.pods[col].dtype, pd.CategoricalDtype), col


def test_oomkilled_container_shows_its_last_termination(pulled: Pulled) -> None:
    c = app_container(pulled, "oomkilled", "analytics")
    assert c[Containers.LAST_REASON] == "OOMKilled"
    assert c[Containers.LAST_EXIT_CODE] == 137
    assert c[Containers.LAST_FINISHED_AT] > c[Containers.LAST_STARTED_AT]
    assert c[Containers.STATE] == "waiting"
    assert c[Containers.REASON] == "CrashLoopBackOff"
    assert c[Containers.RESTARTS] >= 3
    assert not c[Containers.READY]


def test_requests_and_limits_are_parsed_exactly(pulled: Pulled) -> None:
    # analytics/report-builder: requests cpu 250m, memory 128Mi; limits memory 192Mi, no cpu limit.
    c = app_container(pulled, "oomkilled", "analytics")
    assert c[Containers.CPU_REQUEST] == 0.25
    assert c[Containers.MEMORY_REQUEST] == 128 * 2**20
    assert c[Containers.MEMORY_LIMIT] == 192 * 2**20
    assert pd.isna(c[Containers.CPU_LIMIT])
    pod = app_pod(pulled, "oomkilled", "analytics")
    assert pod[Pods.CPU_REQUEST] == 0.25
    assert pod[Pods.MEMORY_REQUEST] == 134217728
    assert pod[Pods.QOS] == "Burstable"
    assert pod[Pods.OWNER_KIND] == "ReplicaSet"
    assert pod[Pods.OWNER_NAME].startswith("report-builder-")
    assert pod[Pods.STATUS] == "CrashLoopBackOff"
    assert pod[Pods.RESTARTS] == app_container(pulled, "oomkilled", "analytics")[Containers.RESTARTS]


def test_quantities_convert_like_apimachinery() -> None:
    assert _decode.cpu_cores("250m") == 0.25
    assert _decode.cpu_cores("2") == 2.0
    assert _decode.byte_count("1Gi") == 1073741824
    assert _decode.byte_count("1k") == 1000
    assert _decode.byte_count("0.5") == 1  # Value() rounds up
    assert _decode.byte_count("12345Ki") == 12345 * 1024
    assert _decode.byte_count("not-a-quantity") is None
    assert pd.isna(_decode.cpu_cores(None))


def test_config_error_message_names_the_missing_key(pulled: Pulled) -> None:
    c = app_container(pulled, "config-error", "notifications")
    assert c[Containers.REASON] == "CreateContainerConfigError"
    assert "SMTP_HOST" in c[Containers.MESSAGE]
    assert "notifications/mailer-config" in c[Containers.MESSAGE]
    assert app_pod(pulled, "config-error", "notifications")[Pods.STATUS] == "CreateContainerConfigError"


def test_image_pull_failure_shows_back_off_and_the_image(pulled: Pulled) -> None:
    c = app_container(pulled, "image-pull", "storefront")
    assert c[Containers.REASON] == "ImagePullBackOff"
    assert c[Containers.IMAGE] == "registry.shop.example/catalog:v2.14.1"
    assert c[Containers.IMAGE_TAG] == "v2.14.1"
    assert not c[Containers.LATEST_TAG]


def test_pending_pod_carries_the_schedulers_message(pulled: Pulled) -> None:
    pods = pulled("pending-resources").pods
    pending = pods[pods[Pods.NAMESPACE] == "ml"]
    assert len(pending) == 2
    assert set(pending[Pods.PHASE]) == {"Pending"}
    assert set(pending[Pods.SCHEDULED]) == {"False"}
    assert set(pending[Pods.SCHEDULED_REASON]) == {"Unschedulable"}
    assert pending[Pods.NODE].isna().all()
    for message in pending[Pods.UNSCHEDULABLE_MESSAGE]:
        assert message.startswith("0/3 nodes are available: ")
        assert "Insufficient memory" in message
    assert set(pending[Pods.MEMORY_REQUEST]) == {40 * 2**30}
    assert set(pending[Pods.CPU_REQUEST]) == {2.0}
    assert pods[Pods.UNSCHEDULABLE_MESSAGE][pods[Pods.SCHEDULED] == "True"].isna().all()


def test_readiness_probe_failure_leaves_pods_running_but_unready(pulled: Pulled) -> None:
    frames = pulled("readiness-probe")
    pods = frames.pods[frames.pods[Pods.NAMESPACE] == "web"]
    assert set(pods[Pods.PHASE]) == {"Running"}
    assert not pods[Pods.READY].any()
    assert set(pods[Pods.READY_REASON]) == {"ContainersNotReady"}
    c = app_container(pulled, "readiness-probe", "web")
    assert c[Containers.HAS_READINESS]
    assert c[Containers.READINESS] == (
        "http-get http://:http/ready delay=5s timeout=1s period=10s #success=1 #failure=3"
    )
    assert c[Containers.PORTS] == ["http:3000/TCP"]


def test_healthy_pods_are_ready_and_running(pulled: Pulled) -> None:
    pods = pulled("healthy").pods
    assert len(pods) > 5
    assert set(pods[Pods.STATUS]) == {"Running"}
    assert pods[Pods.READY].all()
    assert (pods[Pods.READY_CONTAINERS] == pods[Pods.CONTAINERS]).all()
    assert pods[Pods.POD_IP].notna().all()


def test_effective_requests_follow_the_scheduler_rule() -> None:
    page = _page_with_init_containers()
    pods = build_pods(PODS, [page])["pods"]
    row = pods.iloc[0]
    # app 100m + 100m + sidecar 50m = 250m beats the init container's 200m; memory: init's 1Gi wins.
    assert row[Pods.CPU_REQUEST] == pytest.approx(0.25)
    assert row[Pods.MEMORY_REQUEST] == 2**30
    assert row[Pods.INIT_CONTAINERS] == 2
    assert row[Pods.STATUS] == "Init:0/2"
    containers = build_pods(PODS, [page])["containers"]
    assert list(containers[Containers.CONTAINER]) == ["migrate", "proxy", "a", "b"]
    assert list(containers[Containers.INIT]) == [True, True, False, False]
    assert list(containers[Containers.INDEX]) == [0, 1, 0, 1]
    assert list(containers[Containers.STATE].astype(object).fillna("-")) == ["running", "waiting", "-", "-"]
    assert containers[Containers.STARTED_AT].iloc[0] == pd.Timestamp("2026-01-01T00:00:05Z")
    assert list(containers[Containers.LATEST_TAG]) == [True, False, True, False]


def test_pages_concatenate_and_an_empty_list_gives_the_schema() -> None:
    empty = build_pods(PODS, [b'{"kind":"PodList","apiVersion":"v1","metadata":{},"items":null}'])
    for name, df in empty.items():
        assert len(df) == 0
        schema.validate(name, df)
    with sandbox_pkg.start(scenario="healthy", manual_clock=True) as sb:
        paged = fetch_pages(sb, PODS, limit=3)
        whole = fetch_pages(sb, PODS)
    assert len(paged) > 2
    by_pages = build_pods(PODS, paged)["pods"]
    at_once = build_pods(PODS, whole)["pods"]
    pd.testing.assert_frame_equal(by_pages, at_once)


def test_image_tags() -> None:
    assert image_tag("nginx") == (None, True)
    assert image_tag("nginx:latest") == ("latest", True)
    assert image_tag("registry:5000/team/app:1.2") == ("1.2", False)
    assert image_tag("registry:5000/team/app") == (None, True)
    assert image_tag("app@sha256:abc") == (None, False)


def test_validate_rejects_a_wrong_dtype_with_a_clear_error(pulled: Pulled) -> None:
    pods = pulled("healthy").pods.copy()
    pods[Pods.RESTARTS] = pods[Pods.RESTARTS].astype("float64")
    pods[Pods.PHASE] = pods[Pods.PHASE].astype(object)
    with pytest.raises(FrameSchemaError) as info:
        schema.validate("pods", pods)
    assert "column 'restarts' is float64, declared Int64" in str(info.value)
    assert "column 'phase' is object, declared category" in str(info.value)
    assert info.value.frame == "pods"
    assert len(info.value.problems) == 2
    with pytest.raises(FrameSchemaError, match=r"missing columns \['uid'\]"):
        schema.validate("pods", pulled("healthy").pods.drop(columns="uid"))
    with pytest.raises(KeyError, match=r"unknown frame 'pod'; known: .*pods"):
        schema.validate("pod", pods)


def _page_with_init_containers() -> bytes:
    pod = {
        "metadata": {"name": "p", "namespace": "ns", "uid": "u", "creationTimestamp": "2026-01-01T00:00:00Z"},
        "spec": {
            "initContainers": [
                {
                    "name": "migrate",
                    "image": "tool",
                    "resources": {"requests": {"cpu": "200m", "memory": "1Gi"}},
                },
                {
                    "name": "proxy",
                    "image": "proxy:1",
                    "restartPolicy": "Always",
                    "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}},
                },
            ],
            "containers": [
                {
                    "name": "a",
                    "image": "a:latest",
                    "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
                },
                {"name": "b", "image": "b@sha256:0", "resources": {"requests": {"cpu": "100m"}}},
            ],
        },
        "status": {
            "phase": "Pending",
            "initContainerStatuses": [
                {"name": "migrate", "state": {"running": {"startedAt": "2026-01-01T00:00:05Z"}}},
                {"name": "proxy", "state": {"waiting": {"reason": "PodInitializing"}}},
            ],
        },
    }
    return json.dumps({"kind": "PodList", "apiVersion": "v1", "metadata": {}, "items": [pod]}).encode()
