"""How the offline assistant writes a plan's kubectl equivalents in markdown: pasteable as written."""

from __future__ import annotations

from workbench.agent._offline_text import md_command, proposal_detail
from workbench.model import Action, ObjectRef, Plan, PlanStep


def test_a_one_line_command_is_a_code_span() -> None:
    assert md_command("kubectl -n shop get pods") == ["- `kubectl -n shop get pods`"]


def test_a_heredoc_is_a_fenced_block_longer_than_any_backticks_inside() -> None:
    command = "kubectl create -f - <<'EOF'\nmetadata:\n  name: a```b\nEOF"
    assert md_command(command) == [
        "````sh",
        "kubectl create -f - <<'EOF'",
        "metadata:",
        "  name: a```b",
        "EOF",
        "````",
    ]


def test_a_create_plan_shows_its_manifest_line_by_line() -> None:
    policy = ObjectRef("NetworkPolicy", "shop", "allow-frontend", api_version="networking.k8s.io/v1")
    step = PlanStep(
        Action.ALLOW_INGRESS,
        policy,
        {
            "pod_selector": {"app": "api"},
            "from_selector": {"app": "web"},
            "ports": [{"protocol": "TCP", "port": 8080}],
        },
    )
    lines = proposal_detail(Plan("Allow web to api", (step,)))
    start = lines.index("```sh")
    block = lines[start : lines.index("```", start + 1) + 1]
    assert block[1] == "kubectl -n shop create -f - <<'EOF'"
    assert block[-2:] == ["EOF", "```"]
    assert "  name: allow-frontend" in block
    assert "      port: 8080" in block
