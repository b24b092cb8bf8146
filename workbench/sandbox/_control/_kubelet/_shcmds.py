"""The commands a busybox shell script calls: builtins and applets, with busybox's own messages.

Each command is a generator like the shell's (`_shell.Run`): it yields what it does and returns its
exit status. The network commands live in `_shnet`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

from workbench.sandbox._control._kubelet import _shnet
from workbench.sandbox._control._kubelet._applog import format_time
from workbench.sandbox._control._kubelet._shell import Shell
from workbench.sandbox._control._kubelet._shtypes import LoopControl, Run, ShellExit, arithmetic

Command = Callable[[Shell, list[str]], Run]
_DURATION = re.compile(r"^(\d+(?:\.\d*)?|\.\d+)([smhd]?)$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
RUNS_ON = -1
"""A program's status meaning "it keeps running" (an app started from a wrapper script)."""
SHELLS = frozenset({"sh", "ash", "bash", "dash"})
_QUIET = frozenset(
    {"cd", "chmod", "chown", "ln", "sync", "ulimit", "umask", "trap", "wait", "kill", "mkdir", "export"}
    | {"readonly", "local", "shift", "set", "unset", "source", ".", "hash", "alias", "stty", "renice", "nice"}
)


def run_command(sh: Shell, argv: list[str]) -> Run:
    name = argv[0].rsplit("/", 1)[-1] if "/" in argv[0] and not argv[0].startswith("./") else argv[0]
    handler = COMMANDS.get(name)
    if handler is not None and not sh.world.missing(name):
        return (yield from handler(sh, argv[1:]))
    if name in _QUIET:
        return _quiet(sh, name, argv[1:])
    found = sh.world.program(argv)
    if found is None:
        yield from sh.err(f"{sh.name}: {argv[0]}: not found")
        return 127
    code, lines = found
    for line in lines:
        yield from sh.out(line)
    if code == RUNS_ON:
        yield from sh.sleep(math.inf)
        return 0
    return code


def _quiet(sh: Shell, name: str, args: list[str]) -> int:
    if name == "set":
        for arg in args:
            if arg.startswith("-") and "e" in arg:
                sh.errexit = True
            elif arg.startswith("+") and "e" in arg:
                sh.errexit = False
    elif name in ("export", "readonly", "local"):
        for arg in args:
            key, eq, value = arg.partition("=")
            if eq:
                sh.vars[key] = value
    elif name == "unset":
        for arg in args:
            sh.vars.pop(arg, None)
    return 0


def _sleep(sh: Shell, args: list[str]) -> Run:
    if not args:
        yield from sh.err("sleep: missing operand")
        return 1
    total = 0.0
    for arg in args:
        if arg in ("infinity", "inf"):
            total = math.inf
            continue
        m = _DURATION.match(arg)
        if m is None:
            yield from sh.err(f"sleep: invalid number '{arg}'")
            return 1
        total += float(m.group(1)) * _UNITS[m.group(2)]
    yield from sh.sleep(total)
    return 0


def _exit(sh: Shell, args: list[str]) -> Run:
    code = sh.status
    if args:
        code = int(args[0]) & 255 if args[0].lstrip("-").isdigit() else 2
    yield from ()  # a generator, like every command
    raise ShellExit(code)


def _loop_control(kind: str) -> Command:
    def run(sh: Shell, args: list[str]) -> Run:
        depth = int(args[0]) if args and args[0].isdigit() else 1
        yield from ()
        raise LoopControl(kind, depth)

    return run


def _status(code: int) -> Command:
    def run(sh: Shell, args: list[str]) -> Run:
        yield from ()
        return code

    return run


def _echo(sh: Shell, args: list[str]) -> Run:
    while args and args[0] in ("-n", "-e", "-E", "-ne", "-en"):
        args = args[1:]
    text = " ".join(args).replace("\\n", "\n").replace("\\t", "\t")
    for line in text.split("\n"):
        yield from sh.out(line)
    return 0


def _printf(sh: Shell, args: list[str]) -> Run:
    if not args:
        return 1
    fmt, values = args[0], list(args[1:])
    text = re.sub(r"%[-0-9.]*[sdfi]", lambda m: values.pop(0) if values else "", fmt).replace("%%", "%")
    for line in text.replace("\\n", "\n").replace("\\t", "\t").rstrip("\n").split("\n"):
        yield from sh.out(line)
    return 0


