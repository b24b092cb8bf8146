"""An investigation reads as numbered checks and the commands that show the facts."""

from __future__ import annotations

from workbench.model import Investigation


def test_an_investigation_prints_its_checks_in_order() -> None:
    look = Investigation(
        "Find why node kind-worker2 is NotReady",
        ("node.not-ready:Node//kind-worker2",),
        ("Is the kubelet running on the node?", "Is its disk full?"),
        ("kubectl describe node kind-worker2",),
    )
    assert str(look) == (
        "Investigate: Find why node kind-worker2 is NotReady\n"
        "  about node.not-ready:Node//kind-worker2\n"
        "  1. Is the kubelet running on the node?\n"
        "  2. Is its disk full?\n"
        "  $ kubectl describe node kind-worker2"
    )
