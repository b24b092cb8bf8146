"""`Anonymizer`: stable pseudonyms, consistent across objects, reversible only with the map."""

from __future__ import annotations

import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.pages import fetch_pages
from workbench import sandbox as sandbox_pkg
from workbench.errors import ConfigError
from workbench.redaction import Anonymizer
from workbench.sources._kinds import BUILTIN

NS = "billing"


def workload() -> list[dict[str, Any]]:
    """A Deployment, its ReplicaSet and Pod, a Service, a NetworkPolicy, an Event and a ConfigMap."""
    labels = {"app": "invoice-api", "pod-template-hash": "79d868d77"}
    return [
        {
            "kind": "Deployment",
            "metadata": {"name": "invoice-api", "namespace": NS, "labels": {"app": "invoice-api"}},
            "spec": {
                "selector": {"matchLabels": {"app": "invoice-api"}},
                "template": {"metadata": {"labels": labels}},
            },
        },
        {
            "kind": "ReplicaSet",
            "metadata": {
                "name": "invoice-api-79d868d77",
                "namespace": NS,
                "ownerReferences": [{"kind": "Deployment", "name": "invoice-api", "uid": "u-1"}],
            },
        },
        {
            "kind": "Pod",
            "metadata": {
                "name": "invoice-api-79d868d77-vgmg7",
                "generateName": "invoice-api-79d868d77-",
                "namespace": NS,
                "uid": "5f3c0a2e-1b4d-4e8f-9a6b-7c8d9e0f1a2b",
                "labels": labels,
                "ownerReferences": [{"kind": "ReplicaSet", "name": "invoice-api-79d868d77", "uid": "u-2"}],
            },
            "spec": {
                "nodeName": "worker-eu-1",
                "containers": [
                    {
                        "name": "invoice-api",
                        "image": "registry.billing.example/invoice-api:2.3.1",
                        "ports": [{"name": "http", "containerPort": 8080}],
                        "env": [
                            {"name": "DB_HOST", "value": "invoice-db.billing.svc.cluster.local"},
                            {
                                "name": "CONFIG",
                                "valueFrom": {"configMapKeyRef": {"name": "invoice-config", "key": "k"}},
                            },
                        ],
                    }
                ],
            },
            "status": {
                "containerStatuses": [
                    {"name": "invoice-api", "image": "registry.billing.example/invoice-api:2.3.1"}
                ]
            },
        },
        {
            "kind": "Service",
            "metadata": {"name": "invoice-api", "namespace": NS},
            "spec": {"selector": {"app": "invoice-api"}, "ports": [{"name": "http", "targetPort": "http"}]},
        },
        {
            "kind": "NetworkPolicy",
            "metadata": {"name": "allow-billing", "namespace": NS},
            "spec": {
                "podSelector": {
                    "matchExpressions": [{"key": "app", "operator": "In", "values": ["invoice-api"]}]
                },
                "ingress": [
                    {"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": NS}}}]}
                ],
            },
        },
        {
            "kind": "Event",
            "metadata": {"name": "invoice-api-79d868d77-vgmg7.18eed4f0c8e97400", "namespace": NS},
            "involvedObject": {
                "kind": "Pod",
                "name": "invoice-api-79d868d77-vgmg7",
                "namespace": NS,
                "fieldPath": "spec.containers{invoice-api}",
            },
            "source": {"component": "kubelet", "host": "worker-eu-1"},
            "message": (
                "Back-off restarting failed container invoice-api in pod invoice-api-79d868d77-vgmg7_billing"
            ),
        },
        {
            "kind": "ConfigMap",
            "metadata": {"name": "invoice-config", "namespace": NS},
            "data": {"k": "upstream=http://invoice-db.billing.svc.cluster.local:5432"},
        },
    ]


@pytest.fixture
def anonymized() -> tuple[Anonymizer, list[dict[str, Any]]]:
    anon = Anonymizer()
    return anon, [anon.anonymize_object(obj) for obj in workload()]


