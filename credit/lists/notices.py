"""The written notices of due process: which document each step produces, what it says (facts,
legal basis, the list and its consequences, the subject's rights and how to use them), and its
delivery through ``core.notices``. The entry counts as notified when the prior notice is first
confirmed delivered (``on_delivered``); its objection window runs from that day.

Legal basis of each step: docs/credit.md, "How a subject is told"."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

from core import audit, workdays
from core.config import policy
from core.extensions import db
from core.notices import delivery, documents
from credit import vocabulary
from credit.models import CreditFact, EntryState, ListEntry, Objection
from credit.vocabulary import fact_label

# step → (document kind, number series, title)
STEPS = {
    "notified": ("credit.prior_notice", "XYGZ", "信用信息告知书"),
    "objection_received": ("credit.objection_receipt", "YYSL", "异议受理回执"),
    "objection_decided": ("credit.objection_decision", "YYJD", "异议处理决定书"),
    "published": ("credit.listing_decision", "LRJD", "信用名单列入决定书"),
    "removed": ("credit.removal_decision", "YCJD", "移出信用名单决定书"),
    "repaired": ("credit.repair_decision", "XFJD", "信用修复决定书"),
    "cancelled": ("credit.cancellation", "CXGZ", "撤销拟列入事项告知书"),
    "repair_refused": ("credit.repair_refusal", "XFJD", "信用修复申请处理决定书"),
}

APPEAL = ("如不服本决定，可以自收到本决定书之日起六十日内依法申请行政复议（《中华人民共和国行政复议法》"
          "第二十条），或者自知道作出本决定之日起六个月内依法提起行政诉讼（《中华人民共和国行政诉讼法》"
          "第四十六条）。")


def step_key(entry_id: int, step: str) -> str:
    return f"credit.entry:{entry_id}:{step}"


def _issue(actor, step: str, key: str, org, paragraphs: list[str], items: list,
           on: date | None) -> None:
    kind, series, title = STEPS[step]
    document = documents.issue(actor, kind=kind, series=series, title=title, step_key=key,
                               recipient_name=org.name, org_id=org.id,
                               paragraphs=paragraphs, items=items, on=on)
    delivery.deliver(actor, document)


def document(entry_id: int, step: str):
    return documents.by_step(step_key(entry_id, step))


def _facts(entry: ListEntry) -> str:
    ids = entry.fact_ids
    rows = db.session.query(CreditFact).filter(CreditFact.id.in_(ids)).order_by(
        CreditFact.occurred_on).all() if ids else []
    return "；".join(f"{f.occurred_on.isoformat()} {fact_label(f)}"
                    + (f"（{f.document_number}）" if f.document_number else "")
                    for f in rows) or "—"


def _measures(entry: ListEntry) -> str:
    return "；".join(f"{m.label}（{m.department}，依据{m.memorandum}{m.clause}）"
                    for m in vocabulary.measures_for(entry.list_type)) or "—"


def _list(entry: ListEntry) -> str:
    return str(vocabulary.LIST_LABELS[entry.list_type])


def prior_notice(actor, entry: ListEntry, on: date | None = None) -> None:
    """信用信息告知书: before listing, the facts, the basis, the consequences and the right to
    object, with how and until when (counted from delivery)."""
    days = policy("objection_days")
    reward = entry.list_type == vocabulary.RED
    paragraphs = [
        f"经核查，你单位存在以下情形：{entry.reason}。",
        f"依据{entry.legal_basis}，本机关拟将你单位列入{_list(entry)}。",
        ("列入后，你单位将依法公示，并享有以下激励措施：" if reward else
         "列入后，你单位将依法公示，有关部门将依据联合奖惩备忘录实施以下措施：") + _measures(entry) + "。",
        f"你单位如对上述事实、理由和依据有异议，可以自本告知书送达之日起{days}个工作日内"
        "（送达当日不计入，节假日依国务院办公厅公布的安排顺延），登录本平台“我的信用记录”提出异议，"
        "写明理由并提交证据材料；异议期满未提出异议或异议不成立的，本机关将依法作出决定。",
        "本告知书通过平台消息、电子邮件或短信送达；均无法确认送达的，依法在本平台公告送达，"
        f"自公告之日起经过{policy('public_notice_days')}日，即视为送达。",
    ]
    items = [("事实", _facts(entry)), ("法律依据", entry.legal_basis),
             ("拟列入名单", _list(entry)), ("异议期限", f"自送达之日起{days}个工作日"),
             ("异议方式", "平台“我的信用记录”→ 提出异议（写明理由，附证据材料编号或文件）")]
    _issue(actor, "notified", step_key(entry.id, "notified"), entry.organization,
           paragraphs, items, on)


def listing_decision(actor, entry: ListEntry, on: date | None = None) -> None:
    valid = entry.valid_until.isoformat() if entry.valid_until else "依规定移出为止"
    paragraphs = [
        f"本机关于{entry.decided_on.isoformat()}决定将你单位列入{_list(entry)}"
        f"（决定文号：{entry.decision_document}）。",
        f"事由：{entry.reason}。依据：{entry.legal_basis}。",
        f"列入期间适用的措施：{_measures(entry)}。",
        APPEAL if entry.list_type != vocabulary.RED else "",
    ]
    items = [("决定文号", entry.decision_document or ""), ("列入日期", entry.decided_on.isoformat()),
             ("有效期至", valid), ("信用修复", "符合条件的，可以在平台“我的信用记录”申请信用修复")]
    _issue(actor, "published", step_key(entry.id, "published"), entry.organization,
           [p for p in paragraphs if p], items, on)


def removal_decision(actor, entry: ListEntry, on: date | None = None) -> None:
    step = "repaired" if entry.removal_code == "repair" else "removed"
    paragraphs = [f"你单位自{entry.removed_on.isoformat()}起移出{_list(entry)}。",
                  f"理由：{entry.removal_reason}。", "相关措施自移出之日起停止实施。"]
    _issue(actor, step, step_key(entry.id, "removed"), entry.organization, paragraphs,
           [("移出日期", entry.removed_on.isoformat()), ("原列入决定", entry.decision_document or "")],
           on)


def cancellation(actor, entry: ListEntry, on: date | None = None) -> None:
    paragraphs = [f"本机关此前告知拟将你单位列入{_list(entry)}的事项，现予撤销。",
                  f"理由：{entry.removal_reason}。"]
    _issue(actor, "cancelled", step_key(entry.id, "cancelled"), entry.organization,
           paragraphs, [], on)


def objection_receipt(actor, objection: Objection, on: date | None = None) -> None:
    target = (vocabulary.entry_ref(objection.entry) if objection.entry_id
              else vocabulary.fact_ref(objection.fact))
    paragraphs = [f"本机关已于{objection.filed_on.isoformat()}收到你单位对{target}提出的异议。",
                  "异议处理期间，所涉信息暂停用于列入判断，所涉名单记录暂不公开（已公开的标注“异议处理中”）。"
                  if objection.freezes else  # a late objection is heard but freezes nothing
                  "该异议在异议期届满后提出，已登记并将依法核查；监管机关受理前，不影响所涉名单记录的公开。",
                  "处理结果将以《异议处理决定书》送达。"]
    _issue(actor, "objection_received", f"credit.objection:{objection.id}:received",
           objection.organization, paragraphs, [("异议理由", objection.reason)], on)


_OUTCOME = {"upheld": "异议成立，已予更正", "verified": "经核实，所涉信息准确无误，异议不成立",
            "rejected": "异议不成立"}


def objection_decision(actor, objection: Objection, on: date | None = None) -> None:
    paragraphs = [f"你单位{vocabulary.objection_ref(objection)}经核查，处理结果如下：{_OUTCOME[objection.status]}。",
                  f"理由：{objection.decision_reason}。", APPEAL]
    _issue(actor, "objection_decided", f"credit.objection:{objection.id}:decided",
           objection.organization, paragraphs, [("处理结果", _OUTCOME[objection.status])], on)


def repair_refusal(actor, repair, on: date | None = None) -> None:
    paragraphs = [f"你单位{vocabulary.repair_ref(repair)}经核查，不予同意。",
                  f"理由：{repair.decision_reason}。", "符合条件后可以再次申请。", APPEAL]
    _issue(actor, "repair_refused", f"credit.repair:{repair.id}:decided",
           repair.entry.organization, paragraphs, [], on)


# --- hearing back: the entry is notified when the prior notice is delivered ----------------

def on_delivered(sender, *, step_key: str, delivered_on: date, channel: str, **_kw) -> None:
    """The prior notice reached the subject (or its public-notice period ended): the entry is
    notified on that day, and the objection window runs ``objection_days`` working days."""
    prefix, _, rest = step_key.partition(":")
    entry_id, _, step = rest.partition(":")
    if prefix != "credit.entry" or step != "notified" or not entry_id.isdigit():
        return
    entry = db.session.get(ListEntry, int(entry_id))
    if entry is None or entry.notified_on is not None or entry.state not in (
            EntryState.NOTIFIED, EntryState.OBJECTED):
        return
    entry.notified_on = delivered_on
    entry.objection_due = workdays.add_working_days(delivered_on, policy("objection_days"))
    db.session.flush()
    audit.record(None, "credit.entry.served", "credit_list_entry", entry.id,
                 after={"served_on": delivered_on, "by": channel,
                        "objection_due": entry.objection_due})


def timeline(entry_id: int) -> list[tuple]:
    """Every document of an entry's due process with its delivery attempts, in order."""
    rows = []
    for step in ("notified", "published", "removed", "cancelled"):
        document = documents.by_step(step_key(entry_id, step))
        if document is not None:
            rows.append((document, delivery.delivery_of(document), delivery.timeline(document)))
    return rows


NOT_SERVED = _l("告知书尚未送达，异议期未开始。")
