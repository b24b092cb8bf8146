"""The Jupyter server extension behind the side panel: routes in one table, thin handlers."""
