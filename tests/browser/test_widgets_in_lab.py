"""The widgets in a real JupyterLab, in headless Chromium: a notebook on a sandbox scenario shows
the health map, the cluster explorer and a plan review; a click on a row fills the explorer's
detail pane; Dry-run then Approve enables Apply. A screenshot goes to docs/screenshots/ once the
DOM shows every element inside it, when ``WORKBENCH_SCREENSHOTS=1`` (``make screenshots``); otherwise to
the test's temporary directory, so a test run never changes a tracked file."""

from __future__ import annotations

import os
import struct
from pathlib import Path
from typing import Any

import nbformat
import pytest

from tests.browser._lab import CHROMIUM, CHROMIUM_ARGS, Lab, chromium_or_skip, jupyter_lab, open_and_run_all

DOCS_SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "widgets-in-lab.png"
VIEWPORT = {"width": 1440, "height": 2600}
WAIT_MS = 180_000
"""How long a step may take in the browser (cells start a sandbox and analyse it; 2 busy cores)."""

CELLS = [
    # The scenario: orders/orders-api selects app=order-api, but its pods are app=orders-api.
    """\
import workbench
from workbench import sandbox

sb = sandbox.start(scenario="service-selector", manual_clock=True)
sb.advance(600)
cluster = workbench.connect(kubeconfig=sb.kubeconfig)
report = cluster.analyze()
print(report.to_text())""",
    """\
from workbench.views.plots import health_map

health_map(cluster.frames(), report)""",
    """\
explorer = cluster.explore(page_size=8)
explorer.namespace_filter.value = "orders"
explorer""",
    """\
(plan,) = cluster.proposals()
fix = cluster.remediation(plan)
review = fix.review(approver="browser-test")
review""",
]


def notebook(path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_code_cell(source) for source in CELLS]
    nbformat.write(nb, path)


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    width, height = struct.unpack(">II", head[16:24])
    return int(width), int(height)


def inside_viewport(page: Any, selector: str) -> None:
    """The first element matching ``selector`` is rendered and lies within the viewport."""
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not rendered"
    assert box["width"] > 0, f"{selector} has no width: {box}"
    assert box["height"] > 0, f"{selector} has no height: {box}"
    assert box["y"] >= 0, f"{selector} is above the screen: {box}"
    assert box["y"] + box["height"] <= VIEWPORT["height"], f"{selector} is below the screen: {box}"


@pytest.mark.slow
def test_widgets_render_and_the_review_enables_apply_after_approve(tmp_path: Path) -> None:
    chromium_or_skip()
    from playwright.sync_api import expect, sync_playwright  # noqa: PLC0415 - only once it is known to exist

    root = tmp_path / "lab"
    root.mkdir()
    notebook(root / "widgets.ipynb")
    env = {"WORKBENCH_AUDIT_LOG": str(tmp_path / "audit.jsonl")}  # the dry-run's record stays here
    with jupyter_lab(root, env=env) as lab, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=VIEWPORT)
            page.route("**/*", lab.route)
            page.set_default_timeout(WAIT_MS)
            _run_notebook(page, lab)
            _check_outputs(page, expect)
            _review(page, expect)
            _explore(page, expect)
            keep = os.environ.get("WORKBENCH_SCREENSHOTS") == "1"
            _screenshot(page, DOCS_SCREENSHOT if keep else tmp_path / "widgets-in-lab.png")
        finally:
            browser.close()
    assert lab.refused == []  # nothing but the local server was asked for anything


def _run_notebook(page: Any, lab: Lab) -> None:
    open_and_run_all(page, lab, "widgets.ipynb")
    # Every code cell has run once it shows an execution count.
    page.wait_for_function(
        """(n) => {
            const prompts = [...document.querySelectorAll('.jp-InputArea-prompt')].map(p => p.textContent);
            return prompts.length === n && prompts.every(p => /\\[\\d+\\]/.test(p));
        }""",
        arg=len(CELLS),
    )
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    tracebacks = [t for t in errors.all_inner_texts() if "Traceback" in t or "Error" in t]
    assert tracebacks == [], tracebacks


def _check_outputs(page: Any, expect: Any) -> None:
    # The health map: plotly drew its treemap as SVG, with tiles.
    plot = page.locator(".js-plotly-plot svg.main-svg").first
    expect(plot).to_be_visible()
    assert page.locator(".js-plotly-plot .treemaplayer path.surface").count() > 3
    # The explorer: its table rows are name buttons, here the pods behind the broken Service.
    explorer = page.locator(".wb-explorer")
    expect(explorer).to_be_visible()
    rows = explorer.locator("button.wb-row-name")
    expect(rows).to_have_count(3)  # the orders namespace's pods
    names = sorted(rows.all_inner_texts())
    assert [n.rsplit("-", 2)[0] for n in names] == ["orders-api", "orders-api", "orders-worker"], names
    expect(explorer.locator(".wb-badge").first).to_be_visible()
    expect(explorer.locator(".wb-head-cell", has_text="HEALTH")).to_be_visible()
    # The plan review: the plan and its kubectl, Approve and Apply disabled until a dry-run.
    review = page.locator(".wb-review")
    expect(review).to_contain_text("Fix the selector of service orders/orders-api")
    expect(review.locator(".wb-kubectl")).to_contain_text(
        "kubectl --context workbench-sandbox -n orders patch"
    )
    expect(review.locator("button.wb-approve-button")).to_be_disabled()
    expect(review.locator("button.wb-apply-button")).to_be_disabled()


def _review(page: Any, expect: Any) -> None:
    review = page.locator(".wb-review")
    review.locator("button.wb-dry-run-button").click()
    approve = review.locator("button.wb-approve-button")
    expect(approve).to_be_enabled()
    expect(review.locator(".wb-diff-add").first).to_contain_text("app: orders-api")
    expect(review.locator("button.wb-apply-button")).to_be_disabled()  # not before approval
    approve.click()
    expect(review.locator("button.wb-apply-button")).to_be_enabled()
    expect(review).to_contain_text("Approved by browser-test")
    expect(approve).to_be_disabled()


def _explore(page: Any, expect: Any) -> None:
    explorer = page.locator(".wb-explorer")
    row = explorer.locator("button.wb-row-name", has_text="orders-api-").first
    name = row.inner_text()
    row.click()
    pane = explorer.locator(".wb-detail-pane .wb-detail")
    expect(pane).to_contain_text(f"Pod orders/{name}")
    expect(pane).to_contain_text("Deployment orders/orders-api")  # the owner chain
    expect(pane.locator("pre").first).to_be_visible()  # its log tail


def _screenshot(page: Any, path: Path) -> None:
    # The outputs fill more than one screen: show the three widgets one under the other by
    # scrolling the notebook to the health map, then check each element is inside the picture.
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:hide-all-cell-code')")
    page.locator(".js-plotly-plot").first.scroll_into_view_if_needed()
    page.wait_for_timeout(500)  # let plotly finish its transition after the scroll
    for selector in (
        ".js-plotly-plot svg.main-svg",
        ".wb-explorer button.wb-row-name",
        ".wb-review button.wb-apply-button:not([disabled])",
    ):
        inside_viewport(page, selector)
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path))
    assert png_size(path) == (VIEWPORT["width"], VIEWPORT["height"])
    assert path.stat().st_size > 100_000  # a page of rendered widgets, not a blank frame
