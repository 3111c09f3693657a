"""Page forms of random inspections (Chinese labels; the rules stay in the services)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from credit.vocabulary import RESULTS


class CommitForm(FlaskForm):
    title = StringField(_l("抽查任务名称"), validators=[Optional(), Length(max=200)])
    mode = RadioField(_l("抽取方式"), default="ratio", choices=[
        ("ratio", _l("按风险等级比例抽取")), ("count", _l("抽取固定数量，按风险等级分配"))])
    count = IntegerField(_l("抽取主体数（固定数量时填写）"),
                         validators=[Optional(), NumberRange(min=1, max=100000)])
    commitment = StringField(
        _l("见证方承诺值（可选）"), validators=[Optional(), Regexp(r"^[0-9a-fA-F]{64}$")],
        description=_l("由公证处等见证方保管随机值时，填写其提供的 SHA-256 摘要；"
                       "留空则由系统生成随机值。"))


class RevealForm(FlaskForm):
    secret = StringField(_l("见证方揭晓的随机值"), validators=[Optional(), Length(max=200)])


class ReasonForm(FlaskForm):
    reason = StringField(_l("原因"), validators=[DataRequired(), Length(max=200)])


class InspectorForm(FlaskForm):
    username = StringField(_l("监管人员用户名"), validators=[DataRequired(), Length(max=64)])
    staff_number = StringField(_l("执法证号"), validators=[DataRequired(), Length(max=32)])


class ConflictForm(FlaskForm):
    inspector_id = SelectField(_l("检查人员"), coerce=int, choices=[])
    uscc = StringField(_l("主体的统一社会信用代码"), validators=[DataRequired(), Length(max=18)])
    reason = StringField(_l("利害关系"), validators=[DataRequired(), Length(max=200)])


class ResultForm(FlaskForm):
    org_id = SelectField(_l("检查对象"), coerce=int, choices=[])
    result = SelectField(_l("检查结论"), choices=[(k, str(v)) for k, v in RESULTS.items()])
    rectify_deadline = DateField(_l("整改期限"), validators=[Optional()])
    document_number = StringField(_l("检查文书文号"), validators=[DataRequired(), Length(max=100)])
    evidence_ref = StringField(_l("检查记录编号"), validators=[DataRequired(), Length(max=200)])
    summary = StringField(_l("发现的问题"), validators=[Optional(), Length(max=2000)])
