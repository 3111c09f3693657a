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

from core.timeutil import local_tz
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


class SessionForm(SessionFieldsMixin, FlaskForm):
    recipient_kind = RadioField(_l("服务对象"), default="person",
                                choices=[("person", _l("个人（老人或其他居民）")),
                                         ("org", _l("组织（社区、机构）"))])
    recipient_number = StringField(_l("服务对象的志愿者编号或身份证号码"),
                                   validators=[Optional(), Length(max=30)])
    recipient_name = StringField(_l("服务对象姓名（核对用）"), validators=[Optional(), Length(max=50)])
    recipient_org_id = SelectField(_l("服务对象组织"), coerce=int, validate_choice=False)
    org_id = SelectField(_l("组织单位（可不选）"), coerce=int, validate_choice=False)


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
