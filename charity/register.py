"""Wires the charity package into the app: blueprints, jobs, CLI, event subscribers, demo data."""

from __future__ import annotations


def init_app(app) -> None:
    """Called once by `core.app.create_app`."""
    return None
