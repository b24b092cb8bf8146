"""Root-cause links on hand-built frames: ownership, selection, routing, placement, related, order."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

import pandas as pd
import pytest

from workbench.analyzers.links import Link, Rule, find_links, link, rank_of
from workbench.frames import Frames
from workbench.frames._registry import builder_for
from workbench.model import Evidence, Finding, ObjectRef, Severity
from workbench.sources._kinds import builtin

# --- real-shaped API objects --------------------------------------------------------------------------


def meta(
    name: str,
    namespace: str = "shop",
    labels: dict[str, str] | None = None,
    owner: tuple[str, str] | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name, "uid": f"uid-{namespace}-{name}", "labels": labels or {}}
    if namespace:
        out["namespace"] = namespace
    if owner is not None:
        kind, owner_name = owner
        api = "v1" if kind == "Node" else ("batch/v1" if kind in ("Job", "CronJob") else "apps/v1")
        out["ownerReferences"] = [
            {
                "apiVersion": api,
                "kind": kind,
                "name": owner_name,
                "uid": f"uid-{owner_name}",
                "controller": True,
            }
        ]
    return out


def pod(
    name: str,
    *,
    labels: dict[str, str],
    owner: tuple[str, str] | None = None,
    node: str | None = "kind-worker",
    namespace: str = "shop",
) -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": [{"name": "app", "image": "registry.example/app:1.0"}]}
    if node:
        spec["nodeName"] = node
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta(name, namespace, labels, owner),
        "spec": spec,
        "status": {"phase": "Pending" if node is None else "Running"},
    }


def workload(
    kind: str, name: str, selector: dict[str, str], owner: tuple[str, str] | None = None
) -> dict[str, Any]:
    api = "batch/v1" if kind == "Job" else "apps/v1"
    return {
        "apiVersion": api,
        "kind": kind,
        "metadata": meta(name, labels=selector, owner=owner),
        "spec": {
            "selector": {"matchLabels": selector},
            "template": {
                "metadata": {"labels": selector},
                "spec": {"containers": [{"name": "app", "image": "registry.example/app:1.0"}]},
            },
        },
        "status": {},
    }


def service(name: str, selector: dict[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": meta(name),
        "spec": {"selector": selector, "ports": [{"port": 80}]},
    }


def ingress(name: str, *backends: str) -> dict[str, Any]:
    paths = [
        {"path": f"/{b}", "pathType": "Prefix", "backend": {"service": {"name": b, "port": {"number": 80}}}}
        for b in backends
    ]
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": meta(name),
        "spec": {"rules": [{"host": "shop.example", "http": {"paths": paths}}]},
    }


def node(name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Node", "metadata": meta(name, ""), "spec": {}, "status": {}}


def frames_of(**items: Iterable[dict[str, Any]]) -> Frames:
    built: dict[str, pd.DataFrame] = {}
    for frame, objects in items.items():
        kind = builtin(frame)
        built.update(builder_for(kind)(kind, [json.dumps({"items": list(objects)}).encode()]))
    return Frames(built, source="test")


# --- findings as the analyzer families write them ---------------------------------------------------


def finding(
    code: str,
    severity: Severity,
    kind: str,
    name: str,
    *,
    namespace: str = "shop",
    related: Iterable[ObjectRef] = (),
) -> Finding:
    ref = ObjectRef(kind, namespace, name)
    return Finding(code, severity, ref, f"{ref}: {code}", related=tuple(related))


def causes(findings: Iterable[Finding]) -> dict[str, tuple[str, ...]]:
    return {f.id: f.caused_by for f in findings}


CONFIGMAP = ObjectRef("ConfigMap", "shop", "web-config")

CHAIN_FRAMES = {
    "pods": [
        pod(
            "web-7d9f-a", labels={"app": "web", "pod-template-hash": "7d9f"}, owner=("ReplicaSet", "web-7d9f")
        ),
        pod(
            "web-7d9f-b", labels={"app": "web", "pod-template-hash": "7d9f"}, owner=("ReplicaSet", "web-7d9f")
        ),
        pod("cart-0", labels={"app": "cart"}, owner=("StatefulSet", "cart")),
    ],
    "replicasets": [
        workload(
            "ReplicaSet", "web-7d9f", {"app": "web", "pod-template-hash": "7d9f"}, owner=("Deployment", "web")
        )
    ],
    "deployments": [workload("Deployment", "web", {"app": "web"})],
    "statefulsets": [workload("StatefulSet", "cart", {"app": "cart"})],
    "services": [service("web", {"app": "web"}), service("cart", {"app": "cart"})],
    "ingresses": [ingress("shop", "web", "cart")],
    "nodes": [node("kind-worker"), node("kind-worker2")],
}


def chain_findings() -> list[Finding]:
    return [
        finding("configmap.missing-key", Severity.ERROR, "ConfigMap", "web-config"),
        finding("pod.config-error", Severity.ERROR, "Pod", "web-7d9f-a", related=[CONFIGMAP]),
        finding("pod.config-error", Severity.ERROR, "Pod", "web-7d9f-b", related=[CONFIGMAP]),
        finding("deployment.unavailable", Severity.CRITICAL, "Deployment", "web"),
        finding("service.no-ready-endpoints", Severity.CRITICAL, "Service", "web"),
        finding("ingress.backend-missing", Severity.ERROR, "Ingress", "shop"),
    ]


def test_the_issue_chain_links_configmap_to_pods_to_deployment_to_service_to_ingress() -> None:
    linked = causes(link(chain_findings(), frames_of(**CHAIN_FRAMES)))
    assert linked == {
        "configmap.missing-key:ConfigMap/shop/web-config": (),
        "pod.config-error:Pod/shop/web-7d9f-a": ("configmap.missing-key:ConfigMap/shop/web-config",),
        "pod.config-error:Pod/shop/web-7d9f-b": ("configmap.missing-key:ConfigMap/shop/web-config",),
        # the nearest owner with findings, through the ReplicaSet that has none
        "deployment.unavailable:Deployment/shop/web": (
            "pod.config-error:Pod/shop/web-7d9f-a",
            "pod.config-error:Pod/shop/web-7d9f-b",
        ),
        # the Service selects the pods; the top of their owner chain with findings causes it, and
        # the direct pod -> service links are redundant
        "service.no-ready-endpoints:Service/shop/web": ("deployment.unavailable:Deployment/shop/web",),
        "ingress.backend-missing:Ingress/shop/shop": ("service.no-ready-endpoints:Service/shop/web",),
    }


def test_find_links_names_the_rule_of_each_link() -> None:
    links = find_links(chain_findings(), frames_of(**CHAIN_FRAMES))
    assert (
        Link(
            "pod.config-error:Pod/shop/web-7d9f-a",
            "deployment.unavailable:Deployment/shop/web",
            Rule.OWNERSHIP,
        )
        in links
    )
    assert (
        Link(
            "deployment.unavailable:Deployment/shop/web",
            "service.no-ready-endpoints:Service/shop/web",
            Rule.SELECTION,
        )
        in links
    )
    assert (
        Link(
            "service.no-ready-endpoints:Service/shop/web",
            "ingress.backend-missing:Ingress/shop/shop",
            Rule.ROUTING,
        )
        in links
    )
    assert (
        Link(
            "configmap.missing-key:ConfigMap/shop/web-config",
            "pod.config-error:Pod/shop/web-7d9f-a",
            Rule.RELATED,
        )
        in links
    )
    assert len(links) == 6
    assert str(Rule.SAME_OBJECT) == "same-object"


def test_link_keeps_order_and_content_and_only_sets_caused_by() -> None:
    findings = chain_findings()
    linked = link(findings, frames_of(**CHAIN_FRAMES))
    assert [f.id for f in linked] == [f.id for f in findings]
    assert [f.summary for f in linked] == [f.summary for f in findings]


def test_without_a_configmap_finding_the_pods_are_the_roots() -> None:
    findings = chain_findings()[1:]
    linked = causes(link(findings, frames_of(**CHAIN_FRAMES)))
    assert linked["pod.config-error:Pod/shop/web-7d9f-a"] == ()


def test_a_service_selecting_failing_pods_of_a_workload_without_findings_is_caused_by_the_pods() -> None:
    findings = [
        finding("pod.crashloop", Severity.ERROR, "Pod", "cart-0"),
        finding("service.no-ready-endpoints", Severity.CRITICAL, "Service", "cart"),
        finding("service.no-ready-endpoints", Severity.CRITICAL, "Service", "web"),
    ]
    linked = causes(link(findings, frames_of(**CHAIN_FRAMES)))
    assert linked["service.no-ready-endpoints:Service/shop/cart"] == ("pod.crashloop:Pod/shop/cart-0",)
    # the web Service does not select cart-0: no link
    assert linked["service.no-ready-endpoints:Service/shop/web"] == ()


def test_a_workload_without_pods_is_linked_to_the_service_through_its_selector() -> None:
    frames = frames_of(
        deployments=[workload("Deployment", "web", {"app": "web"})], services=[service("web", {"app": "web"})]
    )
    findings = [
        finding("deployment.replica-failure", Severity.ERROR, "Deployment", "web"),
        finding("service.no-endpoints", Severity.CRITICAL, "Service", "web"),
    ]
    assert causes(link(findings, frames))["service.no-endpoints:Service/shop/web"] == (
        "deployment.replica-failure:Deployment/shop/web",
    )


def test_placement_links_a_node_to_its_pods_and_onwards() -> None:
    frames = frames_of(
        pods=[
            pod("cart-0", labels={"app": "cart"}, owner=("StatefulSet", "cart"), node="kind-worker2"),
            pod("other", labels={"app": "x"}, node="kind-worker"),
        ],
        statefulsets=[workload("StatefulSet", "cart", {"app": "cart"})],
        nodes=[node("kind-worker"), node("kind-worker2")],
    )
    findings = [
        finding("node.not-ready", Severity.CRITICAL, "Node", "kind-worker2", namespace=""),
        finding("pod.not-ready", Severity.ERROR, "Pod", "cart-0"),
        finding("pod.not-ready", Severity.ERROR, "Pod", "other"),
        finding("statefulset.unavailable", Severity.ERROR, "StatefulSet", "cart"),
    ]
    linked = causes(link(findings, frames))
    assert linked["pod.not-ready:Pod/shop/cart-0"] == ("node.not-ready:Node//kind-worker2",)
    assert linked["statefulset.unavailable:StatefulSet/shop/cart"] == ("pod.not-ready:Pod/shop/cart-0",)
    assert linked["pod.not-ready:Pod/shop/other"] == ()  # on a healthy node


def test_a_pending_claim_causes_the_pod_that_names_it() -> None:
    claim = ObjectRef("PersistentVolumeClaim", "shop", "data-db-0")
    frames = frames_of(
        pods=[pod("db-0", labels={"app": "db"}, owner=("StatefulSet", "db"), node=None)],
        statefulsets=[workload("StatefulSet", "db", {"app": "db"})],
    )
    findings = [
        finding("pvc.pending", Severity.ERROR, "PersistentVolumeClaim", "data-db-0"),
        finding("pod.unschedulable", Severity.ERROR, "Pod", "db-0", related=[claim]),
        finding("statefulset.unavailable", Severity.CRITICAL, "StatefulSet", "db"),
    ]
    linked = causes(link(findings, frames))
    assert linked["pod.unschedulable:Pod/shop/db-0"] == ("pvc.pending:PersistentVolumeClaim/shop/data-db-0",)
    assert linked["statefulset.unavailable:StatefulSet/shop/db"] == ("pod.unschedulable:Pod/shop/db-0",)
    assert linked["pvc.pending:PersistentVolumeClaim/shop/data-db-0"] == ()


def test_findings_on_one_object_chain_by_precedence_and_link_onwards_from_the_last() -> None:
    findings = [
        finding("pod.crashloop", Severity.ERROR, "Pod", "web-7d9f-a"),
        finding("pod.not-ready", Severity.WARNING, "Pod", "web-7d9f-a"),
        finding("deployment.rollout-stuck", Severity.ERROR, "Deployment", "web"),
        finding("deployment.unavailable", Severity.CRITICAL, "Deployment", "web"),
    ]
    linked = causes(link(findings, frames_of(**CHAIN_FRAMES)))
    assert linked == {
        "pod.crashloop:Pod/shop/web-7d9f-a": (),
        "pod.not-ready:Pod/shop/web-7d9f-a": ("pod.crashloop:Pod/shop/web-7d9f-a",),
        "deployment.rollout-stuck:Deployment/shop/web": ("pod.not-ready:Pod/shop/web-7d9f-a",),
        "deployment.unavailable:Deployment/shop/web": ("deployment.rollout-stuck:Deployment/shop/web",),
    }


@pytest.mark.parametrize(
    ("code", "rank"),
    [
        ("pod.crashloop", 0),
        ("pod.oomkilled", 0),
        ("pod.not-ready", 2),
        ("deployment.unavailable", 3),
        ("deployment.rollout-stuck", 1),
    ],
)
def test_same_object_precedence_is_a_table_of_code_patterns(code: str, rank: int) -> None:
    assert rank_of(code) == rank


def test_equal_rank_findings_on_one_object_are_independent() -> None:
    findings = [
        finding("node.memory-pressure", Severity.WARNING, "Node", "kind-worker", namespace=""),
        finding("node.disk-pressure", Severity.WARNING, "Node", "kind-worker", namespace=""),
    ]
    assert set(causes(link(findings, frames_of(nodes=[node("kind-worker")]))).values()) == {()}


@pytest.mark.parametrize(
    ("first", "second", "root"),
    [
        (Severity.ERROR, Severity.WARNING, "a"),  # the more severe one is the cause
        (Severity.WARNING, Severity.ERROR, "b"),
        (Severity.ERROR, Severity.ERROR, "a"),  # then the lower id
    ],
)
def test_findings_that_name_each_other_never_form_a_cycle(
    first: Severity, second: Severity, root: str
) -> None:
    a = finding("widget.broken", first, "ConfigMap", "a", related=[ObjectRef("ConfigMap", "shop", "b")])
    b = finding("widget.broken", second, "ConfigMap", "b", related=[ObjectRef("ConfigMap", "shop", "a")])
    linked = causes(link([a, b], Frames({})))
    other = "b" if root == "a" else "a"
    assert linked[f"widget.broken:ConfigMap/shop/{root}"] == ()
    assert linked[f"widget.broken:ConfigMap/shop/{other}"] == (f"widget.broken:ConfigMap/shop/{root}",)


def test_a_longer_related_cycle_is_broken_and_structure_wins_over_related() -> None:
    # The node finding names its affected pod; placement already links node -> pod, so the
    # related pod -> node link would close a cycle and is dropped.
    frames = frames_of(pods=[pod("p", labels={"app": "p"}, node="kind-worker")], nodes=[node("kind-worker")])
    findings = [
        finding(
            "node.not-ready",
            Severity.CRITICAL,
            "Node",
            "kind-worker",
            namespace="",
            related=[ObjectRef("Pod", "shop", "p")],
        ),
        finding("pod.not-ready", Severity.ERROR, "Pod", "p"),
    ]
    linked = causes(link(findings, frames))
    assert linked == {
        "node.not-ready:Node//kind-worker": (),
        "pod.not-ready:Pod/shop/p": ("node.not-ready:Node//kind-worker",),
    }
    three = [
        finding("x.broken", Severity.ERROR, "ConfigMap", "a", related=[ObjectRef("ConfigMap", "shop", "c")]),
        finding("x.broken", Severity.ERROR, "ConfigMap", "b", related=[ObjectRef("ConfigMap", "shop", "a")]),
        finding("x.broken", Severity.ERROR, "ConfigMap", "c", related=[ObjectRef("ConfigMap", "shop", "b")]),
    ]
    linked = causes(link(three, Frames({})))
    assert sum(1 for c in linked.values() if not c) == 1  # exactly one root: a DAG


def test_a_mirror_pod_owned_by_its_node_does_not_loop() -> None:
    frames = frames_of(
        pods=[
            pod(
                "etcd-kind-control-plane",
                labels={"component": "etcd"},
                owner=("Node", "kind-control-plane"),
                node="kind-control-plane",
                namespace="kube-system",
            )
        ],
        nodes=[node("kind-control-plane")],
    )
    findings = [
        finding("node.not-ready", Severity.CRITICAL, "Node", "kind-control-plane", namespace=""),
        finding("pod.not-ready", Severity.ERROR, "Pod", "etcd-kind-control-plane", namespace="kube-system"),
    ]
    linked = causes(link(findings, frames))
    assert linked["node.not-ready:Node//kind-control-plane"] == ()
    assert linked["pod.not-ready:Pod/kube-system/etcd-kind-control-plane"] == (
        "node.not-ready:Node//kind-control-plane",
    )


def test_job_pods_cause_the_job_which_causes_its_cronjob() -> None:
    frames = frames_of(
        pods=[pod("report-28901-x", labels={"job-name": "report-28901"}, owner=("Job", "report-28901"))],
        jobs=[workload("Job", "report-28901", {"job-name": "report-28901"}, owner=("CronJob", "report"))],
    )
    findings = [
        finding("pod.crashloop", Severity.ERROR, "Pod", "report-28901-x"),
        finding("job.failed", Severity.ERROR, "Job", "report-28901"),
        finding("cronjob.failing", Severity.ERROR, "CronJob", "report"),
    ]
    linked = causes(link(findings, frames))
    assert linked["job.failed:Job/shop/report-28901"] == ("pod.crashloop:Pod/shop/report-28901-x",)
    assert linked["cronjob.failing:CronJob/shop/report"] == ("job.failed:Job/shop/report-28901",)


def test_info_findings_are_never_linked() -> None:
    findings = [
        finding("pod.crashloop", Severity.ERROR, "Pod", "web-7d9f-a"),
        finding("deployment.no-limits", Severity.INFO, "Deployment", "web"),
        finding("deployment.unavailable", Severity.CRITICAL, "Deployment", "web"),
    ]
    linked = causes(link(findings, frames_of(**CHAIN_FRAMES)))
    assert linked["deployment.no-limits:Deployment/shop/web"] == ()
    assert linked["deployment.unavailable:Deployment/shop/web"] == ("pod.crashloop:Pod/shop/web-7d9f-a",)


def test_explicit_causes_are_kept_and_redundant_related_links_dropped() -> None:
    svc = ObjectRef("Service", "shop", "web")
    findings = [
        finding("pod.crashloop", Severity.ERROR, "Pod", "web-7d9f-a"),
        finding("deployment.unavailable", Severity.CRITICAL, "Deployment", "web"),
        finding(
            "service.no-ready-endpoints",
            Severity.CRITICAL,
            "Service",
            "web",
            related=[ObjectRef("Deployment", "shop", "web")],
        ),
        # names both the service and the pod: pod -> ingress is redundant through the service
        finding(
            "ingress.backend-missing",
            Severity.ERROR,
            "Ingress",
            "shop",
            related=[svc, ObjectRef("Pod", "shop", "web-7d9f-a")],
        ),
        Finding(
            "x.custom",
            Severity.WARNING,
            ObjectRef("ConfigMap", "shop", "c"),
            "c",
            caused_by=("pod.crashloop:Pod/shop/web-7d9f-a", "no.such:Pod/shop/x"),
        ),
    ]
    linked = causes(link(findings, frames_of(**CHAIN_FRAMES)))
    assert linked["ingress.backend-missing:Ingress/shop/shop"] == (
        "service.no-ready-endpoints:Service/shop/web",
    )
    assert linked["x.custom:ConfigMap/shop/c"] == (
        "pod.crashloop:Pod/shop/web-7d9f-a",
    )  # unknown ids dropped


def test_refs_match_on_kind_namespace_and_name_whatever_their_uid() -> None:
    findings = [
        Finding(
            "configmap.missing-key",
            Severity.ERROR,
            ObjectRef("ConfigMap", "shop", "web-config", uid="u-1"),
            "cm",
        ),
        finding("pod.config-error", Severity.ERROR, "Pod", "web-7d9f-a", related=[CONFIGMAP]),
    ]
    linked = causes(link(findings, frames_of(**CHAIN_FRAMES)))
    assert linked["pod.config-error:Pod/shop/web-7d9f-a"] == (
        "configmap.missing-key:ConfigMap/shop/web-config",
    )


def test_empty_frames_and_no_findings_are_fine() -> None:
    assert link([], Frames({})) == []
    lone = [
        finding("service.no-endpoints", Severity.ERROR, "Service", "ghost"),
        finding("pod.crashloop", Severity.ERROR, "Pod", "ghost"),
    ]
    assert set(causes(link(lone, Frames({}))).values()) == {()}


def test_a_choice_is_never_an_effect_but_can_be_a_cause() -> None:
    frames = frames_of(
        deployments=[workload("Deployment", "web", {"app": "web"})], services=[service("web", {"app": "web"})]
    )
    findings = [
        finding("deployment.scaled-to-zero", Severity.WARNING, "Deployment", "web"),
        # the analyzer names the Service in related; the structure says the Deployment causes it
        finding("service.no-endpoints", Severity.ERROR, "Service", "web"),
    ]
    findings[0] = Finding(
        findings[0].code,
        findings[0].severity,
        findings[0].ref,
        "zero",
        related=(ObjectRef("Service", "shop", "web"),),
    )
    linked = causes(link(findings, frames))
    assert linked == {
        "deployment.scaled-to-zero:Deployment/shop/web": (),
        "service.no-endpoints:Service/shop/web": ("deployment.scaled-to-zero:Deployment/shop/web",),
    }


def test_a_cordon_does_not_cause_the_failures_of_the_pods_on_the_node() -> None:
    frames = frames_of(pods=[pod("p", labels={"app": "p"}, node="kind-worker")], nodes=[node("kind-worker")])
    cordoned = [
        finding("node.unschedulable", Severity.WARNING, "Node", "kind-worker", namespace=""),
        finding("pod.crashloop", Severity.ERROR, "Pod", "p"),
    ]
    assert causes(link(cordoned, frames))["pod.crashloop:Pod/shop/p"] == ()
    pressure = [finding("node.pressure", Severity.WARNING, "Node", "kind-worker", namespace=""), cordoned[1]]
    assert causes(link(pressure, frames))["pod.crashloop:Pod/shop/p"] == ("node.pressure:Node//kind-worker",)


def test_a_pod_whose_evidence_names_a_failing_service_is_caused_by_it() -> None:
    db = service("postgres", {"app": "postgres"})
    db["metadata"]["namespace"] = "data"
    db["spec"]["clusterIP"] = "10.96.236.43"
    frames = frames_of(
        services=[db],
        pods=[pod("checkout-1", labels={"app": "checkout"}), pod("checkout-2", labels={"app": "checkout"})],
    )
    log = Evidence(
        "log",
        "log checkout (previous)",
        '{"msg":"database ping failed","host":"postgres.data.svc.cluster.local:5432"}',
    )
    by_ip = Evidence("event", "event Failed", "dial tcp 10.96.236.43:5432: connect: connection refused")
    unrelated = Evidence("log", "log checkout", "GET https://10.96.236.430/ and other.ns.svc.example")
    findings = [
        finding("service.no-ready-endpoints", Severity.CRITICAL, "Service", "postgres", namespace="data"),
        replace(finding("pod.crashloop", Severity.ERROR, "Pod", "checkout-1"), evidence=(log,)),
        replace(finding("pod.crashloop", Severity.ERROR, "Pod", "checkout-2"), evidence=(by_ip, unrelated)),
    ]
    linked = causes(link(findings, frames))
    assert linked["pod.crashloop:Pod/shop/checkout-1"] == (
        "service.no-ready-endpoints:Service/data/postgres",
    )
    assert linked["pod.crashloop:Pod/shop/checkout-2"] == (
        "service.no-ready-endpoints:Service/data/postgres",
    )
    assert Link(
        "service.no-ready-endpoints:Service/data/postgres",
        "pod.crashloop:Pod/shop/checkout-1",
        Rule.DEPENDENCY,
    ) in find_links(findings, frames)


def test_a_pod_naming_its_own_service_does_not_loop() -> None:
    frames = frames_of(**CHAIN_FRAMES)
    says = Evidence("log", "log app", "serving as web.shop.svc.cluster.local")
    findings = [
        replace(finding("pod.crashloop", Severity.ERROR, "Pod", "web-7d9f-a"), evidence=(says,)),
        finding("service.no-ready-endpoints", Severity.CRITICAL, "Service", "web"),
    ]
    linked = causes(link(findings, frames))
    assert linked == {
        "pod.crashloop:Pod/shop/web-7d9f-a": (),
        "service.no-ready-endpoints:Service/shop/web": ("pod.crashloop:Pod/shop/web-7d9f-a",),
    }
