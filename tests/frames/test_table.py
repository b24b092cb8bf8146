"""The page-at-a-time column table: categorical columns from codes given while the rows are built."""

from __future__ import annotations

import pandas as pd

from workbench.frames import schema
from workbench.frames._table import Codes, Table
from workbench.frames.schema import Containers, Pods


def values(column: pd.Categorical) -> list[str | None]:
    return [None if pd.isna(v) else v for v in column.astype(object)]


def test_codes_give_sorted_categories_and_none_is_missing() -> None:
    codes = Codes()
    looked_up = [codes[v] for v in ["web", "api", None, "web", "", "db"]]
    assert looked_up == [0, 1, -1, 0, 2, 3]  # first seen, first code
    column = codes.categorical(looked_up)
    assert list(column.categories) == ["", "api", "db", "web"]
    assert values(column) == ["web", "api", None, "web", "", "db"]
    assert str(column.categories.dtype) == "str"


def test_codes_of_no_values_give_an_empty_categorical() -> None:
    column = Codes().categorical([])
    assert len(column) == 0
    assert column.dtype == schema.category_dtype()


def test_a_shared_code_table_gives_both_frames_the_same_values() -> None:
    pods = Table(Pods.FRAME, "Pod", (Pods.NAMESPACE,))
    shared = {Containers.NAMESPACE: pods.codes[Pods.NAMESPACE]}
    containers = Table(Containers.FRAME, "Pod", (Containers.NAMESPACE,), shared)
    namespaces = pods.codes[Pods.NAMESPACE]
    assert containers.codes[Containers.NAMESPACE] is namespaces
    pods.add([(namespaces["shop"],), (namespaces["kube-system"],)])
    containers.add([(namespaces["kube-system"],), (namespaces["shop"],), (namespaces["shop"],)])
    assert values(namespaces.categorical(pods.lists[0])) == ["shop", "kube-system"]
    got = namespaces.categorical(containers.lists[0])
    assert values(got) == ["kube-system", "shop", "shop"]
    assert list(got.categories) == ["kube-system", "shop"]
