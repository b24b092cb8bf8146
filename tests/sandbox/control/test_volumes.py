"""PersistentVolumeClaims: binding, kind's local-path provisioning, the real Pending events, reclaim."""

from __future__ import annotations

from typing import Any

from tests.conftest import Kubectl
from workbench import sandbox

NOT_HELPFUL_3 = "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."


def claim(name: str, *, storage_class: str | None = None, size: str = "1Gi", **spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "accessModes": ["ReadWriteOnce"],
        "resources": {"requests": {"storage": size}},
        **spec,
    }
    if storage_class is not None:
        body["storageClassName"] = storage_class
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": name, "namespace": "default"},
        "spec": body,
    }


def volume(name: str, *, size: str = "5Gi", policy: str = "Retain", **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {"name": name, "labels": {"tier": "db"}},
        "spec": {
            "capacity": {"storage": size},
            "accessModes": ["ReadWriteOnce"],
            "persistentVolumeReclaimPolicy": policy,
            "storageClassName": "",
            "hostPath": {"path": f"/data/{name}"},
            **spec,
        },
    }


def user(name: str, claim_name: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "containers": [
                {"name": "db", "image": "postgres:16", "volumeMounts": [{"name": "d", "mountPath": "/d"}]}
            ],
            "volumes": [{"name": "d", "persistentVolumeClaim": {"claimName": claim_name}}],
        },
    }


def create(sb: sandbox.Sandbox, obj: dict[str, Any]) -> None:
    sb.control.cluster.create(obj["kind"], obj, manager="kubectl-create")


def get(sb: sandbox.Sandbox, kind: str, name: str) -> dict[str, Any]:
    found = sb.control.cluster.get(kind, "" if kind == "PersistentVolume" else "default", name)
    assert found is not None, f"{kind} {name} is gone"
    return found


def events(sb: sandbox.Sandbox, name: str, reason: str) -> list[dict[str, Any]]:
    return [
        e
        for e in sb.control.cluster.objects("Event")
        if e["involvedObject"]["name"] == name and e["reason"] == reason
    ]


def test_wait_for_first_consumer_then_local_path_provisioning(sb: sandbox.Sandbox, kubectl: Kubectl) -> None:
    create(sb, claim("data", storage_class="standard"))
    create(sb, claim("plain"))  # no class: the default class, kind's standard, applies
    sb.advance(31)
    assert get(sb, "PersistentVolumeClaim", "data")["status"]["phase"] == "Pending"
    assert [e["message"] for e in events(sb, "plain", "WaitForFirstConsumer")] == [
        "waiting for first consumer to be created before binding"
    ]
    [waiting] = events(sb, "data", "WaitForFirstConsumer")
    assert waiting["message"] == "waiting for first consumer to be created before binding"
    assert (waiting["type"], waiting["source"]["component"]) == ("Normal", "persistentvolume-controller")
    assert waiting["count"] >= 3  # the controller looks again every 15 s
    create(sb, user("db", "data"))
    sb.advance(2)
    db = get(sb, "Pod", "db")
    node = db["spec"]["nodeName"]
    data = get(sb, "PersistentVolumeClaim", "data")
    assert data["status"] == {
        "phase": "Bound",
        "accessModes": ["ReadWriteOnce"],
        "capacity": {"storage": "1Gi"},
    }
    pv_name = f"pvc-{data['metadata']['uid']}"
    assert data["spec"]["volumeName"] == pv_name
    annotations = data["metadata"]["annotations"]
    assert annotations["volume.kubernetes.io/selected-node"] == node
    assert annotations["pv.kubernetes.io/bind-completed"] == "yes"
    assert annotations["pv.kubernetes.io/bound-by-controller"] == "yes"
    assert annotations["volume.kubernetes.io/storage-provisioner"] == "rancher.io/local-path"
    pv = get(sb, "PersistentVolume", pv_name)
    assert pv["status"]["phase"] == "Bound"
    assert pv["spec"]["claimRef"]["uid"] == data["metadata"]["uid"]
    assert pv["spec"]["persistentVolumeReclaimPolicy"] == "Delete"
    term = pv["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"][0]["matchExpressions"][0]
    assert term == {"key": "kubernetes.io/hostname", "operator": "In", "values": [node]}
    [provisioning] = events(sb, "data", "Provisioning")
    assert provisioning["message"] == 'External provisioner is provisioning volume for claim "default/data"'
    assert provisioning["source"]["component"].startswith("rancher.io/local-path_local-path-provisioner-")
    [done] = events(sb, "data", "ProvisioningSucceeded")
    assert done["message"] == f"Successfully provisioned volume {pv_name}"
    [external] = events(sb, "data", "ExternalProvisioning")
    assert "external provisioner 'rancher.io/local-path'" in external["message"]
    row = kubectl("get", "pvc", "data", "--no-headers").stdout.split()
    assert row[:6] == ["data", "Bound", pv_name, "1Gi", "RWO", "standard"]
    described = kubectl("describe", "pvc", "data").stdout
    assert "WaitForFirstConsumer" in described
    assert "ProvisioningSucceeded" in described
    # The volume is pinned to its node: when the pod comes back it must go there again.
    sb.control.cluster.delete("Pod", "default", "db")
    sb.advance(5)
    create(sb, user("db", "data"))
    sb.advance(2)
    assert get(sb, "Pod", "db")["spec"]["nodeName"] == node
    # Delete reclaim policy: the claim's deletion takes the provisioned volume with it.
    sb.control.cluster.delete("Pod", "default", "db")
    sb.advance(5)
    sb.control.cluster.delete("PersistentVolumeClaim", "default", "data")
    sb.advance(2)
    assert sb.control.cluster.get("PersistentVolume", "", pv_name) is None


