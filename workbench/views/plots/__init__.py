"""The workbench's plotly figures: data first, keyword-only options, a `plotly.graph_objects.Figure`
back; never displayed, never mutating their inputs. One figure per module.

Every figure takes its colours and look from `workbench.views.theme`; empty inputs give a figure
that says "Nothing to show" and why; bad arguments raise `ConfigError` naming the valid values.
"""

from workbench.views.plots._cause_graph import cause_graph
from workbench.views.plots._findings_summary import findings_summary
from workbench.views.plots._health_map import health_map
from workbench.views.plots._node_capacity import node_capacity
from workbench.views.plots._restart_heatmap import restart_heatmap
from workbench.views.plots._rollout_history import rollout_history
from workbench.views.plots._timeline import timeline

__all__ = [
    "cause_graph",
    "findings_summary",
    "health_map",
    "node_capacity",
    "restart_heatmap",
    "rollout_history",
    "timeline",
]
