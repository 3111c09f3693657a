"""Page forms of the credit package (Chinese labels; validation of rules stays in services)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from core.orgs.forms import SubjectPicker
from credit.vocabulary import (
    LIST_LABELS,
    REPORT_STATUSES,
    RESPONSIBILITIES,
    RESULTS,
    subtype_choices,
)


def _blank(choices: dict) -> list:
    return [("", "—")] + [(k, str(v)) for k, v in choices.items()]


def fact_choices(org_id: int | None) -> list[tuple[int, str]]:
    """A subject's effective facts as a person picks them: day, what, document number (never
    an id to type), newest first; none until the subject is chosen."""
    if not org_id:
        return []
    from credit.facts.records import effective_facts
    from credit.vocabulary import document_words, fact_label

    facts = sorted(effective_facts([org_id]).get(org_id, []),
                   key=lambda f: (f.occurred_on, f.id), reverse=True)
    return [(f.id, f"{f.occurred_on.isoformat()} · {fact_label(f)}"
                   f"{' · ' + str(document_words(f.document_number)) if f.document_number else ''}")
            for f in facts]


def _int_or_none(value):
    return int(value) if value not in (None, "", "None") else None


class FactChecklist(SelectMultipleField):
    """Facts ticked from the subject's own list (``fact_choices``)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def pre_validate(self, form):
        """No check against the offered choices here: ``entries.propose_manual`` refuses a
        fact that is not the subject's (tested), whatever the page offered."""


class FactForm(SubjectPicker, FlaskForm):
    kind_subtype = SelectField(_l("信息类别"), choices=[])
    occurred_on = DateField(_l("形成日期"), validators=[DataRequired()],
                            description=_l("作出决定或发生的日期，不能晚于今天"))
    source_department = StringField(_l("来源部门"), validators=[DataRequired(), Length(max=100)])
    document_number = StringField(_l("文号或法律依据"), validators=[DataRequired(), Length(max=100)])
    evidence_ref = StringField(_l("证据材料编号"), validators=[DataRequired(), Length(max=200)])
    summary = TextAreaField(_l("摘要"), validators=[Optional(), Length(max=2000)])
    amount_yuan = IntegerField(_l("金额（元）"), validators=[Optional(), NumberRange(min=0)])
    result = SelectField(_l("检查结论"), choices=_blank(RESULTS), validators=[Optional()])
    rectify_deadline = DateField(_l("整改期限"), validators=[Optional()])
    grade = IntegerField(_l("评估等级（1–5，即 1A–5A）"),
                         validators=[Optional(), NumberRange(min=1, max=5)])
    substantiated = SelectField(_l("投诉是否属实"), choices=[("", "—"), ("1", _l("属实")),
                                                          ("0", _l("不属实"))],
                                validators=[Optional()])
    report_year = IntegerField(_l("报告年度"), validators=[Optional()])
    report_status = SelectField(_l("报送情况"), choices=_blank(REPORT_STATUSES),
                                validators=[Optional()])
    responsibility = SelectField(_l("事故责任"), choices=_blank(RESPONSIBILITIES),
                                 validators=[Optional()])
    related_fact_id = SelectField(_l("所证明或整改的信用信息（证明、整改确认时选择）"),
                                  choices=[], coerce=_int_or_none, validate_choice=False)

    def offer_facts(self) -> None:
        """The chosen subject's facts to pick from, once the subject is known."""
        self.related_fact_id.choices = [("", "—"), *fact_choices(self.picked_org_id)]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind_subtype.choices = subtype_choices()

    def data_for_service(self) -> dict:
        kind, _sep, subtype = (self.kind_subtype.data or ":").partition(":")
        data = {name: field.data for name, field in self._fields.items()
                if name not in ("csrf_token", "org_id", "subject", "kind_subtype")}
        for key in ("result", "report_status", "responsibility"):
            data[key] = data[key] or None
        data["substantiated"] = {"1": True, "0": False}.get(self.substantiated.data)
        return {**data, "kind": kind, "subtype": subtype}


class ImportForm(FlaskForm):
    file = FileField(_l("CSV 或 XLSX 文件"), validators=[
        FileRequired(), FileAllowed(["csv", "xlsx"], _l("只接受 CSV 或 XLSX 文件。"))])