def test_a_missing_storage_class_keeps_the_claim_pending(sb: sandbox.Sandbox, kubectl: Kubectl) -> None:
    create(sb, claim("fast-data", storage_class="fast"))
    create(sb, user("app", "fast-data"))
    create(sb, user("lost", "nope"))
    sb.advance(31)
    assert get(sb, "PersistentVolumeClaim", "fast-data")["status"]["phase"] == "Pending"
    [failed] = events(sb, "fast-data", "ProvisioningFailed")
    assert (failed["type"], failed["message"]) == ("Warning", 'storageclass.storage.k8s.io "fast" not found')
    assert failed["count"] >= 3
    app = get(sb, "Pod", "app")
    scheduled = next(c for c in app["status"]["conditions"] if c["type"] == "PodScheduled")
    assert scheduled["message"] == (
        f"0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. {NOT_HELPFUL_3}"
    )
    lost = next(c for c in get(sb, "Pod", "lost")["status"]["conditions"] if c["type"] == "PodScheduled")
    assert (
        lost["message"] == f'0/3 nodes are available: persistentvolumeclaim "nope" not found. {NOT_HELPFUL_3}'
    )
    assert 'storageclass.storage.k8s.io "fast" not found' in kubectl("describe", "pvc", "fast-data").stdout
    # Creating the class is an event the claim and the pod both retry on.
    create(
        sb,
        {
            "apiVersion": "storage.k8s.io/v1",
            "kind": "StorageClass",
            "metadata": {"name": "fast"},
            "provisioner": "rancher.io/local-path",
            "volumeBindingMode": "WaitForFirstConsumer",
        },
    )
    sb.advance(20)
    assert get(sb, "PersistentVolumeClaim", "fast-data")["status"]["phase"] == "Bound"
    assert get(sb, "Pod", "app")["spec"].get("nodeName") in ("kind-worker", "kind-worker2")


