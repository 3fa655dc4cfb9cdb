"""Each `experiments` subpackage's `__all__` is its whole interface (as httpx tests its own), and
the subpackages the running bot imports leave the statistics stack unloaded."""

from __future__ import annotations

import importlib
import subprocess
import sys
import types
from pathlib import Path

import pytest

import experiments

ROOT = Path(__file__).resolve().parents[2]
SUBPACKAGES = ("records", "protocol", "allocation", "analysis", "micro", "outputs")


def _public_names(package: types.ModuleType) -> list[str]:
    """Names without a leading underscore that are not submodules, sorted."""
    return sorted(
        name
        for name, value in vars(package).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    )


@pytest.mark.parametrize("name", SUBPACKAGES)
def test_a_subpackage_exports_exactly_its_all(name: str) -> None:
    package = importlib.import_module(f"experiments.{name}")
    # ruff (RUF022) keeps `__all__` in its own order: constants, classes, functions
    assert sorted(package.__all__) == _public_names(package)
    assert len(set(package.__all__)) == len(package.__all__)


def test_the_research_package_itself_holds_only_its_subpackages() -> None:
    for name in SUBPACKAGES:
        importlib.import_module(f"experiments.{name}")
    assert _public_names(experiments) == []
    assert not hasattr(experiments, "__all__")


def test_no_name_is_exported_by_two_subpackages_with_different_meanings() -> None:
    owners: dict[str, object] = {}
    for name in SUBPACKAGES:
        package = importlib.import_module(f"experiments.{name}")
        for exported in package.__all__:
            value = getattr(package, exported)
            if exported in owners and owners[exported] is not value:
                # the two hash chains each name their label and genesis; both are constants
                assert exported in {"CHAIN_LABEL", "GENESIS_HASH"}, exported
            owners.setdefault(exported, value)


@pytest.mark.parametrize(
    ("package", "unloaded"),
    [
        ("experiments.records", "pandas numpy scipy statsmodels matplotlib"),
        ("experiments.protocol", "pandas numpy scipy statsmodels matplotlib"),
        ("experiments.allocation", "pandas numpy scipy statsmodels matplotlib"),
        ("experiments.micro", "pandas numpy scipy statsmodels matplotlib"),
        ("experiments.outputs", "scipy statsmodels matplotlib"),
    ],
)
def test_a_light_subpackage_does_not_load_the_statistics_stack(package: str, unloaded: str) -> None:
    heavy = set(unloaded.split())
    probe = f"import sys, {package}; print(sorted({heavy!r} & set(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.strip() == "[]"
