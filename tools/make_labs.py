"""Write the teaching labs, ``notebooks/labs/NN-name.ipynb`` and their README, so every lab has one shape.

Each lab combines its texts in ``notebooks/labs/labs.yaml`` (title, what the learner will learn, the
situation, exploration commands) with its scenario's ``scenario.yaml`` (level, how many hints, the
success checks, the wrong fixes for the instructor's note). The notebooks are written without outputs
and with fixed cell ids; a test holds the committed files to this script's output, so after editing
either source run it and commit what it wrote.

Usage: python tools/make_labs.py [--check]
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import yaml
from nbformat.notebooknode import NotebookNode

from workbench.sandbox._scenarios import scenario_header

ROOT = Path(__file__).resolve().parent.parent
LABS_DIR = ROOT / "notebooks" / "labs"
SOURCE = LABS_DIR / "labs.yaml"
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
POD_COLUMNS = ("name", "phase", "status", "ready", "restarts", "node")
CONTAINER_COLUMNS = ("name", "container", "image", "state", "reason", "last_reason", "last_exit_code")
EVENT_COLUMNS = ("object_kind", "object_name", "reason", "count", "message")


@dataclass(frozen=True)
class LabText:
    """One lab's texts from ``labs.yaml``."""

    file: str
    scenario: str
    title: str
    learn: tuple[str, ...]
    situation: str
    namespaces: tuple[str, ...]
    kubectl: tuple[str, ...]
    pandas: tuple[Mapping[str, str], ...]
    done_when: str | None = None

    @classmethod
    def of(cls, raw: Mapping[str, Any]) -> LabText:
        return cls(
            file=raw["file"],
            scenario=raw["scenario"],
            title=raw["title"],
            learn=tuple(raw["learn"]),
            situation=" ".join(raw["situation"].split()),
            namespaces=tuple(raw["namespaces"]),
            kubectl=tuple(raw["kubectl"]),
            pandas=tuple(raw.get("pandas") or ()),
            done_when=raw.get("done_when"),
        )


def load_labs(source: Path = SOURCE) -> list[LabText]:
    """Every lab of the track, in order."""
    return [LabText.of(raw) for raw in yaml.safe_load(source.read_text())["labs"]]


# -- the success checks, in words ----------------------------------------------------------------------
def check_text(check: Mapping[str, Any]) -> str:
    """One success check of ``scenario.yaml`` as a sentence for the learner."""
    ((name, params),) = check.items()
    where = f"`{params.get('namespace')}/{params.get('name')}`"
    at_least = f" (at least {params['min']})" if "min" in params else ""
    texts = {
        "deployment_available": f"Deployment {where} is rolled out and available{at_least}",
        "statefulset_ready": f"StatefulSet {where} is ready{at_least}",
        "service_endpoints": f"Service {where} has ready endpoints{at_least}",
        "ingress_backends": f"Ingress {where} routes only to Services with ready endpoints",
        "job_complete": f"Job {where} has completed",
        "cronjob_last_success": f"CronJob {where} has a successful run",
        "pvc_bound": f"PersistentVolumeClaim {where} is Bound",
        "hpa_scaling_active": f"HorizontalPodAutoscaler {where} can compute its metrics (ScalingActive)",
        "nodes_ready": f"at least {params.get('min', 1)} nodes are Ready",
    }
    if name == "pods_ready":
        pods = f"pods `{params['selector']}`" if "selector" in params else "pods"
        restarts = f", restarted at most {params['max_restarts']} times" if "max_restarts" in params else ""
        return f"the {pods} in `{params['namespace']}` are Ready{at_least}{restarts}"
    if name == "no_pods_in_reason":
        place = f" in `{params['namespace']}`" if "namespace" in params else " anywhere"
        return f"no pod{place} is in {params['reason']}"
    return texts[name]


