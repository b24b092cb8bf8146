"""The scenario library, end to end through the controllers and the real kubectl.

For every scenario: it loads and its checks validate; after the warm-up its checks fail and the fault
shows the way a learner would see it (``get`` columns, ``describe`` events, ``logs --previous``); the
documented wrong fix, run with kubectl, leaves the checks failing; the documented fix, run with
kubectl, makes them pass once simulated time has moved on.
"""

from __future__ import annotations

import re
import shlex
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FuturesTimeout
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Kubectl, make_kubectl
from workbench import sandbox
from workbench.sandbox._scenarios import load_scenario, scenario_names
from workbench.sandbox._scenarios._checks import parse_checks
from workbench.sandbox._scenarios._teaching import command_parts

pytestmark = pytest.mark.kubectl

Symptoms = Callable[[Kubectl], None]


@dataclass(frozen=True)
class Case:
    """How one scenario is exercised: what a learner sees, and how long healing may take."""

    symptoms: Symptoms
    after_wrong: float = 180.0
    after_fix: float = 300.0
    refused: str = ""
    """Part of the error the API server answers the wrong fix with ("" when it is accepted)."""


def out(kubectl: Kubectl, *args: str) -> str:
    return kubectl(*args).stdout


def column(table: str, header: str) -> list[str]:
    """The values of one column of a kubectl table, cut at the header's positions (cells may be empty)."""
    lines = table.rstrip().splitlines()
    starts = [m.start() for m in re.finditer(r"(?:^|(?<=\s\s))\S", lines[0])]
    names = [lines[0][a:b].strip() for a, b in zip(starts, [*starts[1:], None], strict=True)]
    index = names.index(header)
    end = starts[index + 1] if index + 1 < len(starts) else None
    return [line[starts[index] : end].strip() for line in lines[1:]]


def restarts(value: str) -> int:
    return int(value.split(maxsplit=1)[0])  # "5 (37s ago)"


# -- what each scenario shows after its warm-up --------------------------------------------------------
def crashloop(kubectl: Kubectl) -> None:
    pods = out(kubectl, "-n", "billing", "get", "pods")
    assert "CrashLoopBackOff" in column(pods, "STATUS"), pods
    assert max(restarts(r) for r in column(pods, "RESTARTS")) >= 3, pods
    previous = out(kubectl, "-n", "billing", "logs", "deployment/invoice-api", "--previous")
    assert "required environment variable DATABASE_URL is not set" in previous


def oomkilled(kubectl: Kubectl) -> None:
    pods = out(kubectl, "-n", "analytics", "get", "pods")
    assert set(column(pods, "STATUS")) & {"OOMKilled", "CrashLoopBackOff"}, pods
    described = out(kubectl, "-n", "analytics", "describe", "pods", "-l", "app=report-builder")
    assert re.search(r"Last State:\s+Terminated\n\s+Reason:\s+OOMKilled\n\s+Exit Code:\s+137", described)


def image_pull(kubectl: Kubectl) -> None:
    pods = out(kubectl, "-n", "storefront", "get", "pods")
    assert set(column(pods, "STATUS")) <= {"ImagePullBackOff", "ErrImagePull"}, pods
    described = out(kubectl, "-n", "storefront", "describe", "pods")
    assert 'Failed to pull image "registry.shop.example/catalog:v2.14.1"' in described


def config_error(kubectl: Kubectl) -> None:
    pods = out(kubectl, "-n", "notifications", "get", "pods")
    assert column(pods, "STATUS") == ["CreateContainerConfigError"], pods
    described = out(kubectl, "-n", "notifications", "describe", "pods")
    assert "Error: couldn't find key SMTP_HOST in ConfigMap notifications/mailer-config" in described


def pending_resources(kubectl: Kubectl) -> None:
    pods = out(kubectl, "-n", "ml", "get", "pods")
    assert column(pods, "STATUS") == ["Pending", "Pending"], pods
    described = out(kubectl, "-n", "ml", "describe", "pods")
    assert "FailedScheduling" in described
    assert "2 Insufficient memory" in described


def pending_taint(kubectl: Kubectl) -> None:
    pods = out(kubectl, "-n", "warehouse", "get", "pods")
    assert column(pods, "STATUS") == ["Pending", "Pending"], pods
    described = out(kubectl, "-n", "warehouse", "describe", "pods")
    assert "2 node(s) had untolerated taint {node.example.io/maintenance: true}" in described


