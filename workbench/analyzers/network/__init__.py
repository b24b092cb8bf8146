"""Analyzers of the network family, one per file; FAMILY lists them for the registry."""

from __future__ import annotations

from workbench.analyzers.base import Analyzer
from workbench.analyzers.network.configmap import ConfigMapAnalyzer
from workbench.analyzers.network.ingress import IngressAnalyzer
from workbench.analyzers.network.networkpolicy import NetworkPolicyAnalyzer
from workbench.analyzers.network.service import ServiceAnalyzer
from workbench.analyzers.network.webhook import WebhookAnalyzer

FAMILY: tuple[type[Analyzer], ...] = (
    ServiceAnalyzer,
    IngressAnalyzer,
    NetworkPolicyAnalyzer,
    WebhookAnalyzer,
    ConfigMapAnalyzer,
)
