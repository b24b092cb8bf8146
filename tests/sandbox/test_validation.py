"""Validation: the 422 a real 1.32 kube-apiserver returns, message and details alike."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from workbench.errors import SandboxApiError
from workbench.sandbox._admission import AdmissionContext, apply_defaults, validate

DNS1123_SUBDOMAIN = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
    "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for "
    "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
DNS1123_LABEL = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
    "start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for "
    "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
DNS1035_LABEL = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', "
    "regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
)
UPDATABLE = (
    "pod updates may not change fields other than `spec.containers[*].image`,"
    "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions "
    "to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was "
    "previously negative)"
)
GROUPS = {
    "Deployment": "apps",
    "ReplicaSet": "apps",
    "StatefulSet": "apps",
    "DaemonSet": "apps",
    "Job": "batch",
    "CronJob": "batch",
    "HorizontalPodAutoscaler": "autoscaling",
    "Ingress": "networking.k8s.io",
    "NetworkPolicy": "networking.k8s.io",
}


def ctx(old: dict[str, Any] | None = None) -> AdmissionContext:
    ports = iter(range(30000, 32768))
    return AdmissionContext(
        now=datetime(2026, 11, 28, tzinfo=UTC),
        allocate_cluster_ip=lambda: "10.96.0.10",
        allocate_node_port=lambda: next(ports),
        random_suffix=lambda n: "x7k2q"[:n],
        old=old,
    )


def admit(kind: str, body: dict[str, Any], old: dict[str, Any] | None = None) -> dict[str, Any]:
    """Default then validate, as the write path does; returns what would be stored."""
    obj = apply_defaults(kind, body, ctx(old))
    validate(kind, obj, old=old, group=GROUPS.get(kind, ""))
    return obj


def refused(kind: str, body: dict[str, Any], old: dict[str, Any] | None = None) -> SandboxApiError:
    with pytest.raises(SandboxApiError) as err:
        admit(kind, body, old)
    return err.value


def container(name: str = "app", image: str = "nginx:1.27", **extra: Any) -> dict[str, Any]:
    return {"name": name, "image": image, **extra}


def pod(*containers: dict[str, Any], name: str = "web", **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "shop"},
        "spec": {"containers": list(containers) or [container()], **spec},
    }


def deployment(**spec: Any) -> dict[str, Any]:
    base = {
        "replicas": 2,
        "selector": {"matchLabels": {"app": "api"}},
        "template": {"metadata": {"labels": {"app": "api"}}, "spec": {"containers": [container()]}},
    }
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "api"}, "spec": base | spec}


def workload(kind: str, **spec: Any) -> dict[str, Any]:
    body = deployment(**spec)
    body["kind"] = kind
    body["spec"].pop("replicas") if kind == "DaemonSet" else None
    return body


def job(**spec: Any) -> dict[str, Any]:
    template = {"spec": {"containers": [container(image="busybox")], "restartPolicy": "Never"}}
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "migrate", "uid": "0b1c2d3e"},
        "spec": {"template": template} | spec,
    }


def cron_job(schedule: str = "*/5 * * * *", **spec: Any) -> dict[str, Any]:
    template = {"spec": {"containers": [container(image="busybox")], "restartPolicy": "OnFailure"}}
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "nightly"},
        "spec": {"schedule": schedule, "jobTemplate": {"spec": {"template": template}}} | spec,
    }


def service(**spec: Any) -> dict[str, Any]:
    base = {"selector": {"app": "api"}, "ports": [{"port": 80, "targetPort": 8080}]}
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "api"}, "spec": base | spec}


def mutate(body: dict[str, Any], change: Callable[[dict[str, Any]], object]) -> dict[str, Any]:
    out = copy.deepcopy(body)
    change(out)
    return out


# --- Message and details shape ----------------------------------------------------------------


def test_single_cause_matches_the_real_status_exactly() -> None:
    err = refused("Deployment", deployment(replicas=-1))
    assert err.code == 422
    assert err.reason == "Invalid"
    assert err.message == (
        'Deployment.apps "api" is invalid: spec.replicas: Invalid value: -1: '
        "must be greater than or equal to 0"
    )
    assert err.details == {
        "name": "api",
        "group": "apps",
        "kind": "Deployment",
        "causes": [
            {
                "reason": "FieldValueInvalid",
                "message": "Invalid value: -1: must be greater than or equal to 0",
                "field": "spec.replicas",
            }
        ],
    }
    status = err.to_status()
    assert (status["kind"], status["status"], status["code"]) == ("Status", "Failure", 422)


def test_several_causes_are_bracketed_and_core_kinds_have_no_group() -> None:
    body = pod(container(name="Bad_Name", image="", imagePullPolicy="Sometimes"))
    err = refused("Pod", body)
    assert err.message == (
        'Pod "web" is invalid: ['
        f'spec.containers[0].name: Invalid value: "Bad_Name": {DNS1123_LABEL}, '
        "spec.containers[0].image: Required value, "
        'spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes": supported values: '
        '"Always", "IfNotPresent", "Never"]'
    )
    assert err.details["kind"] == "Pod"
    assert "group" not in err.details
    assert [(c["reason"], c["field"]) for c in err.details["causes"]] == [
        ("FieldValueInvalid", "spec.containers[0].name"),
        ("FieldValueRequired", "spec.containers[0].image"),
        ("FieldValueNotSupported", "spec.containers[0].imagePullPolicy"),
    ]
    assert err.details["causes"][1]["message"] == "Required value"


def test_a_missing_name_reports_an_empty_name() -> None:
    err = refused("ConfigMap", {"metadata": {}})
    assert (
        err.message
        == 'ConfigMap "" is invalid: metadata.name: Required value: name or generateName is required'
    )
    assert "name" not in err.details


def test_duplicate_messages_appear_once_in_the_text_but_every_cause_is_kept() -> None:
    body = pod(
        container(ports=[{"containerPort": 80, "hostPort": 80}, {"containerPort": 81, "hostPort": 80}])
    )
    err = refused("Pod", body)
    assert err.message == (
        'Pod "web" is invalid: spec.containers[0].ports[1].hostPort: Duplicate value: "TCP//80"'
    )
    assert err.details["causes"] == [
        {
            "reason": "FieldValueDuplicate",
            "message": 'Duplicate value: "TCP//80"',
            "field": "spec.containers[0].ports[1].hostPort",
        }
    ]


# --- Table of the errors users hit ------------------------------------------------------------

CASES: list[tuple[str, str, dict[str, Any], str]] = [
    # Object metadata
    (
        "bad pod name",
        "Pod",
        mutate(pod(), lambda b: b["metadata"].update(name="Web_1")),
        f'Pod "Web_1" is invalid: metadata.name: Invalid value: "Web_1": {DNS1123_SUBDOMAIN}',
    ),
    (
        "service names are DNS-1035 labels",
        "Service",
        mutate(service(), lambda b: b["metadata"].update(name="1api")),
        f'Service "1api" is invalid: metadata.name: Invalid value: "1api": {DNS1035_LABEL}',
    ),
    (
        "namespace names may not contain dots",
        "Namespace",
        {"metadata": {"name": "team.a"}},
        'Namespace "team.a" is invalid: metadata.name: Invalid value: "team.a": must not contain dots',
    ),
    (
        "bad generateName",
        "Pod",
        mutate(pod(), lambda b: b["metadata"].update(name="ok", generateName="Web-")),
        f'Pod "ok" is invalid: metadata.generateName: Invalid value: "Web-": {DNS1123_SUBDOMAIN}',
    ),
    (
        "bad label value",
        "ConfigMap",
        {"metadata": {"name": "cfg", "labels": {"tier": "front end"}}},
        'ConfigMap "cfg" is invalid: metadata.labels: Invalid value: "front end": a valid label must be an '
        "empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with "
        "an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation "
        "is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
    ),
    (
        "bad label key",
        "ConfigMap",
        {"metadata": {"name": "cfg", "labels": {"/tier": "web"}}},
        'ConfigMap "cfg" is invalid: metadata.labels: Invalid value: "/tier": prefix part must be non-empty',
    ),
    # Pods
    (
        "no containers",
        "Pod",
        pod(container()) | {"spec": {"containers": []}},
        'Pod "web" is invalid: spec.containers: Required value',
    ),
    (
        "duplicate container names",
        "Pod",
        pod(container(), container()),
        'Pod "web" is invalid: spec.containers[1].name: Duplicate value: "app"',
    ),
    (
        "restart policy enum",
        "Pod",
        pod(restartPolicy="Sometimes"),
        'Pod "web" is invalid: spec.restartPolicy: Unsupported value: "Sometimes": supported values: '
        '"Always", "OnFailure", "Never"',
    ),
    (
        "container port out of range",
        "Pod",
        pod(container(ports=[{"containerPort": 70000}])),
        'Pod "web" is invalid: spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be '
        "between 1 and 65535, inclusive",
    ),
    (
        "protocol enum",
        "Pod",
        pod(container(ports=[{"containerPort": 80, "protocol": "HTTP"}])),
        'Pod "web" is invalid: spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported '
        'values: "SCTP", "TCP", "UDP"',
    ),
    (
        "duplicate port names",
        "Pod",
        pod(container(ports=[{"containerPort": 80, "name": "http"}, {"containerPort": 81, "name": "http"}])),
        'Pod "web" is invalid: spec.containers[0].ports[1].name: Duplicate value: "http"',
    ),
    (
        "requests above limits",
        "Pod",
        pod(container(resources={"requests": {"cpu": "2"}, "limits": {"cpu": "1"}})),
        'Pod "web" is invalid: spec.containers[0].resources.requests: Invalid value: "2": must be less than '
        "or equal to cpu limit of 1",
    ),
    (
        "negative quantity",
        "Pod",
        pod(container(resources={"requests": {"memory": "-1Gi"}})),
        'Pod "web" is invalid: spec.containers[0].resources.requests[memory]: Invalid value: "-1Gi": must '
        "be greater than or equal to 0",
    ),
    (
        "unknown resource name (limits are copied to requests first)",
        "Pod",
        pod(container(resources={"limits": {"gpu": "1"}})),
        'Pod "web" is invalid: ['
        + ", ".join(
            f'spec.containers[0].resources.{kind}[gpu]: Invalid value: "gpu": {msg}'
            for kind in ("limits", "requests")
            for msg in (
                "must be a standard resource type or fully qualified",
                "must be a standard resource for containers",
            )
        )
        + "]",
    ),
    (
        "mount of an undeclared volume",
        "Pod",
        pod(container(volumeMounts=[{"name": "data", "mountPath": "/data"}])),
        'Pod "web" is invalid: spec.containers[0].volumeMounts[0].name: Not found: "data"',
    ),
    (
        "configMap volume without a name",
        "Pod",
        pod(volumes=[{"name": "cfg", "configMap": {}}]),
        'Pod "web" is invalid: spec.volumes[0].configMap.name: Required value',
    ),
    (
        "probe without a handler",
        "Pod",
        pod(container(livenessProbe={"periodSeconds": 5})),
        'Pod "web" is invalid: spec.containers[0].livenessProbe: Required value: must specify a handler type',
    ),
    (
        "liveness success threshold",
        "Pod",
        pod(container(livenessProbe={"tcpSocket": {"port": 80}, "successThreshold": 2})),
        'Pod "web" is invalid: spec.containers[0].livenessProbe.successThreshold: '
        "Invalid value: 2: must be 1",
    ),
    (
        "numeric string port is a port name",
        "Pod",
        pod(container(readinessProbe={"httpGet": {"port": "8080"}})),
        'Pod "web" is invalid: spec.containers[0].readinessProbe.httpGet.port: Invalid value: "8080": must '
        "contain at least one letter (a-z)",
    ),
    (
        "env var from nothing",
        "Pod",
        pod(container(env=[{"name": "A", "valueFrom": {}}])),
        'Pod "web" is invalid: spec.containers[0].env[0].valueFrom: Invalid value: "": must specify one of: '
        "`fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`",
    ),
    (
        "env var name with '='",
        "Pod",
        pod(container(env=[{"name": "A=B", "value": "1"}])),
        'Pod "web" is invalid: spec.containers[0].env[0].name: Invalid value: "A=B": a valid environment '
        "variable name must consist only of printable ASCII characters other than '='",
    ),
    (
        "toleration with seconds but no NoExecute",
        "Pod",
        pod(tolerations=[{"key": "k", "operator": "Exists", "tolerationSeconds": 5}]),
        'Pod "web" is invalid: spec.tolerations[0].effect: Invalid value: "": effect must be \'NoExecute\' '
        "when `tolerationSeconds` is set",
    ),
    (
        "init container probe",
        "Pod",
        pod(initContainers=[container(name="init", readinessProbe={"exec": {"command": ["true"]}})]),
        'Pod "web" is invalid: spec.initContainers[0].readinessProbe: Forbidden: may not be set for init '
        "containers without restartPolicy=Always",
    ),
    # Workloads
    (
        "selector does not match",
        "Deployment",
        deployment(selector={"matchLabels": {"app": "other"}}),
        'Deployment.apps "api" is invalid: spec.template.metadata.labels: Invalid value: '
        'map[string]string{"app":"api"}: `selector` does not match template `labels`',
    ),
    (
        "selector missing",
        "Deployment",
        mutate(deployment(), lambda b: b["spec"].pop("selector")),
        'Deployment.apps "api" is invalid: [spec.selector: Required value, spec.template.metadata.labels: '
        'Invalid value: map[string]string{"app":"api"}: `selector` does not match template `labels`]',
    ),
    (
        "empty selector",
        "Deployment",
        deployment(selector={}),
        'Deployment.apps "api" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:'
        "map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is "
        "invalid for deployment",
    ),
    (
        "template restart policy",
        "Deployment",
        mutate(deployment(), lambda b: b["spec"]["template"]["spec"].update(restartPolicy="Never")),
        'Deployment.apps "api" is invalid: spec.template.spec.restartPolicy: Unsupported value: "Never": '
        'supported values: "Always"',
    ),
    (
        "template pod spec is validated",
        "ReplicaSet",
        mutate(workload("ReplicaSet"), lambda b: b["spec"]["template"]["spec"]["containers"][0].pop("image")),
        'ReplicaSet.apps "api" is invalid: spec.template.spec.containers[0].image: Required value',
    ),
    (
        "bad max surge percent",
        "Deployment",
        deployment(strategy={"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25"}}),
        'Deployment.apps "api" is invalid: spec.strategy.rollingUpdate.maxSurge: Invalid value: '
        'intstr.IntOrString{Type:1, IntVal:0, StrVal:"25"}: a valid percent string must be a numeric '
        "string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
    ),
    (
        "rolling update that can never progress",
        "Deployment",
        deployment(strategy={"rollingUpdate": {"maxSurge": 0, "maxUnavailable": 0}}),
        'Deployment.apps "api" is invalid: spec.strategy.rollingUpdate.maxUnavailable: Invalid value: '
        'intstr.IntOrString{Type:0, IntVal:0, StrVal:""}: may not be 0 when `maxSurge` is 0',
    ),
    (
        "statefulset names are DNS labels",
        "StatefulSet",
        mutate(workload("StatefulSet"), lambda b: b["metadata"].update(name="db.primary")),
        'StatefulSet.apps "db.primary" is invalid: metadata.name: Invalid value: "db.primary": must not '
        "contain dots",
    ),
    (
        "daemonset without a selector",
        "DaemonSet",
        mutate(workload("DaemonSet"), lambda b: b["spec"].pop("selector")),
        'DaemonSet.apps "api" is invalid: spec.template.metadata.labels: Invalid value: '
        'map[string]string{"app":"api"}: `selector` does not match template `labels`',
    ),
    # Jobs and CronJobs
    (
        "job restart policy defaulted to Always",
        "Job",
        mutate(job(), lambda b: b["spec"]["template"]["spec"].pop("restartPolicy")),
        'Job.batch "migrate" is invalid: spec.template.spec.restartPolicy: Unsupported value: "Always": '
        'supported values: "OnFailure", "Never"',
    ),
    (
        "negative backoff limit",
        "Job",
        job(backoffLimit=-1),
        'Job.batch "migrate" is invalid: spec.backoffLimit: Invalid value: -1: '
        "must be greater than or equal to 0",
    ),
    (
        "manual selector that matches nothing",
        "Job",
        job(manualSelector=True, selector={"matchLabels": {"app": "x"}}),
        'Job.batch "migrate" is invalid: spec.template.metadata.labels: Invalid value: '
        "map[string]string(nil): `selector` does not match template `labels`",
    ),
    (
        "cron schedule with one field",
        "CronJob",
        cron_job("x"),
        'CronJob.batch "nightly" is invalid: spec.schedule: Invalid value: "x": expected exactly 5 fields, '
        "found 1: [x]",
    ),
    (
        "cron minute out of range",
        "CronJob",
        cron_job("61 * * * *"),
        'CronJob.batch "nightly" is invalid: spec.schedule: Invalid value: "61 * * * *": end of range (61) '
        "above maximum (59): 61",
    ),
    (
        "cron field that is not a number",
        "CronJob",
        cron_job("0 x * * *"),
        'CronJob.batch "nightly" is invalid: spec.schedule: Invalid value: "0 x * * *": failed to parse int '
        'from x: strconv.Atoi: parsing "x": invalid syntax',
    ),
    (
        "unknown cron descriptor",
        "CronJob",
        cron_job("@fortnightly"),
        'CronJob.batch "nightly" is invalid: spec.schedule: Invalid value: "@fortnightly": unrecognized '
        "descriptor: @fortnightly",
    ),
    (
        "TZ in the schedule",
        "CronJob",
        cron_job("TZ=UTC 0 * * * *"),
        'CronJob.batch "nightly" is invalid: spec.schedule: Invalid value: "TZ=UTC 0 * * * *": cannot use TZ '
        "or CRON_TZ in schedule, use timeZone field instead",
    ),
    (
        "concurrency policy enum",
        "CronJob",
        cron_job(concurrencyPolicy="Never"),
        'CronJob.batch "nightly" is invalid: spec.concurrencyPolicy: Unsupported value: "Never": supported '
        'values: "Allow", "Forbid", "Replace"',
    ),
    (
        "cronjob name too long",
        "CronJob",
        mutate(cron_job(), lambda b: b["metadata"].update(name="n" * 53)),
        f'CronJob.batch "{"n" * 53}" is invalid: metadata.name: Invalid value: "{"n" * 53}": must be no more '
        "than 52 characters",
    ),
    # Services
    (
        "ports required",
        "Service",
        service(ports=[]),
        'Service "api" is invalid: spec.ports: Required value',
    ),
    (
        "several ports need names",
        "Service",
        service(ports=[{"port": 80}, {"port": 443}]),
        'Service "api" is invalid: [spec.ports[0].name: Required value, spec.ports[1].name: Required value]',
    ),
    (
        "duplicate port names",
        "Service",
        service(ports=[{"name": "web", "port": 80}, {"name": "web", "port": 443}]),
        'Service "api" is invalid: spec.ports[1].name: Duplicate value: "web"',
    ),
    (
        "service type enum",
        "Service",
        service(type="Internal"),
        'Service "api" is invalid: spec.type: Unsupported value: "Internal": supported values: "ClusterIP", '
        '"ExternalName", "LoadBalancer", "NodePort"',
    ),
    (
        "target port range",
        "Service",
        service(ports=[{"port": 80, "targetPort": 99999}]),
        'Service "api" is invalid: spec.ports[0].targetPort: Invalid value: 99999: must be between 1 and '
        "65535, inclusive",
    ),
    (
        "node port outside the range",
        "Service",
        service(type="NodePort", ports=[{"port": 80, "nodePort": 8080}]),
        'Service "api" is invalid: spec.ports[0].nodePort: Invalid value: 8080: provided port is not in the '
        "valid range. The range of valid ports is 30000-32767",
    ),
    (
        "node port on a ClusterIP service",
        "Service",
        service(ports=[{"port": 80, "nodePort": 30080}]),
        'Service "api" is invalid: spec.ports[0].nodePort: Forbidden: '
        "may not be used when `type` is 'ClusterIP'",
    ),
    (
        "bad cluster IP",
        "Service",
        service(clusterIP="10.96.0.300"),
        'Service "api" is invalid: spec.clusterIPs[0]: Invalid value: "10.96.0.300": must be a valid IP '
        "address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
    ),
    # Config, storage, autoscaling, ingress
    (
        "configmap key",
        "ConfigMap",
        {"metadata": {"name": "cfg"}, "data": {"app config": "x"}},
        'ConfigMap "cfg" is invalid: data[app config]: Invalid value: "app config": a valid config key must '
        "consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or "
        "'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
    ),
    (
        "secret stringData key",
        "Secret",
        {"metadata": {"name": "s"}, "stringData": {"..": "x"}},
        'Secret "s" is invalid: data[..]: Invalid value: "..": must not be \'..\'',
    ),
    (
        "TLS secret without its keys",
        "Secret",
        {"metadata": {"name": "tls"}, "type": "kubernetes.io/tls", "data": {"tls.crt": "Y2VydA=="}},
        'Secret "tls" is invalid: data[tls.key]: Required value',
    ),
    (
        "PVC without modes or size",
        "PersistentVolumeClaim",
        {"metadata": {"name": "data"}, "spec": {}},
        'PersistentVolumeClaim "data" is invalid: [spec.accessModes: Required value: at least 1 access mode '
        "is required, spec.resources[storage]: Required value]",
    ),
    (
        "PVC access mode enum",
        "PersistentVolumeClaim",
        {
            "metadata": {"name": "data"},
            "spec": {"accessModes": ["ReadWriteAlways"], "resources": {"requests": {"storage": "1Gi"}}},
        },
        'PersistentVolumeClaim "data" is invalid: spec.accessModes: Unsupported value: "ReadWriteAlways": '
        'supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"',
    ),
    (
        "HPA bounds and target",
        "HorizontalPodAutoscaler",
        {
            "apiVersion": "autoscaling/v2",
            "metadata": {"name": "api"},
            "spec": {"minReplicas": 5, "maxReplicas": 2},
        },
        'HorizontalPodAutoscaler.autoscaling "api" is invalid: [spec.maxReplicas: Invalid value: 2: must be '
        "greater than or equal to `minReplicas`, spec.scaleTargetRef.kind: Required value, "
        "spec.scaleTargetRef.name: Required value]",
    ),
    (
        "HPA minReplicas zero",
        "HorizontalPodAutoscaler",
        {
            "metadata": {"name": "api"},
            "spec": {
                "minReplicas": 0,
                "maxReplicas": 2,
                "scaleTargetRef": {"kind": "Deployment", "name": "api"},
            },
        },
        'HorizontalPodAutoscaler.autoscaling "api" is invalid: spec.minReplicas: Invalid value: 0: must be '
        "greater than or equal to 1",
    ),
    (
        "ingress path type missing",
        "Ingress",
        {
            "metadata": {"name": "web"},
            "spec": {
                "rules": [
                    {
                        "http": {
                            "paths": [
                                {"path": "/", "backend": {"service": {"name": "web", "port": {"number": 80}}}}
                            ]
                        }
                    }
                ]
            },
        },
        'Ingress.networking.k8s.io "web" is invalid: spec.rules[0].http.paths[0].pathType: Required value: '
        "pathType must be specified",
    ),
    (
        "ingress backend without a port",
        "Ingress",
        {
            "metadata": {"name": "web"},
            "spec": {
                "rules": [
                    {
                        "http": {
                            "paths": [
                                {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "web"}}}
                            ]
                        }
                    }
                ]
            },
        },
        'Ingress.networking.k8s.io "web" is invalid: spec.rules[0].http.paths[0].backend: Required value: '
        "port name or number is required",
    ),
]


@pytest.mark.parametrize(("kind", "body", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_refused_with_the_real_message(kind: str, body: dict[str, Any], message: str) -> None:
    err = refused(kind, body)
    assert (err.code, err.reason) == (422, "Invalid")
    assert err.message == message
    assert err.details["kind"] == kind
    assert err.details.get("group", "") == GROUPS.get(kind, "")
    for cause in err.details["causes"]:
        assert f"{cause['field']}: {cause['message']}" in message


VALID: list[tuple[str, dict[str, Any]]] = [
    (
        "Pod",
        pod(container(ports=[{"containerPort": 80, "name": "http"}], resources={"limits": {"cpu": "1"}})),
    ),
    (
        "Pod",
        pod(
            initContainers=[
                container(name="init", restartPolicy="Always", startupProbe={"exec": {"command": ["true"]}})
            ]
        ),
    ),
    ("Deployment", deployment()),
    ("Deployment", deployment(strategy={"type": "Recreate"})),
    ("ReplicaSet", workload("ReplicaSet")),
    ("DaemonSet", workload("DaemonSet")),
    ("StatefulSet", workload("StatefulSet") | {"metadata": {"name": "db"}}),
    ("Job", job()),
    ("Job", job(completionMode="Indexed", completions=3, parallelism=3)),
    ("CronJob", cron_job()),
    ("CronJob", cron_job("@hourly")),
    ("CronJob", cron_job("0 9-17/2 * jan-jun mon-fri", timeZone="Europe/Berlin")),
    ("Service", service()),
    (
        "Service",
        service(type="NodePort", ports=[{"port": 80, "name": "http"}, {"port": 443, "name": "https"}]),
    ),
    ("Service", service(clusterIP="None", ports=[])),
    ("Service", service(type="ExternalName", externalName="db.example.com.", selector=None, ports=[])),
    ("ConfigMap", {"metadata": {"name": "cfg"}, "data": {"app.properties": "a=b"}}),
    ("Secret", {"metadata": {"name": "s"}, "data": {"password": "aHVudGVyMg=="}}),
    ("Namespace", {"metadata": {"name": "team-a"}}),
    ("ServiceAccount", {"metadata": {"name": "builder"}}),
    (
        "PersistentVolumeClaim",
        {
            "metadata": {"name": "d"},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
        },
    ),
    (
        "HorizontalPodAutoscaler",
        {
            "metadata": {"name": "h"},
            "spec": {"maxReplicas": 3, "scaleTargetRef": {"kind": "Deployment", "name": "api"}},
        },
    ),
    ("NetworkPolicy", {"metadata": {"name": "deny"}, "spec": {"podSelector": {}}}),
    ("Widget", {"apiVersion": "example.com/v1", "metadata": {"name": "w"}, "spec": {"anything": True}}),
]


@pytest.mark.parametrize(("kind", "body"), VALID, ids=[f"{k}-{i}" for i, (k, _) in enumerate(VALID)])
def test_valid_objects_pass_after_defaulting(kind: str, body: dict[str, Any]) -> None:
    admit(kind, body)


def test_unknown_kinds_still_get_metadata_checks() -> None:
    err = refused("Widget", {"metadata": {"name": "Widget One"}})
    assert err.message.startswith(
        'Widget "Widget One" is invalid: metadata.name: Invalid value: "Widget One"'
    )


# --- Updates ----------------------------------------------------------------------------------


def test_pod_image_and_added_tolerations_may_change() -> None:
    stored = admit("Pod", pod())
    new = mutate(stored, lambda b: b["spec"]["containers"][0].update(image="nginx:1.28"))
    new["spec"]["tolerations"].append({"key": "spot", "operator": "Exists"})
    assert admit("Pod", new, old=stored)["spec"]["containers"][0]["image"] == "nginx:1.28"


def test_pod_spec_changes_are_forbidden_with_the_real_text() -> None:
    stored = admit("Pod", pod())
    err = refused("Pod", mutate(stored, lambda b: b["spec"].update(restartPolicy="Never")), old=stored)
    assert err.message.startswith(f'Pod "web" is invalid: spec: Forbidden: {UPDATABLE}\n  core.PodSpec{{')
    assert '- \tRestartPolicy: "Always",' in err.message
    assert '+ \tRestartPolicy: "Never",' in err.message
    assert err.details["causes"][0]["reason"] == "FieldValueForbidden"
    assert err.details["causes"][0]["field"] == "spec"


def test_pod_containers_may_not_be_added() -> None:
    stored = admit("Pod", pod())
    err = refused(
        "Pod", mutate(stored, lambda b: b["spec"]["containers"].append(container("side"))), old=stored
    )
    assert (
        err.message
        == 'Pod "web" is invalid: spec.containers: Forbidden: pod updates may not add or remove containers'
    )


def test_pod_tolerations_may_not_be_removed_and_deadlines_only_shrink() -> None:
    stored = admit("Pod", pod(activeDeadlineSeconds=600))
    err = refused("Pod", mutate(stored, lambda b: b["spec"]["tolerations"].pop()), old=stored)
    assert err.message == (
        'Pod "web" is invalid: spec.tolerations: Forbidden: existing toleration can not be modified except '
        "its tolerationSeconds"
    )
    err = refused("Pod", mutate(stored, lambda b: b["spec"].update(activeDeadlineSeconds=900)), old=stored)
    assert err.message == (
        'Pod "web" is invalid: spec.activeDeadlineSeconds: Invalid value: 900: must be less than or equal '
        "to previous value"
    )
    admit("Pod", mutate(stored, lambda b: b["spec"].update(activeDeadlineSeconds=60)), old=stored)


def test_workload_selectors_are_immutable() -> None:
    stored = admit("Deployment", deployment())
    changed = mutate(stored, lambda b: b["spec"].update(selector={"matchLabels": {"app": "api", "v": "2"}}))
    changed["spec"]["template"]["metadata"]["labels"]["v"] = "2"
    err = refused("Deployment", changed, old=stored)
    assert err.message == (
        'Deployment.apps "api" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:'
        'map[string]string{"app":"api", "v":"2"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: '
        "field is immutable"
    )
    scaled = admit("Deployment", mutate(stored, lambda b: b["spec"].update(replicas=5)), old=stored)
    assert scaled["spec"]["replicas"] == 5


def test_statefulset_spec_is_mostly_immutable() -> None:
    stored = admit("StatefulSet", workload("StatefulSet", serviceName="db"))
    err = refused("StatefulSet", mutate(stored, lambda b: b["spec"].update(serviceName="other")), old=stored)
    assert err.message == (
        'StatefulSet.apps "api" is invalid: spec: Forbidden: updates to statefulset spec for fields other '
        "than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' "
        "and 'minReadySeconds' are forbidden"
    )
    admit("StatefulSet", mutate(stored, lambda b: b["spec"].update(replicas=3)), old=stored)


def test_job_template_and_selector_are_immutable_but_parallelism_is_not() -> None:
    stored = admit("Job", job())
    assert stored["spec"]["selector"] == {"matchLabels": {"batch.kubernetes.io/controller-uid": "0b1c2d3e"}}
    changed = mutate(
        stored, lambda b: b["spec"]["template"]["spec"]["containers"][0].update(image="busybox:2")
    )
    err = refused("Job", changed, old=stored)
    assert err.message == (
        'Job.batch "migrate" is invalid: spec.template: Invalid value: core.PodTemplateSpec{...}: '
        "field is immutable"
    )
    admit("Job", mutate(stored, lambda b: b["spec"].update(parallelism=4)), old=stored)


def test_suspended_jobs_may_change_scheduling_directives() -> None:
    stored = admit("Job", job(suspend=True))
    moved = mutate(stored, lambda b: b["spec"]["template"]["spec"].update(nodeSelector={"pool": "gpu"}))
    admit("Job", moved, old=stored)


def test_job_with_tampered_generated_labels_is_refused() -> None:
    body = job()
    body["spec"]["template"]["metadata"] = {"labels": {"controller-uid": "someone-else"}}
    err = refused("Job", body)
    assert err.details["causes"][0] == {
        "reason": "FieldValueInvalid",
        "message": (
            'Invalid value: map[string]string{"batch.kubernetes.io/controller-uid":"0b1c2d3e", '
            '"batch.kubernetes.io/job-name":"migrate", "controller-uid":"someone-else", '
            '"job-name":"migrate"}: must be \'0b1c2d3e\''
        ),
        "field": "spec.template.metadata.labels[controller-uid]",
    }


def test_service_cluster_ip_may_not_change_once_set() -> None:
    stored = admit("Service", service())
    err = refused(
        "Service",
        mutate(stored, lambda b: b["spec"].update(clusterIP="10.96.0.99", clusterIPs=["10.96.0.99"])),
        old=stored,
    )
    assert err.message == (
        'Service "api" is invalid: spec.clusterIPs[0]: Invalid value: []string{"10.96.0.99"}: '
        "may not change once set"
    )
    replaced = admit("Service", service(), old=stored)  # no clusterIP in the body: carried over
    assert replaced["spec"]["clusterIP"] == "10.96.0.10"


def test_immutable_configmaps_refuse_data_changes() -> None:
    stored = admit("ConfigMap", {"metadata": {"name": "cfg"}, "data": {"a": "1"}, "immutable": True})
    err = refused(
        "ConfigMap", {"metadata": {"name": "cfg"}, "data": {"a": "2"}, "immutable": True}, old=stored
    )
    assert (
        err.message
        == 'ConfigMap "cfg" is invalid: data: Forbidden: field is immutable when `immutable` is set'
    )


def test_pvc_spec_is_immutable_except_requests() -> None:
    stored = admit(
        "PersistentVolumeClaim",
        {
            "metadata": {"name": "d"},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
        },
    )
    grown = mutate(stored, lambda b: b["spec"]["resources"]["requests"].update(storage="2Gi"))
    admit("PersistentVolumeClaim", grown, old=stored)
    err = refused(
        "PersistentVolumeClaim",
        mutate(stored, lambda b: b["spec"].update(storageClassName="fast")),
        old=stored,
    )
    assert err.message == (
        'PersistentVolumeClaim "d" is invalid: spec: Forbidden: spec is immutable after creation except '
        "resources.requests and volumeAttributesClassName for bound claims"
    )


def test_type_errors_are_reported_by_validate_too() -> None:
    with pytest.raises(SandboxApiError) as err:
        validate(
            "Deployment", {"metadata": {"name": "d"}, "spec": {"replicas": True}}, old=None, group="apps"
        )
    assert err.value.code == 400
    assert err.value.message.endswith(
        "json: cannot unmarshal bool into Go struct field DeploymentSpec.spec.replicas of type int32"
    )
