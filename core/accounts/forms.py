"""Page forms for accounts (CSRF-protected through Flask-WTF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from core.accounts.models import Relation

RELATION_CHOICES = Relation.choices()


class LoginForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("密码"), validators=[DataRequired()])
    remember = BooleanField(_l("在这台设备上保持登录"))


class RegisterForm(FlaskForm):
    name = StringField(_l("姓名（与身份证一致）"), validators=[DataRequired(), Length(max=50)])
    id_number = StringField(_l("身份证号码"), validators=[DataRequired(), Length(min=18, max=18)])
    phone = StringField(_l("手机号码"), validators=[Optional(), Length(max=11)])
    district_id = SelectField(_l("所在区县"), coerce=int)
    username = StringField(_l("用户名"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("密码（至少 8 位）"), validators=[DataRequired(), Length(min=8)])
    confirm = PasswordField(_l("再输入一次密码"),
                            validators=[DataRequired(), EqualTo("password", _l("两次密码不一致。"))])


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("当前密码"), validators=[DataRequired()])
    new_password = PasswordField(_l("新密码（至少 8 位）"),
                                 validators=[DataRequired(), Length(min=8)])
    confirm = PasswordField(_l("再输入一次新密码"),
                            validators=[DataRequired(),
                                        EqualTo("new_password", _l("两次密码不一致。"))])


class TokenForm(FlaskForm):
    name = StringField(_l("令牌名称（用途）"), validators=[DataRequired(), Length(max=100)])


class FamilyForm(FlaskForm):
    relative_name = StringField(_l("亲属姓名"), validators=[DataRequired(), Length(max=50)])
    relative_id_number = StringField(
        _l("亲属身份证号码"), validators=[DataRequired(), Length(min=18, max=18)])
    relation = SelectField(_l("亲属是我的"), choices=RELATION_CHOICES)


class RealNameForm(FlaskForm):
    name = StringField(_l("姓名（与身份证一致）"), validators=[DataRequired(), Length(max=50)])
    id_number = StringField(_l("身份证号码"), validators=[DataRequired(), Length(min=18, max=18)])
    phone = StringField(_l("手机号码"), validators=[Optional(), Length(max=11)])
    district_id = SelectField(_l("所在区县"), coerce=int)
    binding_code = StringField(
        _l("绑定码（已由组织或服务点登记的，填写他们当面交给您的绑定码）"),
        validators=[Optional(), Length(max=20)])


class InPersonForm(FlaskForm):
    """Staff type the name and the full number from the ID card held in front of them."""

    name = StringField(_l("姓名（与身份证一致）"), validators=[DataRequired(), Length(max=50)])
    id_number = StringField(_l("身份证号码"), validators=[DataRequired(), Length(min=18, max=18)])
    card_seen = BooleanField(_l("我已当面核对身份证原件与本人"), validators=[DataRequired()])
    verify = SubmitField(_l("记录当面核验"))
    binding_code = SubmitField(_l("发放绑定码"))