# -- the notebook ------------------------------------------------------------------------------------
class _Cells:
    """Cells with stable ids (role-based), so regenerating a notebook changes nothing but its text."""

    def __init__(self) -> None:
        self.cells: list[NotebookNode] = []
        self._seen: dict[str, int] = {}

    def _id(self, role: str) -> str:
        self._seen[role] = self._seen.get(role, 0) + 1
        return role if self._seen[role] == 1 else f"{role}-{self._seen[role]}"

    def md(self, role: str, *paragraphs: str) -> None:
        self.cells.append(nbformat.v4.new_markdown_cell("\n\n".join(paragraphs), id=self._id(role)))

    def code(self, role: str, source: str, *tags: str) -> None:
        cell = nbformat.v4.new_code_cell(source.strip("\n"), id=self._id(role))
        if tags:
            cell.metadata["tags"] = list(tags)
        self.cells.append(cell)


def _select(frame: str, namespaces: tuple[str, ...]) -> str:
    if len(namespaces) == 1:
        return f'frames.{frame}.k8s.select(namespace="{namespaces[0]}")'
    return f"frames.{frame}[frames.{frame}.namespace.isin({_list(namespaces)})]"


def _list(items: tuple[str, ...]) -> str:
    """A list of strings as Python source, in the double quotes the rest of the cells use."""
    return json.dumps(list(items))


def _columns(columns: tuple[str, ...], namespaces: tuple[str, ...]) -> str:
    """The columns to show: with the namespace first when a lab spans several."""
    return _list(("namespace", *columns) if len(namespaces) > 1 else columns)


def notebook(lab: LabText, number: int) -> NotebookNode:
    """The lab's notebook: goals, situation, start, exploration, hints, the fix, the check, instructors."""
    header = scenario_header(lab.scenario)
    teaching = header["teaching"]
    level, hints = teaching["level"], len(teaching["hints"])
    spaces = ", ".join(f"`{n}`" for n in lab.namespaces)
    c = _Cells()
    c.md(
        "title",
        f"# Lab {number:02d} · {lab.title}",
        f"*Level {level} of 5 · scenario `{lab.scenario}` · runs on a sandbox cluster inside this notebook*",
        "**You will learn to**\n\n" + "\n".join(f"- {item}" for item in lab.learn),
    )
    c.md("situation", "## The situation", lab.situation)
    done = lab.done_when or "\n".join(f"- {check_text(ch)}" for ch in teaching["checks"])
    c.md(
        "done-when",
        "**You are done when** (this is what `lab.check()` grades):",
        done,
        "Fix the cause, not only the symptom: a change that only hides it will not pass.",
    )
    c.code(
        "parameters",
        "# Parameters (papermill). CI runs this notebook with SOLVE = True: the documented fix is then\n"
        "# applied right before the check. Leave it False to work the lab yourself.\n"
        "SOLVE = False",
        "parameters",
    )
    c.md(
        "start-intro",
        "## Start the lab",
        "This starts the broken cluster inside the notebook's kernel. Time runs 30 times faster than "
        "real time, so restarts, back-offs and rollouts move while you read. `kubectl` (in `!` cells) "
        "and `workbench.connect()` now talk to it; re-running the cell starts the lab over.",
        "Because the cluster's clock runs ahead of your computer's, kubectl may print some ages as "
        "`<invalid>`: that is the fast clock, not part of the fault.",
    )
    c.code("start", f'from workbench import labs\n\nlab = labs.start("{lab.scenario}")\nlab')
    c.md(
        "kubectl-intro",
        "## Explore with kubectl",
        f"Look around {spaces}. Start broad, then narrow down: `get`, `describe`, `logs` (and "
        "`logs --previous`), `get -o yaml`, `get events`.",
    )
    for command in lab.kubectl:
        c.code("kubectl", f"!{command}")
    c.code("kubectl", "# Your own kubectl commands: start the line with !")
    c.md(
        "pandas-intro",
        "## Explore with pandas",
        "The same cluster as DataFrames: one frame per kind, with `df.k8s` to select, describe and "
        "follow owners. Frames are a snapshot: after a change, pull again with "
        "`frames = cluster.frames(refresh=True)`.",
    )
    c.code(
        "pandas",
        "import pandas as pd\n\n"
        'pd.set_option("display.max_colwidth", 200)  # events and messages are long\n'
        f"cluster = lab.cluster()\nframes = cluster.frames()\npods = {_select('pods', lab.namespaces)}\n"
        f"pods[{_columns(POD_COLUMNS, lab.namespaces)}]",
    )
    c.code(
        "pandas",
        f"containers = {_select('containers', lab.namespaces)}\n"
        f"containers[{_columns(CONTAINER_COLUMNS, lab.namespaces)}]",
    )
    c.code(
        "pandas",
        f"events = {_select('events', lab.namespaces)}\n"
        f'events[events.type == "Warning"][{_columns(EVENT_COLUMNS, lab.namespaces)}]',
    )
    c.code(
        "pandas",
        "# One pod in depth, the most restarted: fields, owners, containers and its events\n"
        'label = pods.sort_values("restarts", ascending=False, kind="stable").index[0]\n'
        "print(pods.k8s.describe(label))",
    )
    for extra in lab.pandas:
        c.md("pandas-note", extra["text"])
        c.code("pandas", extra["code"])
    c.md(
        "analyze-intro",
        "## Compare with the analyzers",
        "When you have a theory, see what the workbench's analyzers find: symptoms linked to their "
        "causes, each with its evidence. They point; choosing the fix is still yours.",
    )
    c.code("analyze", f"cluster.analyze({_list(lab.namespaces)})")
    c.md(
        "hints-intro",
        "## Stuck? Take a hint",
        f"The ladder has {hints} hints, from vague to specific. Run the cell again for the next one.",
    )
    c.code("hint", "lab.hint()")
    c.md(
        "fix-intro",
        "## Your fix",
        "Write the change that fixes the cause in the cell below: `!kubectl ...` lines (`set`, `patch`, "
        "`apply`, `scale`, `rollout`, ...) or Python. Say to yourself why it fixes the cause before "
        "you run it.",
    )
    c.code("fix", "# Your fix: one or more !kubectl lines (or Python)\n")
    c.code(
        "solve",
        "# CI and instructors: with SOLVE = True, apply the documented fix right before the check.\n"
        "if SOLVE:\n    display(lab.apply_solution())",
    )
    c.md(
        "check-intro",
        "## Check your fix",
        "The grader gives the cluster a few seconds (a few simulated minutes) to settle, then runs the "
        "success checks. Not yet? Look again, take a hint, and re-run it.",
    )
    c.code("check", "lab.check()", "check")
    c.md("stop-intro", "## Finish", "Stop the lab when you are done; `KUBECONFIG` goes back to what it was.")
    c.code("stop", "lab.stop()")
    c.md("instructors", *_instructors(lab, teaching))
    nb = nbformat.v4.new_notebook(
        cells=c.cells,
        metadata={
            "kernelspec": KERNELSPEC,
            "language_info": {"name": "python"},
            "workbench": {"lab": lab.scenario, "level": level},
        },
    )
    nbformat.validate(nb)
    return nb


