"""Without the research extra, export, report and power say in one line what to install."""

from __future__ import annotations

import importlib.util

import pytest

from bot.cli.research import ResearchError, require_research_extra


def test_a_missing_package_of_the_research_extra_is_named_with_the_fix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name: None if name == "scipy" else find_spec(name)
    )
    with pytest.raises(
        ResearchError, match=r"scipy is missing.*pip install 'lotgenoot\[research\]'"
    ):
        require_research_extra()


def test_with_the_research_extra_installed_nothing_is_said() -> None:
    require_research_extra()
