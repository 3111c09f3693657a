"""The page kit (core.web.pages): query arguments through schemas, one pager, form submission
with refusals shown on the form, the idempotency key of a drawn form, safe redirects back."""

from __future__ import annotations

import marshmallow as ma
import pytest
import sqlalchemy as sa
from flask import get_flashed_messages
from flask_wtf import FlaskForm
from marshmallow import validate
from wtforms import StringField
from wtforms.validators import DataRequired

from core.errors import DomainError, NotFound, ValidationFailed
from core.extensions import db
from core.orgs.models import District
from core.web import pages


class StatusArgs(pages.QueryArgs):
    status = ma.fields.String(validate=validate.OneOf(["open", "closed"]))
    district_id = ma.fields.Integer()


class NameForm(FlaskForm):
    class Meta:
        csrf = False

    name = StringField(validators=[DataRequired()])


def test_query_args_keep_what_fits_and_drop_the_rest(app):
    with app.test_request_context("/?status=open&district_id=abc&page=2&junk=1"):
        assert pages.query_args(StatusArgs) == {"status": "open", "district_id": None}
    with app.test_request_context("/?status=%20&district_id=7"):
        assert pages.query_args(StatusArgs) == {"status": None, "district_id": 7}
    with app.test_request_context("/?status=deleted"):
        assert pages.query_args(StatusArgs)["status"] is None


def test_a_bad_or_missing_page_number_is_page_one(app):
    for query in ("", "?page=0", "?page=-3", "?page=x", "?page=99999999999"):
        with app.test_request_context(f"/{query}"):
            assert pages.page_number() == 1


def test_the_pager_says_whether_another_page_follows(app):
    codes = db.session.scalars(sa.select(District.code).order_by(District.code)).all()
    assert len(codes) == 7  # the seeded Changzhou districts
    select = sa.select(District).order_by(District.code)
    with app.test_request_context("/?page=2"):
        page = pages.paginate(select, per_page=3)
    assert (page.number, page.has_next, [d.code for d in page.rows]) == (2, True, codes[3:6])
    with app.test_request_context("/?page=3"):
        last = pages.paginate(select, per_page=3)
    assert (last.has_next, [d.code for d in last.rows]) == (False, codes[6:])


def test_a_refused_submission_leaves_nothing_behind_and_says_why_next_to_the_field(app):
    def operation():
        db.session.add(District(code="half", name="半途区", name_en="Halfway"))
        db.session.flush()
        raise ValidationFailed("test.bad_name", "名称不对。", errors={"title": ["太短。"]})

    with app.test_request_context("/", method="POST", data={"name": "x"}):
        form = NameForm()
        outcome = pages.submit(form, operation, fields={"title": "name"})
        assert (outcome.ran, outcome.done, outcome.status) == (True, False, 422)
        assert form.name.errors == ["太短。"]
        assert get_flashed_messages(with_categories=True) == [("error", "名称不对。")]
    assert db.session.scalar(sa.select(District).where(District.code == "half")) is None


def test_a_submission_runs_once_valid_and_reports_invalid_input(app):
    with app.test_request_context("/", method="POST", data={"name": ""}):
        outcome = pages.submit(NameForm(), lambda: pytest.fail("must not run"))
        assert (outcome.ran, outcome.invalid, outcome.status) == (False, True, 422)
    with app.test_request_context("/", method="POST", data={"name": "常州"}):
        outcome = pages.submit(NameForm(), lambda: "ok")
        assert (outcome.done, outcome.result, outcome.status) == (True, "ok", 200)
    with app.test_request_context("/"):
        outcome = pages.submit(NameForm(), lambda: pytest.fail("must not run"))
        assert (outcome.ran, outcome.invalid, outcome.status) == (False, False, 200)


def test_a_refusal_keeps_its_own_status(app):
    with app.test_request_context("/", method="POST", data={"name": "x"}):
        outcome = pages.submit(NameForm(), lambda: (_ for _ in ()).throw(
            DomainError("test.gone", "不存在。", http_status=404)))
        assert outcome.status == 404


def test_a_redrawn_form_gets_a_new_idempotency_key(app):
    # A form drawn again after a refusal is a new submission: reusing the refused one's key
    # would make the corrected form replay the refusal.
    with app.test_request_context("/", method="POST", data={"_idem": "key-1"}):
        assert pages.form_key() != "key-1"
    with app.test_request_context("/"):
        assert pages.form_key() != pages.form_key()


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example",
                                    "/\\evil.example", "/\t/evil.example", "javascript:x"])
def test_going_back_never_leaves_the_site(app, target):
    with app.test_request_context("/", method="POST", data={"next": target}):
        assert pages.back("/home").location == "/home"


def test_going_back_follows_a_local_path_or_the_referrer_of_this_site(app):
    with app.test_request_context("/", method="POST", data={"next": "/charity/?page=2"}):
        assert pages.back("/home").location == "/charity/?page=2"
    with app.test_request_context("/", headers={"Referer": "http://localhost/timebank/"}):
        assert pages.back("/home", referrer=True).location == "http://localhost/timebank/"
        assert pages.back("/home").location == "/home"


def test_exports_are_typed_by_their_suffix_and_other_formats_do_not_exist(app):
    with app.test_request_context("/"):
        response = pages.export("csv", "report", {"csv": lambda: b"a,b", "xlsx": lambda: b""},
                                code="test.bad_format")
        assert response.mimetype == "text/csv"
        assert response.headers["Content-Disposition"] == 'attachment; filename="report.csv"'
        with pytest.raises(NotFound) as refused:
            pages.export("pdf", "report", {"csv": lambda: b""}, code="test.bad_format")
        assert refused.value.code == "test.bad_format"
