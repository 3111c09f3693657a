"""The developer tools point at real files: `make mutate` runs each module's tests by path, and a
path renamed by a split would silently leave a module with no tests (its kill rate then
measures nothing)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _mutate_modules() -> dict:
    spec = importlib.util.spec_from_file_location("mutate_tool", ROOT / "tools" / "mutate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.MODULES


def test_every_module_make_mutate_names_and_each_of_its_tests_exist():
    missing = [(name, path) for name, (source, tests) in _mutate_modules().items()
               for path in (source, *tests) if not (ROOT / path).is_file()]
    assert missing == []
