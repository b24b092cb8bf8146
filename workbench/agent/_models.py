"""Which chat model the agent talks to: `resolve_model` reads ``WORKBENCH_MODEL`` (or a ``.env`` file).

Specs (``WORKBENCH_MODEL`` or the ``model=`` argument):

- unset, ``""``, ``offline``: no model; the offline assistant answers from the analyzers and planners.
- ``openai:gpt-4o-mini``, ``anthropic:claude-...``, ``azure_openai:<deployment>``, ``ollama:llama3.1``
  (and any other provider ``langchain.chat_models.init_chat_model`` knows): built by ``init_chat_model``.
- ``openai-compatible:<model>@http://host:port/v1``: any OpenAI-compatible server (vLLM, llama.cpp,
  LM Studio). So is any spec when ``WORKBENCH_MODEL_BASE_URL`` is set (``openai:`` or no provider).

Keys come from the process environment first, then ``./.env`` (``KEY=value`` lines); they are handed
to the client and never kept in a repr, an event, an error or a notebook output. A missing key or
provider package is a `ConfigError` naming the variable or package and the fix.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel
from pydantic import SecretStr

from workbench.errors import ConfigError
from workbench.redaction import mask_text

MODEL_VAR = "WORKBENCH_MODEL"
BASE_URL_VAR = "WORKBENCH_MODEL_BASE_URL"
API_KEY_VAR = "WORKBENCH_MODEL_API_KEY"
COMPATIBLE = "openai-compatible"
OFFLINE = "offline"
TIMEOUT_SECONDS = 60.0
"""How long one model request may take before the turn fails with a timeout."""
MAX_RETRIES = 2
"""Retries of a request that failed with 429, 5xx or a dropped connection (the client's back-off)."""

# provider: (python module, pip package, the key variables it needs, any one of which will do)
_PROVIDERS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "openai": ("langchain_openai", "langchain-openai", ("OPENAI_API_KEY",)),
    "anthropic": ("langchain_anthropic", "langchain-anthropic", ("ANTHROPIC_API_KEY",)),
    "azure_openai": ("langchain_openai", "langchain-openai", ("AZURE_OPENAI_API_KEY",)),
    "ollama": ("langchain_ollama", "langchain-ollama", ()),
}
_AZURE_SETTINGS = ("AZURE_OPENAI_ENDPOINT", "OPENAI_API_VERSION")
_EXAMPLES = "openai:gpt-4o-mini, anthropic:claude-3-5-haiku-latest, ollama:llama3.1, or offline"


@dataclass(frozen=True)
class ModelChoice:
    """The model a chat uses, or none (offline).

    Attributes:
        provider: ``offline``, ``openai``, ``anthropic``, ``azure_openai``, ``ollama``,
            ``openai-compatible``, or another provider ``init_chat_model`` knows.
        name: the model's name (``gpt-4o-mini``); ``""`` offline.
        base_url: the endpoint, when not the provider's default.
        chat_model: the langchain chat model (``None`` offline).
    """

    provider: str
    name: str = ""
    base_url: str | None = None
    chat_model: BaseChatModel | None = field(default=None, repr=False, compare=False)
    secrets: tuple[str, ...] = field(default=(), repr=False, compare=False)
    """The key values handed to the client: masked wherever text leaves a chat (errors included)."""

    @property
    def offline(self) -> bool:
        """No model: the offline assistant answers."""
        return self.chat_model is None

    @property
    def label(self) -> str:
        """``provider:name`` (with ``@base_url`` for a custom endpoint, credentials masked)."""
        if self.offline:
            return OFFLINE
        where = f"@{mask_text(self.base_url).text}" if self.base_url else ""
        return f"{self.provider}:{self.name}{where}"

    def __repr__(self) -> str:
        return f"ModelChoice({self.label!r})"