def test_without_a_class_a_claim_waits_for_a_matching_volume(sb: sandbox.Sandbox) -> None:
    create(sb, claim("manual", storage_class="", size="2Gi", selector={"matchLabels": {"tier": "db"}}))
    create(sb, volume("too-small", size="1Gi"))
    create(sb, volume("shared-only", accessModes=["ReadWriteMany"]))
    other = volume("other-tier")
    other["metadata"]["labels"] = {"tier": "web"}
    create(sb, other)
    sb.advance(16)
    assert get(sb, "PersistentVolumeClaim", "manual")["status"]["phase"] == "Pending"
    [failed] = events(sb, "manual", "FailedBinding")
    assert failed["message"] == "no persistent volumes available for this claim and no storage class is set"
    assert {get(sb, "PersistentVolume", n)["status"]["phase"] for n in ("too-small", "shared-only")} == {
        "Available"
    }
    create(sb, volume("db-disk", size="5Gi"))
    create(sb, volume("db-huge", size="50Gi"))
    sb.advance(15)  # a pending claim is looked at again on the controller's 15 s resync
    manual = get(sb, "PersistentVolumeClaim", "manual")
    assert manual["spec"]["volumeName"] == "db-disk"  # the smallest that fits
    assert manual["status"]["capacity"] == {"storage": "5Gi"}
    pv = get(sb, "PersistentVolume", "db-disk")
    assert pv["status"]["phase"] == "Bound"
    assert pv["metadata"]["annotations"]["pv.kubernetes.io/bound-by-controller"] == "yes"
    assert pv["spec"]["claimRef"]["name"] == "manual"
    # Retain: the claim's deletion leaves the volume Released, its data kept.
    sb.control.cluster.delete("PersistentVolumeClaim", "default", "manual")
    sb.advance(1)
    released = get(sb, "PersistentVolume", "db-disk")
    assert released["status"]["phase"] == "Released"
    assert released["spec"]["claimRef"]["name"] == "manual"


def test_a_pod_waits_for_a_static_local_volume_on_a_node(sb: sandbox.Sandbox) -> None:
    create(
        sb,
        {
            "apiVersion": "storage.k8s.io/v1",
            "kind": "StorageClass",
            "metadata": {"name": "local"},
            "provisioner": "kubernetes.io/no-provisioner",
            "volumeBindingMode": "WaitForFirstConsumer",
        },
    )
    create(sb, claim("cache", storage_class="local"))
    create(sb, user("cache-user", "cache"))
    sb.advance(2)
    scheduled = next(
        c for c in get(sb, "Pod", "cache-user")["status"]["conditions"] if c["type"] == "PodScheduled"
    )
    assert scheduled["message"] == (
        "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, "
        f"2 node(s) didn't find available persistent volumes to bind. {NOT_HELPFUL_3}"
    )
    term = {
        "matchExpressions": [{"key": "kubernetes.io/hostname", "operator": "In", "values": ["kind-worker2"]}]
    }
    create(
        sb,
        volume(
            "local-disk", storageClassName="local", nodeAffinity={"required": {"nodeSelectorTerms": [term]}}
        ),
    )
    sb.advance(15)
    assert get(sb, "Pod", "cache-user")["spec"]["nodeName"] == "kind-worker2"
    assert get(sb, "PersistentVolumeClaim", "cache")["spec"]["volumeName"] == "local-disk"
    assert get(sb, "PersistentVolume", "local-disk")["status"]["phase"] == "Bound"


def test_a_static_volume_with_the_delete_policy_fails_to_be_deleted(sb: sandbox.Sandbox) -> None:
    create(sb, volume("scratch", policy="Delete"))
    create(sb, claim("scratch-claim", storage_class=""))
    sb.advance(1)
    assert get(sb, "PersistentVolume", "scratch")["status"]["phase"] == "Bound"
    sb.control.cluster.delete("PersistentVolumeClaim", "default", "scratch-claim")
    sb.advance(1)
    failed = get(sb, "PersistentVolume", "scratch")
    message = "host_path deleter only supports /tmp/.+ but received provided /data/scratch"
    assert failed["status"]["phase"] == "Failed"
    assert failed["status"]["message"] == message
    [event] = events(sb, "scratch", "VolumeFailedDelete")
    assert (event["type"], event["message"]) == ("Warning", message)
