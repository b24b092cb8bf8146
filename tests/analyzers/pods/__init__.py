"""Tests of the pods analyzer family: table-driven cases on real-shaped objects, and sandbox scenarios."""
