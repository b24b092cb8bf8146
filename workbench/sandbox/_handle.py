"""Starting a sandbox: `start()` returns a running `Sandbox` with its URL and a kubeconfig."""

from __future__ import annotations

import base64
import errno
import os
import secrets
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

import yaml

from workbench.errors import ConfigError, SandboxStartError
from workbench.sandbox import _control, _rbac, _scenarios, _synthetic
from workbench.sandbox._api import Api
from workbench.sandbox._clock import Clock, parse_time
from workbench.sandbox._control import ControlPlane, _apps
from workbench.sandbox._control._cluster import KINDS
from workbench.sandbox._http import self_signed_tls
from workbench.sandbox._lessons import HintLadder
from workbench.sandbox._logs import LogStore
from workbench.sandbox._registry import Registry
from workbench.sandbox._scenarios._checks import CheckReport, evaluate, parse_checks
from workbench.sandbox._server import SandboxHTTPServer, SandboxState, serve_in_thread
from workbench.sandbox._store import Store

CONTEXT = "workbench-sandbox"


class Sandbox:
    """A running sandbox cluster on loopback.

    Use it as a context manager, or call `stop()`. ``kubeconfig`` is a file kubectl and the official
    client can use as they are; ``url`` is the API server's address.

    Example:
        >>> from workbench import sandbox
        >>> with sandbox.start(scenario="healthy") as sb:
        ...     sb.url.startswith("http://127.0.0.1:")
        True
    """

    def __init__(
        self,
        state: SandboxState,
        server: SandboxHTTPServer,
        kubeconfig: Path,
        *,
        scenario: str,
        own_kubeconfig: bool,
        teaching: Mapping[str, Any] | None = None,
    ) -> None:
        self._state = state
        self.teaching: Mapping[str, Any] = dict(teaching or {})
        """The scenario's goal, level, hints, fix, wrong_fixes and checks (empty for a plain cluster)."""
        self._server = server
        self._thread = serve_in_thread(server)
        self.kubeconfig = kubeconfig
        self.scenario = scenario
        self._own_kubeconfig = own_kubeconfig
        self._user_kubeconfigs: list[Path] = []
        self._tls_cert = b""
        host, port = server.server_address[:2]
        self.port = int(port)
        self.url = f"http://{host!s}:{self.port}"

    @property
    def api(self) -> Api:
        """The in-process API (for the simulated control plane and tests)."""
        return self._state.api

    @property
    def logs(self) -> LogStore:
        return self._state.logs

    @property
    def clock(self) -> Clock:
        return self._state.api.clock

    @property
    def requests(self) -> list[tuple[str, str, int]]:
        """The most recent requests served: (method, path with query, status code)."""
        return list(self._state.requests)

    @property
    def control(self) -> ControlPlane:
        """The simulated control plane (its `errors` list stays empty unless a controller failed)."""
        if self._state.control is None:
            raise ConfigError("this sandbox runs without a control plane (a snapshot replay)")
        return self._state.control

    def advance(self, seconds: float) -> None:
        """Move simulated time forward (runs what falls due: graceful deletions, later the controllers)."""
        self.clock.advance(seconds)

    def check(self) -> CheckReport:
        """Evaluate the scenario's success checks against the cluster as it is now.

        Example:
            >>> from workbench import sandbox
            >>> with sandbox.start(scenario="crashloop", manual_clock=True) as sb:
            ...     sb.check().passed
            False
        """
        checks = parse_checks(self.teaching.get("checks"), source=self.scenario)
        return evaluate(checks, self._fetch)

    def _fetch(self, kind: str, namespace: str | None) -> list[dict[str, Any]]:
        group, version, plural = KINDS[kind]
        rtype = self.api.registry.find(group, version, plural)
        if rtype is None:
            raise ConfigError(f"the sandbox does not serve {kind}")
        ns = namespace if rtype.namespaced else None
        return [entry.decode() for entry in self.api.store.iter_entries(self.api.bucket(rtype), ns)]

    def kubeconfig_for(
        self, user: str, groups: Sequence[str] = (), *, path: str | os.PathLike[str] | None = None
    ) -> Path:
        """Register a user with a fresh bearer token and write a kubeconfig that authenticates as it.

        Requests with the token are from `user` (in `groups`, ``system:authenticated``, and for
        ``system:serviceaccount:<ns>:<name>`` the ServiceAccount groups) and are authorized by RBAC
        against the Roles and bindings in the cluster; requests without one stay the admin's, and
        from now on a token the sandbox did not issue gets 401 Unauthorized. The kubeconfig names
        the same port over ``https`` (a self-signed certificate made with ``openssl``, trusted by
        the file): kubectl sends no token to a plain-HTTP server. The first user also adds the
        bootstrap ClusterRoles and bindings a real cluster starts with (cluster-admin, admin, edit,
        view, system:basic-user, system:discovery...) that the cluster lacks. The file has one
        context, ``workbench-sandbox-<user>``.

        Args:
            user: the user name (``alice``, ``system:serviceaccount:shop:deployer``).
            groups: the user's groups (``system:masters`` makes it an admin).
            path: where to write the kubeconfig; default a temporary file removed at `stop()`.

        Returns:
            The kubeconfig's path.

        Raises:
            ConfigError: an empty user name or group, or one that is not a string.
            SandboxStartError: the TLS certificate could not be made (no ``openssl`` command).

        Example:
            >>> from workbench import sandbox
            >>> with sandbox.start(scenario="healthy", manual_clock=True) as sb:
            ...     sb.kubeconfig_for("alice", ["dev"]).read_text().count("token:")
            1
        """
        if not isinstance(user, str) or not user.strip():
            raise ConfigError(f"user must be a non-empty name such as 'alice', not {user!r}")
        if isinstance(groups, str) or not all(isinstance(g, str) and g.strip() for g in groups):
            raise ConfigError(f"groups must be a list of non-empty names such as ['dev'], not {groups!r}")
        if self._state.tls is None:
            self._state.tls, self._tls_cert = self_signed_tls()
            _bootstrap_policy(self.api)
        token = secrets.token_urlsafe(32)
        self._state.users[token] = _rbac.user_info(user, groups)
        if path is None:
            fd, name = tempfile.mkstemp(prefix="workbench-sandbox-user-", suffix=".kubeconfig")
            os.close(fd)
            target = Path(name)
            self._user_kubeconfigs.append(target)
        else:
            target = Path(path)
        url = f"https://127.0.0.1:{self.port}"  # the same port; kubectl sends tokens only over TLS
        write_kubeconfig(target, url, context=f"{CONTEXT}-{user}", token=token, ca=self._tls_cert)
        return target

    def hide_group(self, group: str, hidden: bool = True) -> None:
        """Remove an API group from discovery (e.g. metrics.k8s.io: "the metrics server is down")."""
        groups = set(self._state.hidden_groups)
        (groups.add if hidden else groups.discard)(group)
        self._state.hidden_groups = frozenset(groups)

    def stop(self) -> None:
        """Stop serving; open watches end. Idempotent."""
        if self._state.stopping:
            return
        self._state.stopping = True
        if self._state.control is not None:
            self._state.control.stop()
        self._state.api.store.wake_all()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        self.clock.stop()
        if self._own_kubeconfig:
            self.kubeconfig.unlink(missing_ok=True)
        for path in self._user_kubeconfigs:
            path.unlink(missing_ok=True)

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def start(
    scenario: str = "healthy",
    *,
    port: int = 0,
    kubeconfig: str | os.PathLike[str] | None = None,
    speed: float = 1.0,
    manual_clock: bool = False,
    synthetic: str | _synthetic.SyntheticSpec | None = None,
    manifests: Iterable[str | os.PathLike[str]] = (),
    snapshot: str | os.PathLike[str] | None = None,
    read_only: bool = False,
    seed: int = 0,
    history: int = 50_000,
    control_plane: bool | None = None,
    hints: bool = False,
) -> Sandbox:
    """Start a sandbox API server on 127.0.0.1 in a background thread.

    Args:
        scenario: a scenario name (see `scenarios()`) or a scenario directory.
        port: the port to listen on; 0 picks a fresh free one (so kubectl's discovery cache never goes stale).
        kubeconfig: where to write the kubeconfig; default a new temporary file removed at `stop()`.
        speed: simulated seconds per real second.
        manual_clock: time moves only with `Sandbox.advance` (deterministic tests).
        synthetic: add generated objects, e.g. ``"pods=150000,nodes=5000"``.
        manifests: extra manifest files loaded after the scenario.
        snapshot: start from a recorded set of API lists instead of a scenario.
        read_only: refuse every write with 403 (replaying a snapshot).
        seed: seeds names and simulated randomness.
        history: how many changes are kept for watches and continued lists; a client further
            behind gets 410 Expired and relists (small values let tests outrun it).
        hints: send the scenario's hints, one every few writes while its checks fail, as ``Warning``
            headers (kubectl prints them as ``Warning: hint 1/4: ...``).
        control_plane: run the simulated controllers, scheduler and kubelets (default: yes, except
            when replaying a snapshot, which shows the cluster as recorded).

    Raises:
        SandboxStartError: the port is taken or the server cannot bind.
        ScenarioError: the scenario, manifests or snapshot cannot be loaded.
        ConfigError: an option is invalid.
    """
    if history < 1:
        raise ConfigError(f"history must be a positive number of changes to keep, not {history}")
    run_controllers = snapshot is None if control_plane is None else control_plane
    warmup = _scenarios.scenario_warmup(scenario) if snapshot is None and run_controllers else 0.0
    # A scenario with a warm-up starts that long ago and plays forward to now before it is served.
    clock = Clock(
        speed=speed, manual=manual_clock or warmup > 0, start=datetime.now(UTC) - timedelta(seconds=warmup)
    )
    now = clock.now()
    if snapshot is not None:
        loaded = _scenarios.load_snapshot(Path(snapshot), now=now)
    else:
        loaded = _scenarios.load_scenario(scenario, now=now)
    extra = _scenarios.load_manifests([Path(m) for m in manifests], now=now) if manifests else None
    spec = _synthetic.parse_synthetic_spec(synthetic) if isinstance(synthetic, str) else synthetic
    api = Api(Store(history=history), Registry(), clock, read_only=read_only, seed=seed)

    def objects() -> Iterable[dict[str, Any]]:
        yield from loaded.objects
        if extra is not None:
            yield from extra.objects
        if spec is not None:
            yield from _synthetic.synthetic_objects(spec, now=now)

    api.load(iter(objects()))
    logs = LogStore()
    _seed_logs(api, logs, loaded.logs, now)
    if not 0 <= port <= 65535:
        raise ConfigError(f"port must be between 0 and 65535 (0 picks a free one), not {port}")
    state = SandboxState(api=api, logs=logs)
    if run_controllers:
        _start_control(state, loaded, seed=seed, warmup=warmup, manual_clock=manual_clock)
    try:
        server = SandboxHTTPServer(("127.0.0.1", port), state)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise SandboxStartError(
                f"port {port} on 127.0.0.1 is already in use (is another sandbox running?); "
                "pick another with --port, or omit it to use a free one"
            ) from exc
        raise SandboxStartError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror}") from exc
    bound_port = server.server_address[1]
    state.address = f"127.0.0.1:{bound_port}"
    own = kubeconfig is None
    if kubeconfig is None:
        fd, name = tempfile.mkstemp(prefix="workbench-sandbox-", suffix=".kubeconfig")
        os.close(fd)
        path = Path(name)
    else:
        path = Path(kubeconfig)
    write_kubeconfig(path, f"http://127.0.0.1:{bound_port}")
    sb = Sandbox(state, server, path, scenario=loaded.name, own_kubeconfig=own, teaching=loaded.teaching)
    if hints and loaded.teaching.get("hints"):
        state.hints = HintLadder(loaded.teaching["hints"], lambda: sb.check().passed)
    return sb


