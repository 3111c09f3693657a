"""PDF helpers shared by certificates, receipts and exports: a bundled CJK font for reportlab.

The font (WenQuanYi Micro Hei, Apache-2.0/GPLv3, from Debian's fonts-wqy-microhei) ships in
``core/fonts`` so PDFs render Chinese on any machine, offline, and embed the glyphs they use.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_PATH = Path(__file__).resolve().parent / "fonts" / "wqy-microhei.ttc"
CJK_FONT = "WenQuanYiMicroHei"


@lru_cache(maxsize=1)
def cjk_font() -> str:
    """Register the bundled font with reportlab once; returns its name for ``setFont``."""
    pdfmetrics.registerFont(TTFont(CJK_FONT, str(FONT_PATH), subfontIndex=0))
    return CJK_FONT
