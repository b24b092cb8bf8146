"""Image pulls: bad tags and repositories, private images, pull policies, invalid names."""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import Kubectl
from tests.sandbox.control._kubelet_pods import (  # fixtures
    add_images,
    container,
    create,
    get,
    pod,
    reasons,
    status_of,
    table_status,
    waiting_reason,
)
from workbench import sandbox

NOT_FOUND = (
    'rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/library/nginx:1.99": '
    'failed to resolve reference "docker.io/library/nginx:1.99": docker.io/library/nginx:1.99: not found'
)


def test_a_bad_tag_cycles_between_err_image_pull_and_image_pull_backoff(
    sb: sandbox.Sandbox, kubectl: Kubectl
) -> None:
    create(sb, "Pod", pod("api", container("api", "nginx:1.99")))
    sb.advance(0)
    seen = set()
    for _ in range(40):
        sb.advance(5)
        seen.add(table_status(kubectl, "api"))
    assert seen == {"ErrImagePull", "ImagePullBackOff"}
    status = get(sb, "api")["status"]
    assert status["phase"] == "Pending"
    cs = status_of(sb, "api")
    assert (cs["ready"], cs["started"], cs["restartCount"], cs["imageID"]) == (False, False, 0, "")
    assert cs["image"] == "nginx:1.99"
    first_seen = []
    for reason, message in reasons(sb, "api"):
        if (reason, message) not in first_seen:
            first_seen.append((reason, message))
    assert first_seen == [
        ("Pulling", 'Pulling image "nginx:1.99"'),
        ("Failed", f'Failed to pull image "nginx:1.99": {NOT_FOUND}'),
        ("Failed", "Error: ErrImagePull"),
        ("BackOff", 'Back-off pulling image "nginx:1.99"'),
        ("Failed", "Error: ImagePullBackOff"),
    ]
    backoff = next(e for e in _events(sb, "api") if e["reason"] == "BackOff")
    assert backoff["type"] == "Normal"
    assert backoff["count"] > 1
    describe = kubectl("describe", "pod", "api").stdout
    assert re.search(r"Reason:\s+(ImagePullBackOff|ErrImagePull)", describe)
    logs = kubectl("logs", "api", check=False)
    assert 'container "api" in pod "api" is waiting to start' in logs.stderr
    assert sb.control.errors == []


def _events(sb: sandbox.Sandbox, name: str) -> list[dict[str, Any]]:
    return [e for e in sb.control.cluster.objects("Event", "default") if e["involvedObject"]["name"] == name]


def test_the_back_off_message_carries_the_pull_error(sb: sandbox.Sandbox) -> None:
    create(sb, "Pod", pod("api", container("api", "nginx:1.99")))
    sb.advance(0)
    for _ in range(20):
        sb.advance(3)
        if waiting_reason(sb, "api") == "ImagePullBackOff":
            break
    waiting = status_of(sb, "api")["state"]["waiting"]
    assert waiting == {
        "reason": "ImagePullBackOff",
        "message": f'Back-off pulling image "nginx:1.99": ErrImagePull: {NOT_FOUND}',
    }


def test_an_unknown_repository_is_access_denied(sb: sandbox.Sandbox) -> None:
    create(sb, "Pod", pod("api", container("api", "shop/api:1.4")))
    sb.advance(0)
    sb.advance(5)
    waiting = status_of(sb, "api")["state"]["waiting"]
    assert waiting["reason"] == "ErrImagePull"
    assert waiting["message"] == (
        'rpc error: code = Unknown desc = failed to pull and unpack image "docker.io/shop/api:1.4": '
        'failed to resolve reference "docker.io/shop/api:1.4": pull access denied, repository does not '
        "exist or may require authorization: server message: insufficient_scope: authorization failed"
    )


