"""The regulator's fulfilment statistics and exports (charity.stats)."""

from __future__ import annotations

import io
from datetime import timedelta

import sqlalchemy as sa
from openpyxl import load_workbook

from charity import proposals, runs, stats
from charity.models import Proposal
from core import clock
from core.extensions import db


def _fulfil_one(ch, qty=10, delivered=10):
    need = ch.need(qty=qty, urgency=3)
    ch.offer(qty=qty)
    runs.run_matching(None)
    proposal = db.session.execute(sa.select(Proposal).where(Proposal.need_id == need.id)
                                  ).scalar_one()
    proposals.respond(ch.staff, proposal.id, "need", True)
    proposals.respond(ch.donor_staff, proposal.id, "offer", True)
    proposals.fulfil(ch.staff, proposal.id, delivered, clock.today())
    return need


def test_fulfilment_rate_share_delivered_and_open_needs_by_urgency(ch):
    _fulfil_one(ch)
    _fulfil_one(ch, qty=10, delivered=5)
    ch.need(item="quilt", qty=4, urgency=4, district="xinbei")
    today = clock.today()
    data = stats.compute(today - timedelta(days=30), today)
    assert (data.total.posted, data.total.fulfilled) == (3, 1)
    assert round(data.total.rate, 3) == round(1 / 3, 3)
    assert round(data.total.share_delivered, 3) == round((1 + 0.5 + 0) / 3, 3)
    assert data.total.avg_days is not None and data.total.avg_days < 1
    assert [g.district for g in data.by_district] == ["天宁区", "新北区"]
    assert data.open_by_urgency[4] == 1 and data.open_by_urgency[3] == 1
    assert data.proposals["fulfilled"] == 2


def test_fulfilment_over_time_counts_each_need_in_the_month_it_was_posted(ch, frozen_clock):
    """The regulator's monthly chart: a need posted on the last evening of March (Shanghai) is
    March's, whenever it is fulfilled."""
    frozen_clock.local(2026, 3, 31, 23, 30)
    _fulfil_one(ch)
    frozen_clock.local(2026, 4, 1, 0, 30)
    ch.need(item="quilt", qty=4, urgency=2)
    ch.need(item="quilt", qty=2, urgency=2)
    from datetime import date

    data = stats.compute(date(2026, 3, 1), date(2026, 4, 30))
    assert [(g.district, g.posted, g.fulfilled) for g in data.by_month] == [
        ("2026-03", 1, 1), ("2026-04", 2, 0)]
    assert sum(g.posted for g in data.by_month) == data.total.posted


def test_a_district_filter_and_an_empty_period(ch):
    _fulfil_one(ch)
    today = clock.today()
    assert stats.compute(today - timedelta(days=9), today - timedelta(days=8)).total.posted == 0
    xinbei = ch.district("xinbei").id
    assert stats.compute(today, today, xinbei).total.posted == 0


def test_csv_export_opens_in_excel_as_utf8_and_xlsx_loads(ch):
    _fulfil_one(ch)
    today = clock.today()
    data = stats.compute(today - timedelta(days=1), today)
    body = stats.to_csv(data)
    assert body.startswith("\ufeff".encode())
    text = body.decode("utf-8-sig")
    assert "天宁区" in text and "满足率（%）" in text and "100.0" in text
    book = load_workbook(io.BytesIO(stats.to_xlsx(data)))
    sheet = book.worksheets[0]
    assert sheet.cell(row=2, column=1).value == "区县"
    assert sheet.cell(row=3, column=3).value == 1


def test_exports_neutralize_names_a_spreadsheet_would_run(ch):
    """District names are edited by administrators: one that starts like a formula is text in
    the regulator's CSV and XLSX."""
    need = _fulfil_one(ch)
    db.session.get(type(need.district), need.district_id).name = "+1+cmd|' /C calc'!A0"
    db.session.flush()
    today = clock.today()
    data = stats.compute(today - timedelta(days=1), today)
    text = stats.to_csv(data).decode("utf-8-sig")
    assert "'+1+cmd|' /C calc'!A0" in text and "\n+1+cmd" not in text
    sheet = load_workbook(io.BytesIO(stats.to_xlsx(data))).worksheets[0]
    cell = sheet.cell(row=3, column=1)
    assert cell.value == "'+1+cmd|' /C calc'!A0" and cell.data_type == "s"
    assert sheet.cell(row=3, column=3).value == 1  # counts stay numbers
