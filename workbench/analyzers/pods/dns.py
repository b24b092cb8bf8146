"""``pod.dns-failures``: name lookups that fail, seen in a pod's log lines or events."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from workbench.analyzers._common import event_evidence, present, text
from workbench.analyzers.base import DOCS
from workbench.analyzers.pods import _evidence as ev
from workbench.analyzers.pods._lines import DNS_FAILURE, DNS_LOOKUP, DNS_TIMEOUT, distinct
from workbench.analyzers.pods._triage import Triage, Verdict, triage
from workbench.frames import Frames
from workbench.frames.schema import Endpoints, Events
from workbench.model import Evidence, Finding, ObjectRef

DOCS_URL = DOCS + "tasks/administer-cluster/dns-debugging-resolution/"
CLUSTER_DNS = ObjectRef("Service", "kube-system", "kube-dns")


class DnsFailures:
    """Pods whose log (when the bundle carries log tails) or events show DNS lookups failing:
    "no such host", "Temporary failure in name resolution", "lookup x on 10.96.0.10:53: i/o
    timeout", NXDOMAIN, "server misbehaving"...

    A container that crash-loops (or a pod that is not ready) on such failures gets this code
    instead of ``pod.crashloop`` (an error); a healthy pod that logs them gets a warning.
    ``related`` is the DNS Service the lookups went to (by its cluster IP), else kube-system/kube-dns.
    """

    name: ClassVar[str] = "pod-dns"
    codes: ClassVar[tuple[str, ...]] = ("pod.dns-failures",)

    def analyze(self, frames: Frames) -> Iterator[Finding]:
        t = triage(frames)
        verdicts = t.of("pod.dns-failures")
        if not verdicts:
            return
        for v in verdicts:
            yield _finding(v, t, frames)


def _finding(v: Verdict, t: Triage, frames: Frames) -> Finding:
    name = ev.container_name(v)
    lines = t.logs.matching(v.key, DNS_FAILURE, name or None)
    events = t.dns_events.get(v.key, [])
    texts = [line.text for line in lines] + [text(e[Events.MESSAGE]) for e in events]
    hosts = sorted({m["host"] for s in texts if (m := DNS_LOOKUP.search(s)) is not None})
    servers = sorted({m["server"] for s in texts if (m := DNS_LOOKUP.search(s)) is not None and m["server"]})
    timeouts = any(DNS_TIMEOUT.search(s) for s in texts)
    dns = next((ref for s in servers if (ref := t.services.by_ip(s)) is not None), None)
    if dns is None:
        dns = t.services.get(CLUSTER_DNS.namespace, CLUSTER_DNS.name)
    facts: list[Evidence] = [*ev.container_story(v.container)]
    facts += [Evidence("log", ev.log_subject(line, name), line.text) for line in distinct(lines)[-3:]]
    facts += [event_evidence(e) for e in events[-2:]]
    if dns is not None:
        facts += _endpoints(frames, dns)
    what = "cannot resolve " + ", ".join(hosts[:3]) if hosts else "DNS lookups fail"
    how = " (the DNS server does not answer)" if timeouts else ""
    state = {
        "crashing": f"container {name} crash-loops: ",
        "intermittent": f"container {name} keeps restarting: ",
        "not-ready": "not ready: ",
    }.get(v.note, "")
    return Finding(
        "pod.dns-failures",
        v.severity,
        ev.pod_ref(v.pod),
        f"{ev.pod_ref(v.pod)}: {state}{what}{how}",
        evidence=tuple(facts),
        explanation=(
            "Name lookups time out: the cluster DNS does not answer. Check that CoreDNS runs and "
            f"that {dns or 'the kube-dns Service'} has ready endpoints, and that no NetworkPolicy "
            "blocks egress to port 53 (UDP and TCP). Every pod that resolves names is affected."
            if timeouts
            else "Name lookups fail: the name does not exist (a Service name or namespace typo, "
            "a Service that was deleted, an external host that is gone) or the DNS server cannot "
            "resolve it. Check the name the app uses against the Services in its namespace, and "
            "CoreDNS's log for upstream errors."
        ),
        docs_url=DOCS_URL,
        planners=("scale",) if timeouts else ("rollout-undo",),
        related=(dns,) if dns is not None else (),
    )


def _endpoints(frames: Frames, dns: ObjectRef) -> list[Evidence]:
    """How many ready addresses the DNS Service has (its Endpoints are named like it)."""
    e = frames.endpoints
    rows = e[
        ((e[Endpoints.NAMESPACE] == dns.namespace) & (e[Endpoints.NAME] == dns.name)).to_numpy(dtype=bool)
    ]
    if not len(rows):
        return []
    ready = rows.iloc[0][Endpoints.READY_ADDRESSES]
    return [Evidence("field", "Endpoints ready addresses", str(int(ready)) if present(ready) else "0", dns)]
