"""The rules behind each success check (see `_checks`): plain API objects in, (passed, one line) out.

Messages use kubectl's words: a pod's reason is what the STATUS column of ``kubectl get pods`` shows,
and a Deployment's progress is what ``kubectl rollout status`` prints.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from workbench.sandbox._selectors import parse_label_selector

Obj = dict[str, Any]
Params = Mapping[str, Any]
Outcome = tuple[bool, str]


class Reader:
    """Fetches each (kind, namespace) once per evaluation."""

    def __init__(self, fetch: Callable[[str, str | None], list[Obj]]) -> None:
        self._fetch = fetch
        self._cache: dict[tuple[str, str | None], list[Obj]] = {}

    def list(self, kind: str, namespace: str | None = None) -> list[Obj]:
        key = (kind, namespace)
        if key not in self._cache:
            self._cache[key] = list(self._fetch(kind, namespace))
        return self._cache[key]

    def get(self, kind: str, namespace: str, name: str) -> Obj | None:
        return next((o for o in self.list(kind, namespace) if _meta(o).get("name") == name), None)


# -- helpers -----------------------------------------------------------------------------------------
def _meta(obj: Obj) -> dict[str, Any]:
    meta: dict[str, Any] = obj.get("metadata") or {}
    return meta


def _status(obj: Obj) -> dict[str, Any]:
    status: dict[str, Any] = obj.get("status") or {}
    return status


def _condition(obj: Obj, type_: str) -> dict[str, Any] | None:
    return next((c for c in _status(obj).get("conditions") or [] if c.get("type") == type_), None)


def _is_true(obj: Obj, type_: str) -> bool:
    cond = _condition(obj, type_)
    return cond is not None and cond.get("status") == "True"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _missing(kind: str, namespace: str, name: str) -> Outcome:
    return False, f"{kind} {namespace}/{name} not found"


def pod_reason(pod: Obj) -> str:
    """The STATUS column ``kubectl get pods`` prints for `pod` (kubectl's printPod rules)."""
    status = _status(pod)
    reason = status.get("reason") or status.get("phase") or "Unknown"
    initializing = False
    inits = (pod.get("spec") or {}).get("initContainers") or []
    for i, cs in enumerate(status.get("initContainerStatuses") or []):
        state = cs.get("state") or {}
        term, wait = state.get("terminated"), state.get("waiting")
        if term is not None and term.get("exitCode") == 0:
            continue
        initializing = True
        if term is not None:
            reason = (
                f"Init:{term['reason']}" if term.get("reason") else f"Init:ExitCode:{term.get('exitCode')}"
            )
        elif wait is not None and wait.get("reason") and wait["reason"] != "PodInitializing":
            reason = f"Init:{wait['reason']}"
        else:
            reason = f"Init:{i}/{len(inits)}"
        break
    if not initializing or _is_true(pod, "Initialized"):
        running = False
        for cs in reversed(status.get("containerStatuses") or []):
            state = cs.get("state") or {}
            term, wait = state.get("terminated"), state.get("waiting")
            if wait is not None and wait.get("reason"):
                reason = wait["reason"]
            elif term is not None:
                reason = term.get("reason") or f"ExitCode:{term.get('exitCode')}"
            elif cs.get("ready") and state.get("running") is not None:
                running = True
        if reason == "Completed" and running:
            reason = "Running" if _is_true(pod, "Ready") else "NotReady"
    if _meta(pod).get("deletionTimestamp"):
        reason = "Unknown" if status.get("reason") == "NodeLost" else "Terminating"
    return str(reason)


def _restarts(pod: Obj) -> int:
    statuses = _status(pod).get("containerStatuses") or []
    return sum(int(cs.get("restartCount") or 0) for cs in statuses)


def _select(pods: list[Obj], selector: str | None) -> list[Obj]:
    if not selector:
        return pods
    sel = parse_label_selector(selector)
    return [p for p in pods if sel.matches(_meta(p).get("labels") or {})]


def _live(pod: Obj) -> bool:
    """Counted by workloads: not being deleted and not finished (Succeeded, Failed, Evicted)."""
    return not _meta(pod).get("deletionTimestamp") and _status(pod).get("phase") not in (
        "Succeeded",
        "Failed",
    )


def _pod_line(pod: Obj) -> str:
    name = _meta(pod).get("name", "?")
    statuses = _status(pod).get("containerStatuses") or []
    ready = sum(1 for cs in statuses if cs.get("ready"))
    total = len((pod.get("spec") or {}).get("containers") or statuses)
    return f"{name} ({pod_reason(pod)}, {ready}/{total} ready, {_plural(_restarts(pod), 'restart')})"


def _list_some(items: list[str], limit: int = 3) -> str:
    shown = ", ".join(items[:limit])
    return f"{shown} and {len(items) - limit} more" if len(items) > limit else shown


# -- pods --------------------------------------------------------------------------------------------
def pods_ready(params: Params, reader: Reader) -> Outcome:
    namespace, selector = params["namespace"], params.get("selector")
    want = int(params.get("min", 1))
    pods = [p for p in _select(reader.list("Pod", namespace), selector) if _live(p)]
    where = f"with {selector} " if selector else ""
    if not pods:
        return want == 0, f"no pods {where}in {namespace}"
    unready = [p for p in pods if not _is_true(p, "Ready")]
    if unready:
        lines = [_pod_line(p) for p in unready]
        return False, f"{len(unready)} of {_plural(len(pods), 'pod')} not Ready: {_list_some(lines)}"
    if len(pods) < want:
        return False, f"only {_plural(len(pods), 'pod')} {where}in {namespace}, want at least {want}"
    limit = params.get("max_restarts")
    if limit is not None:
        restarted = [p for p in pods if _restarts(p) > limit]
        if restarted:
            lines = [_pod_line(p) for p in restarted]
            return False, f"restarted more than {_plural(limit, 'time')}: {_list_some(lines)}"
    return True, f"{_plural(len(pods), 'pod')} Ready"


def no_pods_in_reason(params: Params, reader: Reader) -> Outcome:
    reason = params["reason"]
    pods = _select(reader.list("Pod", params.get("namespace")), params.get("selector"))
    stuck = [p for p in pods if pod_reason(p) == reason]
    if stuck:
        names = [f"{_meta(p).get('namespace')}/{_meta(p).get('name')}" for p in stuck]
        return False, f"{_plural(len(stuck), 'pod')} in {reason}: {_list_some(names)}"
    return True, f"no pod in {reason}"


# -- workloads ---------------------------------------------------------------------------------------
def deployment_available(params: Params, reader: Reader) -> Outcome:
    namespace, name = params["namespace"], params["name"]
    deploy = reader.get("Deployment", namespace, name)
    if deploy is None:
        return _missing("Deployment", namespace, name)
    status = _status(deploy)
    if int(_meta(deploy).get("generation") or 0) > int(status.get("observedGeneration") or 0):
        return False, "Waiting for deployment spec update to be observed..."
    progressing = _condition(deploy, "Progressing") or {}
    if progressing.get("reason") == "ProgressDeadlineExceeded":
        return False, f'deployment "{name}" exceeded its progress deadline'
    spec_replicas = (deploy.get("spec") or {}).get("replicas", 1)
    updated = int(status.get("updatedReplicas") or 0)
    replicas = int(status.get("replicas") or 0)
    available = int(status.get("availableReplicas") or 0)
    waiting = f'Waiting for deployment "{name}" rollout to finish: '
    if updated < spec_replicas:
        return False, f"{waiting}{updated} out of {spec_replicas} new replicas have been updated..."
    if replicas > updated:
        return False, f"{waiting}{replicas - updated} old replicas are pending termination..."
    if available < updated:
        return False, f"{waiting}{available} of {updated} updated replicas are available..."
    want = int(params.get("min", 1))
    if available < want:
        return (
            False,
            f"{_plural(available, 'available replica')} (spec.replicas {spec_replicas}), want {want}",
        )
    return True, f'deployment "{name}" successfully rolled out ({available}/{spec_replicas} available)'


def statefulset_ready(params: Params, reader: Reader) -> Outcome:
    namespace, name = params["namespace"], params["name"]
    sts = reader.get("StatefulSet", namespace, name)
    if sts is None:
        return _missing("StatefulSet", namespace, name)
    status = _status(sts)
    observed = int(status.get("observedGeneration") or 0)
    if observed == 0 or int(_meta(sts).get("generation") or 0) > observed:
        return False, "Waiting for statefulset spec update to be observed..."
    spec_replicas = (sts.get("spec") or {}).get("replicas", 1)
    ready = int(status.get("readyReplicas") or 0)
    if ready < spec_replicas:
        return False, f"Waiting for {spec_replicas - ready} pods to be ready..."
    update, current = status.get("updateRevision"), status.get("currentRevision")
    if update and current and update != current:
        updated = int(status.get("updatedReplicas") or 0)
        return (
            False,
            f"waiting for statefulset rolling update to complete {updated} pods at revision {update}...",
        )
    want = int(params.get("min", 1))
    if ready < want:
        return False, f"{_plural(ready, 'ready replica')}, want {want}"
    return True, f"statefulset rolling update complete {ready} pods at revision {update or current}..."


def job_complete(params: Params, reader: Reader) -> Outcome:
    namespace, name = params["namespace"], params["name"]
    job = reader.get("Job", namespace, name)
    if job is None:
        return _missing("Job", namespace, name)
    if _is_true(job, "Complete"):
        return True, f"Job {namespace}/{name} completed"
    failed = _condition(job, "Failed")
    if failed is not None and failed.get("status") == "True":
        return False, f"Job {namespace}/{name} failed: {failed.get('reason')} ({failed.get('message')})"
    status = _status(job)
    return False, (
        f"Job {namespace}/{name} has not completed: {status.get('active') or 0} active, "
        f"{status.get('succeeded') or 0} succeeded, {status.get('failed') or 0} failed"
    )


def cronjob_last_success(params: Params, reader: Reader) -> Outcome:
    namespace, name = params["namespace"], params["name"]
    cron = reader.get("CronJob", namespace, name)
    if cron is None:
        return _missing("CronJob", namespace, name)
    uid = _meta(cron).get("uid")
    jobs = [
        j
        for j in reader.list("Job", namespace)
        if any(
            r.get("kind") == "CronJob" and r.get("uid") == uid for r in _meta(j).get("ownerReferences") or []
        )
    ]
    finished = [j for j in jobs if _is_true(j, "Complete") or _is_true(j, "Failed")]
    if not finished:
        return (
            False,
            f"no Job of CronJob {namespace}/{name} has finished yet ({_plural(len(jobs), 'job')} in all)",
        )

    def started(job: Obj) -> tuple[str, str]:
        return (
            _status(job).get("startTime") or _meta(job).get("creationTimestamp") or "",
            _meta(job)["name"],
        )

    last = max(finished, key=started)
    job_name = _meta(last)["name"]
    if _is_true(last, "Complete"):
        return True, f"the last finished Job {job_name} succeeded"
    failed = _condition(last, "Failed") or {}
    return False, f"the last finished Job {job_name} failed: {failed.get('reason')} ({failed.get('message')})"


def hpa_scaling_active(params: Params, reader: Reader) -> Outcome:
    namespace, name = params["namespace"], params["name"]
    hpa = reader.get("HorizontalPodAutoscaler", namespace, name)
    if hpa is None:
        return _missing("HorizontalPodAutoscaler", namespace, name)
    cond = _condition(hpa, "ScalingActive")
    if cond is None:
        return False, "no ScalingActive condition yet (the HPA controller has not computed a scale)"
    if cond.get("status") != "True":
        return False, f"ScalingActive {cond.get('status')} {cond.get('reason')}: {cond.get('message')}"
    return True, f"ScalingActive True {cond.get('reason')}"


# -- network and storage -----------------------------------------------------------------------------
def _ready_addresses(reader: Reader, namespace: str, name: str) -> tuple[int, int]:
    ep = reader.get("Endpoints", namespace, name) or {}
    ready = sum(len(s.get("addresses") or []) for s in ep.get("subsets") or [])
    unready = sum(len(s.get("notReadyAddresses") or []) for s in ep.get("subsets") or [])
    return ready, unready


def service_endpoints(params: Params, reader: Reader) -> Outcome:
    namespace, name = params["namespace"], params["name"]
    svc = reader.get("Service", namespace, name)
    if svc is None:
        return _missing("Service", namespace, name)
    want = max(1, int(params.get("min", 1)))
    ready, unready = _ready_addresses(reader, namespace, name)
    if ready >= want:
        return True, f"{_plural(ready, 'ready endpoint')}"
    selector = (svc.get("spec") or {}).get("selector") or {}
    if not selector:
        return False, f"Service {namespace}/{name} has no selector and {_plural(ready, 'ready endpoint')}"
    text = ",".join(f"{k}={v}" for k, v in sorted(selector.items()))
    matching = [p for p in _select(reader.list("Pod", namespace), text) if _live(p)]
    return False, (
        f"Service {namespace}/{name} has {_plural(ready, 'ready endpoint')} ({unready} not ready); "
        f"its selector {text} matches {_plural(len(matching), 'pod')}"
    )


def ingress_backends(params: Params, reader: Reader) -> Outcome:
    namespace, name = params["namespace"], params["name"]
    ingress = reader.get("Ingress", namespace, name)
    if ingress is None:
        return _missing("Ingress", namespace, name)
    spec = ingress.get("spec") or {}
    backends = [spec["defaultBackend"]] if spec.get("defaultBackend") else []
    for rule in spec.get("rules") or []:
        backends += [p.get("backend") or {} for p in (rule.get("http") or {}).get("paths") or []]
    services = [b["service"] for b in backends if b.get("service")]
    if not services:
        return False, f"Ingress {namespace}/{name} has no Service backends"
    problems: list[str] = []
    for backend in services:
        svc_name, port = backend.get("name", ""), backend.get("port") or {}
        port_text = str(port.get("number") or port.get("name") or "")
        svc = reader.get("Service", namespace, svc_name)
        if svc is None:
            problems.append(f'backend Service "{svc_name}" not found')
            continue
        ports = (svc.get("spec") or {}).get("ports") or []
        if not any(p.get("port") == port.get("number") or p.get("name") == port.get("name") for p in ports):
            problems.append(f'Service "{svc_name}" has no port {port_text}')
            continue
        if _ready_addresses(reader, namespace, svc_name)[0] == 0:
            problems.append(f'Service "{svc_name}" has no ready endpoints')
    if problems:
        return False, "; ".join(dict.fromkeys(problems))
    return True, f"{_plural(len(services), 'backend')} with ready endpoints"


def pvc_bound(params: Params, reader: Reader) -> Outcome:
    namespace, name = params["namespace"], params["name"]
    pvc = reader.get("PersistentVolumeClaim", namespace, name)
    if pvc is None:
        return _missing("PersistentVolumeClaim", namespace, name)
    phase = _status(pvc).get("phase") or "Pending"
    if phase != "Bound":
        klass = (pvc.get("spec") or {}).get("storageClassName") or "<default>"
        return False, f"PersistentVolumeClaim {namespace}/{name} is {phase} (storage class {klass})"
    return True, f"Bound to {(pvc.get('spec') or {}).get('volumeName', '?')}"


def nodes_ready(params: Params, reader: Reader) -> Outcome:
    nodes = reader.list("Node", None)
    names = params.get("names")
    if names:
        found = {_meta(n).get("name") for n in nodes}
        absent = [n for n in names if n not in found]
        if absent:
            return False, f"no node {_list_some(absent)}"
        nodes = [n for n in nodes if _meta(n).get("name") in names]
    bad = []
    for node in nodes:
        cond = _condition(node, "Ready") or {}
        if cond.get("status") != "True":
            bad.append(f"{_meta(node).get('name')} NotReady ({cond.get('reason') or 'no Ready condition'})")
    if bad:
        return False, _list_some(bad)
    want = int(params.get("min", 1))
    if len(nodes) < want:
        return False, f"only {_plural(len(nodes), 'node')}, want at least {want}"
    return True, f"{_plural(len(nodes), 'node')} Ready"
