"""Typed pandas DataFrames built from raw API objects; schema.py names every column."""
