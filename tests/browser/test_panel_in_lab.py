"""The Kubernetes side panel in a real JupyterLab, in headless Chromium, against a crash-looping sandbox
with the offline assistant: the shortcut opens the panel, which shows the agent offline and the health
badge; "what's wrong?" streams an answer with finding and plan cards; Dry-run shows the diff in the card
(and changes nothing in the cluster); "Insert cell below" puts the plan's cell into the notebook, not run;
"Why did this fail?" attaches a failed cell, and ``@incidents`` a DataFrame described by the kernel.
Then the person approves the inserted cell by typing a name into its ``APPROVED_BY = ""`` line and runs
it with Shift+Enter: its output shows the dry run and the apply (the step applied, the rollout
verified), the cell's outputs carry the audit records, the scenario's own checks pass (the cluster
healed), and the panel's refreshed badge says so. The sandbox's clock is stepped by hand until then
(so asking and dry-running provably change nothing) and runs on its own, sped up, from the approval
on (so the rollout the apply waits for ends in a few real seconds).

Screenshots go to docs/screenshots/ (panel-in-lab.png, remediation-in-lab.png) once the DOM shows every
element inside them, when ``WORKBENCH_SCREENSHOTS=1`` (``make screenshots``); otherwise to the test's
temporary directory.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nbformat
import pytest

from tests.browser._lab import CHROMIUM, CHROMIUM_ARGS, Lab, chromium_or_skip, jupyter_lab, open_and_run_all
from tests.browser.test_widgets_in_lab import png_size
from workbench import sandbox as sandbox_pkg
from workbench.model import AUDIT_MIME

if TYPE_CHECKING:
    from workbench.sandbox._scenarios._checks import CheckReport

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
VIEWPORT = {"width": 1440, "height": 1000}
WAIT_MS = 180_000
"""How long a step may take in the browser (the first question pulls and analyses; 2 busy cores)."""
PANEL = ".jp-KubeWorkbench"
SOURCE = """\
# Investigating the billing incident
import pandas as pd

incidents = pd.DataFrame({"service": ["invoice-api"], "restarts": [8]})"""
FAILING = "incidents.restarts_total.sum()  # the column is called restarts"
APPROVER = "sre@example.com"
SPEED = 40.0
"""Simulated seconds per real second once the clock runs: the rollout (probes, graceful deletion)
takes a few real seconds."""
HEAL_SECONDS = 60.0
"""Real seconds the old pods may take to go after the apply's verification (not expected to be used)."""


def notebook(path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_code_cell(SOURCE), nbformat.v4.new_code_cell(FAILING)]
    nbformat.write(nb, path)


@pytest.mark.slow
def test_the_panel_answers_shows_a_plan_whose_inserted_cell_heals_the_cluster(tmp_path: Path) -> None:
    chromium_or_skip()
    from playwright.sync_api import expect, sync_playwright  # noqa: PLC0415 - only once it is known to exist

    root = tmp_path / "lab"
    root.mkdir()
    notebook(root / "incident.ipynb")
    # speed only matters once the clock goes live, right before the approved cell runs.
    with sandbox_pkg.start(scenario="crashloop", manual_clock=True, speed=SPEED) as sb:
        sb.advance(600)
        env = {
            "KUBECONFIG": str(sb.kubeconfig),
            "WORKBENCH_MODEL": "offline",  # no language model: the offline assistant answers
            "WORKBENCH_AUDIT_LOG": str(tmp_path / "audit.jsonl"),
        }
        with jupyter_lab(root, env=env) as lab, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport=VIEWPORT)
                page.route("**/*", lab.route)
                page.set_default_timeout(WAIT_MS)
                _open(page, lab, expect)
                version = sb.api.store.resource_version
                _ask(page, expect)
                _dry_run(page, expect)
                assert sb.api.store.resource_version == version  # asking and dry-running change nothing
                keep = os.environ.get("WORKBENCH_SCREENSHOTS") == "1"
                _screenshot(page, (DOCS if keep else tmp_path) / "panel-in-lab.png")
                _insert(page, expect)
                _attachments(page, expect)
                assert sb.api.store.resource_version == version  # nor do inserting and attaching
                assert not sb.check().passed  # still broken: nothing has been approved
                sb.clock.go_live()  # from here the control plane runs on its own, SPEED times real time
                _approve_and_run(page, expect)
                report = _healed(sb)
                assert report.passed, f"the cluster did not heal after the cell ran:\n{report}"
                panel = page.locator(PANEL)
                panel.locator("button.jp-KubeWorkbench-refresh").click()  # pull and analyse again
                expect(panel.locator(".jp-KubeWorkbench-health")).to_have_text("healthy")
                _remediation_screenshot(page, (DOCS if keep else tmp_path) / "remediation-in-lab.png")
            finally:
                browser.close()
    assert lab.refused == []  # nothing but the local server was asked for anything
    records = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    # The panel's dry run, the cell's dry run, then the cell's apply under the typed-in approval.
    assert [r["event"] for r in records] == ["dry-run", "dry-run", "apply"]
    assert records[-1]["approved_by"] == APPROVER
    assert records[-1]["ok"] is True


