"""Importing facts from CSV/XLSX (credit.facts.imports): all rows or none, every problem named."""

from datetime import date

import sqlalchemy as sa

from core.extensions import db
from credit.facts import imports as fact_import
from credit.models import CreditFact

D = date


def _csv(rows) -> bytes:
    header = "uscc,kind,subtype,occurred_on,source_department,document_number,evidence_ref,amount_yuan"
    return ("\n".join([header, *rows]) + "\n").encode()


def test_an_import_with_one_bad_row_saves_nothing_and_names_every_problem(app, society,
                                                                         regulator):
    content = _csv([f"{society.uscc},penalty,warning,2024-03-01,民政局,文号1,卷宗1,",
                    f"{society.uscc},penalty,fine,2024-13-01,民政局,文号2,卷宗2,5000",
                    "91320402MA1XXXXX00,penalty,warning,2024-03-01,民政局,文号3,卷宗3,"])
    report = fact_import.import_facts(regulator, "facts.csv", content)
    assert not report.ok and report.saved == 0
    assert {(row, col) for row, col, _m in report.errors} == {(3, "occurred_on"), (4, "uscc")}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CreditFact)) == 0


def test_a_clean_import_saves_every_row_with_one_audit_record(app, society, regulator):
    from core import audit

    content = _csv([f"{society.uscc},penalty,warning,2024-03-01,民政局,文号1,卷宗1,",
                    f"{society.uscc},penalty,fine,2024-03-02,民政局,文号2,卷宗2,5000"])
    report = fact_import.import_facts(regulator, "facts.csv", content)
    assert report.ok and report.saved == 2
    first = db.session.scalar(sa.select(sa.func.min(CreditFact.id)))
    assert [r.action for r in audit.history("credit_fact", first)] == ["credit.fact.import"]


def test_an_xlsx_import_reads_chinese_headers(app, society, regulator):
    import io

    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["统一社会信用代码", "类别", "子类", "形成日期", "来源部门", "文号", "证据"])
    book.active.append([society.uscc, "penalty", "warning", D(2024, 3, 1), "民政局", "文号", "卷宗"])
    out = io.BytesIO()
    book.save(out)
    report = fact_import.import_facts(regulator, "facts.xlsx", out.getvalue())
    assert report.ok and report.saved == 1