def test_a_private_image_needs_an_image_pull_secret(sb: sandbox.Sandbox) -> None:
    add_images(sb, {"shop/private-api": {"private": True, "ports": [8080]}})
    create(sb, "Pod", pod("anon", container("api", "shop/private-api:2.0"), node="kind-worker"))
    create(
        sb,
        "Secret",
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "regcred", "namespace": "default"},
            "type": "kubernetes.io/dockerconfigjson",
            "data": {".dockerconfigjson": "e30="},
        },
    )
    create(
        sb,
        "Pod",
        pod(
            "authed",
            container("api", "shop/private-api:2.0"),
            node="kind-worker2",
            imagePullSecrets=[{"name": "regcred"}],
        ),
    )
    create(
        sb,
        "Pod",
        pod(
            "typo",
            container("api", "shop/private-api:2.0"),
            node="kind-control-plane",
            imagePullSecrets=[{"name": "regcreds"}],
        ),
    )
    sb.advance(0)
    sb.advance(10)
    assert "pull access denied" in status_of(sb, "anon")["state"]["waiting"]["message"]
    assert get(sb, "authed")["status"]["phase"] == "Running"
    assert (
        "FailedToRetrieveImagePullSecret",
        "Unable to retrieve some image pull secrets (regcreds); "
        "attempting to pull the image may not succeed.",
    ) in reasons(sb, "typo")
    assert waiting_reason(sb, "typo") == "ErrImagePull"
    assert sb.control.errors == []


def test_a_fixed_image_is_pulled_at_once(sb: sandbox.Sandbox, kubectl: Kubectl) -> None:
    create(sb, "Pod", pod("api", container("api", "nginx:1.99")))
    sb.advance(0)
    sb.advance(60)
    assert waiting_reason(sb, "api") in ("ErrImagePull", "ImagePullBackOff")
    kubectl("set", "image", "pod/api", "api=nginx:1.27")
    sb.advance(0)
    sb.advance(5)
    assert get(sb, "api")["status"]["phase"] == "Running"
    assert ("Pulling", 'Pulling image "nginx:1.27"') in reasons(sb, "api")
    assert sb.control.errors == []


def test_pull_policies(sb: sandbox.Sandbox) -> None:
    create(sb, "Pod", pod("never", container("api", "redis:7.4", imagePullPolicy="Never")))
    create(
        sb,
        "Pod",
        pod("preloaded", container("api", "registry.k8s.io/pause:3.10", imagePullPolicy="Never")),
    )
    create(sb, "Pod", pod("always", container("api", "registry.k8s.io/pause:3.10", imagePullPolicy="Always")))
    sb.advance(0)
    sb.advance(10)
    assert waiting_reason(sb, "never") == "ErrImageNeverPull"
    assert reasons(sb, "never")[:2] == [
        ("ErrImageNeverPull", 'Container image "redis:7.4" is not present with pull policy of Never'),
        ("Failed", "Error: ErrImageNeverPull"),
    ]
    assert reasons(sb, "preloaded")[0] == (
        "Pulled",
        'Container image "registry.k8s.io/pause:3.10" already present on machine',
    )
    assert status_of(sb, "preloaded")["imageID"].startswith("sha256:")
    assert [r for r, _ in reasons(sb, "always")][:2] == ["Pulling", "Pulled"]
    assert sb.control.errors == []


def test_an_invalid_image_name(sb: sandbox.Sandbox, kubectl: Kubectl) -> None:
    create(sb, "Pod", pod("api", container("api", "Shop/API:1.0")))
    sb.advance(0)
    sb.advance(5)
    message = (
        'Failed to apply default image tag "Shop/API:1.0": couldn\'t parse image name "Shop/API:1.0": '
        "invalid reference format: repository name (Shop/API) must be lowercase"
    )
    assert status_of(sb, "api")["state"]["waiting"] == {"reason": "InvalidImageName", "message": message}
    assert reasons(sb, "api")[:2] == [("InspectFailed", message), ("Failed", "Error: InvalidImageName")]
    assert table_status(kubectl, "api") == "InvalidImageName"
