"""Drawing the service certificate as a PDF (reportlab, the bundled CJK font, a QR code)."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from core.pdf import cjk_font


def _hours(minutes: int) -> str:
    return f"{minutes / 60:.1f}"


def _qr(url: str, size: float = 32 * mm) -> Drawing:
    widget = QrCodeWidget(url)
    x1, y1, x2, y2 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x2 - x1), 0, 0, size / (y2 - y1), 0, 0])
    drawing.add(widget)
    return drawing


def _styles(font: str) -> dict:
    return {
        "title": ParagraphStyle("title", fontName=font, fontSize=20, leading=28,
                                alignment=TA_CENTER, spaceAfter=6 * mm),
        "body": ParagraphStyle("body", fontName=font, fontSize=11, leading=17),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=9, leading=12),
        "small": ParagraphStyle("small", fontName=font, fontSize=9, leading=13,
                                textColor=colors.HexColor("#333333")),
    }


def _sessions_table(content: dict, style: dict, font: str) -> Table:
    head = ["日期", "组织单位", "服务内容", "时长（小时）"]
    rows = [head] + [[d, Paragraph(escape(org), style["cell"]),
                      Paragraph(escape(text), style["cell"]),
                      _hours(m)] for d, org, text, m in content["sessions"]]
    if len(rows) == 1:
        rows.append(["—", "—", "暂无已确认的服务记录", "0.0"])
    table = Table(rows, colWidths=[25 * mm, 55 * mm, 70 * mm, 25 * mm], repeatRows=1)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), 9),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("ALIGN", (3, 0), (3, -1), "RIGHT"),
    ]))
    return table


def certificate_pdf(content: dict, code: str, url: str) -> bytes:
    """The certificate: who, total hours, the sessions, issuer, number, date, code and QR."""
    font = cjk_font()
    style = _styles(font)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm,
                            topMargin=18 * mm, bottomMargin=18 * mm, title=content["title"],
                            author=content["issuer"], subject=content["number"])
    total = _hours(content["total_minutes"])
    story = [
        Paragraph(content["title"], style["title"]),
        Paragraph(f"兹证明 <b>{escape(content['name'])}</b>（身份证号码 {content['id_number_masked']}，"
                  f"志愿者编号 {content['volunteer_number']}）在本平台登记并经确认的志愿服务时长"
                  f"累计 <b>{total}</b> 小时（不含往返路途时间），明细如下：", style["body"]),
        *([Paragraph(f"志愿服务星级：<b>{escape(content['stars']['name'])}</b>"
                     f"（按平台累计确认的服务时长评定）", style["body"])]
          if content.get("stars") else []),
        Spacer(1, 4 * mm),
        _sessions_table(content, style, font),
        Spacer(1, 6 * mm),
        Paragraph(f"出具单位：{escape(content['issuer'])}", style["body"]),
        Paragraph(f"证明编号：{content['number']}", style["body"]),
        Paragraph(f"出具日期：{content['issued_on']}", style["body"]),
        Paragraph(f"验证码：{code}", style["body"]),
        Spacer(1, 3 * mm),
        _qr(url),
        Paragraph(f"扫码或访问 {url} 核验本证明的真伪。本证明免费出具。", style["small"]),
    ]
    doc.build(story)
    return buffer.getvalue()
