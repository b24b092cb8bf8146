"""`mask_text`: secrets in free text are masked, the rest of the text reads as before."""

from __future__ import annotations

import pytest

from tests.redaction.corpus import JWT, NEGATIVE, POSITIVE, Case
from workbench.redaction import mask_text, placeholder, secret_env_kind, secret_key_kind

PATTERN_CASES = [case for case in POSITIVE if not case.key]


@pytest.mark.parametrize("case", PATTERN_CASES, ids=[f"{c.where}-{i}" for i, c in enumerate(PATTERN_CASES)])
def test_every_pattern_case_loses_its_secret(case: Case) -> None:
    masked = mask_text(case.text)
    assert case.secret not in masked.text
    assert masked.count >= 1
    assert sum(masked.kinds.values()) == masked.count


@pytest.mark.parametrize("text", NEGATIVE)
def test_ordinary_text_is_left_exactly_as_it_was(text: str) -> None:
    masked = mask_text(text)
    assert (masked.text, masked.count, dict(masked.kinds)) == (text, 0, {})


@pytest.mark.parametrize(
    ("text", "expected", "kinds"),
    [
        (
            "connecting to postgres://app:hunter2@db:5432/shop",
            f"connecting to postgres://app:{placeholder('url_password')}@db:5432/shop",
            {"url_password": 1},
        ),
        (
            "DB_PASSWORD=hunter2 LOG=debug",
            f"DB_PASSWORD={placeholder('password')} LOG=debug",
            {"password": 1},
        ),
        (
            '{"user": "bob", "apiKey": "AbC123xYz789"}',
            f'{{"user": "bob", "apiKey": "{placeholder("api_key")}"}}',
            {"api_key": 1},
        ),
        (
            "Authorization: Bearer abc123def456ghi789",
            f"Authorization: Bearer {placeholder('bearer_token')}",
            {"bearer_token": 1},
        ),
        (f"id_token={JWT}", f"id_token={placeholder('jwt')}", {"jwt": 1}),
        ("ak AKIAIOSFODNN7EXAMPLE", f"ak {placeholder('aws_access_key')}", {"aws_access_key": 1}),
        (
            "AccountName=acme;AccountKey=Zm9vYmFyYmF6;EndpointSuffix=core.windows.net",
            f"AccountName=acme;AccountKey={placeholder('azure_key')};EndpointSuffix=core.windows.net",
            {"azure_key": 1},
        ),
        ("--password hunter2 --verbose", f"--password {placeholder('password')} --verbose", {"password": 1}),
        (
            "password: correct horse battery  # comment",
            f"password: {placeholder('password')}  # comment",
            {"password": 1},
        ),
    ],
)
def test_only_the_secret_part_is_replaced(text: str, expected: str, kinds: dict[str, int]) -> None:
    masked = mask_text(text)
    assert masked.text == expected
    assert dict(masked.kinds) == kinds
    assert masked.count == sum(kinds.values())


def test_masking_twice_changes_nothing_more() -> None:
    text = "\n".join(case.text for case in POSITIVE)
    once = mask_text(text)
    twice = mask_text(once.text)
    assert once.count > 60
    assert (twice.text, twice.count) == (once.text, 0)


def test_a_harmless_key_does_not_swallow_a_secret_pair_in_its_value() -> None:
    masked = mask_text("error: password: hunter2")
    assert masked.text == f"error: password: {placeholder('password')}"


def test_references_and_paths_under_secret_names_are_not_values() -> None:
    for text in ("password=$(DB_PASSWORD)", "token=${TOKEN}", "--client-key=/etc/pki/client.key", "pwd=***"):
        assert mask_text(text).text == text


def test_empty_text_is_returned_as_is() -> None:
    masked = mask_text("")
    assert (masked.text, masked.count, dict(masked.kinds)) == ("", 0, {})


@pytest.mark.parametrize(
    ("key", "kind"),
    [
        ("DB_PASSWORD", "password"),
        ("apiKey", "api_key"),
        ("x-auth-token", "token"),
        ("client_secret", "secret"),
        ("AWS_SECRET_ACCESS_KEY", "aws_secret_key"),
        ("AccountKey", "azure_key"),
        ("SharedAccessKey", "azure_key"),
        ("private_key_id", "key"),
        ("JSESSIONID", "session"),
        ("example.com/deploy-token", "token"),
        ("secretName", None),
        ("tokenExpirationSeconds", None),
        ("sessionAffinity", None),
        ("author", None),
        ("bypass", None),
        ("key", None),
    ],
)
def test_secret_keys_are_told_apart_by_their_last_word(key: str, kind: str | None) -> None:
    assert secret_key_kind(key) == kind


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("DB_PASSWORD_PLAIN", "password"),
        ("GITHUB_TOKEN", "token"),
        ("OAUTH_CLIENT_SECRET", "secret"),
        ("DB_PASSWORD_FILE", None),
        ("SECRET_NAME", None),
        ("TOKEN_TTL", None),
        ("LOG_LEVEL", None),
        ("DATABASE_URL", None),
    ],
)
def test_env_names_count_a_secret_word_anywhere_unless_the_last_word_is_harmless(
    name: str, kind: str | None
) -> None:
    assert secret_env_kind(name) == kind
