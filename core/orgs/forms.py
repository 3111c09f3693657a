"""Page forms for organizations."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from core.orgs.models import OrgKind


class OrgForm(FlaskForm):
    name = StringField(_l("组织名称"), validators=[DataRequired(), Length(max=200)])
    uscc = StringField(_l("统一社会信用代码"), validators=[DataRequired(), Length(min=18, max=18)],
                       description=_l("18 位，见登记证书"))
    kind = SelectField(_l("组织类型"),
                       choices=OrgKind.choices())
    is_charity = BooleanField(_l("慈善组织"))
    is_eldercare = BooleanField(_l("养老服务机构"))
    registering_authority = StringField(_l("登记管理机关"),
                                        validators=[DataRequired(), Length(max=100)])
    legal_representative = StringField(_l("法定代表人"), validators=[DataRequired(), Length(max=50)])
    district_id = SelectField(_l("所在区县"), coerce=int)
    address = StringField(_l("住所"), validators=[DataRequired(), Length(max=200)])
    registration_date = DateField(_l("登记日期"), validators=[DataRequired()])
    beds = IntegerField(_l("床位数（养老机构）"), validators=[Optional(), NumberRange(min=0)])
    contact_phone = StringField(_l("联系电话"), validators=[Optional(), Length(max=30)])

    def data_for_service(self) -> dict:
        return {name: field.data for name, field in self._fields.items()
                if name not in ("csrf_token",)}


class MemberForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[DataRequired(), Length(max=64)])
    role = SelectField(_l("成员角色"), choices=[("staff", _l("工作人员")), ("manager", _l("管理员"))])


class IdentityChangeForm(FlaskForm):
    """The new identity (prefilled with the current one), why, and the evidence."""

    name = StringField(_l("组织名称"), validators=[DataRequired(), Length(max=200)])
    uscc = StringField(_l("统一社会信用代码"), validators=[DataRequired(), Length(min=18, max=18)])
    kind = SelectField(_l("组织类型"),
                       choices=OrgKind.choices())
    is_eldercare = BooleanField(_l("养老服务机构"))
    legal_representative = StringField(_l("法定代表人"), validators=[DataRequired(), Length(max=50)])
    reason = TextAreaField(_l("变更理由"), validators=[DataRequired(), Length(max=2000)])
    evidence_ref = StringField(_l("证明材料（如变更登记文号）"),
                               validators=[DataRequired(), Length(max=200)])


class IdentityDecisionForm(FlaskForm):
    reason = TextAreaField(_l("审批意见"), validators=[DataRequired(), Length(max=2000)])
    approve = SubmitField(_l("批准变更"))
    reject = SubmitField(_l("不予批准"))
