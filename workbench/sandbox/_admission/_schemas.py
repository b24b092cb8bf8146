"""The Go types behind the fields the sandbox reads, for decode-time type checks.

Each node names the Go struct and type a JSON value must decode into, so a mismatch can be
reported with the text Go's ``encoding/json`` produces.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Scalar:
    go_type: str
    json_kind: str  # "string", "number" or "bool"
    integer: bool = False


@dataclass(frozen=True, slots=True)
class Struct:
    name: str
    go_type: str
    fields: Mapping[str, Node] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Slice:
    elem: Node
    go_type: str


@dataclass(frozen=True, slots=True)
class StrMap:
    go_type: str = "map[string]string"


@dataclass(frozen=True, slots=True)
class QuantityMap:
    go_type: str = "v1.ResourceList"


@dataclass(frozen=True, slots=True)
class BytesMap:
    go_type: str = "map[string][]uint8"


@dataclass(frozen=True, slots=True)
class IntOrString:
    go_type: str = "intstr.IntOrString"


Node = Scalar | Struct | Slice | StrMap | QuantityMap | BytesMap | IntOrString

STR = Scalar("string", "string")

I32 = Scalar("int32", "number", integer=True)

I64 = Scalar("int64", "number", integer=True)

BOOL = Scalar("bool", "bool")

STRS = Slice(STR, "[]string")

MAP = StrMap()

IOS = IntOrString()


def _struct(struct_name: str, pkg: str = "v1", /, **fields: Node) -> Struct:
    return Struct(struct_name, f"{pkg}.{struct_name}", fields)


def _strs(*names: str) -> dict[str, Node]:
    return dict.fromkeys(names, STR)


META = _struct(
    "ObjectMeta", labels=MAP, annotations=MAP, finalizers=STRS, **_strs("name", "generateName", "namespace")
)

SELECTOR = _struct(
    "LabelSelector",
    matchLabels=MAP,
    matchExpressions=Slice(
        _struct("LabelSelectorRequirement", values=STRS, **_strs("key", "operator")),
        "[]v1.LabelSelectorRequirement",
    ),
)

_HTTP_GET = _struct("HTTPGetAction", port=IOS, **_strs("path", "scheme", "host"))

_PROBE = _struct(
    "Probe",
    httpGet=_HTTP_GET,
    tcpSocket=_struct("TCPSocketAction", port=IOS),
    exec=_struct("ExecAction", command=STRS),
    **dict.fromkeys(
        ("initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold"),
        I32,
    ),
)

_CONTAINER = _struct(
    "Container",
    command=STRS,
    args=STRS,
    ports=Slice(
        _struct("ContainerPort", containerPort=I32, hostPort=I32, **_strs("name", "protocol", "hostIP")),
        "[]v1.ContainerPort",
    ),
    env=Slice(_struct("EnvVar", **_strs("name", "value")), "[]v1.EnvVar"),
    resources=_struct("ResourceRequirements", limits=QuantityMap(), requests=QuantityMap()),
    volumeMounts=Slice(
        _struct("VolumeMount", readOnly=BOOL, **_strs("name", "mountPath", "subPath")), "[]v1.VolumeMount"
    ),
    livenessProbe=_PROBE,
    readinessProbe=_PROBE,
    startupProbe=_PROBE,
    stdin=BOOL,
    tty=BOOL,
    **_strs(
        "name", "image", "imagePullPolicy", "workingDir", "terminationMessagePath", "terminationMessagePolicy"
    ),
)

_CONTAINERS = Slice(_CONTAINER, "[]v1.Container")

POD_SPEC = _struct(
    "PodSpec",
    containers=_CONTAINERS,
    initContainers=_CONTAINERS,
    volumes=Slice(_struct("Volume", name=STR), "[]v1.Volume"),
    tolerations=Slice(
        _struct("Toleration", tolerationSeconds=I64, **_strs("key", "operator", "value", "effect")),
        "[]v1.Toleration",
    ),
    nodeSelector=MAP,
    terminationGracePeriodSeconds=I64,
    activeDeadlineSeconds=I64,
    priority=I32,
    **dict.fromkeys(
        ("hostNetwork", "hostPID", "hostIPC", "enableServiceLinks", "automountServiceAccountToken"), BOOL
    ),
    **_strs(
        "restartPolicy",
        "dnsPolicy",
        "serviceAccountName",
        "serviceAccount",
        "nodeName",
        "schedulerName",
        "priorityClassName",
        "hostname",
        "subdomain",
        "preemptionPolicy",
    ),
)

TEMPLATE = _struct("PodTemplateSpec", metadata=META, spec=POD_SPEC)

_JOB_SPEC = _struct(
    "JobSpec",
    selector=SELECTOR,
    template=TEMPLATE,
    activeDeadlineSeconds=I64,
    suspend=BOOL,
    manualSelector=BOOL,
    **dict.fromkeys(("parallelism", "completions", "backoffLimit", "ttlSecondsAfterFinished"), I32),
    **_strs("completionMode", "podReplacementPolicy"),
)

_BACKEND = _struct(
    "IngressBackend",
    service=_struct(
        "IngressServiceBackend",
        name=STR,
        port=_struct("ServiceBackendPort", name=STR, number=I32),
    ),
)
_PVC_SPEC = _struct(
    "PersistentVolumeClaimSpec",
    accessModes=STRS,
    resources=_struct("VolumeResourceRequirements", limits=QuantityMap(), requests=QuantityMap()),
    **_strs("storageClassName", "volumeMode", "volumeName"),
)


def top(kind: str, pkg: str = "v1", /, **fields: Node) -> Struct:
    return _struct(kind, pkg, metadata=META, **fields)


SCHEMAS: dict[str, Struct] = {
    "Pod": top("Pod", spec=POD_SPEC),
    "Deployment": top(
        "Deployment",
        spec=_struct(
            "DeploymentSpec",
            selector=SELECTOR,
            template=TEMPLATE,
            paused=BOOL,
            strategy=_struct(
                "DeploymentStrategy",
                type=STR,
                rollingUpdate=_struct("RollingUpdateDeployment", maxSurge=IOS, maxUnavailable=IOS),
            ),
            **dict.fromkeys(
                ("replicas", "minReadySeconds", "revisionHistoryLimit", "progressDeadlineSeconds"), I32
            ),
        ),
    ),
    "ReplicaSet": top(
        "ReplicaSet",
        spec=_struct(
            "ReplicaSetSpec", selector=SELECTOR, template=TEMPLATE, replicas=I32, minReadySeconds=I32
        ),
    ),
    "StatefulSet": top(
        "StatefulSet",
        spec=_struct(
            "StatefulSetSpec",
            selector=SELECTOR,
            template=TEMPLATE,
            updateStrategy=_struct(
                "StatefulSetUpdateStrategy",
                type=STR,
                rollingUpdate=_struct("RollingUpdateStatefulSetStrategy", partition=I32, maxUnavailable=IOS),
            ),
            volumeClaimTemplates=Slice(
                _struct("PersistentVolumeClaim", metadata=META, spec=_PVC_SPEC), "[]v1.PersistentVolumeClaim"
            ),
            **dict.fromkeys(("replicas", "minReadySeconds", "revisionHistoryLimit"), I32),
            **_strs("serviceName", "podManagementPolicy"),
        ),
    ),
    "DaemonSet": top(
        "DaemonSet",
        spec=_struct(
            "DaemonSetSpec",
            selector=SELECTOR,
            template=TEMPLATE,
            updateStrategy=_struct(
                "DaemonSetUpdateStrategy",
                type=STR,
                rollingUpdate=_struct("RollingUpdateDaemonSet", maxSurge=IOS, maxUnavailable=IOS),
            ),
            minReadySeconds=I32,
            revisionHistoryLimit=I32,
        ),
    ),
    "Job": top("Job", spec=_JOB_SPEC),
    "CronJob": top(
        "CronJob",
        spec=_struct(
            "CronJobSpec",
            jobTemplate=_struct("JobTemplateSpec", metadata=META, spec=_JOB_SPEC),
            suspend=BOOL,
            startingDeadlineSeconds=I64,
            successfulJobsHistoryLimit=I32,
            failedJobsHistoryLimit=I32,
            **_strs("schedule", "timeZone", "concurrencyPolicy"),
        ),
    ),
    "Service": top(
        "Service",
        spec=_struct(
            "ServiceSpec",
            ports=Slice(
                _struct("ServicePort", port=I32, nodePort=I32, targetPort=IOS, **_strs("name", "protocol")),
                "[]v1.ServicePort",
            ),
            selector=MAP,
            clusterIPs=STRS,
            externalIPs=STRS,
            ipFamilies=STRS,
            allocateLoadBalancerNodePorts=BOOL,
            healthCheckNodePort=I32,
            **_strs(
                "type",
                "clusterIP",
                "sessionAffinity",
                "externalName",
                "externalTrafficPolicy",
                "internalTrafficPolicy",
                "ipFamilyPolicy",
            ),
        ),
    ),
    "ConfigMap": top("ConfigMap", data=MAP, binaryData=BytesMap(), immutable=BOOL),
    "Secret": top("Secret", data=BytesMap(), stringData=MAP, type=STR, immutable=BOOL),
    "PersistentVolumeClaim": top("PersistentVolumeClaim", spec=_PVC_SPEC),
    "PersistentVolume": top(
        "PersistentVolume",
        spec=_struct(
            "PersistentVolumeSpec",
            capacity=QuantityMap(),
            accessModes=STRS,
            **_strs("persistentVolumeReclaimPolicy", "storageClassName", "volumeMode"),
        ),
    ),
    "Namespace": top("Namespace", spec=_struct("NamespaceSpec", finalizers=STRS)),
    "HorizontalPodAutoscaler": top(
        "HorizontalPodAutoscaler",
        "v2",
        spec=_struct(
            "HorizontalPodAutoscalerSpec",
            "v2",
            scaleTargetRef=_struct(
                "CrossVersionObjectReference", "v2", **_strs("apiVersion", "kind", "name")
            ),
            minReplicas=I32,
            maxReplicas=I32,
            targetCPUUtilizationPercentage=I32,
            metrics=Slice(
                _struct(
                    "MetricSpec",
                    "v2",
                    type=STR,
                    resource=_struct(
                        "ResourceMetricSource",
                        "v2",
                        name=STR,
                        target=_struct("MetricTarget", "v2", type=STR, averageUtilization=I32),
                    ),
                ),
                "[]v2.MetricSpec",
            ),
        ),
    ),
    "Ingress": top(
        "Ingress",
        spec=_struct(
            "IngressSpec",
            ingressClassName=STR,
            defaultBackend=_BACKEND,
            rules=Slice(
                _struct(
                    "IngressRule",
                    host=STR,
                    http=_struct(
                        "HTTPIngressRuleValue",
                        paths=Slice(
                            _struct("HTTPIngressPath", backend=_BACKEND, **_strs("path", "pathType")),
                            "[]v1.HTTPIngressPath",
                        ),
                    ),
                ),
                "[]v1.IngressRule",
            ),
        ),
    ),
    "NetworkPolicy": top(
        "NetworkPolicy", spec=_struct("NetworkPolicySpec", podSelector=SELECTOR, policyTypes=STRS)
    ),
}