def test_names_keep_their_random_suffixes(anonymized: tuple[Anonymizer, list[dict[str, Any]]]) -> None:
    _, (deployment, rs, pod, *_) = anonymized
    app = deployment["metadata"]["name"]
    assert re.fullmatch(r"app-[0-9a-f]{4,}", app)
    assert rs["metadata"]["name"] == f"{app}-79d868d77"
    assert pod["metadata"]["name"] == f"{app}-79d868d77-vgmg7"
    assert pod["metadata"]["generateName"] == f"{app}-79d868d77-"
    assert pod["metadata"]["uid"] == "5f3c0a2e-1b4d-4e8f-9a6b-7c8d9e0f1a2b"


def test_references_selectors_and_events_follow_their_targets(
    anonymized: tuple[Anonymizer, list[dict[str, Any]]],
) -> None:
    _, (deployment, rs, pod, service, policy, event, configmap) = anonymized
    ns = pod["metadata"]["namespace"]
    assert re.fullmatch(r"ns-[0-9a-f]{4,}", ns)
    assert {o["metadata"]["namespace"] for o in (deployment, rs, service, policy, event, configmap)} == {ns}
    assert rs["metadata"]["ownerReferences"][0]["name"] == deployment["metadata"]["name"]
    assert pod["metadata"]["ownerReferences"][0]["name"] == rs["metadata"]["name"]
    # Selectors still select: the Service, the Deployment and the policy match the pod's labels.
    pod_labels = pod["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= pod_labels.items()
    assert deployment["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    assert policy["spec"]["podSelector"]["matchExpressions"][0]["values"] == [pod_labels["app"]]
    assert policy["spec"]["ingress"][0]["from"][0]["namespaceSelector"]["matchLabels"] == {
        "kubernetes.io/metadata.name": ns
    }
    assert pod_labels["pod-template-hash"] == "79d868d77"
    # The ConfigMap reference, made before the ConfigMap itself was seen, still matches it.
    ref = pod["spec"]["containers"][0]["env"][1]["valueFrom"]["configMapKeyRef"]["name"]
    assert ref == configmap["metadata"]["name"]
    # Events point at the pod and name it in their message.
    assert event["involvedObject"]["name"] == pod["metadata"]["name"]
    assert event["metadata"]["name"].startswith(pod["metadata"]["name"] + ".")
    assert event["source"]["host"] == pod["spec"]["nodeName"]
    assert pod["metadata"]["name"] in event["message"]
    container = pod["spec"]["containers"][0]["name"]
    assert event["involvedObject"]["fieldPath"] == f"spec.containers{{{container}}}"
    # Port names are vocabulary, not identities: the Service still targets the container port.
    assert (
        pod["spec"]["containers"][0]["ports"][0]["name"]
        == service["spec"]["ports"][0]["targetPort"]
        == "http"
    )


def test_no_original_name_survives_in_any_object(anonymized: tuple[Anonymizer, list[dict[str, Any]]]) -> None:
    _, objects = anonymized
    dumped = orjson.dumps(objects).decode()
    for original in (
        "billing",
        "invoice-api",
        "worker-eu-1",
        "invoice-config",
        "invoice-db",
        "allow-billing",
    ):
        assert re.search(rf"(?<![a-z0-9]){re.escape(original)}(?![a-z0-9])", dumped) is None, original


def test_images_keep_tags_and_digests_and_public_images_stay(
    anonymized: tuple[Anonymizer, list[dict[str, Any]]],
) -> None:
    anon, (_, _, pod, *_) = anonymized
    image = pod["spec"]["containers"][0]["image"]
    assert re.fullmatch(r"host-[0-9a-f]{4,}\.example/[a-z]+-[0-9a-f]{4,}:2\.3\.1", image)
    assert pod["status"]["containerStatuses"][0]["image"] == image
    digest = "sha256:" + "ab" * 32
    mapped = anon.image(f"docker-pullable://registry.billing.example/invoice-api@{digest}")
    assert mapped == f"docker-pullable://{image.split(':')[0]}@{digest}"
    for public in (
        "registry.k8s.io/coredns/coredns:v1.11.3",
        "postgres:16.4",
        "docker.io/kindest/kindnetd:v2025",
    ):
        assert anon.image(public) == public


def test_well_known_names_and_addresses_stay() -> None:
    anon = Anonymizer()
    assert anon.namespace("kube-system") == "kube-system"
    assert anon.name("coredns-6f6b679f8f-4qv8n", "app") == "coredns-6f6b679f8f-4qv8n"
    assert anon.name("kube-root-ca.crt", "cm") == "kube-root-ca.crt"
    assert anon.name("system:node:worker", "obj") == "system:node:worker"
    assert anon.host("10.0.0.7:8080") == "10.0.0.7:8080"
    assert anon.host("*.shop.example.com").startswith("*.host-")


def test_text_is_anonymized_and_an_answer_deanonymized(
    anonymized: tuple[Anonymizer, list[dict[str, Any]]],
) -> None:
    anon, (_, _, pod, *_) = anonymized
    log = "2026-12-07T01:42:27Z starting invoice-api in namespace billing on worker-eu-1"
    text = anon.anonymize_text(log)
    for original in ("invoice-api", "billing", "worker-eu-1"):
        assert original not in text
    answer = f"The pod {pod['metadata']['name']} in {pod['metadata']['namespace']} lacks DATABASE_URL."
    assert (
        anon.deanonymize_text(answer) == "The pod invoice-api-79d868d77-vgmg7 in billing lacks DATABASE_URL."
    )
    assert anon.deanonymize_text(text) == log


def test_the_map_round_trips_through_json_and_a_private_file(
    anonymized: tuple[Anonymizer, list[dict[str, Any]]], tmp_path: Path
) -> None:
    anon, (_, _, pod, *_) = anonymized
    path = tmp_path / "map.json"
    anon.save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = Anonymizer.load(path)
    assert again.name("invoice-api-79d868d77-zzzzz", "app") == pod["metadata"]["name"][:-5] + "zzzzz"
    assert again.deanonymize_text(pod["metadata"]["name"]) == "invoice-api-79d868d77-vgmg7"
    # A new key gives new pseudonyms: they reveal nothing without the map.
    assert Anonymizer().namespace(NS) != anon.namespace(NS)


def test_a_file_that_is_not_a_map_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "something-else"}')
    with pytest.raises(ConfigError, match=r"bad\.json: not a Kube Workbench anonymization map"):
        Anonymizer.load(bad)
    with pytest.raises(ConfigError, match="cannot read the anonymization map"):
        Anonymizer.load(tmp_path / "absent.json")


@pytest.fixture(scope="module")
def incident_objects() -> Iterator[list[dict[str, Any]]]:
    with sandbox_pkg.start(scenario="incident", manual_clock=True) as sb:
        objects = []
        for kind in BUILTIN:
            if kind.group == "admissionregistration.k8s.io":
                continue  # not served by the sandbox
            for page in fetch_pages(sb, kind):
                objects.extend(orjson.loads(page)["items"])
        yield objects


def test_a_whole_cluster_keeps_its_selectors_and_loses_its_names(
    incident_objects: list[dict[str, Any]],
) -> None:
    anon = Anonymizer()
    mapped = [anon.anonymize_object(obj) for obj in incident_objects]

    def selected(objects: list[dict[str, Any]]) -> list[tuple[str, int]]:
        pods = [o for o in objects if o.get("kind") == "Pod"]
        result = []
        for svc in (o for o in objects if o.get("kind") == "Service" and o["spec"].get("selector")):
            ns, selector = svc["metadata"]["namespace"], svc["spec"]["selector"]
            hits = [
                p
                for p in pods
                if p["metadata"]["namespace"] == ns
                and selector.items() <= p["metadata"].get("labels", {}).items()
            ]
            result.append((svc["metadata"]["name"], len(hits)))
        return result

    before, after = selected(incident_objects), selected(mapped)
    assert [n for _, n in before] == [n for _, n in after]
    assert sum(n for _, n in before) > 5
    dumped = orjson.dumps(mapped).decode()
    pods = [
        o["metadata"]["name"]
        for o in incident_objects
        if o.get("kind") == "Pod" and o["metadata"]["namespace"] in {"shop", "payments"}
    ]
    assert pods
    for original in [*pods, "shop", "payments", "registry.shop.example"]:
        assert re.search(rf"(?<![a-z0-9]){re.escape(original)}(?![a-z0-9])", dumped) is None, original
