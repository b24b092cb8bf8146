"""A plan rendered as a notebook cell: readable Python whose plan evaluates back to the same digest, and
whose shape no title, note or parameter (from an LLM or from the cluster) can change.

The cell runs twice over: against stand-in `workbench` objects that record the calls (`FakeWorkbench`:
which calls, in which order, with which approval), and for real against a sandbox through
`Cluster.remediation`.
"""

from __future__ import annotations

import ast
import json
import tokenize
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_kubectl
from tests.model._cells import run_cell
from workbench import sandbox as sandbox_pkg
from workbench.errors import ConfigError
from workbench.model import Action, ObjectRef, Plan, PlanStep
from workbench.model._cell import _comment, _string, render_cell
from workbench.model._results import ApplyResult, DryRun, StepOutcome, StepStatus

CATALOG = ObjectRef("Deployment", "storefront", "catalog", api_version="apps/v1")
NODE = ObjectRef("Node", "", "kind-worker")
SCOPE = {"Action": Action, "ObjectRef": ObjectRef, "Plan": Plan, "PlanStep": PlanStep}
HOSTILE = [
    '"); import os; os.system("rm -rf /") #',
    "line one\nimport os  # injected on a line of its own",
    'x"""; import os; """',
    "x'''; import os; '''",
    "back\\slash \\n \\x00 \\N{BULLET} \\",
    "carriage\rimport os",
    "separator\u2028import os\u2029",
    "nul\x00 bell\x07 esc\x1b[31m red",
    "bidi \u202eevil\u202c tab\t form\x0c feed nel\x85",
    "{braces} %s {0} $(rm -rf /)",
]


def every_action_plan(title: str = "Fix the storefront", notes: tuple[str, ...] = ()) -> Plan:
    ns = "storefront"
    steps = [
        PlanStep(
            Action.SET_IMAGE,
            CATALOG,
            {"container": "catalog", "image": "registry.shop.example/catalog:2.14.1"},
            title="Roll catalog forward",
            reason="pod.image-pull:Pod/storefront/catalog-7d9f",
        ),
        PlanStep(Action.PATCH, CATALOG, {"patch_type": "json", "patch": [{"op": "remove", "path": "/x"}]}),
        PlanStep(Action.SCALE, CATALOG, {"replicas": 3}),
        PlanStep(Action.ROLLOUT_RESTART, CATALOG),
        PlanStep(Action.ROLLOUT_UNDO, CATALOG, {"to_revision": 4}),
        PlanStep(
            Action.SET_RESOURCES, CATALOG, {"container": "catalog", "limits": {"memory": "1Gi", "cpu": 0.5}}
        ),
        PlanStep(
            Action.SET_ENV,
            CATALOG,
            {
                "container": "catalog",
                "env": [
                    {"name": "A", "value": "1"},
                    {"name": "B", "valueFrom": {"secretKeyRef": {"name": "s", "key": "b", "optional": True}}},
                ],
            },
        ),
        PlanStep(Action.SET_CONFIGMAP_KEY, ObjectRef("ConfigMap", ns, "cfg"), {"key": "k", "value": ""}),
        PlanStep(Action.DELETE_POD, ObjectRef("Pod", ns, "catalog-7d9f")),
        PlanStep(Action.CORDON, NODE),
        PlanStep(Action.UNCORDON, NODE),
        PlanStep(Action.DRAIN, NODE, {"grace_seconds": 0, "timeout_seconds": 300}),
        PlanStep(
            Action.SET_SERVICE_SELECTOR, ObjectRef("Service", ns, "catalog"), {"selector": {"app": "c"}}
        ),
        PlanStep(
            Action.SET_PROBE,
            CATALOG,
            {
                "container": "catalog",
                "probe": "startup",
                "settings": {"exec": {"command": ["sh", "-c", "test -f /ready"]}, "failureThreshold": 30},
            },
        ),
        PlanStep(
            Action.SET_HPA_RANGE,
            ObjectRef("HorizontalPodAutoscaler", ns, "catalog", uid="a1b2"),
            {"min_replicas": 2, "max_replicas": 10},
        ),
        PlanStep(Action.REMOVE_TAINT, NODE, {"key": "node.example.io/maintenance", "effect": "NoSchedule"}),
        PlanStep(
            Action.ALLOW_INGRESS,
            ObjectRef("NetworkPolicy", ns, "allow-web-to-catalog"),
            {
                "pod_selector": {"app": "catalog"},
                "from_selector": {"app": "web"},
                "ports": [{"protocol": "TCP", "port": "http"}],
            },
        ),
        PlanStep(
            Action.CREATE_STORAGE_CLASS,
            ObjectRef("StorageClass", "", "fast-ssd"),
            {
                "provisioner": "rancher.io/local-path",
                "parameters": {"a": "EOF"},
                "allow_volume_expansion": True,
            },
        ),
        PlanStep(
            Action.DELETE_CREATED,
            ObjectRef("StorageClass", "", "fast-ssd"),
            {"uid": "f0c3d4ca", "created_by": "sha256:" + "0" * 64},
        ),
        PlanStep(
            Action.RECREATE_JOB,
            ObjectRef("Job", ns, "catalog-import"),
            {
                "container": "import",
                "env": [
                    {"name": "BUCKET", "value": "s3://imports/daily"},
                    {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "import", "key": "TOKEN"}}},
                ],
            },
        ),
    ]
    assert {step.action for step in steps} == set(Action)
    return Plan(title, tuple(steps), findings=("pod.image-pull:Pod/storefront/catalog-7d9f",), notes=notes)


