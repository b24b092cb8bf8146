"""The working notebooks run top to bottom, as CI and the demo run them, and do what they say.

- 01 (incident investigation) against a fresh ``incident`` sandbox, with ``KUBECONFIG`` in the
  kernel's environment as `workbench demo` sets it: the person's fix, the plan's dry-run, approval,
  apply and verification, the two snapshots, and a healed cluster at the end.
- 02 (postmortem) from what 01 left, with no cluster: it finds 01's audit records and manual change.
- 03 (large cluster) with a small ``PODS``.
- ``workbench export`` of the executed postmortem, with secrets planted in its real outputs.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from nbformat.notebooknode import NotebookNode

from tests.notebooks.run import NOTEBOOKS, execute, read, shown, tagged
from tests.redaction.corpus import POSITIVE
from workbench import sandbox
from workbench.export import export_html
from workbench.model import AUDIT_MIME, AuditRecord

pytestmark = pytest.mark.kubectl

INCIDENT = "01-incident-investigation.ipynb"
POSTMORTEM = "02-postmortem.ipynb"
LARGE = "03-large-cluster.ipynb"
APPROVER = "ci-approver"
HEAL_SECONDS = 120.0
"""Real seconds the cluster gets, after the notebook, for the last old pods to finish terminating."""


@dataclass(frozen=True)
class Investigation:
    work: Path
    nb: NotebookNode
    healed: bool
    audit_log: Path


def _cell(nb: NotebookNode, cell_id: str) -> NotebookNode:
    (cell,) = [c for c in nb.cells if c.get("id") == cell_id]
    return cell


def _audit(cell: NotebookNode) -> list[AuditRecord]:
    return [
        AuditRecord.from_dict(o["data"][AUDIT_MIME]) for o in cell.outputs if AUDIT_MIME in o.get("data", {})
    ]


@pytest.fixture(scope="module")
def investigation(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Investigation]:
    """01 executed in a work directory against a fresh incident sandbox (real time, as the demo runs)."""
    work = tmp_path_factory.mktemp("incident")
    shutil.copy(NOTEBOOKS / INCIDENT, work)
    with sandbox.start(scenario="incident", speed=1.0) as sb, pytest.MonkeyPatch.context() as env:
        # The kernel inherits this process's environment, as JupyterLab's kernels inherit the demo's.
        env.setenv("KUBECONFIG", str(sb.kubeconfig))
        env.setenv("KUBECACHEDIR", str(work / "kube-cache"))
        env.setenv("WORKBENCH_AUDIT_LOG", str(work / "audit.jsonl"))
        env.delenv("WORKBENCH_MODEL", raising=False)  # the offline assistant answers
        nb = execute(work / INCIDENT, parameters=f'APPROVER = "{APPROVER}"\nWAIT = 240')
        nbformat.write(nb, work / INCIDENT)  # saved with its outputs, as the engineer saves it
        # Old checkout pods may still be terminating; give the cluster its time, then grade it.
        deadline = time.monotonic() + HEAL_SECONDS
        while not (healed := sb.check().passed) and time.monotonic() < deadline:
            time.sleep(1)
        yield Investigation(work, nb, healed, work / "audit.jsonl")


def test_the_investigation_finds_the_root_cause_and_asks_the_agent(investigation: Investigation) -> None:
    nb = investigation.nb
    assert "Connected to workbench-sandbox" in shown(_cell(nb, "connect"))
    root = shown(_cell(nb, "cause-graph"))
    assert "key POSTGRES_USER is missing from Secret data/postgres-credentials" in root
    assert "application/vnd.plotly.v1+json" in _cell(nb, "cause-graph").outputs[-1]["data"]
    assert "[password, username]" in shown(_cell(nb, "secret"))  # the Secret's keys, never its values
    assert "database ping failed" in shown(_cell(nb, "logs"))
    assert "CHG-4471" in shown(_cell(nb, "kubectl"))  # describe secret: the change's annotation, no values
    assert "nothing is sent" in shown(_cell(nb, "preview"))
    answer = shown(_cell(nb, "ask"), "text/markdown")
    assert "**Root cause:** `pod.config-error`" in answer
    assert "Nothing has been applied." in answer
    proposals = shown(_cell(nb, "proposals"))
    assert (
        "Investigate: Find which key of Secret data/postgres-credentials replaces POSTGRES_USER" in proposals
    )


def test_the_person_fixes_the_cause_and_the_plan_passes_every_gate(investigation: Investigation) -> None:
    nb = investigation.nb
    (manual,) = tagged(nb, "manual-change")
    assert "secret/postgres-credentials patched" in shown(manual)
    assert "pod/postgres-0 condition met" in shown(_cell(nb, "wait-postgres"))
    assert "rollout restart deployment/checkout" in shown(_cell(nb, "plan"))
    (dry,) = _audit(_cell(nb, "dry-run"))
    assert (dry.event, dry.ok, dry.plan["title"]) == (
        "dry-run",
        True,
        "Restart checkout now that postgres is back",
    )
    assert "Verdict: ready to approve" in shown(_cell(nb, "dry-run"))
    assert shown(_cell(nb, "approve")).startswith(f"{APPROVER} approved {dry.digest[:19]}")
    (applied,) = _audit(_cell(nb, "apply"))
    assert (applied.event, applied.ok, applied.approved_by, applied.digest) == (
        "apply",
        True,
        APPROVER,
        dry.digest,
    )
    assert [(s["status"], s["verified"]) for s in applied.steps] == [("applied", True)]
    (verified,) = _audit(_cell(nb, "verify"))
    assert (verified.event, verified.ok, verified.digest) == ("verify", True, dry.digest)
    assert "kubectl -n shop patch deployment/checkout" in shown(_cell(nb, "rollback"))
    # The same three records went to the audit log, in order.
    logged = [json.loads(line) for line in investigation.audit_log.read_text().splitlines()]
    assert [(r["event"], r["digest"]) for r in logged] == [
        (r.event, r.digest) for r in (dry, applied, verified)
    ]


def test_the_shop_is_back_and_the_evidence_is_saved(investigation: Investigation) -> None:
    nb = investigation.nb
    assert "deployment.apps/frontend condition met" in shown(_cell(nb, "wait-frontend"))
    headline = shown(_cell(nb, "reanalyze")).splitlines()[0]
    assert "critical" not in headline, headline
    assert "error" not in headline, headline
    assert investigation.healed  # the scenario's own success checks pass
    for name in ("incident.wbsnap", "incident-after.wbsnap"):
        assert (investigation.work / name).stat().st_size > 0
    assert "incident.wbsnap: the cluster at" in shown(_cell(nb, "snapshot"))


@pytest.fixture(scope="module")
def postmortem(investigation: Investigation) -> NotebookNode:
    """02 executed next to 01's files, with no cluster: KUBECONFIG points nowhere."""
    shutil.copy(NOTEBOOKS / POSTMORTEM, investigation.work)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("KUBECONFIG", str(investigation.work / "no-such-kubeconfig"))
        nb = execute(investigation.work / POSTMORTEM)
    nbformat.write(nb, investigation.work / POSTMORTEM)
    return nb


