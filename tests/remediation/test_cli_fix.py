"""`workbench fix`: plans and dry-runs by default, applies only with --apply --yes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from workbench import sandbox as sandbox_pkg
from workbench.cli import main
from workbench.remediation import AuditLog


@pytest.fixture
def broken() -> Iterator[sandbox_pkg.Sandbox]:
    with sandbox_pkg.start(scenario="service-selector", manual_clock=True) as sb:
        sb.advance(600)
        yield sb


def run(sb: sandbox_pkg.Sandbox, audit: Path, *args: str) -> list[str]:
    return ["fix", "--kubeconfig", str(sb.kubeconfig), "--audit-log", str(audit), *args]


def test_the_default_is_a_dry_run(
    broken: sandbox_pkg.Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = broken.api.store.resource_version
    assert main(run(broken, tmp_path / "a.jsonl")) == 0
    out = capsys.readouterr().out
    assert "=== Fix the selector of service orders/orders-api" in out
    assert "$ kubectl --context workbench-sandbox -n orders patch service/orders-api" in out
    assert "Verdict: ready to approve" in out
    assert "-    app: order-api\n" in out
    assert "+    app: orders-api\n" in out
    assert broken.api.store.resource_version == before
    assert [r.event for r in AuditLog(tmp_path / "a.jsonl").records()] == ["dry-run"]


def test_apply_needs_yes(
    broken: sandbox_pkg.Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = broken.api.store.resource_version
    assert main(run(broken, tmp_path / "a.jsonl", "--apply")) == 2
    assert "--apply changes the cluster: add --yes" in capsys.readouterr().err
    assert broken.api.store.resource_version == before


def test_apply_yes_applies_verifies_and_heals(
    broken: sandbox_pkg.Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Verification waits on the manual clock's cluster: with no wait, the endpoints are not there yet.
    assert main(run(broken, tmp_path / "a.jsonl", "--apply", "--yes", "--timeout", "0")) == 1
    out = capsys.readouterr().out
    assert "Result: applied, but verification failed for step 1" in out
    assert "kubectl --context workbench-sandbox -n orders patch service/orders-api --type merge" in out
    broken.advance(60)
    assert broken.check().passed
    records = AuditLog(tmp_path / "a.jsonl").records()
    assert [r.event for r in records] == ["dry-run", "apply"]
    assert records[1].approved_by.startswith("workbench fix --yes (")


def test_a_finding_filter_that_matches_nothing(
    broken: sandbox_pkg.Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(run(broken, tmp_path / "a.jsonl", "--finding", "pod.oomkilled")) == 0
    assert "Nothing to fix: no finding with code pod.oomkilled" in capsys.readouterr().out
