"""Where the shipped example protocols are, in a checkout and in an installed wheel alike."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def shipped_config(name: str) -> Path:
    """The file `config/<name>` that ships with Lotgenoot."""
    for folder in (_PACKAGE / "config", _PACKAGE.parent / "config"):
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(f"config/{name} is not shipped with this installation")