def unicode_plan() -> Plan:
    step = PlanStep(
        Action.SET_CONFIGMAP_KEY,
        ObjectRef("ConfigMap", "läden", "grüße"),
        {"key": "motd", "value": "Grüße 👋 — 日本語\n2 lines"},
        title="Begrüßung ändern ✓",
        reason="cm.änderung:ConfigMap/läden/grüße",
    )
    return Plan("Ünïcödé 🚀", (step,), findings=("a", "β"), notes=("ノート",))


def nested_plan() -> Plan:
    patch = {
        "spec": {
            "template": {
                "metadata": {"annotations": {"z": "1", "a": "2"}},
                "spec": {
                    "tolerations": [{"key": "k", "operator": "Exists", "effect": None}],
                    "x": [[1, 2.5], []],
                },
            }
        },
        "flags": [True, False, None, 0, -1, 1e-05, 12345678901234567890],
    }
    step = PlanStep(Action.PATCH, CATALOG, {"patch_type": "strategic", "patch": patch})
    return Plan("", (step,))


def hostile_plan(text: str) -> Plan:
    step = PlanStep(
        Action.SET_CONFIGMAP_KEY,
        ObjectRef("ConfigMap", "shop", "cfg"),
        {"key": text, "value": text},
        title=text,
        reason=text,
    )
    env = PlanStep(Action.SET_ENV, CATALOG, {"container": "catalog", "env": [{"name": "X", "value": text}]})
    nested = PlanStep(
        Action.PATCH,
        ObjectRef("ConfigMap", "shop", "cfg"),
        {"patch_type": "merge", "patch": {"data": {text: text}, "metadata": {"labels": {"l": [text]}}}},
    )
    return Plan(text, (step, env, nested), findings=(text, text), notes=(text, text))


def plan_in(cell: str) -> Plan:
    """Evaluate the cell's ``Plan(...)`` with only the four names the cell imports in scope."""
    tree = ast.parse(cell)
    (call,) = [node for node in ast.walk(tree) if isinstance(node, ast.Call) and _name(node.func) == "Plan"]
    code = compile(ast.Expression(call), "<cell>", "eval")
    plan = eval(code, {"__builtins__": {}}, dict(SCOPE))  # noqa: S307 - the point of the test: the literal evaluates back
    assert isinstance(plan, Plan)
    return plan


def _name(node: ast.expr) -> str:
    return node.id if isinstance(node, ast.Name) else ""