def read_dotenv(path: str | os.PathLike[str]) -> dict[str, str]:
    """``KEY=value`` lines of a ``.env`` file (``export``, comments and quotes allowed); {} if absent.

    Malformed lines are skipped: the file is a convenience, and python-dotenv's full grammar is not
    worth a dependency here.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return {}
    except OSError as err:
        raise ConfigError(
            f"{path}: cannot read the .env file ({err.strerror}); fix its permissions"
        ) from None
    values: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        line = line.removeprefix("export ").strip()
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep or not key.replace("_", "").isalnum():
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        else:
            value = value.split(" #", 1)[0].rstrip()
        values[key] = value
    return values


class _Settings:
    """The process environment over ``.env``: the environment wins, as python-dotenv does by default."""

    def __init__(self, env: Mapping[str, str], dotenv: Mapping[str, str]) -> None:
        self._env = env
        self._dotenv = dotenv

    def get(self, name: str) -> str | None:
        value = self._env.get(name)
        if value is None or value == "":
            value = self._dotenv.get(name)
        return value or None


def resolve_model(
    spec: str | None = None,
    *,
    env: Mapping[str, str] | None = None,
    dotenv: str | os.PathLike[str] | None = None,
) -> ModelChoice:
    """The chat model named by ``spec``, else by ``WORKBENCH_MODEL``; offline when neither is set.

    Args:
        spec: a model spec (``openai:gpt-4o-mini``, ``openai-compatible:llama3@http://127.0.0.1:8000/v1``,
            ``offline``); ``None`` reads ``WORKBENCH_MODEL``.
        env: the environment to read (default ``os.environ``).
        dotenv: a ``.env`` file read after the environment (default ``./.env``).

    Returns:
        The choice, with its langchain chat model built (``chat_model`` is ``None`` offline).

    Raises:
        ConfigError: an unknown provider, a provider package that is not installed, or a missing
            key or setting; the message names the variable or package and the fix.

    Example:
        >>> resolve_model(env={}, dotenv="/nonexistent/.env").offline
        True
    """
    settings = _Settings(os.environ if env is None else env, read_dotenv(dotenv or Path.cwd() / ".env"))
    raw = spec if spec is not None else settings.get(MODEL_VAR)
    raw = (raw or "").strip()
    base_url = settings.get(BASE_URL_VAR)
    if not raw or raw.lower() in {OFFLINE, "none"}:
        if base_url and spec is None:
            raise ConfigError(
                f"{BASE_URL_VAR} is set but {MODEL_VAR} is not: name the served model, e.g. "
                f"{MODEL_VAR}={COMPATIBLE}:<model>, or unset {BASE_URL_VAR} to use the offline assistant"
            )
        return ModelChoice(OFFLINE)
    provider, sep, name = raw.partition(":")
    if not sep:
        provider, name = ("openai", raw) if base_url else ("", raw)
    provider = provider.strip().lower()
    provider = provider if provider == COMPATIBLE else provider.replace("-", "_")
    name = name.strip()
    if provider == COMPATIBLE:
        name, at, url = name.partition("@")
        return _compatible(raw, name.strip(), url.strip() if at else base_url, settings)
    if provider == "openai" and base_url:
        return _compatible(raw, name, base_url, settings)
    if not provider:
        raise ConfigError(
            f"{MODEL_VAR}={raw!r} names no provider: write provider:model ({_EXAMPLES}), or set "
            f"{BASE_URL_VAR} to the /v1 URL of an OpenAI-compatible server that serves {raw!r}"
        )
    if not name:
        raise ConfigError(f"{MODEL_VAR}={raw!r} names no model after {provider!r}: e.g. {_EXAMPLES}")
    return _provider(raw, provider, name, base_url, settings)


def _compatible(raw: str, name: str, url: str | None, settings: _Settings) -> ModelChoice:
    if not name or not url:
        raise ConfigError(
            f"{raw!r} needs a model and a base URL: write {COMPATIBLE}:<model>@http://host:port/v1, "
            f"or set {MODEL_VAR}=<model> and {BASE_URL_VAR}=http://host:port/v1"
        )
    if not url.startswith(("http://", "https://")):
        raise ConfigError(
            f"the base URL of {raw!r} must start with http:// or https:// (e.g. http://127.0.0.1:8000/v1)"
        )
    _need_package("openai", raw)
    from langchain_openai import ChatOpenAI  # noqa: PLC0415 - an optional provider, imported when chosen

    # Local servers usually take any key; the client insists on one, so a placeholder stands in.
    key = settings.get(API_KEY_VAR) or settings.get("OPENAI_API_KEY")
    model = ChatOpenAI(
        model=name,
        base_url=url,
        api_key=SecretStr(key or "unused"),
        timeout=TIMEOUT_SECONDS,
        max_retries=MAX_RETRIES,
        stream_usage=True,
        # Compatible servers speak Chat Completions; the Responses API is OpenAI's own.
        use_responses_api=False,
    )
    return ModelChoice(COMPATIBLE, name, url, model, (key,) if key else ())


def _need_package(provider: str, raw: str) -> None:
    module, package, _ = _PROVIDERS[provider]
    if importlib.util.find_spec(module) is None:
        raise ConfigError(
            f"{MODEL_VAR}={raw!r} needs the {package} package, which is not installed: "
            f"pip install {package} (or choose another model, or offline)"
        )


def _provider(raw: str, provider: str, name: str, base_url: str | None, settings: _Settings) -> ModelChoice:
    from langchain.chat_models import init_chat_model  # noqa: PLC0415 - heavy; imported when a model is chosen

    kwargs: dict[str, Any] = {"timeout": TIMEOUT_SECONDS, "max_retries": MAX_RETRIES}
    secrets: tuple[str, ...] = ()
    if provider in _PROVIDERS:
        _need_package(provider, raw)
        _, _, key_vars = _PROVIDERS[provider]
        key_var = key_vars[0] if key_vars else ""
        key = settings.get(API_KEY_VAR) or (settings.get(key_var) if key_var else None)
        if key_vars and not key:
            raise ConfigError(
                f"{MODEL_VAR}={raw!r} needs an API key: set {key_var} (or {API_KEY_VAR}) in the "
                "environment or in ./.env — never in a notebook — or unset "
                f"{MODEL_VAR} to use the offline assistant"
            )
        if key:
            kwargs["api_key"] = key
            secrets = (key,)
        if provider == "openai":
            kwargs["stream_usage"] = True
        if provider == "azure_openai":
            missing = [var for var in _AZURE_SETTINGS if not settings.get(var)]
            if missing:
                raise ConfigError(
                    f"{MODEL_VAR}={raw!r} needs {' and '.join(missing)}: set them in the environment or "
                    "./.env (the endpoint https://<resource>.openai.azure.com and an API version such "
                    "as 2024-10-21)"
                )
            kwargs |= {
                "azure_deployment": name,
                "azure_endpoint": settings.get("AZURE_OPENAI_ENDPOINT"),
                "api_version": settings.get("OPENAI_API_VERSION"),
                "stream_usage": True,
            }
        if provider == "ollama":
            kwargs = {}  # ChatOllama has neither a timeout nor retries of its own
            base_url = base_url or settings.get("OLLAMA_HOST")
    if base_url:
        kwargs["base_url"] = base_url
    try:
        model = init_chat_model(name, model_provider=provider, **kwargs)
    except ImportError as err:
        raise ConfigError(f"{MODEL_VAR}={raw!r}: {err}; or choose another model (e.g. {_EXAMPLES})") from None
    except ValueError as err:
        text = _scrub(str(err), secrets)
        if "provider" in text.lower():
            raise ConfigError(
                f"{MODEL_VAR}={raw!r}: unknown provider {provider!r}; use one of openai, anthropic, "
                f"azure_openai, ollama, {COMPATIBLE} (e.g. {_EXAMPLES})"
            ) from None
        raise ConfigError(f"{MODEL_VAR}={raw!r} cannot be set up: {text}") from None
    except Exception as err:  # noqa: BLE001 - any provider's validation error becomes one clear ConfigError
        raise ConfigError(
            f"{MODEL_VAR}={raw!r} cannot be set up ({type(err).__name__}: {_scrub(str(err), secrets)}); "
            "check the provider's key and settings"
        ) from None
    return ModelChoice(provider, name, base_url, model, secrets)


def _scrub(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        text = text.replace(secret, "‹redacted:api_key›")
    return mask_text(text).text
