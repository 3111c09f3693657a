"""Delivering a notice document: the routes it takes, every attempt, retries with backoff,
read receipts from the inbox, and public notice (公告送达) when nothing is confirmed in time.

A delivery is *confirmed* by the first of: the recipient marks the inbox message as read
(receipt), an SMTP server accepts the email for the confirmed address, or the SMS gateway
accepts the text for the confirmed number (electronic service to an address the subject
confirmed: served when it reaches that system). If none is confirmed within
``delivery_confirm_days``, the notice is published on the site and counts as delivered
``public_notice_days`` after publication. Domains hear the date through
``core.events.notice_delivered``.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from core import audit, clock, events, outbox
from core.config import policy
from core.errors import NotFound, PermissionDenied, ValidationFailed
from core.extensions import db
from core.notices import channels, documents
from core.notices.models import (
    Delivery,
    DeliveryAttempt,
    DeliveryContact,
    DeliveryRoute,
    DeliveryStatus,
    NoticeDocument,
    RouteStatus,
)
from core.timeutil import local_date, local_datetime

log = logging.getLogger(__name__)


def delivery_of(document: NoticeDocument) -> Delivery | None:
    return db.session.execute(sa.select(Delivery).where(
        Delivery.document_id == document.id)).scalar_one_or_none()


def contacts_of(*, org_id: int | None = None, user_id: int | None = None
                ) -> list[DeliveryContact]:
    owner = DeliveryContact.org_id == org_id if org_id else DeliveryContact.user_id == user_id
    return list(db.session.execute(sa.select(DeliveryContact).where(
        owner, DeliveryContact.active.is_(True)).order_by(DeliveryContact.id)).scalars())


_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def set_contact(actor, channel: str, address: str, *, org_id: int | None = None,
                user_id: int | None = None) -> DeliveryContact | None:
    """Record the address confirmed for service of notices on one channel (an empty address
    withdraws it). The previous address is kept, inactive, for the record."""
    address = (address or "").strip()
    if channel not in ("email", "sms"):
        raise ValidationFailed("notices.bad_channel", _l("送达方式无效。"),
                               errors={"channel": [str(_l("送达方式无效。"))]})
    if address and not (_EMAIL if channel == "email" else _MOBILE).match(address):
        message = _l("电子邮箱格式不正确。") if channel == "email" else _l("请填写 11 位手机号码。")
        raise ValidationFailed("notices.bad_address", message, errors={channel: [str(message)]})
    for old in contacts_of(org_id=org_id, user_id=user_id):
        if old.channel == channel:
            old.active = False
    row = None
    if address:
        row = DeliveryContact(org_id=org_id, user_id=user_id, channel=channel,
                              address=address.strip(), confirmed_by_id=getattr(actor, "id", None))
        db.session.add(row)
    db.session.flush()
    audit.record(actor, "notice.contact", "organization" if org_id else "user_account",
                 org_id or user_id, after={"channel": channel,
                                           "address": channels.mask_address(channel, address)})
    return row


def _attempt(delivery: Delivery, channel: str, outcome: str, detail: str | None = None,
             address: str | None = None, actor=None, at: datetime | None = None) -> None:
    db.session.add(DeliveryAttempt(
        delivery_id=delivery.id, channel=channel, outcome=outcome, detail=(detail or "")[:500],
        address_masked=channels.mask_address(channel, address), at=at or clock.now(),
        actor_id=getattr(actor, "id", None)))


def _plain_text(document: NoticeDocument) -> str:
    content = documents.content_of(document)
    lines = [content["title"], content["number"], "", f"{content['recipient']}：", ""]
    lines += content["paragraphs"]
    lines += [""] + [f"{k}：{v}" for k, v in content["items"]]
    lines += ["", content["issuer"], content["issued_on_text"], "",
              f"核验：{documents.verify_url(document.number)}  验证码 {document.verification_code}"]
    return "\n".join(lines)


def deliver(actor, document: NoticeDocument) -> Delivery:
    """Start delivering ``document`` through every channel of its recipient: the inbox at
    once, email and SMS by the scheduler. Delivering a document again changes nothing."""
    if (existing := delivery_of(document)) is not None:
        return existing
    now = min(clock.now(), document.issued_at)  # a document dated in the past starts then
    delivery = Delivery(document_id=document.id,
                        confirm_by=now + timedelta(days=policy("delivery_confirm_days")))
    db.session.add(delivery)
    db.session.flush()
    message = outbox.enqueue(document.kind, f"{document.title}（{document.number}）",
                             _plain_text(document), org_id=document.org_id,
                             user_id=document.user_id, dedupe_key=f"notice:{document.id}")
    if message is not None:
        message.created_at = now
    db.session.add(DeliveryRoute(delivery_id=delivery.id, channel="inbox",
                                 status=RouteStatus.SENT, tries=1,
                                 outbox_message_id=message.id if message else None))
    _attempt(delivery, "inbox", "sent", "placed in the recipient's inbox", at=now)
    for contact in contacts_of(org_id=document.org_id, user_id=document.user_id):
        db.session.add(DeliveryRoute(delivery_id=delivery.id, channel=contact.channel,
                                     address=contact.address, next_try_at=now))
    db.session.flush()
    audit.record(actor, "notice.deliver", "notice_document", document.id,
                 after={"delivery": delivery.id, "confirm_by": delivery.confirm_by})
    return delivery


def _confirm(delivery: Delivery, channel: str, on, actor=None) -> None:
    if delivery.status != DeliveryStatus.PENDING:
        return
    delivery.status, delivery.delivered_on, delivery.delivered_by = (
        DeliveryStatus.CONFIRMED, on, channel)
    db.session.flush()
    audit.record(actor, "notice.delivered", "notice_document", delivery.document_id,
                 after={"channel": channel, "on": on})
    document = db.session.get(NoticeDocument, delivery.document_id)
    events.publish(events.notice_delivered, "core", document_id=document.id,
                   step_key=document.step_key, delivered_on=on, channel=channel)


def record_in_person(actor, document: NoticeDocument, served_on, note: str) -> Delivery:
    """直接送达: staff handed the document over and the recipient signed the receipt (送达回证)
    on ``served_on``; the signed receipt's reference goes in ``note``."""
    note = (note or "").strip()
    if not note:
        raise ValidationFailed("notices.receipt_required", _l("请填写送达回证编号或签收人。"),
                               errors={"note": [str(_l("必填。"))]})
    if served_on > clock.today() or served_on < local_date(document.issued_at):
        raise ValidationFailed("notices.bad_served_on", _l("送达日期不能早于出具日期，也不能晚于今天。"),
                               errors={"served_on": [str(_l("日期无效。"))]})
    sent = deliver(actor, document)
    if sent.status != DeliveryStatus.PENDING:
        return sent
    _attempt(sent, "in_person", "confirmed", f"signed receipt: {note[:200]}", actor=actor,
             at=local_datetime(served_on, time(10, 0)) if served_on < clock.today()
             else clock.now())
    _confirm(sent, "in_person", served_on, actor=actor)
    return sent