class ManualEntryForm(SubjectPicker, FlaskForm):
    list_type = SelectField(_l("名单"), choices=[(k, str(v)) for k, v in LIST_LABELS.items()])
    legal_basis = StringField(_l("法律依据"), validators=[DataRequired(), Length(max=500)],
                              description=_l("法律、行政法规的名称和条款"))
    reason = TextAreaField(_l("列入事由"), validators=[DataRequired(), Length(max=2000)])
    fact_ids = FactChecklist(_l("依据的信用信息"), coerce=int, choices=[],
                             validators=[DataRequired(_l("请勾选列入所依据的信用信息。"))],
                             description=_l("选择主体后，这里列出该主体的有效信用信息，请勾选"))
    needs_rectification = BooleanField(_l("需要整改或履行义务"))
    responsible_persons = StringField(_l("责任人姓名（养老服务名单）"), validators=[Optional()],
                                      description=_l("以逗号分隔；只填姓名"))

    def offer_facts(self) -> None:
        self.fact_ids.choices = fact_choices(self.picked_org_id)

    def fact_id_list(self) -> list[int]:
        return list(self.fact_ids.data or [])

    def person_list(self) -> list[dict] | None:
        names = [x.strip() for x in (self.responsible_persons.data or "").replace("，", ",")
                 .split(",") if x.strip()]
        return [{"name": n[:50], "role": "责任人"} for n in names] or None


class PublishForm(FlaskForm):
    decision_document = StringField(_l("决定文号"), validators=[DataRequired(), Length(max=100)])


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("理由"), validators=[DataRequired(), Length(max=2000)])


class ObjectionForm(FlaskForm):
    target = SelectField(_l("异议对象"), choices=[], validators=[DataRequired()])
    reason = TextAreaField(_l("异议理由"), validators=[DataRequired(), Length(max=2000)])
    evidence_ref = StringField(_l("证明材料"), validators=[Optional(), Length(max=200)])


class ObjectionDecisionForm(FlaskForm):
    # No outcome is chosen for the regulator: a decision is made, never defaulted.
    outcome = SelectField(_l("处理结果"), choices=[
        ("", _l("请选择处理结果")),
        ("upheld", _l("异议成立（更正信息、撤销或移出记录）")),
        ("verified", _l("经核实信息无误")), ("rejected", _l("异议不成立"))],
        validators=[DataRequired(_l("请选择处理结果。"))])
    reason = TextAreaField(_l("处理理由"), validators=[DataRequired(), Length(max=2000)])
    # The entry's grounds, by what they say (choices set by the view); none for a fact's own.
    fact_id = SelectField(_l("需更正的信息（对名单记录的异议成立时）"), choices=[], coerce=_int_or_none,
                          validate_choice=False, validators=[Optional()])
    amount_yuan = IntegerField(_l("更正后的金额（元）；留空则撤销该信息"),
                               validators=[Optional(), NumberRange(min=0)])


class RepairForm(FlaskForm):
    statement = TextAreaField(_l("整改和履行义务情况"), validators=[DataRequired(), Length(max=2000)])
    evidence_ref = StringField(_l("证明材料编号或文件名"), validators=[DataRequired(), Length(max=200)])


class RepairDecisionForm(FlaskForm):
    approve = SelectField(_l("处理结果"), choices=[
        ("", _l("请选择处理结果")), ("1", _l("同意，移出名单")), ("0", _l("不同意"))],
        validators=[DataRequired(_l("请选择处理结果。"))])
    reason = TextAreaField(_l("处理理由"), validators=[DataRequired(), Length(max=2000)])


class AnnualReportForm(FlaskForm):
    year = IntegerField(_l("报告年度"), validators=[DataRequired()])
    revenue_yuan = IntegerField(_l("年度收入（元）"), validators=[InputRequired(), NumberRange(min=0)])
    expenditure_yuan = IntegerField(_l("年度支出（元）"), validators=[InputRequired(),
                                                                  NumberRange(min=0)])
    staff_count = IntegerField(_l("专职工作人员（人）"), validators=[Optional(), NumberRange(min=0)])
    volunteer_count = IntegerField(_l("志愿者（人）"), validators=[Optional(), NumberRange(min=0)])
    activity_count = IntegerField(_l("开展活动（次）"), validators=[Optional(), NumberRange(min=0)])
    file_ref = StringField(_l("报告文件编号或文件名"), validators=[DataRequired(), Length(max=200)])

    def figures(self) -> dict:
        return {k: self[k].data or 0 for k in ("revenue_yuan", "expenditure_yuan", "staff_count",
                                               "volunteer_count", "activity_count")} | {
            "file_ref": self.file_ref.data}
