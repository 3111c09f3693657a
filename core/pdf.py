"""PDF helpers shared by certificates, receipts, exports and notices: a bundled CJK font for
reportlab, QR codes, and the layout of written notices (``notice_pdf``).

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


# --- written notices (core.notices) --------------------------------------------------------

def qr_drawing(url: str, size: float | None = None):
    """A QR code of ``url`` as a reportlab drawing (printed verification links)."""
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib.units import mm

    size = size or 28 * mm
    widget = QrCodeWidget(url)
    x1, y1, x2, y2 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x2 - x1), 0, 0, size / (y2 - y1), 0, 0])
    drawing.add(widget)
    return drawing


def notice_pdf(content: dict, code: str, url: str) -> bytes:
    """A written notice: title, number, addressee, paragraphs, a table of particulars, the
    issuer and date, and how to verify it (code, link, QR). ``content`` is the stored JSON."""
    import io
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER, TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = cjk_font()
    title = ParagraphStyle("title", fontName=font, fontSize=18, leading=26, alignment=TA_CENTER)
    number = ParagraphStyle("number", fontName=font, fontSize=10, leading=14,
                            alignment=TA_CENTER, spaceAfter=5 * mm)
    body = ParagraphStyle("body", fontName=font, fontSize=11, leading=18, spaceAfter=2 * mm)
    cell = ParagraphStyle("cell", fontName=font, fontSize=9.5, leading=13)
    right = ParagraphStyle("right", parent=body, alignment=TA_RIGHT)
    small = ParagraphStyle("small", fontName=font, fontSize=8.5, leading=12,
                           textColor=colors.HexColor("#333333"))
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm,
                            topMargin=18 * mm, bottomMargin=18 * mm, title=content["title"],
                            author=content["issuer"], subject=content["number"])
    story = [Paragraph(escape(content["title"]), title),
             Paragraph(escape(content["number"]), number),
             Paragraph(escape(content["recipient"]) + "：", body)]
    story += [Paragraph(escape(text), body) for text in content.get("paragraphs", [])]
    if content.get("items"):
        rows = [[Paragraph(escape(k), cell), Paragraph(escape(str(v)), cell)]
                for k, v in content["items"]]
        table = Table(rows, colWidths=[38 * mm, 132 * mm])
        table.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.5, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f2f2f2")),
        ]))
        story += [Spacer(1, 2 * mm), table, Spacer(1, 4 * mm)]
    story += [Paragraph(escape(content["issuer"]), right),
              Paragraph(escape(content["issued_on_text"]), right), Spacer(1, 6 * mm)]
    verify = Table([[qr_drawing(url), Paragraph(
        f"文书编号：{escape(content['number'])}<br/>验证码：{escape(code)}<br/>"
        f"核验网址：{escape(url)}<br/>扫描二维码或访问网址，输入验证码即可核验本文书的真实性。",
        small)]], colWidths=[32 * mm, 138 * mm])
    verify.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    story.append(verify)
    doc.build(story)
    return buffer.getvalue()