# --- the inbox -----------------------------------------------------------------------------

def may_read(user, message: outbox.OutboxMessage) -> bool:
    from core.orgs.services import user_org_ids

    return message.user_id == user.id or (message.org_id is not None and
                                          message.org_id in user_org_ids(user))


def get_message(user, message_id: int) -> outbox.OutboxMessage:
    message = db.session.get(outbox.OutboxMessage, message_id)
    if message is None or message.channel != "inbox":
        raise NotFound("notices.message_not_found", _l("消息不存在。"))
    if not may_read(user, message):
        raise PermissionDenied("notices.not_your_message", _l("这不是您的消息。"))
    return message


def acknowledge(user, message: outbox.OutboxMessage) -> None:
    """The recipient marks a message as read: for a notice, that is the receipt (回执)."""
    if message.read_at is not None:
        return
    outbox.mark_read(message)
    route = db.session.execute(sa.select(DeliveryRoute).where(
        DeliveryRoute.outbox_message_id == message.id)).scalar_one_or_none()
    if route is None:
        return
    route.status = RouteStatus.CONFIRMED
    _attempt(route.delivery, "inbox", "read", f"receipt by {user.display_name}", actor=user)
    _confirm(route.delivery, "inbox", local_date(message.read_at), actor=user)


def unread_count(user) -> int:
    from core.orgs.services import user_org_ids

    owners = [outbox.OutboxMessage.user_id == user.id]
    if org_ids := user_org_ids(user):
        owners.append(outbox.OutboxMessage.org_id.in_(list(org_ids)))
    return db.session.execute(sa.select(sa.func.count()).select_from(outbox.OutboxMessage).where(
        sa.or_(*owners), outbox.OutboxMessage.channel == "inbox",
        outbox.OutboxMessage.read_at.is_(None))).scalar_one()


def document_of_message(message: outbox.OutboxMessage) -> NoticeDocument | None:
    return db.session.execute(sa.select(NoticeDocument).join(
        Delivery, Delivery.document_id == NoticeDocument.id).join(
        DeliveryRoute, DeliveryRoute.delivery_id == Delivery.id).where(
        DeliveryRoute.outbox_message_id == message.id)).scalar_one_or_none()


# --- the scheduler's part: sending, retrying, public notice ---------------------------------

def backoff(tries: int) -> timedelta:
    """Wait before the next try: the base, doubled after each failure (10, 20, 40 … min)."""
    return timedelta(minutes=policy("delivery_retry_minutes") * 2 ** max(tries - 1, 0))


def _due_routes(now: datetime, limit: int) -> list[int]:
    return list(db.session.execute(
        sa.select(DeliveryRoute.id).join(Delivery).where(
            DeliveryRoute.status == RouteStatus.WAITING, DeliveryRoute.next_try_at <= now,
            Delivery.status == DeliveryStatus.PENDING)
        .order_by(DeliveryRoute.next_try_at, DeliveryRoute.id).limit(limit)).scalars())