def readiness_probe(kubectl: Kubectl) -> None:
    pods = out(kubectl, "-n", "web", "get", "pods")
    assert column(pods, "READY") == ["0/1", "0/1"], pods
    assert column(pods, "STATUS") == ["Running", "Running"], pods
    described = out(kubectl, "-n", "web", "describe", "pods")
    assert "Readiness probe failed: HTTP probe failed with statuscode: 404" in described
    # Only not-ready addresses: kubectl prints an empty ENDPOINTS cell (formatEndpoints lists ready ones).
    assert column(out(kubectl, "-n", "web", "get", "endpoints", "shop-web"), "ENDPOINTS") == [""]
    unready = "{.subsets[*].notReadyAddresses[*].ip}"
    assert (
        len(out(kubectl, "-n", "web", "get", "endpoints", "shop-web", "-o", f"jsonpath={unready}").split())
        == 2
    )


def liveness_restarts(kubectl: Kubectl) -> None:
    pods = out(kubectl, "-n", "search", "get", "pods")
    assert min(restarts(r) for r in column(pods, "RESTARTS")) >= 2, pods
    described = out(kubectl, "-n", "search", "describe", "pods")
    assert "Liveness probe failed:" in described
    assert "connect: connection refused" in described
    assert "Container search-api failed liveness probe, will be restarted" in described


def service_selector(kubectl: Kubectl) -> None:
    assert column(out(kubectl, "-n", "orders", "get", "endpoints", "orders-api"), "ENDPOINTS") == ["<none>"]
    pods = out(kubectl, "-n", "orders", "get", "pods", "-l", "app=orders-api")
    assert column(pods, "READY") == ["1/1", "1/1"], pods
    logs = out(kubectl, "-n", "orders", "logs", "deployment/orders-worker")
    assert "connect: connection refused" in logs


def pvc_pending(kubectl: Kubectl) -> None:
    claims = out(kubectl, "-n", "inventory", "get", "pvc")
    assert column(claims, "STATUS") == ["Pending"], claims
    described = out(kubectl, "-n", "inventory", "describe", "pvc", "inventory-db-data")
    assert 'storageclass.storage.k8s.io "fast-ssd" not found' in described
    assert column(out(kubectl, "-n", "inventory", "get", "pods"), "STATUS") == ["Pending"]


def node_notready(kubectl: Kubectl) -> None:
    nodes = out(kubectl, "get", "nodes")
    assert (
        dict(zip(column(nodes, "NAME"), column(nodes, "STATUS"), strict=True))["kind-worker2"] == "NotReady"
    )
    described = out(kubectl, "describe", "node", "kind-worker2")
    assert "Kubelet stopped posting node status." in described
    assert "node.kubernetes.io/unreachable:NoExecute" in described
    evictions = out(
        kubectl, "-n", "tickets", "get", "events", "--field-selector", "reason=TaintManagerEviction"
    )
    assert "Marking for deletion Pod tickets/ticket-api-" in evictions
    # No kubelet confirms that the evicted pods stopped, so they stay Terminating on the lost node.
    stranded = out(kubectl, "get", "pods", "-A", "--field-selector", "spec.nodeName=kind-worker2")
    assert "Terminating" in column(stranded, "STATUS"), stranded


def hpa_no_metrics(kubectl: Kubectl) -> None:
    hpa = out(kubectl, "-n", "gateway", "get", "hpa")
    assert column(hpa, "TARGETS") == ["cpu: <unknown>/70%"], hpa
    described = out(kubectl, "-n", "gateway", "describe", "hpa", "edge-gateway")
    assert "ScalingActive" in described
    assert "missing request for cpu" in described


def failed_job(kubectl: Kubectl) -> None:
    jobs = out(kubectl, "-n", "finance", "get", "jobs")
    assert column(jobs, "STATUS") == ["Failed"], jobs
    described = out(kubectl, "-n", "finance", "describe", "job", "ledger-export")
    assert "BackoffLimitExceeded" in described
    assert "EXPORT_BUCKET is not set" in out(kubectl, "-n", "finance", "logs", "job/ledger-export")


