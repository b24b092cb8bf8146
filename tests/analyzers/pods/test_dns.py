"""pod.dns-failures: failed name lookups in captured log lines or in events."""

from __future__ import annotations

import pytest

from tests.analyzers.pods.conftest import Pull
from tests.analyzers.pods.objects import (
    bundle,
    endpoints,
    event,
    log_text,
    pod,
    run,
    service,
    status,
    summary,
    terminated,
    waiting,
)
from workbench.analyzers.pods.crashloop import CrashLoop
from workbench.analyzers.pods.dns import DnsFailures
from workbench.analyzers.pods.image_pull import ImagePull
from workbench.model import ObjectRef

KUBE_DNS = [
    service("kube-system", "kube-dns", "10.96.0.10", {"k8s-app": "kube-dns"}),
    endpoints("kube-system", "kube-dns", []),
]
CRASHING = [status(ready=False, restarts=7, state=waiting("CrashLoopBackOff"), last=terminated(1))]
TIMEOUT = (
    "FATAL redis: dial tcp: lookup cache on 10.96.0.10:53: "
    "read udp 10.244.1.2:40091->10.96.0.10:53: i/o timeout"
)


def test_a_crash_on_dns_timeouts_is_pod_dns_failures_related_to_the_dns_service() -> None:
    p = pod("api-1", statuses=CRASHING)
    frames = bundle(p, *KUBE_DNS, logs=[("shop", "api-1", "app", True, log_text("starting", TIMEOUT))])
    (finding,) = run(DnsFailures, frames)
    assert (finding.code, str(finding.severity)) == ("pod.dns-failures", "error")
    assert finding.summary.endswith(
        "container app crash-loops: cannot resolve cache (the DNS server does not answer)"
    )
    dns = ObjectRef("Service", "kube-system", "kube-dns", finding.related[0].uid)
    assert finding.related == (dns,)
    assert ("Endpoints ready addresses", "0") in [(e.subject, e.value) for e in finding.evidence]
    assert ("log app (previous)", TIMEOUT) in [(e.subject, e.value) for e in finding.evidence]
    assert "CoreDNS" in finding.explanation
    assert finding.planners[0] == "scale"
    assert run(CrashLoop, frames) == []


@pytest.mark.parametrize(
    ("line", "not_found"),
    [
        ("Error: getaddrinfo ENOTFOUND payments.internal", True),
        ("curl: (6) Could not resolve host: payments.internal", True),
        ("java.net.UnknownHostException: payments.internal: Name or service not known", True),
        (
            "psycopg2.OperationalError: could not translate host name: Temporary failure in name resolution",
            False,
        ),
        (";; connection timed out; no servers could be reached", False),
        ("dial tcp: lookup payments on 10.96.0.10:53: server misbehaving", True),
    ],
)
def test_a_ready_pod_that_logs_dns_failures_gets_a_warning(line: str, not_found: bool) -> None:
    frames = bundle(pod("api-1"), *KUBE_DNS, logs=[("shop", "api-1", "app", False, log_text(line))])
    (finding,) = run(DnsFailures, frames)
    assert str(finding.severity) == "warning"
    assert ("namespace typo" in finding.explanation) is not_found
    assert ("the DNS server does not answer" in finding.summary) is not not_found


def test_dns_failures_in_events_count_but_not_image_pull_ones() -> None:
    p = pod("api-1")
    probe = event(
        p,
        "Unhealthy",
        'Liveness probe failed: Get "http://db.internal/": dial tcp: lookup db.internal: no such host',
    )
    assert summary(run(DnsFailures, bundle(p, probe))) == [("pod.dns-failures", "api-1", "warning")]
    q = pod("web-1", statuses=[status(ready=False, state=waiting("ImagePullBackOff"))])
    pull = event(
        q, "Failed", 'Failed to pull image "reg.internal/web:1": dial tcp: lookup reg.internal: no such host'
    )
    frames = bundle(q, pull)
    assert run(DnsFailures, frames) == []
    assert summary(run(ImagePull, frames)) == [("pod.image-pull", "web-1", "error")]


def test_without_logs_a_dns_crash_is_a_plain_crash_loop() -> None:
    frames = bundle(pod("api-1", statuses=CRASHING), *KUBE_DNS)
    assert run(DnsFailures, frames) == []
    assert summary(run(CrashLoop, frames)) == [("pod.crashloop", "api-1", "error")]


def test_dns_down_scenario_events_alone_show_only_crash_loops(scenario: Pull) -> None:
    frames = scenario("dns-down")
    assert run(DnsFailures, frames) == []
    assert {f.ref.name.rsplit("-", 2)[0] for f in run(CrashLoop, frames)} == {"booking-api"}


def test_dns_down_scenario_with_logs(scenario: Pull) -> None:
    findings = run(DnsFailures, scenario("dns-down", logs=True))
    assert [(f.ref.namespace, f.ref.name.rsplit("-", 2)[0], str(f.severity)) for f in findings] == [
        ("booking", "booking-api", "error")
    ] * 2
    for f in findings:
        assert [str(r) for r in f.related] == ["Service kube-system/kube-dns"]
        assert "cannot resolve booking-cache (the DNS server does not answer)" in f.summary


def test_a_pod_that_stays_up_while_lookups_fail(scenario: Pull) -> None:
    findings = [
        f
        for f in run(DnsFailures, scenario("dns-down", manifest="dns-lab", logs=True))
        if f.ref.namespace == "lab"
    ]
    assert summary(findings) == [("pod.dns-failures", "resolver", "warning")]
    assert any("no servers could be reached" in e.value for e in findings[0].evidence)
