"""Enums whose members carry their display label, the one way a package says a code in words:

    class PostStatus(LabelledEnum):
        OPEN = "open", _l("待对接")

``PostStatus.OPEN == "open"`` (stored and sent as the code), ``PostStatus.OPEN.label`` is the
translated words, ``PostStatus.choices()`` feeds a form's select, ``PostStatus.labels()`` maps
code → words. Each package keeps its enums in its ``vocabulary.py``."""

from __future__ import annotations

import enum


class LabelledEnum(enum.StrEnum):
    def __new__(cls, value: str, label=None):
        member = str.__new__(cls, value)
        member._value_ = value
        member._label = label if label is not None else value
        return member

    @property
    def label(self) -> str:
        return str(self._label)

    @classmethod
    def labels(cls) -> dict[str, str]:
        """Code → words (lazy strings, translated when shown)."""
        return {m.value: m._label for m in cls}

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """(code, words) pairs for a form's select, in declaration order."""
        return [(m.value, m._label) for m in cls]

    @classmethod
    def label_of(cls, code: str | None) -> str:
        """The words for ``code``; an unknown code is shown as itself."""
        try:
            return cls(code).label
        except ValueError:
            return code or ""
