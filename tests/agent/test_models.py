"""Choosing the model: specs, the environment and .env, and clear errors that never show a key."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest
from langchain_openai import ChatOpenAI

from workbench.agent import _models, resolve_model
from workbench.agent._models import read_dotenv
from workbench.errors import ConfigError

KEY = "sk-proj-Abc123Def456Ghi789Jkl012Mno345Pqr"
NO_DOTENV = "/nonexistent/.env"


def test_nothing_configured_means_offline() -> None:
    choice = resolve_model(env={}, dotenv=NO_DOTENV)
    assert choice.offline
    assert choice.chat_model is None
    assert choice.label == "offline"
    assert resolve_model("offline", env={"WORKBENCH_MODEL": "openai:gpt-4o-mini"}, dotenv=NO_DOTENV).offline


def test_openai_with_a_key_from_dotenv_builds_the_client_and_hides_the_key(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(f"# keys\nexport WORKBENCH_MODEL=openai:gpt-4o-mini\nOPENAI_API_KEY='{KEY}'\n")
    choice = resolve_model(env={}, dotenv=dotenv)
    assert isinstance(choice.chat_model, ChatOpenAI)
    assert choice.chat_model.model_name == "gpt-4o-mini"
    assert choice.chat_model.openai_api_key is not None
    assert choice.chat_model.openai_api_key.get_secret_value() == KEY
    assert (choice.provider, choice.name, choice.label) == ("openai", "gpt-4o-mini", "openai:gpt-4o-mini")
    assert KEY not in repr(choice)
    assert KEY not in str(choice)
    assert KEY not in repr(choice.chat_model)
    assert choice.secrets == (KEY,)


def test_the_environment_wins_over_dotenv(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("WORKBENCH_MODEL=openai:gpt-4o\nOPENAI_API_KEY=from-file-key-123456\n")
    choice = resolve_model(
        env={"WORKBENCH_MODEL": "openai:gpt-4o-mini", "OPENAI_API_KEY": KEY}, dotenv=dotenv
    )
    assert choice.name == "gpt-4o-mini"
    assert choice.secrets == (KEY,)


def test_dotenv_reads_quotes_exports_comments_and_skips_junk(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        "# comment\nA=1\nexport B=\"two words\"\nC='x=y'\nD=plain # trailing note\nnot a line\n=nokey\n"
    )
    assert read_dotenv(dotenv) == {"A": "1", "B": "two words", "C": "x=y", "D": "plain"}
    assert read_dotenv(tmp_path / "absent") == {}


def test_a_missing_key_names_the_variable_and_the_fix() -> None:
    with pytest.raises(ConfigError) as err:
        resolve_model("openai:gpt-4o-mini", env={}, dotenv=NO_DOTENV)
    message = str(err.value)
    assert "OPENAI_API_KEY" in message
    assert ".env" in message
    assert "offline" in message


def test_a_missing_provider_package_names_the_package_and_the_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = importlib.util.find_spec

    def find_spec(name: str, *args: Any) -> Any:
        return None if name == "langchain_anthropic" else real(name, *args)

    monkeypatch.setattr(_models.importlib.util, "find_spec", find_spec)
    env = {"ANTHROPIC_API_KEY": KEY}
    with pytest.raises(ConfigError, match=r"langchain-anthropic.*pip install langchain-anthropic") as err:
        resolve_model("anthropic:claude-3-5-haiku-latest", env=env, dotenv=NO_DOTENV)
    assert KEY not in str(err.value)


def test_an_unknown_provider_is_refused_with_the_known_ones() -> None:
    with pytest.raises(ConfigError, match=r"unknown provider 'nosuchco'.*openai, anthropic"):
        resolve_model("nosuchco:big-model", env={}, dotenv=NO_DOTENV)


def test_a_bare_model_name_needs_a_provider_or_a_base_url() -> None:
    with pytest.raises(ConfigError, match=r"names no provider.*WORKBENCH_MODEL_BASE_URL"):
        resolve_model("llama3", env={}, dotenv=NO_DOTENV)
    choice = resolve_model(
        "llama3", env={"WORKBENCH_MODEL_BASE_URL": "http://127.0.0.1:9/v1"}, dotenv=NO_DOTENV
    )
    assert (choice.provider, choice.name, choice.base_url) == (
        "openai-compatible",
        "llama3",
        "http://127.0.0.1:9/v1",
    )


def test_an_openai_compatible_spec_carries_its_url_and_optional_key() -> None:
    env = {"WORKBENCH_MODEL_API_KEY": KEY}
    choice = resolve_model("openai-compatible:qwen2.5@http://127.0.0.1:8000/v1", env=env, dotenv=NO_DOTENV)
    model = choice.chat_model
    assert isinstance(model, ChatOpenAI)
    assert model.openai_api_base == "http://127.0.0.1:8000/v1"
    assert model.model_name == "qwen2.5"
    assert model.stream_usage is True
    assert model.use_responses_api is False
    assert choice.label == "openai-compatible:qwen2.5@http://127.0.0.1:8000/v1"
    assert KEY not in repr(choice)
    keyless = resolve_model("openai-compatible:qwen2.5@http://127.0.0.1:8000/v1", env={}, dotenv=NO_DOTENV)
    assert keyless.secrets == ()  # local servers need no key


def test_credentials_in_a_base_url_stay_out_of_the_label() -> None:
    choice = resolve_model(
        "openai-compatible:m@http://bob:hunter2pass@127.0.0.1:8000/v1", env={}, dotenv=NO_DOTENV
    )
    assert "hunter2pass" not in choice.label
    assert "hunter2pass" not in repr(choice)


@pytest.mark.parametrize(
    ("spec", "env", "message"),
    [
        ("openai-compatible:qwen", {}, "needs a model and a base URL"),
        ("openai-compatible:qwen@ftp://x", {}, "must start with http"),
        ("openai:", {}, "names no model"),
        (None, {"WORKBENCH_MODEL_BASE_URL": "http://127.0.0.1:9/v1"}, "WORKBENCH_MODEL is not"),
        (
            "azure_openai:prod-gpt4o",
            {"AZURE_OPENAI_API_KEY": KEY},
            "AZURE_OPENAI_ENDPOINT and OPENAI_API_VERSION",
        ),
    ],
)
def test_incomplete_settings_say_what_is_missing(spec: str | None, env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message) as err:
        resolve_model(spec, env=env, dotenv=NO_DOTENV)
    assert KEY not in str(err.value)


def test_azure_with_its_settings_builds_the_deployment() -> None:
    env = {
        "AZURE_OPENAI_API_KEY": KEY,
        "AZURE_OPENAI_ENDPOINT": "https://example-resource.openai.azure.com",
        "OPENAI_API_VERSION": "2024-10-21",
    }
    choice = resolve_model("azure_openai:prod-gpt4o", env=env, dotenv=NO_DOTENV)
    assert type(choice.chat_model).__name__ == "AzureChatOpenAI"
    assert getattr(choice.chat_model, "deployment_name", None) == "prod-gpt4o"
    assert KEY not in repr(choice)


def test_reads_workbench_model_from_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKBENCH_MODEL", "openai:gpt-4o-mini")
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.chdir("/")
    assert resolve_model().label == "openai:gpt-4o-mini"
