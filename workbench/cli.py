"""The `workbench` command line."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from collections.abc import Sequence

from workbench.errors import WorkbenchError


def _sandbox_start(args: argparse.Namespace) -> int:
    from workbench import sandbox

    sb = sandbox.start(
        args.scenario,
        port=args.port,
        kubeconfig=args.kubeconfig,
        speed=args.speed,
        synthetic=args.synthetic,
        manifests=args.manifest or (),
        snapshot=args.snapshot,
        read_only=args.read_only,
        seed=args.seed,
        hints=args.hints,
    )
    print(f"Sandbox cluster '{sb.scenario}' is serving at {sb.url}")
    print(f"kubeconfig: {sb.kubeconfig}")
    print(f"Point kubectl at it:  export KUBECONFIG={sb.kubeconfig}")
    print("Then try:             kubectl get nodes; kubectl get pods -A")
    print("Press Ctrl-C to stop.", flush=True)
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    done.wait()
    sb.stop()
    print("Sandbox stopped.")
    return 0


def _sandbox_list(_: argparse.Namespace) -> int:
    from workbench import sandbox

    for name, description in sandbox.scenarios():
        print(f"{name}\t{description}")
    return 0


def _sandbox_describe(args: argparse.Namespace) -> int:
    from workbench.sandbox import _lessons

    print(_lessons.describe(args.name, solution=args.solution))
    return 0


def _sandbox_check(args: argparse.Namespace) -> int:
    from workbench.sandbox import _lessons

    url = _lessons.server_of(args.kubeconfig)
    report = _lessons.check_url(args.scenario, url)
    for result in report.results:
        mark = "PASS" if result.passed else "FAIL"
        print(f"{mark}  {result.name} {result.subject}: {result.detail}")
    print("All checks pass: the cluster is healed." if report.passed else "Not healed yet.")
    return 0 if report.passed else 1


def _snapshot_save(args: argparse.Namespace) -> int:
    import workbench

    with workbench.connect(args.context, args.kubeconfig, args.namespace) as cluster:
        written = cluster.snapshot(args.file, tail=args.tail, anonymize=args.anonymize)
    print(f"Snapshot written: {written} ({written.stat().st_size:,} bytes)")
    print(f"Inspect it:        workbench snapshot info {written}")
    if args.anonymize:
        print(f"Name map (keep it private, it is not in the snapshot): {args.anonymize}")
    return 0


def _snapshot_info(args: argparse.Namespace) -> int:
    from workbench.sources import open_snapshot_file

    manifest = open_snapshot_file(args.file).manifest
    version = manifest.server_version.get("gitVersion", "?")
    print(f"{args.file}: Kube Workbench snapshot, format {manifest.format_version}")
    print(
        f"captured    {manifest.captured_at:%Y-%m-%d %H:%M:%S} UTC from {manifest.source} (server {version})"
    )
    print(f"namespaces  {', '.join(manifest.namespaces) if manifest.namespaces else 'all'}")
    print(f"anonymized  {'yes' if manifest.anonymized else 'no'}")
    print("objects     " + ", ".join(f"{k.kind.frame} {k.count}" for k in manifest.kinds if k.count))
    for missing in manifest.missing:
        print(f"missing     {missing.frame}: {missing.reason} ({missing.message})")
    print(f"logs        {len(manifest.logs)} container log tails")
    print(f"redacted    {manifest.redaction.get('total', 0)} values masked")
    for kind, count in sorted(manifest.redaction.get("by_kind", {}).items()):
        print(f"              {kind}: {count}")
    return 0


def _snapshot_serve(args: argparse.Namespace) -> int:
    import tempfile
    from pathlib import Path

    from workbench.sources import SnapshotSource

    with SnapshotSource(args.file) as source, tempfile.TemporaryDirectory() as tmp:
        lists = Path(tmp) / "lists.json"
        source.write_lists(lists)
        args.scenario, args.manifest, args.synthetic, args.snapshot = "healthy", None, None, str(lists)
        args.read_only, args.speed, args.seed, args.hints = True, 1.0, 0, False
        return _sandbox_start(args)


def _analyze(args: argparse.Namespace) -> int:
    import workbench
    from workbench.errors import ConfigError
    from workbench.model import Severity

    if args.snapshot and (args.kubeconfig or args.context):
        raise ConfigError("pass either --snapshot or --kubeconfig/--context, not both")
    if args.snapshot:
        cluster = workbench.open_snapshot(args.snapshot)
    else:
        cluster = workbench.connect(args.context, args.kubeconfig, args.namespace)
    with cluster:
        report = cluster.analyze(args.namespace)
    if args.output == "json":
        print(report.to_json())
    elif args.output == "markdown":
        print(report.to_markdown(), end="")
    else:
        print(report.to_text(), end="")
    for failure in report.failures:
        print(f"workbench: {failure}", file=sys.stderr)
    return 1 if report.at_or_above(Severity[args.fail_on.upper()]) else 0


def _fix(args: argparse.Namespace) -> int:
    import workbench
    from workbench.errors import ApplyFailedError, ConfigError, RemediationError
    from workbench.model import Plan
    from workbench.remediation import AuditLog

    if args.apply and not args.yes:
        raise ConfigError(
            "--apply changes the cluster: add --yes to confirm, after reading the dry-run without --apply"
        )
    audit = AuditLog(args.audit_log) if args.audit_log else None
    values = _assignments(args.set or [])
    failed = False
    with workbench.connect(args.context, args.kubeconfig, args.namespace) as cluster:
        proposals = cluster.proposals(args.namespace, codes=args.finding)
        if not proposals:
            print(
                "Nothing to fix: no finding"
                + (f" with code {', '.join(args.finding)}" if args.finding else "")
            )
        for proposal in proposals:
            print(f"\n=== {proposal.title}")
            if not isinstance(proposal, Plan):
                print(proposal)
                continue
            plan = proposal.fill({k: v for k, v in values.items() if k in {i.name for i in proposal.inputs}})
            if plan.inputs:
                print("  This plan needs values only you can give (nothing in it is guessed):")
                print("\n".join(f"    {item}" for item in plan.inputs))
                print("  Give them with " + " ".join(f"--set {item.name}=VALUE" for item in plan.inputs))
                failed = failed or args.apply
                continue
            fix = cluster.remediation(plan, audit=audit)
            for command in fix.kubectl():
                print(f"  $ {command}")
            dry = fix.dry_run()
            print(dry)
            if not args.apply:
                continue
            if not dry.ok:
                failed = True
                continue
            try:
                result = fix.apply(
                    fix.approve(by=f"workbench fix --yes ({args.approver})"), timeout=args.timeout
                )
            except ApplyFailedError as exc:
                print(exc.result)
                failed = True
                continue
            except RemediationError as exc:
                print(f"not applied: {exc}")
                failed = True
                continue
            print(result)
            failed = failed or not result.verified
    return 1 if failed else 0


def _add_fix(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    fix = sub.add_parser(
        "fix",
        help="plan fixes for what is broken, dry-run them (default), and apply only with --apply --yes",
    )
    fix.add_argument("--kubeconfig", help="kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")
    fix.add_argument("--context", help="kubeconfig context (default: the current one)")
    fix.add_argument("-n", "--namespace", action="append", help="only this namespace (repeatable)")
    fix.add_argument(
        "--finding", action="append", metavar="CODE", help="only findings with this code (repeatable)"
    )
    mode = fix.add_mutually_exclusive_group()
    mode.add_argument("--dry-run", action="store_true", help="preview on the server only (the default)")
    mode.add_argument("--apply", action="store_true", help="apply plans whose dry-run passed (needs --yes)")
    fix.add_argument("--yes", action="store_true", help="confirm --apply")
    fix.add_argument(
        "--set",
        action="append",
        metavar="NAME=VALUE",
        help="a value a plan asks you for (its inputs: a tag the registry has, a bucket...); repeatable",
    )
    fix.add_argument("--approver", default=_local_user(), help="who approves, for the audit log")
    fix.add_argument(
        "--timeout", type=float, default=300.0, help="seconds to wait for rollouts (default 300)"
    )
    fix.add_argument("--audit-log", metavar="FILE", help="audit log (default: $WORKBENCH_AUDIT_LOG or XDG)")
    fix.set_defaults(func=_fix)


def _assignments(items: list[str]) -> dict[str, str]:
    from workbench.errors import ConfigError

    bad = [item for item in items if "=" not in item or not item.split("=", 1)[0]]
    if bad:
        raise ConfigError(f"--set takes NAME=VALUE, not {', '.join(map(repr, bad))} (e.g. --set tag=2.14.1)")
    return dict(item.split("=", 1) for item in items)


def _local_user() -> str:
    from workbench.remediation._audit import local_user

    return local_user() or "unknown"


def _demo(args: argparse.Namespace) -> int:
    from workbench.demo import Demo, has_display

    def interrupt(*_: object) -> None:
        raise KeyboardInterrupt  # SIGTERM stops the demo as Ctrl-C does: JupyterLab, then the sandbox

    # SIGINT too: a shell starts background jobs with it ignored, and then Python leaves it so.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, interrupt)
    browser = args.browser if args.browser is not None else has_display()
    demo = Demo(
        port=args.port, scenario=args.scenario, speed=args.speed, workdir=args.workdir, open_browser=browser
    )
    print(f"Starting the '{args.scenario}' sandbox and JupyterLab (a minute at most)...", flush=True)
    try:
        with demo:
            speed = f"{args.speed:g}x real time"
            print(f"Sandbox cluster '{args.scenario}' is serving at {demo.sandbox_url} ({speed})")
            print(f"kubectl in another terminal:  export KUBECONFIG={demo.kubeconfig}")
            print(f"Notebooks (fresh copies):     {demo.workdir}")
            print(f"JupyterLab log:               {demo.log}")
            print(f"Open the incident notebook:   {demo.url}")
            print("Press Ctrl-C to stop JupyterLab and the sandbox.", flush=True)
            while demo.running():
                time.sleep(0.5)
            print("JupyterLab exited; stopping the sandbox.")
    except KeyboardInterrupt:
        pass
    print("Demo stopped.")
    return 0


def _export(args: argparse.Namespace) -> int:
    from workbench.export import export_html

    print(export_html(args.notebook, args.output, template=args.template))
    return 0


def _add_demo(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from workbench.demo import DEFAULT_PORT, DEFAULT_SCENARIO, DEFAULT_SPEED

    demo = sub.add_parser(
        "demo", help="the incident sandbox and JupyterLab on the investigation notebook, until Ctrl-C"
    )
    demo.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"JupyterLab's port (default {DEFAULT_PORT})"
    )
    demo.add_argument(
        "--scenario", default=DEFAULT_SCENARIO, help=f"sandbox scenario (default {DEFAULT_SCENARIO})"
    )
    demo.add_argument(
        "--speed", type=float, default=DEFAULT_SPEED, help="simulated seconds per real second (default 1)"
    )
    demo.add_argument(
        "--workdir", help="where the notebooks are copied (default ~/.local/share/workbench/demo)"
    )
    demo.add_argument(
        "--browser",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="open a browser (default: when there is a display)",
    )
    demo.set_defaults(func=_demo)


def _add_export(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    exp = sub.add_parser("export", help="render a notebook to HTML with secrets masked in every output")
    exp.add_argument("notebook", help="the notebook, e.g. 02-postmortem.ipynb")
    exp.add_argument("-o", "--output", help="the HTML file (default: the notebook's name with .html)")
    exp.add_argument("--template", choices=["lab", "classic"], default="lab", help="nbconvert template")
    exp.set_defaults(func=_export)


def _add_analyze(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    ana = sub.add_parser(
        "analyze",
        help="find what is broken and why: root causes first (exit 0 clean, 1 at --fail-on, 2 error)",
    )
    ana.add_argument("--kubeconfig", help="kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")
    ana.add_argument("--context", help="kubeconfig context (default: the current one)")
    ana.add_argument("--snapshot", metavar="FILE", help="analyse a .wbsnap snapshot instead of a cluster")
    ana.add_argument(
        "-n", "--namespace", action="append", help="only findings in this namespace (repeatable)"
    )
    ana.add_argument("--output", choices=["text", "json", "markdown"], default="text", help="default: text")
    ana.add_argument(
        "--fail-on",
        choices=["info", "warning", "error", "critical"],
        default="error",
        help="exit 1 when a finding is at least this severe (default: error)",
    )
    ana.set_defaults(func=_analyze)


def _add_snapshot(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    snap = sub.add_parser("snapshot", help="redacted snapshots of a cluster's state (.wbsnap)")
    snap_sub = snap.add_subparsers(dest="snapshot_command", required=True)
    save = snap_sub.add_parser("save", help="write the current cluster's state to a redacted snapshot")
    save.add_argument("file", help="the snapshot to write, e.g. incident.wbsnap")
    save.add_argument("--context", help="kubeconfig context (default: the current one)")
    save.add_argument("--kubeconfig", help="kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")
    save.add_argument("--namespace", action="append", help="capture only this namespace (repeatable)")
    save.add_argument("--tail", type=int, default=500, help="lines kept per failing container's log")
    save.add_argument("--anonymize", metavar="MAP", help="replace names; write the reverse map to MAP")
    save.set_defaults(func=_snapshot_save)
    info = snap_sub.add_parser("info", help="what a snapshot holds (validates it)")
    info.add_argument("file")
    info.set_defaults(func=_snapshot_info)
    serve = snap_sub.add_parser("serve", help="serve a snapshot read-only so kubectl can browse it")
    serve.add_argument("file")
    serve.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a fresh free port)")
    serve.add_argument("--kubeconfig", help="where to write the kubeconfig (default: a temporary file)")
    serve.set_defaults(func=_snapshot_serve)


def _ask(args: argparse.Namespace) -> int:
    from workbench.agent._cli import run_ask

    return run_ask(
        args.question,
        kubeconfig=args.kubeconfig,
        context=args.context,
        namespaces=args.namespace,
        model=args.model,
        anonymize=args.anonymize,
        json_lines=args.json,
    )


def _add_ask(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    ask = sub.add_parser(
        "ask", help="ask the agent about a cluster; it reads and proposes plans, it never applies them"
    )
    ask.add_argument("question", help='e.g. "what\'s wrong in shop?" or "why is checkout-... failing?"')
    ask.add_argument("--kubeconfig", help="kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")
    ask.add_argument("--context", help="kubeconfig context (default: the current one)")
    ask.add_argument("-n", "--namespace", action="append", help="only read this namespace (repeatable)")
    ask.add_argument(
        "--model", help="model spec, e.g. openai:gpt-4o-mini or offline (default: $WORKBENCH_MODEL)"
    )
    ask.add_argument("--anonymize", action="store_true", help="replace names in what is sent to the model")
    ask.add_argument("--json", action="store_true", help="print one JSON event per line")
    ask.set_defaults(func=_ask)


def _eval(args: argparse.Namespace) -> int:
    from workbench.evals import run_cli

    return run_cli(args.scenario, model=args.model, json_path=args.json, strict=args.strict)


def _add_eval(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    ev = sub.add_parser(
        "eval", help="score the agent on every sandbox scenario: root cause named, plan heals (sandbox only)"
    )
    ev.add_argument(
        "--model", help="model spec, e.g. openai:gpt-4o-mini or offline (default: $WORKBENCH_MODEL)"
    )
    ev.add_argument("--scenario", action="append", help="only this scenario (repeatable; default: all)")
    ev.add_argument("--json", metavar="FILE", help="also write the scores as JSON to FILE")
    ev.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 unless every root cause is named and every broken scenario is healed (a CI gate)",
    )
    ev.set_defaults(func=_eval)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="workbench", description="Kube Workbench: Kubernetes incidents in Jupyter."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def start_options(p: argparse.ArgumentParser, default_scenario: str) -> None:
        p.add_argument(
            "--scenario", default=default_scenario, help="scenario name (see `workbench sandbox list`)"
        )
        p.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a fresh free port)")
        p.add_argument("--kubeconfig", help="where to write the kubeconfig (default: a temporary file)")
        p.add_argument("--speed", type=float, default=1.0, help="simulated seconds per real second")

    _add_demo(sub)

    sb = sub.add_parser("sandbox", help="the loopback sandbox cluster")
    sb_sub = sb.add_subparsers(dest="sandbox_command", required=True)
    start = sb_sub.add_parser("start", help="serve a scenario cluster until interrupted")
    start_options(start, "healthy")
    start.add_argument("--synthetic", help="add generated objects, e.g. pods=150000,nodes=5000")
    start.add_argument("--manifest", action="append", help="extra manifest file to load (repeatable)")
    start.add_argument("--snapshot", help="start from a recorded set of API lists instead of a scenario")
    start.add_argument("--read-only", action="store_true", help="refuse every write")
    start.add_argument("--seed", type=int, default=0, help="seed for names and simulated randomness")
    start.add_argument(
        "--hints",
        action="store_true",
        help="send the scenario's hints as kubectl warnings while it is broken",
    )
    start.set_defaults(func=_sandbox_start)
    lst = sb_sub.add_parser("list", help="list the scenarios, one a line")
    lst.set_defaults(func=_sandbox_list)
    desc = sb_sub.add_parser("describe", help="a scenario's lesson: goal and hints (and the fix)")
    desc.add_argument("name", help="scenario name")
    desc.add_argument("--solution", action="store_true", help="also show the fix and the wrong fixes")
    desc.set_defaults(func=_sandbox_describe)
    chk = sb_sub.add_parser("check", help="grade a running sandbox against its scenario's success checks")
    chk.add_argument("--scenario", required=True, help="the scenario the sandbox runs")
    chk.add_argument("--kubeconfig", help="the sandbox's kubeconfig (default: $KUBECONFIG)")
    chk.set_defaults(func=_sandbox_check)

    _add_analyze(sub)
    _add_fix(sub)
    _add_snapshot(sub)
    _add_export(sub)
    _add_ask(sub)
    _add_eval(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except WorkbenchError as exc:
        print(f"workbench: {exc}", file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":
    sys.exit(main())
