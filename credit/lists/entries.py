"""Due process of list entries: proposed → notified → (objected) → published → removed, or
cancelled. Every step is a transition row (who, when, why) and an audit record; publishing
and removing put measures in force or lift them (core.sanctions) and write the feed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from core import audit, clock, sanctions
from core.accounts.models import Role
from core.config import policy
from core.errors import Conflict, NotFound, ValidationFailed
from core.extensions import db
from core.notices import delivery
from core.orgs.models import Organization
from core.orgs.services import user_org_ids
from core.timeutil import local_datetime
from credit import vocabulary
from credit.dates import period_last_day
from credit.facts.records import (
    frozen_fact_ids,
    get_subject,
    is_credit_subject,
    require_reader,
    superseded_ids,
)
from credit.lists import feed, notices, tallies
from credit.lists.rules import Proposal
from credit.models import CreditFact, EntryGround, EntryState, EntryTransition, ListEntry, Objection
from credit.vocabulary import ABNORMAL, ELDERCARE, PUNISHMENT_LISTS, RED, SERIOUS

S = EntryState


def get_entry(entry_id: int) -> ListEntry:
    entry = db.session.get(ListEntry, entry_id)
    if entry is None:
        raise NotFound("credit.entry_not_found", _l("名单记录不存在。"))
    return entry


def source(entry: ListEntry) -> str:
    """The stable core.sanctions source of an entry's measures."""
    return f"credit.entry:{entry.id}"


def _stamp(on_date: date):
    return None if on_date >= clock.today() else local_datetime(on_date, time(10, 0))


def transition(entry: ListEntry, to_state: str, actor, reason: str, on_date: date) -> None:
    before = entry.state
    row = EntryTransition(entry_id=entry.id, from_state=before if entry.id else None,
                          to_state=to_state, on_date=on_date, actor_id=getattr(actor, "id", None),
                          reason=reason)
    if (stamp := _stamp(on_date)) is not None:
        row.at = stamp
    entry.state = to_state
    db.session.add(row)
    tallies.entry_moved(entry, before)  # the dashboard's counts, in this transaction
    db.session.flush()
    audit.record(actor, f"credit.entry.{to_state}", "credit_list_entry", entry.id,
                 before={"state": before}, after={"state": to_state, "on": on_date},
                 reason=reason)


def _require_state(entry: ListEntry, *states: str) -> None:
    if entry.state not in states:
        raise Conflict("credit.entry_wrong_state", _l("名单记录当前状态不允许此操作。"))


