"""Write each scenario's ``expected-findings.yaml`` from what the analyzers find now.

For maintainers, after a deliberate change to an analyzer or a scenario: run it, then READ the diff
(`git diff workbench/sandbox/scenarios`) — every line is a claim about the scenario that the analyzer
tests will hold the analyzers to. Pod and ReplicaSet names are written as globs (``web-*``) because
their hash suffixes are not part of what a scenario means.

Usage: python tools/expected_findings.py [SCENARIO ...]
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

import workbench
from workbench import sandbox
from workbench.analyzers.expected import AT, expected_entries
from workbench.sandbox._scenarios import SCENARIO_DIR


def main(names: list[str]) -> int:
    for name in names or [n for n, _ in sandbox.scenarios()]:
        with sandbox.start(scenario=name, manual_clock=True) as sb:
            sb.advance(AT)
            with workbench.connect(kubeconfig=sb.kubeconfig) as cluster:
                report = cluster.analyze()
        entries = expected_entries(report)
        doc = {
            "at": AT,
            "findings": entries,
        }
        path = SCENARIO_DIR / name / "expected-findings.yaml"
        header = (
            "# What the analyzers must find in this scenario (warning and above), `at` simulated seconds\n"
            "# after start; `root: true` marks a root cause. Precision and recall over every scenario are\n"
            "# tested (tests/analyzers/test_expected.py). Regenerate with tools/expected_findings.py and\n"
            "# read the diff: each line is a claim about the scenario.\n"
        )
        Path(path).write_text(header + yaml.safe_dump(doc, sort_keys=False, width=110))
        print(f"{name}: {len(entries)} expected findings", file=sys.stderr)  # noqa: T201 - a maintainer script reports progress
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