def _start_control(
    state: SandboxState, loaded: _scenarios.Scenario, *, seed: int, warmup: float, manual_clock: bool
) -> None:
    """Start the controllers, play the scenario's warm-up, then let the clock run (unless manual)."""
    images: dict[str, _apps.ImageEntry] = {}
    for path in loaded.image_files or ((loaded.images,) if loaded.images is not None else ()):
        images.update(_apps.load_images(path))
    plane = _control.control_plane(
        state.api, state.logs, catalog=_apps.builtin_catalog().extended(images), seed=seed
    )
    plane.start()
    state.control = plane
    state.usage = plane.usage
    plane.cluster.usage = plane.usage
    plane.cluster.hidden_groups = lambda: state.hidden_groups
    state.api.clock.advance(warmup)
    if not manual_clock:
        state.api.clock.go_live()


def write_kubeconfig(
    path: Path, url: str, *, context: str = CONTEXT, token: str | None = None, ca: bytes = b""
) -> None:
    """A kubeconfig with one context for the sandbox on loopback.

    Without `token` it carries no credentials: the sandbox takes such requests to be its admin's.
    With one, the context's user sends it as a bearer token (see `Sandbox.kubeconfig_for`); `ca` is
    then the PEM certificate the ``https`` server is trusted by.
    """
    cluster: dict[str, Any] = {"server": url}
    if ca:
        cluster["certificate-authority-data"] = base64.b64encode(ca).decode()
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": CONTEXT, "cluster": cluster}],
        "users": [{"name": context, "user": {} if token is None else {"token": token}}],
        "contexts": [
            {"name": context, "context": {"cluster": CONTEXT, "user": context, "namespace": "default"}}
        ],
        "current-context": context,
        "preferences": {},
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(config, sort_keys=False))
    except OSError as exc:
        raise SandboxStartError(
            f"cannot write the kubeconfig to {path}: {exc.strerror}; choose a writable path with --kubeconfig"
        ) from exc


