"""Helpers the workload analyzers share: label selectors, int-or-percent values, durations, and the
cluster's "now" (which a sandbox on a manual clock, or a skewed server, puts after the capture time)."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest

from tests.analyzers.workloads.objects import NOW, build, event, frames_of, node
from workbench.analyzers._common import cluster_now, readable
from workbench.analyzers.workloads import _shared as s
from workbench.frames import Frames


@pytest.mark.parametrize(
    ("labels", "expressions", "have", "matches"),
    [
        ({"app": "web"}, [], {"app": "web", "tier": "front"}, True),
        ({"app": "web"}, [], {"app": "api"}, False),
        ({}, ["tier in (front,back)"], {"tier": "back"}, True),
        ({}, ["tier in (front,back)"], {}, False),
        ({}, ["tier notin (batch)"], {}, True),
        ({}, ["tier notin (batch)"], {"tier": "batch"}, False),
        ({}, ["canary"], {"canary": ""}, True),
        ({}, ["canary"], {}, False),
        ({}, ["!canary"], {"canary": "yes"}, False),
        ({"app": "web"}, ["!canary"], {"app": "web"}, True),
        ({}, [], {"anything": "x"}, True),
    ],
)
def test_selector(
    labels: dict[str, str], expressions: list[str], have: dict[str, str], matches: bool
) -> None:
    selector = s.Selector.parse(labels, expressions)
    assert selector is not None
    assert selector.matches(have) is matches


def test_selector_text_and_unreadable_operators() -> None:
    selector = s.Selector.parse({"app": "web"}, ["tier in (b,a)", "!canary"])
    assert str(selector) == "app=web,tier in (a,b),!canary"
    assert s.Selector.parse({}, ["tier Gt (3)"]) is None


@pytest.mark.parametrize(
    ("value", "total", "round_up", "expected"),
    [
        ("25%", 10, False, 2),
        ("25%", 10, True, 3),
        ("2", 10, True, 2),
        ("100%", 3, True, 3),
        (None, 3, True, None),
        ("x", 3, True, None),
    ],
)
def test_resolve(value: str | None, total: int, round_up: bool, expected: int | None) -> None:
    assert s.resolve(value, total, round_up=round_up) == expected


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (45, "45s"),
        (150, "2m"),
        (3599, "59m"),
        (3600, "1h"),
        (5400, "1h30m"),
        (4 * 3600 + 60, "4h"),
        (3 * 86400 + 7200, "3d2h"),
    ],
)
def test_duration(seconds: float, text: str) -> None:
    assert s.duration(seconds) == text


def test_now_is_the_latest_cluster_time() -> None:
    captured_only = frames_of()
    assert cluster_now(captured_only) == pd.Timestamp(NOW)
    # A sandbox on a manual clock (or a server whose clock runs ahead) heartbeats after the capture time.
    ahead = Frames(build("nodes", [node("w1")]), captured_at=NOW - timedelta(minutes=10))
    assert cluster_now(ahead) == pd.Timestamp(NOW - timedelta(seconds=30))  # the node's last heartbeat
    corrupt = frames_of(events=[event("Pod", "x", "BackOff", "m", ago=-30 * 86400)])
    assert cluster_now(corrupt) == pd.Timestamp(NOW)  # a month in the future is not a clock


def test_readable() -> None:
    frames = frames_of(pods=[])
    assert readable(frames, "pods")
    assert readable(frames, "containers")
    assert not readable(frames, "services")
