"""Plotly figures and ipywidgets built from frames and reports; they return, never display.

Figures (`workbench.views.plots`) take the frames or the report first, options by keyword, and
return a `plotly.graph_objects.Figure`; `workbench.views.theme` holds the one look they share
(severity colours, font, the ``"workbench"`` template).

Widgets (`workbench.views.widgets`: `ClusterExplorer`, `FindingsBoard`, `PlanReview`) take what
they need to read as callbacks and emit what a person chooses as traits; they never write.

Example:
    >>> from workbench.frames import Frames
    >>> from workbench.views import health_map
    >>> fig = health_map(Frames({}))
    >>> fig.layout.annotations[0].text
    'Nothing to show: no pods'
"""

from workbench.views import theme
from workbench.views.plots import (
    cause_graph,
    findings_summary,
    health_map,
    node_capacity,
    restart_heatmap,
    rollout_history,
    timeline,
)
from workbench.views.theme import apply_theme, severity_color
from workbench.views.widgets import ClusterExplorer, FindingsBoard, PlanReview

__all__ = [
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