_BOOTSTRAP = ("kubernetes.io/bootstrapping", "rbac-defaults")


def _bootstrap_policy(api: Api) -> None:
    """Add the apiserver's bootstrap RBAC objects that the cluster lacks (a recording may have none).

    They are the ones the healthy scenario (every scenario's base) holds, labelled
    ``kubernetes.io/bootstrapping=rbac-defaults``; objects of the same name already stored are kept.
    """
    source = _scenarios.SCENARIO_DIR / "healthy" / "rbac.yaml"
    loaded = _scenarios.load_manifests([source], now=api.clock.now(), seed="rbac-bootstrap")
    with api.store.lock:
        for obj in loaded.objects:
            labels = obj["metadata"].get("labels") or {}
            rtype = api.registry.by_kind(obj["apiVersion"], obj["kind"])
            if labels.get(_BOOTSTRAP[0]) != _BOOTSTRAP[1] or rtype is None:
                continue
            key, labels, fields = api.index(rtype, obj)
            if api.store.get(api.bucket(rtype), key) is None:
                api.store.put(api.bucket(rtype), key, obj, labels=labels, fields=fields)


def _seed_logs(api: Api, logs: LogStore, seeded: Any, now: datetime) -> None:
    """Give each scenario log its container's start times (current run, previous run)."""
    pods = api.registry.find("", "v1", "pods")
    assert pods is not None
    for (ns, pod_name, container), runs in seeded.items():
        entry = api.store.get(api.bucket(pods), (ns, pod_name))
        current_start = previous_start = now
        if entry is not None:
            pod = entry.decode()
            statuses = (pod.get("status") or {}).get("containerStatuses") or []
            statuses += (pod.get("status") or {}).get("initContainerStatuses") or []
            cs: dict[str, Any] = next((s for s in statuses if s.get("name") == container), {})
            running = (
                (cs.get("state") or {}).get("running") or (cs.get("state") or {}).get("terminated") or {}
            )
            last = (cs.get("lastState") or {}).get("terminated") or {}
            if running.get("startedAt"):
                current_start = parse_time(running["startedAt"])
            if last.get("startedAt"):
                previous_start = parse_time(last["startedAt"])
        logs.seed(
            (ns, pod_name, container),
            current=list(runs.get("current", ())),
            previous=list(runs.get("previous", ())),
            current_start=current_start,
            previous_start=previous_start,
        )


def scenarios() -> list[tuple[str, str]]:
    """(name, one-line description) of every built-in scenario."""
    return _scenarios.scenario_names()
