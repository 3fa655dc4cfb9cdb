"""The research modules stand alone: no Telegram, no bot."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import experiments


def test_research_modules_import_neither_telegram_nor_the_bot() -> None:
    modules = [f"experiments.{info.name}" for info in pkgutil.iter_modules(experiments.__path__)]
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "leaks = sorted(m for m in sys.modules if m.split('.')[0] in {'telegram', 'bot'})\n"
        "print(','.join(leaks))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
