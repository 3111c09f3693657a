"""Who stands behind a need, an offer or a proposal side: who may act for it, how it is named
in public, and where messages to it go."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from charity.models import Need, Offer, Proposal
from core import outbox
from core.accounts.models import Role
from core.errors import PermissionDenied
from core.extensions import db
from core.orgs.models import Organization, OrgStatus
from core.orgs.services import require_member, user_org_ids
from core.sanctions import NO_MATCHING, NO_POSTING, is_barred

NEED, OFFER = "need", "offer"
SIDES = (NEED, OFFER)


def is_overseer(user) -> bool:
    return bool(user is not None and user.has_role(Role.REGULATOR, Role.ADMIN))


def person_id_of(user) -> int | None:
    return getattr(user, "person_id", None)


def acts_for_need(user, need: Need) -> bool:
    return need.org_id in user_org_ids(user)


def acts_for_offer(user, offer: Offer) -> bool:
    if offer.org_id is not None:
        return offer.org_id in user_org_ids(user)
    return offer.donor_person_id is not None and offer.donor_person_id == person_id_of(user)


def sides_of(user, proposal: Proposal) -> set[str]:
    sides = set()
    if acts_for_need(user, proposal.need):
        sides.add(NEED)
    if acts_for_offer(user, proposal.offer):
        sides.add(OFFER)
    return sides


def side_org_id(proposal: Proposal, side: str) -> int | None:
    return proposal.need.org_id if side == NEED else proposal.offer.org_id


def other(side: str) -> str:
    return OFFER if side == NEED else NEED


def require_side(user, proposal: Proposal, side: str) -> None:
    if side not in SIDES or side not in sides_of(user, proposal):
        raise PermissionDenied("charity.not_your_side", _l("您不能代表这一方处理该对接。"))


def require_may_post(user, org_id: int) -> Organization:
    """Staff of an active organization that is not barred from posting (joint punishment:
    core.sanctions NO_POSTING, written by the credit package)."""
    require_member(user, org_id)
    org = db.session.get(Organization, org_id)
    if org is None or org.status != OrgStatus.ACTIVE:
        raise PermissionDenied("charity.org_not_active",
                               _l("只有登记状态正常的组织才能发布需求或供给。"))
    if is_barred(org_id, NO_POSTING):
        raise PermissionDenied("charity.barred_posting",
                               _l("该组织正被限制在平台发布慈善需求或供给（联合惩戒措施）。"))
    return org


def require_may_match(org_id: int | None) -> None:
    if org_id is not None and is_barred(org_id, NO_MATCHING):
        raise PermissionDenied("charity.barred_matching",
                               _l("该组织正被限制参与慈善供需对接（联合惩戒措施）。"))


def masked_name(name: str | None) -> str:
    """王秀英 → 王**: donors are thanked by surname, never fully named in public."""
    name = (name or "").strip()
    return name[:1] + "*" * max(1, len(name) - 1) if name else "*"


def offer_party_label(offer: Offer) -> str:
    if offer.org is not None:
        return offer.org.name
    return str(_l("爱心人士 %(name)s", name=masked_name(offer.donor.name if offer.donor else "")))


def need_party_label(need: Need) -> str:
    """The need's organization; a person in difficulty is never named."""
    if need.beneficiary_person_id is not None:
        return str(_l("%(org)s（代困难群众登记）", org=need.org.name))
    return need.org.name


def notify_need_side(need: Need, topic: str, subject, body, dedupe_key: str) -> None:
    outbox.enqueue(topic, str(subject)[:200], str(body), org_id=need.org_id,
                   dedupe_key=dedupe_key[:200])


def notify_offer_side(offer: Offer, topic: str, subject, body, dedupe_key: str) -> None:
    if offer.org_id is not None:
        outbox.enqueue(topic, str(subject)[:200], str(body), org_id=offer.org_id,
                       dedupe_key=dedupe_key[:200])
        return
    user = offer.donor.user if offer.donor is not None else None
    if user is not None:
        outbox.enqueue(topic, str(subject)[:200], str(body), user_id=user.id,
                       dedupe_key=dedupe_key[:200])


def notify_side(proposal: Proposal, side: str, topic: str, subject, body, key: str) -> None:
    if side == NEED:
        notify_need_side(proposal.need, topic, subject, body, f"{key}:need")
    else:
        notify_offer_side(proposal.offer, topic, subject, body, f"{key}:offer")
