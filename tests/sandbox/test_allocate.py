"""The IP and node-port allocators never hand out what a stored Service holds."""

from __future__ import annotations

import pytest

from workbench import sandbox
from workbench.errors import SandboxApiError
from workbench.sandbox._allocate import Allocator


def test_addresses_held_by_stored_services_are_skipped() -> None:
    stored = [
        {
            "spec": {
                "clusterIP": "10.96.0.102",
                "clusterIPs": ["10.96.0.102"],
                "ports": [{"port": 80, "nodePort": 30000}],
            }
        },
        {"spec": {"clusterIP": "10.96.0.103", "ports": [{"port": 80, "nodePort": 30001}]}},
    ]
    allocator = Allocator(lambda: stored)
    assert allocator.cluster_ip() == "10.96.0.104"
    assert allocator.cluster_ip() == "10.96.0.105"
    assert allocator.node_port() == 30002


def test_a_full_node_port_range_is_an_error_not_a_duplicate() -> None:
    stored = [{"spec": {"ports": [{"port": p, "nodePort": p} for p in range(30000, 32768)]}}]
    with pytest.raises(SandboxApiError, match="range is full") as err:
        Allocator(lambda: stored).node_port()
    assert err.value.code == 500


def test_a_created_service_never_gets_a_synthetic_services_ip() -> None:
    with sandbox.start(synthetic="pods=2000") as sb:
        services = sb.api.registry.get("services")
        assert services is not None
        held = {e.decode()["spec"].get("clusterIP") for e in sb.api.store.iter_entries("services")}
        created = [
            sb.api.create(
                services,
                "default",
                {"metadata": {"name": f"s{i}"}, "spec": {"ports": [{"port": 80}], "type": "NodePort"}},
            )
            for i in range(20)
        ]
        ips = [s["spec"]["clusterIP"] for s in created]
        assert not held.intersection(ips)
        assert len(set(ips)) == 20
        assert len({s["spec"]["ports"][0]["nodePort"] for s in created}) == 20
