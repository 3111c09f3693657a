"""Time-bank tables: sessions, ledger accounts, postings, holds, transfers, catalogue, redemptions, certificates."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import clock
from core.db import InsertOnly, TimestampMixin, UTCDateTime, make_insert_only
from core.extensions import db
from timebank.vocabulary import (
    Consent,
    HoldStatus,
    PostingKind,
    RedemptionStatus,
    SessionStatus,
    SignalKind,
    category_label,
)


class ServiceSession(TimestampMixin, db.Model):
    """One period of service by a volunteer; hours come from start and end."""

    __tablename__ = "timebank_session"
    __table_args__ = (
        sa.Index("ix_timebank_session_volunteer_start", "volunteer_id", "start_at"),
        sa.Index("ix_timebank_session_status_created", "status", "created_at"),
        sa.CheckConstraint("end_at > start_at", name="order"),
        sa.CheckConstraint("minutes > 0", name="minutes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"))
    recipient_person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"),
                                                            index=True)
    recipient_org_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organization.id"),
                                                         index=True)
    org_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organization.id"), index=True)
    category: Mapped[str] = mapped_column(sa.String(32))
    district_id: Mapped[int] = mapped_column(sa.ForeignKey("district.id"), index=True)
    address: Mapped[str] = mapped_column(sa.String(200))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime())
    end_at: Mapped[datetime] = mapped_column(UTCDateTime())
    minutes: Mapped[int]
    description: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(16), default=SessionStatus.PENDING)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    source: Mapped[str] = mapped_column(sa.String(16), default="self")  # self, roster, import…
    # Set for sessions created from another package's event, so a replay records it once.
    source_ref: Mapped[str | None] = mapped_column(sa.String(100), unique=True)
    credited: Mapped[bool] = mapped_column(default=True)  # False: a minor's hours (no credits)
    credit_minutes: Mapped[int] = mapped_column(default=0)  # deposited at confirmation
    confirmed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    confirmed_via: Mapped[str | None] = mapped_column(sa.String(16))  # recipient, org, auto…
    confirming_org_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organization.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reject_reason: Mapped[str | None] = mapped_column(sa.Text)
    # Why an organization confirmed a session older than ``backdate_window_days``.
    late_reason: Mapped[str | None] = mapped_column(sa.Text)
    reversed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reversed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    reversal_reason: Mapped[str | None] = mapped_column(sa.Text)
    reversal_shortfall: Mapped[int] = mapped_column(default=0)  # minutes already spent

    volunteer = relationship("Person", foreign_keys=[volunteer_id])
    recipient_person = relationship("Person", foreign_keys=[recipient_person_id])
    recipient_org = relationship("Organization", foreign_keys=[recipient_org_id])
    org = relationship("Organization", foreign_keys=[org_id])
    district = relationship("District")

    @property
    def status_label(self) -> str:
        return SessionStatus(self.status).label

    @property
    def category_label(self) -> str:
        from core.timeutil import local_date

        return category_label(self.category, local_date(self.start_at))

    @property
    def recipient_label(self) -> str:
        if self.recipient_person is not None:
            return self.recipient_person.name
        return self.recipient_org.name if self.recipient_org is not None else ""


class ReviewSignal(TimestampMixin, db.Model):
    """Why a session was held for a regulator instead of being deposited, and how it ended."""

    __tablename__ = "timebank_review_signal"
    __table_args__ = (sa.UniqueConstraint("session_id", "kind", name="uq_timebank_signal"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("timebank_session.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    detail: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    outcome: Mapped[str | None] = mapped_column(sa.String(16))  # released, rejected

    session = relationship("ServiceSession")

    @property
    def label(self) -> str:
        return SignalKind.label_of(self.kind)


class LedgerAccount(TimestampMixin, db.Model):
    """A time account. ``balance`` and ``held`` are maintained by ``timebank.ledger`` in the
    same transaction as the postings; ``flask timebank verify`` checks them against the rows."""

    __tablename__ = "timebank_account"
    __table_args__ = (
        sa.CheckConstraint("held >= 0", name="held"),
        # The database itself refuses an overdraft: only issuance accounts go below zero.
        sa.CheckConstraint("kind = 'issuance' OR balance >= held",
                           name="no_overdraft"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(64), unique=True)  # "person:12", "pool", …
    kind: Mapped[str] = mapped_column(sa.String(16))
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"), unique=True)
    org_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organization.id"))
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("district.id"))
    balance: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    held: Mapped[int] = mapped_column(sa.BigInteger, default=0)

    person = relationship("Person")
    org = relationship("Organization")

    @property
    def available(self) -> int:
        return self.balance - self.held


class Posting(InsertOnly, db.Model):
    """Moves ``amount`` minutes from the debit account to the credit account. Insert-only;
    ``(kind, reference)`` is unique so a business operation can post only once."""

    __tablename__ = "timebank_posting"
    __table_args__ = (
        sa.UniqueConstraint("kind", "reference", name="uq_timebank_posting_kind_reference"),
        sa.CheckConstraint("amount > 0", name="amount"),
        sa.CheckConstraint("debit_account_id <> credit_account_id",
                           name="two_accounts"),
        sa.Index("ix_timebank_posting_debit", "debit_account_id", "created_at", "id"),
        sa.Index("ix_timebank_posting_credit", "credit_account_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    txn_id: Mapped[str] = mapped_column(sa.String(32), index=True)
    debit_account_id: Mapped[int] = mapped_column(sa.ForeignKey("timebank_account.id"))
    credit_account_id: Mapped[int] = mapped_column(sa.ForeignKey("timebank_account.id"))
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    kind: Mapped[str] = mapped_column(sa.String(16))
    reference: Mapped[str] = mapped_column(sa.String(100))
    memo: Mapped[str | None] = mapped_column(sa.String(200))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    @property
    def kind_label(self) -> str:
        return PostingKind(self.kind).label


make_insert_only(Posting.__table__)


class Hold(TimestampMixin, db.Model):
    """Minutes reserved on an account (two-phase): posted later, or voided."""

    __tablename__ = "timebank_hold"
    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="amount"),
        sa.Index("ix_timebank_hold_account_status", "account_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("timebank_account.id"))
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    kind: Mapped[str] = mapped_column(sa.String(16))
    reference: Mapped[str] = mapped_column(sa.String(100), unique=True)
    status: Mapped[str] = mapped_column(sa.String(10), default=HoldStatus.PENDING)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    posting_id: Mapped[int | None] = mapped_column(sa.ForeignKey("timebank_posting.id"))


class Transfer(InsertOnly, db.Model):
    """A gift, donation or pool allocation, with who, to whom, the relation and the reason."""

    __tablename__ = "timebank_transfer"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    from_person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"), index=True)
    to_person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"), index=True)
    minutes: Mapped[int]
    relation: Mapped[str | None] = mapped_column(sa.String(16))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    posting_id: Mapped[int] = mapped_column(sa.ForeignKey("timebank_posting.id"), unique=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    from_person = relationship("Person", foreign_keys=[from_person_id])
    to_person = relationship("Person", foreign_keys=[to_person_id])


make_insert_only(Transfer.__table__)


class CatalogueItem(TimestampMixin, db.Model):
    """A service an institution offers for time credits, priced in credit minutes."""

    __tablename__ = "timebank_catalogue_item"
    __table_args__ = (
        sa.UniqueConstraint("org_id", "name", name="uq_timebank_catalogue_org_name"),
        sa.CheckConstraint("price_minutes > 0", name="price"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    # A code of the bureau's service categories (timebank.vocabulary.CATEGORY_CATALOGUE):
    # chosen from those open on the day; one retired later stays, with its last name.
    category: Mapped[str] = mapped_column(sa.String(32), default="other",
                                          server_default="other")
    description: Mapped[str] = mapped_column(sa.Text, default="")
    service_minutes: Mapped[int]  # how long the service lasts
    price_minutes: Mapped[int]  # what it costs in credit minutes
    max_quantity: Mapped[int] = mapped_column(default=1)  # per redemption
    active: Mapped[bool] = mapped_column(default=True)
    # Above the policy caps (price, quantity) an item waits for a regulator's approval.
    approval_pending: Mapped[bool] = mapped_column(default=False)
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    org = relationship("Organization")

    @property
    def category_label(self) -> str:
        """The category's name in force today (a rename shows; a retired one keeps its name)."""
        return category_label(self.category)


