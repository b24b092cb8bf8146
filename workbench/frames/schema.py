"""Every frame's columns, in one place: names, dtypes and meaning.

Conventions (every frame follows them; analyzers and views rely on them):

- A frame is a subclass of `Frame` declared here with ``frame=`` (its name in the bundle) and
  ``source=`` (the ``Kind.frame`` whose list pages feed it, ``None`` when no list does; kept as
  ``FED_BY``, with ``FRAME`` and ``COLUMNS``: those three names are reserved). Its columns
  are class attributes of type `Col`: a `str` subclass, so ``df[Pods.PHASE]`` works, carrying the
  dtype and a one-line meaning. Columns keep their declaration order; the first four, inherited from
  `Frame`, are always ``kind, namespace, name, uid``.
- Identity columns are never missing: ``namespace`` is ``""`` for cluster-scoped objects and ``uid``
  is ``""`` when the API does not carry one (metrics, logs), matching `ObjectRef`.
- Dtypes: ``string`` (pandas ``StringDtype``, missing is ``<NA>``), ``category`` for low-cardinality
  text (phase, reason, node, namespace, kind, type, status...), ``Int64`` for counts and byte
  amounts (nullable), ``float64`` for CPU cores and seconds, ``bool`` for flags that always have a
  value, ``datetime64[ns, UTC]`` for every timestamp, ``object`` for lists and dicts.
- Units: CPU in cores (``cpu_request`` 0.25 for ``250m``), memory and storage in bytes (rounded up
  like apimachinery's ``Value()``), durations in seconds with a ``_seconds`` suffix.
- A condition's status is a ``category`` of ``"True"``, ``"False"``, ``"Unknown"`` (``<NA>`` when
  the condition is absent); a ``bool`` column beside it says "is True" when that reads better.
- Names are snake_case; a frame never repeats a column under two names. Shared meanings share
  names across frames: ``created`` (creationTimestamp), ``labels`` (dict), ``node``, ``reason``,
  ``message``, ``ready``, ``cpu_request``/``memory_request``...
- A frame whose objects can have a controller declares ``owner_kind`` (category), ``owner_name``
  and ``owner_uid`` (string) from the ``controller: true`` ownerReference; ``df.k8s.owner_chain``
  walks them from frame to frame (a ReplicaSet's row in ``replicasets`` to its Deployment...).
- Rows keep the API's list order (namespace, then name), sub-rows in spec order (containers:
  init containers first, then app containers). The index is a plain RangeIndex.

Example:
    >>> from workbench.frames import schema
    >>> schema.Pods.PHASE, schema.Pods.PHASE.dtype
    ('phase', 'category')
    >>> [str(c) for c in schema.columns("pods")[:4]]
    ['kind', 'namespace', 'name', 'uid']
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal, TypedDict

import pandas as pd

from workbench.errors import FrameSchemaError

Dtype = Literal["string", "category", "Int64", "float64", "bool", "datetime64[ns, UTC]", "object"]

STRING: Dtype = "string"
CATEGORY: Dtype = "category"
INT: Dtype = "Int64"
FLOAT: Dtype = "float64"
BOOL: Dtype = "bool"
TIME: Dtype = "datetime64[ns, UTC]"
OBJECT: Dtype = "object"


class Col(str):
    """A column name that also knows its dtype and meaning; compares and hashes as the plain name."""

    dtype: Dtype
    doc: str

    def __new__(cls, name: str, dtype: Dtype, doc: str) -> Col:
        col = super().__new__(cls, name)
        col.dtype = dtype
        col.doc = doc
        return col

    def __reduce__(self) -> tuple[Any, ...]:
        return (Col, (str(self), self.dtype, self.doc))


FRAMES: dict[str, type[Frame]] = {}
"""Every declared frame by name, in declaration order."""


class Frame:
    """Base of every frame schema: declares the identity columns that come first in every frame.

    Subclass with ``class Pods(Frame, frame="pods", source="pods")``; the subclass registers itself
    in `FRAMES`.
    """

    FRAME: ClassVar[str] = ""
    """The frame's name in the bundle (``pods``)."""
    FED_BY: ClassVar[str | None] = None
    """The ``Kind.frame`` whose list pages feed it (the ``source=`` keyword), None for none."""
    COLUMNS: ClassVar[tuple[Col, ...]] = ()
    """Every column in order, identity columns first."""

    KIND = Col("kind", CATEGORY, "the object kind (Pod, Node...) the row is about")
    NAMESPACE = Col("namespace", CATEGORY, "its namespace; '' for cluster-scoped objects")
    NAME = Col("name", STRING, "its name")
    UID = Col("uid", STRING, "its uid; '' when the API does not carry one")

    def __init_subclass__(cls, *, frame: str, source: str | None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if frame in FRAMES:
            raise TypeError(f"frame {frame!r} is declared twice ({FRAMES[frame].__name__}, {cls.__name__})")
        seen: dict[str, Col] = {}
        for klass in reversed(cls.__mro__):
            for attr, value in vars(klass).items():
                if not isinstance(value, Col):
                    continue
                if attr in _RESERVED:
                    raise TypeError(
                        f"{cls.__name__}.{attr} is reserved for frame metadata; name the column otherwise"
                    )
                if value in seen and seen[value] is not value:
                    raise TypeError(f"{cls.__name__} declares column {value!r} twice")
                seen[str(value)] = value
        cls.FRAME = frame
        cls.FED_BY = source
        cls.COLUMNS = tuple(seen.values())
        FRAMES[frame] = cls


_RESERVED = frozenset({"FRAME", "FED_BY", "COLUMNS"})


def frame_schema(frame: str) -> type[Frame]:
    """The schema class of ``frame``; raises KeyError naming the known frames."""
    try:
        return FRAMES[frame]
    except KeyError:
        raise KeyError(f"unknown frame {frame!r}; known: {', '.join(sorted(FRAMES))}") from None


def columns(frame: str) -> tuple[Col, ...]:
    """The columns of ``frame`` in order."""
    return frame_schema(frame).COLUMNS


def dtypes(frame: str) -> dict[str, Dtype]:
    """``{column: dtype}`` of ``frame`` in column order."""
    return {str(col): col.dtype for col in columns(frame)}


def empty(frame: str) -> pd.DataFrame:
    """A frame with no rows and exactly ``frame``'s columns and dtypes (a new copy each call)."""
    template = _EMPTY.get(frame)
    if template is None:
        data = {str(col): pd.Series([], dtype=_pandas_dtype(col.dtype)) for col in columns(frame)}
        template = _EMPTY[frame] = pd.DataFrame(data)
    # Building one costs ~6 ms (a bundle holds ~30 frames); a deep copy of the template ~0.1 ms.
    return template.copy()


_EMPTY: dict[str, pd.DataFrame] = {}
"""The empty frame of each frame name, built once; `empty` hands out copies (never the template)."""


def validate(frame: str, df: pd.DataFrame) -> None:
    """Check that ``df`` has exactly ``frame``'s columns, in order, with the declared dtypes.

    Args:
        frame: a frame name (``pods``).
        df: the DataFrame to check.

    Raises:
        KeyError: ``frame`` is not a declared frame.
        FrameSchemaError: a column is missing, extra, out of order or of another dtype; the
            message lists every problem.
    """
    declared = dtypes(frame)
    problems: list[str] = []
    actual = [str(c) for c in df.columns]
    missing = [c for c in declared if c not in actual]
    extra = [c for c in actual if c not in declared]
    if missing:
        problems.append(f"missing columns {missing}")
    if extra:
        problems.append(f"unexpected columns {extra}")
    if not missing and not extra and actual != list(declared):
        problems.append(f"columns out of order: expected {list(declared)}")
    for name in actual:
        if name in declared and (got := str(df[name].dtype)) != declared[name]:
            problems.append(f"column {name!r} is {got}, declared {declared[name]}")
    if problems:
        raise FrameSchemaError(
            f"frame {frame!r} does not match workbench/frames/schema.py: {'; '.join(problems)}. "
            "Build frames with workbench.frames builders, or convert with df.astype(schema.dtypes(frame)).",
            frame=frame,
            problems=tuple(problems),
        )


def category_dtype(categories: Any = ()) -> pd.CategoricalDtype:
    """The dtype of every categorical column: unordered, categories of pandas' ``str`` dtype."""
    return pd.CategoricalDtype(pd.Index(list(categories), dtype="str"))


def _pandas_dtype(dtype: Dtype) -> Any:
    if dtype == STRING:
        return pd.StringDtype("python")
    if dtype == CATEGORY:
        return category_dtype()
    return dtype


# ---------------------------------------------------------------------------------------------------
# Pods and their containers, nodes, events, metrics, logs (builders in _pods.py, _nodes.py,
# _events.py, _metrics.py, _logs.py).


class Pods(Frame, frame="pods", source="pods"):
    """One row per pod."""

    CREATED = Col("created", TIME, "metadata.creationTimestamp")
    DELETED = Col("deleted", TIME, "metadata.deletionTimestamp: set while the pod is terminating")
    LABELS = Col("labels", OBJECT, "metadata.labels as a dict (empty dict when none)")
    OWNER_KIND = Col("owner_kind", CATEGORY, "the controller ownerReference's kind (ReplicaSet...)")
    OWNER_NAME = Col("owner_name", STRING, "the controller ownerReference's name")
    OWNER_UID = Col("owner_uid", STRING, "the controller ownerReference's uid")
    NODE = Col("node", CATEGORY, "spec.nodeName; <NA> until scheduled")
    PHASE = Col("phase", CATEGORY, "status.phase (Pending, Running, Succeeded, Failed, Unknown)")
    STATUS = Col("status", CATEGORY, "the STATUS kubectl get pods shows (CrashLoopBackOff, Init:0/1...)")
    REASON = Col("reason", CATEGORY, "status.reason (Evicted, NodeLost...)")
    MESSAGE = Col("message", STRING, "status.message")
    READY = Col("ready", BOOL, "every app container is ready (False when there are none)")
    READY_STATUS = Col(
        "ready_status", CATEGORY, "the Ready condition's status: False also while readinessGates are unmet"
    )
    READY_REASON = Col("ready_reason", CATEGORY, "the Ready condition's reason (ContainersNotReady...)")
    READY_CHANGED = Col("ready_changed", TIME, "the Ready condition's lastTransitionTime")
    READY_CONTAINERS = Col("ready_containers", INT, "app containers that are ready")
    CONTAINERS = Col("containers", INT, "app containers in the spec")
    INIT_CONTAINERS = Col("init_containers", INT, "init containers in the spec")
    RESTARTS = Col("restarts", INT, "restartCount summed over app and init containers")
    SCHEDULED = Col("scheduled", CATEGORY, "the PodScheduled condition's status")
    SCHEDULED_REASON = Col("scheduled_reason", CATEGORY, "the PodScheduled condition's reason")
    UNSCHEDULABLE_MESSAGE = Col(
        "unschedulable_message", STRING, "the scheduler's message when PodScheduled is False"
    )
    INITIALIZED = Col("initialized", CATEGORY, "the Initialized condition's status")
    START_TIME = Col("start_time", TIME, "status.startTime: when the kubelet accepted the pod")
    QOS = Col("qos", CATEGORY, "status.qosClass (Guaranteed, Burstable, BestEffort)")
    PRIORITY_CLASS = Col("priority_class", CATEGORY, "spec.priorityClassName")
    PRIORITY = Col("priority", INT, "spec.priority")
    SERVICE_ACCOUNT = Col("service_account", CATEGORY, "spec.serviceAccountName")
    RESTART_POLICY = Col("restart_policy", CATEGORY, "spec.restartPolicy")
    POD_IP = Col("pod_ip", STRING, "status.podIP")
    HOST_IP = Col("host_ip", STRING, "status.hostIP")
    NOMINATED_NODE = Col("nominated_node", STRING, "status.nominatedNodeName (preemption)")
    CPU_REQUEST = Col(
        "cpu_request", FLOAT, "effective CPU request in cores: max(largest init, sum of app + sidecars)"
    )
    CPU_LIMIT = Col("cpu_limit", FLOAT, "effective CPU limit in cores, over containers that set one")
    MEMORY_REQUEST = Col("memory_request", INT, "effective memory request in bytes (as the scheduler)")
    MEMORY_LIMIT = Col("memory_limit", INT, "effective memory limit in bytes, over containers that set one")
    CONFIG_MAPS = Col(
        "config_maps", OBJECT, "ConfigMaps the pod uses (volumes, projected, env valueFrom, envFrom), sorted"
    )
    SECRETS = Col("secrets", OBJECT, "Secrets the pod uses (volumes, projected, env valueFrom, envFrom)")
    VOLUME_CLAIMS = Col(
        "volume_claims", OBJECT, "PersistentVolumeClaims the pod mounts (ephemeral ones as <pod>-<volume>)"
    )
    IMAGE_PULL_SECRETS = Col("image_pull_secrets", OBJECT, "spec.imagePullSecrets names, spec order")
    HOST_NETWORK = Col("host_network", BOOL, "spec.hostNetwork: the pod shares the node's network namespace")
    HOST_PID = Col("host_pid", BOOL, "spec.hostPID: the pod sees the node's processes")
    HOST_IPC = Col("host_ipc", BOOL, "spec.hostIPC: the pod shares the node's IPC namespace")


class Containers(Frame, frame="containers", source="pods"):
    """One row per container of every pod, init containers included; kind/namespace/name/uid are the pod's."""

    CONTAINER = Col("container", STRING, "the container's name")
    INIT = Col("init", BOOL, "an init container (sidecars included)")
    INDEX = Col("index", INT, "position in spec.containers or spec.initContainers")
    NODE = Col("node", CATEGORY, "the pod's spec.nodeName")
    IMAGE = Col("image", STRING, "the image as written in the spec")
    IMAGE_TAG = Col("image_tag", STRING, "the image's tag; <NA> when it has none (or only a digest)")
    LATEST_TAG = Col("latest_tag", BOOL, "the image floats: tag latest, or neither tag nor digest")
    READY = Col("ready", BOOL, "containerStatuses[].ready")
    STARTED = Col("started", BOOL, "containerStatuses[].started")
    RESTARTS = Col("restarts", INT, "containerStatuses[].restartCount")
    STATE = Col("state", CATEGORY, "waiting, running or terminated; <NA> before the kubelet reports")
    REASON = Col("reason", CATEGORY, "the current state's reason (CrashLoopBackOff, OOMKilled...)")
    MESSAGE = Col("message", STRING, "the current state's message")
    EXIT_CODE = Col("exit_code", INT, "exit code when terminated")
    STARTED_AT = Col("started_at", TIME, "when the running or terminated state started")
    FINISHED_AT = Col("finished_at", TIME, "when the terminated state finished")
    LAST_REASON = Col("last_reason", CATEGORY, "lastState.terminated.reason (OOMKilled, Error...)")
    LAST_EXIT_CODE = Col("last_exit_code", INT, "lastState.terminated.exitCode")
    LAST_STARTED_AT = Col("last_started_at", TIME, "lastState.terminated.startedAt")
    LAST_FINISHED_AT = Col("last_finished_at", TIME, "lastState.terminated.finishedAt")
    CPU_REQUEST = Col("cpu_request", FLOAT, "resources.requests.cpu in cores")
    CPU_LIMIT = Col("cpu_limit", FLOAT, "resources.limits.cpu in cores")
    MEMORY_REQUEST = Col("memory_request", INT, "resources.requests.memory in bytes")
    MEMORY_LIMIT = Col("memory_limit", INT, "resources.limits.memory in bytes")
    HAS_LIVENESS = Col("has_liveness", BOOL, "a livenessProbe is set")
    HAS_READINESS = Col("has_readiness", BOOL, "a readinessProbe is set")
    HAS_STARTUP = Col("has_startup", BOOL, "a startupProbe is set")
    LIVENESS = Col(
        "liveness",
        STRING,
        "livenessProbe as kubectl describe prints it: "
        "'http-get http://:8080/healthz delay=0s timeout=1s period=10s #success=1 #failure=3'",
    )
    READINESS = Col("readiness", STRING, "readinessProbe summary, same form")
    STARTUP = Col("startup", STRING, "startupProbe summary, same form")
    PORTS = Col("ports", OBJECT, "containerPort list as strings ('http:8080/TCP')")
    PRIVILEGED = Col("privileged", BOOL, "securityContext.privileged: full access to the node")
    ALLOW_PRIVILEGE_ESCALATION = Col(
        "allow_privilege_escalation",
        BOOL,
        "effective securityContext.allowPrivilegeEscalation (true unless set false, or privileged)",
    )
    RUN_AS_NON_ROOT = Col(
        "run_as_non_root", BOOL, "effective runAsNonRoot (the container's, else the pod's securityContext)"
    )
    CAPABILITIES_ADD = Col("capabilities_add", OBJECT, "securityContext.capabilities.add (NET_ADMIN...)")


class Nodes(Frame, frame="nodes", source="nodes"):
    """One row per node."""

    CREATED = Col("created", TIME, "metadata.creationTimestamp")
    LABELS = Col("labels", OBJECT, "metadata.labels as a dict")
    ANNOTATIONS = Col("annotations", OBJECT, "metadata.annotations as a dict (empty dict when none)")
    ROLES = Col("roles", OBJECT, "sorted roles from node-role.kubernetes.io/<role> labels")
    ZONE = Col("zone", CATEGORY, "topology.kubernetes.io/zone")
    INSTANCE_TYPE = Col("instance_type", CATEGORY, "node.kubernetes.io/instance-type")
    UNSCHEDULABLE = Col("unschedulable", BOOL, "spec.unschedulable (cordoned)")
    TAINTS = Col("taints", OBJECT, "spec.taints as 'key=value:Effect' strings ('key:Effect' without value)")
    READY = Col("ready", BOOL, "the Ready condition is True")
    READY_STATUS = Col("ready_status", CATEGORY, "the Ready condition's status (True, False, Unknown)")
    READY_REASON = Col("ready_reason", CATEGORY, "the Ready condition's reason (KubeletReady...)")
    READY_MESSAGE = Col("ready_message", STRING, "the Ready condition's message")
    READY_CHANGED = Col("ready_changed", TIME, "the Ready condition's lastTransitionTime")
    LAST_HEARTBEAT = Col("last_heartbeat", TIME, "the Ready condition's lastHeartbeatTime")
    MEMORY_PRESSURE = Col("memory_pressure", BOOL, "the MemoryPressure condition is True")
    DISK_PRESSURE = Col("disk_pressure", BOOL, "the DiskPressure condition is True")
    PID_PRESSURE = Col("pid_pressure", BOOL, "the PIDPressure condition is True")
    NETWORK_UNAVAILABLE = Col("network_unavailable", BOOL, "the NetworkUnavailable condition is True")
    CPU_CAPACITY = Col("cpu_capacity", FLOAT, "status.capacity.cpu in cores")
    CPU_ALLOCATABLE = Col("cpu_allocatable", FLOAT, "status.allocatable.cpu in cores")
    MEMORY_CAPACITY = Col("memory_capacity", INT, "status.capacity.memory in bytes")
    MEMORY_ALLOCATABLE = Col("memory_allocatable", INT, "status.allocatable.memory in bytes")
    PODS_CAPACITY = Col("pods_capacity", INT, "status.capacity.pods")
    PODS_ALLOCATABLE = Col("pods_allocatable", INT, "status.allocatable.pods")
    EPHEMERAL_CAPACITY = Col("ephemeral_capacity", INT, "status.capacity.ephemeral-storage in bytes")
    EPHEMERAL_ALLOCATABLE = Col("ephemeral_allocatable", INT, "status.allocatable.ephemeral-storage in bytes")
    INTERNAL_IP = Col("internal_ip", STRING, "the InternalIP address")
    KUBELET_VERSION = Col("kubelet_version", CATEGORY, "nodeInfo.kubeletVersion")
    CONTAINER_RUNTIME = Col("container_runtime", CATEGORY, "nodeInfo.containerRuntimeVersion")
    OS_IMAGE = Col("os_image", CATEGORY, "nodeInfo.osImage")
    KERNEL = Col("kernel", CATEGORY, "nodeInfo.kernelVersion")
    ARCH = Col("arch", CATEGORY, "nodeInfo.architecture")


class Events(Frame, frame="events", source="events"):
    """One row per distinct happening: Events with the same object, type, reason and message merged.

    kind/namespace/name/uid are the (most recent) Event object's own; the object the event is
    about is in the ``object_*`` columns.
    """

    OBJECT_KIND = Col("object_kind", CATEGORY, "involvedObject.kind")
    OBJECT_NAMESPACE = Col("object_namespace", CATEGORY, "involvedObject.namespace ('' cluster-scoped)")
    OBJECT_NAME = Col("object_name", STRING, "involvedObject.name")
    OBJECT_UID = Col("object_uid", STRING, "involvedObject.uid ('' when not set)")
    TYPE = Col("type", CATEGORY, "Normal or Warning")
    REASON = Col("reason", CATEGORY, "the event's reason (BackOff, FailedScheduling...)")
    MESSAGE = Col("message", STRING, "the event's message")
    COUNT = Col("count", INT, "occurrences: count (or series.count, at least 1) summed over the merged")
    FIRST_SEEN = Col("first_seen", TIME, "the earliest firstTimestamp / eventTime")
    LAST_SEEN = Col("last_seen", TIME, "the latest lastTimestamp / series.lastObservedTime / eventTime")
    SOURCE = Col("source", CATEGORY, "reportingComponent or source.component (kubelet, default-scheduler)")
    HOST = Col("host", CATEGORY, "reportingInstance or source.host")
    MERGED = Col("merged", INT, "how many Event objects this row merges")


class PodMetrics(Frame, frame="pod_metrics", source="pod_metrics"):
    """One row per container of a PodMetrics; kind/namespace/name are the measured Pod's (uid '')."""

    CONTAINER = Col("container", STRING, "the container's name")
    CPU = Col("cpu", FLOAT, "usage in cores")
    MEMORY = Col("memory", INT, "working set in bytes")
    TIMESTAMP = Col("timestamp", TIME, "when the sample was taken")
    WINDOW_SECONDS = Col("window_seconds", FLOAT, "the sample's window")


class NodeMetrics(Frame, frame="node_metrics", source="node_metrics"):
    """One row per NodeMetrics; kind/namespace/name are the measured Node's (uid '')."""

    CPU = Col("cpu", FLOAT, "usage in cores")
    MEMORY = Col("memory", INT, "working set in bytes")
    TIMESTAMP = Col("timestamp", TIME, "when the sample was taken")
    WINDOW_SECONDS = Col("window_seconds", FLOAT, "the sample's window")


class Logs(Frame, frame="logs", source=None):
    """One row per log line of one container (from ``logs_frame``); kind/namespace/name are the Pod's."""

    CONTAINER = Col("container", STRING, "the container's name")
    PREVIOUS = Col("previous", BOOL, "the previous (crashed) instance's log")
    TIME = Col("time", TIME, "the kubelet's timestamp of the line")
    LINE = Col("line", STRING, "the line's text, without its timestamp and newline")


# --- other kinds (see _objects*.py) ---
# Appended by the frames for the other kinds. Same conventions as above: one `Frame` subclass per
# frame, ``source=`` the Kind.frame feeding it (``"*"`` for the custom-resource ``conditions`` frame).


# Workloads (builders in _workloads.py and _jobs.py). Replica counts are the API's (``replicas`` is
# spec.replicas, the wanted count; ``current_replicas`` is status.replicas, the pods that exist).


class VolumeMount(TypedDict):
    """One item of a ``volume_mounts`` cell: a container's volumeMount and the volume it mounts.

    mypy checks the keys wherever a cell is read as ``list[VolumeMount]``.

    Attributes:
        container: the container's name.
        init: an init container (its index counts in spec.initContainers).
        container_index: its index in spec.containers (or spec.initContainers).
        mount_index: the mount's index in its volumeMounts: with the two above, the mount's place
            in the pod spec for a JSON patch (``containers/0/volumeMounts/1``).
        mount_path: volumeMounts[].mountPath.
        sub_path: volumeMounts[].subPath; None when the whole volume is mounted.
        read_only: volumeMounts[].readOnly.
        volume: the volume's name.
        source: the volume's type as the API spells it (configMap, secret, persistentVolumeClaim,
            emptyDir, hostPath, projected...); None when the template has no volume of that name.
        source_name: the ConfigMap, Secret or PersistentVolumeClaim it names; None for other types.
        items: a configMap or secret volume's ``items`` as key -> path; None when it has none
            (every key is a file named like the key).
    """

    container: str
    init: bool
    container_index: int
    mount_index: int
    mount_path: str
    sub_path: str | None
    read_only: bool
    volume: str
    source: str | None
    source_name: str | None
    items: dict[str, str] | None


class _Workload:
    """Columns the workload frames share (a mixin: `Frame`'s identity columns still come first)."""

    CREATED = Col("created", TIME, "metadata.creationTimestamp")
    LABELS = Col("labels", OBJECT, "metadata.labels as a dict (empty dict when none)")
    OWNER_KIND = Col("owner_kind", CATEGORY, "the controller ownerReference's kind (Deployment, CronJob...)")
    OWNER_NAME = Col("owner_name", STRING, "the controller ownerReference's name")
    OWNER_UID = Col("owner_uid", STRING, "the controller ownerReference's uid")
    GENERATION = Col("generation", INT, "metadata.generation: bumped by every spec change")
    SELECTOR = Col("selector", OBJECT, "spec.selector.matchLabels as a dict")
    SELECTOR_EXPRESSIONS = Col(
        "selector_expressions", OBJECT, "spec.selector.matchExpressions as 'key in (a,b)', 'key', '!key'"
    )
    IMAGES = Col("images", OBJECT, "the pod template's images, init containers first")
    VOLUME_MOUNTS = Col(
        "volume_mounts", OBJECT, "the pod template's volumeMounts as `VolumeMount`s, init containers first"
    )


class Deployments(_Workload, Frame, frame="deployments", source="deployments"):
    """One row per Deployment."""

    OBSERVED_GENERATION = Col(
        "observed_generation", INT, "status.observedGeneration: the generation the controller has acted on"
    )
    REPLICAS = Col("replicas", INT, "spec.replicas: the wanted pods")
    CURRENT_REPLICAS = Col("current_replicas", INT, "status.replicas: pods of every revision that exist")
    UPDATED_REPLICAS = Col("updated_replicas", INT, "status.updatedReplicas: pods of the newest template")
    READY_REPLICAS = Col("ready_replicas", INT, "status.readyReplicas")
    AVAILABLE_REPLICAS = Col("available_replicas", INT, "status.availableReplicas (ready minReadySeconds)")
    UNAVAILABLE_REPLICAS = Col("unavailable_replicas", INT, "status.unavailableReplicas")
    STRATEGY = Col("strategy", CATEGORY, "spec.strategy.type (RollingUpdate, Recreate)")
    MAX_SURGE = Col("max_surge", STRING, "rollingUpdate.maxSurge as written ('25%', '1')")
    MAX_UNAVAILABLE = Col("max_unavailable", STRING, "rollingUpdate.maxUnavailable as written ('25%', '0')")
    PROGRESS_DEADLINE_SECONDS = Col("progress_deadline_seconds", FLOAT, "spec.progressDeadlineSeconds")
    PAUSED = Col("paused", BOOL, "spec.paused (a paused rollout makes no progress)")
    AVAILABLE_STATUS = Col("available_status", CATEGORY, "the Available condition's status")
    AVAILABLE_REASON = Col("available_reason", CATEGORY, "the Available condition's reason")
    AVAILABLE_MESSAGE = Col("available_message", STRING, "the Available condition's message")
    PROGRESSING_STATUS = Col("progressing_status", CATEGORY, "the Progressing condition's status")
    PROGRESSING_REASON = Col(
        "progressing_reason",
        CATEGORY,
        "the Progressing condition's reason (NewReplicaSetAvailable, ProgressDeadlineExceeded...)",
    )
    PROGRESSING_MESSAGE = Col("progressing_message", STRING, "the Progressing condition's message")
    PROGRESSING_CHANGED = Col("progressing_changed", TIME, "the Progressing condition's lastTransitionTime")
    REPLICA_FAILURE_REASON = Col(
        "replica_failure_reason", CATEGORY, "the ReplicaFailure condition's reason (FailedCreate...)"
    )
    REPLICA_FAILURE_MESSAGE = Col("replica_failure_message", STRING, "the ReplicaFailure condition's message")
    REVISION = Col("revision", INT, "the deployment.kubernetes.io/revision annotation")
    CHANGE_CAUSE = Col("change_cause", STRING, "the kubernetes.io/change-cause annotation")


class ReplicaSets(_Workload, Frame, frame="replicasets", source="replicasets"):
    """One row per ReplicaSet (old revisions of a Deployment included, usually scaled to 0)."""

    OBSERVED_GENERATION = Col(
        "observed_generation", INT, "status.observedGeneration: the generation the controller has acted on"
    )
    REPLICAS = Col("replicas", INT, "spec.replicas: the wanted pods")
    CURRENT_REPLICAS = Col("current_replicas", INT, "status.replicas: pods that exist")
    READY_REPLICAS = Col("ready_replicas", INT, "status.readyReplicas")
    AVAILABLE_REPLICAS = Col("available_replicas", INT, "status.availableReplicas")
    REVISION = Col("revision", INT, "the deployment.kubernetes.io/revision annotation")
    POD_TEMPLATE_HASH = Col("pod_template_hash", STRING, "the pod-template-hash label")
    REPLICA_FAILURE_REASON = Col(
        "replica_failure_reason", CATEGORY, "the ReplicaFailure condition's reason (FailedCreate...)"
    )
    REPLICA_FAILURE_MESSAGE = Col(
        "replica_failure_message", STRING, "the ReplicaFailure condition's message (a quota refusal...)"
    )


class StatefulSets(_Workload, Frame, frame="statefulsets", source="statefulsets"):
    """One row per StatefulSet."""

    OBSERVED_GENERATION = Col(
        "observed_generation", INT, "status.observedGeneration: the generation the controller has acted on"
    )
    REPLICAS = Col("replicas", INT, "spec.replicas: the wanted pods")
    CURRENT_REPLICAS = Col("current_replicas", INT, "status.replicas: pods that exist")
    UPDATED_REPLICAS = Col("updated_replicas", INT, "status.updatedReplicas: pods of updateRevision")
    READY_REPLICAS = Col("ready_replicas", INT, "status.readyReplicas")
    AVAILABLE_REPLICAS = Col("available_replicas", INT, "status.availableReplicas")
    SERVICE_NAME = Col("service_name", STRING, "spec.serviceName: the governing (headless) Service")
    POD_MANAGEMENT_POLICY = Col("pod_management_policy", CATEGORY, "OrderedReady or Parallel")
    UPDATE_STRATEGY = Col("update_strategy", CATEGORY, "spec.updateStrategy.type (RollingUpdate, OnDelete)")
    PARTITION = Col("partition", INT, "rollingUpdate.partition: ordinals below it keep the old revision")
    CURRENT_REVISION = Col("current_revision", STRING, "status.currentRevision")
    UPDATE_REVISION = Col("update_revision", STRING, "status.updateRevision (differs while rolling)")
    VOLUME_CLAIM_TEMPLATES = Col("volume_claim_templates", OBJECT, "names of spec.volumeClaimTemplates")


class DaemonSets(_Workload, Frame, frame="daemonsets", source="daemonsets"):
    """One row per DaemonSet; counts are nodes that should run, run, or run a ready daemon pod."""

    OBSERVED_GENERATION = Col(
        "observed_generation", INT, "status.observedGeneration: the generation the controller has acted on"
    )
    DESIRED_PODS = Col("desired_pods", INT, "status.desiredNumberScheduled")
    CURRENT_PODS = Col("current_pods", INT, "status.currentNumberScheduled")
    READY_PODS = Col("ready_pods", INT, "status.numberReady")
    UPDATED_PODS = Col("updated_pods", INT, "status.updatedNumberScheduled")
    AVAILABLE_PODS = Col("available_pods", INT, "status.numberAvailable")
    UNAVAILABLE_PODS = Col("unavailable_pods", INT, "status.numberUnavailable")
    MISSCHEDULED_PODS = Col("misscheduled_pods", INT, "status.numberMisscheduled: on wrong nodes")
    UPDATE_STRATEGY = Col("update_strategy", CATEGORY, "spec.updateStrategy.type (RollingUpdate, OnDelete)")
    MAX_UNAVAILABLE = Col("max_unavailable", STRING, "rollingUpdate.maxUnavailable as written")
    MAX_SURGE = Col("max_surge", STRING, "rollingUpdate.maxSurge as written")
    NODE_SELECTOR = Col("node_selector", OBJECT, "the template's nodeSelector as a dict")


class Jobs(_Workload, Frame, frame="jobs", source="jobs"):
    """One row per Job (a CronJob's runs carry it as owner)."""

    STATUS = Col("status", CATEGORY, "Complete, Failed, Suspended or Running (from the conditions)")
    REASON = Col("reason", CATEGORY, "the Failed (or Complete) condition's reason (BackoffLimitExceeded...)")
    MESSAGE = Col("message", STRING, "the Failed (or Complete) condition's message")
    COMPLETIONS = Col("completions", INT, "spec.completions: successful pods needed (<NA>: any one)")
    PARALLELISM = Col("parallelism", INT, "spec.parallelism")
    BACKOFF_LIMIT = Col("backoff_limit", INT, "spec.backoffLimit: failed pods tolerated")
    ACTIVE_DEADLINE_SECONDS = Col("active_deadline_seconds", FLOAT, "spec.activeDeadlineSeconds")
    SUSPEND = Col("suspend", BOOL, "spec.suspend")
    ACTIVE = Col("active", INT, "status.active: pods running now (0 when unset)")
    READY_PODS = Col("ready_pods", INT, "status.ready")
    SUCCEEDED = Col("succeeded", INT, "status.succeeded (0 when unset)")
    FAILED = Col("failed", INT, "status.failed (0 when unset)")
    START_TIME = Col("start_time", TIME, "status.startTime")
    COMPLETION_TIME = Col("completion_time", TIME, "status.completionTime (only when it succeeded)")
    FINISHED = Col("finished", TIME, "when the Complete or Failed condition became True")
    SCHEDULED_TIME = Col(
        "scheduled_time", TIME, "the batch.kubernetes.io/cronjob-scheduled-timestamp annotation"
    )


class CronJobs(Frame, frame="cronjobs", source="cronjobs"):
    """One row per CronJob."""

    CREATED = Col("created", TIME, "metadata.creationTimestamp")
    LABELS = Col("labels", OBJECT, "metadata.labels as a dict")
    SCHEDULE = Col("schedule", STRING, "spec.schedule (cron syntax)")
    TIME_ZONE = Col("time_zone", CATEGORY, "spec.timeZone (<NA>: the controller's local time)")
    SUSPEND = Col("suspend", BOOL, "spec.suspend")
    CONCURRENCY_POLICY = Col("concurrency_policy", CATEGORY, "Allow, Forbid or Replace")
    STARTING_DEADLINE_SECONDS = Col("starting_deadline_seconds", FLOAT, "spec.startingDeadlineSeconds")
    SUCCESSFUL_HISTORY_LIMIT = Col("successful_history_limit", INT, "spec.successfulJobsHistoryLimit")
    FAILED_HISTORY_LIMIT = Col("failed_history_limit", INT, "spec.failedJobsHistoryLimit")
    LAST_SCHEDULE = Col("last_schedule", TIME, "status.lastScheduleTime: the latest run started")
    LAST_SUCCESSFUL = Col("last_successful", TIME, "status.lastSuccessfulTime: the latest run that succeeded")
    ACTIVE = Col("active", INT, "runs in progress (len(status.active))")
    ACTIVE_JOBS = Col("active_jobs", OBJECT, "names of the Jobs in progress")
    IMAGES = Col("images", OBJECT, "the job template's images, init containers first")
    VOLUME_MOUNTS = Col(
        "volume_mounts", OBJECT, "the job template's volumeMounts as `VolumeMount`s, init containers first"
    )


# Network (builders in _network.py).


class Services(Frame, frame="services", source="services"):
    """One row per Service."""

    CREATED = Col("created", TIME, "metadata.creationTimestamp")
    LABELS = Col("labels", OBJECT, "metadata.labels as a dict")
    TYPE = Col("type", CATEGORY, "spec.type (ClusterIP, NodePort, LoadBalancer, ExternalName)")
    CLUSTER_IP = Col("cluster_ip", STRING, "spec.clusterIP ('None' for a headless Service)")
    HEADLESS = Col("headless", BOOL, "clusterIP is None: DNS returns the pods' addresses")
    EXTERNAL_NAME = Col("external_name", STRING, "spec.externalName (type ExternalName)")
    SELECTOR = Col(
        "selector", OBJECT, "spec.selector as a dict (empty: no selector, Endpoints are managed by hand)"
    )
    PORTS = Col("ports", OBJECT, "ports as 'port/PROTO->target' ('80:30080/TCP->8080' with a nodePort)")
    PORT_NAMES = Col("port_names", OBJECT, "the ports' names, aligned with ports ('' when unnamed)")
    LOAD_BALANCER = Col("load_balancer", OBJECT, "status.loadBalancer.ingress IPs and hostnames")


class Endpoints(Frame, frame="endpoints", source="endpoints"):
    """One row per Endpoints object (named like its Service), subsets merged."""

    CREATED = Col("created", TIME, "metadata.creationTimestamp")
    LABELS = Col("labels", OBJECT, "metadata.labels as a dict")
    READY_ADDRESSES = Col("ready_addresses", INT, "addresses traffic goes to")
    NOT_READY_ADDRESSES = Col("not_ready_addresses", INT, "notReadyAddresses: pods that fail readiness")
    ADDRESSES = Col("addresses", OBJECT, "the ready IPs")
    NOT_READY = Col("not_ready", OBJECT, "the not-ready IPs")
    PODS = Col("pods", OBJECT, "names of the pods behind the ready addresses (targetRef kind Pod)")
    NOT_READY_PODS = Col("not_ready_pods", OBJECT, "names of the pods behind the not-ready addresses")
    PORTS = Col("ports", OBJECT, "ports as 'port/PROTO', distinct, in subset order")
    PORT_NAMES = Col("port_names", OBJECT, "the ports' names, aligned with ports ('' when unnamed)")


class Ingresses(Frame, frame="ingresses", source="ingresses"):
    """One row per Ingress; its routes and the Services they name are lists."""

    CREATED = Col("created", TIME, "metadata.creationTimestamp")
    LABELS = Col("labels", OBJECT, "metadata.labels as a dict")
    INGRESS_CLASS = Col(
        "ingress_class", CATEGORY, "spec.ingressClassName, else the kubernetes.io/ingress.class annotation"
    )
    HOSTS = Col("hosts", OBJECT, "the rules' hosts, distinct, in spec order ('*' for a rule without one)")
    BACKENDS = Col(
        "backends",
        OBJECT,
        "distinct 'service:port' (port number or name) of every path and the default backend, spec order",
    )
    BACKEND_SERVICES = Col("backend_services", OBJECT, "distinct Service names the backends route to")
    RESOURCE_BACKENDS = Col("resource_backends", OBJECT, "non-Service backends as 'Kind/name'")
    ROUTES = Col("routes", OBJECT, "'host/path -> service:port' per path ('*' host; 'default' backend)")
    TLS_SECRETS = Col("tls_secrets", OBJECT, "spec.tls[].secretName, distinct")
    LOAD_BALANCER = Col("load_balancer", OBJECT, "status.loadBalancer.ingress IPs and hostnames")


class NetworkPolicies(Frame, frame="networkpolicies", source="networkpolicies"):
    """One row per NetworkPolicy."""

    CREATED = Col("created", TIME, "metadata.creationTimestamp")
    LABELS = Col("labels", OBJECT, "metadata.labels as a dict")
    POD_SELECTOR = Col("pod_selector", OBJECT, "spec.podSelector.matchLabels ({}: every pod)")
    POD_SELECTOR_EXPRESSIONS = Col(
        "pod_selector_expressions", OBJECT, "spec.podSelector.matchExpressions as 'key in (a,b)'..."
    )
    SELECTS_ALL_PODS = Col("selects_all_pods", BOOL, "the pod selector is empty")
    POLICY_TYPES = Col(
        "policy_types", OBJECT, "effective policyTypes (default: Ingress, plus Egress with egress rules)"
    )
    INGRESS_RULES = Col("ingress_rules", INT, "spec.ingress rules (each allows some traffic in)")
    EGRESS_RULES = Col("egress_rules", INT, "spec.egress rules")
    DENY_ALL_INGRESS = Col("deny_all_ingress", BOOL, "isolates the pods for ingress, allows nothing in")
    DENY_ALL_EGRESS = Col("deny_all_egress", BOOL, "isolates the pods for egress, allows nothing out")
    ALLOW_ALL_INGRESS = Col("allow_all_ingress", BOOL, "an ingress rule with no from, no ports")
    ALLOW_ALL_EGRESS = Col("allow_all_egress", BOOL, "an egress rule with no to, no ports")


# Configuration, storage and policy (builders in _config.py, _storage.py, _policy.py). ConfigMaps
# and Secrets keep key names only: no frame ever holds a value.


class ConfigMaps(Frame, frame="configmaps", source="configmaps"):
    """One row per ConfigMap: its key names, never its values."""

    CREATED = Col("created", TIME, "metadata.creationTimestamp")
    LABELS = Col("labels", OBJECT, "metadata.labels as a dict")
    KEYS = Col("keys", OBJECT, "sorted key names of data and binaryData")
    KEY_COUNT = Col("key_count", INT, "how many keys")
    IMMUTABLE = Col("immutable", BOOL, "immutable: the data cannot change (recreate to edit)")


class Secrets(Frame, frame="secrets", source="secrets"):
    """One row per Secret: its type and key names, never its values (nor its annotations)."""

    CREATED = Col("created", TIME, "metadata.creationTimestamp")
    LABELS = Col("labels", OBJECT, "metadata.labels as a dict")
    TYPE = Col("type", CATEGORY, "type (Opaque, kubernetes.io/tls, kubernetes.io/dockerconfigjson...)")
    KEYS = Col("keys", OBJECT, "sorted key names of data and stringData")
    KEY_COUNT = Col("key_count", INT, "how many keys")
    IMMUTABLE = Col("immutable", BOOL, "immutable: the data cannot change")


class Pvcs(Frame, frame="pvcs", source="pvcs"):
    """One row per PersistentVolumeClaim."""

    CREATED = Col("created", TIME, "metadata.creationTimestamp")
    DELETED = Col("deleted", TIME, "metadata.deletionTimestamp: set while the claim is terminating")
    LABELS = Col("labels", OBJECT, "metadata.labels as a dict")
    PHASE = Col("phase", CATEGORY, "status.phase (Pending, Bound, Lost)")
    STORAGE_CLASS = Col("storage_class", CATEGORY, "spec.storageClassName (<NA>: the default class)")
    STORAGE_REQUEST = Col("storage_request", INT, "spec.resources.requests.storage in bytes")
    STORAGE_CAPACITY = Col("storage_capacity", INT, "status.capacity.storage in bytes (once bound)")
    VOLUME_NAME = Col("volume_name", STRING, "spec.volumeName: the bound PersistentVolume")
    ACCESS_MODES = Col("access_modes", OBJECT, "spec.accessModes (ReadWriteOnce...)")
    VOLUME_MODE = Col("volume_mode", CATEGORY, "spec.volumeMode (Filesystem, Block)")
    PROVISIONER = Col("provisioner", CATEGORY, "the volume.kubernetes.io/storage-provisioner annotation")
    SELECTED_NODE = Col(
        "selected_node", CATEGORY, "the volume.kubernetes.io/selected-node annotation (WaitForFirstConsumer)"
    )


class Pvs(Frame, frame="pvs", source="pvs"):
    """One row per PersistentVolume (cluster-scoped: namespace is '')."""

    CREATED = Col("created", TIME, "metadata.creationTimestamp")
    DELETED = Col("deleted", TIME, "metadata.deletionTimestamp")
    LABELS = Col("labels", OBJECT, "metadata.labels as a dict")
    PHASE = Col("phase", CATEGORY, "status.phase (Available, Bound, Released, Failed, Pending)")
    REASON = Col("reason", CATEGORY, "status.reason")
    MESSAGE = Col("message", STRING, "status.message")
    CLAIM_NAMESPACE = Col("claim_namespace", CATEGORY, "spec.claimRef.namespace")
    CLAIM_NAME = Col("claim_name", STRING, "spec.claimRef.name")
    CLAIM_UID = Col("claim_uid", STRING, "spec.claimRef.uid")
    STORAGE_CLASS = Col("storage_class", CATEGORY, "spec.storageClassName")
    STORAGE_CAPACITY = Col("storage_capacity", INT, "spec.capacity.storage in bytes")
    ACCESS_MODES = Col("access_modes", OBJECT, "spec.accessModes")
    VOLUME_MODE = Col("volume_mode", CATEGORY, "spec.volumeMode")
    RECLAIM_POLICY = Col("reclaim_policy", CATEGORY, "spec.persistentVolumeReclaimPolicy (Retain, Delete)")
    VOLUME_SOURCE = Col("volume_source", CATEGORY, "the spec's volume source (csi, hostPath, nfs...)")
    CSI_DRIVER = Col("csi_driver", CATEGORY, "spec.csi.driver")


class StorageClasses(Frame, frame="storageclasses", source="storageclasses"):
    """One row per StorageClass (cluster-scoped)."""

    CREATED = Col("created", TIME, "metadata.creationTimestamp")
    LABELS = Col("labels", OBJECT, "metadata.labels as a dict")
    PROVISIONER = Col("provisioner", CATEGORY, "provisioner (rancher.io/local-path, ebs.csi.aws.com...)")
    DEFAULT = Col("default", BOOL, "the storageclass.kubernetes.io/is-default-class annotation is 'true'")
    BINDING_MODE = Col("binding_mode", CATEGORY, "volumeBindingMode (Immediate, WaitForFirstConsumer)")
    RECLAIM_POLICY = Col("reclaim_policy", CATEGORY, "reclaimPolicy (Delete, Retain)")
    ALLOW_EXPANSION = Col("allow_expansion", BOOL, "allowVolumeExpansion")
    PARAMETERS = Col("parameters", OBJECT, "parameters as a dict (provisioner-specific: type: gp3...)")


class Hpas(Frame, frame="hpas", source="hpas"):
    """One row per HorizontalPodAutoscaler (autoscaling/v2)."""

    CREATED = Col("created", TIME, "metadata.creationTimestamp")
    LABELS = Col("labels", OBJECT, "metadata.labels as a dict")
    TARGET_KIND = Col("target_kind", CATEGORY, "spec.scaleTargetRef.kind (Deployment, StatefulSet...)")
    TARGET_NAME = Col("target_name", STRING, "spec.scaleTargetRef.name")
    MIN_REPLICAS = Col("min_replicas", INT, "spec.minReplicas (1 when unset)")
    MAX_REPLICAS = Col("max_replicas", INT, "spec.maxReplicas")
    CURRENT_REPLICAS = Col("current_replicas", INT, "status.currentReplicas")
    DESIRED_REPLICAS = Col("desired_replicas", INT, "status.desiredReplicas")
    METRICS = Col(
        "metrics", OBJECT, "spec.metrics as 'resource/cpu utilization=70%', 'pods/<name> average=1k'..."
    )
    CURRENT_METRICS = Col(
        "current_metrics", OBJECT, "status.currentMetrics, same form (metrics the controller could read)"
    )
    LAST_SCALE = Col("last_scale", TIME, "status.lastScaleTime")
    ABLE_TO_SCALE_STATUS = Col("able_to_scale_status", CATEGORY, "the AbleToScale condition's status")
    ABLE_TO_SCALE_REASON = Col("able_to_scale_reason", CATEGORY, "the AbleToScale condition's reason")
    ABLE_TO_SCALE_MESSAGE = Col("able_to_scale_message", STRING, "the AbleToScale condition's message")
    SCALING_ACTIVE_STATUS = Col("scaling_active_status", CATEGORY, "the ScalingActive condition's status")
    SCALING_ACTIVE_REASON = Col(
        "scaling_active_reason", CATEGORY, "the ScalingActive condition's reason (FailedGetResourceMetric...)"
    )
    SCALING_ACTIVE_MESSAGE = Col("scaling_active_message", STRING, "the ScalingActive condition's message")
    SCALING_LIMITED_STATUS = Col("scaling_limited_status", CATEGORY, "the ScalingLimited condition's status")
    SCALING_LIMITED_REASON = Col(
        "scaling_limited_reason", CATEGORY, "the ScalingLimited condition's reason (TooManyReplicas...)"
    )
    SCALING_LIMITED_MESSAGE = Col("scaling_limited_message", STRING, "the ScalingLimited condition's message")


class Pdbs(Frame, frame="pdbs", source="pdbs"):
    """One row per PodDisruptionBudget."""

    CREATED = Col("created", TIME, "metadata.creationTimestamp")
    LABELS = Col("labels", OBJECT, "metadata.labels as a dict")
    MIN_AVAILABLE = Col("min_available", STRING, "spec.minAvailable as written ('2', '50%')")
    MAX_UNAVAILABLE = Col("max_unavailable", STRING, "spec.maxUnavailable as written")
    SELECTOR = Col("selector", OBJECT, "spec.selector.matchLabels as a dict")
    SELECTOR_EXPRESSIONS = Col("selector_expressions", OBJECT, "spec.selector.matchExpressions")
    CURRENT_HEALTHY = Col("current_healthy", INT, "status.currentHealthy")
    DESIRED_HEALTHY = Col("desired_healthy", INT, "status.desiredHealthy")
    DISRUPTIONS_ALLOWED = Col("disruptions_allowed", INT, "status.disruptionsAllowed (0 blocks evictions)")
    EXPECTED_PODS = Col("expected_pods", INT, "status.expectedPods")
    DISRUPTION_REASON = Col(
        "disruption_reason", CATEGORY, "the DisruptionAllowed condition's reason (InsufficientPods...)"
    )
    UNHEALTHY_POD_EVICTION_POLICY = Col(
        "unhealthy_pod_eviction_policy", CATEGORY, "spec.unhealthyPodEvictionPolicy"
    )


class Namespaces(Frame, frame="namespaces", source="namespaces"):
    """One row per Namespace (namespace is '', name is the namespace)."""

    CREATED = Col("created", TIME, "metadata.creationTimestamp")
    DELETED = Col("deleted", TIME, "metadata.deletionTimestamp: set while it is terminating")
    LABELS = Col("labels", OBJECT, "metadata.labels as a dict")
    PHASE = Col("phase", CATEGORY, "status.phase (Active, Terminating)")
    MESSAGE = Col(
        "message", STRING, "messages of the True status conditions (what keeps a namespace terminating)"
    )


class _WebhookColumns:
    """One admission webhook of a configuration (a mixin shared by both webhook frames)."""

    CREATED = Col("created", TIME, "the configuration's metadata.creationTimestamp")
    WEBHOOK = Col("webhook", STRING, "the webhook's name")
    SERVICE_NAMESPACE = Col("service_namespace", CATEGORY, "clientConfig.service.namespace")
    SERVICE_NAME = Col("service_name", STRING, "clientConfig.service.name")
    SERVICE_PORT = Col("service_port", INT, "clientConfig.service.port (443 when unset)")
    SERVICE_PATH = Col("service_path", STRING, "clientConfig.service.path")
    URL = Col("url", STRING, "clientConfig.url (a webhook outside the cluster)")
    FAILURE_POLICY = Col("failure_policy", CATEGORY, "Fail or Ignore: what a call that fails does")
    SIDE_EFFECTS = Col("side_effects", CATEGORY, "sideEffects (None, NoneOnDryRun...)")
    TIMEOUT_SECONDS = Col("timeout_seconds", FLOAT, "timeoutSeconds (10 when unset)")
    RULES = Col("rules", OBJECT, "rules as 'CREATE,UPDATE apps/v1 deployments' (group '' shown as core)")
    NAMESPACE_SELECTOR = Col("namespace_selector", OBJECT, "namespaceSelector.matchLabels as a dict")
    NAMESPACE_SELECTOR_EXPRESSIONS = Col(
        "namespace_selector_expressions", OBJECT, "namespaceSelector.matchExpressions"
    )
    OBJECT_SELECTOR = Col("object_selector", OBJECT, "objectSelector.matchLabels as a dict")


class ValidatingWebhooks(_WebhookColumns, Frame, frame="validatingwebhooks", source="validatingwebhooks"):
    """One row per webhook of every ValidatingWebhookConfiguration (kind/name/uid: the configuration's)."""


class MutatingWebhooks(_WebhookColumns, Frame, frame="mutatingwebhooks", source="mutatingwebhooks"):
    """One row per webhook of every MutatingWebhookConfiguration (kind/name/uid: the configuration's)."""

    REINVOCATION_POLICY = Col("reinvocation_policy", CATEGORY, "reinvocationPolicy (Never, IfNeeded)")


# Custom resources (builders in _conditions.py).


class Conditions(Frame, frame="conditions", source="*"):
    """One row per status condition of every custom object; objects without conditions add no rows.

    kind/namespace/name/uid are the custom object's own.
    """

    API_VERSION = Col("api_version", CATEGORY, "the object's apiVersion (certs.example.com/v1)")
    GENERATION = Col("generation", INT, "the object's metadata.generation")
    TYPE = Col("type", CATEGORY, "the condition's type (Ready, Synced...)")
    STATUS = Col("status", CATEGORY, "True, False or Unknown (other text kept as written)")
    REASON = Col("reason", CATEGORY, "the condition's reason")
    MESSAGE = Col("message", STRING, "the condition's message")
    CHANGED = Col("changed", TIME, "lastTransitionTime")
    OBSERVED_GENERATION = Col(
        "observed_generation",
        INT,
        "the condition's observedGeneration (else status.observedGeneration): below generation is stale",
    )


class Crds(Frame, frame="crds", source="crds"):
    """One row per CustomResourceDefinition (cluster-scoped; name is 'plural.group')."""

    CREATED = Col("created", TIME, "metadata.creationTimestamp")
    LABELS = Col("labels", OBJECT, "metadata.labels as a dict")
    GROUP = Col("group", CATEGORY, "spec.group")
    RESOURCE_KIND = Col("resource_kind", STRING, "spec.names.kind: the kind it defines")
    PLURAL = Col("plural", STRING, "spec.names.plural")
    SCOPE = Col("scope", CATEGORY, "Namespaced or Cluster")
    VERSIONS = Col("versions", OBJECT, "names of the served versions, spec order")
    STORAGE_VERSION = Col("storage_version", CATEGORY, "the version with storage: true")
    STORED_VERSIONS = Col("stored_versions", OBJECT, "status.storedVersions (objects may still be stored in)")
    CONVERSION = Col("conversion", CATEGORY, "spec.conversion.strategy (None, Webhook)")
    ESTABLISHED_STATUS = Col("established_status", CATEGORY, "the Established condition's status")
    ESTABLISHED_MESSAGE = Col("established_message", STRING, "the Established condition's message")
    NAMES_ACCEPTED_STATUS = Col("names_accepted_status", CATEGORY, "the NamesAccepted condition's status")
    NAMES_ACCEPTED_MESSAGE = Col(
        "names_accepted_message", STRING, "the NamesAccepted condition's message (a name conflict...)"
    )
