"""The panel's TypeScript types are generated from the wire models, and the committed file is current."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tools" / "gen_wire_types.py"


def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_wire_types", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_wire_ts_is_what_the_models_generate() -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert result.returncode == 0, result.stderr


def test_a_stale_file_fails_the_check_and_says_how_to_fix_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    gen = generator()
    stale = tmp_path / "wire.ts"
    stale.write_text(gen.typescript(gen.schema()).replace("question: string;", "question: number;"))
    monkeypatch.setattr(gen, "TARGET", stale)
    monkeypatch.setattr(gen, "ROOT", tmp_path)
    assert gen.main(["--check"]) == 1
    assert "wire.ts is stale: run `.venv/bin/python tools/gen_wire_types.py`" in capsys.readouterr().err
    assert gen.main([]) == 0
    assert gen.main(["--check"]) == 0


def test_every_message_is_typed_with_its_fields_and_literal_tags() -> None:
    gen = generator()
    text = gen.typescript(gen.schema())
    assert "export interface PlanMessage {\n" in text
    assert '  type: "plan";\n' in text
    assert "  cell?: CellAttachment | null;\n" in text  # an optional field of a client message
    assert "  cost_usd: number | null;\n" in text  # always sent by the server: required
    assert 'export type Action = "patch" | "scale"' in text
    assert "export type ChatServerMessage =\n  | HelloMessage\n" in text
    assert "export type ChatClientMessage =\n  | AskMessage\n  | CancelMessage\n  | ResetMessage;\n" in text


def test_a_schema_it_cannot_translate_is_an_error_not_a_wrong_type() -> None:
    gen = generator()
    with pytest.raises(gen.SchemaError, match="no TypeScript translation"):
        gen.typescript({"Odd": {"type": "tuple"}})