def _cat(sh: Shell, args: list[str]) -> Run:
    paths = [a for a in args if not a.startswith("-") or a == "-"]
    if not paths:
        for line in sh.stdin or []:
            yield from sh.out(line)
        return 0
    status = 0
    for path in paths:
        if not sh.exists(path):
            yield from sh.err(f"cat: can't open '{path}': No such file or directory")
            status = 1
            continue
        for line in sh.content(path) or []:
            yield from sh.out(line)
    return status


def _touch(sh: Shell, args: list[str]) -> Run:
    for path in (a for a in args if not a.startswith("-")):
        if not sh.exists(path):
            yield from sh.write(path, [])
    return 0


def _rm(sh: Shell, args: list[str]) -> Run:
    force = any(a.startswith("-") and "f" in a for a in args)
    status = 0
    for path in (a for a in args if not a.startswith("-")):
        if not sh.exists(path):
            if not force:
                yield from sh.err(f"rm: can't remove '{path}': No such file or directory")
                status = 1
            continue
        yield from sh.write(path, None)
    return status


def _copy(move: bool) -> Command:
    def run(sh: Shell, args: list[str]) -> Run:
        paths = [a for a in args if not a.startswith("-")]
        if len(paths) < 2:
            return 1
        *sources, target = paths
        for source in sources:
            if not sh.exists(source):
                yield from sh.err(
                    f"{'mv' if move else 'cp'}: can't stat '{source}': No such file or directory"
                )
                return 1
            yield from sh.write(target, list(sh.content(source) or []))
            if move:
                yield from sh.write(source, None)
        return 0

    return run


def _ls(sh: Shell, args: list[str]) -> Run:
    status = 0
    for path in (a for a in args if not a.startswith("-")):
        if sh.exists(path):
            yield from sh.out(path)
        else:
            yield from sh.err(f"ls: {path}: No such file or directory")
            status = 1
    return status


def _test(bracket: bool) -> Command:
    def run(sh: Shell, args: list[str]) -> Run:
        if bracket:
            if not args or args[-1] != "]":
                yield from sh.err("[: missing ]")
                return 2
            args = args[:-1]
        return 0 if _evaluate(sh, args) else 1

    return run


def _evaluate(sh: Shell, args: list[str]) -> bool:
    if not args:
        return False
    if args[0] == "!":
        return not _evaluate(sh, args[1:])
    if len(args) == 1:
        return args[0] != ""
    if len(args) == 2:
        op, value = args
        if op in ("-f", "-e", "-d", "-s", "-r", "-x", "-w"):
            return sh.exists(value)
        return {"-z": value == "", "-n": value != ""}.get(op, False)
    left, op, right = args[0], args[1], args[2]
    if op in ("=", "=="):
        return left == right
    if op == "!=":
        return left != right
    try:
        a, b = int(left), int(right)
    except ValueError:
        return False
    return {"-eq": a == b, "-ne": a != b, "-lt": a < b, "-le": a <= b, "-gt": a > b, "-ge": a >= b}.get(
        op, False
    )


def _date(sh: Shell, args: list[str]) -> Run:
    moment = sh.world.stamp(sh.elapsed)
    fmt = next((a[1:] for a in args if a.startswith("+")), "")
    if fmt:
        yield from sh.out(moment.strftime(fmt.replace("%s", str(int(moment.timestamp())))))
    else:
        yield from sh.out(format_time(moment, "date"))
    return 0


def _value(name: str) -> Command:
    def run(sh: Shell, args: list[str]) -> Run:
        values = {
            "hostname": sh.vars.get("HOSTNAME", ""),
            "whoami": "root",
            "id": "uid=0(root) gid=0(root) groups=0(root),10(wheel)",
            "uname": "Linux",
            "pwd": "/",
        }
        yield from sh.out(values[name])
        return 0

    return run


def _env(sh: Shell, args: list[str]) -> Run:
    if args:
        value = sh.vars.get(args[0])
        if value is None:
            return 1
        yield from sh.out(value)
        return 0
    for key in sorted(sh.vars):
        yield from sh.out(f"{key}={sh.vars[key]}")
    return 0


