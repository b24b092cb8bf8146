"""Analyzers of the nodes family, one per file; FAMILY lists them for the registry."""

from __future__ import annotations

from workbench.analyzers.base import Analyzer
from workbench.analyzers.nodes.conditions import ConditionsAnalyzer
from workbench.analyzers.nodes.node import NodeAnalyzer
from workbench.analyzers.nodes.pvc import PvcAnalyzer
from workbench.analyzers.nodes.storage import StorageAnalyzer

FAMILY: tuple[type[Analyzer], ...] = (NodeAnalyzer, PvcAnalyzer, StorageAnalyzer, ConditionsAnalyzer)
