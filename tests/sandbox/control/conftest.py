"""Fixtures for the control plane tests: a fresh healthy sandbox per test on a manual clock (the test
moves time with `sb.advance`), and the real kubectl against it. A test passes only if no controller
failed along the way."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Kubectl, make_kubectl
from workbench import sandbox


@pytest.fixture
def sb() -> Iterator[sandbox.Sandbox]:
    with sandbox.start(scenario="healthy", manual_clock=True) as running:
        yield running
        assert running.control.errors == []


@pytest.fixture
def kubectl(sb: sandbox.Sandbox, tmp_path: Path) -> Kubectl:
    return make_kubectl(sb, tmp_path / "kube-cache")