def _need_text(value: str | None, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed("credit.reason_required", _l("请填写理由和依据。"),
                               errors={field: [str(_l("必填。"))]})
    return value


# --- proposing -----------------------------------------------------------------------------

def _check_list_fits(org, list_type: str) -> None:
    if list_type not in vocabulary.LIST_TYPES:
        raise ValidationFailed("credit.bad_list", _l("名单类型无效。"),
                               errors={"list_type": [str(_l("名单类型无效。"))]})
    fits = {ABNORMAL: org.is_social_organization, SERIOUS: org.is_social_organization,
            ELDERCARE: org.is_eldercare, RED: is_credit_subject(org)}[list_type]
    if not fits:
        raise ValidationFailed("credit.list_not_applicable", _l("该名单不适用于此类主体。"),
                               errors={"list_type": [str(_l("该名单不适用于此类主体。"))]})


SNAPSHOT_FIELDS = ("name", "uscc", "legal_representative", "registering_authority", "kind",
                   "is_eldercare")


def take_snapshot(entry: ListEntry, org) -> None:
    """The identity the entry names (at proposal, and again at the decision)."""
    entry.subject_snapshot = {key: getattr(org, key) for key in SNAPSHOT_FIELDS}
    entry.subject_name, entry.subject_uscc = org.name, org.uscc


def create_entry(actor, org, proposal: Proposal, origin: str, today: date,
                 responsible_persons: list | None = None) -> ListEntry:
    """Record a proposed entry with the facts (or earlier entry) it rests on."""
    if proposal.list_type == ELDERCARE and not responsible_persons:
        responsible_persons = [{"name": org.legal_representative, "role": "法定代表人"}]
    entry = ListEntry(list_type=proposal.list_type, org_id=org.id, district_id=org.district_id,
                      origin=origin,
                      rule_code=proposal.rule_code, legal_basis=proposal.legal_basis,
                      reason=proposal.reason, grounds_key=proposal.grounds_key,
                      needs_rectification=proposal.needs_rectification,
                      responsible_persons=responsible_persons,
                      proposed_by_id=getattr(actor, "id", None))
    take_snapshot(entry, org)
    if (stamp := _stamp(today)) is not None:
        entry.created_at = stamp
    db.session.add(entry)
    db.session.flush()
    db.session.add_all([EntryGround(entry_id=entry.id, fact_id=i) for i in proposal.fact_ids])
    db.session.add_all([EntryGround(entry_id=entry.id, source_entry_id=i)
                        for i in proposal.source_entry_ids])
    entry.state = None
    transition(entry, S.PROPOSED, actor, f"{proposal.reason}（{proposal.legal_basis}）", today)
    if entry.list_type == RED:
        red_measures_follow_renewal(entry.org_id)
    return entry


def red_measures_follow_renewal(org_id: int) -> None:
    """A published red entry stays listed past its term while its renewal is in due process
    (``removals.removal_red_review``); its measures (rewards) do too: open-ended while a
    renewal is pending, back to the entry's term once none is (a declined renewal: they end
    with the term, and the entry runs out at the next daily run)."""
    red = list(db.session.execute(sa.select(ListEntry).where(
        ListEntry.org_id == org_id, ListEntry.list_type == RED)).scalars())
    renewing = any(e.state in (S.PROPOSED, S.NOTIFIED, S.OBJECTED) for e in red)
    for entry in red:
        if entry.state == S.PUBLISHED:
            sanctions.set_until(source(entry), None if renewing else entry.valid_until)


def _subject_then_or_now(org_id: int):
    """A credit subject, or an organization that was one before an approved change of its
    kind (its facts from then may still be proposed, as the automatic rules do)."""
    from credit.lists.history import identity_history

    org = db.session.get(Organization, org_id or 0)
    if org is not None and not is_credit_subject(org) and identity_history([org.id]):
        return org
    return get_subject(org_id)


def _check_list_fitted_the_facts(org, list_type: str, facts: list, today: date) -> None:
    """The list applies to the subject as it was on the day of each fact it rests on (from
    the approved changes of its kind, ``core.orgs.identity``; on the day of a change, both),
    as for the automatic rules; the red list, to the subject as it is today. Certificates
    and grades speak about the subject, not its kind: they are read as of ``today``."""
    if list_type == RED:
        _check_list_fits(org, list_type)
        return
    from credit.lists.history import identity_history, kind_history
    from credit.lists.rules import Subject, fits

    subject = Subject(org_id=org.id, is_social=org.is_social_organization,
                      is_eldercare=org.is_eldercare, status=org.status,
                      registration_date=org.registration_date,
                      history=kind_history(org, identity_history([org.id]).get(org.id, [])))
    days = sorted({f.occurred_on for f in facts if f.kind not in ("certificate", "grade")}
                  or {today})
    if not all(any(fits(i, list_type) for i in subject.identities_on(day)) for day in days):
        message = _l("该名单不适用于此类主体：以信用信息发生之日的主体类型为准。")
        raise ValidationFailed("credit.list_not_applicable", message,
                               errors={"list_type": [str(message)]})


# "Other cases set by law": the catch-all provision a hand-made entry is filed under.
OTHER_CASES = {ABNORMAL: "so.abnormal.other", SERIOUS: "so.serious.other", ELDERCARE: "ec.other",
               RED: "red.criteria"}


def propose_manual(actor, org_id: int, list_type: str, legal_basis: str, reason: str,
                   fact_ids: list[int], *, needs_rectification: bool = False,
                   responsible_persons: list | None = None, today: date | None = None
                   ) -> ListEntry:
    """A regulator proposes an entry by hand, with its legal basis and the facts it rests on
    (a punishment entry always rests on recorded facts, never on a score)."""
    today = today or clock.today()
    org = _subject_then_or_now(org_id)
    if list_type not in vocabulary.LIST_TYPES:
        _check_list_fits(org, list_type)  # refuses it
    legal_basis = _need_text(legal_basis, "legal_basis")
    reason = _need_text(reason, "reason")
    fact_ids = sorted(set(fact_ids or []))
    facts = list(db.session.execute(sa.select(CreditFact).where(
        CreditFact.id.in_(fact_ids), CreditFact.org_id == org.id)).scalars())
    if not fact_ids or len(facts) != len(fact_ids):
        raise ValidationFailed("credit.grounds_required", _l("请选择该主体的信用信息作为列入依据。"),
                               errors={"fact_ids": [str(_l("请选择该主体的信用信息。"))]})
    _check_list_fitted_the_facts(org, list_type, facts, today)
    proposal = Proposal(list_type, f"{list_type}.manual", OTHER_CASES[list_type], reason, today,
                        tuple(fact_ids),
                        needs_rectification=needs_rectification, key_suffix="manual")
    exists = db.session.execute(sa.select(ListEntry.id).where(
        ListEntry.org_id == org.id, ListEntry.list_type == list_type,
        ListEntry.grounds_key == proposal.grounds_key)).first()
    if exists:
        raise Conflict("credit.duplicate_entry", _l("已有基于相同信息的名单记录。"))
    entry = create_entry(actor, org, proposal, "manual", today, responsible_persons)
    entry.legal_basis = f"{legal_basis}（{proposal.legal_basis}）"
    return entry


# --- notice, objection window, publication -------------------------------------------------

def notify(actor, entry: ListEntry, today: date | None = None) -> ListEntry:
    """Send the subject the prior notice (信用信息告知书). The entry is notified on the day the
    notice is first confirmed delivered (``notices.on_delivered``); the objection window runs
    ``objection_days`` working days from then (DOMAIN.md)."""
    today = today or clock.today()
    _require_state(entry, S.PROPOSED)
    entry.notified_on = entry.objection_due = None
    transition(entry, S.NOTIFIED, actor, "发出信用信息告知书，待送达", today)
    notices.prior_notice(actor, entry, today)
    return entry


def serve_in_person(actor, entry: ListEntry, served_on: date, note: str) -> ListEntry:
    """The prior notice was handed over and signed for (直接送达) on ``served_on``."""
    document = notices.document(entry.id, "notified")
    if document is None:
        raise Conflict("credit.not_notified", _l("该记录尚未发出告知书。"))
    delivery.record_in_person(actor, document, served_on, note)
    return entry


def open_objections(entry: ListEntry, freezing_only: bool = True) -> list[Objection]:
    """Open objections to the entry or to one of its grounds; by default only those that
    freeze it (a late objection does not, unless a regulator accepted it)."""
    targets = [Objection.entry_id == entry.id]
    if entry.fact_ids:
        targets.append(Objection.fact_id.in_(entry.fact_ids))
    query = sa.select(Objection).where(Objection.status == "open", sa.or_(*targets))
    if freezing_only:
        query = query.where(Objection.freezes.is_(True))
    return list(db.session.execute(query).scalars())


def publish_blockers(entry: ListEntry, today: date) -> list[str]:
    """Why the entry cannot be published today (empty when it can)."""
    problems = []
    if entry.state != S.NOTIFIED:
        problems.append(str(_l("只有已告知且无未决异议的记录可以公开。")))
    elif entry.objection_due is None:
        problems.append(str(notices.NOT_SERVED))
    elif today <= entry.objection_due:
        problems.append(str(_l("异议期尚未届满（截至 %(d)s）。", d=entry.objection_due.isoformat())))
    if open_objections(entry) or frozen_fact_ids([entry.org_id]) & set(entry.fact_ids):
        problems.append(str(_l("有未决异议，暂不公开。")))
    if superseded_ids(entry.fact_ids):
        problems.append(str(_l("列入依据已被更正，请重新提出。")))
    return problems


def publish(actor, entry: ListEntry, decision_document: str, today: date | None = None,
            authority: str | None = None) -> ListEntry:
    """The decision: the entry is published, its measures come into force, the feed learns.
    An entry that ends entries in force (``ends``) is published by ``replace``."""
    today = today or clock.today()
    document = _need_text(decision_document, "decision_document")
    if problems := publish_blockers(entry, today):
        raise Conflict("credit.cannot_publish", _l("暂不能公开：%(why)s"), why="；".join(problems))
    if entry.list_type == ABNORMAL and (serious := _published_on(entry.org_id, SERIOUS)):
        return _join_serious(actor, entry, serious[0], document, today)
    entry.decided_on, entry.decided_by_id = today, getattr(actor, "id", None)
    take_snapshot(entry, entry.organization)  # the identity the decision names
    entry.decision_document = document[:100]
    entry.deciding_authority = authority or current_app.config["ISSUER_NAME"]
    entry.listed_since = entry.clock_start = today
    entry.valid_until = _valid_until(entry.list_type, today)
    entry.measures = vocabulary.measure_codes(entry.list_type)
    if endings := ends(entry):
        if entry.list_type == RED:  # a renewal's year starts where the renewed entry's ends
            entry.valid_until = _valid_until(RED, max(e.entry.valid_until or today
                                                      for e in endings))
        replace(actor, entry, endings, today)
    else:
        _put_in_force(actor, entry, today)
    return entry


def _put_in_force(actor, entry: ListEntry, today: date) -> None:
    transition(entry, S.PUBLISHED, actor, f"作出列入决定（{entry.decision_document}）", today)
    sanctions.impose(entry.org_id, vocabulary.platform_codes(entry.list_type), source(entry),
                     today, entry.valid_until)
    feed.emit(entry, "published")
    notices.listing_decision(actor, entry, today)


def _join_serious(actor, entry: ListEntry, serious: ListEntry, document: str,
                  today: date) -> ListEntry:
    """A subject on the serious list is never also on the directory (第十五条: it moves from
    one to the other; publishing a serious entry moves a directory entry off, ``ends``). So a
    directory entry decided while the subject is already on the serious list is not published:
    its facts join the serious entry, as a move would carry them, and the entry ends as
    moved. Whichever of the two is decided first, the subject ends on the serious list only,
    resting on the same facts."""
    entry.decision_document = document[:100]
    _carry(serious, entry)
    feed.emit(serious, "updated")
    return cancel(actor, entry, f"已列入严重违法失信名单（{vocabulary.entry_ref(serious)}），不再列入活动异常名录，"
                  f"列入事实并入该记录（{entry.decision_document}）", today, code="moved")


def _valid_until(list_type: str, today: date) -> date | None:
    if list_type == ELDERCARE:  # 第十条: valid for 3 years
        return period_last_day(today, years=policy("eldercare_list_years"))
    if list_type == RED:  # reviewed yearly
        return period_last_day(today, years=policy("red_list_valid_years"))
    return None


def _published_on(org_id: int, *list_types: str) -> list[ListEntry]:
    return list(db.session.execute(sa.select(ListEntry).where(
        ListEntry.org_id == org_id, ListEntry.state == S.PUBLISHED,
        ListEntry.list_type.in_(list_types))).scalars())


def _carry(entry: ListEntry, old: ListEntry) -> None:
    """Carry the grounds of an entry this one replaces, with their reason and provisions, so
    the published record says on what each fact rests."""
    have = set(entry.fact_ids)
    db.session.add_all([EntryGround(entry_id=entry.id, fact_id=i, carried=True)
                        for i in old.fact_ids if i not in have])
    when = f"（{old.decided_on}）" if old.decided_on else ""
    entry.reason = f"{entry.reason}；承接{vocabulary.entry_ref(old)}{when}：{old.reason}"[:4000]
    for citation in old.legal_basis.split("；"):
        if citation not in entry.legal_basis:
            entry.legal_basis = f"{entry.legal_basis}；{citation}"
    db.session.flush()
    db.session.refresh(entry, ["grounds"])


@dataclass(frozen=True)
class Ending:
    """A published entry that publishing another one ends: how (``code``), why, and whether
    the new entry continues it (takes over its grounds; ``keeps_time``: its time on the list)."""

    entry: ListEntry
    code: str
    reason: str
    carried: bool
    keeps_time: bool = False


def ends(entry: ListEntry) -> list[Ending]:
    """The entries in force that publishing ``entry`` ends (reads only). A new entry on a list
    the subject is already on restarts the clock (第十三条, 第十六条): it continues the earlier
    entry, time on the list included. A serious entry moves the subject off the directory and
    continues its grounds. A punishment entry ends a red one."""
    same = _published_on(entry.org_id, entry.list_type)
    if entry.list_type == RED:  # the yearly review renewed it (rules.renewable)
        return [Ending(old, "renewed", f"年度复核继续符合红名单条件，由{vocabulary.entry_ref(entry)}续期",
                       carried=False, keeps_time=True) for old in same]
    found = [Ending(old, "superseded", f"因新的列入事实重新计算列入时限，由{vocabulary.entry_ref(entry)}接续",
                    carried=True, keeps_time=True) for old in same]
    if entry.list_type == SERIOUS:
        found += [Ending(old, "moved", f"列入严重违法失信名单（{vocabulary.entry_ref(entry)}）", carried=True)
                  for old in _published_on(entry.org_id, ABNORMAL)]
    if entry.list_type in PUNISHMENT_LISTS:
        found += [Ending(old, "red_review", "被列入惩戒名单，不再符合红名单条件", carried=False)
                  for old in _published_on(entry.org_id, RED)]
    return found


def replace(actor, entry: ListEntry, endings: list[Ending], today: date) -> ListEntry:
    """Publish ``entry`` in place of the entries it ends, in this order (docs/credit-feed.md,
    "Replacement"): the new entry takes over what it continues (grounds, reason, provisions,
    time on the list); it comes into force (measures imposed, feed ``published``); then each
    ended entry leaves its list (measures lifted, feed ``removed`` naming the new entry). So
    neither the feed nor the measures ever show the subject off a list it stays on."""
    for ending in endings:
        if ending.keeps_time:
            entry.listed_since = min(entry.listed_since, ending.entry.listed_since)
        if ending.carried:
            _carry(entry, ending.entry)
    _put_in_force(actor, entry, today)
    for ending in endings:
        _end(actor, ending.entry, ending.code, ending.reason, today, replaced_by=entry)
    return entry


# --- ending --------------------------------------------------------------------------------

def cancel(actor, entry: ListEntry, reason: str, today: date | None = None,
           code: str = "declined") -> ListEntry:
    """End an entry that was never published (declined, or an objection upheld)."""
    today = today or clock.today()
    reason = _need_text(reason, "reason")
    _require_state(entry, S.PROPOSED, S.NOTIFIED, S.OBJECTED)
    entry.removal_code, entry.removal_reason = code, reason
    was_notified = entry.state != S.PROPOSED
    transition(entry, S.CANCELLED, actor, reason, today)
    if entry.list_type == RED:
        red_measures_follow_renewal(entry.org_id)
    if was_notified:
        notices.cancellation(actor, entry, today)
    return entry


def remove(actor, entry: ListEntry, code: str, reason: str, today: date | None = None
           ) -> ListEntry:
    """Take a published entry off its list: measures lifted, the feed told, the subject too."""
    today = today or clock.today()
    reason = _need_text(reason, "reason")
    _require_state(entry, S.PUBLISHED)
    return _end(actor, entry, code, reason, today)


def _end(actor, entry: ListEntry, code: str, reason: str, today: date,
         replaced_by: ListEntry | None = None) -> ListEntry:
    entry.removed_on, entry.removal_code, entry.removal_reason = today, code, reason
    entry.replaced_by_id = replaced_by.id if replaced_by else None
    transition(entry, S.REMOVED, actor, reason, today)
    sanctions.lift(source(entry), reason, at=_stamp(today))
    feed.emit(entry, "removed")
    notices.removal_decision(actor, entry, today)
    return entry


def refresh_objection_flag(actor, entry: ListEntry) -> None:
    """A published entry is shown "under objection" while an objection on it or on one of its
    facts is open; the feed carries the change."""
    flag = bool(open_objections(entry))
    if entry.state == S.PUBLISHED and entry.under_objection != flag:
        entry.under_objection = flag
        db.session.flush()
        audit.record(actor, "credit.entry.under_objection", "credit_list_entry", entry.id,
                     after={"under_objection": flag})
        feed.emit(entry, "updated")


def entries_resting_on(fact_id: int, states=(S.PROPOSED, S.NOTIFIED, S.OBJECTED, S.PUBLISHED)
                       ) -> list[ListEntry]:
    resting = sa.select(EntryGround.entry_id).where(EntryGround.fact_id == fact_id)
    return list(db.session.execute(
        sa.select(ListEntry).where(ListEntry.id.in_(resting), ListEntry.state.in_(states))
        .order_by(ListEntry.id)).scalars())


# --- who may see an entry ------------------------------------------------------------------
# Regulators see every entry; the organization's own staff see their record from notice on;
# the public sees only what was published (and its removal).

REGULATOR, MEMBER, PUBLIC = "regulator", "member", "public"


def audience(user, org_id: int) -> str:
    if user is not None and getattr(user, "is_authenticated", False):
        if user.has_role(Role.REGULATOR):
            return REGULATOR
        if org_id in user_org_ids(user):
            return MEMBER
    return PUBLIC


def visible_entry_states(who: str) -> tuple[str, ...]:
    if who == REGULATOR:
        return EntryState.ALL
    if who == MEMBER:
        return EntryState.VISIBLE_TO_SUBJECT
    return (EntryState.PUBLISHED, EntryState.REMOVED)


def can_see_entry(user, entry: ListEntry) -> bool:
    return entry.state in visible_entry_states(audience(user, entry.org_id)) and (
        audience(user, entry.org_id) != PUBLIC or entry.decided_on is not None)


def get_visible(user, entry_id: int) -> ListEntry:
    """The entry, if ``user`` may see it; otherwise it does not exist for them."""
    entry = get_entry(entry_id)
    if not can_see_entry(user, entry):
        raise NotFound("credit.entry_not_found", _l("名单记录不存在。"))
    return entry


def entries_for(actor, *, org_id: int | None = None, list_type: str | None = None,
                state: str | None = None):
    """The entries ``actor`` may list, newest first: regulators every entry; organization
    staff their own organization's, from notice on."""
    require_reader(actor, org_id)
    query = sa.select(ListEntry).order_by(ListEntry.id.desc())
    for column, value in (("org_id", org_id), ("list_type", list_type), ("state", state)):
        if value:
            query = query.where(getattr(ListEntry, column) == value)
    if not actor.has_role(Role.REGULATOR):
        query = query.where(ListEntry.state.in_(S.VISIBLE_TO_SUBJECT))
    return query