def shape(cell: str) -> list[tuple[str, str]]:
    """Each top-level statement as (type, what it binds or calls)."""
    out = []
    for node in ast.parse(cell).body:
        if isinstance(node, ast.Assign):
            out.append(("Assign", ", ".join(ast.unparse(t) for t in node.targets)))
        elif isinstance(node, ast.Expr):
            out.append(("Expr", ast.unparse(node.value)))
        elif isinstance(node, ast.If):
            out.append(("If", ast.unparse(node.test) + " -> " + "; ".join(ast.unparse(s) for s in node.body)))
        else:
            out.append((type(node).__name__, ast.unparse(node)))
    return out


EXPECTED_SHAPE = [
    ("Import", "import workbench"),
    ("ImportFrom", "from workbench.model import Action, ObjectRef, Plan, PlanStep"),
    ("Assign", "cluster"),
    ("Assign", "fix"),
    ("Assign", "preview"),
    ("Expr", "display(preview)"),
    ("Assign", "APPROVED_BY"),
    ("If", "APPROVED_BY -> result = fix.apply(fix.approve(by=APPROVED_BY)); display(result)"),
]


@pytest.mark.parametrize(
    "plan",
    [every_action_plan(), unicode_plan(), nested_plan(), every_action_plan(notes=())],
    ids=["every-action", "unicode", "nested-params", "empty-notes"],
)
def test_the_cell_evaluates_back_to_the_same_plan(plan: Plan) -> None:
    cell = render_cell(plan, context="kind-x")
    assert shape(cell) == EXPECTED_SHAPE
    again = plan_in(cell)
    assert again.digest == plan.digest
    assert again == plan  # uid too, which the digest leaves out
    assert plan.to_cell(context="kind-x") == cell


def test_the_cell_reads_as_documented() -> None:
    plan = Plan(
        "Roll catalog forward to a published image",
        (
            PlanStep(
                Action.SET_IMAGE,
                CATALOG,
                {"container": "catalog", "image": "registry.shop.example/catalog:2.14.1"},
                title="Use catalog 2.14.1",
                reason="pod.image-pull:Pod/storefront/catalog-7d9f",
            ),
        ),
        findings=(
            "pod.image-pull:Pod/storefront/catalog-7d9f",
            "deployment.unavailable:Deployment/storefront/catalog",
        ),
        notes=("2.14.2 was never pushed.", "Check the release pipeline."),
    )
    digest = plan.digest.removeprefix("sha256:")[:8]
    assert render_cell(plan, context="kind-x") == (
        "# Roll catalog forward to a published image\n"
        "# Addresses: pod.image-pull:Pod/storefront/catalog-7d9f, "
        "deployment.unavailable:Deployment/storefront/catalog\n"
        "# Notes: 2.14.2 was never pushed.\n"
        "#        Check the release pipeline.\n"
        "# The same change with kubectl (for reference; this cell does not run them):\n"
        "#   kubectl --context kind-x -n storefront set image deployment/catalog "
        "catalog=registry.shop.example/catalog:2.14.1\n"
        "import workbench\n"
        "from workbench.model import Action, ObjectRef, Plan, PlanStep\n"
        "\n"
        'cluster = workbench.connect(context="kind-x")\n'
        "fix = cluster.remediation(\n"
        "    Plan(\n"
        '        title="Roll catalog forward to a published image",\n'
        "        steps=[\n"
        "            PlanStep(\n"
        "                Action.SET_IMAGE,\n"
        '                ObjectRef("Deployment", "storefront", "catalog", api_version="apps/v1"),\n'
        '                {"container": "catalog", "image": "registry.shop.example/catalog:2.14.1"},\n'
        '                title="Use catalog 2.14.1",\n'
        '                reason="pod.image-pull:Pod/storefront/catalog-7d9f",\n'
        "            ),\n"
        "        ],\n"
        "        findings=[\n"
        '            "pod.image-pull:Pod/storefront/catalog-7d9f",\n'
        '            "deployment.unavailable:Deployment/storefront/catalog",\n'
        "        ],\n"
        '        notes=["2.14.2 was never pushed.", "Check the release pipeline."],\n'
        "    )\n"
        ")\n"
        "preview = fix.dry_run()  # server-side dry run: RBAC check, diff, pods that restart; "
        "changes nothing\n"
        "display(preview)\n"
        "\n"
        f"# Read the diff above. To apply exactly this plan (digest sha256:{digest}…), "
        "put your name here and run again.\n"
        'APPROVED_BY = ""\n'
        "if APPROVED_BY:\n"
        "    result = fix.apply(fix.approve(by=APPROVED_BY))\n"
        "    display(result)  # per-step results and verification; "
        "result.rollback_plan().to_cell() undoes it\n"
    )


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_text_cannot_change_the_cell(text: str) -> None:
    plan = hostile_plan(text)
    cell = render_cell(plan, context=text, kubeconfig=text)
    assert shape(cell) == EXPECTED_SHAPE
    assert plan_in(cell) == plan
    connect = ast.parse(cell).body[2]
    assert isinstance(connect, ast.Assign)
    assert isinstance(connect.value, ast.Call)
    assert [(k.arg, ast.literal_eval(k.value)) for k in connect.value.keywords] == [
        ("context", text),
        ("kubeconfig", text),
    ]
    header = cell.split("import workbench\n")[0].splitlines()
    commands = len(plan.kubectl(context=text))
    assert len(header) == 1 + 1 + len(plan.notes) + 1 + commands  # title, findings, notes, kubectl
    assert all(line.startswith("# ") for line in header)
    comments = [
        tok for tok in tokenize.generate_tokens(StringIO(cell).readline) if tok.type == tokenize.COMMENT
    ]
    assert [tok.string for tok in comments[: len(header)]] == header  # each header line is one comment