def _open(page: Any, lab: Lab, expect: Any) -> None:
    open_and_run_all(page, lab, "incident.ipynb")
    cells = page.locator(".jp-Notebook .jp-Cell")
    expect(cells.nth(1).locator(".jp-OutputArea-output")).to_contain_text(
        "AttributeError: 'DataFrame' object has no attribute 'restarts_total'"
    )
    cells.first.click()
    page.keyboard.press("Control+Alt+K")  # the panel's shortcut, from inside a cell editor
    panel = page.locator(PANEL)
    expect(panel).to_be_visible()
    expect(panel.locator(".jp-KubeWorkbench-input")).to_be_focused()
    first = "() => window.jupyterapp.shell.currentWidget.content.model.cells.get(0).sharedModel.getSource()"
    assert page.evaluate(first) == SOURCE  # the shortcut did nothing to the cell it was pressed in
    expect(panel.locator("[data-state='offline']")).to_contain_text("Agent offline")
    expect(panel.locator(".jp-KubeWorkbench-context")).to_have_value("workbench-sandbox")
    expect(panel.locator(".jp-KubeWorkbench-health")).to_have_text("2 critical · 2 error")


def _ask(page: Any, expect: Any) -> None:
    panel = page.locator(PANEL)
    panel.locator(".jp-KubeWorkbench-input").fill("what's wrong?")
    panel.locator(".jp-KubeWorkbench-input").press("Enter")
    turn = panel.locator(".jp-KubeWorkbench-turn").last
    expect(turn).to_have_attribute("data-status", "done")
    expect(turn.locator(".jp-KubeWorkbench-answer[data-final='true']")).to_contain_text("Root cause:")
    expect(turn.locator(".jp-KubeWorkbench-answer strong").first).to_have_text(
        "Root cause:"
    )  # rendered markdown
    expect(turn.locator(".jp-KubeWorkbench-reads > summary")).to_contain_text("run_analysis")
    expect(turn.locator(".jp-KubeWorkbench-finding[data-code='pod.crashloop']").first).to_be_visible()
    plan = turn.locator(".jp-KubeWorkbench-plan")
    expect(plan).to_contain_text("Give deployment billing/invoice-api")
    expect(plan).to_have_attribute("data-dry-run", "idle")


def _dry_run(page: Any, expect: Any) -> None:
    plan = page.locator(f"{PANEL} .jp-KubeWorkbench-plan").last
    plan.locator("button.jp-KubeWorkbench-dryRun").click()
    expect(plan).to_have_attribute("data-dry-run", "ok")
    expect(plan.locator(".jp-KubeWorkbench-dryRunSummary")).to_contain_text(
        "Dry run OK: 1 step, 2 pods restart"
    )
    expect(plan.locator(".jp-KubeWorkbench-diffAdd", has_text="DATABASE_URL").first).to_be_visible()


