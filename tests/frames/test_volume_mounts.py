"""The ``volume_mounts`` column of the workload frames: each container's mounts and the volumes they
mount, from hand-built templates and from the cronjob-failing scenario."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.frames.helpers import frames_of, row
from workbench import sandbox as sandbox_pkg
from workbench.frames import schema
from workbench.frames._registry import builder_for
from workbench.sources._kinds import builtin

Obj = dict[str, Any]

SPEC: Obj = {
    "initContainers": [
        {"name": "migrate", "image": "m", "volumeMounts": [{"name": "scratch", "mountPath": "/scratch"}]}
    ],
    "containers": [
        {"name": "sidecarless", "image": "a"},
        {
            "name": "app",
            "image": "b",
            "volumeMounts": [
                {"name": "config", "mountPath": "/etc/app", "readOnly": True},
                {"name": "tls", "mountPath": "/etc/tls/tls.crt", "subPath": "tls.crt"},
                {"name": "data", "mountPath": "/var/lib/app"},
                {"name": "gone", "mountPath": "/gone"},
                {"name": "token", "mountPath": "/var/run/token", "subPath": ""},
            ],
        },
    ],
    "volumes": [
        {"name": "scratch", "emptyDir": {}},
        {
            "name": "config",
            "configMap": {"name": "app-config", "items": [{"key": "a.yaml", "path": "conf/a.yaml"}]},
        },
        {"name": "tls", "secret": {"secretName": "app-tls", "defaultMode": 420}},
        {"name": "data", "persistentVolumeClaim": {"claimName": "app-data"}},
        {"name": "token", "projected": {"sources": [{"serviceAccountToken": {"path": "token"}}]}},
    ],
}


def mount(at: tuple[str, bool, int, int], path: str, volume: str, **rest: Any) -> Obj:
    """The expected cell item: ``at`` is (container, init, container index, mount index)."""
    container, init, ci, mi = at
    return {
        "container": container,
        "init": init,
        "container_index": ci,
        "mount_index": mi,
        "mount_path": path,
        "sub_path": rest.get("sub_path"),
        "read_only": rest.get("read_only", False),
        "volume": volume,
        "source": rest.get("source"),
        "source_name": rest.get("source_name"),
        "items": rest.get("items"),
    }


EXPECTED = [
    mount(("migrate", True, 0, 0), "/scratch", "scratch", source="emptyDir"),
    mount(
        ("app", False, 1, 0), "/etc/app", "config",
        read_only=True, source="configMap", source_name="app-config", items={"a.yaml": "conf/a.yaml"},
    ),
    mount(
        ("app", False, 1, 1), "/etc/tls/tls.crt", "tls",
        sub_path="tls.crt", source="secret", source_name="app-tls",
    ),
    mount(
        ("app", False, 1, 2), "/var/lib/app", "data",
        source="persistentVolumeClaim", source_name="app-data",
    ),
    mount(("app", False, 1, 3), "/gone", "gone"),  # no volume of that name: the API would refuse it
    mount(("app", False, 1, 4), "/var/run/token", "token", source="projected"),  # subPath "" is no subPath
]  # fmt: skip


def build(frame: str, obj: Obj) -> Any:
    kind = builtin(frame)
    df = builder_for(kind)(kind, [json.dumps({"kind": "List", "items": [obj]}).encode()])[frame]
    schema.validate(frame, df)
    return df[schema.Deployments.VOLUME_MOUNTS].iloc[0]


def meta(name: str) -> Obj:
    return {"name": name, "namespace": "shop", "uid": f"uid-{name}"}


TEMPLATED = {
    "deployments": {"metadata": meta("web"), "spec": {"template": {"spec": SPEC}}},
    "replicasets": {"metadata": meta("web-1"), "spec": {"template": {"spec": SPEC}}},
    "statefulsets": {"metadata": meta("db"), "spec": {"template": {"spec": SPEC}}},
    "daemonsets": {"metadata": meta("agent"), "spec": {"template": {"spec": SPEC}}},
    "jobs": {"metadata": meta("export"), "spec": {"template": {"spec": SPEC}}},
    "cronjobs": {"metadata": meta("backup"), "spec": {"jobTemplate": {"spec": {"template": {"spec": SPEC}}}}},
}


@pytest.mark.parametrize("frame", sorted(TEMPLATED))
def test_every_workload_frame_lists_its_templates_mounts_with_their_volumes(frame: str) -> None:
    assert build(frame, TEMPLATED[frame]) == EXPECTED


def test_a_template_without_mounts_has_an_empty_list() -> None:
    assert build("deployments", {"metadata": meta("web"), "spec": {}}) == []
    bare = {"metadata": meta("web"), "spec": {"template": {"spec": {"containers": [{"name": "a"}]}}}}
    assert build("deployments", bare) == []


def test_a_malformed_volume_source_still_says_its_type() -> None:
    spec = {
        "containers": [{"name": "a", "volumeMounts": [{"name": "c", "mountPath": "/c"}]}],
        "volumes": [{"name": "c", "configMap": {"name": 7}}],
    }
    (found,) = build("deployments", {"metadata": meta("web"), "spec": {"template": {"spec": spec}}})
    assert (found["source"], found["source_name"]) == ("configMap", None)


def test_the_failing_cronjob_and_its_runs_mount_the_config_at_the_wrong_path() -> None:
    with sandbox_pkg.start(scenario="cronjob-failing", manual_clock=True) as sb:
        sb.advance(600)
        frames = frames_of(sb, "jobs", "cronjobs")
    wanted = [
        mount(("pg-backup", False, 0, 0), "/etc/pgbackup", "config",
            read_only=True, source="configMap", source_name="db-backup-config",
        )
    ]  # fmt: skip
    assert row(frames["cronjobs"], "backups", "db-backup")["volume_mounts"] == wanted
    assert len(frames["jobs"]) >= 1
    assert all(m == wanted for m in frames["jobs"]["volume_mounts"])
