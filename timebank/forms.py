"""Page forms of the time bank (CSRF-protected through Flask-WTF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from core.orgs.forms import ChosenIdField
from core.timeutil import local_tz
from timebank import pickers
from timebank.vocabulary import PostingKind, category_choices

DT_FORMAT = "%Y-%m-%dT%H:%M"


def aware(value):
    """A datetime-local value (no zone) is Beijing time."""
    return value.replace(tzinfo=local_tz()) if value is not None else None


class SessionFieldsMixin:
    category = SelectField(_l("服务类别"), choices=category_choices)
    district_id = SelectField(_l("服务地点所在区县"), coerce=int)
    address = StringField(_l("服务地址"), validators=[DataRequired(), Length(max=200)])
    start = DateTimeLocalField(_l("开始时间"), format=DT_FORMAT, validators=[DataRequired()])
    end = DateTimeLocalField(_l("结束时间（不含往返路途）"), format=DT_FORMAT,
                             validators=[DataRequired()])
    description = TextAreaField(_l("服务内容"), validators=[Optional(), Length(max=2000)])


MODE_FIELDS = {"person": ("recipient_name", "recipient_person_id", "recipient_number"),
               "org": ("recipient_org_name", "recipient_org_id")}


class SessionForm(SessionFieldsMixin, FlaskForm):
    """Whom the volunteer served, in two modes: a person (picked by name among the elders of
    their organizations, or named by member-card number or ID number) or an organization
    (picked by name). Only the chosen mode's fields count: the other mode's are ignored, so a
    stale value there never refuses the form nor is saved. ``actor`` is set by the page;
    after ``validate`` ``parties`` holds the service's party fields."""

    recipient_kind = RadioField(_l("您服务的是"), default="person",
                                choices=[("person", _l("一个人（老人或其他居民）")),
                                         ("org", _l("一个组织（社区、机构）"))])
    recipient_name = StringField(_l("服务对象姓名"), validators=[Optional(), Length(max=50)])
    recipient_person_id = ChosenIdField()
    recipient_number = StringField(_l("会员卡号（志愿者编号）或身份证号码"),
                                   validators=[Optional(), Length(max=40)])
    recipient_org_name = StringField(_l("服务对象组织"), validators=[Optional(), Length(max=200)])
    recipient_org_id = ChosenIdField()
    org_name = StringField(_l("我所在的组织（可不填）"), validators=[Optional(), Length(max=200)])
    org_id = ChosenIdField()

    actor = None
    parties: dict | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates = {}  # field name → [suggestion dicts] to choose from

    def validate(self, extra_validators=None):
        super().validate(extra_validators)
        mode = self.recipient_kind.data if self.recipient_kind.data in MODE_FIELDS \
            else "person"
        for other, names in MODE_FIELDS.items():
            if other != mode:
                for name in names:
                    self[name].errors = []
        self.parties = self._resolve(mode)  # even when another field failed: every message at once
        return not self.errors

    def _resolve(self, mode: str) -> dict | None:
        org = pick_org(self.org_name, self.org_id, self.candidates, required=False)
        parties = {"org_id": org.id if org else None}
        if mode == "org":
            target = pick_org(self.recipient_org_name, self.recipient_org_id, self.candidates,
                              required=True)
            parties["recipient_org_id"] = target.id if target else None
        else:
            person = pick_person(self, self.actor, org.id if org else None)
            parties["recipient_person_id"] = person.id if person else None
        return None if self.errors else parties


def _fail(field, message) -> None:
    field.errors = [*(field.errors or []), str(message)]


def pick_org(name_field, id_field, candidates: dict, *, required: bool):
    """The active organization picked (hidden id) or named (part of its name); several
    matches are offered in ``candidates[name_field.name]`` to choose from."""
    org = pickers.active_org(id_field.data)
    text = (name_field.data or "").strip()
    if org is not None and text in org.name:  # a part typed, then the match chosen
        name_field.data = org.name
        return org
    id_field.data = ""
    if not text:
        if required:
            _fail(name_field, _l("请输入服务对象组织名称的一部分，再从列表中选择。"))
        return None
    found = pickers.find_orgs(text)
    exact = [o for o in found if o.name == text]
    if len(exact) == 1 or len(found) == 1:
        org = (exact or found)[0]
        name_field.data, id_field.data = org.name, str(org.id)
        return org
    if not found:
        _fail(name_field, _l("找不到名称中含“%(t)s”的正常活动组织，请换个说法（至少 2 个字）。",
                             t=text))
        return None
    candidates[name_field.name] = [pickers.org_suggestion(o) for o in found[:pickers.LIMIT]]
    _fail(name_field, _l("有几个组织名称相近，请在下面选择一个。") if len(found) <= pickers.LIMIT
          else _l("匹配的组织太多，下面是前 %(n)s 个；请选择或输入更完整的名称。", n=pickers.LIMIT))
    return None