def _instructors(lab: LabText, teaching: Mapping[str, Any]) -> list[str]:
    parts = [
        "---\n\n## Instructors",
        "*Spoilers: the cause, and the fixes learners try that do not work.*",
        f"**Learning objective** (from `{lab.scenario}/scenario.yaml`): {' '.join(teaching['goal'].split())}",
        "`lab.solution()` shows the documented fix; `lab.apply_solution()` runs it with kubectl against "
        "the lab's cluster. CI runs this notebook with `SOLVE = True` and requires the check to pass.",
        "### Common wrong fixes",
    ]
    for number, wrong in enumerate(teaching["wrong_fixes"], start=1):
        commands = "\n".join(f"$ {' '.join(_line(c).split())}" for c in wrong["commands"])
        parts += [
            f"**{number}. {' '.join(wrong['summary'].split())}**",
            f"```console\n{commands}\n```",
            f"Why it does not work: {' '.join(wrong['why'].split())}",
        ]
    return parts


def _line(command: Any) -> str:
    return str(command["command"] if isinstance(command, Mapping) else command)


def readme(labs: list[LabText]) -> str:
    """The track's README: the labs in order with their levels, and how to run them."""
    rows = []
    for number, lab in enumerate(labs, start=1):
        level = scenario_header(lab.scenario)["teaching"]["level"]
        rows.append(f"| {number:02d} | [{lab.title}]({lab.file}.ipynb) | {level} | `{lab.scenario}` |")
    table = "\n".join(["| # | lab | level | scenario |", "|---:|---|---:|---|", *rows])
    return README.format(count=len(labs), table=table)


