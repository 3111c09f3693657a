"""QR codes for pay codes, drawn with reportlab (already bundled): an SVG data URI for an
<img>, so nothing is fetched and nothing is stored."""

from __future__ import annotations

import base64

from reportlab.graphics import renderSVG
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing

SIZE = 220


def svg_data_uri(text: str) -> str:
    widget = QrCodeWidget(text)
    left, bottom, right, top = widget.getBounds()
    drawing = Drawing(SIZE, SIZE, transform=[SIZE / (right - left), 0, 0,
                                             SIZE / (top - bottom), 0, 0])
    drawing.add(widget)
    svg = renderSVG.drawToString(drawing)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
