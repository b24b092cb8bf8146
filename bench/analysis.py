"""Benchmark: the full analysis of a big synthetic cluster, next to the pull it follows.

A sandbox serving ``--pods`` synthetic pods runs in its own process (``workbench sandbox start
--synthetic``); this process pulls every frame once (`Cluster.frames()`), then runs every analyzer,
the root-cause linker and the report (`workbench.analyzers.analyze`), ``--repeats`` times. Printed:
pull time, analysis time (best run) and its ratio to the pull, per-analyzer times, peak RSS after the
pull and after the analysis, and how many findings of each severity.

The alternative a user would pick (k8sgpt) cannot run here (no Go toolchain download); the pull is the
reference instead: an analysis that costs a small fraction of the pull adds nothing a user would wait
for.

Usage::

    python bench/analysis.py --pods 150000
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from _sandbox import start_sandbox  # bench/ is the script's directory

import workbench
from workbench.analyzers import analyze
from workbench.analyzers.registry import analyzers


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pods", type=int, default=150_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    kubeconfig = Path(tempfile.mkdtemp()) / "bench.kubeconfig"
    proc = start_sandbox(args.pods, kubeconfig)
    try:
        with workbench.connect(kubeconfig=kubeconfig) as cluster:
            started = time.perf_counter()
            frames = cluster.frames()
            pull_s = time.perf_counter() - started
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    after_pull = peak_mib()
    runs = []
    for _ in range(args.repeats):
        started = time.perf_counter()
        report = analyze(frames)
        runs.append(time.perf_counter() - started)
    analysis_s = min(runs)
    per_analyzer = []
    for analyzer in analyzers():
        started = time.perf_counter()
        found = sum(1 for _ in analyzer.analyze(frames))
        per_analyzer.append((time.perf_counter() - started, analyzer.name, found))
    counts = Counter(str(f.severity) for f in report.findings)
    print(
        f"Analysis benchmark: {len(frames.pods):,} pods, {len(frames.nodes):,} nodes, "
        f"{len(frames.services):,} services, {len(frames.deployments):,} deployments"
    )
    print("| measure | value |\n|---|---|")
    print(f"| pull of every frame (`Cluster.frames()`) | {pull_s:.1f} s |")
    print(
        f"| full analysis (every analyzer + linker + report), best of {args.repeats} | {analysis_s:.2f} s "
        f"({analysis_s / pull_s:.1%} of the pull) |"
    )
    print(f"| peak RSS after the pull / after the analysis | {after_pull:,.0f} MiB / {peak_mib():,.0f} MiB |")
    by_severity = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    print(f"| findings | {len(report.findings):,} ({by_severity}); {len(report.roots()):,} root causes |")
    print(
        "\nslowest analyzers: "
        + ", ".join(f"{name} {s:.2f} s ({n})" for s, name, n in sorted(per_analyzer)[-5:])
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
