"""Helpers the frame tests share: frames built through the registry from real pages, row lookup, kubectl."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pandas as pd

from tests.conftest import KUBECTL
from tests.pages import fetch_pages
from workbench import sandbox as sandbox_pkg
from workbench.frames import schema
from workbench.frames._registry import builder_for
from workbench.sources._kinds import builtin


def frames_of(sb: sandbox_pkg.Sandbox, *names: str, limit: int = 2) -> dict[str, pd.DataFrame]:
    """Frames built through the registry from real list pages, ``limit`` objects a page."""
    out: dict[str, pd.DataFrame] = {}
    for name in names:
        kind = builtin(name)
        out.update(builder_for(kind)(kind, fetch_pages(sb, kind, limit=limit)))
    for name, df in out.items():
        schema.validate(name, df)
    return out


def row(df: pd.DataFrame, namespace: str, name: str) -> pd.Series:
    """The one row of ``namespace/name``."""
    hits = df[(df["namespace"] == namespace) & (df["name"] == name)]
    assert len(hits) == 1, f"{namespace}/{name}: {len(hits)} rows"
    return hits.iloc[0]


def kubectl(sb: sandbox_pkg.Sandbox, cache: Path, *args: str, stdin: str | None = None) -> None:
    """Run the real kubectl against ``sb``; fails the test when kubectl fails."""
    subprocess.run(
        [KUBECTL, f"--kubeconfig={sb.kubeconfig}", f"--cache-dir={cache}", *args],
        input=stdin,
        text=True,
        capture_output=True,
        check=True,
        timeout=60,
    )
