"""Which logs are worth reading: failing containers first, a bare pod counted as its own workload."""

from __future__ import annotations

from pathlib import Path

import workbench
from tests.conftest import make_kubectl
from workbench import sandbox
from workbench.frames import logs_worth_reading, with_log_tails
from workbench.frames.schema import Logs


def test_a_bare_failing_pod_is_read_and_analysed(tmp_path: Path) -> None:
    with sandbox.start(scenario="crashloop", manual_clock=True) as sb:
        kubectl = make_kubectl(sb, tmp_path / "cache")
        # A pod no controller owns: its owner column is NA in the frames.
        kubectl(
            "-n", "billing", "run", "one-off", "--image=registry.shop.example/no-such:1.0", "--restart=Never"
        )
        sb.advance(600)
        with workbench.connect(kubeconfig=sb.kubeconfig) as cluster:
            frames = cluster.frames()
            keys = logs_worth_reading(frames)
            tails = with_log_tails(frames, cluster.source, ["billing"])
            report = cluster.analyze()
    assert ("billing", "one-off", "one-off", False) in keys
    crashing = {pod for ns, pod, _, previous in keys if ns == "billing" and previous}
    assert crashing  # the crash-looping invoice-api pods' previous runs are read too
    assert len({p for p in crashing if p.startswith("invoice-api-")}) <= 2  # at most two per workload
    assert set(tails[Logs.FRAME][Logs.NAME]) >= crashing
    assert "pod.image-pull:Pod/billing/one-off" in {f.id for f in report.findings}
