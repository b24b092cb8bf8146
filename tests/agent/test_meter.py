"""The token and cost meter: per question, per session, known and unknown prices."""

from __future__ import annotations

import pytest

from workbench.agent import Meter, Price
from workbench.agent._meter import price_of


def test_prices_match_by_the_longest_name_prefix() -> None:
    assert price_of("openai", "gpt-4o-mini-2024-07-18") == Price(0.15, 0.60)
    assert price_of("openai", "gpt-4o-2024-08-06") == Price(2.50, 10.00)
    assert price_of("openai-compatible", "qwen2.5-coder") is None
    assert price_of("ollama", "llama3.1") == Price(0.0, 0.0)


def test_questions_and_the_session_are_counted_apart() -> None:
    meter = Meter("openai", "gpt-4o-mini")
    meter.begin_question()
    meter.add(1000, 100)
    meter.add(2000, 200)
    first = meter.usage()
    assert (first.input_tokens, first.output_tokens) == (3000, 300)
    assert first.cost_usd == pytest.approx((3000 * 0.15 + 300 * 0.60) / 1e6)
    meter.begin_question()
    meter.add(500, 50)
    second = meter.usage()
    assert (second.input_tokens, second.output_tokens) == (500, 50)
    assert (second.session_input_tokens, second.session_output_tokens) == (3500, 350)
    assert second.session_cost_usd == pytest.approx((3500 * 0.15 + 350 * 0.60) / 1e6)
    assert meter.calls == 1
    assert meter.question_tokens == 550
    assert meter.session_tokens == 3850
    assert second.model == "openai:gpt-4o-mini"


def test_an_unknown_price_costs_none_never_a_guess() -> None:
    meter = Meter("openai-compatible", "my-local-model")
    meter.begin_question()
    meter.add(100, 10)
    usage = meter.usage()
    assert usage.cost_usd is None
    assert usage.session_cost_usd is None
    assert usage.input_tokens == 100


def test_a_caller_can_pass_its_own_prices() -> None:
    meter = Meter("openai-compatible", "my-local-model", prices={"my-local": Price(1.0, 2.0)})
    meter.begin_question()
    meter.add(1_000_000, 1_000_000)
    assert meter.usage().cost_usd == pytest.approx(3.0)
    assert "$3.0000" in repr(meter)