def cronjob_failing(kubectl: Kubectl) -> None:
    jobs = out(kubectl, "-n", "backups", "get", "jobs")
    assert "Failed" in column(jobs, "STATUS"), jobs
    assert "Complete" not in column(jobs, "STATUS"), jobs
    job = column(jobs, "NAME")[0]
    logs = out(kubectl, "-n", "backups", "logs", f"job/{job}")
    assert "open /etc/pg-backup/target.conf: no such file or directory" in logs


def ingress_backend(kubectl: Kubectl) -> None:
    described = out(kubectl, "-n", "marketing", "describe", "ingress", "marketing")
    assert 'landing:80 (<error: services "landing" not found>)' in described


def networkpolicy_deny(kubectl: Kubectl) -> None:
    pods = out(kubectl, "-n", "shop", "get", "pods", "-l", "app=frontend")
    assert column(pods, "READY") == ["0/1", "0/1"], pods
    assert "i/o timeout" in out(kubectl, "-n", "shop", "logs", "deployment/frontend")


def dns_down(kubectl: Kubectl) -> None:
    coredns = out(kubectl, "-n", "kube-system", "get", "deployment", "coredns")
    assert column(coredns, "READY") == ["0/0"], coredns
    pods = out(kubectl, "-n", "booking", "get", "pods", "-l", "app=booking-api")
    assert set(column(pods, "STATUS")) <= {"CrashLoopBackOff", "Error"}, pods
    previous = out(kubectl, "-n", "booking", "logs", "deployment/booking-api", "--previous")
    assert "lookup booking-cache" in previous
    assert "on 10.96.0.10:53" in previous


def rollout_stuck(kubectl: Kubectl) -> None:
    status = kubectl(
        "-n", "accounts", "rollout", "status", "deployment/profile-api", "--timeout=1s", check=False
    )
    assert 'error: deployment "profile-api" exceeded its progress deadline' in status.stderr
    sets = out(kubectl, "-n", "accounts", "get", "rs")
    assert sorted(zip(column(sets, "DESIRED"), column(sets, "READY"), strict=True)) == [
        ("1", "0"),
        ("3", "3"),
    ]


def incident(kubectl: Kubectl) -> None:
    postgres = out(kubectl, "-n", "data", "get", "pods")
    assert column(postgres, "STATUS") == ["CreateContainerConfigError"], postgres
    described = out(kubectl, "-n", "data", "describe", "pod", "postgres-0")
    assert "couldn't find key POSTGRES_USER in Secret data/postgres-credentials" in described
    shop = out(kubectl, "-n", "shop", "get", "pods", "-l", "app in (checkout,frontend)")
    statuses = dict(
        zip(
            column(shop, "NAME"), zip(column(shop, "READY"), column(shop, "STATUS"), strict=True), strict=True
        )
    )
    assert {s for n, (_, s) in statuses.items() if n.startswith("checkout")} <= {"CrashLoopBackOff", "Error"}
    assert {r for n, (r, _) in statuses.items() if n.startswith("frontend")} == {"0/1"}
    previous = out(kubectl, "-n", "shop", "logs", "deployment/checkout", "--previous")
    assert "postgres.data.svc.cluster.local" in previous
    assert "connection refused" in previous
    ingress = out(kubectl, "-n", "ingress-nginx", "logs", "deployment/ingress-nginx-controller")
    assert '"GET / HTTP/1.1" 503' in ingress


CASES: dict[str, Case] = {
    "crashloop": Case(crashloop),
    "oomkilled": Case(oomkilled),
    "image-pull": Case(image_pull),
    "config-error": Case(config_error),
    "pending-resources": Case(pending_resources),
    "pending-taint": Case(pending_taint),
    "readiness-probe": Case(readiness_probe),
    "liveness-restarts": Case(liveness_restarts, after_fix=240.0),
    "service-selector": Case(service_selector),
    "pvc-pending": Case(pvc_pending, refused="spec is immutable after creation except resources.requests"),
    "node-notready": Case(node_notready),
    "hpa-no-metrics": Case(hpa_no_metrics),
    "failed-job": Case(failed_job, refused="spec.template: Invalid value: "),
    "cronjob-failing": Case(cronjob_failing, after_fix=420.0),
    "ingress-backend": Case(ingress_backend),
    "networkpolicy-deny": Case(networkpolicy_deny),
    "dns-down": Case(dns_down, after_fix=420.0),
    "rollout-stuck": Case(rollout_stuck),
    "incident": Case(incident, after_fix=420.0),
}


