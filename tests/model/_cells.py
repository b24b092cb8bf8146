"""Running a rendered plan cell against stand-in `workbench` objects that record the calls."""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass, field
from typing import Any

import pytest

from workbench.model import Approval, Plan


@dataclass
class FakeWorkbench:
    """Stand-ins for `workbench.connect`, `Cluster.remediation` and the fix it returns; they record."""

    calls: list[tuple[str, Any]] = field(default_factory=list)
    displayed: list[Any] = field(default_factory=list)

    def module(self) -> types.ModuleType:
        fake = types.ModuleType("workbench")
        fake.connect = self.connect  # type: ignore[attr-defined]  # a stand-in module built at run time
        return fake

    def connect(self, **options: Any) -> FakeWorkbench:
        self.calls.append(("connect", options))
        return self

    def remediation(self, plan: Plan) -> FakeWorkbench:
        self.calls.append(("remediation", plan))
        self.plan = plan
        return self

    def dry_run(self) -> str:
        self.calls.append(("dry_run", None))
        return "the preview"

    def approve(self, *, by: str) -> Approval:
        self.calls.append(("approve", by))
        return self.plan.approve(by=by)

    def apply(self, approval: Approval) -> str:
        self.calls.append(("apply", approval))
        return "the result"


def run_cell(cell: str, monkeypatch: pytest.MonkeyPatch) -> FakeWorkbench:
    fake = FakeWorkbench()
    monkeypatch.setitem(sys.modules, "workbench", fake.module())
    namespace: dict[str, Any] = {"display": fake.displayed.append}
    exec(compile(cell, "<cell>", "exec"), namespace)  # noqa: S102 - running the rendered cell is the test
    return fake