def test_the_postmortem_reads_the_snapshot_and_the_audit_trail(postmortem: NotebookNode) -> None:
    nb = postmortem
    assert "incident.wbsnap: workbench-sandbox at" in shown(_cell(nb, "open"))
    assert f"{INCIDENT}: 3 audit records, 1 changes made by hand" in shown(_cell(nb, "audit"))
    actions = shown(_cell(nb, "actions"), "text/html")
    rows = re.findall(
        r"<td>(dry-run|apply|verify)</td>\s*<td>Restart checkout now that postgres is back</td>", actions
    )
    assert rows == ["dry-run", "apply", "verify"], actions
    assert actions.count(f"<td>{APPROVER}</td>") == 2  # the apply and its verification
    assert "kubectl -n data patch secret postgres-credentials" in shown(_cell(nb, "manual"), "text/markdown")
    timeline = shown(_cell(nb, "timeline-table"))
    assert "workbench audit" in timeline
    assert "Failed on Pod data/postgres-0" in timeline
    impact = shown(_cell(nb, "impact"))
    assert "Ingress" in impact
    assert "After the fix (incident-after.wbsnap)" in impact
    assert re.search(r"Down from \d\d:\d\d:\d\d to \d\d:\d\d:\d\d UTC: \d+ minutes", impact), impact
    causes = shown(_cell(nb, "causes"), "text/markdown")
    assert causes.startswith("**Root cause:** Pod data/postgres-0: container postgres cannot start")
    assert "workload.latest-tag" in shown(_cell(nb, "follow-ups"))


