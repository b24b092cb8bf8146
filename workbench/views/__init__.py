"""Plotly figures and ipywidgets built from frames and reports; they return, never display."""
