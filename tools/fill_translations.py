"""Fill msgstr entries of a package's English catalog from a {Chinese: English} JSON file.

Usage: python tools/fill_translations.py <package> <translations.json>
Untranslated messages are listed, so a release can be checked for gaps.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po


def main(package: str, mapping_file: str) -> int:
    path = Path(package) / "translations" / "en" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fh:
        catalog = read_po(fh, locale="en")
    mapping = json.loads(Path(mapping_file).read_text(encoding="utf-8"))
    missing = []
    for message in catalog:
        if not message.id:
            continue
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        english = mapping.get(key)
        if english is None:
            if not message.string or message.string == ("", ""):
                missing.append(key)
            continue
        if isinstance(message.id, tuple):
            message.string = tuple(english) if isinstance(english, list) else (english, english)
        else:
            message.string = english
        message.flags.discard("fuzzy")
    with path.open("wb") as fh:
        write_po(fh, catalog, width=100)
    for key in missing:
        print(f"untranslated: {key}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
