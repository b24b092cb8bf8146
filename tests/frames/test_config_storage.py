"""Config and storage frames (configmaps, secrets, pvcs, pvs, storageclasses) from real scenarios.

ConfigMap and Secret frames keep key names only: the tests feed them pages that do carry values
(the sandbox serves Secrets unblanked, as a real API server does) and look for the values in every
cell and in the pickled frame.
"""

from __future__ import annotations

import base64
import json
import pickle
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from tests.frames.helpers import frames_of, kubectl, row
from tests.pages import fetch_pages
from workbench import sandbox as sandbox_pkg
from workbench.frames import schema
from workbench.frames._registry import builder_for
from workbench.sources._kinds import builtin

GI = 1024**3


def cells_text(df: pd.DataFrame) -> str:
    """Every cell (lists and dicts included) and every column name, as one text to search."""
    return "\n".join([repr(list(df.columns)), *(repr(v) for col in df.columns for v in df[col].tolist())])


# --- configmaps and secrets -------------------------------------------------------------------------


def test_configmap_keys_without_the_missing_key_and_without_values() -> None:
    with sandbox_pkg.start(scenario="config-error", manual_clock=True) as sb:
        pages = fetch_pages(sb, builtin("configmaps"), limit=3)
    assert any(b"smtp.relay.shop.example" in p for p in pages)  # the values were on the wire
    kind = builtin("configmaps")
    cms = builder_for(kind)(kind, pages)["configmaps"]
    schema.validate("configmaps", cms)
    cm = row(cms, "notifications", "mailer-config")
    assert cm["kind"] == "ConfigMap"
    assert cm["keys"] == ["FROM_ADDRESS", "SMTP_HOSTNAME", "SMTP_PORT"]
    assert "SMTP_HOST" not in cm["keys"]
    assert (cm["key_count"], cm["immutable"], cm["labels"]) == (3, False, {"app": "mailer"})
    text = cells_text(cms)
    for value in ("smtp.relay.shop.example", "orders@shop.example", "BEGIN CERTIFICATE", "Corefile {"):
        assert value not in text
    assert b"smtp.relay.shop.example" not in pickle.dumps(cms)
    assert isinstance(cms["namespace"].dtype, pd.CategoricalDtype)
    assert str(cms["key_count"].dtype) == "Int64"


CANARY = "wb-canary-7f3e9c-do-not-keep"
SECRET = f"""
apiVersion: v1
kind: Secret
metadata:
  name: canary
  namespace: default
  labels:
    app: canary
type: Opaque
stringData:
  api-token: {CANARY}
data:
  password: {base64.b64encode(CANARY.encode()).decode()}
"""


@pytest.fixture(scope="module")
def secret_pages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[bytes]]:
    with sandbox_pkg.start(scenario="pvc-pending", manual_clock=True) as sb:
        # apply (not create): the last-applied-configuration annotation then holds the value too.
        kubectl(sb, tmp_path_factory.mktemp("kube-cache"), "apply", "-f", "-", stdin=SECRET)
        yield fetch_pages(sb, builtin("secrets"), limit=1)


def test_secret_frame_keeps_type_and_key_names_only(secret_pages: list[bytes]) -> None:
    encoded = base64.b64encode(CANARY.encode())
    raw = b"".join(secret_pages)
    assert encoded in raw  # the sandbox serves values, as a real server does
    assert CANARY.encode() in raw  # and kubectl's annotation carries the plain text
    kind = builtin("secrets")
    secrets = builder_for(kind)(kind, secret_pages)["secrets"]
    schema.validate("secrets", secrets)
    canary = row(secrets, "default", "canary")
    assert (canary["kind"], canary["type"]) == ("Secret", "Opaque")
    assert canary["keys"] == ["api-token", "password"]
    assert (canary["key_count"], canary["labels"]) == (2, {"app": "canary"})
    db = row(secrets, "inventory", "inventory-db")
    assert db["keys"] == ["POSTGRES_PASSWORD"]
    text = cells_text(secrets)
    blob = pickle.dumps(secrets)
    for value in (CANARY, encoded.decode(), "UkVQTEFDRV9NRQ==", "REPLACE_ME"):
        assert value not in text
        assert value.encode() not in blob
    assert isinstance(secrets["type"].dtype, pd.CategoricalDtype)


def test_secret_values_in_any_field_shape_are_dropped() -> None:
    page = json.dumps(
        {
            "items": [
                {
                    "metadata": {
                        "name": "tls",
                        "namespace": "shop",
                        "annotations": {"note": CANARY},
                    },
                    "type": "kubernetes.io/tls",
                    "data": {"tls.crt": CANARY, "tls.key": None},
                    "stringData": {"extra": CANARY},
                    "immutable": True,
                }
            ]
        }
    ).encode()
    kind = builtin("secrets")
    secrets = builder_for(kind)(kind, [page])["secrets"]
    tls = secrets.iloc[0]
    assert (tls["type"], tls["keys"], tls["immutable"]) == (
        "kubernetes.io/tls",
        ["extra", "tls.crt", "tls.key"],
        True,
    )
    assert CANARY not in cells_text(secrets)
    assert CANARY.encode() not in pickle.dumps(secrets)


# --- volumes ----------------------------------------------------------------------------------------

FAST_SSD = """
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: fast-ssd
provisioner: rancher.io/local-path
reclaimPolicy: Delete
volumeBindingMode: WaitForFirstConsumer
"""


@pytest.fixture
def pvc_pending() -> Iterator[sandbox_pkg.Sandbox]:
    """A fresh pvc-pending cluster per test: one test fixes it."""
    with sandbox_pkg.start(scenario="pvc-pending", manual_clock=True) as sb:
        sb.advance(30)
        yield sb


