"""Secret-looking values in free text, found by pattern and replaced by stable placeholders.

Every rule names the *kind* of secret it masks (``jwt``, ``password``...). Only the secret part of a
match is replaced: the key of a ``key=value`` pair, the user and host of a URL and the scheme of an
``Authorization`` header stay, so the text still reads. Rules run in order; a placeholder is never
masked again, so `mask_text` is idempotent.

False positives are kept low on purpose: object names, image references (tags and digests), UUIDs,
pod-template hashes, resourceVersions, timestamps and IP addresses never match. Long random-looking
strings are masked only right after a word that says they are secret ("token 9f8e...").
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

PLACEHOLDER_OPEN = "‹redacted:"
PLACEHOLDER_CLOSE = "›"


def placeholder(kind: str) -> str:
    """The stable text that replaces a secret of ``kind``: ``redacted:<kind>`` in angle quotation marks.

    The marks (U+2039, U+203A) do not occur in Kubernetes names, so a placeholder never matches a rule.
    """
    return f"{PLACEHOLDER_OPEN}{kind}{PLACEHOLDER_CLOSE}"


@dataclass(frozen=True, slots=True)
class Redacted:
    """Text with its secrets masked.

    Attributes:
        text: the masked text.
        count: how many secrets were replaced.
        kinds: how many of each kind (``{"jwt": 1, "password": 2}``).
    """

    text: str
    count: int
    kinds: Mapping[str, int] = field(default_factory=dict)


# --- which keys name a secret --------------------------------------------------------------------

_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+")
# A key whose last word is one of these holds a secret: ``DB_PASSWORD``, ``x-auth-token``, ``apiKey``.
_SECRET_LAST = {
    "password": "password", "passwd": "password", "pwd": "password", "pass": "password",
    "passphrase": "password", "passcode": "password", "secret": "secret", "token": "token",
    "credential": "credential", "credentials": "credential", "creds": "credential",
    "cookie": "session", "session": "session", "sessionid": "session", "jsessionid": "session",
    "phpsessid": "session", "apikey": "api_key", "authorization": "authorization", "auth": "auth",
    "signature": "signature", "sig": "signature", "privatekey": "private_key",
    "accesskey": "access_key", "secretkey": "secret_key",
}  # fmt: skip
# ``<word>_key`` is a secret after these words (``api_key``, ``AccountKey``, ``signing-key``).
_KEY_OWNERS = {
    "api", "access", "secret", "private", "account", "shared", "signing", "encryption", "decryption",
    "master", "client", "license", "subscription", "auth", "app", "storage", "webhook", "hmac", "ssh",
    "gpg", "pgp", "sas", "primary", "secondary", "admin", "aes", "jwt", "crypto", "service",
}  # fmt: skip
# Words that make a key harmless even when it mentions a secret: ``secretName``, ``token_ttl``.
_HARMLESS_LAST = {
    "name", "names", "file", "path", "dir", "ref", "namespace", "type", "mode", "length", "ttl", "seconds",
    "expiry", "expiration", "expires", "lifetime", "endpoint", "host", "port", "user", "username", "header",
    "field", "enabled", "required", "version", "kind", "count", "size", "format", "policy", "affinity",
    "prefix", "url", "uri", "location", "provider", "issuer", "audience", "algorithm", "rotation", "store",
    "mount", "volume", "label", "selector", "timeout", "interval", "min", "max", "limit", "reset",
}  # fmt: skip
# Env names that mention these anywhere are secrets unless their last word is harmless.
_STRONG = {
    "password", "passwd", "pwd", "passphrase", "secret", "token", "credential", "credentials", "creds",
    "apikey", "privatekey", "accesskey", "secretkey", "cookie", "sessionid",
}  # fmt: skip


def _words(key: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(key)]


def _kind_for(words: list[str], kind: str) -> str:
    if "aws" in words and kind in {"secret", "access_key", "secret_key"}:
        return "aws_secret_key"
    if ("shared" in words and kind == "access_key") or ("account" in words and kind == "key"):
        return "azure_key"
    return kind


_KEY_KINDS = {"api": "api_key", "private": "private_key", "access": "access_key", "secret": "secret_key"}


@lru_cache(maxsize=4096)
def secret_key_kind(key: str) -> str | None:
    """The kind of secret a key (a text key, a field or an annotation name) holds, or ``None``.

    The key's last word decides: ``DB_PASSWORD`` and ``apiKey`` hold secrets; ``secretName``,
    ``tokenExpirationSeconds`` and ``sessionAffinity`` do not.
    """
    words = _words(key.rsplit("/", 1)[-1])
    if not words:
        return None
    last = words[-1]
    prev = words[-2] if len(words) > 1 else ""
    if last in _SECRET_LAST:
        return _kind_for(words, _SECRET_LAST[last])
    if last == "key" and prev in _KEY_OWNERS:
        return _kind_for(words, _KEY_KINDS.get(prev, "key"))
    if last == "id" and prev in {"session", "key"}:
        return "session" if prev == "session" else "key"
    if last == "hash" and prev in {"password", "passwd"}:
        return "password"
    return None


@lru_cache(maxsize=4096)
def secret_env_kind(name: str) -> str | None:
    """The kind of secret an environment variable (or header, or parameter) of this name holds.

    Stricter than `secret_key_kind`: a strong word anywhere counts (``DB_PASSWORD_PLAIN``), unless
    the last word is harmless (``DB_PASSWORD_FILE`` holds a path).
    """
    kind = secret_key_kind(name)
    if kind is not None:
        return kind
    words = _words(name)
    if not words or words[-1] in _HARMLESS_LAST:
        return None
    for i, word in enumerate(words):
        if word in _STRONG:
            return _kind_for(words, _SECRET_LAST.get(word, word))
        if word == "key" and i and words[i - 1] in _KEY_OWNERS:
            return "key"
    return None


# --- the rules ----------------------------------------------------------------------------------

Check = Callable[[re.Match[str]], str | None]


@dataclass(frozen=True, slots=True)
class _Rule:
    kind: str
    pattern: re.Pattern[str]
    group: int | str = 0  # the group holding the secret
    check: Check | None = None  # returns the kind to mask as, or None to keep the match
    trigger: tuple[str, ...] = ()  # cheap lowercase substrings, one of which must be present


# Values that are never secrets even after a secret-looking key: states, modes, references.
_TRIVIAL = {
    "", "true", "false", "yes", "no", "on", "off", "null", "none", "nil", "undefined", "required",
    "optional", "enabled", "disabled", "set", "unset", "missing", "invalid", "expired", "empty", "ok",
    "success", "failed",
    "redacted", "<redacted>", "[redacted]", "basic", "bearer", "digest", "oauth", "oauth2", "oidc", "ldap",
    "saml", "jwt", "kerberos", "negotiate", "ntlm", "anonymous", "mtls", "tls", "password", "token",
    "secret", "not", "is", "was", "has", "must", "should", "for",
}  # fmt: skip
_REFERENCE = re.compile(r"^(?:\$\(|\$\{|\$[A-Za-z_]|\{\{|%\(|<[A-Za-z_-]+>$|\*+$|x{3,}$|‹redacted:)")
_SMALL_NUMBER = re.compile(r"^[0-9]{1,5}$")
# ``--kubelet-client-key=/etc/kubernetes/pki/client.key`` names a file; it does not hold the key.
_FILE_PATH = re.compile(r"^(?:/|\./|~/)[\w./\-]*$")


def _real_value(value: str) -> bool:
    value = value.strip()
    return not (
        value.lower() in _TRIVIAL
        or _REFERENCE.match(value) is not None
        or _SMALL_NUMBER.match(value) is not None
        or _FILE_PATH.match(value) is not None
    )


def _keyed(key_group: str, value_group: str) -> Check:
    def check(m: re.Match[str]) -> str | None:
        kind = secret_key_kind(m.group(key_group))
        return kind if kind is not None and _real_value(m.group(value_group) or "") else None

    return check


def _entropy(value: str) -> float:
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def _random_looking(m: re.Match[str]) -> str | None:
    value = m.group("val")
    has_digit = any(c.isdigit() for c in value)
    has_alpha = any(c.isalpha() for c in value)
    return "high_entropy" if has_digit and has_alpha and _entropy(value) >= 3.3 else None


def _bearer(m: re.Match[str]) -> str | None:
    token = m.group("tok")
    return "bearer_token" if len(token) >= 20 or any(c.isdigit() for c in token) else None


def _basic(m: re.Match[str]) -> str | None:
    try:
        decoded = base64.b64decode(m.group("cred") + "==", validate=False).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return "basic_auth" if ":" in decoded and decoded.isprintable() else None


def _mixed(kind: str) -> Check:
    def check(m: re.Match[str]) -> str | None:
        value = m.group(0)
        return kind if any(c.isdigit() for c in value) and any(c.isalpha() for c in value) else None

    return check


def _env_pair(m: re.Match[str]) -> str | None:
    kind = secret_env_kind(m.group("name"))
    return kind if kind is not None and _real_value(m.group("value")) else None


def _flag(m: re.Match[str]) -> str | None:
    kind = secret_key_kind(m.group("flag").lstrip("-"))
    return kind if kind is not None and _real_value(m.group("val")) else None


def _cookie(m: re.Match[str]) -> str | None:
    return "session" if "=" in m.group("val") else None


def _auth_header(m: re.Match[str]) -> str | None:
    return "authorization" if _real_value(m.group("val")) else None


def _url_password(m: re.Match[str]) -> str | None:
    return "url_password" if _real_value(m.group("pw")) else None


_KEY = r"(?P<key>[A-Za-z][A-Za-z0-9_.\-]{0,80})"
_QUOTE = r"(?:\\?[\"'])?"
_VALUE = (
    r"(?:\"(?P<v1>(?:[^\"\\\n]|\\.){1,2000})\""
    r"|\\\"(?P<v2>(?:[^\"\\\n]|\\[^\"\n]){1,2000})\\\""
    r"|'(?P<v3>[^'\n]{1,2000})'"
    r"|(?P<v4>[^\s\"'<>,;&}\])\\]{1,2000}))"
)
_CONTEXT_WORDS = (
    r"secret|token|password|passwd|api[ _-]?key|access[ _-]?key|private[ _-]?key|credentials?|signature"
)

RULES: tuple[_Rule, ...] = (
    _Rule("private_key", re.compile(
        r"-----BEGIN (?P<label>(?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?)-----"
        r"(?:(?!-----END).){0,20000}?-----END (?P=label)-----", re.S), trigger=("-----begin",)),
    # A block cut short (a log tail, a truncated annotation) is masked as far as its base64 goes.
    _Rule("private_key", re.compile(
        r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----(?:[A-Za-z0-9+/=:,\- \t\r\n]|\\[nr])*"),
        trigger=("-----begin",)),
    _Rule("jwt", re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}(?:\.[A-Za-z0-9_-]*){1,3}"),
          trigger=("eyj",)),
    _Rule("url_password", re.compile(
        r"\b[a-zA-Z][a-zA-Z0-9+.\-]{1,20}://[^\s:/?#@\"'<>]*:(?P<pw>[^\s/?#@\"'<>]{1,500})@(?=[\w\[])"),
        "pw", _url_password, ("://",)),
    _Rule("anthropic_key", re.compile(r"\bsk-ant-[A-Za-z0-9_\-]{20,}"), trigger=("sk-ant-",)),
    _Rule("openai_key", re.compile(r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,}"),
          check=_mixed("openai_key"), trigger=("sk-",)),
    _Rule("stripe_key", re.compile(r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,}|\bwhsec_[A-Za-z0-9]{20,}"),
          trigger=("_live_", "_test_", "whsec_")),
    _Rule("github_token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,255}\b|\bgithub_pat_[A-Za-z0-9_]{22,255}"),
          trigger=("gh", "github_pat_")),
    _Rule("gitlab_token", re.compile(r"\bgl(?:pat|ptt|rt|dt|cbt|oas|ft|imt|agent|soat)-[A-Za-z0-9_\-]{20,}"),
          trigger=("gl",)),
    _Rule("slack_token", re.compile(r"\bxox[abposre]-[A-Za-z0-9\-]{10,}"), trigger=("xox",)),
    _Rule("slack_webhook", re.compile(
        r"hooks\.slack\.com/(?:services|workflows|triggers)/(?P<path>[A-Za-z0-9/_\-]{20,})"),
        "path", trigger=("hooks.slack.com",)),
    _Rule("aws_access_key", re.compile(
        r"\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|AROA|APKA|ASCA)[A-Z0-9]{16}\b"),
    ),
    _Rule("gcp_api_key", re.compile(r"\bAIza[0-9A-Za-z_\-]{35}"), trigger=("aiza",)),
    _Rule("google_oauth_token", re.compile(r"\bya29\.[0-9A-Za-z_\-]{20,}"), trigger=("ya29.",)),
    _Rule("npm_token", re.compile(r"\bnpm_[A-Za-z0-9]{36}\b"), trigger=("npm_",)),
    _Rule("pypi_token", re.compile(r"\bpypi-AgE[A-Za-z0-9_\-]{50,}"), trigger=("pypi-",)),
    _Rule("huggingface_token", re.compile(r"\bhf_[A-Za-z0-9]{30,}\b"), trigger=("hf_",)),
    _Rule("sendgrid_key", re.compile(r"\bSG\.[A-Za-z0-9_\-]{16,}\.[A-Za-z0-9_\-]{16,}"), trigger=("sg.",)),
    _Rule("azure_sas", re.compile(r"(?:(?<=[?&;\s\"'])|^)sig=(?P<sig>[A-Za-z0-9%+/=_\-]{16,})"),
          "sig", trigger=("sig=",)),
    _Rule("bearer_token", re.compile(r"(?i)\bbearer\s+(?P<tok>[A-Za-z0-9._~+/\-]{8,}=*)"), "tok", _bearer,
          ("bearer",)),
    _Rule("basic_auth", re.compile(r"(?i)\bbasic\s+(?P<cred>[A-Za-z0-9+/]{6,}={0,2})(?![A-Za-z0-9+/=])"),
          "cred", _basic, ("basic",)),
    _Rule("authorization", re.compile(
        r"(?i)\b(?:proxy-)?authorization" + _QUOTE + r"\s*[:=]\s*" + _QUOTE
        + r"(?:[A-Za-z][A-Za-z0-9\-]*\s+)?(?P<val>[^\s\"',;\\]+)"), "val", _auth_header, ("authorization",)),
    _Rule("session", re.compile(r"(?im)\b(?:set-)?cookie\s*:\s*(?P<val>[^\r\n\"]+)"), "val", _cookie,
          ("cookie",)),
    # ``- name: DB_PASSWORD`` / ``value: ...`` and ``{"name": "X", "value": "..."}`` (manifests in text).
    _Rule("env", re.compile(
        r"\"name\"\s*:\s*\"(?P<name>[^\"]{1,200})\"\s*,\s*\"value\"\s*:\s*\"(?P<value>(?:[^\"\\]|\\.){0,2000})\""),
        "value", _env_pair, ("\"value\"",)),
    _Rule("env", re.compile(
        r"name:\s*[\"']?(?P<name>[A-Za-z_][A-Za-z0-9_.\-]*)[\"']?[ \t]*\r?\n[ \t]*value:[ \t]*"
        r"[\"']?(?P<value>[^\"'\r\n]+)"), "value", _env_pair, ("value:",)),
    _Rule("xml", re.compile(r"<(?P<key>[A-Za-z][A-Za-z0-9_.\-]{0,60})>(?P<val>[^<]{1,2000})</(?P=key)>"),
          "val", _keyed("key", "val"), ("</",)),
    _Rule("flag", re.compile(
        r"(?<![\w-])(?P<flag>--?[A-Za-z][A-Za-z0-9\-]*)[ \t]+(?P<val>[^\s\"'\-][^\s\"']*)"),
        "val", _flag, ("-",)),
    # key=value, key: value, "key": "value" (JSON, YAML, properties, env files, connection strings).
    _Rule("key_value", re.compile(
        r"(?<![A-Za-z0-9_.])" + _KEY + _QUOTE + r"[ \t]*(?P<sep>=>|[:=])[ \t]*" + _VALUE),
        "", trigger=("=", ":")),
    _Rule("high_entropy", re.compile(
        r"(?i)\b(?:" + _CONTEXT_WORDS + r")s?\b[ \t]+(?:(?:is|was|of|for|=|:)[ \t]+)?"
        r"(?P<val>[A-Za-z0-9+/_=\-]{20,})"),
        "val", _random_looking, ("secret", "token", "pass", "key", "credential", "signature")),
)  # fmt: skip


# Every rule needs one of these; most names, label values and hashes have none and return at once.
_MAYBE = re.compile(
    r"[=:<]|\s-|eyJ|sk[-_]|rk_|whsec_|gh[pousr]_|github_pat_|gl[a-z]{1,5}-|xox|AIza|ya29\.|npm_|pypi-|hf_|SG\."
    r"|(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|AROA|APKA|ASCA)[A-Z0-9]{16}"
    r"|(?i:bearer|basic|secret|token|pass|key|credential|signature)"
)


def _key_value(m: re.Match[str]) -> tuple[str, str] | None:
    """The (kind, value group) of a key=value match whose key names a secret."""
    kind = secret_key_kind(m.group("key"))
    if kind is None:
        return None
    for group in ("v1", "v2", "v3", "v4"):
        value = m.group(group)
        if value is not None:
            return (kind, group) if _real_value(value) else None
    return None


_LINE_REST = re.compile(r"[^\r\n,}\]\"#]*")


def _pairs(pattern: re.Pattern[str], text: str, counts: Counter[str]) -> str:
    """Mask ``key=value`` pairs; a harmless key does not swallow its value, which may hold a pair."""
    out: list[str] = []
    done = pos = 0
    while (m := pattern.search(text, pos)) is not None:
        found = _key_value(m)
        if found is None:
            pos = m.end("key")
            continue
        kind, group = found
        start, end = m.span(group)
        if group == "v4" and m.group("sep") == ":":
            # YAML-style ``password: two words``: the value runs to the end of the line.
            rest = _LINE_REST.match(text, end)
            end = end + len(rest.group(0).rstrip()) if rest else end
        if not m.group(group).startswith(PLACEHOLDER_OPEN):
            out += (text[done:start], placeholder(kind))
            done = end
            counts[kind] += 1
        pos = m.end()
    return "".join(out) + text[done:] if out else text


def _substitute(rule: _Rule, text: str, counts: Counter[str]) -> str:
    if rule.kind == "key_value":
        return _pairs(rule.pattern, text, counts)

    def replace(m: re.Match[str]) -> str:
        kind = rule.kind if rule.check is None else rule.check(m)
        if kind is None:
            return m.group(0)
        group = rule.group
        start, end = m.span(group)
        secret = m.group(group)
        if start < 0 or not secret or secret.startswith(PLACEHOLDER_OPEN):
            return m.group(0)
        counts[kind] += 1
        base = m.start()
        whole = m.group(0)
        return whole[: start - base] + placeholder(kind) + whole[end - base :]

    return rule.pattern.sub(replace, text)


def mask_text(text: str) -> Redacted:
    """Mask every secret-looking value in ``text``.

    Args:
        text: any free text: a log tail, an event message, an annotation or ConfigMap value.

    Returns:
        The masked text, how many secrets were replaced, and how many of each kind.

    Example:
        >>> masked = mask_text("connecting to postgres://app:hunter2@db:5432/shop")
        >>> masked.count, "hunter2" in masked.text, masked.text.endswith("@db:5432/shop")
        (1, False, True)
    """
    if not text or _MAYBE.search(text) is None:
        return Redacted(text, 0, {})
    lowered = text.lower()
    counts: Counter[str] = Counter()
    for rule in RULES:
        if rule.trigger and not any(t in lowered for t in rule.trigger):
            continue
        masked = _substitute(rule, text, counts)
        if masked != text:
            text = masked
            lowered = text.lower()
    return Redacted(text, sum(counts.values()), dict(counts))


def holds_value(value: str) -> bool:
    """Whether a value under a secret-looking name holds something (not a reference, path or placeholder).

    ``$(DB_PASSWORD)`` and ``${TOKEN}`` name another variable; ``/etc/pki/client.key`` names a file.
    """
    value = value.strip()
    return bool(value) and _REFERENCE.match(value) is None and _FILE_PATH.match(value) is None


def mask_value(value: str, kind: str) -> str:
    """A whole value replaced by the placeholder for ``kind`` (empty values and placeholders stay)."""
    if not value or value.startswith(PLACEHOLDER_OPEN):
        return value
    return placeholder(kind)
