"""Tests of the analyzers, one directory per family."""