def test_pending_claim_asks_for_a_class_that_does_not_exist(pvc_pending: sandbox_pkg.Sandbox) -> None:
    frames = frames_of(pvc_pending, "pvcs", "pvs", "storageclasses")
    pvc = row(frames["pvcs"], "inventory", "inventory-db-data")
    assert (pvc["kind"], pvc["phase"], pvc["storage_class"]) == (
        "PersistentVolumeClaim",
        "Pending",
        "fast-ssd",
    )
    assert pvc["storage_request"] == 10 * GI
    assert pd.isna(pvc["storage_capacity"])
    assert pd.isna(pvc["volume_name"])
    assert (pvc["access_modes"], pvc["volume_mode"]) == (["ReadWriteOnce"], "Filesystem")
    classes = frames["storageclasses"]
    assert list(classes["name"]) == ["standard"]
    assert pvc["storage_class"] not in set(classes["name"])
    standard = classes.iloc[0]
    assert (standard["kind"], standard["namespace"], standard["default"]) == ("StorageClass", "", True)
    assert (standard["provisioner"], standard["binding_mode"], standard["reclaim_policy"]) == (
        "rancher.io/local-path",
        "WaitForFirstConsumer",
        "Delete",
    )
    assert len(frames["pvs"]) == 0
    for name, cols in {
        "pvcs": ("phase", "storage_class", "volume_mode", "namespace"),
        "storageclasses": ("provisioner", "binding_mode", "reclaim_policy"),
    }.items():
        for col in cols:
            assert isinstance(frames[name][col].dtype, pd.CategoricalDtype), (name, col)
    assert str(frames["pvcs"]["storage_request"].dtype) == "Int64"
    assert str(frames["storageclasses"]["default"].dtype) == "bool"


def test_claim_binds_once_the_class_exists(pvc_pending: sandbox_pkg.Sandbox, tmp_path: Path) -> None:
    kubectl(pvc_pending, tmp_path, "apply", "-f", "-", stdin=FAST_SSD)
    pvc_pending.advance(120)
    frames = frames_of(pvc_pending, "pvcs", "pvs", "storageclasses", limit=1)
    pvc = row(frames["pvcs"], "inventory", "inventory-db-data")
    assert pvc["phase"] == "Bound"
    assert pvc["storage_capacity"] == 10 * GI
    assert pvc["provisioner"] == "rancher.io/local-path"
    assert not pd.isna(pvc["selected_node"])
    pv = row(frames["pvs"], "", pvc["volume_name"])
    assert (pv["kind"], pv["phase"], pv["claim_namespace"], pv["claim_name"]) == (
        "PersistentVolume",
        "Bound",
        "inventory",
        "inventory-db-data",
    )
    assert (pv["claim_uid"], pv["storage_class"], pv["storage_capacity"]) == (pvc["uid"], "fast-ssd", 10 * GI)
    assert (pv["reclaim_policy"], pv["access_modes"]) == ("Delete", ["ReadWriteOnce"])
    assert not pd.isna(pv["volume_source"])
    fast = row(frames["storageclasses"], "", "fast-ssd")
    assert (fast["default"], fast["binding_mode"]) == (False, "WaitForFirstConsumer")
    assert isinstance(frames["pvs"]["claim_namespace"].dtype, pd.CategoricalDtype)
    assert str(frames["pvs"]["created"].dtype) == "datetime64[ns, UTC]"


def test_volumes_from_raw_manifests() -> None:
    pvs = builder_for(builtin("pvs"))(
        builtin("pvs"),
        [
            json.dumps(
                {
                    "items": [
                        {
                            "metadata": {"name": "nfs-1"},
                            "spec": {
                                "capacity": {"storage": "1.5Gi"},
                                "nfs": {"server": "10.0.0.5", "path": "/exports"},
                                "persistentVolumeReclaimPolicy": "Retain",
                            },
                            "status": {"phase": "Released"},
                        },
                        {
                            "metadata": {"name": "ebs-1"},
                            "spec": {"csi": {"driver": "ebs.csi.aws.com", "volumeHandle": "vol-1"}},
                            "status": {"phase": "Failed", "reason": "VolumeFailedDelete", "message": "busy"},
                        },
                    ]
                }
            ).encode()
        ],
    )["pvs"].set_index("name")
    assert pvs.loc["nfs-1", "volume_source"] == "nfs"
    assert pvs.loc["nfs-1", "storage_capacity"] == 1610612736
    assert (pvs.loc["nfs-1", "phase"], pvs.loc["nfs-1", "reclaim_policy"]) == ("Released", "Retain")
    assert pvs["claim_name"].isna()["nfs-1"]
    assert (pvs.loc["ebs-1", "volume_source"], pvs.loc["ebs-1", "csi_driver"]) == ("csi", "ebs.csi.aws.com")
    assert (pvs.loc["ebs-1", "reason"], pvs.loc["ebs-1", "message"]) == ("VolumeFailedDelete", "busy")

    classes = builder_for(builtin("storageclasses"))(
        builtin("storageclasses"),
        [
            b'{"items": [{"metadata": {"name": "old", "annotations": '
            b'{"storageclass.beta.kubernetes.io/is-default-class": "true"}}, "provisioner": "x", '
            b'"allowVolumeExpansion": true}]}'
        ],
    )["storageclasses"]
    old = classes.iloc[0]
    assert (old["default"], old["allow_expansion"]) == (True, True)
    assert (old["binding_mode"], old["reclaim_policy"]) == ("Immediate", "Delete")  # the API's defaults
