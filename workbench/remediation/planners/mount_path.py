"""``fix-mount-path``: a CronJob's runs fail because a ConfigMap or Secret is mounted in the wrong
directory; mount it where the program reads the file.

Rule: the failed runs' pods log that a file is missing (``open /etc/pg-backup/target.conf: no such
file or directory``, Python's ``FileNotFoundError``, "does not exist"...), and the logging container
of the job template mounts exactly one ConfigMap or Secret volume that provides a file of that name
(a key, or an ``items`` path, of the object as the frames list it) in another directory. The plan
moves that mount to the directory the program reads (a ``subPath`` mount: to the file's path), with
a JSON patch on the CronJob's job template. Only key names are read, never values.

Every ``replace`` is preceded by ``test`` ops on the container's name and the old mount path: if
the template changed since the frames were read, the server refuses the whole patch and nothing is
overwritten. A bare Job's template is immutable, so it gets no plan (the ``investigate-job``
planner answers), and neither does partial evidence: no such log line, no volume with the file,
several volumes that could be meant, runs made from a template other than the CronJob's current one.

Scenario ``cronjob-failing``: ConfigMap db-backup-config (key ``target.conf``) is mounted at
/etc/pgbackup and the tool reads /etc/pg-backup/target.conf; the plan mounts it at /etc/pg-backup,
and the next run succeeds.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from typing import Any, ClassVar, cast

from workbench.analyzers._common import records, text
from workbench.frames import Frames
from workbench.frames.schema import CronJobs, Jobs, Logs, Pods, VolumeMount
from workbench.model import Action, Finding, Investigation, ObjectRef, Plan, PlanStep
from workbench.remediation.planners import _config as cfg
from workbench.remediation.planners import _frames as fx

_MISSING = re.compile(
    r"no such file|not found|does not exist|doesn't exist|enoent|filenotfound"
    r"|(?:cannot|can't|could not|couldn't|unable to|failed to) (?:open|read|load|find|stat)",
    re.IGNORECASE,
)
"""How programs say a file is missing (Go's ``open x: no such file or directory``, Python's
``FileNotFoundError``, Java's ``NoSuchFileException``/"does not exist", C's ``cannot open``)."""
_PATH = re.compile(r"(?<![\w.:/~$-])/(?:[\w.@+-]+/)+[\w.@+-]+")
"""An absolute file path with at least one directory (not part of a URL: ``s3://b/x`` has none)."""
_SOURCES = {"configMap": "ConfigMap", "secret": "Secret"}
"""The volume types whose files are an object's keys, and the kind of that object."""
_TEMPLATE = "/spec/jobTemplate/spec/template/spec"


@dataclass(frozen=True, slots=True)
class _Move:
    """One mount to move: where it is, where the program looks, and the file that tells."""

    mount: VolumeMount
    new_path: str
    file: str
    """the path the program reads"""
    key: str
    """the object's key that is that file"""


class FixMountPath:
    """Mount a ConfigMap/Secret volume where the runs' logs say the file is read (module docstring)."""

    name: ClassVar[str] = "fix-mount-path"
    codes: ClassVar[tuple[str, ...]] = ("cronjob.failing", "job.failed")

    def propose(self, finding: Finding, frames: Frames) -> Plan | Investigation | None:
        """A JSON patch moving the one mount that provides the missing file, else None."""
        found = _cronjob_and_runs(frames, finding)
        if found is None:
            return None
        cronjob, runs = found
        row = fx.row(frames, cronjob)
        if row is None:
            return None
        mounts = _mounts(row[CronJobs.VOLUME_MOUNTS])
        lines = _log_lines(frames, cronjob.namespace, runs)
        moves: dict[tuple[bool, int, int], _Move] = {}
        for container, path in _missing_files(lines):
            mine = [m for m in mounts if m["container"] == container]
            if any(path in _provided_at(frames, cronjob.namespace, m) for m in mine):
                continue  # a mount already puts the file there: something else is wrong
            candidates = _candidates(frames, cronjob.namespace, mine, path)
            if len(candidates) != 1:
                return None  # no volume has the file, or several could be meant: a person decides
            move = candidates[0]
            where = _where(move.mount)
            if where in moves and moves[where].new_path != move.new_path:
                return None  # one mount asked for in two places
            moves.setdefault(where, move)
        if not moves or not _consistent(frames, cronjob.namespace, runs, mounts, list(moves.values())):
            return None
        return _plan(finding, cronjob, list(moves.values()))


def _cronjob_and_runs(frames: Frames, finding: Finding) -> tuple[ObjectRef, list[str]] | None:
    """The CronJob whose template to patch and the names of the failed runs whose logs tell."""
    ref = finding.ref
    if ref.kind == "CronJob":
        # The finding names the failed streak; without it, every run the CronJob still has.
        runs = [r.name for r in finding.related if r.kind == "Job" and r.namespace == ref.namespace]
        if not runs:
            jobs = records(frames.jobs[(frames.jobs[Jobs.NAMESPACE] == ref.namespace).to_numpy(dtype=bool)])
            runs = [
                str(j[Jobs.NAME])
                for j in jobs
                if text(j[Jobs.OWNER_KIND]) == "CronJob" and text(j[Jobs.OWNER_NAME]) == ref.name
            ]
        return fx.ref(frames, "CronJob", ref.namespace, ref.name), runs
    if ref.kind == "Job":
        job = fx.row(frames, ref)
        if job is None or text(job[Jobs.OWNER_KIND]) != "CronJob":
            return None  # a bare Job: its template is immutable
        return fx.ref(frames, "CronJob", ref.namespace, text(job[Jobs.OWNER_NAME])), [ref.name]
    return None


def _mounts(cell: Any) -> list[VolumeMount]:
    return cast("list[VolumeMount]", cell) if isinstance(cell, list) else []


def _log_lines(frames: Frames, namespace: str, runs: list[str]) -> list[tuple[str, str]]:
    """(container, line) of the captured logs of the runs' pods."""
    pods = frames.pods
    mask = (
        (pods[Pods.NAMESPACE] == namespace)
        & (pods[Pods.OWNER_KIND] == "Job").fillna(False)
        & pods[Pods.OWNER_NAME].isin(runs).fillna(False)
    )
    names = set(pods[mask.to_numpy(dtype=bool)][Pods.NAME].astype(str))
    logs = frames.logs
    if not names or not len(logs):
        return []
    mine = logs[((logs[Logs.NAMESPACE] == namespace) & logs[Logs.NAME].isin(names)).to_numpy(dtype=bool)]
    return [(text(r[Logs.CONTAINER]), text(r[Logs.LINE])) for r in records(mine)]


def _missing_files(lines: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(container, absolute path) of each file a log line says is missing, first seen first."""
    out: dict[tuple[str, str], None] = {}
    for container, line in lines:
        if not _MISSING.search(line):
            continue
        for m in _PATH.finditer(line):
            path = m.group(0).rstrip(".")
            if posixpath.normpath(path) == path:  # no "..", no "./": a path a mount can be moved to
                out[(container, path)] = None
    return list(out)


def _files(frames: Frames, namespace: str, mount: VolumeMount) -> dict[str, str] | None:
    """The files a configMap/secret volume holds, as path in the volume -> key; None when it is
    not such a volume or its object is not in the frames (missing, or its kind unreadable)."""
    kind = _SOURCES.get(mount["source"] or "")
    if kind is None or not mount["source_name"]:
        return None
    keys = cfg.keys(frames, kind, namespace, mount["source_name"])
    if keys is None:
        return None
    items = mount["items"]
    if items is None:
        return {key: key for key in keys}
    return {path: key for key, path in items.items() if key in keys}


def _provided_at(frames: Frames, namespace: str, mount: VolumeMount) -> set[str]:
    """The absolute paths at which ``mount`` shows its object's files in the container."""
    files = _files(frames, namespace, mount)
    if files is None:
        return set()
    sub = mount["sub_path"]
    if sub is not None:
        return {mount["mount_path"]} if sub in files else set()
    return {posixpath.join(mount["mount_path"], f) for f in files}


def _candidates(frames: Frames, namespace: str, mounts: list[VolumeMount], path: str) -> list[_Move]:
    """The mounts that would provide ``path`` if they were in another directory."""
    out = []
    for m in mounts:
        files = _files(frames, namespace, m)
        if not files:
            continue
        sub = m["sub_path"]
        if sub is not None:
            # One file mounted as mountPath itself: it moves to the path read, if it has its name.
            if sub in files and posixpath.basename(sub) == posixpath.basename(path) != "":
                out.append(_Move(m, path, path, files[sub]))
            continue
        for inside, key in files.items():
            if path.endswith("/" + inside):
                directory = path[: -len(inside) - 1]
                if directory and directory != m["mount_path"].rstrip("/"):
                    out.append(_Move(m, directory, path, key))
    return out


def _where(mount: VolumeMount) -> tuple[bool, int, int]:
    return mount["init"], mount["container_index"], mount["mount_index"]


def _consistent(
    frames: Frames, namespace: str, runs: list[str], mounts: list[VolumeMount], moves: list[_Move]
) -> bool:
    """The moves make sense for the template as it is, and the failed runs were made from it.

    No new path may clash with another mount of the same container; and at least one failed run
    must mount the moved volumes where the CronJob does now (else the template changed since).
    """
    for move in moves:
        m = move.mount
        others = {o["mount_path"] for o in mounts if o["container"] == m["container"] and o is not m}
        if move.new_path in others:
            return False
    df = frames.jobs
    here = df[((df[Jobs.NAMESPACE] == namespace) & df[Jobs.NAME].isin(runs)).to_numpy(dtype=bool)]
    jobs = records(here)
    wanted = {(m.mount["container"], m.mount["volume"], m.mount["mount_path"]) for m in moves}
    for job in jobs:
        had = {(j["container"], j["volume"], j["mount_path"]) for j in _mounts(job[Jobs.VOLUME_MOUNTS])}
        if wanted <= had:
            return True
    return False


def _pointer(mount: VolumeMount) -> str:
    """The JSON pointer of the mount's container in the job template."""
    group = "initContainers" if mount["init"] else "containers"
    return f"{_TEMPLATE}/{group}/{mount['container_index']}"


def _ops(move: _Move) -> list[dict[str, object]]:
    m = move.mount
    at = f"{_pointer(m)}/volumeMounts/{m['mount_index']}/mountPath"
    return [
        {"op": "test", "path": f"{_pointer(m)}/name", "value": m["container"]},
        {"op": "test", "path": at, "value": m["mount_path"]},
        {"op": "replace", "path": at, "value": move.new_path},
    ]


def _object(move: _Move) -> str:
    """``ConfigMap db-backup-config``."""
    return f"{_SOURCES[move.mount['source'] or '']} {move.mount['source_name']}"


def _plan(finding: Finding, cronjob: ObjectRef, moves: list[_Move]) -> Plan:
    ns = cronjob.namespace
    ops = [op for move in moves for op in _ops(move)]
    what = "; ".join(
        f"{_object(m)} is mounted at {m.mount['mount_path']}, the tool reads {m.file}" for m in moves
    )
    step = PlanStep(
        Action.PATCH,
        cronjob,
        {"patch_type": "json", "patch": ops},
        "; ".join(
            f"Mount volume {m.mount['volume']} ({_object(m)}) of container {m.mount['container']} at "
            f"{m.new_path} instead of {m.mount['mount_path']}"
            for m in moves
        ),
        finding.id,
    )
    facts = [
        f"The failed runs' logs say {m.file} does not exist. Volume {m.mount['volume']} of container "
        f"{m.mount['container']} mounts {_object(m)} (key {m.key}) at {m.mount['mount_path']}, so the file "
        f"is at {_shown_at(m)} instead; mounted at {m.new_path} it is where the tool reads it."
        for m in moves
    ]
    return Plan(
        f"Fix the mount path in {fx.describe(cronjob)}: {what}",
        (step,),
        findings=(finding.id,),
        notes=(
            *facts,
            "Each replace is preceded by tests of the container's name and the old mount path: if the job "
            "template changed since it was read, the server refuses the whole patch and nothing changes.",
            "Jobs already created keep the old path (a Job's template cannot change); the next scheduled "
            f"run uses the fixed template. To check at once: kubectl create job {cronjob.name}-check "
            f"--from=cronjob/{cronjob.name} -n {ns}, then read its pod's log.",
        ),
    )


def _shown_at(move: _Move) -> str:
    m = move.mount
    if m["sub_path"] is not None:
        return m["mount_path"]
    return posixpath.join(m["mount_path"], move.file[len(move.new_path) + 1 :])
