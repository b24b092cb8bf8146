"""The logs frame: a crashing container's log, read with timestamps from the sandbox."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator

import pandas as pd
import pytest

from tests.frames.conftest import SandboxSource
from workbench import sandbox as sandbox_pkg
from workbench.errors import ConfigError
from workbench.frames import schema
from workbench.frames._logs import logs_frame
from workbench.frames.schema import Logs


@pytest.fixture(scope="module")
def crashing() -> Iterator[tuple[SandboxSource, str, str]]:
    """A sandbox source and the namespace and name of a crash-looping pod."""
    with sandbox_pkg.start(scenario="crashloop", manual_clock=True) as sb:
        sb.advance(120)
        with urllib.request.urlopen(sb.url + "/api/v1/namespaces/billing/pods", timeout=30) as response:  # noqa: S310
            pod = json.loads(response.read())["items"][0]
        yield SandboxSource(sb), "billing", pod["metadata"]["name"]


def test_a_crashing_containers_log_as_a_frame(crashing: tuple[SandboxSource, str, str]) -> None:
    source, namespace, pod = crashing
    text = source.logs(namespace, pod, container="invoice-api")
    df = logs_frame(text, namespace=namespace, pod=pod, container="invoice-api")
    schema.validate("logs", df)
    assert len(df) == len(text.splitlines()) >= 2
    assert set(df[Logs.KIND]) == {"Pod"}
    assert set(df[Logs.NAME]) == {pod}
    assert set(df[Logs.CONTAINER]) == {"invoice-api"}
    assert not df[Logs.PREVIOUS].any()
    assert df[Logs.TIME].notna().all()
    assert df[Logs.TIME].is_monotonic_increasing
    assert str(df[Logs.TIME].dt.tz) == "UTC"
    assert "required environment variable DATABASE_URL is not set" in df[Logs.LINE].iloc[-1]
    assert not df[Logs.LINE].str.startswith("20").any()  # the timestamp was split off


def test_the_previous_instance_is_earlier(crashing: tuple[SandboxSource, str, str]) -> None:
    source, namespace, pod = crashing
    now = logs_frame(source.logs(namespace, pod), namespace=namespace, pod=pod)
    before = logs_frame(
        source.logs(namespace, pod, previous=True), namespace=namespace, pod=pod, previous=True
    )
    assert before[Logs.PREVIOUS].all()
    assert before[Logs.TIME].max() < now[Logs.TIME].min()
    assert now[Logs.CONTAINER].isna().all()


def test_size_bound_keeps_the_last_lines() -> None:
    text = "".join(f"2026-05-01T10:00:{i:02d}.000000001Z line {i}\n" for i in range(50))
    df = logs_frame(text, namespace="ns", pod="p", max_lines=5)
    assert list(df[Logs.LINE]) == [f"line {i}" for i in range(45, 50)]
    assert df[Logs.TIME].iloc[-1] == pd.Timestamp("2026-05-01T10:00:49.000000001Z")
    with pytest.raises(ConfigError, match="max_lines must be a positive number"):
        logs_frame(text, namespace="ns", pod="p", max_lines=0)


def test_lines_without_a_timestamp_keep_their_text() -> None:
    df = logs_frame("cut mid-line\n2026-05-01T10:00:00Z ok\n\n", namespace="ns", pod="p")
    assert list(df[Logs.LINE]) == ["cut mid-line", "ok", ""]
    assert df[Logs.TIME].isna().tolist() == [True, False, True]
    assert len(logs_frame("", namespace="ns", pod="p")) == 0