def pick_person(form, actor, org_id: int | None):
    """The person served: picked among the elders in scope (hidden id), named by member-card
    number or ID number (as before), or found by name in scope."""
    name = (form.recipient_name.data or "").strip()
    number = (form.recipient_number.data or "").strip()
    if form.recipient_person_id.data:
        person = pickers.elder_in_scope(actor, form.recipient_person_id.data, org_id)
        if person is not None and name in person.name:  # a part typed, then chosen
            form.recipient_name.data = person.name
            return person
        form.recipient_person_id.data = ""  # a stale pick: the name typed since counts
    if number:
        person = pickers.person_by_number(number, name)  # the name must come with it
        if person is None:
            _fail(form.recipient_number, _l("找不到该服务对象，请核对号码和姓名后再试。")
                  if name else _l("请同时填写服务对象的姓名，用于核对号码。"))
            return None
        return person
    if not name:
        _fail(form.recipient_name, _l("请输入服务对象的姓名查找，或填写其会员卡号或身份证号码。"))
        return None
    found = pickers.find_elders(actor, name, org_id)
    if len(found) == 1 and found[0].name == name:
        form.recipient_person_id.data = str(found[0].id)
        return found[0]
    if not found:
        _fail(form.recipient_name, _l("在您所在组织服务过的老人中找不到“%(t)s”。请填写其会员卡号或身份证号码。",
                                      t=name))
        return None
    form.candidates["recipient_name"] = [pickers.person_suggestion(p)
                                         for p in found[:pickers.LIMIT]]
    _fail(form.recipient_name, _l("请在下面选择您服务的是哪一位。"))
    return None


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("原因"), validators=[DataRequired(), Length(max=2000)])


class ConfirmForm(FlaskForm):
    reason = TextAreaField(_l("补录原因（服务结束已久时必填）"),
                           validators=[Optional(), Length(max=2000)])


class ReviewForm(FlaskForm):
    reason = TextAreaField(_l("核查结论"), validators=[DataRequired(), Length(max=2000)])
    release = SubmitField(_l("核实无误，存入时间"))
    reject = SubmitField(_l("不予认可，退回"))


class AmountMixin:
    hours = IntegerField(_l("小时"), default=0, validators=[Optional(), NumberRange(0, 100000)])
    minutes = IntegerField(_l("分钟"), default=0, validators=[Optional(), NumberRange(0, 59)])

    def total_minutes(self) -> int:
        return (self.hours.data or 0) * 60 + (self.minutes.data or 0)


class GiftForm(AmountMixin, FlaskForm):
    to_person_id = SelectField(_l("转赠给（已核验的直系亲属）"), coerce=int, validate_choice=False)


class DonateForm(AmountMixin, FlaskForm):
    pass


class AllocationForm(AmountMixin, FlaskForm):
    member = StringField(_l("受助老人的志愿者编号或身份证号码"),
                         validators=[DataRequired(), Length(max=30)])
    reason = TextAreaField(_l("分配原因（困难情况）"), validators=[DataRequired(), Length(max=2000)])


class RosterForm(SessionFieldsMixin, FlaskForm):
    org_id = SelectField(_l("组织单位"), coerce=int, validate_choice=False)
    volunteers = TextAreaField(_l("参加的志愿者（每行一个志愿者编号或身份证号码）"),
                               validators=[DataRequired(), Length(max=20000)])
    confirm = BooleanField(_l("同时以本组织名义确认（存入时间）"))


class ImportForm(FlaskForm):
    org_id = SelectField(_l("组织单位"), coerce=int, validate_choice=False)
    file = FileField(_l("名单文件（CSV 或 XLSX）"))
    confirm = BooleanField(_l("同时以本组织名义确认（存入时间）"))


class LookupForm(FlaskForm):
    """Posted, not a GET search: an ID number must not end up in URLs or browser history."""

    q = StringField(_l("会员付款码（扫码或输入）或身份证号码"),
                    validators=[DataRequired(), Length(max=30)])


class RedeemForm(FlaskForm):
    item_id = SelectField(_l("服务项目"), coerce=int, validate_choice=False)
    quantity = IntegerField(_l("数量"), default=1, validators=[InputRequired(),
                                                             NumberRange(1, 20)])


class CounterRedeemForm(RedeemForm):
    pay_code = StringField(_l("会员付款码（会员已出示付款码时可不填）"),
                           validators=[Optional(), Length(max=20)])
    id_checked = BooleanField(_l("已核对身份证原件（会员没有登录账号时）"))


class CodeForm(FlaskForm):
    code = StringField(_l("会员出示的兑换码"), validators=[Optional(), Length(max=12)])


class CancelForm(FlaskForm):
    reason = StringField(_l("取消原因"), validators=[Optional(), Length(max=2000)])


class ItemForm(FlaskForm):
    name = StringField(_l("服务名称"), validators=[DataRequired(), Length(max=100)])
    # Choices set by the page (timebank.views_counter.item_category_choices); the service
    # refuses a category that is not open, next to this field.
    category = SelectField(_l("服务类别"), default="other", validate_choice=False,
                           validators=[Optional()])
    description = TextAreaField(_l("说明"), validators=[Optional(), Length(max=2000)])
    service_minutes = IntegerField(_l("服务时长（分钟）"), validators=[InputRequired(),
                                                                NumberRange(1, 1440)])
    price_minutes = IntegerField(_l("所需时间（分钟，留空则与服务时长相同）"),
                                 validators=[Optional(), NumberRange(1, 1440)])
    max_quantity = IntegerField(_l("每次最多兑换数量（留空按政策上限）"),
                                validators=[Optional(), NumberRange(1, 20)])


class HistoryFilter(FlaskForm):
    class Meta:
        csrf = False

    kind = SelectField(_l("类型"), choices=[("", _l("全部")), *PostingKind.choices()],
                       validators=[Optional()])
    since = DateField(_l("开始日期"), validators=[Optional()])
    until = DateField(_l("结束日期"), validators=[Optional()])