def test_every_character_round_trips_through_a_literal_and_stays_on_one_comment_line() -> None:
    text = "".join(map(chr, range(0x110000)))  # every code point, surrogates included
    assert ast.literal_eval(_string(text)) == text
    line = _comment(text)
    assert line.isprintable()
    assert len(ast.parse(line + "\nx = 1\n").body) == 1


@pytest.mark.parametrize(
    ("context", "kubeconfig", "call"),
    [
        (None, None, "workbench.connect()"),
        ("kind-x", None, 'workbench.connect(context="kind-x")'),
        (None, "/home/me/.kube/config", 'workbench.connect(kubeconfig="/home/me/.kube/config")'),
        ("kind-x", "/k", 'workbench.connect(context="kind-x", kubeconfig="/k")'),
    ],
)
def test_connect_names_only_what_was_given(context: str | None, kubeconfig: str | None, call: str) -> None:
    cell = render_cell(unicode_plan(), context=context, kubeconfig=kubeconfig)
    assert f"cluster = {call}\n" in cell
    assert ("--context" in cell) == bool(context)


def test_the_rollback_of_an_apply_renders_too() -> None:
    plan = every_action_plan()
    rollback = Plan(
        f"Roll back: {plan.title}",
        (
            PlanStep(
                Action.SET_IMAGE,
                CATALOG,
                {"container": "catalog", "image": "registry.shop.example/catalog:2.14.0"},
            ),
            PlanStep(Action.UNCORDON, NODE),
        ),
        findings=plan.findings,
        notes=("Restores what the apply changed, newest first.",),
    )
    at = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    result = ApplyResult(
        plan=plan,
        approval=plan.approve(by="sre@example.com", at=at),
        context="kind-x",
        user="admin",
        started=at,
        finished=at,
        steps=tuple(StepOutcome(i, step, StepStatus.APPLIED) for i, step in enumerate(plan.steps)),
        rollback=rollback,
    )
    cell = result.rollback_plan().to_cell(context="kind-x")
    assert shape(cell) == EXPECTED_SHAPE
    assert plan_in(cell).digest == rollback.digest
    assert cell.startswith("# Roll back: Fix the storefront\n")


def test_bad_input_names_the_fix() -> None:
    with pytest.raises(
        ConfigError, match=r"render_cell needs a Plan, not PlanStep; build one with Plan\(\.\.\.\)"
    ):
        render_cell(PlanStep(Action.CORDON, NODE))  # type: ignore[arg-type]  # the error path