class Redemption(TimestampMixin, db.Model):
    """Credits exchanged for a catalogue service: pending (held) → posted or voided."""

    __tablename__ = "timebank_redemption"
    __table_args__ = (sa.Index("ix_timebank_redemption_org_status", "org_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id"))
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("timebank_catalogue_item.id"))
    item_name: Mapped[str] = mapped_column(sa.String(100))  # as priced when created
    quantity: Mapped[int]
    unit_price: Mapped[int]
    amount: Mapped[int]
    status: Mapped[str] = mapped_column(sa.String(10), default=RedemptionStatus.PENDING)
    code: Mapped[str] = mapped_column(sa.String(8))  # one-time code the member shows
    code_failures: Mapped[int] = mapped_column(default=0)
    hold_id: Mapped[int | None] = mapped_column(sa.ForeignKey("timebank_hold.id"), unique=True)
    # How the member consented (timebank.consent): self, pay_code, member, assisted.
    consent: Mapped[str] = mapped_column(sa.String(16), default="self")
    id_checked: Mapped[bool] = mapped_column(default=False)  # the clerk saw the ID card
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    approval_via: Mapped[str | None] = mapped_column(sa.String(16))  # member, family, staff
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    settled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    void_reason: Mapped[str | None] = mapped_column(sa.Text)

    org = relationship("Organization")
    person = relationship("Person")
    item = relationship("CatalogueItem")

    @property
    def category_label(self) -> str:
        """The item's service category by its name on the day of the redemption."""
        from core.timeutil import local_date

        return category_label(self.item.category, local_date(self.created_at))

    @property
    def status_label(self) -> str:
        if self.status == RedemptionStatus.REQUESTED and self.consent == Consent.ASSISTED:
            return str(_l("待亲属或第二名工作人员确认"))
        return RedemptionStatus(self.status).label

    @property
    def consent_label(self) -> str:
        return Consent.label_of(self.consent)


