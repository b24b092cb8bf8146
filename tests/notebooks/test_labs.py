"""The teaching track: every lab notebook runs top to bottom and its documented fix passes its check.

Each lab is executed as CI and Binder would run it, with nbclient on the venv's ``python3`` kernel,
against the sandbox the notebook starts in its own kernel. With ``SOLVE = True`` injected into the
parameters cell, the documented fix is applied right before ``lab.check()``, which must report a
pass; without it, the check must report the failure and nudge toward a hint.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.notebooks.run import LABS, ROOT, execute, lab_notebooks, read, shown, tagged
from workbench.sandbox._scenarios import scenario_header

pytestmark = pytest.mark.kubectl


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_labs", ROOT / "tools" / "make_labs.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_labs"] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def _teaching(path: Path) -> dict[str, Any]:
    teaching: dict[str, Any] = scenario_header(read(path).metadata["workbench"]["lab"])["teaching"]
    return teaching


def test_the_track_has_at_least_eight_labs_from_easy_to_hard() -> None:
    notebooks = lab_notebooks()
    assert len(notebooks) >= 8
    scenarios = [read(p).metadata["workbench"]["lab"] for p in notebooks]
    assert len(set(scenarios)) == len(scenarios)  # one scenario each
    levels = [scenario_header(s)["teaching"]["level"] for s in scenarios]
    assert levels == sorted(levels)
    assert scenarios[0] == "image-pull"
    assert scenarios[-1] == "incident"
    assert {"dns-down", "incident"} <= set(scenarios)
    assert [p.stem[:2] for p in notebooks] == [f"{n:02d}" for n in range(1, len(notebooks) + 1)]


def test_the_committed_labs_are_exactly_what_the_generator_writes() -> None:
    files = _generator().render_all()
    assert set(files) == {*lab_notebooks(), LABS / "README.md"}
    stale = [str(path.relative_to(ROOT)) for path, text in files.items() if path.read_text() != text]
    assert not stale, f"run `.venv/bin/python tools/make_labs.py` and commit: {stale}"


def test_the_readme_lists_every_lab_in_order_with_its_level() -> None:
    readme = (LABS / "README.md").read_text()
    positions = [readme.index(f"({p.name})") for p in lab_notebooks()]
    assert positions == sorted(positions)
    assert "SOLVE = True" in readme
    assert "tools/make_labs.py" in readme


@pytest.mark.parametrize("path", lab_notebooks(), ids=lambda p: p.stem)
def test_a_lab_has_the_teaching_shape(path: Path) -> None:
    nb = read(path)
    sources = [cell.source for cell in nb.cells]
    scenario = nb.metadata["workbench"]["lab"]
    assert sources[0].startswith("# Lab ")
    (parameters,) = tagged(nb, "parameters")
    assert parameters.source.splitlines()[-1] == "SOLVE = False"
    assert any(f'labs.start("{scenario}")' in s for s in sources)
    assert any(s.startswith("!kubectl ") for s in sources)
    assert any("cluster.frames()" in s for s in sources)
    assert any(".k8s." in s for s in sources)
    assert any("cluster.analyze(" in s for s in sources)
    assert "lab.hint()" in sources
    (check,) = tagged(nb, "check")
    assert check.source == "lab.check()"
    solve = sources[sources.index(check.source) - 2]  # the check's markdown intro sits between them
    assert "if SOLVE:" in solve
    assert "lab.apply_solution()" in solve
    fix = [s for s in sources if s.startswith("# Your fix")]
    assert fix == ["# Your fix: one or more !kubectl lines (or Python)"]
    # The instructor's note closes the notebook, with every wrong fix and why it fails.
    note = nb.cells[-1]
    assert note.cell_type == "markdown"
    assert "## Instructors" in note.source
    for wrong in _teaching(path)["wrong_fixes"]:
        assert " ".join(wrong["why"].split()) in note.source
    # No spoiler before the note: neither the documented fix's commands nor its summary.
    before = " ".join("\n".join(sources[:-1]).split())
    for command in _teaching(path)["fix"]["commands"]:
        line = command["command"] if isinstance(command, dict) else command
        assert " ".join(line.split()) not in before


@pytest.mark.parametrize("path", lab_notebooks(), ids=lambda p: p.stem)
def test_a_lab_runs_top_to_bottom_and_its_documented_fix_passes_the_check(path: Path) -> None:
    nb = execute(path, parameters="SOLVE = True")
    (check,) = tagged(nb, "check")
    assert "✓ passed:" in shown(check, "text/markdown"), shown(check)
    assert "✗" not in shown(check), shown(check)
    scenario = nb.metadata["workbench"]["lab"]
    assert f"passed: {scenario} is healed" in shown(check)
    hints = _teaching(path)["hints"]
    (hint,) = [c for c in nb.cells if c.source == "lab.hint()"]
    assert shown(hint) == f"hint 1/{len(hints)}: {hints[0]}"
    (solve,) = [c for c in nb.cells if "if SOLVE:" in c.source]
    assert f"Applied the documented fix of {scenario}:" in shown(solve)
    kubectl = next(c for c in nb.cells if c.source.startswith("!kubectl "))
    assert "NAME" in shown(kubectl)  # the lab pointed KUBECONFIG at its cluster for `!` commands


def test_without_the_fix_the_check_reports_the_failure_and_nudges() -> None:
    nb = execute(LABS / "01-image-pull.ipynb")  # as committed: SOLVE = False
    (check,) = tagged(nb, "check")
    text = shown(check, "text/markdown")
    assert "✗ not yet:" in text
    assert "- ✗ `" in text
    assert "try `lab.hint()` (3 left)" in text  # the notebook already took the first hint
    (solve,) = [c for c in nb.cells if "if SOLVE:" in c.source]
    assert solve.outputs == []
