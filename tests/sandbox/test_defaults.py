"""Defaulting: the objects a real 1.32 kube-apiserver returns for what kubectl sends."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from workbench.errors import SandboxApiError
from workbench.sandbox._admission import (
    AdmissionContext,
    apply_defaults,
    canonical_quantity,
    compute_qos_class,
    parse_quantity,
)

SUFFIX = "x7k2q"
TOKEN_VOLUME = f"kube-api-access-{SUFFIX}"


def make_ctx(old: dict[str, Any] | None = None) -> AdmissionContext:
    ips: Iterator[str] = (f"10.96.0.{n}" for n in range(10, 250))
    ports: Iterator[int] = iter(range(30000, 32768))
    return AdmissionContext(
        now=datetime(2026, 11, 28, 15, 44, 56, tzinfo=UTC),
        allocate_cluster_ip=lambda: next(ips),
        allocate_node_port=lambda: next(ports),
        random_suffix=lambda n: SUFFIX[:n],
        old=old,
    )


def defaulted(kind: str, obj: dict[str, Any], old: dict[str, Any] | None = None) -> dict[str, Any]:
    return apply_defaults(kind, obj, make_ctx(old))


def container_defaults(name: str, image: str, pull: str) -> dict[str, Any]:
    return {
        "name": name,
        "image": image,
        "resources": {},
        "imagePullPolicy": pull,
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
    }


TEMPLATE_SPEC_DEFAULTS = {
    "restartPolicy": "Always",
    "terminationGracePeriodSeconds": 30,
    "dnsPolicy": "ClusterFirst",
    "securityContext": {},
    "schedulerName": "default-scheduler",
}
TOKEN_MOUNT = {
    "name": TOKEN_VOLUME,
    "readOnly": True,
    "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
}
TOKEN_VOLUME_SPEC = {
    "name": TOKEN_VOLUME,
    "projected": {
        "defaultMode": 420,
        "sources": [
            {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
            {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
            {
                "downwardAPI": {
                    "items": [
                        {
                            "path": "namespace",
                            "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"},
                        }
                    ]
                }
            },
        ],
    },
}
DEFAULT_TOLERATIONS = [
    {
        "key": "node.kubernetes.io/not-ready",
        "operator": "Exists",
        "effect": "NoExecute",
        "tolerationSeconds": 300,
    },
    {
        "key": "node.kubernetes.io/unreachable",
        "operator": "Exists",
        "effect": "NoExecute",
        "tolerationSeconds": 300,
    },
]


# --- What `kubectl create ...` sends, and what comes back ------------------------------------


def test_kubectl_create_deployment_comes_back_fully_defaulted() -> None:
    body = {
        "kind": "Deployment",
        "apiVersion": "apps/v1",
        "metadata": {"name": "x", "creationTimestamp": None, "labels": {"app": "x"}},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "x"}},
            "template": {
                "metadata": {"creationTimestamp": None, "labels": {"app": "x"}},
                "spec": {"containers": [{"name": "nginx", "image": "nginx", "resources": {}}]},
            },
            "strategy": {},
        },
        "status": {},
    }
    assert defaulted("Deployment", body) == {
        "kind": "Deployment",
        "apiVersion": "apps/v1",
        "metadata": {"name": "x", "creationTimestamp": None, "labels": {"app": "x"}},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "x"}},
            "template": {
                "metadata": {"creationTimestamp": None, "labels": {"app": "x"}},
                "spec": {
                    "containers": [container_defaults("nginx", "nginx", "Always")],
                    **TEMPLATE_SPEC_DEFAULTS,
                },
            },
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"},
            },
            "revisionHistoryLimit": 10,
            "progressDeadlineSeconds": 600,
        },
        "status": {},
    }


def test_kubectl_run_pod_gets_admission_plugins_and_status() -> None:
    body = {
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": {"name": "nginx", "namespace": "default", "labels": {"run": "nginx"}},
        "spec": {
            "containers": [{"name": "nginx", "image": "nginx:1.27", "resources": {}}],
            "restartPolicy": "Always",
            "dnsPolicy": "ClusterFirst",
        },
        "status": {},
    }
    container = container_defaults("nginx", "nginx:1.27", "IfNotPresent")
    container["volumeMounts"] = [TOKEN_MOUNT]
    assert defaulted("Pod", body) == {
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": {"name": "nginx", "namespace": "default", "labels": {"run": "nginx"}},
        "spec": {
            "containers": [container],
            **TEMPLATE_SPEC_DEFAULTS,
            "enableServiceLinks": True,
            "serviceAccountName": "default",
            "serviceAccount": "default",
            "volumes": [TOKEN_VOLUME_SPEC],
            "priority": 0,
            "preemptionPolicy": "PreemptLowerPriority",
            "tolerations": DEFAULT_TOLERATIONS,
        },
        "status": {"phase": "Pending", "qosClass": "BestEffort"},
    }


def test_a_mirror_pod_gets_no_service_account_or_token_volume() -> None:
    body = {
        "metadata": {
            "name": "etcd-node-1",
            "namespace": "kube-system",
            "annotations": {"kubernetes.io/config.mirror": "abc"},
        },
        "spec": {"containers": [{"name": "etcd", "image": "registry.k8s.io/etcd:3.5.16-0"}]},
    }
    spec = defaulted("Pod", body)["spec"]
    assert "serviceAccountName" not in spec
    assert "serviceAccount" not in spec
    assert "volumes" not in spec
    assert spec["tolerations"] == DEFAULT_TOLERATIONS


def test_kubectl_create_service_clusterip_allocates_an_ip() -> None:
    body = {
        "kind": "Service",
        "apiVersion": "v1",
        "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {
            "ports": [{"name": "80-8080", "protocol": "TCP", "port": 80, "targetPort": 8080}],
            "selector": {"app": "web"},
            "type": "ClusterIP",
        },
        "status": {"loadBalancer": {}},
    }
    assert defaulted("Service", body) == {
        "kind": "Service",
        "apiVersion": "v1",
        "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {
            "ports": [{"name": "80-8080", "protocol": "TCP", "port": 80, "targetPort": 8080}],
            "selector": {"app": "web"},
            "type": "ClusterIP",
            "sessionAffinity": "None",
            "internalTrafficPolicy": "Cluster",
            "ipFamilyPolicy": "SingleStack",
            "ipFamilies": ["IPv4"],
            "clusterIP": "10.96.0.10",
            "clusterIPs": ["10.96.0.10"],
        },
        "status": {"loadBalancer": {}},
    }


def test_kubectl_create_job_generates_selector_and_labels_from_uid() -> None:
    uid = "5f2b6c1e-0d1a-4c3b-9e8f-2a1b3c4d5e6f"
    body = {
        "kind": "Job",
        "apiVersion": "batch/v1",
        "metadata": {"name": "pi", "uid": uid},
        "spec": {
            "template": {
                "metadata": {"creationTimestamp": None},
                "spec": {
                    "containers": [{"name": "pi", "image": "perl:5.34", "resources": {}}],
                    "restartPolicy": "Never",
                },
            }
        },
        "status": {},
    }
    labels = {
        "batch.kubernetes.io/controller-uid": uid,
        "batch.kubernetes.io/job-name": "pi",
        "controller-uid": uid,
        "job-name": "pi",
    }
    assert defaulted("Job", body) == {
        "kind": "Job",
        "apiVersion": "batch/v1",
        "metadata": {"name": "pi", "uid": uid, "labels": labels},
        "spec": {
            "completions": 1,
            "parallelism": 1,
            "backoffLimit": 6,
            "completionMode": "NonIndexed",
            "suspend": False,
            "podReplacementPolicy": "TerminatingOrFailed",
            "manualSelector": False,
            "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}},
            "template": {
                "metadata": {"creationTimestamp": None, "labels": labels},
                "spec": {
                    "containers": [container_defaults("pi", "perl:5.34", "IfNotPresent")],
                    **TEMPLATE_SPEC_DEFAULTS,
                    "restartPolicy": "Never",
                },
            },
        },
        "status": {},
    }


def test_kubectl_create_cronjob_defaults_the_job_template_pod_only() -> None:
    body = {
        "kind": "CronJob",
        "apiVersion": "batch/v1",
        "metadata": {"name": "nightly"},
        "spec": {
            "schedule": "0 3 * * *",
            "jobTemplate": {
                "metadata": {"name": "nightly"},
                "spec": {
                    "template": {
                        "spec": {
                            "containers": [{"name": "nightly", "image": "busybox", "resources": {}}],
                            "restartPolicy": "OnFailure",
                        }
                    }
                },
            },
        },
    }
    out = defaulted("CronJob", body)
    assert out["spec"] | {"jobTemplate": None} == {
        "schedule": "0 3 * * *",
        "concurrencyPolicy": "Allow",
        "suspend": False,
        "successfulJobsHistoryLimit": 3,
        "failedJobsHistoryLimit": 1,
        "jobTemplate": None,
    }
    job_template = out["spec"]["jobTemplate"]
    # Job-level defaults (backoffLimit...) are not applied inside a CronJob's template.
    assert job_template == {
        "metadata": {"name": "nightly", "creationTimestamp": None},
        "spec": {
            "template": {
                "metadata": {"creationTimestamp": None},
                "spec": {
                    "containers": [container_defaults("nightly", "busybox", "Always")],
                    **TEMPLATE_SPEC_DEFAULTS,
                    "restartPolicy": "OnFailure",
                },
            }
        },
    }
    assert out["status"] == {}


# --- Pods -------------------------------------------------------------------------------------


def pod(*containers: dict[str, Any], **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {"containers": list(containers), **spec},
    }


def resources(requests: dict[str, str] | None = None, limits: dict[str, str] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"name": "c", "image": "app:1", "resources": {}}
    if requests is not None:
        out["resources"]["requests"] = requests
    if limits is not None:
        out["resources"]["limits"] = limits
    return out


@pytest.mark.parametrize(
    ("spec", "qos"),
    [
        pytest.param(pod(resources()), "BestEffort", id="nothing set"),
        pytest.param(pod(resources(requests={"cpu": "0"})), "BestEffort", id="zero requests ignored"),
        pytest.param(pod(resources(requests={"cpu": "100m"})), "Burstable", id="requests only"),
        pytest.param(
            pod(resources(limits={"cpu": "1", "memory": "1Gi"})), "Guaranteed", id="limits copied to requests"
        ),
        pytest.param(
            pod(resources(requests={"cpu": "1", "memory": "1Gi"}, limits={"cpu": "1", "memory": "1024Mi"})),
            "Guaranteed",
            id="equal after canonicalization",
        ),
        pytest.param(
            pod(resources(requests={"cpu": "500m", "memory": "1Gi"}, limits={"cpu": "1", "memory": "1Gi"})),
            "Burstable",
            id="requests below limits",
        ),
        pytest.param(pod(resources(limits={"cpu": "1"})), "Burstable", id="memory limit missing"),
        pytest.param(
            pod(resources(limits={"cpu": "1", "memory": "1Gi"}), {"name": "side", "image": "x"}),
            "Burstable",
            id="one container unlimited",
        ),
        pytest.param(
            pod(
                resources(limits={"cpu": "1", "memory": "1Gi"}),
                initContainers=[
                    {"name": "init", "image": "x", "resources": {"requests": {"memory": "10Mi"}}}
                ],
            ),
            "Burstable",
            id="init container counts",
        ),
        pytest.param(
            pod(resources(limits={"cpu": "1", "memory": "1Gi", "ephemeral-storage": "1Gi"})),
            "Guaranteed",
            id="other resources ignored",
        ),
    ],
)
def test_qos_class_follows_compute_pod_qos(spec: dict[str, Any], qos: str) -> None:
    out = defaulted("Pod", spec)
    assert out["status"]["qosClass"] == qos
    assert compute_qos_class(out) == qos


def test_requests_default_to_limits_only_for_pods_not_templates() -> None:
    out = defaulted(
        "Pod", pod(resources(requests={"memory": "64Mi"}, limits={"cpu": "0.5", "memory": "128Mi"}))
    )
    assert out["spec"]["containers"][0]["resources"] == {
        "requests": {"cpu": "500m", "memory": "64Mi"},
        "limits": {"cpu": "500m", "memory": "128Mi"},
    }
    deployment = {
        "metadata": {"name": "d"},
        "spec": {"template": {"spec": {"containers": [resources(limits={"cpu": "1"})]}}},
    }
    tpl = defaulted("Deployment", deployment)["spec"]["template"]["spec"]["containers"][0]
    assert tpl["resources"] == {"limits": {"cpu": "1"}}


@pytest.mark.parametrize(
    ("image", "policy"),
    [
        ("nginx", "Always"),
        ("nginx:latest", "Always"),
        ("nginx:1.27", "IfNotPresent"),
        ("registry.local:5000/team/app", "Always"),
        ("registry.local:5000/team/app:v2", "IfNotPresent"),
        ("nginx@sha256:" + "a" * 64, "IfNotPresent"),
        ("Shop/API", "IfNotPresent"),  # unparseable: no tag is found, as on a real server
    ],
)
def test_image_pull_policy_follows_the_tag(image: str, policy: str) -> None:
    out = defaulted("Pod", pod({"name": "c", "image": image}))
    assert out["spec"]["containers"][0]["imagePullPolicy"] == policy


def test_container_level_defaults_for_ports_probes_env_and_volumes() -> None:
    container = {
        "name": "c",
        "image": "app:1",
        "ports": [{"containerPort": 8080}],
        "env": [{"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
        "livenessProbe": {"httpGet": {"port": 8080}},
        "readinessProbe": {"tcpSocket": {"port": 8080}, "periodSeconds": 5},
        "volumeMounts": [{"name": "cfg", "mountPath": "/etc/cfg"}],
    }
    out = defaulted(
        "Pod", pod(container, volumes=[{"name": "cfg", "configMap": {"name": "cfg"}}, {"name": "tmp"}])
    )
    c = out["spec"]["containers"][0]
    assert c["ports"] == [{"containerPort": 8080, "protocol": "TCP"}]
    assert c["env"][0]["valueFrom"]["fieldRef"] == {"fieldPath": "metadata.name", "apiVersion": "v1"}
    assert c["livenessProbe"] == {
        "httpGet": {"port": 8080, "path": "/", "scheme": "HTTP"},
        "timeoutSeconds": 1,
        "periodSeconds": 10,
        "successThreshold": 1,
        "failureThreshold": 3,
    }
    assert c["readinessProbe"]["periodSeconds"] == 5
    assert c["volumeMounts"] == [{"name": "cfg", "mountPath": "/etc/cfg"}, TOKEN_MOUNT]
    assert out["spec"]["volumes"][:2] == [
        {"name": "cfg", "configMap": {"name": "cfg", "defaultMode": 420}},
        {"name": "tmp", "emptyDir": {}},
    ]


def test_host_network_pods_default_host_ports() -> None:
    out = defaulted(
        "Pod", pod({"name": "c", "image": "x", "ports": [{"containerPort": 53}]}, hostNetwork=True)
    )
    assert out["spec"]["containers"][0]["ports"] == [{"containerPort": 53, "protocol": "TCP", "hostPort": 53}]


def test_token_volume_skipped_when_automount_is_off_or_the_path_is_taken() -> None:
    off = defaulted("Pod", pod({"name": "c", "image": "x"}, automountServiceAccountToken=False))
    assert "volumes" not in off["spec"]
    assert "volumeMounts" not in off["spec"]["containers"][0]
    own = {
        "name": "c",
        "image": "x",
        "volumeMounts": [{"name": "mine", "mountPath": TOKEN_MOUNT["mountPath"]}],
    }
    taken = defaulted("Pod", pod(own, volumes=[{"name": "mine", "secret": {"secretName": "tok"}}]))
    assert [v["name"] for v in taken["spec"]["volumes"]] == ["mine"]
    assert taken["spec"]["serviceAccountName"] == "default"


def test_existing_token_volume_is_reused_and_init_containers_mount_it() -> None:
    spec_volume = copy.deepcopy(TOKEN_VOLUME_SPEC) | {"name": "kube-api-access-abcde"}
    out = defaulted(
        "Pod",
        pod({"name": "c", "image": "x"}, initContainers=[{"name": "i", "image": "x"}], volumes=[spec_volume]),
    )
    assert out["spec"]["volumes"] == [spec_volume]
    for key in ("initContainers", "containers"):
        assert out["spec"][key][0]["volumeMounts"][0]["name"] == "kube-api-access-abcde"


def test_service_account_name_and_deprecated_alias_stay_in_step() -> None:
    out = defaulted("Pod", pod({"name": "c", "image": "x"}, serviceAccount="builder"))
    assert (out["spec"]["serviceAccountName"], out["spec"]["serviceAccount"]) == ("builder", "builder")


def test_default_tolerations_respect_existing_ones() -> None:
    own = {
        "key": "node.kubernetes.io/not-ready",
        "operator": "Exists",
        "effect": "NoExecute",
        "tolerationSeconds": 5,
    }
    out = defaulted("Pod", pod({"name": "c", "image": "x"}, tolerations=[own]))
    assert out["spec"]["tolerations"] == [own, DEFAULT_TOLERATIONS[1]]
    everything = defaulted("Pod", pod({"name": "c", "image": "x"}, tolerations=[{"operator": "Exists"}]))
    assert everything["spec"]["tolerations"] == [{"operator": "Exists"}]


def test_system_priority_classes_set_their_priority() -> None:
    out = defaulted("Pod", pod({"name": "c", "image": "x"}, priorityClassName="system-node-critical"))
    assert (out["spec"]["priority"], out["spec"]["preemptionPolicy"]) == (2000001000, "PreemptLowerPriority")


def test_an_explicit_priority_the_plugin_disagrees_with_is_forbidden() -> None:
    with pytest.raises(SandboxApiError) as err:
        defaulted("Pod", pod({"name": "c", "image": "x"}, priority=10))
    assert err.value.code == 403
    assert err.value.reason == "Forbidden"
    assert err.value.message == (
        'pods "p" is forbidden: the integer value of priority (10) must not be provided in pod spec; '
        "priority admission controller computed 0 from the given PriorityClass name"
    )


def test_admission_plugins_run_on_create_only() -> None:
    created = defaulted("Pod", pod({"name": "c", "image": "x"}))
    replaced = defaulted("Pod", pod({"name": "c", "image": "x"}), old=created)
    assert "volumes" not in replaced["spec"]
    assert "tolerations" not in replaced["spec"]
    assert replaced["status"]["qosClass"] == "BestEffort"


def test_existing_pod_status_is_kept() -> None:
    body = pod({"name": "c", "image": "x"})
    body["status"] = {"phase": "Running", "qosClass": "Burstable"}
    assert defaulted("Pod", body)["status"] == {"phase": "Running", "qosClass": "Burstable"}


# --- Names and quantities ---------------------------------------------------------------------


def test_generate_name_appends_five_characters() -> None:
    out = defaulted("Pod", {"metadata": {"generateName": "web-"}, "spec": {"containers": []}})
    assert out["metadata"]["name"] == f"web-{SUFFIX}"
    long_prefix = "a" * 70
    out = defaulted("ConfigMap", {"metadata": {"generateName": long_prefix}})
    assert out["metadata"]["name"] == "a" * 58 + SUFFIX


def test_generate_name_leaves_given_names_and_updates_alone() -> None:
    named = defaulted("ConfigMap", {"metadata": {"name": "keep", "generateName": "web-"}})
    assert named["metadata"]["name"] == "keep"
    updated = defaulted("ConfigMap", {"metadata": {"generateName": "web-"}}, old={"metadata": {"name": "x"}})
    assert "name" not in updated["metadata"]


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("0.5", "500m"),
        (0.5, "500m"),
        (2, "2"),
        ("1000m", "1"),
        ("1000", "1k"),
        ("1.5k", "1500"),
        ("1024Mi", "1Gi"),
        ("1.5Gi", "1536Mi"),
        ("0.5Ki", "512"),
        ("100m", "100m"),
        ("1e3", "1e3"),
        ("0.0001", "1m"),  # resource lists are rounded up to milli precision
        ("0", "0"),
    ],
)
def test_quantities_come_back_canonical(raw: object, canonical: str) -> None:
    assert canonical_quantity(raw, round_milli=True) == canonical
    out = defaulted("Pod", pod(resources(requests={"cpu": raw})))  # type: ignore[dict-item]
    assert out["spec"]["containers"][0]["resources"]["requests"]["cpu"] == canonical


def test_quantity_parsing_rejects_garbage() -> None:
    assert canonical_quantity("abc") is None
    assert canonical_quantity("1Xi") is None
    assert parse_quantity("1Gi").value == 1024**3


# --- Workloads --------------------------------------------------------------------------------


def test_replica_set_and_daemon_set_defaults() -> None:
    rs = defaulted("ReplicaSet", {"metadata": {"name": "r"}, "spec": {"template": {}}})
    assert rs["spec"]["replicas"] == 1
    assert rs["status"] == {"replicas": 0}
    ds = defaulted(
        "DaemonSet", {"metadata": {"name": "d"}, "spec": {"template": {"spec": {"containers": []}}}}
    )
    assert ds["spec"]["updateStrategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0},
    }
    assert ds["spec"]["revisionHistoryLimit"] == 10
    assert ds["status"] == {
        "currentNumberScheduled": 0,
        "desiredNumberScheduled": 0,
        "numberMisscheduled": 0,
        "numberReady": 0,
    }


def test_stateful_set_defaults_include_claim_templates() -> None:
    body = {
        "metadata": {"name": "db"},
        "spec": {
            "serviceName": "db",
            "template": {"spec": {"containers": []}},
            "volumeClaimTemplates": [
                {
                    "metadata": {"name": "data"},
                    "spec": {
                        "accessModes": ["ReadWriteOnce"],
                        "resources": {"requests": {"storage": "1024Mi"}},
                    },
                }
            ],
        },
    }
    spec = defaulted("StatefulSet", body)["spec"]
    assert spec["podManagementPolicy"] == "OrderedReady"
    assert spec["updateStrategy"] == {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}
    assert spec["persistentVolumeClaimRetentionPolicy"] == {"whenDeleted": "Retain", "whenScaled": "Retain"}
    assert (spec["replicas"], spec["revisionHistoryLimit"], spec["serviceName"]) == (1, 10, "db")
    assert spec["volumeClaimTemplates"] == [
        {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {"name": "data", "creationTimestamp": None},
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": "1Gi"}},
                "volumeMode": "Filesystem",
            },
            "status": {"phase": "Pending"},
        }
    ]


def test_recreate_deployments_get_no_rolling_update_block() -> None:
    out = defaulted("Deployment", {"metadata": {"name": "d"}, "spec": {"strategy": {"type": "Recreate"}}})
    assert out["spec"]["strategy"] == {"type": "Recreate"}


def test_jobs_with_manual_selectors_are_left_alone() -> None:
    body = {
        "metadata": {"name": "j", "uid": "u1"},
        "spec": {
            "manualSelector": True,
            "selector": {"matchLabels": {"app": "j"}},
            "parallelism": 3,
            "template": {
                "metadata": {"labels": {"app": "j"}},
                "spec": {"containers": [], "restartPolicy": "Never"},
            },
        },
    }
    out = defaulted("Job", body)
    assert out["spec"]["selector"] == {"matchLabels": {"app": "j"}}
    assert out["spec"]["template"]["metadata"]["labels"] == {"app": "j"}
    assert out["metadata"]["labels"] == {"app": "j"}
    assert out["spec"]["parallelism"] == 3
    assert "completions" not in out["spec"]


def test_job_selector_is_not_regenerated_on_update() -> None:
    created = defaulted(
        "Job", {"metadata": {"name": "j", "uid": "u1"}, "spec": {"template": {"spec": {"containers": []}}}}
    )
    body = copy.deepcopy(created)
    del body["spec"]["selector"]
    assert "selector" not in defaulted("Job", body, old=created)["spec"]


def test_pod_failure_policy_switches_the_replacement_policy() -> None:
    body = {
        "metadata": {"name": "j", "uid": "u"},
        "spec": {"podFailurePolicy": {"rules": []}, "template": {}},
    }
    assert defaulted("Job", body)["spec"]["podReplacementPolicy"] == "Failed"


# --- Services ---------------------------------------------------------------------------------


def service(**spec: Any) -> dict[str, Any]:
    return {"metadata": {"name": "s"}, "spec": spec}


def test_node_port_and_load_balancer_services_get_node_ports() -> None:
    out = defaulted(
        "Service",
        service(type="LoadBalancer", selector={"a": "b"}, ports=[{"port": 80, "targetPort": "http"}]),
    )
    spec = out["spec"]
    assert spec["ports"] == [{"port": 80, "targetPort": "http", "protocol": "TCP", "nodePort": 30000}]
    assert (spec["externalTrafficPolicy"], spec["allocateLoadBalancerNodePorts"]) == ("Cluster", True)
    assert out["status"] == {"loadBalancer": {}}
    local = defaulted(
        "Service", service(type="LoadBalancer", externalTrafficPolicy="Local", ports=[{"port": 80}])
    )
    assert local["spec"]["healthCheckNodePort"] == 30001


def test_headless_and_external_name_services_get_no_ip() -> None:
    headless = defaulted("Service", service(clusterIP="None", ports=[{"port": 5432}]))["spec"]
    assert (headless["clusterIP"], headless["clusterIPs"]) == ("None", ["None"])
    assert headless["ipFamilyPolicy"] == "RequireDualStack"  # selectorless headless: every family
    selected = defaulted("Service", service(clusterIP="None", selector={"a": "b"}))["spec"]
    assert selected["ipFamilyPolicy"] == "SingleStack"
    external = defaulted("Service", service(type="ExternalName", externalName="db.example.com"))["spec"]
    assert external == {"type": "ExternalName", "externalName": "db.example.com", "sessionAffinity": "None"}


def test_client_ip_affinity_gets_its_timeout() -> None:
    out = defaulted("Service", service(sessionAffinity="ClientIP", ports=[{"port": 80}]))
    assert out["spec"]["sessionAffinityConfig"] == {"clientIP": {"timeoutSeconds": 10800}}


def test_service_update_keeps_allocated_ip_and_node_ports() -> None:
    created = defaulted("Service", service(type="NodePort", ports=[{"name": "http", "port": 80}]))
    replacement = service(type="NodePort", ports=[{"name": "http", "port": 80}])
    updated = defaulted("Service", replacement, old=created)["spec"]
    assert (updated["clusterIP"], updated["clusterIPs"]) == ("10.96.0.10", ["10.96.0.10"])
    assert updated["ports"][0]["nodePort"] == 30000
    assert updated["ipFamilies"] == ["IPv4"]


# --- Other kinds ------------------------------------------------------------------------------


def test_namespace_defaults_and_finalizers_kept_on_update() -> None:
    created = defaulted("Namespace", {"metadata": {"name": "shop"}})
    assert created == {
        "metadata": {"name": "shop", "labels": {"kubernetes.io/metadata.name": "shop"}},
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    }
    updated = defaulted("Namespace", {"metadata": {"name": "shop"}, "spec": {}}, old=created)
    assert updated["spec"] == {"finalizers": ["kubernetes"]}


@pytest.mark.parametrize(
    ("kind", "body", "expected"),
    [
        ("Secret", {"metadata": {"name": "s"}}, {"metadata": {"name": "s"}, "type": "Opaque"}),
        ("ServiceAccount", {"metadata": {"name": "sa"}}, {"metadata": {"name": "sa"}}),
        (
            "ConfigMap",
            {"metadata": {"name": "c"}, "data": {"k": "v"}},
            {"metadata": {"name": "c"}, "data": {"k": "v"}},
        ),
        (
            "PersistentVolumeClaim",
            {"metadata": {"name": "c"}, "spec": {"resources": {"requests": {"storage": "1000Mi"}}}},
            {
                "metadata": {"name": "c"},
                "spec": {"resources": {"requests": {"storage": "1000Mi"}}, "volumeMode": "Filesystem"},
                "status": {"phase": "Pending"},
            },
        ),
        (
            "PersistentVolume",
            {"metadata": {"name": "v"}, "spec": {"capacity": {"storage": "2048Mi"}}},
            {
                "metadata": {"name": "v"},
                "spec": {
                    "capacity": {"storage": "2Gi"},
                    "persistentVolumeReclaimPolicy": "Retain",
                    "volumeMode": "Filesystem",
                },
                "status": {"phase": "Pending"},
            },
        ),
        (
            "NetworkPolicy",
            {"metadata": {"name": "n"}, "spec": {"podSelector": {}, "egress": [{"ports": [{"port": 53}]}]}},
            {
                "metadata": {"name": "n"},
                "spec": {
                    "podSelector": {},
                    "egress": [{"ports": [{"port": 53, "protocol": "TCP"}]}],
                    "policyTypes": ["Ingress", "Egress"],
                },
            },
        ),
        (
            "Node",
            {"metadata": {"name": "n"}, "status": {"capacity": {"cpu": "4", "pods": "110"}}},
            {
                "metadata": {"name": "n"},
                "status": {
                    "capacity": {"cpu": "4", "pods": "110"},
                    "allocatable": {"cpu": "4", "pods": "110"},
                },
            },
        ),
        (
            "StorageClass",
            {"metadata": {"name": "fast"}, "provisioner": "rancher.io/local-path"},
            {
                "metadata": {"name": "fast"},
                "provisioner": "rancher.io/local-path",
                "reclaimPolicy": "Delete",
                "volumeBindingMode": "Immediate",
            },
        ),
        (
            "Endpoints",
            {"metadata": {"name": "e"}, "subsets": [{"ports": [{"port": 80}]}]},
            {"metadata": {"name": "e"}, "subsets": [{"ports": [{"port": 80, "protocol": "TCP"}]}]},
        ),
        (
            "Ingress",
            {"metadata": {"name": "i"}, "spec": {}},
            {"metadata": {"name": "i"}, "spec": {}, "status": {"loadBalancer": {}}},
        ),
        (
            "PodDisruptionBudget",
            {"metadata": {"name": "b"}, "spec": {"minAvailable": 1}},
            {
                "metadata": {"name": "b"},
                "spec": {"minAvailable": 1},
                "status": {
                    "currentHealthy": 0,
                    "desiredHealthy": 0,
                    "disruptionsAllowed": 0,
                    "expectedPods": 0,
                },
            },
        ),
    ],
)
def test_simple_kind_defaults(kind: str, body: dict[str, Any], expected: dict[str, Any]) -> None:
    assert defaulted(kind, body) == expected


def test_hpa_v2_defaults_metrics_and_fills_given_behavior() -> None:
    body = {
        "apiVersion": "autoscaling/v2",
        "metadata": {"name": "h"},
        "spec": {"maxReplicas": 5, "behavior": {"scaleDown": {"stabilizationWindowSeconds": 60}}},
    }
    out = defaulted("HorizontalPodAutoscaler", body)
    spec = out["spec"]
    assert spec["minReplicas"] == 1
    assert spec["metrics"] == [
        {
            "type": "Resource",
            "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}},
        }
    ]
    assert spec["behavior"] == {
        "scaleDown": {
            "selectPolicy": "Max",
            "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}],
            "stabilizationWindowSeconds": 60,
        },
        "scaleUp": {
            "stabilizationWindowSeconds": 0,
            "selectPolicy": "Max",
            "policies": [
                {"type": "Pods", "value": 4, "periodSeconds": 15},
                {"type": "Percent", "value": 100, "periodSeconds": 15},
            ],
        },
    }
    assert out["status"] == {"desiredReplicas": 0}
    assert (
        "behavior"
        not in defaulted("HorizontalPodAutoscaler", {"metadata": {"name": "h"}, "spec": {}})["spec"]
    )


def test_unknown_kinds_are_copied_unchanged() -> None:
    body = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {"size": 3}}
    assert defaulted("Widget", body) == body


# --- Contract ---------------------------------------------------------------------------------


def test_input_is_never_modified() -> None:
    body = pod(resources(limits={"cpu": "1", "memory": "1Gi"}))
    before = copy.deepcopy(body)
    defaulted("Pod", body)
    assert body == before


def test_context_is_a_frozen_value() -> None:
    ctx = make_ctx()
    with pytest.raises(dataclasses.FrozenInstanceError):
        ctx.old = {}  # type: ignore[misc]


@pytest.mark.parametrize(
    ("kind", "body", "message"),
    [
        (
            "Deployment",
            {"apiVersion": "apps/v1", "metadata": {"name": "d"}, "spec": {"replicas": "3"}},
            'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string '
            "into Go struct field DeploymentSpec.spec.replicas of type int32",
        ),
        (
            "Pod",
            {"apiVersion": "v1", "metadata": {"name": "p", "labels": {"version": 1}}},
            'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal number into Go struct '
            "field ObjectMeta.metadata.labels of type string",
        ),
        (
            "Pod",
            {
                "metadata": {"name": "p"},
                "spec": {"containers": [{"name": "c", "env": [{"name": "PORT", "value": 8080}]}]},
            },
            'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal number into Go struct '
            "field EnvVar.spec.containers.env.value of type string",
        ),
        (
            "Pod",
            {"metadata": {"name": "p"}, "spec": {"containers": {"name": "c"}}},
            'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal object into Go struct '
            "field PodSpec.spec.containers of type []v1.Container",
        ),
        (
            "Pod",
            {
                "metadata": {"name": "p"},
                "spec": {"containers": [{"name": "c", "resources": {"limits": {"cpu": "lots"}}}]},
            },
            'Pod in version "v1" cannot be handled as a Pod: quantities must match the regular expression '
            "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
        ),
        (
            "Secret",
            {"metadata": {"name": "s"}, "data": {"password": "hunter 2"}},
            'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 6',
        ),
        (
            "ConfigMap",
            {"metadata": {"name": "c"}, "data": {"port": 80}},
            'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal number into '
            "Go struct field ConfigMap.data of type string",
        ),
    ],
)
def test_bodies_that_do_not_decode_are_refused_with_400(
    kind: str, body: dict[str, Any], message: str
) -> None:
    with pytest.raises(SandboxApiError) as err:
        defaulted(kind, body)
    assert (err.value.code, err.value.reason, err.value.message) == (400, "BadRequest", message)