def send_due(limit: int = 200) -> dict:
    """Try every route whose time has come. Each try is claimed and committed before the
    message leaves (so a crash never makes a quick second send), and its outcome after."""
    counts = {"sent": 0, "failed": 0, "gave_up": 0, "logged": 0}
    for route_id in _due_routes(clock.now(), limit):
        outcome = _try_route(route_id)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def _try_route(route_id: int) -> str:
    route = db.session.get(DeliveryRoute, route_id)
    document = route.delivery.document
    route.tries += 1
    route.next_try_at = clock.now() + backoff(route.tries)
    channel, address, tries = route.channel, route.address, route.tries
    message = channels.Outgoing(
        ref=f"notice-{document.number}-r{route.id}",
        title=f"{document.title}（{document.number}）", text=_plain_text(document),
        short_text=(f"【{documents.content_of(document)['issuer']}】您有一份《{document.title}》"
                    f"（{document.number}），请登录平台“我的消息”查看，或访问 "
                    f"{documents.verify_url(document.number)}"),
        pdf=documents.render_pdf(document) if channel == "email" else None,
        pdf_name=f"{document.number}.pdf")
    db.session.commit()  # the claim: nothing else tries this route before next_try_at
    try:
        handed = channels.SENDERS[channel](message, address)
    except channels.ChannelFailed as failure:
        return _record_failure(route_id, failure, tries)
    route = db.session.get(DeliveryRoute, route_id)
    if handed.outcome == "logged":
        route.status = RouteStatus.LOGGED
        _attempt(route.delivery, channel, "logged", handed.detail, address)
        db.session.commit()
        return "logged"
    route.status = RouteStatus.CONFIRMED
    _attempt(route.delivery, channel, "confirmed", handed.detail, address)
    _confirm(route.delivery, channel, clock.today())
    db.session.commit()
    return "sent"


def _record_failure(route_id: int, failure: channels.ChannelFailed, tries: int) -> str:
    route = db.session.get(DeliveryRoute, route_id)
    final = failure.permanent or tries >= policy("delivery_max_tries")
    if final:
        route.status, route.next_try_at = RouteStatus.FAILED, None
    detail = failure.detail if final else f"{failure.detail}; retry {route.next_try_at:%H:%M}Z"
    _attempt(route.delivery, route.channel, "gave_up" if final else "failed", detail,
             route.address)
    db.session.commit()
    log.warning("notice route %s (%s) failed: %s", route_id, route.channel, failure.detail)
    return "gave_up" if final else "failed"


def publish_unconfirmed(limit: int = 500) -> dict:
    """Deliveries with nothing confirmed by their deadline go to public notice (公告送达)."""
    now = clock.now()
    rows = db.session.execute(sa.select(Delivery).where(
        Delivery.status == DeliveryStatus.PENDING, Delivery.confirm_by <= now)
        .order_by(Delivery.id).limit(limit)).scalars().all()
    for delivery in rows:
        start_public_notice(delivery, now)
    return {"public_notices": len(rows)}


def start_public_notice(delivery: Delivery, now: datetime) -> None:
    """《民事诉讼法》第九十五条: served ``public_notice_days`` after the notice is published."""
    today = local_date(now)
    deemed = today + timedelta(days=policy("public_notice_days"))
    delivery.status, delivery.public_notice_on = DeliveryStatus.PUBLIC_NOTICE, today
    delivery.delivered_on, delivery.delivered_by = deemed, "public_notice"
    _attempt(delivery, "public_notice", "published",
             f"no confirmed delivery by the deadline; deemed served on {deemed.isoformat()}",
             at=now)
    db.session.flush()
    audit.record(None, "notice.public_notice", "notice_document", delivery.document_id,
                 after={"published_on": today, "deemed_served_on": deemed})
    document = delivery.document
    events.publish(events.notice_delivered, "core", document_id=document.id,
                   step_key=document.step_key, delivered_on=deemed, channel="public_notice")


def public_notices(limit: int = 100) -> list[Delivery]:
    return list(db.session.execute(sa.select(Delivery).where(
        Delivery.status == DeliveryStatus.PUBLIC_NOTICE)
        .order_by(Delivery.public_notice_on.desc(), Delivery.id.desc()).limit(limit)).scalars())


def timeline(document: NoticeDocument) -> list[DeliveryAttempt]:
    """Every attempt of the document's delivery, in order: what an appeal is shown."""
    delivery = delivery_of(document)
    if delivery is None:
        return []
    return list(db.session.execute(sa.select(DeliveryAttempt).where(
        DeliveryAttempt.delivery_id == delivery.id)
        .order_by(DeliveryAttempt.at, DeliveryAttempt.id)).scalars())


def confirmed_on(step_key: str):
    """The date the step's notice counts as delivered, or None while it does not."""
    document = documents.by_step(step_key)
    delivery = delivery_of(document) if document else None
    return delivery.delivered_on if delivery else None
