"""Page forms for organizations."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from core.extensions import db
from core.orgs.models import Organization, OrgKind


class ChosenIdField(HiddenField):
    """A chosen object: the page's hidden field, or a radio button among several
    matches (the last non-empty value sent wins)."""

    def process_formdata(self, valuelist):
        self.data = next((v for v in reversed(valuelist) if v), "")


class SubjectPicker:
    """A form mixin for choosing an organization by what a person knows of it — part of its
    name or its USCC — instead of typing an internal number. ``org_id`` is set once the
    choice is unambiguous; several matches are offered as ``candidates`` to pick from (the
    page draws them as radio buttons named ``org_id``)."""

    subject = StringField(_l("主体"), validators=[DataRequired(_l("请输入主体名称或统一社会信用代码。")),
                                                Length(max=200)],
                          description=_l("输入名称的一部分或 18 位统一社会信用代码"))
    org_id = ChosenIdField()
    candidates: tuple = ()

    def preset_subject(self, org: Organization | None) -> None:
        if org is not None and not self.is_submitted():
            self.org_id.data, self.subject.data = str(org.id), org.name

    @property
    def picked_org_id(self) -> int | None:
        return int(self.org_id.data) if str(self.org_id.data or "").isdigit() else None

    def validate_subject(self, field) -> None:
        from core.orgs.services import PICK_LIMIT, pick_orgs

        chosen = self.picked_org_id and db.session.get(Organization, self.picked_org_id)
        if chosen:
            field.data = chosen.name
            return
        found = pick_orgs(field.data)
        if len(found) == 1:
            self.org_id.data = str(found[0].id)
            field.data = found[0].name
            return
        self.org_id.data = ""
        if not found:
            raise ValidationError(_l("找不到名称或代码中含“%(t)s”的主体。", t=field.data))
        self.candidates = tuple(found[:PICK_LIMIT])
        raise ValidationError(_l("找到多个主体，请在下面选择一个（或输入更完整的名称）。")
                              if len(found) <= PICK_LIMIT else
                              _l("匹配的主体太多，下面是前 %(n)s 个；请输入更完整的名称。", n=PICK_LIMIT))


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
