"""pod.image-pull: images the kubelet cannot pull, and the cause read from its events."""

from __future__ import annotations

import pytest

from tests.analyzers.pods.conftest import Pull
from tests.analyzers.pods.objects import bundle, container, event, pod, run, status, summary, waiting
from workbench.analyzers.pods.image_pull import ImagePull

IMAGE = "registry.example/shop/web:2.0.1"


@pytest.mark.parametrize(
    ("reason", "failure", "cause"),
    [
        ("ImagePullBackOff", f'failed to resolve reference "{IMAGE}": {IMAGE}: not found', "not found"),
        ("ErrImagePull", 'manifest unknown: manifest tagged by "2.0.1" is not found', "not found"),
        (
            "ErrImagePull",
            "pull access denied, repository does not exist or may require authorization: unauthorized",
            "access denied",
        ),
        (
            "ImagePullBackOff",
            "dial tcp: lookup registry.example on 10.0.0.2:53: no such host",
            "registry unreachable",
        ),
        ("ImagePullBackOff", "toomanyrequests: You have reached your pull rate limit", "rate limited"),
        ("InvalidImageName", "", "invalid image name"),
    ],
)
def test_the_cause_comes_from_the_kubelets_message(reason: str, failure: str, cause: str) -> None:
    p = pod(
        "web-1",
        containers=[container(image=IMAGE)],
        statuses=[
            status(ready=False, state=waiting(reason, f'Back-off pulling image "{IMAGE}"'), image=IMAGE)
        ],
        pod_spec={"imagePullSecrets": [{"name": "regcred"}]},
    )
    events = [event(p, "Failed", f'Failed to pull image "{IMAGE}": {failure}', count=4)] if failure else []
    (finding,) = run(ImagePull, bundle(p, *events))
    assert (finding.code, str(finding.severity)) == ("pod.image-pull", "error")
    assert finding.summary.endswith(f"cannot pull image {IMAGE} ({cause})")
    assert finding.evidence[0].value == IMAGE
    if failure:
        assert finding.evidence[-1].subject == "event Failed (x4)"
    secrets = [str(r) for r in finding.related if r.kind == "Secret"]
    assert secrets == (["Secret shop/regcred"] if cause == "access denied" else [])
    assert "set-image" in finding.planners


def test_an_init_containers_image_is_an_image_pull_not_an_init_failure() -> None:
    p = pod(
        "web-1",
        init=[container("setup", image="busybox:nope")],
        init_statuses=[status("setup", ready=False, state=waiting("ErrImagePull"))],
        statuses=[status(ready=False, state=waiting("PodInitializing"))],
    )
    findings = run(ImagePull, bundle(p))
    assert summary(findings) == [("pod.image-pull", "web-1", "error")]
    assert "init container setup" in findings[0].summary
    assert findings[0].evidence[0].subject == "spec.initContainers[setup].image"


def test_image_pull_scenario(scenario: Pull) -> None:
    findings = run(ImagePull, scenario("image-pull"))
    assert [(f.ref.namespace, f.ref.name.rsplit("-", 2)[0], str(f.severity)) for f in findings] == [
        ("storefront", "catalog", "error")
    ] * 2
    assert all(
        f.summary.endswith("cannot pull image registry.shop.example/catalog:v2.14.1 (not found)")
        for f in findings
    )
