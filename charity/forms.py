"""Page forms of the charity exchange (CSRF-protected through Flask-WTF). Forms check types;
the services check the rules and put their errors next to these fields."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    FloatField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from charity.vocabulary import ACTIVITIES, CATEGORIES, SKILLS, TIME_SLOTS, WEEKDAYS
from core.timeutil import local_tz

DT_FORMAT = "%Y-%m-%dT%H:%M"
URGENCY_CHOICES = [(4, _l("4 · 非常紧急")), (3, _l("3 · 紧急")), (2, _l("2 · 一般")),
                   (1, _l("1 · 不急"))]


def aware(value):
    """A datetime-local value (no zone) is Beijing time."""
    return value.replace(tzinfo=local_tz()) if value is not None else None


class CheckboxList(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PostFieldsMixin:
    item_id = SelectField(_l("物品或服务"), coerce=int, validate_choice=False)
    quantity = IntegerField(_l("数量"), validators=[InputRequired()],
                            description=_l("按目录中该物品的计量单位填写"))
    district_id = SelectField(_l("区县"), coerce=int, validate_choice=False)
    address = StringField(_l("地址"), validators=[Optional(), Length(max=200)])
    lat = FloatField(_l("纬度（可不填）"), validators=[Optional(), NumberRange(-90, 90)])
    lon = FloatField(_l("经度（可不填）"), validators=[Optional(), NumberRange(-180, 180)])
    description = TextAreaField(_l("说明"), validators=[Optional(), Length(max=2000)])

    def post_data(self) -> dict:
        return {"item_id": self.item_id.data, "quantity": self.quantity.data,
                "district_id": self.district_id.data, "address": self.address.data,
                "lat": self.lat.data, "lon": self.lon.data,
                "description": self.description.data}


class NeedForm(PostFieldsMixin, FlaskForm):
    org_id = SelectField(_l("发布组织"), coerce=int, validate_choice=False)
    urgency = SelectField(_l("紧急程度"), coerce=int, choices=URGENCY_CHOICES, default=2)
    deadline = DateTimeLocalField(_l("截止时间"), format=DT_FORMAT, validators=[DataRequired()])
    beneficiary_name = StringField(_l("受助人姓名（代困难群众登记时填写）"),
                                   validators=[Optional(), Length(max=50)])
    beneficiary_id_number = StringField(_l("受助人身份证号码"),
                                        validators=[Optional(), Length(min=18, max=18)],
                                        description=_l("仅本组织和监管部门可见，公开页面从不显示"))

    def need_data(self) -> dict:
        return {**self.post_data(), "urgency": self.urgency.data,
                "deadline": aware(self.deadline.data)}


class OfferForm(PostFieldsMixin, FlaskForm):
    org_id = SelectField(_l("以谁的名义"), coerce=int, validate_choice=False)
    available_from = DateTimeLocalField(_l("可提供开始时间（可不填）"), format=DT_FORMAT,
                                        validators=[Optional()])
    available_until = DateTimeLocalField(_l("可提供截止时间"), format=DT_FORMAT,
                                         validators=[DataRequired()])

    def offer_data(self) -> dict:
        return {**self.post_data(), "available_from": aware(self.available_from.data),
                "available_until": aware(self.available_until.data)}


class WithdrawForm(FlaskForm):
    reason = TextAreaField(_l("撤回原因（可不填）"), validators=[Optional(), Length(max=2000)])


class DecisionForm(FlaskForm):
    side = SelectField(_l("代表"), choices=[("need", _l("需求方")), ("offer", _l("供给方"))],
                       validate_choice=False)
    reason = TextAreaField(_l("谢绝原因"), validators=[Optional(), Length(max=2000)])
    answer = StringField()  # the button pressed: "accept" or "decline" (not drawn as a field)


class FulfilForm(FlaskForm):
    delivered_quantity = IntegerField(_l("实际交付数量"), validators=[InputRequired()])
    delivered_on = DateField(_l("交付日期"), validators=[DataRequired()])
    note = TextAreaField(_l("交付说明或凭证（签收单号、照片编号等）"),
                         validators=[Optional(), Length(max=2000)])


class AbandonForm(FlaskForm):
    responsible_side = RadioField(_l("未能交付的责任方"), choices=[
        ("need", _l("需求方")), ("offer", _l("供给方"))], validators=[DataRequired()])
    reason = TextAreaField(_l("原因"), validators=[DataRequired(), Length(max=2000)])


class OpportunityForm(FlaskForm):
    org_id = SelectField(_l("组织单位"), coerce=int, validate_choice=False)
    title = StringField(_l("活动名称"), validators=[DataRequired(), Length(max=200)])
    activity = SelectField(_l("服务类别"), choices=list(ACTIVITIES.items()))
    skills = CheckboxList(_l("所需技能（可不选）"), choices=list(SKILLS.items()),
                          validate_choice=False)
    start_at = DateTimeLocalField(_l("开始时间"), format=DT_FORMAT, validators=[DataRequired()])
    end_at = DateTimeLocalField(_l("结束时间"), format=DT_FORMAT, validators=[DataRequired()])
    headcount = IntegerField(_l("招募人数"), validators=[InputRequired()])
    district_id = SelectField(_l("活动地点所在区县"), coerce=int, validate_choice=False)
    address = StringField(_l("活动地址"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("活动内容"), validators=[Optional(), Length(max=2000)])
    urgency = SelectField(_l("紧急程度"), coerce=int, choices=URGENCY_CHOICES, default=2)

    def opportunity_data(self) -> dict:
        return {"title": self.title.data, "activity": self.activity.data,
                "skills": self.skills.data or [], "start_at": aware(self.start_at.data),
                "end_at": aware(self.end_at.data), "headcount": self.headcount.data,
                "district_id": self.district_id.data, "address": self.address.data,
                "description": self.description.data, "urgency": self.urgency.data}


SLOT_CHOICES = [(f"{d}:{code}", f"{WEEKDAYS[d]}{label}")
                for d in range(7) for code, (_h0, _h1, label) in TIME_SLOTS.items()]


class ProfileForm(FlaskForm):
    skills = CheckboxList(_l("我的技能"), choices=list(SKILLS.items()), validate_choice=False)
    district_id = SelectField(_l("常住区县"), coerce=int, validate_choice=False)
    availability = CheckboxList(_l("空闲时间"), choices=SLOT_CHOICES, validate_choice=False)

    def cells(self) -> list:
        out = []
        for value in self.availability.data or []:
            day, _, slot = str(value).partition(":")
            out.append([int(day) if day.isdigit() else -1, slot])
        return out


class AttendanceForm(FlaskForm):
    served_start = DateTimeLocalField(_l("实际开始"), format=DT_FORMAT, validators=[Optional()])
    served_end = DateTimeLocalField(_l("实际结束（不含往返路途）"), format=DT_FORMAT,
                                    validators=[Optional()])
    note = StringField(_l("备注"), validators=[Optional(), Length(max=2000)])
    outcome = StringField()  # the button pressed: "served" or "no_show" (not drawn as a field)


class OnBehalfForm(FlaskForm):
    """适老化: staff sign up a volunteer who cannot do it alone, by volunteer number."""

    volunteer_number = StringField(_l("志愿者编号"), validators=[DataRequired(), Length(max=20)])


class ItemForm(FlaskForm):
    code = StringField(_l("代码（英文小写）"), validators=[DataRequired(), Length(max=40)])
    name = StringField(_l("名称"), validators=[DataRequired(), Length(max=50)])
    name_en = StringField(_l("英文名称"), validators=[DataRequired(), Length(max=80)])
    category = SelectField(_l("类别"), choices=list(CATEGORIES.items()))
    unit = StringField(_l("计量单位"), validators=[DataRequired(), Length(max=10)])
    unit_en = StringField(_l("英文计量单位"), validators=[DataRequired(), Length(max=20)])
    sort_order = IntegerField(_l("排序"), default=100, validators=[Optional()])
    active = BooleanField(_l("在用"), default=True)

    def item_data(self) -> dict:
        return {name: field.data for name, field in self._fields.items()
                if name not in ("csrf_token",)}


class SubstituteForm(FlaskForm):
    substitute_id = SelectField(_l("可替代的物品"), coerce=int, validate_choice=False)
    symmetric = BooleanField(_l("双向替代（两者互相可替代）"))