def test_the_exported_postmortem_keeps_no_planted_secret(postmortem: NotebookNode, tmp_path: Path) -> None:
    nb = nbformat.from_dict(json.loads(json.dumps(postmortem)))
    planted = [case for case in POSITIVE if case.where in ("log", "event")]
    for case, cell in zip(
        planted, [c for c in nb.cells if c.cell_type == "code" and c.outputs], strict=False
    ):
        output = cell.outputs[-1]
        if output.get("output_type") == "stream":
            output["text"] += case.text + "\n"
        elif "text/plain" in output.get("data", {}):
            output["data"]["text/plain"] += "\n" + case.text
            output["data"]["text/html"] = (
                output["data"].get("text/html", "") + f"<p>{html.escape(case.text)}</p>"
            )
    nbformat.write(nb, tmp_path / POSTMORTEM)
    exported = export_html(tmp_path / POSTMORTEM, tmp_path / "postmortem.html")
    text = exported.path.read_text()
    assert [c.secret for c in planted if c.secret in text or html.escape(c.secret) in text] == []
    assert exported.masked > 0
    assert "Restart checkout now that postgres is back" in text  # the actions table is still there


def test_the_large_cluster_notebook_slices_a_small_synthetic_cluster(tmp_path: Path) -> None:
    shutil.copy(NOTEBOOKS / LARGE, tmp_path)
    nb = execute(tmp_path / LARGE, parameters="PODS = 5000")
    pulled = shown(_cell(nb, "pull"))
    counted = re.search(r"([\d,]+) pods", pulled)
    assert counted is not None, pulled
    assert int(counted.group(1).replace(",", "")) >= 5000  # the synthetic pods, and the base cluster's few
    assert "Running" in shown(_cell(nb, "status"))
    assert re.search(r"\d+ of [\d,]+ workloads have pods that are not ready", shown(_cell(nb, "workloads")))
    assert "OOMKilled" in shown(_cell(nb, "exits"))
    assert " <- Deployment " in shown(_cell(nb, "describe"))  # pod -> ReplicaSet -> Deployment
    assert re.search(r"[\d,]+ findings, [\d,]+ root causes", shown(_cell(nb, "analyze")))
    for figure in ("findings-summary", "health-map", "node-capacity", "restarts"):
        assert "application/vnd.plotly.v1+json" in _cell(nb, figure).outputs[0]["data"]
    assert "Traceback" not in pulled  # the sandbox's own complaints go to its log, not the notebook
    assert not (tmp_path / "large-cluster.kubeconfig").exists()  # the stop cell cleaned up
    assert not (tmp_path / "large-cluster-sandbox.log").exists()


@pytest.mark.parametrize("name", [INCIDENT, POSTMORTEM, LARGE])
def test_a_notebook_has_a_parameters_cell_and_uses_only_the_public_api(name: str) -> None:
    nb = read(NOTEBOOKS / name)
    (parameters,) = tagged(nb, "parameters")
    assert parameters.source.startswith("# Parameters (papermill-style")
    imports = [
        line.split()[1]
        for cell in nb.cells
        if cell.cell_type == "code"
        for line in cell.source.splitlines()
        if line.startswith(("import ", "from "))
    ]
    private = [module for module in imports if any(part.startswith("_") for part in module.split("."))]
    assert private == []
    assert nb.cells[0].cell_type == "markdown"
    assert nb.cells[0].source.startswith("# ")
