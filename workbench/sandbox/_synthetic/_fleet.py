"""The synthetic cluster's plan: which namespaces, nodes and applications, and when things happened."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from workbench.sandbox._scenarios._managed import default_managed_fields
from workbench.sandbox._scenarios._times import format_time, utc
from workbench.sandbox._synthetic._endpoints import Member, service_endpoints
from workbench.sandbox._synthetic._nodes import NodeInfo, synthetic_nodes, uuid4
from workbench.sandbox._synthetic._pods import RESOURCE_CLASSES, Archetype, resource_values, runtime_values
from workbench.sandbox._synthetic._status import VARIANT_PER_MILLE, Variant
from workbench.sandbox._synthetic._words import (
    COMPONENTS,
    ENVIRONMENTS,
    REGISTRIES,
    RUNTIMES,
    SAFE_ALPHABET,
    TEAMS,
)
from workbench.sandbox._synthetic._workloads import app_templates

_PODS_PER_NAMESPACE = 300
_DAY = 86_400
_SIDECAR_SETS: tuple[tuple[int, ...], ...] = ((),) * 20 + ((0,), (1,), (2,), (3,), (4,))
_REPLICAS = (1, 1, 2, 2, 2, 3, 3, 3, 3, 4, 4, 5, 6, 6, 8, 10, 12, 16, 20, 24, 30)
_VARIANT_TABLE: list[Variant] = [v for v, n in VARIANT_PER_MILLE.items() for _ in range(n)]
_VARIANT_TABLE += ["ready"] * (1000 - len(_VARIANT_TABLE))
_READY = frozenset({"ready", "oom"})  # variants whose pod is Ready (an OOM kill was long ago)


class _Clock:
    """Times given as seconds before `now`, rendered as RFC 3339 (the date part cached per day)."""

    def __init__(self, now: datetime) -> None:
        self.now = utc(now).replace(microsecond=0)
        self._epoch = int(self.now.timestamp())
        self._days: dict[int, str] = {}

    def ago(self, seconds: int) -> str:
        moment = self._epoch - max(seconds, 0)
        day, second = divmod(moment, _DAY)
        prefix = self._days.get(day)
        if prefix is None:
            prefix = self._days[day] = format_time(datetime.fromtimestamp(day * _DAY, UTC))[:11]
        hours, rest = divmod(second, 3_600)
        return f"{prefix}{hours:02d}:{rest // 60:02d}:{rest % 60:02d}Z"


class Fleet:
    """Plans a synthetic cluster and yields its objects.

    The random source is consumed in a fixed order, so a seed always gives the same cluster.
    """

    def __init__(self, pods: int, nodes: int, rng: random.Random, now: datetime) -> None:
        self.pod_count = pods
        self.node_count = nodes
        self.rng = rng
        self.clock = _Clock(now)
        self.node_infos: list[NodeInfo] = []
        self.node_ages: list[int] = []
        count = max(1, round(pods / _PODS_PER_NAMESPACE))
        self.namespace_names = self._namespace_names(count)
        self.ca = (
            "-----BEGIN CERTIFICATE-----\n"
            + "\n".join(f"{rng.getrandbits(384):096x}"[:64] for _ in range(17))
            + "\n-----END CERTIFICATE-----\n"
        )
        self.cluster_age = 400 * _DAY

    def _namespace_names(self, count: int) -> list[str]:
        names: list[str] = []
        pairs = [f"{team}-{env}" for env in ENVIRONMENTS for team in TEAMS]
        self.rng.shuffle(pairs)
        for index in range(count):
            base = pairs[index % len(pairs)]
            names.append(base if index < len(pairs) else f"{base}-{index // len(pairs) + 1}")
        return names

    def namespaces(self) -> Iterator[dict[str, Any]]:
        """Each namespace with its default ServiceAccount and kube-root-ca.crt ConfigMap."""
        for name in self.namespace_names:
            created = self.clock.ago(self.rng.randrange(30 * _DAY, self.cluster_age))
            namespace: dict[str, Any] = {
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {
                    "name": name,
                    "uid": uuid4(self.rng),
                    "creationTimestamp": created,
                    "labels": {"kubernetes.io/metadata.name": name, "team": name.rsplit("-", 1)[0]},
                },
                "spec": {"finalizers": ["kubernetes"]},
                "status": {"phase": "Active"},
            }
            account: dict[str, Any] = {
                "apiVersion": "v1",
                "kind": "ServiceAccount",
                "metadata": {
                    "name": "default",
                    "namespace": name,
                    "uid": uuid4(self.rng),
                    "creationTimestamp": created,
                },
            }
            root_ca: dict[str, Any] = {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {
                    "name": "kube-root-ca.crt",
                    "namespace": name,
                    "uid": uuid4(self.rng),
                    "creationTimestamp": created,
                },
                "data": {"ca.crt": self.ca},
            }
            for obj in (namespace, account, root_ca):
                obj["metadata"]["managedFields"] = default_managed_fields(obj, manager=_manager(obj))
                yield obj

    def nodes(self) -> Iterator[dict[str, Any]]:
        """The nodes; remembers what pods need to know about them."""
        heartbeats = [self.clock.ago(s) for s in range(2, 42)]
        for info, node in synthetic_nodes(self.node_count, self.rng, heartbeats, self._node_times):
            self.node_infos.append(info)
            yield node
        self.order = list(range(len(self.node_infos)))
        self.rng.shuffle(self.order)
        self.next_ip = [1] * len(self.node_infos)

    def _node_times(self) -> tuple[str, str]:
        # Autoscaled pools churn: most nodes are days or weeks old, some only hours.
        age = int(
            self.rng.choice((3_600, 6 * 3_600, _DAY, 3 * _DAY, 7 * _DAY, 14 * _DAY, 30 * _DAY))
            * self.rng.uniform(0.3, 1)
        )
        self.node_ages.append(age)
        return self.clock.ago(age), self.clock.ago(age - 38)

    def workloads(self) -> Iterator[dict[str, Any]]:
        """Deployments with their ReplicaSets, pods, ConfigMap and (for most) a Service.

        A Service comes with its Endpoints and EndpointSlice, after the pods they list.
        """
        remaining = self.pod_count
        placed = 0
        per_namespace: dict[str, set[str]] = {}
        service_ip = 0
        index = 0
        while remaining > 0:
            replicas = min(remaining, self.rng.choice(_REPLICAS))
            namespace = self.namespace_names[index % len(self.namespace_names)]
            index += 1
            app = self._app_name(namespace, per_namespace.setdefault(namespace, set()))
            with_service = self.rng.random() < 0.7
            if with_service:
                service_ip += 1
            yield from _Application(
                self,
                namespace,
                app,
                replicas=replicas,
                first_pod=placed,
                service_ip=service_ip if with_service else 0,
            )
            placed += replicas
            remaining -= replicas

    def _app_name(self, namespace: str, taken: set[str]) -> str:
        team = namespace.rsplit("-", 1)[0] if self.rng.random() < 0.6 else self.rng.choice(TEAMS)
        name = f"{team}-{self.rng.choice(COMPONENTS)}"
        base, suffix = name, 2
        while name in taken:
            name, suffix = f"{base}-{suffix}", suffix + 1
        taken.add(name)
        return name


def _manager(obj: dict[str, Any]) -> str:
    if obj["kind"] == "Namespace":
        return "kubectl-create"
    return "kube-controller-manager"


def _token(rng: random.Random, length: int) -> str:
    return "".join(rng.choices(SAFE_ALPHABET, k=length))


class _Application:
    """One Deployment and everything it owns, rendered from its archetype's templates."""

    def __init__(
        self, fleet: Fleet, namespace: str, app: str, *, replicas: int, first_pod: int, service_ip: int
    ) -> None:
        self.fleet, self.replicas, self.first_pod, self.service_ip = fleet, replicas, first_pod, service_ip
        rng = fleet.rng
        resources = rng.choices(range(len(RESOURCE_CLASSES)), (20, 30, 20, 15, 10, 5))[0]
        runtime = rng.randrange(len(RUNTIMES))
        archetype = Archetype(
            sidecars=rng.choice(_SIDECAR_SETS),
            cpu_limit=resources in (2, 3, 5),
            # Teams that spread across zones do it for every service they run.
            spread=runtime % 3 == 0,
        )
        self.templates = app_templates(archetype)
        self.variants: list[Variant] = [rng.choice(_VARIANT_TABLE) for _ in range(replicas)]
        ready = sum(v in _READY for v in self.variants)
        dep_age = rng.randrange(2 * _DAY, fleet.cluster_age - _DAY)
        rs_age = min(dep_age, rng.randrange(600, 30 * _DAY))
        revision = rng.randrange(1, 40) if rs_age < dep_age else 1
        self.old = min(revision - 1, rng.choice((0, 1, 1, 2)))
        team = namespace.rsplit("-", 1)[0]
        minor = rng.randrange(1, 60)
        clock = fleet.clock
        available = ready >= replicas - replicas // 4
        self.values: dict[str, object] = {
            "NS": namespace,
            "ENV": namespace.rsplit("-", 1)[-1],
            "APP": app,
            "TEAM": team,
            "COMPONENT": app.rsplit("-", 1)[-1] if not app[-1].isdigit() else app.split("-")[-2],
            "REGISTRY": REGISTRIES[hash_text(team) % len(REGISTRIES)],
            "VERSION": f"1.{minor}.{rng.randrange(20)}",
            "CHART": f"0.{minor}.{rng.randrange(10)}",
            "HASH": _token(rng, 10),
            "DEP_UID": uuid4(rng),
            "RS_UID": uuid4(rng),
            "SVC_UID": uuid4(rng),
            "CM_UID": uuid4(rng),
            "DIGEST": f"{rng.getrandbits(256):064x}",
            "CHECKSUM": f"{rng.getrandbits(256):064x}",
            "REPLICAS": replicas,
            "MAX_REPLICAS": str(replicas + max(1, -(-replicas // 4))),
            "READY": ready,
            "UNAVAILABLE": replicas - ready,
            "GENERATION": revision + rng.randrange(3),
            "REVISION": str(revision),
            "RS_GENERATION": 1 + rng.randrange(3),
            "DEP_CREATED": clock.ago(dep_age),
            "RS_CREATED": clock.ago(rs_age),
            "RS_READY_AT": clock.ago(rs_age - 40),
            "AVAILABLE": "True" if available else "False",
            "AVAILABLE_AT": clock.ago(rng.randrange(60, rs_age)),
            "AVAILABLE_REASON": "MinimumReplicasAvailable" if available else "MinimumReplicasUnavailable",
            "AVAILABLE_MESSAGE": f"Deployment {'has' if available else 'does not have'} minimum "
            "availability.",
            # The service CIDR kubeadm uses (10.96.0.0/16), above kubernetes (.0.1) and kube-dns (.0.10).
            "CLUSTER_IP": f"10.96.{service_ip // 250 + 1}.{service_ip % 250 + 2}",
            "NODES": fleet.node_count,
        }
        self.values["RS"] = f"{app}-{self.values['HASH']}"
        self.values.update(resource_values(resources))
        self.values.update(runtime_values(runtime))
        if archetype.sidecars:  # sidecars request less than they may use: never Guaranteed
            self.values["QOS"] = "Burstable"
        for i in range(1, 3):
            self.values[f"SIDECAR_DIGEST{i}"] = (
                f"{(hash_text(str(archetype.sidecars)) * (i + 7)) % 2**256:064x}"
            )
        self.rs_age, self.dep_age = rs_age, dep_age
        self.members: list[Member] = []
        self.last_change = ""

    def __iter__(self) -> Iterator[dict[str, Any]]:
        templates, values, rng, clock = self.templates, self.values, self.fleet.rng, self.fleet.clock
        deployment = templates.deployment.render(values)
        status = deployment["status"]
        for field in ("readyReplicas", "availableReplicas", "unavailableReplicas"):
            if not status[field]:
                del status[field]
        yield deployment
        yield templates.config_map.render(values)
        if self.service_ip:
            yield templates.service.render(values)
        for generation in range(self.old):
            values.update(
                OLD_HASH=_token(rng, 10),
                OLD_RS_UID=uuid4(rng),
                OLD_VERSION=f"1.{rng.randrange(60)}.{rng.randrange(20)}",
                OLD_CHECKSUM=f"{rng.getrandbits(256):064x}",
                OLD_REVISION=str(int(str(values["REVISION"])) - generation - 1),
                OLD_RS_GENERATION=2 + rng.randrange(3),
                # Older revisions came between the Deployment's creation and the current one.
                OLD_RS_CREATED=clock.ago(rng.randrange(self.rs_age + 1, self.dep_age + 2)),
            )
            values["OLD_RS"] = f"{values['APP']}-{values['OLD_HASH']}"
            yield templates.old_replicaset.render(values)
        replicaset = templates.replicaset.render(values)
        if not replicaset["status"]["readyReplicas"]:
            del replicaset["status"]["readyReplicas"], replicaset["status"]["availableReplicas"]
        yield replicaset
        yield from self._pods()
        if self.service_ip:
            yield from service_endpoints(values, self._endpoint_values())

    def _endpoint_values(self) -> list[Member]:
        """Set the values the Service's Endpoints and EndpointSlice need; their pods with an IP."""
        values, members = self.values, self.members
        # Derived from the Service's uid rather than drawn, so that adding these two objects left
        # every other object of a seed's cluster as it was.
        digits = hashlib.blake2b(str(values["SVC_UID"]).encode(), digest_size=40).hexdigest()
        unready = sum(not ready for *_, ready in members)
        values.update(
            EP_UID=_uuid_from(digits[:32]),
            SLICE_UID=_uuid_from(digits[32:64]),
            SLICE=f"{values['APP']}-{_suffix(int(digits[64:], 16))}",
            # Every rollout and every readiness flip rewrote the slice.
            SLICE_GENERATION=2 * int(str(values["REVISION"])) - 1 + unready,
            EP_CHANGED=self.last_change or values["DEP_CREATED"],
        )
        return members

    def _pods(self) -> Iterator[dict[str, Any]]:
        fleet, values, rng, clock = self.fleet, self.values, self.fleet.rng, self.fleet.clock
        templates, extra_containers = self.templates, self.templates.containers - 1
        names: set[str] = set()
        members = self.members
        for offset, variant in enumerate(self.variants):
            # One draw of random bits per pod, sliced up: the per-pod cost dominates at 150k pods.
            bits = rng.getrandbits(96)
            digits = f"{rng.getrandbits(384):096x}"
            name = f"{values['RS']}-{_suffix(bits)}"
            while name in names:
                name = f"{values['RS']}-{_suffix(rng.getrandbits(30))}"
            names.add(name)
            node = fleet.order[(self.first_pod + offset) % len(fleet.order)]
            info = fleet.node_infos[node]
            age = min(self.rs_age - (bits >> 60 & 127) % 90, fleet.node_ages[node] - 30 - (bits >> 67 & 63))
            started = age - 3 - (bits >> 73 & 15)
            values["POD"] = name
            values["UID"] = _uuid_from(digits)
            values["TOKEN"] = _suffix(bits >> 30)
            values["NODE"] = info.name
            values["HOST_IP"] = info.ip
            values["CREATED"] = clock.ago(age)
            values["STARTED"] = clock.ago(started)
            values["READY_AT"] = clock.ago(started - 5 - (bits >> 77 & 15))
            values["CID0"] = digits[32:]
            values["RESTARTS"] = 0
            for index in range(1, extra_containers + 1):
                values[f"CID{index}"] = f"{rng.getrandbits(256):064x}"
            if variant != "pending":
                fleet.next_ip[node] += 1
                values["POD_IP"] = f"{info.pod_prefix}.{fleet.next_ip[node]}"
            if variant in ("oom", "crashloop"):
                self._restarts(variant, age)
            if variant != "pending" and self.service_ip:
                ip, uid = str(values["POD_IP"]), str(values["UID"])
                members.append((ip, info.name, info.zone, name, uid, variant in _READY))
                # The endpoints controllers stamp the time of the last Ready transition they synced.
                self.last_change = max(self.last_change, str(values["READY_AT"]))
            yield templates.pod(variant).render(values)

    def _restarts(self, variant: Variant, age: int) -> None:
        values, rng, clock = self.values, self.fleet.rng, self.fleet.clock
        finished = rng.randrange(5, 300) if variant == "crashloop" else rng.randrange(30, max(31, age - 60))
        values.update(
            RESTARTS=rng.randrange(5, 90) if variant == "crashloop" else rng.randrange(1, 7),
            LAST_CID=f"{rng.getrandbits(256):064x}",
            LAST_FINISHED=clock.ago(finished),
            LAST_STARTED=clock.ago(finished + rng.randrange(2, 600)),
        )
        if variant == "crashloop":
            values["READY_AT"] = values["LAST_FINISHED"]
        else:
            values["STARTED"] = clock.ago(finished - 1)
            values["READY_AT"] = clock.ago(finished - 12)


_PAIRS = [a + b for a in SAFE_ALPHABET for b in SAFE_ALPHABET]


def _suffix(bits: int) -> str:
    """Five characters of the apiserver's name-suffix alphabet, from 30 random bits."""
    return (
        _PAIRS[(bits & 1023) % 729]
        + _PAIRS[(bits >> 10 & 1023) % 729]
        + SAFE_ALPHABET[(bits >> 20 & 1023) % 27]
    )


def _uuid_from(digits: str) -> str:
    """A version-4 UUID from 32 random hex digits."""
    variant = "89ab"[int(digits[16], 16) & 3]
    return f"{digits[:8]}-{digits[8:12]}-4{digits[13:16]}-{variant}{digits[17:20]}-{digits[20:32]}"


def hash_text(text: str) -> int:
    """A stable (not per-process salted) hash of a short text."""
    value = 2166136261
    for char in text.encode():
        value = ((value ^ char) * 16777619) % 2**32
    return value
