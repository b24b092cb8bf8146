"""Tests of the redaction utilities: patterns, objects, anonymization."""
