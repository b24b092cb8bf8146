"""`LiveSource` against a real sandbox over HTTP: paging, prefetch, namespaces, 410, CRDs, logs."""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.conftest import Kubectl
from tests.pages import fetch_pages
from tests.sources.conftest import kubeconfig, wait_for
from tests.sources.faults import FaultProxy
from workbench import sandbox as sandbox_pkg
from workbench.errors import ApiStatusError, ConfigError
from workbench.sources._kinds import Kind, builtin
from workbench.sources._live import LiveSource, connect_live
from workbench.sources._protocol import ClusterSource

PODS = builtin("pods")
TIMESTAMPED = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z ")


def items(pages: list[bytes]) -> list[dict[str, Any]]:
    return [item for page in pages for item in orjson.loads(page)["items"]]


def keys(pages: list[bytes]) -> list[tuple[str, str]]:
    return [(i["metadata"].get("namespace", ""), i["metadata"]["name"]) for i in items(pages)]


@pytest.fixture
def via_proxy(proxy: FaultProxy, tmp_path: Path) -> Iterator[LiveSource]:
    with connect_live(kubeconfig=kubeconfig(tmp_path / "kubeconfig", proxy.url)) as source:
        yield source


def test_live_source_is_a_cluster_source_named_after_its_context(sb: sandbox_pkg.Sandbox) -> None:
    with connect_live(kubeconfig=sb.kubeconfig) as source:
        assert isinstance(source, ClusterSource)
        assert source.name == "workbench-sandbox"
        assert source.server == sb.url
        assert source.namespaces is None
        version = source.server_version()
        assert version["major"] == "1"
        assert version["gitVersion"].startswith("v1.")


def test_pages_hold_exactly_the_objects_of_an_unpaged_list(sb: sandbox_pkg.Sandbox) -> None:
    with connect_live(kubeconfig=sb.kubeconfig) as source:
        pages = list(source.list_pages(PODS))
    unpaged = items(fetch_pages(sb, PODS))
    assert len(unpaged) > 1200
    assert [len(orjson.loads(p)["items"]) for p in pages] == [500, 500, len(unpaged) - 1000]
    assert items(pages) == unpaged
    assert all(orjson.loads(p)["kind"] == "PodList" for p in pages)


def test_requests_are_gets_with_limit_and_continue(via_proxy: LiveSource, proxy: FaultProxy) -> None:
    pages = list(via_proxy.list_pages(PODS))
    lists = proxy.entries("/api/v1/pods")
    assert len(lists) == len(pages) == 3
    assert [e.query.get("limit") for e in lists] == ["500", "500", "500"]
    assert "continue" not in lists[0].query
    for before, entry in zip(pages, lists[1:], strict=False):
        assert entry.query["continue"] == orjson.loads(before)["metadata"]["continue"]
    assert {e.method for e in proxy.log} == {"GET"}
    assert {e.route for e in proxy.log} == {"/version", "/api/v1/pods"}


def test_prefetch_runs_one_page_ahead_and_no_further(proxy: FaultProxy, tmp_path: Path) -> None:
    config = kubeconfig(tmp_path / "kubeconfig", proxy.url)
    with connect_live(kubeconfig=config, page_size=100) as source:
        pages = source.list_pages(PODS)
        for held in range(1, 5):
            next(pages)
            # While the caller holds page `held`, the next one is fetched without being asked for...
            wait_for(lambda n=held: len(proxy.entries("/api/v1/pods")) >= n + 1, "the prefetch")
            # ...and nothing beyond it (the following request waits until that page is taken).
            assert len(proxy.entries("/api/v1/pods")) == held + 1
        pages.close()


