"""Parsing the ``sh -c`` scripts people put in busybox and alpine containers.

Covers what such scripts use: command lists (``;``, newlines, ``&&``, ``||``, ``&``), pipes,
redirections, quoting, ``while``/``until``/``for``/``if`` and ``( … )`` / ``{ …; }`` groups. Words
keep their quoting so expansion (`_shell`) can tell ``"$A"`` from ``$A`` and ``'$A'``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

Part = tuple[str, str]  # (kind, text): "lit" (unquoted), "sq" (single-quoted), "dq" (double-quoted)
Word = tuple[Part, ...]

_OPERATORS = (
    "&&",
    "||",
    ";;",
    ">>",
    "2>&1",
    "1>&2",
    ">&2",
    "2>>",
    "&>",
    "2>",
    ";",
    "&",
    "|",
    "(",
    ")",
    ">",
    "<",
)
_REDIRECTS = frozenset({">", ">>", "<", "2>", "2>>", "&>", "2>&1", "1>&2", ">&2"})
_KEYWORDS = frozenset({"do", "done", "then", "else", "elif", "fi", "esac", "}"})


class ShellSyntaxError(ValueError):
    """The script cannot be parsed (sh would print ``syntax error`` and exit 2)."""


@dataclass
class Token:
    kind: str  # "word", "op", "nl"
    text: str = ""
    word: Word = ()


@dataclass
class Simple:
    words: list[Word] = field(default_factory=list)
    assigns: list[tuple[str, Word]] = field(default_factory=list)
    redirects: list[tuple[str, Word]] = field(default_factory=list)


@dataclass
class Pipeline:
    commands: list[object]
    negate: bool = False


@dataclass
class AndOr:
    first: Pipeline
    rest: list[tuple[str, Pipeline]] = field(default_factory=list)


@dataclass
class Seq:
    items: list[tuple[AndOr, bool]] = field(default_factory=list)  # (command, run in background)


@dataclass
class Loop:
    cond: Seq
    body: Seq
    until: bool = False


@dataclass
class If:
    branches: list[tuple[Seq, Seq]]
    orelse: Seq | None = None


@dataclass
class For:
    var: str
    words: list[Word] | None
    body: Seq


@dataclass
class Group:
    body: Seq


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in " \t\r":
            i += 1
        elif c == "\\" and text.startswith("\\\n", i):
            i += 2
        elif c == "\n":
            tokens.append(Token("nl", "\n"))
            i += 1
        elif c == "#" and (not tokens or tokens[-1].kind != "word" or text[i - 1] in " \t\n;"):
            while i < n and text[i] != "\n":
                i += 1
        elif op := next((o for o in _OPERATORS if text.startswith(o, i)), None):
            tokens.append(Token("op", op))
            i += len(op)
        else:
            word, i = _word(text, i)
            tokens.append(Token("word", "".join(t for _, t in word), word))
    return tokens


def _word(text: str, i: int) -> tuple[Word, int]:
    parts: list[Part] = []
    buf: list[str] = []

    def flush(kind: str = "lit") -> None:
        if buf:
            parts.append((kind, "".join(buf)))
            buf.clear()

    n = len(text)
    while i < n and text[i] not in " \t\r\n;&|()<>":
        c = text[i]
        if c == "'":
            flush()
            end = text.find("'", i + 1)
            if end < 0:
                raise ShellSyntaxError("syntax error: unterminated quoted string")
            parts.append(("sq", text[i + 1 : end]))
            i = end + 1
        elif c == '"':
            flush()
            quoted, i = _double_quoted(text, i)
            parts.append(("dq", quoted))
        elif c == "\\" and i + 1 < n:
            flush()
            parts.append(("sq", text[i + 1]))
            i += 2
        elif text.startswith("$(", i) or text.startswith("${", i):
            end = matching(text, i + 1)
            buf.append(text[i : end + 1])
            i = end + 1
        elif c == "`":
            end = text.find("`", i + 1)
            if end < 0:
                raise ShellSyntaxError("syntax error: unterminated `")
            buf.append("$(" + text[i + 1 : end] + ")")
            i = end + 1
        else:
            buf.append(c)
            i += 1
    flush()
    return tuple(parts), i


def _double_quoted(text: str, i: int) -> tuple[str, int]:
    """The text of the double-quoted string opening at `i` (backslashes applied), and what follows."""
    buf: list[str] = []
    j, n = i + 1, len(text)
    while j < n and text[j] != '"':
        if text[j] == "\\" and j + 1 < n:
            buf.append(text[j + 1] if text[j + 1] in '"\\$`' else text[j : j + 2])
            j += 2
        elif text.startswith("$(", j):
            end = matching(text, j + 1)
            buf.append(text[j : end + 1])
            j = end + 1
        else:
            buf.append(text[j])
            j += 1
    if j >= n:
        raise ShellSyntaxError("syntax error: unterminated quoted string")
    return "".join(buf), j + 1


def matching(text: str, open_at: int) -> int:
    """The index of the bracket closing the one at `open_at` (``(`` or ``{``), quotes respected."""
    opening = text[open_at]
    closing = ")" if opening == "(" else "}"
    depth, i, quote = 0, open_at, ""
    while i < len(text):
        c = text[i]
        if quote:
            if c == quote:
                quote = ""
        elif c in "'\"":
            quote = c
        elif c == opening:
            depth += 1
        elif c == closing:
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise ShellSyntaxError(f"missing '{closing}'")


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.i = 0

    def peek(self) -> Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def keyword(self) -> str:
        tok = self.peek()
        return (
            tok.text
            if tok is not None and tok.kind == "word" and tok.word[:1] and tok.word[0][0] == "lit"
            else ""
        )

    def take(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def expect(self, word: str) -> None:
        if self.keyword() != word:
            found = self.peek()
            raise ShellSyntaxError(f"syntax error: unexpected {found.text if found else 'end of file'!r}")
        self.i += 1

    def skip_newlines(self) -> None:
        while (tok := self.peek()) is not None and (
            tok.kind == "nl" or (tok.kind == "op" and tok.text == ";")
        ):
            self.i += 1

    def seq(self) -> Seq:
        out = Seq()
        self.skip_newlines()
        while (tok := self.peek()) is not None:
            if self.keyword() in _KEYWORDS or (tok.kind == "op" and tok.text == ")"):
                break
            item = self.and_or()
            background = False
            nxt = self.peek()
            if nxt is not None and nxt.kind == "op" and nxt.text == "&":
                background = True
                self.i += 1
            out.items.append((item, background))
            self.skip_newlines()
        return out

    def and_or(self) -> AndOr:
        node = AndOr(self.pipeline())
        while (tok := self.peek()) is not None and tok.kind == "op" and tok.text in ("&&", "||"):
            self.i += 1
            while (nl := self.peek()) is not None and nl.kind == "nl":
                self.i += 1
            node.rest.append((tok.text, self.pipeline()))
        return node

    def pipeline(self) -> Pipeline:
        negate = False
        if self.keyword() == "!":
            negate = True
            self.i += 1
        commands = [self.command()]
        while (tok := self.peek()) is not None and tok.kind == "op" and tok.text == "|":
            self.i += 1
            commands.append(self.command())
        return Pipeline(commands, negate)

    def command(self) -> object:
        word = self.keyword()
        if word in ("while", "until"):
            self.i += 1
            cond = self.seq()
            self.expect("do")
            body = self.seq()
            self.expect("done")
            return Loop(cond, body, until=word == "until")
        if word == "if":
            self.i += 1
            branches = []
            cond = self.seq()
            self.expect("then")
            branches.append((cond, self.seq()))
            orelse = None
            while self.keyword() == "elif":
                self.i += 1
                cond = self.seq()
                self.expect("then")
                branches.append((cond, self.seq()))
            if self.keyword() == "else":
                self.i += 1
                orelse = self.seq()
            self.expect("fi")
            return If(branches, orelse)
        if word == "for":
            self.i += 1
            var = self.take().text
            words: list[Word] | None = None
            self.skip_newlines()
            if self.keyword() == "in":
                self.i += 1
                words = []
                while (tok := self.peek()) is not None and tok.kind == "word" and self.keyword() != "do":
                    words.append(self.take().word)
            self.skip_newlines()
            self.expect("do")
            body = self.seq()
            self.expect("done")
            return For(var, words, body)
        tok = self.peek()
        if tok is not None and tok.kind == "op" and tok.text == "(":
            self.i += 1
            body = self.seq()
            if (end := self.peek()) is None or end.text != ")":
                raise ShellSyntaxError("syntax error: missing ')'")
            self.i += 1
            return Group(body)
        if word == "{":
            self.i += 1
            body = self.seq()
            self.expect("}")
            return Group(body)
        return self.simple()

    def simple(self) -> Simple:
        node = Simple()
        while (tok := self.peek()) is not None:
            if tok.kind == "op" and tok.text in _REDIRECTS:
                self.i += 1
                target: Word = ()
                if tok.text not in ("2>&1", "1>&2", ">&2"):
                    if (nxt := self.peek()) is None or nxt.kind != "word":
                        raise ShellSyntaxError("syntax error: unexpected redirection")
                    target = self.take().word
                node.redirects.append((tok.text, target))
            elif tok.kind == "word":
                if node.words or not _assignment(tok):
                    if not node.words and not node.assigns and self.keyword() in _KEYWORDS:
                        break
                    node.words.append(tok.word)
                else:
                    name, _, _ = tok.text.partition("=")
                    first_kind, first_text = tok.word[0]
                    value = ((first_kind, first_text.split("=", 1)[1]), *tok.word[1:])
                    node.assigns.append((name, value))
                self.i += 1
            else:
                break
        if not node.words and not node.assigns and not node.redirects:
            found = self.peek()
            raise ShellSyntaxError(f"syntax error: unexpected {found.text if found else 'end of file'!r}")
        return node


def _assignment(tok: Token) -> bool:
    kind, text = tok.word[0]
    name, eq, _ = text.partition("=")
    return kind == "lit" and bool(eq) and name.isidentifier()


def parse(script: str) -> Seq:
    """Parse a script; raises `ShellSyntaxError` as sh would refuse it."""
    parser = _Parser(tokenize(script))
    tree = parser.seq()
    if parser.peek() is not None:
        raise ShellSyntaxError(f"syntax error: unexpected {parser.peek().text!r}")  # type: ignore[union-attr]
    return tree
