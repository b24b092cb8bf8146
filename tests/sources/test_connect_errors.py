"""Every way connecting or reading can fail raises its typed error, with a message that names the fix."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import orjson
import pytest

from tests.sources.conftest import CONTEXT, Sleeps, exec_user, kubeconfig, wait_for
from tests.sources.faults import DROPPED, FaultProxy
from workbench import sandbox as sandbox_pkg
from workbench.errors import (
    ApiStatusError,
    ApiUnreachableError,
    ConfigError,
    CredentialsError,
    ForbiddenError,
    KindAbsentError,
    KubeconfigError,
)
from workbench.sources import _kubeconfig
from workbench.sources._kinds import builtin
from workbench.sources._live import connect_live
from workbench.sources._transport import RetryPolicy

PODS = builtin("pods")


# -- finding a kubeconfig ------------------------------------------------------------------------------
def test_no_kubeconfig_anywhere_says_what_was_tried_and_how_to_fix_it(no_kubeconfig: Path) -> None:
    with pytest.raises(KubeconfigError) as caught:
        connect_live()
    message = str(caught.value)
    assert f"tried {no_kubeconfig / '.kube' / 'config'}" in message
    assert "KUBERNETES_SERVICE_HOST is not set" in message
    for fix in ("set KUBECONFIG", "kubeconfig=", "workbench sandbox start"):
        assert fix in message
    assert isinstance(caught.value, ConfigError)


def test_kubeconfig_variable_with_no_existing_file_lists_each_path(
    no_kubeconfig: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUBECONFIG", f"{no_kubeconfig}/a.yaml:{no_kubeconfig}/b.yaml")
    with pytest.raises(KubeconfigError, match=r"tried .*/a\.yaml, .*/b\.yaml \(KUBECONFIG\)"):
        _kubeconfig.load()


def test_default_location_is_used_without_kubeconfig_variable(
    sb: sandbox_pkg.Sandbox, no_kubeconfig: Path
) -> None:
    kubeconfig(no_kubeconfig / ".kube" / "config", sb.url)
    with connect_live() as source:
        assert source.name == CONTEXT
        assert source.server == sb.url


def test_kubeconfig_variable_merges_files_and_first_current_context_wins(
    sb: sandbox_pkg.Sandbox, no_kubeconfig: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = kubeconfig(no_kubeconfig / "one.yaml", sb.url, context="one")
    second = kubeconfig(no_kubeconfig / "two.yaml", "http://127.0.0.1:9", context="two")
    monkeypatch.setenv("KUBECONFIG", f"{no_kubeconfig}/missing.yaml:{first}:{second}")
    loaded = _kubeconfig.load()
    assert (loaded.context, loaded.server, loaded.namespace) == ("one", sb.url, "default")
    assert loaded.origin == f"{first}:{second}"
    assert _kubeconfig.load("two").server == "http://127.0.0.1:9"


def test_explicit_kubeconfig_that_does_not_exist(no_kubeconfig: Path) -> None:
    with pytest.raises(KubeconfigError, match=r"nowhere\.yaml passed as kubeconfig= does not exist"):
        connect_live(kubeconfig=no_kubeconfig / "nowhere.yaml")


def test_unknown_context_lists_the_available_ones(sb: sandbox_pkg.Sandbox, tmp_path: Path) -> None:
    config = kubeconfig(tmp_path / "kubeconfig", sb.url, extra_contexts=("staging", "prod-eu"))
    with pytest.raises(KubeconfigError) as caught:
        connect_live("prod-us", kubeconfig=config)
    message = str(caught.value)
    assert "context 'prod-us' is not in" in message
    assert f"available contexts: prod-eu, staging, {CONTEXT}" in message
    assert "kubectl config get-contexts" in message


def test_no_current_context_asks_for_one(sb: sandbox_pkg.Sandbox, tmp_path: Path) -> None:
    config = kubeconfig(tmp_path / "kubeconfig", sb.url, current="")
    with pytest.raises(KubeconfigError, match=f"sets no current-context; pass context= one of: {CONTEXT}"):
        connect_live(kubeconfig=config)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("clusters: [\n  - name: a\n  server: : x\n", "is not valid YAML"),
        (b"\xff\xfe not text", "it is not UTF-8 text"),
        ("", "is empty"),
        ("- just\n- a list\n", "is not a mapping"),
        ("contexts: {a: b}\n", "malformed contexts section"),
    ],
)
def test_broken_kubeconfig_files(tmp_path: Path, text: str | bytes, says: str) -> None:
    path = tmp_path / "broken.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    with pytest.raises(KubeconfigError, match=says) as caught:
        connect_live(kubeconfig=path)
    assert str(path) in str(caught.value)


def test_context_naming_a_missing_cluster(tmp_path: Path) -> None:
    path = tmp_path / "kubeconfig"
    path.write_text(
        "contexts: [{name: c, context: {cluster: gone, user: u}}]\nusers: [{name: u, user: {}}]\n"
        "clusters: []\ncurrent-context: c\n"
    )
    with pytest.raises(
        KubeconfigError, match=r"context 'c' in .* cannot be used: .*gone.*kubectl config view"
    ):
        connect_live(kubeconfig=path)


def test_in_cluster_without_a_service_account(no_kubeconfig: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.0.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", "443")
    if Path("/var/run/secrets/kubernetes.io/serviceaccount/token").exists():
        pytest.skip("this machine is a pod with a service account")
    with pytest.raises(
        KubeconfigError, match="service account cannot be used: Service token file does not exist"
    ):
        connect_live()


# -- exec credential plugins ---------------------------------------------------------------------------
def test_exec_plugin_token_is_sent(plugin: tuple[Path, Path], proxy: FaultProxy, tmp_path: Path) -> None:
    script, runs = plugin
    config = kubeconfig(tmp_path / "kubeconfig", proxy.url, user=exec_user(script, str(runs), "0", "fresh"))
    with connect_live(kubeconfig=config) as source:
        assert len(list(source.list_pages(builtin("nodes")))) == 1
    assert {e.authorization for e in proxy.log} == {"Bearer tok-1"}
    assert runs.read_text() == "1"


def test_expired_exec_token_is_refreshed_for_each_request(
    plugin: tuple[Path, Path], proxy: FaultProxy, tmp_path: Path
) -> None:
    script, runs = plugin
    config = kubeconfig(tmp_path / "kubeconfig", proxy.url, user=exec_user(script, str(runs), "0", "expired"))
    with connect_live(kubeconfig=config, page_size=600) as source:
        list(source.list_pages(PODS))
    sent = [e.authorization for e in proxy.log]
    # Loading ran the plugin once (tok-1); every request found that token expired and got a new one.
    assert sent == [f"Bearer tok-{n}" for n in range(2, len(sent) + 2)]
    assert len(sent) == 4  # /version and three pages


def test_failing_exec_plugin_gives_its_message(plugin: tuple[Path, Path], tmp_path: Path) -> None:
    script, runs = plugin
    config = kubeconfig(
        tmp_path / "kubeconfig", "http://127.0.0.1:9", user=exec_user(script, str(runs), "1", "fresh")
    )
    with pytest.raises(KubeconfigError) as caught:
        connect_live(kubeconfig=config)
    message = str(caught.value)
    assert f"exec credential plugin {sys.executable!r} of context {CONTEXT!r} failed" in message
    assert "process returned 1" in message
    assert "token refresh denied: run `cloud auth login` first" in message
    assert "Run that command yourself" in message


def test_missing_exec_plugin_command(tmp_path: Path) -> None:
    user = {
        "exec": {"apiVersion": "client.authentication.k8s.io/v1beta1", "command": "/nonexistent/cloud-auth"}
    }
    config = kubeconfig(tmp_path / "kubeconfig", "http://127.0.0.1:9", user=user)
    with pytest.raises(KubeconfigError, match=r"'/nonexistent/cloud-auth' .* failed: .*No such file"):
        connect_live(kubeconfig=config)


def test_exec_plugin_failing_on_refresh_is_a_credentials_error(
    plugin: tuple[Path, Path], proxy: FaultProxy, tmp_path: Path
) -> None:
    script, runs = plugin
    config = kubeconfig(tmp_path / "kubeconfig", proxy.url, user=exec_user(script, str(runs), "2", "expired"))
    with pytest.raises(
        CredentialsError, match=r"expired and its exec plugin failed to renew it: .*cloud auth login"
    ):
        connect_live(kubeconfig=config)
    assert proxy.log == []  # the expired token was never sent


# -- the API server down, before and during a pull -----------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_api_down_before_connecting(tmp_path: Path, retry: RetryPolicy, sleeps: Sleeps) -> None:
    server = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(ApiUnreachableError) as caught:
        connect_live(kubeconfig=kubeconfig(tmp_path / "kubeconfig", server), retry=retry)
    assert caught.value.server == server
    message = str(caught.value)
    assert f"cannot reach the API server {server} of context {CONTEXT!r}" in message
    assert "the connection was refused (after 3 attempts)" in message
    assert "is the cluster up" in message
    assert "workbench sandbox start" in message
    assert len(sleeps) == 2
    assert 0.005 <= sleeps[0] <= 0.01
    assert 0.01 <= sleeps[1] <= 0.02


def test_api_down_mid_pull(proxy: FaultProxy, tmp_path: Path, retry: RetryPolicy, sleeps: Sleeps) -> None:
    config = kubeconfig(tmp_path / "kubeconfig", proxy.url)
    with connect_live(kubeconfig=config, page_size=100, retry=retry) as source:
        pages = source.list_pages(PODS)
        first = next(pages)
        # Once the prefetched second page is answered, the API server goes away.
        wait_for(lambda: len(proxy.entries("/api/v1/pods")) == 2, "the prefetch of page 2")
        proxy.drop_after(0)
        with pytest.raises(
            ApiUnreachableError, match=r"the connection was dropped \(after 3 attempts\)"
        ) as caught:
            list(pages)
    assert caught.value.server == proxy.url
    assert len(orjson.loads(first)["items"]) == 100
    statuses = [e.status for e in proxy.entries("/api/v1/pods")]
    assert statuses == [200, 200, DROPPED, DROPPED, DROPPED]


def test_api_that_stops_answering_times_out(proxy: FaultProxy, tmp_path: Path, retry: RetryPolicy) -> None:
    config = kubeconfig(tmp_path / "kubeconfig", proxy.url)
    with connect_live(kubeconfig=config, timeout=(5.0, 0.2), retry=retry) as source:
        proxy.stall("/api/v1/nodes", 0.6)
        with pytest.raises(ApiUnreachableError, match=r"it did not answer within 0\.2s \(after 3 attempts\)"):
            list(source.list_pages(builtin("nodes")))


def test_tls_failure_names_the_certificate_fix_and_is_not_retried(
    sb: sandbox_pkg.Sandbox, tmp_path: Path, retry: RetryPolicy, sleeps: Sleeps
) -> None:
    server = sb.url.replace("http://", "https://")  # the sandbox speaks plain HTTP: no TLS handshake
    with pytest.raises(ApiUnreachableError, match="the TLS handshake failed") as caught:
        connect_live(kubeconfig=kubeconfig(tmp_path / "kubeconfig", server), retry=retry)
    assert "certificate-authority" in str(caught.value)
    assert caught.value.server == server
    assert sleeps == []


# -- refusals ------------------------------------------------------------------------------------------
def test_rejected_credentials(proxy: FaultProxy, tmp_path: Path, retry: RetryPolicy) -> None:
    proxy.fail(None, 401, message="Unauthorized")
    with pytest.raises(CredentialsError) as caught:
        connect_live(kubeconfig=kubeconfig(tmp_path / "kubeconfig", proxy.url), retry=retry)
    message = str(caught.value)
    assert f"rejected the credentials of context {CONTEXT!r} (401 Unauthorized: Unauthorized)" in message
    assert "log in again" in message
    assert "refresh the kubeconfig" in message
    assert len(proxy.log) == 1  # never retried


def test_forbidden_kind_carries_the_servers_message(proxy: FaultProxy, tmp_path: Path) -> None:
    said = 'secrets is forbidden: User "jane" cannot list resource "secrets" in API group ""'
    proxy.fail("/api/v1/secrets", 403, message=said)
    with connect_live(kubeconfig=kubeconfig(tmp_path / "kubeconfig", proxy.url)) as source:
        with pytest.raises(ForbiddenError) as caught:
            list(source.list_pages(builtin("secrets")))
        assert len(list(source.list_pages(builtin("nodes")))) == 1  # other kinds still read
    error = caught.value
    assert (error.code, error.reason, error.path) == (403, "Forbidden", "/api/v1/secrets")
    assert str(error).startswith(said)
    assert "ask for a Role or ClusterRole that grants get/list" in str(error)


def test_hidden_api_group_is_an_absent_kind(sb: sandbox_pkg.Sandbox, tmp_path: Path) -> None:
    sb.hide_group("metrics.k8s.io")
    try:
        with connect_live(kubeconfig=sb.kubeconfig) as source, pytest.raises(KindAbsentError) as caught:
            list(source.list_pages(builtin("pod_metrics")))
    finally:
        sb.hide_group("metrics.k8s.io", hidden=False)
    error = caught.value
    assert (error.code, error.reason, error.path) == (404, "NotFound", "/apis/metrics.k8s.io/v1beta1/pods")
    assert "metrics.k8s.io needs metrics-server" in str(error)
    assert isinstance(error, ApiStatusError)


# -- retries -------------------------------------------------------------------------------------------
def test_429_waits_as_long_as_retry_after_says(
    proxy: FaultProxy, tmp_path: Path, retry: RetryPolicy, sleeps: Sleeps
) -> None:
    with connect_live(kubeconfig=kubeconfig(tmp_path / "kubeconfig", proxy.url), retry=retry) as source:
        proxy.fail("/api/v1/nodes", 429, times=1, retry_after="2")
        pages = list(source.list_pages(builtin("nodes")))
    assert len(orjson.loads(pages[0])["items"]) > 0
    assert [e.status for e in proxy.entries("/api/v1/nodes")] == [429, 200]
    assert sleeps == [2.0]


def test_500_twice_then_success(
    proxy: FaultProxy, tmp_path: Path, retry: RetryPolicy, sleeps: Sleeps
) -> None:
    with connect_live(kubeconfig=kubeconfig(tmp_path / "kubeconfig", proxy.url), retry=retry) as source:
        proxy.fail("/api/v1/nodes", 500, times=2)
        pages = list(source.list_pages(builtin("nodes")))
    assert len(pages) == 1
    assert [e.status for e in proxy.entries("/api/v1/nodes")] == [500, 500, 200]
    assert len(sleeps) == 2
    assert sleeps[0] <= 0.01 < sleeps[1] * 2 <= 0.04  # doubling back-off with jitter


def test_500_that_persists_is_an_api_status_error(
    proxy: FaultProxy, tmp_path: Path, retry: RetryPolicy
) -> None:
    with connect_live(kubeconfig=kubeconfig(tmp_path / "kubeconfig", proxy.url), retry=retry) as source:
        proxy.fail("/api/v1/nodes", 503, message="etcdserver: leader changed")
        with pytest.raises(
            ApiStatusError, match="answered 503 ServiceUnavailable to GET /api/v1/nodes 3 times"
        ) as e:
            list(source.list_pages(builtin("nodes")))
    assert (e.value.code, e.value.reason) == (503, "ServiceUnavailable")
    assert "etcdserver: leader changed" in str(e.value)
    assert "try again later" in str(e.value)
    assert len(proxy.entries("/api/v1/nodes")) == 3


def test_long_retry_after_is_capped(proxy: FaultProxy, tmp_path: Path, sleeps: Sleeps) -> None:
    retry = RetryPolicy(attempts=2, max_retry_after=5, sleep=sleeps)
    with connect_live(kubeconfig=kubeconfig(tmp_path / "kubeconfig", proxy.url), retry=retry) as source:
        proxy.fail("/api/v1/nodes", 429, times=1, retry_after="3600")
        list(source.list_pages(builtin("nodes")))
    assert sleeps == [5.0]


def test_bad_retry_and_timeout_settings(sb: sandbox_pkg.Sandbox) -> None:
    with pytest.raises(ConfigError, match="attempts must be at least 1"):
        RetryPolicy(attempts=0)
    with pytest.raises(ConfigError, match="timeout must be positive seconds"):
        connect_live(kubeconfig=sb.kubeconfig, timeout=(0, 5))
