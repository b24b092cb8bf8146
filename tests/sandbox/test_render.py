"""Content negotiation for server-side Tables."""

from __future__ import annotations

import pytest

from workbench.sandbox._render import table_api_version, wants_table


@pytest.mark.parametrize(
    ("accept", "version"),
    [
        # kubectl 1.32 offers both Table versions, v1 first.
        (
            "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,"
            "application/json",
            "meta.k8s.io/v1",
        ),
        # Old clients that only know v1beta1 get it.
        ("application/json;as=Table;v=v1beta1;g=meta.k8s.io, application/json", "meta.k8s.io/v1beta1"),
        ("application/json", "meta.k8s.io/v1"),
    ],
)
def test_the_table_version_follows_what_the_client_accepts(accept: str, version: str) -> None:
    assert table_api_version(accept) == version


def test_only_an_as_table_media_range_asks_for_a_table() -> None:
    assert wants_table("application/json;as=Table;v=v1;g=meta.k8s.io")
    assert not wants_table("application/json, */*")