def test_small_pages_and_early_stop(sb: sandbox_pkg.Sandbox, proxy: FaultProxy, tmp_path: Path) -> None:
    config = kubeconfig(tmp_path / "kubeconfig", proxy.url)
    with connect_live(kubeconfig=config, page_size=7) as source:
        pages = list(source.list_pages(builtin("namespaces")))
        assert keys(pages) == keys(fetch_pages(sb, builtin("namespaces")))
        assert all(len(orjson.loads(p)["items"]) <= 7 for p in pages)
        first = next(iter(source.list_pages(PODS)))
    assert len(orjson.loads(first)["items"]) == 7


def test_namespaces_limit_namespaced_kinds_and_list_cluster_kinds_once(
    sb: sandbox_pkg.Sandbox, proxy: FaultProxy, tmp_path: Path
) -> None:
    config = kubeconfig(tmp_path / "kubeconfig", proxy.url)
    with connect_live(kubeconfig=config, namespaces=["billing", "kube-system", "billing"]) as source:
        assert source.namespaces == ("billing", "kube-system")
        pods = keys(list(source.list_pages(PODS)))
        nodes = keys(list(source.list_pages(builtin("nodes"))))
    expected = [k for k in keys(fetch_pages(sb, PODS)) if k[0] in {"billing", "kube-system"}]
    assert sorted(pods) == sorted(expected)
    assert {ns for ns, _ in pods} == {"billing", "kube-system"}
    assert nodes == keys(fetch_pages(sb, builtin("nodes")))
    assert [e.route for e in proxy.entries() if "pods" in e.route] == [
        "/api/v1/namespaces/billing/pods",
        "/api/v1/namespaces/kube-system/pods",
    ]
    assert len(proxy.entries("/api/v1/nodes")) == 1


@pytest.mark.parametrize("bad", [[], ["billing", ""], "billing"])
def test_bad_namespaces_or_page_size_are_config_errors(sb: sandbox_pkg.Sandbox, bad: Any) -> None:
    with pytest.raises(ConfigError, match="namespaces must"):
        connect_live(kubeconfig=sb.kubeconfig, namespaces=bad)
    with pytest.raises(ConfigError, match="page_size must be at least 1"):
        connect_live(kubeconfig=sb.kubeconfig, page_size=0)


def _post(sb: sandbox_pkg.Sandbox, path: str, obj: dict[str, Any]) -> None:
    request = urllib.request.Request(  # noqa: S310 - loopback sandbox URL
        sb.url + path, data=json.dumps(obj).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30):  # noqa: S310 - loopback sandbox URL
        pass


def test_expired_continue_falls_back_to_one_full_list_without_repeats() -> None:
    # history=2: the store keeps so few changes that a dozen writes expire the first page's token.
    with sandbox_pkg.start(manual_clock=True, synthetic="pods=60", history=2) as small:
        with connect_live(kubeconfig=small.kubeconfig, page_size=10) as source:
            pages = source.list_pages(PODS)
            got = [next(pages)]
            _post(small, "/api/v1/namespaces", {"metadata": {"name": "zz-late"}})
            for i in range(12):
                pod = {
                    "metadata": {"name": f"late-{i:02}"},
                    "spec": {"containers": [{"name": "c", "image": "x"}]},
                }
                _post(small, "/api/v1/namespaces/zz-late/pods", pod)
            got.extend(pages)
        requests = [(path, code) for method, path, code in small.requests if path.startswith("/api/v1/pods")]
        final = keys(fetch_pages(small, PODS))
    expired = [i for i, (_, code) in enumerate(requests) if code == 410]
    assert len(expired) == 1
    assert "continue=" in requests[expired[0]][0]
    # The retry after the 410 is a full list: no limit, no continue token; and it is the last request.
    assert requests[expired[0] + 1 :] == [("/api/v1/pods", 200)]
    listed = keys(got)
    assert len(listed) == len(set(listed))
    assert sorted(listed) == sorted(final)
    assert ("zz-late", "late-11") in listed


CRD = """
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
  - name: v1alpha1
    served: true
    storage: false
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gadgets.example.org
spec:
  group: example.org
  scope: Cluster
  names: {plural: gadgets, singular: gadget, kind: Gadget}
  versions:
  - name: v2
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
"""


