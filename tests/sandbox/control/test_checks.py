"""The success-check language: validation errors and every check's verdict over plain API objects."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from workbench.errors import ScenarioError
from workbench.sandbox._scenarios._check_rules import pod_reason
from workbench.sandbox._scenarios._checks import CHECKS, Check, CheckReport, evaluate, parse_checks

Obj = dict[str, Any]


def fetch_over(*objects: Obj) -> Callable[[str, str | None], list[Obj]]:
    calls: list[tuple[str, str | None]] = []

    def fetch(kind: str, namespace: str | None) -> list[Obj]:
        calls.append((kind, namespace))
        return [
            o
            for o in objects
            if o["kind"] == kind and (namespace is None or o["metadata"].get("namespace") == namespace)
        ]

    fetch.calls = calls  # type: ignore[attr-defined]
    return fetch


def pod(
    name: str,
    *,
    ns: str = "shop",
    labels: dict[str, str] | None = None,
    ready: bool = True,
    waiting: str = "",
    restarts: int = 0,
    phase: str = "Running",
    deleting: bool = False,
    reason: str = "",
) -> Obj:
    state: Obj = (
        {"waiting": {"reason": waiting}} if waiting else {"running": {"startedAt": "2026-01-01T00:00:00Z"}}
    )
    status: Obj = {
        "phase": phase,
        "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
        "containerStatuses": [{"name": "app", "ready": ready, "restartCount": restarts, "state": state}],
    }
    if reason:
        status["reason"] = reason
    meta: Obj = {"name": name, "namespace": ns, "labels": labels or {"app": "checkout"}}
    if deleting:
        meta["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    return {"kind": "Pod", "metadata": meta, "spec": {"containers": [{"name": "app"}]}, "status": status}


def deployment(name: str = "checkout", *, ns: str = "shop", spec_replicas: int = 2, **status: Any) -> Obj:
    return {
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": ns, "generation": status.pop("generation", 1)},
        "spec": {"replicas": spec_replicas},
        "status": {"observedGeneration": 1, **status},
    }


def run(check: Obj, *objects: Obj) -> tuple[bool, str]:
    report = evaluate([check], fetch_over(*objects))
    assert len(report.results) == 1
    return report.results[0].passed, report.results[0].detail


# -- validation --------------------------------------------------------------------------------------
def test_parse_checks_accepts_every_documented_shape() -> None:
    checks = parse_checks(
        [
            {"pods_ready": {"namespace": "shop", "selector": "app=checkout", "min": 2, "max_restarts": 0}},
            {"nodes_ready": None},
            {"nodes_ready": {"names": ["kind-worker"], "min": 1}},
            {"no_pods_in_reason": {"reason": "CrashLoopBackOff"}},
        ],
        source="demo",
    )
    assert [c.name for c in checks] == ["pods_ready", "nodes_ready", "nodes_ready", "no_pods_in_reason"]
    assert checks[0].subject == "shop app=checkout"
    assert checks[1].subject == "cluster"
    assert parse_checks(None, source="demo") == ()


@pytest.mark.parametrize(
    ("specs", "message"),
    [
        ({"pods_ready": {}}, r"checks must be a list"),
        (["pods_ready"], r"checks\[1\]: expected one"),
        ([{"pods_ready": {"namespace": "a"}, "pvc_bound": {}}], r"checks\[1\]: expected one"),
        ([{"pods_healthy": {}}], r"unknown check 'pods_healthy'; known checks: cronjob_last_success, "),
        ([{"pods_ready": {}}], r"checks\[1\]\.pods_ready: missing parameter 'namespace'"),
        ([{"pods_ready": "shop"}], r"parameters must be a mapping"),
        (
            [{"pods_ready": {"namespace": "shop", "label": "a=b"}}],
            r"unknown parameter 'label'; pods_ready takes: ",
        ),
        ([{"pods_ready": {"namespace": "shop", "min": "2"}}], r"pods_ready\.min: expected int, got '2'"),
        ([{"pods_ready": {"namespace": "shop", "min": True}}], r"expected int, got True"),
        ([{"pods_ready": {"namespace": "shop", "min": -1}}], r"min: must be 0 or more"),
        ([{"pods_ready": {"namespace": "shop", "selector": "app in"}}], r"selector: unable to parse"),
        ([{"nodes_ready": {"names": [1]}}], r"names: expected a list of node names"),
        ([{"nodes_ready": {"names": "kind-worker"}}], r"names: expected list"),
    ],
)
def test_parse_checks_errors_name_the_problem(specs: Any, message: str) -> None:
    with pytest.raises(ScenarioError, match=message) as info:
        parse_checks(specs, source="scenario.yaml")
    assert info.value.source == "scenario.yaml"


def test_unknown_check_lists_every_known_one() -> None:
    with pytest.raises(ScenarioError) as info:
        parse_checks([{"nope": {}}], source="x")
    assert all(name in str(info.value) for name in CHECKS)


def test_evaluate_validates_raw_specs_and_accepts_parsed_checks() -> None:
    with pytest.raises(ScenarioError, match="unknown check"):
        evaluate([{"nope": {}}], fetch_over())
    parsed = Check("nodes_ready", {})
    report = evaluate([parsed], fetch_over())
    assert report == CheckReport(False, report.results)
    assert report.failed == report.results


def test_each_kind_and_namespace_is_fetched_once() -> None:
    fetch = fetch_over(pod("checkout-1"))
    spec = {"pods_ready": {"namespace": "shop"}}
    evaluate([spec, spec, {"no_pods_in_reason": {"namespace": "shop", "reason": "Error"}}], fetch)
    assert fetch.calls == [("Pod", "shop")]  # type: ignore[attr-defined]


def test_report_prints_one_line_per_check() -> None:
    report = evaluate(
        [{"pods_ready": {"namespace": "shop"}}, {"nodes_ready": {}}], fetch_over(pod("checkout-1"))
    )
    assert str(report).splitlines() == [
        "PASS pods_ready shop: 1 pod Ready",
        "FAIL nodes_ready cluster: only 0 nodes, want at least 1",
    ]
    assert not report.passed


# -- pods ----------------------------------------------------------------------------------------------
def test_pods_ready_names_the_unready_pods_with_their_status_column() -> None:
    objects = (
        pod("checkout-a"),
        pod("checkout-b", ready=False, waiting="CrashLoopBackOff", restarts=5),
        pod("checkout-old", ready=False, deleting=True),
        pod("checkout-done", ready=False, phase="Succeeded"),
        pod("cart-a", labels={"app": "cart"}, ready=False),
    )
    ok, detail = run({"pods_ready": {"namespace": "shop", "selector": "app=checkout"}}, *objects)
    assert not ok
    assert detail == "1 of 2 pods not Ready: checkout-b (CrashLoopBackOff, 0/1 ready, 5 restarts)"


def test_pods_ready_min_and_max_restarts() -> None:
    spec: Obj = {"namespace": "shop", "selector": "app=checkout", "min": 3}
    assert run({"pods_ready": spec}, pod("a"), pod("b")) == (
        False,
        "only 2 pods with app=checkout in shop, want at least 3",
    )
    assert run({"pods_ready": {**spec, "min": 2}}, pod("a"), pod("b")) == (True, "2 pods Ready")
    restarted = run({"pods_ready": {"namespace": "shop", "max_restarts": 0}}, pod("a", restarts=2))
    assert restarted == (False, "restarted more than 0 times: a (Running, 1/1 ready, 2 restarts)")
    assert run({"pods_ready": {"namespace": "shop"}}) == (False, "no pods in shop")
    assert run({"pods_ready": {"namespace": "shop", "min": 0}}) == (True, "no pods in shop")


def test_no_pods_in_reason_across_namespaces() -> None:
    objects = (
        pod("checkout-a", ready=False, waiting="CrashLoopBackOff"),
        pod("postgres-0", ns="data", ready=False, waiting="CreateContainerConfigError"),
    )
    assert run({"no_pods_in_reason": {"reason": "CrashLoopBackOff"}}, *objects) == (
        False,
        "1 pod in CrashLoopBackOff: shop/checkout-a",
    )
    assert run({"no_pods_in_reason": {"namespace": "data", "reason": "CrashLoopBackOff"}}, *objects) == (
        True,
        "no pod in CrashLoopBackOff",
    )


def test_pod_reason_follows_kubectls_status_column() -> None:
    assert pod_reason(pod("a")) == "Running"
    assert pod_reason(pod("a", waiting="ImagePullBackOff")) == "ImagePullBackOff"
    assert pod_reason(pod("a", deleting=True)) == "Terminating"
    assert pod_reason(pod("a", phase="Failed", reason="Evicted")) == "Evicted"
    terminated = pod("a")
    terminated["status"]["containerStatuses"][0]["state"] = {
        "terminated": {"exitCode": 137, "reason": "OOMKilled"}
    }
    assert pod_reason(terminated) == "OOMKilled"
    terminated["status"]["containerStatuses"][0]["state"] = {"terminated": {"exitCode": 2}}
    assert pod_reason(terminated) == "ExitCode:2"
    init = pod("a", phase="Pending")
    init["spec"]["initContainers"] = [{"name": "migrate"}]
    init["status"]["initContainerStatuses"] = [{"state": {"waiting": {"reason": "PodInitializing"}}}]
    assert pod_reason(init) == "Init:0/1"
    init["status"]["initContainerStatuses"] = [{"state": {"terminated": {"exitCode": 1, "reason": "Error"}}}]
    assert pod_reason(init) == "Init:Error"
    assert pod_reason({"metadata": {}, "status": {"phase": "Pending"}}) == "Pending"


# -- workloads ---------------------------------------------------------------------------------------
WAITING = 'Waiting for deployment "checkout" rollout to finish: '


@pytest.mark.parametrize(
    ("status", "detail"),
    [
        ({"generation": 2}, "Waiting for deployment spec update to be observed..."),
        (
            {
                "conditions": [
                    {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}
                ]
            },
            'deployment "checkout" exceeded its progress deadline',
        ),
        (
            {"updatedReplicas": 1, "replicas": 3},
            WAITING + "1 out of 2 new replicas have been updated...",
        ),
        (
            {"updatedReplicas": 2, "replicas": 3, "availableReplicas": 2},
            WAITING + "1 old replicas are pending termination...",
        ),
        (
            {"updatedReplicas": 2, "replicas": 2, "availableReplicas": 1},
            WAITING + "1 of 2 updated replicas are available...",
        ),
    ],
)
def test_deployment_available_speaks_like_rollout_status(status: Obj, detail: str) -> None:
    assert run({"deployment_available": {"namespace": "shop", "name": "checkout"}}, deployment(**status)) == (
        False,
        detail,
    )


def test_deployment_available_passes_and_honours_min() -> None:
    done = deployment(updatedReplicas=2, replicas=2, availableReplicas=2)
    spec: Obj = {"namespace": "shop", "name": "checkout"}
    assert run({"deployment_available": spec}, done) == (
        True,
        'deployment "checkout" successfully rolled out (2/2 available)',
    )
    scaled_to_zero = deployment(spec_replicas=0)
    assert run({"deployment_available": {**spec, "min": 1}}, scaled_to_zero) == (
        False,
        "0 available replicas (spec.replicas 0), want 1",
    )
    assert run({"deployment_available": spec}) == (False, "Deployment shop/checkout not found")


def test_statefulset_ready() -> None:
    sts: Obj = {
        "kind": "StatefulSet",
        "metadata": {"name": "postgres", "namespace": "data", "generation": 1},
        "spec": {"replicas": 1},
        "status": {"observedGeneration": 1, "readyReplicas": 0, "currentRevision": "postgres-1"},
    }
    spec = {"statefulset_ready": {"namespace": "data", "name": "postgres"}}
    assert run(spec, sts) == (False, "Waiting for 1 pods to be ready...")
    sts["status"].update(readyReplicas=1, updateRevision="postgres-2", updatedReplicas=0)
    assert run(spec, sts) == (
        False,
        "waiting for statefulset rolling update to complete 0 pods at revision postgres-2...",
    )
    sts["status"]["currentRevision"] = "postgres-2"
    assert run(spec, sts) == (True, "statefulset rolling update complete 1 pods at revision postgres-2...")
    sts["status"]["observedGeneration"] = 0
    assert run(spec, sts) == (False, "Waiting for statefulset spec update to be observed...")


def job(
    name: str, *, conditions: list[Obj] | None = None, owner: str = "", start: str = "", **counts: int
) -> Obj:
    meta: Obj = {"name": name, "namespace": "finance"}
    if owner:
        meta["ownerReferences"] = [{"kind": "CronJob", "name": "backup", "uid": owner, "controller": True}]
    status: Obj = {"conditions": conditions or [], **counts}
    if start:
        status["startTime"] = start
    return {"kind": "Job", "metadata": meta, "status": status}


COMPLETE = [{"type": "Complete", "status": "True"}]
FAILED = [
    {
        "type": "Failed",
        "status": "True",
        "reason": "BackoffLimitExceeded",
        "message": "Job has reached the specified backoff limit",
    }
]


def test_job_complete() -> None:
    spec = {"job_complete": {"namespace": "finance", "name": "export"}}
    assert run(spec, job("export", conditions=COMPLETE)) == (True, "Job finance/export completed")
    assert run(spec, job("export", conditions=FAILED)) == (
        False,
        "Job finance/export failed: BackoffLimitExceeded (Job has reached the specified backoff limit)",
    )
    assert run(spec, job("export", active=1, failed=2)) == (
        False,
        "Job finance/export has not completed: 1 active, 0 succeeded, 2 failed",
    )
    assert run(spec) == (False, "Job finance/export not found")


def test_cronjob_last_success_judges_the_newest_finished_job() -> None:
    cron: Obj = {"kind": "CronJob", "metadata": {"name": "backup", "namespace": "finance", "uid": "c1"}}
    spec = {"cronjob_last_success": {"namespace": "finance", "name": "backup"}}
    old_ok = job("backup-1", owner="c1", conditions=COMPLETE, start="2026-01-01T00:00:00Z")
    new_failed = job("backup-2", owner="c1", conditions=FAILED, start="2026-01-01T00:05:00Z")
    running = job("backup-3", owner="c1", start="2026-01-01T00:10:00Z", active=1)
    stranger = job("other", owner="zz", conditions=COMPLETE, start="2026-01-01T00:20:00Z")
    assert run(spec, cron, old_ok, new_failed, running, stranger) == (
        False,
        "the last finished Job backup-2 failed: BackoffLimitExceeded "
        "(Job has reached the specified backoff limit)",
    )
    newer_ok = job("backup-4", owner="c1", conditions=COMPLETE, start="2026-01-01T00:15:00Z")
    assert run(spec, cron, old_ok, new_failed, newer_ok) == (True, "the last finished Job backup-4 succeeded")
    assert run(spec, cron, running) == (
        False,
        "no Job of CronJob finance/backup has finished yet (1 job in all)",
    )
    assert run(spec) == (False, "CronJob finance/backup not found")


def test_hpa_scaling_active() -> None:
    hpa: Obj = {
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "gw", "namespace": "gateway"},
        "status": {},
    }
    spec = {"hpa_scaling_active": {"namespace": "gateway", "name": "gw"}}
    assert run(spec, hpa)[0] is False
    hpa["status"]["conditions"] = [
        {
            "type": "ScalingActive",
            "status": "False",
            "reason": "FailedGetResourceMetric",
            "message": "missing request for cpu",
        }
    ]
    assert run(spec, hpa) == (False, "ScalingActive False FailedGetResourceMetric: missing request for cpu")
    hpa["status"]["conditions"][0].update(status="True", reason="ValidMetricFound")
    assert run(spec, hpa) == (True, "ScalingActive True ValidMetricFound")


# -- network and storage -----------------------------------------------------------------------------
def service(name: str, selector: dict[str, str] | None, *, ns: str = "shop", port: int = 80) -> Obj:
    spec: Obj = {"ports": [{"name": "http", "port": port}]}
    if selector is not None:
        spec["selector"] = selector
    return {"kind": "Service", "metadata": {"name": name, "namespace": ns}, "spec": spec}


def endpoints(name: str, ready: int, unready: int = 0, *, ns: str = "shop") -> Obj:
    subset: Obj = {}
    if ready:
        subset["addresses"] = [{"ip": f"10.244.1.{i}"} for i in range(ready)]
    if unready:
        subset["notReadyAddresses"] = [{"ip": f"10.244.2.{i}"} for i in range(unready)]
    return {
        "kind": "Endpoints",
        "metadata": {"name": name, "namespace": ns},
        "subsets": [subset] if subset else [],
    }


def test_service_endpoints_explains_an_empty_service() -> None:
    spec = {"service_endpoints": {"namespace": "shop", "name": "orders"}}
    typo = service("orders", {"app": "order"})
    assert run(spec, typo, endpoints("orders", 0), pod("orders-1", labels={"app": "orders"})) == (
        False,
        "Service shop/orders has 0 ready endpoints (0 not ready); its selector app=order matches 0 pods",
    )
    unready = run(
        spec,
        service("orders", {"app": "orders"}),
        endpoints("orders", 0, 2),
        pod("o", labels={"app": "orders"}),
    )
    assert unready == (
        False,
        "Service shop/orders has 0 ready endpoints (2 not ready); its selector app=orders matches 1 pod",
    )
    assert run(spec, service("orders", None), endpoints("orders", 0)) == (
        False,
        "Service shop/orders has no selector and 0 ready endpoints",
    )
    assert run(spec, service("orders", {"app": "orders"}), endpoints("orders", 2)) == (
        True,
        "2 ready endpoints",
    )
    min3 = {"service_endpoints": {"namespace": "shop", "name": "orders", "min": 3}}
    assert run(min3, service("orders", {"app": "orders"}), endpoints("orders", 2))[0] is False
    assert run(spec) == (False, "Service shop/orders not found")


def ingress(*backends: tuple[str, Obj], default: str = "") -> Obj:
    paths = [{"path": "/", "backend": {"service": {"name": n, "port": p}}} for n, p in backends]
    spec: Obj = {"rules": [{"host": "shop.example", "http": {"paths": paths}}]}
    if default:
        spec["defaultBackend"] = {"service": {"name": default, "port": {"number": 80}}}
    return {"kind": "Ingress", "metadata": {"name": "web", "namespace": "shop"}, "spec": spec}


def test_ingress_backends() -> None:
    spec = {"ingress_backends": {"namespace": "shop", "name": "web"}}
    missing = ingress(("landing", {"number": 80}))
    assert run(spec, missing) == (False, 'backend Service "landing" not found')
    wrong_port = ingress(("landing", {"number": 8080}))
    assert run(spec, wrong_port, service("landing", {"app": "l"})) == (
        False,
        'Service "landing" has no port 8080',
    )
    by_name = ingress(("landing", {"name": "http"}), default="landing")
    assert run(spec, by_name, service("landing", {"app": "l"}), endpoints("landing", 0)) == (
        False,
        'Service "landing" has no ready endpoints',
    )
    assert run(spec, by_name, service("landing", {"app": "l"}), endpoints("landing", 1)) == (
        True,
        "2 backends with ready endpoints",
    )
    resource_only: Obj = {"kind": "Ingress", "metadata": {"name": "web", "namespace": "shop"}, "spec": {}}
    assert run(spec, resource_only) == (False, "Ingress shop/web has no Service backends")
    assert run(spec) == (False, "Ingress shop/web not found")


def test_pvc_bound() -> None:
    pvc: Obj = {
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "data", "namespace": "inventory"},
        "spec": {"storageClassName": "fast-ssd"},
        "status": {"phase": "Pending"},
    }
    spec = {"pvc_bound": {"namespace": "inventory", "name": "data"}}
    assert run(spec, pvc) == (
        False,
        "PersistentVolumeClaim inventory/data is Pending (storage class fast-ssd)",
    )
    pvc["status"]["phase"] = "Bound"
    pvc["spec"]["volumeName"] = "pvc-1234"
    assert run(spec, pvc) == (True, "Bound to pvc-1234")


def node(name: str, ready: str = "True", reason: str = "KubeletReady") -> Obj:
    cond = {"type": "Ready", "status": ready, "reason": reason}
    return {"kind": "Node", "metadata": {"name": name}, "status": {"conditions": [cond]}}


def test_nodes_ready() -> None:
    nodes = (node("cp"), node("w1"), node("w2", "Unknown", "NodeStatusUnknown"))
    assert run({"nodes_ready": {}}, *nodes) == (False, "w2 NotReady (NodeStatusUnknown)")
    assert run({"nodes_ready": {"names": ["cp", "w1"]}}, *nodes) == (True, "2 nodes Ready")
    assert run({"nodes_ready": {"names": ["w9"]}}, *nodes) == (False, "no node w9")
    assert run({"nodes_ready": {"min": 4}}, *nodes[:2]) == (False, "only 2 nodes, want at least 4")
