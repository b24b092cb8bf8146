"""Can an app in a pod reach ``host:port``? Cluster DNS, kube-proxy and NetworkPolicy, read from the store.

`reach` answers the way the app would find out, with the error text a Go program (or most others)
logs when it cannot:

- **DNS.** A ``ClusterFirst`` pod asks the cluster DNS at 10.96.0.10 (the kubelet's ``clusterDNS``)
  and walks its search path (``<ns>.svc.cluster.local svc.cluster.local cluster.local``, ndots 5), so
  ``api``, ``api.shop``, ``api.shop.svc`` and ``api.shop.svc.cluster.local`` all name one Service.
  The lookup times out when the ``kube-dns`` Service has no ready endpoint (CoreDNS down) or when an
  egress policy on the pod does not allow UDP 53 to a CoreDNS pod; a name nobody serves gets
  ``no such host``. Names outside the cluster (with dots, not a namespace) resolve whenever DNS works.
- **kube-proxy.** A ClusterIP Service forwards its ports to the ready addresses of its Endpoints: a
  port it does not expose is dropped (``i/o timeout``), a port without a ready address is rejected
  (``connection refused``). Headless Services, ``<ip>.<ns>.pod`` names and pod IPs go straight to pods.
- **NetworkPolicy.** Traffic must be allowed by the egress policies selecting the source pod and by
  the ingress policies selecting the destination (pod/namespace selectors, ipBlocks, ports by number,
  range or name); a dropped connection times out.
- **The app.** A pod whose images the catalog knows, and which do not run a shell, accepts
  connections only on the ports its app model listens on (else ``connection refused``).

When traffic to a Service reaches several pods, every one must let it through: a policy that drops a
share of the connections is reported as the timeout a user would keep seeing. Reads only: nothing is
written, nothing is cached between calls.

Example:
    >>> from workbench import sandbox
    >>> with sandbox.start(scenario="healthy", manual_clock=True) as sb:
    ...     cluster = sb.control.cluster
    ...     pod = cluster.get("Pod", "kube-system", "coredns-6f6b679f8f-4qv8n")
    ...     pod["spec"]["dnsPolicy"] = "ClusterFirst"
    ...     reach(cluster, pod, "kubernetes.default", 443), reach(cluster, pod, "kubernetes", 443)
    ((True, ''), (False, 'dial tcp: lookup kubernetes on 10.96.0.10:53: no such host'))
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from workbench.sandbox._control._apps import parse_image
from workbench.sandbox._control._cluster import Cluster
from workbench.sandbox._control._network_policy import Peer, Policies

CLUSTER_DOMAIN = "cluster.local"
CLUSTER_DNS = "10.96.0.10"
"""The kubelet's ``clusterDNS``: every ClusterFirst pod's resolv.conf names it, whatever the Service."""
NODE_RESOLVER = "172.18.0.1"
"""The nameserver of a kind node (the docker network's gateway): ``dnsPolicy: Default`` pods use it."""
_POD_CIDR = ipaddress.ip_network("10.244.0.0/16")
_NDOTS = 5
_EPHEMERAL = (32768, 60999)  # Linux's default ip_local_port_range
_CLUSTERISH_TLDS = frozenset({"svc", "cluster", "local", "pod"})


@dataclass
class _Target:
    """What a name resolved to: a ClusterIP Service (kube-proxy picks the pod) or addresses to dial."""

    service: dict[str, Any] | None = None
    peers: list[Peer] = field(default_factory=list)


def reach(cluster: Cluster, pod: dict[str, Any], host: str, port: int | None) -> tuple[bool, str]:
    """Whether an app in `pod` can open a TCP connection to ``host:port``.

    Args:
        cluster: the cluster to read Services, Endpoints, pods and NetworkPolicies from.
        pod: the pod the app runs in (its namespace, labels, IP and DNS policy matter).
        host: a Service name in any of its DNS forms, a pod DNS name, an IP, or an external name.
        port: the TCP port; None checks only that the name resolves.

    Returns:
        ``(True, "")``, or ``(False, error)`` with the text the app would log, e.g.
        ``dial tcp: lookup db on 10.96.0.10:53: no such host``.
    """
    return _Net(cluster, pod).reach(host, port)


class _Net:
    def __init__(self, cluster: Cluster, pod: dict[str, Any]) -> None:
        self.cluster = cluster
        meta = pod.get("metadata") or {}
        self.spec: dict[str, Any] = pod.get("spec") or {}
        status = pod.get("status") or {}
        self.namespace = meta.get("namespace") or "default"
        self.seed = f"{meta.get('uid') or meta.get('name', '')}"
        in_pod_network = not self.spec.get("hostNetwork")
        self.src = Peer(
            ip=status.get("podIP") or status.get("hostIP") or "0.0.0.0",  # noqa: S104  # no address yet
            namespace=self.namespace if in_pod_network else None,
            labels=meta.get("labels") or {},
            pod=pod,
        )
        self.policies = Policies(cluster)

    # -- the whole path ------------------------------------------------------------------------------
    def reach(self, host: str, port: int | None) -> tuple[bool, str]:
        name = host.strip()
        bare = name.rstrip(".")
        if bare == "localhost" or bare.startswith("127."):
            return True, ""  # the pod's own loopback: another container of the pod, never the network
        if _is_ip(bare):
            target = self._by_ip(bare)
        else:
            found = self._lookup(name)
            if isinstance(found, str):
                return False, found
            target = found
        if port is None:
            return True, ""
        if target.service is not None:
            return self._via_service(target.service, port)
        first_error = ""
        for peer in target.peers:  # Go dials the addresses in turn and reports the first failure
            ok, error = self._direct(peer, port)
            if ok:
                return True, ""
            first_error = first_error or error
        return False, first_error

    # -- DNS -----------------------------------------------------------------------------------------
    def _lookup(self, host: str) -> _Target | str:
        absolute = host.endswith(".")
        host = host.rstrip(".")
        policy = self.spec.get("dnsPolicy") or "ClusterFirst"
        searches = [f"{self.namespace}.svc.{CLUSTER_DOMAIN}", f"svc.{CLUSTER_DOMAIN}", CLUSTER_DOMAIN]
        server = CLUSTER_DNS
        if policy == "None":
            config = self.spec.get("dnsConfig") or {}
            servers = config.get("nameservers") or []
            server = servers[0] if servers else NODE_RESOLVER
            searches = list(config.get("searches") or [])
        elif policy == "Default" or (policy == "ClusterFirst" and self.spec.get("hostNetwork")):
            server, searches = NODE_RESOLVER, []
        if server != CLUSTER_DNS:
            # The node's resolver knows only the outside world.
            if not host.endswith(f".{CLUSTER_DOMAIN}") and self._external(host):
                return _Target(peers=[Peer(_external_ip(host))])
            return f"dial tcp: lookup {host} on {server}:53: no such host"
        if (down := self._dns_down(host)) is not None:
            return down
        if absolute:
            names = [host]
        else:
            searched = [f"{host}.{domain}" for domain in searches]
            names = [host, *searched] if host.count(".") >= _NDOTS else [*searched, host]
        for name in names:
            if name.endswith(f".{CLUSTER_DOMAIN}"):
                found = self._cluster_name(name.removesuffix(f".{CLUSTER_DOMAIN}"))
                if found is not None:
                    return found
            elif self._external(name):
                return _Target(peers=[Peer(_external_ip(name))])
        return f"dial tcp: lookup {host} on {CLUSTER_DNS}:53: no such host"

    def _dns_down(self, host: str) -> str | None:
        """The timeout of a lookup nobody answers, or None when a CoreDNS pod can take the query."""
        low, high = _EPHEMERAL
        digest = hashlib.blake2b(f"{self.seed}/{host}".encode(), digest_size=4).digest()
        source_port = low + int.from_bytes(digest, "big") % (high - low + 1)
        timeout = (
            f"dial tcp: lookup {host} on {CLUSTER_DNS}:53: read udp {self.src.ip}:{source_port}"
            f"->{CLUSTER_DNS}:53: i/o timeout"
        )
        svc = self.cluster.get("Service", "kube-system", "kube-dns")
        if svc is None or (svc.get("spec") or {}).get("clusterIP") != CLUSTER_DNS:
            return timeout
        svc_port = _service_port(svc, 53, "UDP")
        if svc_port is None:
            return timeout
        backends = self._backends(svc, svc_port)
        if not any(self.policies.allowed(self.src, peer, target, "UDP") for peer, target in backends):
            return timeout
        return None

    def _cluster_name(self, rest: str, *, follow: bool = True) -> _Target | None:
        """Answer a name under cluster.local (without the suffix) as CoreDNS does; None: NXDOMAIN."""
        labels = rest.split(".")
        if labels[-1] == "pod" and len(labels) == 3 and _is_ip(labels[0].replace("-", ".")):
            return self._by_ip(labels[0].replace("-", "."))  # ``pods insecure``: any IP answers
        if labels[-1] != "svc" or len(labels) not in (3, 4):
            return None
        parts = labels[:-1]
        svc_name, namespace = parts[-2], parts[-1]
        svc = self.cluster.get("Service", namespace, svc_name)
        if svc is None:
            return None
        spec = svc.get("spec") or {}
        if spec.get("type") == "ExternalName":
            external = str(spec.get("externalName") or "").rstrip(".")
            if external.endswith(f".{CLUSTER_DOMAIN}"):  # a CNAME to another cluster name, followed once
                return (
                    self._cluster_name(external.removesuffix(f".{CLUSTER_DOMAIN}"), follow=False)
                    if follow
                    else None
                )
            return _Target(peers=[Peer(_external_ip(external))]) if self._external(external) else None
        headless = spec.get("clusterIP") in (None, "", "None")
        if len(parts) == 3:  # <hostname>.<service>.<ns>: a pod with that hostname and subdomain
            peers = [p for p, h in self._addresses(svc) if h == parts[0]]
            return _Target(peers=peers) if peers else None
        if not headless:
            return _Target(service=svc)
        peers = [p for p, _ in self._addresses(svc)]
        return _Target(peers=peers) if peers else None

    def _external(self, name: str) -> bool:
        """Whether the outside world's DNS would answer `name` (any dotted name that is not ours)."""
        if "." not in name:
            return False
        tld = name.rsplit(".", 1)[1]
        if tld in _CLUSTERISH_TLDS or tld in self.policies.namespace_labels():
            return False  # ``db.shop``: a cluster name that missed, not a domain on the internet
        return self.cluster.entry("Service", self.namespace, tld) is None  # nor ``web-0.web``

    # -- kube-proxy and direct connections -------------------------------------------------------------
    def _via_service(self, svc: dict[str, Any], port: int) -> tuple[bool, str]:
        ip = (svc.get("spec") or {}).get("clusterIP", "")
        svc_port = _service_port(svc, port, "TCP")
        if svc_port is None:
            return False, f"dial tcp {ip}:{port}: i/o timeout"  # no rule for that port: dropped
        backends = self._backends(svc, svc_port)
        if not backends:
            return False, f"dial tcp {ip}:{port}: connect: connection refused"  # kube-proxy REJECT
        for peer, target in backends:
            if not self.policies.allowed(self.src, peer, target, "TCP"):
                return False, f"dial tcp {ip}:{port}: i/o timeout"
        for peer, target in backends:
            if not self._listens(peer, target):
                return False, f"dial tcp {ip}:{port}: connect: connection refused"
        return True, ""

    def _direct(self, peer: Peer, port: int) -> tuple[bool, str]:
        if peer.missing:
            return False, f"dial tcp {peer.ip}:{port}: connect: no route to host"
        if not self.policies.allowed(self.src, peer, port, "TCP"):
            return False, f"dial tcp {peer.ip}:{port}: i/o timeout"
        if peer.pod is not None and (
            (peer.pod.get("status") or {}).get("phase") != "Running" or not self._listens(peer, port)
        ):
            return False, f"dial tcp {peer.ip}:{port}: connect: connection refused"
        return True, ""

    def _listens(self, peer: Peer, port: int) -> bool:
        """Whether the pod's apps listen on `port` (True when the catalog cannot tell)."""
        if peer.pod is None:
            return True
        listening: set[int] = set()
        for container in (peer.pod.get("spec") or {}).get("containers") or []:
            ref = parse_image(str(container.get("image") or ""))
            entry = self.cluster.catalog.lookup(ref) if ref is not None else None
            if ref is None or entry is None:
                return True
            model = entry.model_for(ref.tag)
            if model.shell:
                return True  # a shell command may open any port (``nc -l``)
            listening.update(model.ports)
        return port in listening

    def _by_ip(self, ip: str) -> _Target:
        needle = f'"clusterIP":"{ip}"'.encode()
        for entry in self.cluster.entries("Service"):
            if needle in entry.raw:
                return _Target(service=entry.decode())
        for entry in self.cluster.entries("Pod"):
            if entry.fields.get("status.podIP") == ip and entry.fields.get("spec.hostNetwork") != "true":
                return _Target(peers=[self._pod_peer(entry.decode())])
        missing = ipaddress.ip_address(ip) in _POD_CIDR
        return _Target(peers=[Peer(ip, missing=missing)])

    def _addresses(self, svc: dict[str, Any]) -> list[tuple[Peer, str]]:
        """The ready addresses of a Service's Endpoints with their hostnames (what DNS answers)."""
        out: list[tuple[Peer, str]] = []
        for subset in self._endpoint_subsets(svc):
            for address in subset.get("addresses") or []:
                out.append((self._address_peer(address), str(address.get("hostname") or "")))
        return out

    def _backends(self, svc: dict[str, Any], svc_port: dict[str, Any]) -> list[tuple[Peer, int]]:
        """The ready (peer, target port) pairs kube-proxy forwards one Service port to."""
        name = svc_port.get("name") or ""
        protocol = svc_port.get("protocol") or "TCP"
        out: list[tuple[Peer, int]] = []
        for subset in self._endpoint_subsets(svc):
            ports = [
                p
                for p in subset.get("ports") or []
                if (p.get("name") or "") == name and (p.get("protocol") or "TCP") == protocol
            ]
            for endpoint_port in ports:
                for address in subset.get("addresses") or []:
                    out.append((self._address_peer(address), int(endpoint_port["port"])))
        return out

    def _endpoint_subsets(self, svc: dict[str, Any]) -> list[dict[str, Any]]:
        meta = svc["metadata"]
        endpoints = self.cluster.get("Endpoints", meta.get("namespace", ""), meta["name"])
        return list((endpoints or {}).get("subsets") or [])

    def _address_peer(self, address: Mapping[str, Any]) -> Peer:
        ref = address.get("targetRef") or {}
        if ref.get("kind") == "Pod":
            pod = self.cluster.get("Pod", ref.get("namespace", ""), ref.get("name", ""))
            if pod is not None:
                return self._pod_peer(pod)
        return Peer(str(address.get("ip", "")))

    @staticmethod
    def _pod_peer(pod: dict[str, Any]) -> Peer:
        meta = pod["metadata"]
        host_network = bool((pod.get("spec") or {}).get("hostNetwork"))
        return Peer(
            ip=(pod.get("status") or {}).get("podIP", ""),
            namespace=None if host_network else meta.get("namespace", ""),
            labels=meta.get("labels") or {},
            pod=pod,
        )


def _service_port(svc: Mapping[str, Any], port: int, protocol: str) -> dict[str, Any] | None:
    for candidate in (svc.get("spec") or {}).get("ports") or []:
        if candidate.get("port") == port and (candidate.get("protocol") or "TCP") == protocol:
            found: dict[str, Any] = candidate
            return found
    return None


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _external_ip(name: str) -> str:
    """A stable public-looking address for an outside name (TEST-NET-3, for ipBlock checks)."""
    digest = hashlib.blake2b(name.encode(), digest_size=1).digest()
    return f"203.0.113.{1 + digest[0] % 254}"