def test_custom_kinds_one_per_crd_at_its_storage_version(
    sb: sandbox_pkg.Sandbox, kubectl: Kubectl, proxy: FaultProxy, tmp_path: Path
) -> None:
    kubectl("apply", "-f", "-", stdin=CRD)
    kubectl("apply", "-f", "-", stdin="apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w1}\n")
    with connect_live(kubeconfig=kubeconfig(tmp_path / "kubeconfig", proxy.url)) as source:
        kinds = source.custom_kinds()
        assert kinds == [
            Kind("gadgets.example.org", "Gadget", "example.org", "v2", "gadgets", False),
            Kind("widgets.example.com", "Widget", "example.com", "v1", "widgets", True),
        ]
        assert keys(list(source.list_pages(kinds[1]))) == [("default", "w1")]
        proxy.fail("/apis/apiextensions.k8s.io", 403, message="customresourcedefinitions is forbidden")
        assert source.custom_kinds() == []
        proxy.clear()
        proxy.fail("/apis/apiextensions.k8s.io", 404)
        assert source.custom_kinds() == []


@pytest.fixture(scope="module")
def crashing(sb: sandbox_pkg.Sandbox) -> str:
    """A billing pod of the crashloop scenario whose container has restarted (so it has a previous log)."""
    url = sb.url + "/api/v1/namespaces/billing/pods"
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - loopback sandbox URL
        pods = orjson.loads(response.read())["items"]
    return str(
        next(p["metadata"]["name"] for p in pods if p["status"]["containerStatuses"][0]["restartCount"] > 0)
    )


def test_logs_previous_run_with_tail_and_timestamps(
    crashing: str, via_proxy: LiveSource, proxy: FaultProxy
) -> None:
    pod = crashing
    last = via_proxy.logs("billing", pod, previous=True, tail=1)
    lines = last.splitlines()
    assert len(lines) == 1
    assert TIMESTAMPED.match(lines[0])
    assert "required environment variable DATABASE_URL is not set" in lines[0]
    both = via_proxy.logs("billing", pod, container="invoice-api", previous=True, tail=2).splitlines()
    assert len(both) == 2
    assert "starting invoice-api" in both[0]
    assert both[1] == lines[0]
    query = proxy.entries(f"/api/v1/namespaces/billing/pods/{pod}/log")[0].query
    assert query == {"timestamps": "true", "limitBytes": str(1 << 20), "previous": "true", "tailLines": "1"}


def test_logs_are_cut_at_limit_bytes(crashing: str, via_proxy: LiveSource) -> None:
    pod = crashing
    full = via_proxy.logs("billing", pod, previous=True)
    cut = via_proxy.logs("billing", pod, previous=True, limit_bytes=40)
    assert len(full.encode()) > 40
    assert cut == full[:40]
    with pytest.raises(ConfigError, match="limit_bytes must be a positive"):
        via_proxy.logs("billing", pod, limit_bytes=0)
    with pytest.raises(ConfigError, match="tail must be a number of lines"):
        via_proxy.logs("billing", pod, tail=-1)


def test_log_errors_carry_the_servers_reason(crashing: str, via_proxy: LiveSource) -> None:
    with pytest.raises(ApiStatusError, match="no pod billing/gone to read logs from") as gone:
        via_proxy.logs("billing", "gone")
    assert gone.value.code == 404
    pod = crashing
    with pytest.raises(ApiStatusError, match="container sidecar is not valid") as bad:
        via_proxy.logs("billing", pod, container="sidecar")
    assert (bad.value.code, bad.value.reason) == (400, "BadRequest")


def test_a_closed_source_refuses_to_list(sb: sandbox_pkg.Sandbox) -> None:
    source = connect_live(kubeconfig=sb.kubeconfig)
    source.close()
    source.close()
    with pytest.raises(ConfigError, match="is closed; connect again"):
        next(source.list_pages(PODS))
