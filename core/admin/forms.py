"""Page forms for administrators."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    FloatField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from core.accounts.models import Role


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class UserForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[DataRequired(), Length(max=64)])
    display_name = StringField(_l("显示名称"), validators=[DataRequired(), Length(max=100)])
    password = PasswordField(_l("初始密码（至少 8 位）"), validators=[DataRequired(), Length(min=8)])
    roles = CheckboxesField(_l("角色"), choices=Role.choices())


class RolesForm(FlaskForm):
    roles = CheckboxesField(_l("角色"), choices=Role.choices())
    active = BooleanField(_l("账号启用"))


class OrgStatusForm(FlaskForm):
    status = StringField(validators=[DataRequired()])
    reason = TextAreaField(_l("原因"), validators=[DataRequired(), Length(max=2000)])


class HolidayForm(FlaskForm):
    day = DateField(_l("日期"), validators=[DataRequired()])
    name = StringField(_l("名称"), validators=[DataRequired(), Length(max=50)])
    is_working_day = BooleanField(_l("调休上班日（周末补班）"))


class CalendarImportForm(FlaskForm):
    file = FileField(_l("节假日安排文件（CSV：date,name,kind）"), validators=[FileRequired()])
    source = StringField(_l("来源（通知名称、文号；文件中有“# source:”行时可不填）"),
                         validators=[Optional(), Length(max=300)])


class ScheduleForm(FlaskForm):
    kind = SelectField(_l("计划"), choices=[
        ("interval", _l("每隔若干分钟")), ("daily", _l("每天")), ("weekly", _l("每周")),
        ("monthly", _l("每月")), ("default", _l("恢复系统默认"))])
    minutes = IntegerField(_l("间隔（分钟）"), validators=[Optional()])
    at = StringField(_l("时间（时:分）"), validators=[Optional(), Length(max=5)])
    weekday = SelectField(_l("星期"), coerce=int, choices=[
        (0, _l("周一")), (1, _l("周二")), (2, _l("周三")), (3, _l("周四")), (4, _l("周五")),
        (5, _l("周六")), (6, _l("周日"))])
    day = IntegerField(_l("每月几日"), validators=[Optional()])


class DistrictForm(FlaskForm):
    code = StringField(_l("代码（英文，唯一）"), validators=[DataRequired(), Length(max=32)])
    name = StringField(_l("名称"), validators=[DataRequired(), Length(max=50)])
    name_en = StringField(_l("英文名称"), validators=[DataRequired(), Length(max=50)])
    gb_code = StringField(_l("行政区划代码（6 位，可空）"), validators=[Optional(), Length(max=6)])
    lat = FloatField(_l("中心纬度"), validators=[Optional()])
    lon = FloatField(_l("中心经度"), validators=[Optional()])
    sort_order = IntegerField(_l("排序"), validators=[Optional()])
