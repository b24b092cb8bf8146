"""propose / proposals / the registry, the Investigation model, and name closeness."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

import pytest

from tests.remediation.planners.conftest import Analysed
from workbench import sandbox
from workbench.analyzers import AnalysisReport
from workbench.errors import ConfigError
from workbench.frames import Frames
from workbench.model import Action, Finding, Investigation, ObjectRef, Plan, PlanStep, Severity
from workbench.remediation import planners as pkg
from workbench.remediation.planners import Planner, codes, planners, proposals, propose
from workbench.remediation.planners._names import close_names, is_close

WEB = ObjectRef("Deployment", "shop", "web", api_version="apps/v1")
CRASH = Finding("pod.crashloop", Severity.ERROR, ObjectRef("Pod", "shop", "web-1"), "web-1 crash-loops")


def look(title: str = "Look", finding: str = CRASH.id) -> Investigation:
    return Investigation(title, (finding,), ("check one thing",), ("kubectl describe pod web-1 -n shop",))


def restart(reason: str) -> Plan:
    return Plan(
        "Restart web", (PlanStep(Action.ROLLOUT_RESTART, WEB, {}, "Restart", reason),), findings=(reason,)
    )


class Looks:
    name: ClassVar[str] = "looks"
    codes: ClassVar[tuple[str, ...]] = ("pod.crashloop",)

    def propose(self, finding: Finding, frames: Frames) -> Plan | Investigation | None:
        return look(finding=finding.id)


class Restarts:
    name: ClassVar[str] = "restarts"
    codes: ClassVar[tuple[str, ...]] = ("pod.crashloop",)

    def propose(self, finding: Finding, frames: Frames) -> Plan | Investigation | None:
        return restart(finding.id)


class Broken:
    name: ClassVar[str] = "broken"
    codes: ClassVar[tuple[str, ...]] = ("pod.crashloop",)

    def propose(self, finding: Finding, frames: Frames) -> Plan | Investigation | None:
        return "restart it"  # type: ignore[return-value]  # the mistake under test


def test_the_first_plan_wins_over_an_earlier_investigation() -> None:
    frames = Frames({})
    assert propose(CRASH, frames, using=[Looks(), Restarts()]) == restart(CRASH.id)
    assert propose(CRASH, frames, using=[Looks()]) == look()


def test_a_planner_returning_something_else_is_named() -> None:
    with pytest.raises(
        ConfigError,
        match="planner 'broken' returned a str; a planner returns a Plan, an Investigation or None",
    ):
        propose(CRASH, Frames({}), using=[Broken()])


def test_a_code_no_planner_handles_gets_the_generic_investigation() -> None:
    finding = Finding(
        "resource.condition-failing",
        Severity.ERROR,
        ObjectRef("Certificate", "shop", "web-tls"),
        "Certificate shop/web-tls is not Ready",
        explanation="The issuer cannot sign it. Check the issuer's status.",
        related=(ObjectRef("Issuer", "shop", "letsencrypt"),),
    )
    result = propose(finding, Frames({}))
    assert isinstance(result, Investigation)
    assert result.findings == (finding.id,)
    assert result.checks[:3] == (
        "No planner fixes resource.condition-failing safely from the cluster's state: find the cause by "
        "hand.",
        "The issuer cannot sign it.",
        "Check the issuer's status.",
    )
    assert result.commands[:2] == (
        "kubectl describe certificate web-tls -n shop",
        "kubectl get events -n shop --field-selector "
        "involvedObject.kind=Certificate,involvedObject.name=web-tls "
        "--sort-by .lastTimestamp",
    )


def test_roots_leading_to_the_same_change_fold_and_hygiene_is_skipped_by_default() -> None:
    other = Finding("pod.crashloop", Severity.ERROR, ObjectRef("Pod", "shop", "web-2"), "web-2 crash-loops")
    hygiene = Finding("workload.latest-tag", Severity.INFO, WEB, "floating tag")
    report = AnalysisReport([CRASH, other, hygiene])
    (plan,) = proposals(report, Frames({}), using=[Restarts()])
    assert isinstance(plan, Plan)
    assert plan.findings == (CRASH.id, other.id)
    assert len(proposals(report, Frames({}), at_least=Severity.INFO, using=[Restarts()])) == 2


def test_alike_investigations_fold_and_keep_every_command() -> None:
    class PerPod(Looks):
        def propose(self, finding: Finding, frames: Frames) -> Plan | Investigation | None:
            return Investigation(
                "Look", (finding.id,), ("check",), (f"kubectl describe pod {finding.ref.name}",)
            )

    other = Finding("pod.crashloop", Severity.ERROR, ObjectRef("Pod", "shop", "web-2"), "web-2 crash-loops")
    (folded,) = proposals(AnalysisReport([CRASH, other]), Frames({}), using=[PerPod()])
    assert isinstance(folded, Investigation)
    assert folded.findings == (CRASH.id, other.id)
    assert folded.commands == ("kubectl describe pod web-1", "kubectl describe pod web-2")


def test_the_registry_is_explicit_ordered_and_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    names = [p.name for p in planners(include_plugins=False)]
    assert names.index("add-missing-env") < names.index("set-image") < names.index("rollout-undo")
    assert all(isinstance(p, Planner) for p in planners(include_plugins=False))
    assert codes()["pod.oomkilled"] == ["raise-memory-limit", "rollout-undo"]
    assert codes()["pod.unschedulable"] == ["set-resources", "remove-taint", "uncordon"]
    with pytest.raises(ConfigError, match=r"unknown planners \['nope'\]; known: .*add-missing-env"):
        planners(names=["nope"])
    assert [p.name for p in planners(names=["scale"])] == ["scale"]
    monkeypatch.setattr("workbench.remediation.planners.registry.plugins", lambda: [Looks, Looks])
    with pytest.raises(ConfigError, match="two planners are named 'looks'; rename one"):
        planners()
    assert pkg.ENTRY_POINT_GROUP == "workbench.planners"


@pytest.mark.parametrize(
    ("command", "problem"),
    [
        ("kubectl delete pod web-1 -n shop", "uses verb 'delete', which may change the cluster"),
        ("rm -rf /", "is not a kubectl command"),
        (
            "kubectl get secret db -n shop -o yaml",
            "would print a Secret's data; use 'kubectl describe secret'",
        ),
        ("kubectl 'unclosed", "cannot be split into arguments"),
    ],
)
def test_an_investigation_lists_read_only_kubectl_commands_only(command: str, problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        Investigation("Look", ("x",), ("check",), (command,))


def test_an_investigation_needs_a_title_and_a_check_and_round_trips() -> None:
    with pytest.raises(ConfigError, match="needs a title"):
        Investigation("", ("x",), ("check",))
    with pytest.raises(ConfigError, match="has no checks"):
        Investigation("Look", ("x",), ())
    assert Investigation.from_dict(look().to_dict()) == look()
    with pytest.raises(ConfigError, match="not an investigation"):
        Investigation.from_dict({"title": "Look"})


@pytest.mark.parametrize(
    ("a", "b", "close"),
    [
        ("SMTP_HOST", "SMTP_HOSTNAME", True),
        ("SMTP_HOST", "SMTP_PORT", False),
        ("landing", "landing-page", True),
        ("order-api", "orders-api", True),
        ("/ready", "/readyz", True),
        ("POSTGRES_USER", "username", False),
        ("ab", "abc", False),  # too short to tell a rename from chance
    ],
)
def test_close_means_renamed_or_mistyped(a: str, b: str, close: bool) -> None:
    assert is_close(a, b) is close


def test_close_names_lists_every_close_candidate() -> None:
    assert close_names("SMTP_HOST", ["SMTP_HOST", "SMTP_PORT", "SMTP_HOSTNAME", "smtp-host-name"]) == [
        "SMTP_HOSTNAME",
        "smtp-host-name",
    ]


@pytest.mark.parametrize("name", [n for n, _ in sandbox.scenarios()])
def test_the_analyzers_hints_name_planners_that_handle_the_code(
    name: str, scenario: Callable[[str], Analysed]
) -> None:
    report, _ = scenario(name)
    handled = codes()
    for finding in report.findings:
        for hint in finding.planners:
            assert hint in handled.get(finding.code, []), (finding.id, hint)
