"""Plans that need a value from a person (`PlanInput`): declared, filled, re-checked, and refused
until filled — by the cell, by `Remediation`, by `workbench fix` and by the eval."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.model._cells import run_cell
from workbench import evals
from workbench import sandbox as sandbox_pkg
from workbench.cli import main
from workbench.errors import ConfigError, PlanNotReadyError, ScenarioError
from workbench.model import Action, ObjectRef, Plan, PlanInput, PlanStep
from workbench.sandbox._scenarios._teaching import check_teaching
from workbench.sources import connect_live

CATALOG = ObjectRef("Deployment", "storefront", "catalog", api_version="apps/v1")
GOOD = "registry.shop.example/catalog:2.14.1"


def needs_image(**extra: object) -> Plan:
    step = PlanStep(
        Action.SET_IMAGE, CATALOG, {"container": "catalog", "image": "${image}"}, "Use ${image}", "f1"
    )
    return Plan(
        "Point catalog at an image the registry has",
        (step,),
        ("f1",),
        ("check the registry",),
        (PlanInput("image", "an image the registry has", suggestion=GOOD),),
        **extra,  # type: ignore[arg-type]
    )


def test_fill_puts_the_value_in_every_string_and_makes_a_ready_plan_with_its_own_digest() -> None:
    plan = needs_image()
    filled = plan.fill(image=GOOD)
    assert filled.inputs == ()
    assert dict(filled.steps[0].params) == {"container": "catalog", "image": GOOD}
    assert filled.steps[0].title == f"Use {GOOD}"
    assert (filled.title, filled.findings, filled.notes) == (plan.title, plan.findings, plan.notes)
    assert filled.digest != plan.digest
    assert filled.digest != plan.fill(image=GOOD + "-rc1").digest  # an approval covers the value given
    assert filled == plan.fill({"image": GOOD})


def test_a_ready_plan_keeps_the_digest_it_always_had_and_round_trips_with_inputs() -> None:
    step = PlanStep(Action.SET_IMAGE, CATALOG, {"container": "catalog", "image": GOOD})
    ready = Plan("t", (step,))
    assert "inputs" not in ready.to_dict()  # digests of plans (and audit records) without inputs unchanged
    plan = needs_image()
    assert plan.to_dict()["inputs"] == [
        {"name": "image", "prompt": "an image the registry has", "suggestion": GOOD}
    ]
    assert Plan.from_dict(plan.to_dict()) == plan
    assert Plan.from_dict(plan.to_dict()).digest == plan.digest


def test_only_declared_names_are_placeholders() -> None:
    config = ObjectRef("ConfigMap", "shop", "app-config")
    step = PlanStep(Action.SET_CONFIGMAP_KEY, config, {"key": "START", "value": "cd ${HOME} && ${run}"})
    plan = Plan("Set START", (step,), inputs=(PlanInput("run", "the command"),))
    assert plan.fill(run="./serve").steps[0].params["value"] == "cd ${HOME} && ./serve"


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: needs_image().fill(tag="2.14.1"), "has no input(s) tag; it asks for: image: an image"),
        (lambda: needs_image().fill(image=""), "plan input image needs a non-empty string"),
        (lambda: needs_image().fill(image="  "), "suggestion: 'registry.shop.example/catalog:2.14.1'"),
        (lambda: needs_image().fill(image="a\nb"), "must be printable text"),
        (lambda: needs_image().fill(image="${image}"), "without '${'"),
        (lambda: needs_image().fill(image="x" * 5000), "at most 4096"),
        (lambda: needs_image().fill(image=3), "needs a non-empty string"),  # type: ignore[arg-type]
        (lambda: PlanInput("no spaces", "x"), "is not an identifier"),
        (
            lambda: Plan("t", needs_image().steps, inputs=(PlanInput("image", "a"), PlanInput("image", "b"))),
            "two inputs share a name",
        ),
        (
            lambda: Plan("t", needs_image().steps, inputs=(PlanInput("image", "a"), PlanInput("tag", "b"))),
            "no step uses input(s) tag",
        ),
        (lambda: Plan("t", needs_image().steps, inputs=("image",)), "every input must be a PlanInput"),  # type: ignore[arg-type]
        (
            lambda: Plan.from_dict({"steps": [needs_image().steps[0].to_dict()], "inputs": [7]}),
            "not a plan input",
        ),
    ],
)
def test_bad_inputs_and_values_are_refused_naming_the_cause(build: object, message: str) -> None:
    with pytest.raises(ConfigError, match=None) as caught:
        build()  # type: ignore[operator]
    assert message in str(caught.value)


def test_a_placeholder_stands_only_where_any_text_is_allowed() -> None:
    # Steps are checked when made: a placeholder where the schema wants a taint effect is refused
    # at once, so no plan can reach a person with a step that only some values would make valid.
    node = ObjectRef("Node", "", "kind-worker")
    with pytest.raises(ConfigError, match="effect must be one of NoSchedule, PreferNoSchedule, NoExecute"):
        PlanStep(Action.REMOVE_TAINT, node, {"key": "dedicated", "effect": "${effect}"})


def test_the_cell_asks_for_the_value_and_runs_the_filled_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    plan = needs_image()
    cell = plan.to_cell()
    assert "from workbench.model import Action, ObjectRef, Plan, PlanInput, PlanStep\n" in cell
    assert "# This plan needs values only you can give (nothing in it is guessed):\n" in cell
    assert f"#   image: an image the registry has (suggestion: {GOOD})\n" in cell
    assert 'plan = plan.fill(image="")\nfix = cluster.remediation(plan)\n' in cell
    with pytest.raises(ConfigError, match="plan input image needs a non-empty string"):
        run_cell(cell, monkeypatch)  # left empty: nothing reaches the cluster
    fake = run_cell(cell.replace('fill(image="")', f'fill(image="{GOOD}")'), monkeypatch)
    assert [name for name, _ in fake.calls] == ["connect", "remediation", "dry_run"]
    assert fake.calls[1][1] == plan.fill(image=GOOD)


@pytest.fixture(scope="module")
def image_pull() -> object:
    with sandbox_pkg.start(scenario="image-pull", manual_clock=True) as sb:
        sb.advance(600)
        yield sb


def test_remediation_refuses_a_plan_that_still_needs_values(image_pull: sandbox_pkg.Sandbox) -> None:
    from workbench.remediation import Remediation  # noqa: PLC0415 - model tests import it only here

    with (
        connect_live(kubeconfig=image_pull.kubeconfig) as source,
        pytest.raises(
            PlanNotReadyError, match=r'needs values before it can run: image: .*plan\.fill\(image="\.\.\."\)'
        ),
    ):
        Remediation(needs_image(), source)


def test_workbench_fix_asks_for_the_value_then_dry_runs_with_it(
    image_pull: sandbox_pkg.Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["fix", "--kubeconfig", str(image_pull.kubeconfig), "--audit-log", str(tmp_path / "a.jsonl")]
    before = image_pull.api.store.resource_version
    assert main([*args, "--apply", "--yes"]) == 1  # nothing to apply without the value
    out = capsys.readouterr().out
    assert "This plan needs values only you can give" in out
    assert "image: an image the registry has for container catalog" in out
    assert f"(suggestion: {GOOD})" in out
    assert "Give them with --set image=VALUE" in out
    assert image_pull.api.store.resource_version == before
    assert main([*args, "--set", f"image={GOOD}"]) == 0
    out = capsys.readouterr().out
    assert f"catalog={GOOD}" in out
    assert "Verdict: ready to approve" in out
    assert image_pull.api.store.resource_version == before  # a dry run
    assert main([*args, "--set", "image"]) == 2
    assert "--set takes NAME=VALUE, not 'image'" in capsys.readouterr().err


def test_the_eval_gives_the_value_the_scenario_knows_and_the_plan_heals() -> None:
    score = evals.evaluate("image-pull", model="offline")
    assert (score.root_cause, score.proposal, score.healed, score.given) == (True, "plan", True, ("image",))
    assert "values a person gave: image" in evals.table_row(score)


def test_a_scenario_fix_may_say_what_the_person_knows_and_nothing_else() -> None:
    fix = {"summary": "s", "commands": ["kubectl get pods"]}
    assert check_teaching({"fix": {**fix, "inputs": {"image": GOOD}}}, source="x")["fix"]["inputs"] == {
        "image": GOOD
    }
    with pytest.raises(ScenarioError, match="inputs must map input names to texts"):
        check_teaching({"fix": {**fix, "inputs": {"image": 3}}}, source="x")
    with pytest.raises(
        ScenarioError, match=r"must have exactly: commands, summary \(and optionally inputs\)"
    ):
        check_teaching({"fix": {**fix, "why": "no"}}, source="x")
