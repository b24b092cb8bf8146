"""The token and cost meter: per question and per session, from the models' ``usage_metadata``.

Costs come from a small table of list prices (USD per million tokens). Prices change and endpoints
differ (a proxy, a discount, a batch rate): a model that is not in the table costs ``None``, never a
guess, and a caller can pass its own table. Local models (``ollama``) cost nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from workbench.agent._events import Usage


@dataclass(frozen=True, slots=True)
class Price:
    """USD per million input and output tokens."""

    input: float
    output: float


PRICES: Mapping[str, Price] = {
    # OpenAI list prices (platform.openai.com/docs/pricing)
    "gpt-4o-mini": Price(0.15, 0.60),
    "gpt-4o": Price(2.50, 10.00),
    "gpt-4.1-nano": Price(0.10, 0.40),
    "gpt-4.1-mini": Price(0.40, 1.60),
    "gpt-4.1": Price(2.00, 8.00),
    "o4-mini": Price(1.10, 4.40),
    "o3-mini": Price(1.10, 4.40),
    # Anthropic list prices (anthropic.com/pricing)
    "claude-3-5-haiku": Price(0.80, 4.00),
    "claude-haiku-4-5": Price(1.00, 5.00),
    "claude-3-5-sonnet": Price(3.00, 15.00),
    "claude-3-7-sonnet": Price(3.00, 15.00),
    "claude-sonnet-4": Price(3.00, 15.00),
    "claude-opus-4": Price(15.00, 75.00),
}
"""Known models by name prefix; the longest matching prefix wins (``gpt-4o-mini-2024-07-18``)."""

FREE_PROVIDERS = frozenset({"ollama"})
"""Providers that run on the user's machine: their tokens cost nothing."""


def price_of(provider: str, model: str, prices: Mapping[str, Price] = PRICES) -> Price | None:
    """The price of ``model`` (by longest name prefix), zero for local providers, else ``None``."""
    if provider in FREE_PROVIDERS:
        return Price(0.0, 0.0)
    name = model.lower()
    best = max((key for key in prices if name.startswith(key.lower())), key=len, default=None)
    return prices[best] if best is not None else None


class Meter:
    """Counts the tokens of each question and of the whole session, and what they cost.

    Example:
        >>> meter = Meter("openai", "gpt-4o-mini")
        >>> meter.begin_question()
        >>> meter.add(1000, 200)
        >>> usage = meter.usage()
        >>> usage.input_tokens, usage.output_tokens, round(usage.cost_usd or 0, 6)
        (1000, 200, 0.00027)
    """

    def __init__(self, provider: str, model: str, *, prices: Mapping[str, Price] = PRICES) -> None:
        self.provider = provider
        self.model = model
        self.price = price_of(provider, model, prices)
        self.input_tokens = 0
        """Input tokens of the current (or last) question."""
        self.output_tokens = 0
        """Output tokens of the current (or last) question."""
        self.session_input_tokens = 0
        self.session_output_tokens = 0
        self.calls = 0
        """Model requests of the current question."""

    @property
    def question_tokens(self) -> int:
        """Input and output tokens of the current question."""
        return self.input_tokens + self.output_tokens

    @property
    def session_tokens(self) -> int:
        """Input and output tokens of the whole session."""
        return self.session_input_tokens + self.session_output_tokens

    def begin_question(self) -> None:
        """Start counting a new question (the session totals carry on)."""
        self.input_tokens = 0
        self.output_tokens = 0
        self.calls = 0

    def add(self, input_tokens: int, output_tokens: int) -> None:
        """Count one model request's tokens."""
        input_tokens, output_tokens = max(0, int(input_tokens)), max(0, int(output_tokens))
        self.calls += 1
        self.input_tokens += input_tokens
        self.output_tokens += output_tokens
        self.session_input_tokens += input_tokens
        self.session_output_tokens += output_tokens

    def cost(self, input_tokens: int, output_tokens: int) -> float | None:
        """What these tokens cost at the model's price, ``None`` when the price is unknown."""
        if self.price is None:
            return None
        return (input_tokens * self.price.input + output_tokens * self.price.output) / 1_000_000

    def usage(self) -> Usage:
        """The `Usage` event of the current question and the session so far."""
        return Usage(
            model=f"{self.provider}:{self.model}" if self.model else self.provider,
            input_tokens=self.input_tokens,
            output_tokens=self.output_tokens,
            cost_usd=self.cost(self.input_tokens, self.output_tokens),
            session_input_tokens=self.session_input_tokens,
            session_output_tokens=self.session_output_tokens,
            session_cost_usd=self.cost(self.session_input_tokens, self.session_output_tokens),
        )

    def __repr__(self) -> str:
        cost = self.cost(self.session_input_tokens, self.session_output_tokens)
        money = f", ${cost:.4f}" if cost is not None else ""
        return (
            f"<Meter {self.provider}:{self.model}: session {self.session_input_tokens} in / "
            f"{self.session_output_tokens} out{money}>"
        )
