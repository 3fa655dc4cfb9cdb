"""`experiments.__all__` lists exactly what the bot imports from the research modules."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import experiments

ROOT = Path(__file__).resolve().parents[2]


def _what_the_bot_imports() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in (ROOT / "bot").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("experiments"):
                module = (node.module or "").removeprefix("experiments").lstrip(".")
                for alias in node.names:
                    found[alias.name] = module
    return found


def test_all_lists_every_name_the_bot_imports_and_no_other() -> None:
    imported = _what_the_bot_imports()
    assert sorted(imported) == experiments.__all__
    assert {name: experiments.PUBLIC[name] for name in imported} == imported


def test_every_public_name_resolves_to_its_modules_object() -> None:
    for name, module in experiments.PUBLIC.items():
        assert getattr(experiments, name) is getattr(
            importlib.import_module(f"experiments.{module}"), name
        )


def test_importing_experiments_does_not_load_the_statistics_stack() -> None:
    probe = "import sys, experiments; print(sorted({'pandas', 'statsmodels'} & set(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.strip() == "[]"
