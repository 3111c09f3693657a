"""Navigation, home-page panels and document verifiers that packages contribute.

A package calls ``register_nav`` / ``register_home_panel`` / ``register_verifier`` from its
``init_app``; the base layout and the home page show what the signed-in user's roles admit,
and the public verification page (/verify) sends a typed number to the package that issued
it. Core stays unaware of what the packages are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import current_app
from flask_login import current_user

from core.auth import AUTHENTICATED, PUBLIC


@dataclass(frozen=True)
class NavItem:
    key: str
    label: object  # a lazy string
    endpoint: str
    roles: frozenset[str]
    order: int = 100


@dataclass(frozen=True)
class HomePanel:
    template: str
    roles: frozenset[str]
    order: int = 100


@dataclass(frozen=True)
class Verifier:
    pattern: re.Pattern  # the issuer's number format, e.g. TB20261201-1A2B3C4D
    endpoint: str  # a public page taking ``number`` (and ``?code=``)


def _registry(app) -> dict:
    return app.extensions.setdefault("civic_web", {"nav": {}, "panels": [], "verifiers": []})


def register_nav(app, key: str, label, endpoint: str, roles, order: int = 100) -> None:
    _registry(app)["nav"][key] = NavItem(key, label, endpoint, frozenset(roles), order)


def register_home_panel(app, template: str, roles, order: int = 100) -> None:
    _registry(app)["panels"].append(HomePanel(template, frozenset(roles), order))


def register_verifier(app, pattern: str, endpoint: str) -> None:
    """Numbers matching ``pattern`` (a full match, upper case) are checked on ``endpoint``."""
    _registry(app)["verifiers"].append(Verifier(re.compile(pattern), endpoint))


def verifier_for(number: str) -> Verifier | None:
    return next((v for v in _registry(current_app)["verifiers"] if v.pattern.fullmatch(number)),
                None)


def _visible(item_roles: frozenset[str]) -> bool:
    if PUBLIC in item_roles:
        return True
    if not current_user.is_authenticated:
        return False
    return AUTHENTICATED in item_roles or current_user.has_role(*item_roles)


def nav_items() -> list[NavItem]:
    items = _registry(current_app)["nav"].values()
    return sorted((i for i in items if _visible(i.roles)), key=lambda i: (i.order, i.key))


def home_panels() -> list[HomePanel]:
    panels = _registry(current_app)["panels"]
    return sorted((p for p in panels if _visible(p.roles)), key=lambda p: p.order)