def test_every_scenario_has_a_case() -> None:
    assert sorted(CASES) == sorted(n for n, _ in scenario_names() if n != "healthy")


@pytest.mark.parametrize("name", sorted(n for n, _ in scenario_names()))
def test_scenario_loads_with_valid_teaching(name: str) -> None:
    scenario = load_scenario(name, now=datetime(2026, 11, 28, 12, 0, tzinfo=UTC))
    teaching = scenario.teaching
    if name == "healthy":
        assert teaching == {}
        return
    assert set(teaching) == {"goal", "level", "hints", "fix", "wrong_fixes", "checks"}
    assert 3 <= len(teaching["hints"]) <= 4
    assert parse_checks(teaching["checks"], source=name)
    assert scenario.warmup > 0
    namespaces = {o["metadata"]["name"] for o in scenario.objects if o["kind"] == "Namespace"}
    assert not namespaces & {"test", "demo", "example"}


def run_commands(
    sb: sandbox.Sandbox, kubectl: Kubectl, commands: list[str | dict[str, str]], *, check: bool
) -> list[str]:
    """Run a fix's kubectl commands, moving simulated time while each runs (``kubectl delete`` waits
    for the object to go); return their error output (empty strings for the ones that succeeded)."""
    errors = []
    for command in commands:
        line, stdin = command_parts(command)
        args = shlex.split(line)
        assert args[0] == "kubectl"
        seen = list(sb.requests)  # held, so the ids of these entries are not reused
        with ThreadPoolExecutor(max_workers=1) as pool:
            running = pool.submit(kubectl, *args[1:], stdin=stdin, check=check)
            if "delete" in args:
                _hold_clock_until_watching(sb, running, seen)
            for _ in range(_MAX_COMMAND_SECONDS):
                try:
                    result = running.result(timeout=0.05)
                    break
                except FuturesTimeout:
                    sb.advance(1)
            else:
                result = running.result()
        errors.append(result.stderr if result.returncode else "")
    return errors


_MAX_COMMAND_SECONDS = 600


def _hold_clock_until_watching(sb: sandbox.Sandbox, running: Future[Any], seen: list[Any]) -> None:
    """Keep simulated time still until ``kubectl delete`` watches for the deletion (or finishes).

    kubectl lists the object, then starts an informer that lists it again and watches. If the clock
    moved in between, the pod could be gone and its StatefulSet's replacement (same name, new uid)
    be what the informer lists: kubectl would then wait for a deletion that never comes. On a real
    cluster the gap is milliseconds against a grace period of seconds; a busy test machine can make it
    longer than one step of this loop.
    """
    before = {id(entry) for entry in seen}
    for _ in range(200):  # 10 s of real time at most
        if running.done():
            return
        fresh = [entry[1] for entry in list(sb.requests) if id(entry) not in before]
        if any("watch=true" in path or "watch=1" in path for path in fresh):
            return
        time.sleep(0.05)


@pytest.fixture
def running(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[sandbox.Sandbox, Kubectl]]:
    with sandbox.start(scenario=request.param, manual_clock=True) as sb:
        yield sb, make_kubectl(sb, tmp_path / "kube-cache")


@pytest.mark.parametrize("running", sorted(CASES), indirect=True)
def test_fault_shows_wrong_fix_fails_and_fix_heals(running: tuple[sandbox.Sandbox, Kubectl]) -> None:
    sb, kubectl = running
    case = CASES[sb.scenario]
    before = sb.check()
    assert not before.passed, str(before)
    case.symptoms(kubectl)

    errors = []
    for wrong in sb.teaching["wrong_fixes"]:
        errors += run_commands(sb, kubectl, wrong["commands"], check=False)
    if case.refused:
        assert any(case.refused in e for e in errors), errors
    else:
        assert not any(errors), errors
    sb.advance(case.after_wrong)
    after_wrong = sb.check()
    assert not after_wrong.passed, f"the wrong fix healed the scenario:\n{after_wrong}"

    run_commands(sb, kubectl, sb.teaching["fix"]["commands"], check=True)
    sb.advance(case.after_fix)
    healed = sb.check()
    assert healed.passed, str(healed)
    assert sb.control.errors == []