README = """\
# Teaching labs: Kubernetes debugging on a cluster that breaks on purpose

{count} labs, one broken cluster each, from a first-day fault to a cascading incident. Every lab runs
its cluster inside the notebook's kernel (the workbench's sandbox: an API server with a simulated
control plane), so a laptop or [Binder](../../binder) is enough: no cluster, no containers.

{table}

Levels go from 1 (first day: read a pod's STATUS, events and logs) to 5 (an incident across
namespaces, where the loudest symptom is not the cause). Work them in order; each one uses what the
ones before it taught. The sandbox has more broken clusters than the track uses (failed Jobs and
CronJobs, Pending volumes, NetworkPolicies, NotReady nodes, autoscalers...); `labs.available()` lists
every scenario `labs.start` can run as a lab, notebook or not.

## How a lab goes

1. **The situation**: what users and dashboards report. No spoilers.
2. **Start the lab**: `lab = labs.start("<scenario>")` starts the broken cluster, 30 times faster than
   real time, and points `KUBECONFIG` at it, so `!kubectl ...` cells and `workbench.connect()` work
   with no arguments.
3. **Explore** with kubectl and with pandas (`lab.cluster().frames()`, `df.k8s`, `cluster.analyze()`).
4. **Hints**: `lab.hint()` gives the next rung of a ladder, vague to specific (`hint 2/4: ...`).
5. **Fix** it in the empty cell, then **check**: `lab.check()` waits a few seconds for the cluster to
   settle and grades it against the scenario's success checks, ✓ or ✗ per check.
6. At the end, **Instructors**: the learning objective and the wrong fixes learners try, with why
   each fails. `lab.solution()` shows the documented fix; `lab.apply_solution()` applies it.

## Run them

```console
$ make install                      # once: the package and its test tools into .venv
$ .venv/bin/jupyter lab notebooks/labs/
```

`kubectl` must be installed (`labs.start` says how if it is not). From plain Python:

```python
from workbench import labs

with labs.start("image-pull") as lab:
    print(lab.hint())
    lab.apply_solution()
    print(lab.check())
```

CI executes every lab top to bottom with its parameters cell set to `SOLVE = True` (papermill-style):
the documented fix is applied right before the check, and the check must pass
(`tests/notebooks/test_labs.py`).

## Changing a lab

The notebooks are generated: their texts live in [labs.yaml](labs.yaml), and the level, hint count,
success checks and wrong fixes come from each scenario's `scenario.yaml`
(`workbench/sandbox/scenarios/<name>/`). Edit those, then run `.venv/bin/python tools/make_labs.py`
and commit what it writes; a test fails when a notebook and its sources disagree. Notebooks are
committed without outputs.
"""


def render_all(labs_dir: Path = LABS_DIR) -> dict[Path, str]:
    """Every generated file (path → text): the lab notebooks and the README."""
    labs = load_labs()
    files = {labs_dir / f"{lab.file}.ipynb": _text(notebook(lab, n)) for n, lab in enumerate(labs, 1)}
    files[labs_dir / "README.md"] = readme(labs)
    return files


def _text(nb: NotebookNode) -> str:
    text: str = nbformat.writes(nb)
    return text if text.endswith("\n") else text + "\n"


def main(argv: list[str]) -> int:
    files = render_all()
    if argv == ["--check"]:
        stale = [str(p.relative_to(ROOT)) for p, t in files.items() if not p.exists() or p.read_text() != t]
        if stale:
            sys.stderr.write(f"out of date, run tools/make_labs.py: {', '.join(stale)}\n")
        return 1 if stale else 0
    if argv:
        sys.stderr.write(__doc__.splitlines()[-1] + "\n")
        return 2
    for path, text in files.items():
        path.write_text(text)
        sys.stderr.write(f"wrote {path.relative_to(ROOT)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
