"""CustomResourceDefinitions: serving their resources, and taking them along when deleted."""

from __future__ import annotations

from tests.sandbox.test_client import CRD
from workbench import sandbox
from workbench.sandbox import _deletion


def test_deleting_a_crd_deletes_its_resources_and_recreating_it_starts_empty() -> None:
    with sandbox.start() as sb:
        api = sb.api
        crds = api.registry.get("customresourcedefinitions.apiextensions.k8s.io")
        assert crds is not None
        api.create(crds, "", CRD)
        widgets = api.registry.find("example.com", "v1", "widgets")
        assert widgets is not None
        api.create(widgets, "default", {"metadata": {"name": "w1"}, "spec": {"size": 3}})
        assert [e.decode()["metadata"]["name"] for e in api.list(widgets, None).entries] == ["w1"]
        before = api.store.resource_version
        status, _ = _deletion.delete(api, crds, "", "widgets.example.com", {})
        assert status == 200
        assert api.registry.find("example.com", "v1", "widgets") is None
        deleted = [c for c in api.store.changes_since(before) if c.bucket == "widgets.example.com"]
        assert [(c.type, c.key) for c in deleted] == [("DELETED", ("default", "w1"))]
        api.create(crds, "", CRD)
        recreated = api.registry.find("example.com", "v1", "widgets")
        assert recreated is not None
        assert api.list(recreated, None).entries == []
