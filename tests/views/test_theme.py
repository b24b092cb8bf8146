"""The one theme: every severity has a colour, the palette survives colour blindness, the template is
registered, and the views package exports exactly its figures and theme helpers."""

from __future__ import annotations

import itertools

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from workbench import views
from workbench.model import Severity
from workbench.views import theme

# Machado, Oliveira & Fernandes (2009), severity 1.0: dichromat vision from linear RGB.
CVD = {
    "protanopia": [
        [0.152286, 1.052583, -0.204868],
        [0.114503, 0.786281, 0.099216],
        [-0.003882, -0.048116, 1.051998],
    ],
    "deuteranopia": [
        [0.367322, 0.860646, -0.227968],
        [0.280085, 0.672501, 0.047413],
        [-0.011820, 0.042940, 0.968881],
    ],
    "tritanopia": [
        [1.255528, -0.076749, -0.178779],
        [-0.078411, 0.930809, 0.147602],
        [0.004733, 0.691367, 0.303900],
    ],
    "typical": np.eye(3).tolist(),
}


def linear_rgb(color: str) -> np.ndarray:
    srgb = np.array([int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    return np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)


def lab(rgb: np.ndarray) -> np.ndarray:
    """CIELAB (D65) of a linear RGB colour."""
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ np.clip(
        rgb, 0, 1
    )
    xyz = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def test_every_severity_has_a_distinct_colour_and_none_means_healthy() -> None:
    assert set(theme.SEVERITY_COLORS) == set(Severity)
    colours = [theme.severity_color(s) for s in Severity] + [theme.HEALTHY_COLOR, theme.UNKNOWN_COLOR]
    assert len(set(colours)) == len(colours)
    assert theme.severity_color(None) == theme.HEALTHY_COLOR
    assert theme.severity_color(Severity.CRITICAL) == theme.SEVERITY_COLORS[Severity.CRITICAL]


def test_health_levels_run_from_best_to_worst_and_share_the_severity_colours() -> None:
    assert theme.HEALTH_ORDER == ("healthy", "unknown", "info", "warning", "error", "critical")
    assert set(theme.HEALTH_COLORS) == set(theme.HEALTH_ORDER)
    for severity in Severity:
        assert theme.health_level(severity) == str(severity)
        assert theme.HEALTH_COLORS[theme.health_level(severity)] == theme.severity_color(severity)
    assert theme.health_level(None) == "healthy"


@pytest.mark.parametrize("vision", sorted(CVD))
def test_the_health_palette_stays_distinguishable_to_colour_blind_viewers(vision: str) -> None:
    matrix = np.array(CVD[vision])
    seen = {level: lab(matrix @ linear_rgb(colour)) for level, colour in theme.HEALTH_COLORS.items()}
    for (a, lab_a), (b, lab_b) in itertools.combinations(seen.items(), 2):
        # CIE76 distance: above ~10 two patches are told apart at a glance.
        assert np.linalg.norm(lab_a - lab_b) > 15, f"{a} and {b} look alike under {vision}"


def test_critical_is_the_darkest_so_it_also_stands_out_in_greyscale() -> None:
    lightness = {level: lab(linear_rgb(colour))[0] for level, colour in theme.HEALTH_COLORS.items()}
    assert min(lightness, key=lambda level: lightness[level]) == "critical"


def test_the_template_is_registered_and_apply_theme_sets_it_in_place() -> None:
    assert pio.templates[theme.TEMPLATE_NAME].layout.font.family == theme.FONT["family"]
    assert pio.templates.default != theme.TEMPLATE_NAME  # registering changes nobody's default
    fig = go.Figure()
    assert theme.apply_theme(fig) is fig
    assert fig.layout.template.layout.font.family == theme.FONT["family"]
    assert list(fig.layout.template.layout.colorway) == list(theme.QUALITATIVE)


def test_thresholds_are_positive_and_webgl_matches_plotly_express() -> None:
    assert theme.WEBGL_THRESHOLD == 1000
    assert theme.AGGREGATE_THRESHOLD > 0


def test_the_views_package_exports_exactly_its_figures_widgets_and_theme_helpers() -> None:
    assert sorted(views.__all__) == [
        "ClusterExplorer",
        "FindingsBoard",
        "PlanReview",
        "apply_theme",
        "cause_graph",
        "findings_summary",
        "health_map",
        "node_capacity",
        "restart_heatmap",
        "rollout_history",
        "severity_color",
        "theme",
        "timeline",
    ]
    for name in views.__all__:
        assert name == "theme" or getattr(views, name).__module__.startswith("workbench.views")
