"""Synthetic nodes: a handful of node pools, each rendered from one template."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from workbench.sandbox._scenarios._managed import default_managed_fields
from workbench.sandbox._synthetic._template import Template, hole
from workbench.sandbox._synthetic._words import NODE_POOLS, SAFE_ALPHABET, SIDECARS, ZONES

KUBELET_VERSION = "v1.32.2"
_SYSTEM_IMAGES = (
    ("registry.k8s.io/kube-proxy:v1.32.2", 30_875_616),
    ("602401143452.dkr.ecr.us-east-1.amazonaws.com/amazon-k8s-cni:v1.19.0", 45_236_419),
    ("602401143452.dkr.ecr.us-east-1.amazonaws.com/amazon-k8s-cni-init:v1.19.0", 60_313_848),
    ("registry.k8s.io/pause:3.10", 320_368),
)


@dataclass(frozen=True)
class NodeInfo:
    """What pods need to know about the node they run on."""

    name: str
    ip: str
    pod_prefix: str  # the first three octets of the node's /24 pod CIDR
    zone: str  # its topology.kubernetes.io/zone label


def _condition(kind: str, status: str, reason: str, message: str) -> dict[str, Any]:
    return {
        "type": kind,
        "status": status,
        "lastHeartbeatTime": hole("HEARTBEAT"),
        "lastTransitionTime": hole("CREATED") if kind != "Ready" else hole("READY_AT"),
        "reason": reason,
        "message": message,
    }


def _node_template(pool: tuple[str, str, str, str, str]) -> Template:
    letter, instance_type, cpu, memory, storage = pool
    name = hole("NAME")
    images = [
        {"names": [f"{ref.split(':')[0]}@sha256:{hole('DIGEST')}", ref], "sizeBytes": size}
        for ref, size in _SYSTEM_IMAGES
    ]
    images += [{"names": [ref], "sizeBytes": 20_000_000 + port * 997} for _, ref, port in SIDECARS]
    allocatable_cpu = f"{int(cpu) * 1000 - 90}m"
    node: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "uid": hole("UID"),
            "creationTimestamp": hole("CREATED"),
            "labels": {
                "beta.kubernetes.io/arch": "amd64",
                "beta.kubernetes.io/instance-type": instance_type,
                "beta.kubernetes.io/os": "linux",
                "failure-domain.beta.kubernetes.io/region": "us-east-1",
                "failure-domain.beta.kubernetes.io/zone": hole("ZONE"),
                "kubernetes.io/arch": "amd64",
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "node.kubernetes.io/instance-type": instance_type,
                "node-pool": f"pool-{letter}",
                "topology.kubernetes.io/region": "us-east-1",
                "topology.kubernetes.io/zone": hole("ZONE"),
            },
            "annotations": {
                "alpha.kubernetes.io/provided-node-ip": hole("IP"),
                "node.alpha.kubernetes.io/ttl": "0",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true",
            },
        },
        "spec": {
            "podCIDR": hole("CIDR"),
            "podCIDRs": [hole("CIDR")],
            "providerID": f"aws:///{hole('ZONE')}/i-0{hole('INSTANCE')}",
        },
        "status": {
            "capacity": {
                "cpu": cpu,
                "ephemeral-storage": storage,
                "hugepages-1Gi": "0",
                "hugepages-2Mi": "0",
                "memory": memory,
                "pods": "110",
            },
            "allocatable": {
                "cpu": allocatable_cpu,
                "ephemeral-storage": storage,
                "hugepages-1Gi": "0",
                "hugepages-2Mi": "0",
                "memory": memory,
                "pods": "110",
            },
            "conditions": [
                _condition(
                    "MemoryPressure",
                    "False",
                    "KubeletHasSufficientMemory",
                    "kubelet has sufficient memory available",
                ),
                _condition(
                    "DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"
                ),
                _condition(
                    "PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"
                ),
                _condition("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
            ],
            "addresses": [
                {"type": "InternalIP", "address": hole("IP")},
                {"type": "InternalDNS", "address": f"ip-{hole('DASHED_IP')}.ec2.internal"},
                {"type": "Hostname", "address": name},
            ],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "machineID": hole("MACHINE"),
                "systemUUID": hole("SYSTEM_UUID"),
                "bootID": hole("BOOT"),
                "kernelVersion": "6.1.115-126.197.amzn2023.x86_64",
                "osImage": "Amazon Linux 2023.6.20241121",
                "containerRuntimeVersion": "containerd://1.7.23",
                "kubeletVersion": KUBELET_VERSION,
                "kubeProxyVersion": KUBELET_VERSION,
                "operatingSystem": "linux",
                "architecture": "amd64",
            },
            "images": images,
        },
    }
    node["metadata"]["managedFields"] = default_managed_fields(node)
    return Template(node)


def synthetic_nodes(
    count: int, rng: random.Random, heartbeats: Sequence[str], node_times: Callable[[], tuple[str, str]]
) -> Iterator[tuple[NodeInfo, dict[str, Any]]]:
    """`count` nodes spread over the pools and zones, with their pod-facing facts.

    Args:
        count: how many nodes.
        rng: the generator's random source (consumed deterministically).
        heartbeats: recent times (RFC 3339) to pick each node's last heartbeat from.
        node_times: gives each node's creation and Ready times.
    """
    templates = [_node_template(pool) for pool in NODE_POOLS]
    weights = (30, 20, 15, 10, 15, 10)
    seen: set[str] = set()
    for index in range(count):
        pool = rng.choices(range(len(NODE_POOLS)), weights)[0]
        name = ""
        while not name or name in seen:
            name = f"pool-{NODE_POOLS[pool][0]}-" + "".join(rng.choices(SAFE_ALPHABET, k=5))
        seen.add(name)
        ip = f"10.0.{index // 250}.{index % 250 + 4}"
        pod_prefix = f"100.{64 + index // 256}.{index % 256}"
        values = {
            "NAME": name,
            "UID": uuid4(rng),
            "IP": ip,
            "DASHED_IP": ip.replace(".", "-"),
            "CIDR": f"{pod_prefix}.0/24",
            "ZONE": ZONES[index % len(ZONES)],
            "INSTANCE": f"{rng.getrandbits(64):016x}",
            "MACHINE": f"{rng.getrandbits(128):032x}",
            "SYSTEM_UUID": uuid4(rng),
            "BOOT": uuid4(rng),
            "DIGEST": f"{rng.getrandbits(256):064x}",
            "HEARTBEAT": rng.choice(heartbeats),
        }
        values["CREATED"], values["READY_AT"] = node_times()
        yield NodeInfo(name, ip, pod_prefix, str(values["ZONE"])), templates[pool].render(values)


def uuid4(rng: random.Random) -> str:
    """A random (version 4) UUID drawn from `rng`."""
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) % 4]}{h[17:20]}-{h[20:]}"