def _seq(sh: Shell, args: list[str]) -> Run:
    numbers = [int(a) for a in args if a.lstrip("-").isdigit()]
    first, last = (1, numbers[0]) if len(numbers) == 1 else (numbers[0], numbers[-1]) if numbers else (1, 0)
    for n in range(first, min(last, first + 10_000) + 1):
        yield from sh.out(str(n))
    return 0


def _expr(sh: Shell, args: list[str]) -> Run:
    value = arithmetic(" ".join(args), sh.vars)
    yield from sh.out(str(value))
    return 0 if value else 1


def _filter(name: str) -> Command:
    def run(sh: Shell, args: list[str]) -> Run:
        lines = list(sh.stdin or [])
        files = [a for a in args if not a.startswith("-")]
        if name == "grep":
            pattern = files.pop(0) if files else ""
            source = lines if not files else [ln for f in files for ln in sh.content(f) or []]
            found = [ln for ln in source if pattern in ln]
            if "-q" not in args:
                for line in found:
                    yield from sh.out(line)
            return 0 if found else 1
        if name == "wc":
            yield from sh.out(str(len(lines)))
            return 0
        if name == "tail" and "-f" in args:
            yield from sh.sleep(math.inf)
            return 0
        count = next((int(a[2:] or "10") for a in args if a.startswith("-n")), 10)
        if name == "head":
            lines = lines[:count]
        elif name == "tail":
            lines = lines[-count:]
        elif name == "sort":
            lines = sorted(lines)
        elif name == "tee":
            for path in files:
                yield from sh.write(path, list(lines))
        for line in lines:
            yield from sh.out(line)
        return 0

    return run


def _forever(sh: Shell, args: list[str]) -> Run:
    yield from sh.sleep(math.inf)
    return 0


def _shell_command(sh: Shell, args: list[str]) -> Run:
    if "-c" in args:
        index = args.index("-c")
        script = args[index + 1] if index + 1 < len(args) else ""
        return (yield from sh.script(script))
    paths = [a for a in args if not a.startswith("-")]
    if not paths:
        return 0  # no terminal and no input: an interactive shell ends at once
    if not sh.exists(paths[0]):
        yield from sh.err(f"{sh.name}: can't open '{paths[0]}': No such file or directory")
        return 2
    return (yield from sh.script("\n".join(sh.content(paths[0]) or [])))


def _exec(sh: Shell, args: list[str]) -> Run:
    if not args:
        return 0
    raise ShellExit((yield from run_command(sh, args)))


COMMANDS: dict[str, Command] = {
    "sleep": _sleep,
    "usleep": lambda sh, args: _sleep(sh, [str(int(args[0]) / 1e6)] if args and args[0].isdigit() else []),
    "exit": _exit,
    "return": _exit,
    "break": _loop_control("break"),
    "continue": _loop_control("continue"),
    "true": _status(0),
    ":": _status(0),
    "false": _status(1),
    "echo": _echo,
    "printf": _printf,
    "cat": _cat,
    "touch": _touch,
    "rm": _rm,
    "cp": _copy(move=False),
    "mv": _copy(move=True),
    "ls": _ls,
    "test": _test(bracket=False),
    "[": _test(bracket=True),
    "date": _date,
    "hostname": _value("hostname"),
    "whoami": _value("whoami"),
    "id": _value("id"),
    "uname": _value("uname"),
    "pwd": _value("pwd"),
    "env": _env,
    "printenv": _env,
    "seq": _seq,
    "expr": _expr,
    "grep": _filter("grep"),
    "wc": _filter("wc"),
    "head": _filter("head"),
    "tail": _filter("tail"),
    "sort": _filter("sort"),
    "uniq": _filter("uniq"),
    "tee": _filter("tee"),
    "yes": _forever,
    "sh": _shell_command,
    "ash": _shell_command,
    "bash": _shell_command,
    "exec": _exec,
    "nslookup": _shnet.nslookup,
    "wget": _shnet.wget,
    "nc": _shnet.nc,
    "curl": _shnet.curl,
    "ping": _shnet.ping,
}
