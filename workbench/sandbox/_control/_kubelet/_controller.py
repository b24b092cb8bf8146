"""The kubelets of every node, as one controller keyed by pod.

A pod is the kubelet's once it is bound (``spec.nodeName``) to a node that is Ready; a NotReady
node's kubelet, or one stopped with the ``sandbox.workbench.io/kubelet: stopped`` annotation
(`_nodes`), does nothing until it is back. Each sync plays the pod's due transitions
(`PodRuntime.step`), posts the status if it changed, and asks to be woken when the next one falls
due. Changes that unblock a pod wake it at once: the ConfigMap, Secret or claim it waits for, or
its node turning Ready. The kubelet never writes a status it did not change, and skips the echo of
its own writes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from workbench.sandbox._control._cluster import Cluster
from workbench.sandbox._control._kubelet._adopt import adopt, changed, ready_again, stopping
from workbench.sandbox._control._kubelet._config import Ref
from workbench.sandbox._control._kubelet._host import Host
from workbench.sandbox._control._kubelet._images import NodeImages
from workbench.sandbox._control._kubelet._ipam import Ipam
from workbench.sandbox._control._kubelet._runtime import PodRuntime
from workbench.sandbox._control._kubelet._status import pod_status
from workbench.sandbox._control._kubelet._usage import measured
from workbench.sandbox._deletion import KUBELET_ANNOTATION
from workbench.sandbox._store import Change, Entry, Key

MANAGER = "kubelet"
_WATCHED = ("ConfigMap", "Secret", "PersistentVolumeClaim")


def node_ready(node: Mapping[str, Any]) -> bool:
    """Whether the node's kubelet runs: the node is Ready and its kubelet not stopped (`_nodes`)."""
    if ((node.get("metadata") or {}).get("annotations") or {}).get(KUBELET_ANNOTATION) == "stopped":
        return False
    conditions = (node.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def _entry_ready(entry: Entry | None) -> bool:
    return entry is not None and node_ready(entry.decode())


class Kubelet:
    """Runs the pods bound to Ready nodes (see the module docstring)."""

    name = "kubelet"

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.pods: dict[Key, PodRuntime] = {}
        self.images = NodeImages()
        self.ipam = Ipam(cluster)
        self._written: dict[Key, int] = {}
        self._waiting: dict[str, set[Key]] = {}
        self._stopped: dict[Key, str] = {}  # loaded pods whose deletion was seen: key → uid
        self._buckets: dict[str, str] = {}
        self._poked: dict[Key, set[Ref]] = {}  # pods to retry now: what they waited for changed

    def _bucket(self, kind: str) -> str:
        bucket = self._buckets.get(kind)
        if bucket is None:
            bucket = self._buckets[kind] = self.cluster.bucket(kind)
        return bucket

    # -- the controller protocol -----------------------------------------------------------------
    def keys_for(self, change: Change) -> Iterable[Key]:
        bucket = change.bucket
        if bucket == self._bucket("Pod"):
            fields = change.entry.fields
            if change.type == "DELETED":
                if fields.get("status.podIP") and fields.get("spec.nodeName"):
                    self.ipam.release(fields["spec.nodeName"], fields["status.podIP"])
                return [change.key]
            if not fields.get("spec.nodeName") or self._written.get(change.key) == change.entry.rv:
                return []
            return [change.key]
        if bucket == self._bucket("Node"):
            return self._node_keys(change)
        for kind in _WATCHED:
            if bucket == self._bucket(kind):
                ref = Ref(kind, change.key[0], change.key[1])
                keys = [key for key, rt in self.pods.items() if ref in rt.refs.values()]
                for key in keys:
                    self._poked.setdefault(key, set()).add(ref)
                return keys
        return []

    def _node_keys(self, change: Change) -> list[Key]:
        name = change.key[1]
        if change.type == "DELETED" or not _entry_ready(change.entry) or _entry_ready(change.prev):
            return []
        keys = set(self._waiting.pop(name, ()))
        keys.update(key for key, rt in self.pods.items() if rt.node == name)
        for entry in self.cluster.entries("Pod"):
            if entry.fields.get("spec.nodeName") == name:
                meta = entry.decode()["metadata"]
                keys.add((meta.get("namespace", ""), meta["name"]))
        return sorted(keys)

    def initial_keys(self) -> Iterable[Key]:
        """Bound pods loaded without container statuses (everything else is taken as it is)."""
        out = []
        for entry in self.cluster.entries("Pod"):
            fields = entry.fields
            if not fields.get("spec.nodeName") or fields.get("status.phase") not in (None, "", "Pending"):
                continue
            if b'"containerStatuses"' in entry.raw:
                continue
            meta = entry.decode()["metadata"]
            out.append((meta.get("namespace", ""), meta["name"]))
        return out

    def sync(self, key: Key) -> float | None:
        entry = self.cluster.entry("Pod", *key)
        rt = self.pods.get(key)
        if entry is None:
            self._forget(key)
            return None
        pod = entry.decode()
        meta, spec = pod["metadata"], pod.get("spec") or {}
        if rt is not None and rt.uid != meta.get("uid"):
            self._forget(key)
            rt = None
        node_name = spec.get("nodeName")
        if not node_name:
            return None
        node = self.cluster.get("Node", "", node_name)
        if node is None or not node_ready(node):
            self._waiting.setdefault(node_name, set()).add(key)
            return None
        host = Host(self.cluster, self.images, node, self.ipam.allocate)
        now = self.cluster.clock.elapsed()
        status = pod.get("status") or {}
        if meta.get("deletionTimestamp"):
            if rt is not None:
                rt.stop(host, pod)
            elif self._stopped.get(key) != meta.get("uid"):
                self._stopped[key] = str(meta.get("uid"))
                stopping(host, pod)
            return None
        if rt is None:
            if status.get("containerStatuses"):
                if not changed(pod):
                    self._post(key, pod, ready_again(host, pod))
                    return None
                rt = adopt(pod, host, now)
            elif status.get("phase") in ("Succeeded", "Failed"):
                return None
            else:
                self.cluster.logs.forget_pod(key[0], key[1])
                rt = PodRuntime(pod, now)
            self.pods[key] = rt
        poked = self._poked.pop(key, None)
        if poked:
            rt.retry(poked, now)
        rt.step(host, pod, now)
        self._post(key, pod, pod_status(rt, pod, host))
        due = rt.due()
        return None if due is None else max(0.0, due - now)

    def _post(self, key: Key, pod: dict[str, Any], status: dict[str, Any] | None) -> None:
        if status is None or status == pod.get("status"):
            return
        pod["status"] = status
        written = self.cluster.update_status("Pod", pod, manager=MANAGER)
        self._written[key] = int(written["metadata"]["resourceVersion"])

    def _forget(self, key: Key) -> None:
        self.pods.pop(key, None)
        self._written.pop(key, None)
        self._stopped.pop(key, None)
        self.cluster.logs.forget_pod(key[0], key[1])

    # -- metrics ---------------------------------------------------------------------------------
    def usage(self, pod: Mapping[str, Any], container: Mapping[str, Any]) -> tuple[float, float] | None:
        """(cores, bytes) of a container this kubelet runs, from its app model; None for others."""
        meta = pod.get("metadata") or {}
        rt = self.pods.get((meta.get("namespace", ""), meta.get("name", "")))
        if rt is None or rt.uid != meta.get("uid"):
            return None
        found = rt.usage(str(container.get("name", "")), self.cluster.clock.elapsed())
        return None if found is None else measured(found, container)