# ---- running the cell ---------------------------------------------------------------------------


def test_the_cell_previews_and_applies_nothing_until_a_name_is_filled_in(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    plan = every_action_plan()
    fake = run_cell(plan.to_cell(context="kind-x", kubeconfig="/k"), monkeypatch)
    assert [name for name, _ in fake.calls] == ["connect", "remediation", "dry_run"]
    assert fake.calls[0] == ("connect", {"context": "kind-x", "kubeconfig": "/k"})
    assert fake.calls[1][1].digest == plan.digest
    assert fake.displayed == ["the preview"]


def test_the_cell_applies_the_approved_plan_once_a_name_is_filled_in(monkeypatch: pytest.MonkeyPatch) -> None:
    plan = hostile_plan(HOSTILE[0])
    cell = plan.to_cell().replace('APPROVED_BY = ""', 'APPROVED_BY = "sre@example.com"')
    fake = run_cell(cell, monkeypatch)
    assert [name for name, _ in fake.calls] == ["connect", "remediation", "dry_run", "approve", "apply"]
    assert fake.calls[0] == ("connect", {})
    approval = fake.calls[-1][1]
    assert approval.approved_by == "sre@example.com"
    assert approval.matches(plan)
    assert fake.displayed == ["the preview", "the result"]


# ---- running the cell against a real cluster ----------------------------------------------------

IMAGE_PATH = "jsonpath={.spec.template.spec.containers[0].image}"


@pytest.mark.kubectl
def test_the_cell_runs_against_a_sandbox(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The cell as a notebook runs it: a dry run first; with a name filled in, the apply heals the cluster."""
    monkeypatch.setenv("WORKBENCH_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    step = PlanStep(
        Action.SET_IMAGE,
        CATALOG,
        {"container": "catalog", "image": "registry.shop.example/catalog:2.14.1"},
        title="Use the tag the registry has",
        reason="pod.image-pull:Pod/storefront/catalog",
    )
    plan = Plan("Point catalog at an image that exists", (step,), ("pod.image-pull",), (HOSTILE[1],))
    # A running clock (fast) so the rollout the apply waits for finishes.
    with sandbox_pkg.start(scenario="image-pull", speed=30) as sb:
        cell = plan.to_cell(context="workbench-sandbox", kubeconfig=str(sb.kubeconfig))

        kubectl = make_kubectl(sb, tmp_path / "kube-cache")

        def image() -> str:
            return kubectl("-n", "storefront", "get", "deployment", "catalog", "-o", IMAGE_PATH).stdout

        before = image()
        preview = exec_cell(cell)["preview"]
        assert isinstance(preview, DryRun)
        assert preview.ok, preview.problems()
        assert preview.digest == plan.digest
        assert image() == before  # a dry run changes nothing
        text = str(preview)
        assert "Verdict: ready to approve" in text
        assert "    -        image: registry.shop.example/catalog:v2.14.1\n" in text
        assert "    +        image: registry.shop.example/catalog:2.14.1\n" in text

        namespace = exec_cell(cell.replace('APPROVED_BY = ""', 'APPROVED_BY = "sre@example.com"'))
        result = namespace["result"]
        assert isinstance(result, ApplyResult)
        assert result.ok
        assert result.approval.approved_by == "sre@example.com"
        assert image() == "registry.shop.example/catalog:2.14.1"
        assert result.verified  # the rollout finished within apply's wait
        assert "Result: 1 step applied and verified\n" in str(result)
        events = [json.loads(line)["event"] for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
        assert events == ["dry-run", "dry-run", "apply"]


def exec_cell(cell: str) -> dict[str, Any]:
    displayed: list[Any] = []
    namespace: dict[str, Any] = {"display": displayed.append}
    try:
        exec(compile(cell, "<cell>", "exec"), namespace)  # noqa: S102 - running the rendered cell is the test
    finally:
        if "cluster" in namespace:
            namespace["cluster"].close()
    assert displayed == [namespace[name] for name in ("preview", "result") if name in namespace]
    return namespace
