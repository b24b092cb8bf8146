"""The one look of every workbench figure and widget: severity colours, fonts, a plotly template.

Presentation lives here and nowhere else (domain enums carry no colours). Figures and widgets take
their colours from `SEVERITY_COLORS` / `severity_color` and their look from the ``"workbench"``
template, so a red tile in the health map, a bar in the findings summary and a badge in a widget
always mean the same severity.

Colours: the severity palette is colour-blind safe. ``healthy``, ``info``, ``warning`` and ``error``
are Okabe & Ito's colours (bluish green, sky blue, orange, vermillion; "Color Universal Design",
2008), chosen to stay apart under protanopia, deuteranopia and tritanopia; ``critical`` is Paul
Tol's "wine", the darkest of them, so that the worst severity also stands out in greyscale, and
``unknown`` is Tol's neutral grey. Series that are not severities (requests / limits / usage, event
reasons) cycle through `QUALITATIVE`, the rest of Okabe & Ito's set; heatmaps use `SEQUENTIAL`
(cividis, designed to read the same to colour-blind viewers).

Large clusters: `WEBGL_THRESHOLD` is the number of points above which scatter traces switch to
WebGL (plotly express's ``render_mode="auto"`` uses the same 1000), and `AGGREGATE_THRESHOLD` the
number of leaves, rows or columns above which figures fold objects into their parents or an
"others" entry, so a 150k-pod cluster's figure stays a few MB of JSON.

Example:
    >>> from workbench.model import Severity
    >>> severity_color(Severity.ERROR), severity_color(None) == HEALTHY_COLOR
    ('#D55E00', True)
    >>> import plotly.graph_objects as go
    >>> apply_theme(go.Figure()).layout.template.layout.font.family == FONT["family"]
    True
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Literal

import plotly.graph_objects as go
import plotly.io as pio

from workbench.model import Severity

HEALTHY_COLOR = "#009E73"
"""Objects with nothing wrong (Okabe-Ito bluish green)."""
UNKNOWN_COLOR = "#BBBBBB"
"""Objects whose health cannot be told (a pod on a lost node; Tol's grey)."""

SEVERITY_COLORS: Mapping[Severity, str] = MappingProxyType(
    {
        Severity.INFO: "#56B4E9",  # Okabe-Ito sky blue
        Severity.WARNING: "#E69F00",  # Okabe-Ito orange
        Severity.ERROR: "#D55E00",  # Okabe-Ito vermillion
        Severity.CRITICAL: "#882255",  # Tol wine: the darkest, also readable in greyscale
    }
)
"""The colour of each severity; every view uses these."""

HealthLevel = Literal["healthy", "unknown", "info", "warning", "error", "critical"]
"""How an object is doing: a finding's severity, or healthy / unknown when there is none."""

HEALTH_ORDER: tuple[HealthLevel, ...] = ("healthy", "unknown", "info", "warning", "error", "critical")
"""Health levels from best to worst: what legends list and what "worst of" aggregates by (a
workload with one unknown and otherwise healthy pods is unknown; any finding outranks unknown)."""

_LEVELS: Mapping[Severity, HealthLevel] = MappingProxyType(
    {
        Severity.INFO: "info",
        Severity.WARNING: "warning",
        Severity.ERROR: "error",
        Severity.CRITICAL: "critical",
    }
)

HEALTH_COLORS: Mapping[HealthLevel, str] = MappingProxyType(
    {
        "healthy": HEALTHY_COLOR,
        "unknown": UNKNOWN_COLOR,
        **{_LEVELS[sev]: color for sev, color in SEVERITY_COLORS.items()},
    }
)
"""The colour of each health level (severities keep their `SEVERITY_COLORS`)."""

QUALITATIVE: tuple[str, ...] = ("#0072B2", "#E69F00", "#56B4E9", "#009E73", "#CC79A7", "#D55E00", "#F0E442")
"""Colours of series that are not severities (Okabe-Ito, blue first), in the order traces take them."""

SEQUENTIAL = "cividis"
"""The colour scale of heatmaps (counts): perceptually uniform and colour-blind safe."""

FONT: Mapping[str, str | int] = MappingProxyType(
    {
        "family": "Inter, 'Segoe UI', 'Helvetica Neue', Arial, sans-serif",
        "size": 13,
        "color": "#1F2933",
    }
)
"""The font of every figure (and of widgets, as CSS ``font-family`` / ``font-size`` / ``color``)."""

WEBGL_THRESHOLD = 1_000
"""Points in a figure above which scatter traces are drawn with WebGL (``Scattergl``)."""

AGGREGATE_THRESHOLD = 2_000
"""Leaves (treemap tiles) above which figures fold objects into their parents or into "others"."""

TEMPLATE_NAME = "workbench"
"""The name the template is registered under in ``plotly.io.templates``."""


def severity_color(severity: Severity | None) -> str:
    """The colour of ``severity``; `HEALTHY_COLOR` for ``None`` (nothing found)."""
    return HEALTHY_COLOR if severity is None else SEVERITY_COLORS[Severity(severity)]


def health_level(severity: Severity | None) -> HealthLevel:
    """The health level of an object whose worst finding is ``severity`` (None: healthy)."""
    return "healthy" if severity is None else _LEVELS[Severity(severity)]


def _template() -> go.layout.Template:
    # plotly_white underneath: a plain background keeps severity colours the only loud thing.
    template = go.layout.Template(pio.templates["plotly_white"])
    template.layout.update(
        font=dict(FONT),
        colorway=list(QUALITATIVE),
        colorscale={"sequential": SEQUENTIAL},
        title={"font": {"size": 16}, "x": 0.0, "xanchor": "left"},
        hoverlabel={"font": {"family": FONT["family"], "size": 12}},
        # Legend top right, title top left: they never collide, and the plot keeps its full width.
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "right", "x": 1.0},
        margin={"l": 16, "r": 16, "t": 80, "b": 16},
    )
    return template


TEMPLATE: go.layout.Template = _template()
"""The ``"workbench"`` plotly template (plotly_white with the workbench font and colours)."""

# Registering a named template is how plotly shares a look; the default template is left alone.
pio.templates[TEMPLATE_NAME] = TEMPLATE


def apply_theme(fig: go.Figure) -> go.Figure:
    """Give ``fig`` the workbench template and return it (like plotly's ``update_layout``, in place,
    so it also works on a ``FigureWidget`` already on screen).

    Args:
        fig: any plotly figure (or ``FigureWidget``).

    Returns:
        The same figure, for chaining.
    """
    fig.update_layout(template=TEMPLATE)
    return fig