def _insert(page: Any, expect: Any) -> None:
    cells = page.locator(".jp-Notebook .jp-Cell")
    expect(cells).to_have_count(2)
    cells.first.click()
    plan = page.locator(f"{PANEL} .jp-KubeWorkbench-plan").last
    plan.locator("button.jp-KubeWorkbench-insert").click()
    expect(cells).to_have_count(3)
    source = page.evaluate(
        "() => window.jupyterapp.shell.currentWidget.content.model.cells.get(1).sharedModel.getSource()"
    )
    assert "fix = cluster.remediation(" in source
    assert 'APPROVED_BY = ""' in source  # nothing is applied until a person approves in the notebook
    assert 'context="workbench-sandbox"' in source
    expect(cells.nth(1).locator(".jp-InputArea-prompt")).to_have_text("[ ]:")  # inserted, not run
    expect(plan.locator("button.jp-KubeWorkbench-insert")).to_contain_text("Inserted")


def _attachments(page: Any, expect: Any) -> None:
    panel = page.locator(PANEL)
    page.locator(".jp-Notebook .jp-Cell").nth(2).locator(".jp-InputPrompt").click()  # the cell that failed
    panel.locator("button.jp-KubeWorkbench-why").click()
    why = panel.locator(".jp-KubeWorkbench-turn").nth(1)
    expect(why.locator(".jp-KubeWorkbench-question")).to_contain_text("Why did this cell fail?")
    expect(why.locator(".jp-KubeWorkbench-chip")).to_have_text("cell [2]")
    expect(why).to_have_attribute("data-status", "done")
    panel.locator(".jp-KubeWorkbench-attach input").uncheck()
    panel.locator(".jp-KubeWorkbench-input").fill("and what does @incidents say?")
    panel.locator(".jp-KubeWorkbench-input").press("Enter")
    mention = panel.locator(".jp-KubeWorkbench-turn").nth(2)
    expect(mention.locator(".jp-KubeWorkbench-chip")).to_have_text("@incidents")
    expect(mention).to_have_attribute("data-status", "done")
    # The kernel described the DataFrame: no "could not be attached" error on either turn.
    expect(why.locator(".jp-KubeWorkbench-error")).to_have_count(0)
    expect(mention.locator(".jp-KubeWorkbench-error")).to_have_count(0)


def _approve_and_run(page: Any, expect: Any) -> None:
    """Type a name between the quotes of ``APPROVED_BY = ""`` in the inserted cell, and Shift+Enter."""
    cell = page.locator(".jp-Notebook .jp-Cell").nth(1)
    before = _source(page, 1)
    line = cell.locator(".cm-line", has_text='APPROVED_BY = ""')
    expect(line).to_have_count(1)
    line.click()
    page.keyboard.press("End")
    page.keyboard.press("ArrowLeft")  # between the two quotes
    page.keyboard.type(APPROVER)
    assert _source(page, 1) == before.replace('APPROVED_BY = ""', f'APPROVED_BY = "{APPROVER}"')
    page.keyboard.press("Shift+Enter")
    outputs = cell.locator(".jp-OutputArea-output")
    dry_run = outputs.locator(".wb-dry-run")
    applied = outputs.locator(".wb-apply")
    expect(applied).to_be_visible()  # apply returns after its verification: this waits for the rollout
    expect(cell.locator(".jp-InputArea-prompt")).to_have_text(re.compile(r"^\[\d+\]:$"))  # run, not "[*]:"
    expect(outputs).to_have_count(2)  # the dry run and the apply: no error, no warning on stderr
    expect(dry_run.locator(".wb-verdict")).to_have_text("Ready to approve")
    expect(dry_run.locator(".wb-diff-add", has_text="DATABASE_URL").first).to_be_visible()
    expect(applied.locator(".wb-approval")).to_contain_text(f"Approved by {APPROVER}")
    expect(applied.locator(".wb-step .wb-status")).to_have_text(["applied"])
    expect(applied.locator(".wb-verification.wb-ok")).to_contain_text("Verified: 2 of 2 updated, 2 available")
    expect(applied.locator(".wb-verdict")).to_have_text("1 step applied and verified")
    expect(applied.locator(".wb-rollback")).to_contain_text("result.rollback_plan().to_cell()")
    # The audit records of both, under their own MIME type, in the cell's saved outputs.
    audits = page.evaluate(
        """(mime) => window.jupyterapp.shell.currentWidget.content.model.cells.get(1).outputs.toJSON()
            .filter((o) => o.data && o.data[mime]).map((o) => o.data[mime])""",
        AUDIT_MIME,
    )
    assert [(a["event"], a["ok"], a["approved_by"]) for a in audits] == [
        ("dry-run", True, ""),
        ("apply", True, APPROVER),
    ]
    assert audits[0]["digest"] == audits[1]["digest"]  # the plan applied is the plan previewed