class PayCode(TimestampMixin, db.Model):
    """A member's short-lived, single-use pay code (付款码): only a keyed hash is stored."""

    __tablename__ = "timebank_pay_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64), index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    used_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    redemption_id: Mapped[int | None] = mapped_column(sa.ForeignKey("timebank_redemption.id"))


class Presentation(TimestampMixin, db.Model):
    """A member presented themself at a counter (pay code or ID card): the clerk sees their
    account there until ``expires_at``. Also the record of who looked at whom."""

    __tablename__ = "timebank_presentation"
    __table_args__ = (sa.Index("ix_timebank_presentation_user_person", "user_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id"))
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    method: Mapped[str] = mapped_column(sa.String(16))  # pay_code, id_card
    pay_code_id: Mapped[int | None] = mapped_column(sa.ForeignKey("timebank_pay_code.id"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())

    person = relationship("Person")


class Certificate(InsertOnly, db.Model):
    """An issued service certificate: the printed data, its hash and an HMAC code."""

    __tablename__ = "timebank_certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(32), unique=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    content: Mapped[str] = mapped_column(sa.Text)  # canonical JSON of what is printed
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    verification_code: Mapped[str] = mapped_column(sa.String(32))
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    person = relationship("Person")


make_insert_only(Certificate.__table__)