def _healed(sb: sandbox_pkg.Sandbox) -> CheckReport:
    """The scenario's checks, once they pass (the replaced pods may still be terminating) or time is up."""
    deadline = time.monotonic() + HEAL_SECONDS
    while not (report := sb.check()).passed and time.monotonic() < deadline:
        time.sleep(0.5)
    return report


def _source(page: Any, index: int) -> str:
    source: str = page.evaluate(
        "(i) => window.jupyterapp.shell.currentWidget.content.model.cells.get(i).sharedModel.getSource()",
        index,
    )
    return source


def _remediation_screenshot(page: Any, path: Path) -> None:
    # The end of the dry run (its diff) above the apply's result, and the panel's badge beside them.
    verification = page.locator(".jp-Notebook .jp-Cell").nth(1).locator(".wb-apply .wb-verification")
    verification.evaluate("(line) => line.scrollIntoView({block: 'center'})")
    for selector in (
        f"{PANEL} .jp-KubeWorkbench-health",
        ".wb-dry-run .wb-diff-add:has-text('invoice-api-db')",  # the last line the diff adds
        ".wb-apply .wb-approval",
        ".wb-apply .wb-verdict",
        ".wb-apply .wb-status",
        ".wb-apply .wb-verification.wb-ok",
    ):
        inside_viewport_of(page, selector)
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path))
    assert png_size(path) == (VIEWPORT["width"], VIEWPORT["height"])
    assert path.stat().st_size > 50_000  # a rendered lab with the cell's output, not a blank frame


def _screenshot(page: Any, path: Path) -> None:
    # Room for the panel: the file browser folded away, the panel dragged wider.
    page.evaluate("() => window.jupyterapp.commands.execute('application:toggle-left-area')")
    handle = page.locator(
        "#jp-main-split-panel > .lm-SplitPanel-handle:not(.lm-mod-hidden)"
    ).last.bounding_box()
    assert handle is not None
    y = handle["y"] + handle["height"] / 2
    page.mouse.move(handle["x"] + 1, y)
    page.mouse.down()
    page.mouse.move(handle["x"] - 300, y, steps=5)
    page.mouse.up()
    assert page.locator(PANEL).bounding_box()["width"] > 500
    plan = page.locator(f"{PANEL} .jp-KubeWorkbench-plan").last
    plan.locator(".jp-KubeWorkbench-diff").scroll_into_view_if_needed()
    for selector in (
        f"{PANEL} .jp-KubeWorkbench-health",
        f"{PANEL} .jp-KubeWorkbench-plan button.jp-KubeWorkbench-dryRun",
        f"{PANEL} .jp-KubeWorkbench-diffAdd",
    ):
        inside_viewport_of(page, selector)
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path))
    assert png_size(path) == (VIEWPORT["width"], VIEWPORT["height"])
    assert path.stat().st_size > 50_000  # a rendered lab with the panel, not a blank frame


def inside_viewport_of(page: Any, selector: str) -> None:
    """`inside_viewport` for this test's (shorter) viewport."""
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not rendered"
    assert box["width"] > 0, f"{selector} has no width: {box}"
    assert box["height"] > 0, f"{selector} has no height: {box}"
    assert box["y"] >= 0, f"{selector} is above the screen: {box}"
    assert box["y"] + box["height"] <= VIEWPORT["height"], f"{selector} is below the screen: {box}"
