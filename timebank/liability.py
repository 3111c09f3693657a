"""The time bank's liability: what members hold (outstanding credits, on hold, expiring) by
district, against what institutions redeem (the last 12 months' pace), and each institution's
monthly settlement (minutes redeemed there, for the bureau to settle and export)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from core import clock, spreadsheets
from core.accounts.models import Person
from core.config import policy
from core.extensions import db
from core.orgs.models import District, Organization
from core.timeutil import local_tz
from timebank.models import LedgerAccount, Posting, Redemption
from timebank.vocabulary import AccountKind, PostingKind, RedemptionStatus

EXPIRING_WITHIN_DAYS = 90


@dataclass(frozen=True)
class DistrictLiability:
    district: str
    members: int  # accounts holding any credit
    outstanding: int  # minutes members hold (balance, held included)
    held: int  # reserved for a redemption not yet done
    expiring: int  # would expire within EXPIRING_WITHIN_DAYS (0 when credits never expire)

    @property
    def available(self) -> int:
        return self.outstanding - self.held


@dataclass(frozen=True)
class Liability:
    districts: list[DistrictLiability]
    minted: int  # deposits, all time
    reversed: int
    redeemed: int
    expired: int
    redeemed_last_12_months: int
    expiry_years: int | None

    @property
    def outstanding(self) -> int:
        return sum(d.outstanding for d in self.districts)

    @property
    def held(self) -> int:
        return sum(d.held for d in self.districts)

    @property
    def expiring(self) -> int:
        return sum(d.expiring for d in self.districts)

    @property
    def months_to_redeem(self) -> float | None:
        """At the last 12 months' redemption pace, how long the outstanding credits last."""
        pace = self.redeemed_last_12_months / 12
        return round(self.outstanding / pace, 1) if pace else None


def _expiring_by_account(now: datetime, years: int) -> dict[int, int]:
    """Per person account: credits that came in before the cut-off ``EXPIRING_WITHIN_DAYS``
    from now and have not been spent since (the expiry job's rule, looked at ahead)."""
    cutoff = now + timedelta(days=EXPIRING_WITHIN_DAYS) - timedelta(days=round(365.25 * years))
    old_in = dict(db.session.execute(
        sa.select(Posting.credit_account_id, sa.func.sum(Posting.amount))
        .join(LedgerAccount, LedgerAccount.id == Posting.credit_account_id)
        .where(LedgerAccount.kind == AccountKind.PERSON, Posting.created_at < cutoff)
        .group_by(Posting.credit_account_id)).all())
    if not old_in:
        return {}
    spent = dict(db.session.execute(
        sa.select(Posting.debit_account_id, sa.func.sum(Posting.amount))
        .where(Posting.debit_account_id.in_(list(old_in)))
        .group_by(Posting.debit_account_id)).all())
    return {a: max(0, int(v) - int(spent.get(a, 0))) for a, v in old_in.items()}


def compute(now: datetime | None = None) -> Liability:
    now = clock.utc(now)
    years = policy("credit_expiry_years")
    expiring = _expiring_by_account(now, years) if years else {}
    held_by = (sa.select(District.name, sa.func.count(), sa.func.sum(LedgerAccount.balance),
                         sa.func.sum(LedgerAccount.held))
               .select_from(LedgerAccount).join(Person, Person.id == LedgerAccount.person_id)
               .outerjoin(District, District.id == Person.district_id)
               .where(LedgerAccount.kind == AccountKind.PERSON, LedgerAccount.balance > 0))
    by_district = {name or _("未登记区县"): [int(n), int(b or 0), int(h or 0), 0]
                   for name, n, b, h in db.session.execute(held_by.group_by(District.name))}
    if expiring:  # only when credits expire: what is due, capped at what each account has free
        for name, account_id, balance, held in db.session.execute(
                sa.select(District.name, LedgerAccount.id, LedgerAccount.balance,
                          LedgerAccount.held)
                .join(Person, Person.id == LedgerAccount.person_id)
                .outerjoin(District, District.id == Person.district_id)
                .where(LedgerAccount.id.in_(list(expiring)), LedgerAccount.balance > 0)):
            by_district[name or _("未登记区县")][3] += min(expiring[account_id],
                                                        int(balance) - int(held))
    totals = dict(db.session.execute(sa.select(Posting.kind, sa.func.sum(Posting.amount))
                                     .group_by(Posting.kind)).all())
    recent = db.session.execute(sa.select(sa.func.coalesce(sa.func.sum(Redemption.amount), 0))
                                .where(Redemption.status == RedemptionStatus.POSTED,
                                       Redemption.settled_at >= now - timedelta(days=365))
                                ).scalar_one()
    return Liability(
        districts=[DistrictLiability(name, *values) for name, values in sorted(by_district.items())],
        minted=int(totals.get(PostingKind.DEPOSIT, 0)),
        reversed=int(totals.get(PostingKind.REVERSAL, 0)),
        redeemed=int(totals.get(PostingKind.REDEMPTION, 0)),
        expired=int(totals.get(PostingKind.EXPIRY, 0)),
        redeemed_last_12_months=int(recent), expiry_years=years)


@dataclass(frozen=True)
class Settlement:
    year: int
    months: list[str]
    rows: list[tuple[str, list[int]]]  # institution, minutes redeemed there in each month

    @property
    def totals(self) -> list[int]:
        return [sum(r[1][i] for r in self.rows) for i in range(len(self.months))]


def settlement(year: int) -> Settlement:
    """Minutes redeemed (completed redemptions) at each institution in each month of ``year``
    (Asia/Shanghai calendar)."""
    tz = local_tz()
    bounds = [datetime(year, m, 1, tzinfo=tz) for m in range(1, 13)] + [
        datetime(year + 1, 1, 1, tzinfo=tz)]
    month = sa.case(*[(Redemption.settled_at < bounds[i], i) for i in range(1, 13)], else_=12)
    inner = (sa.select(Redemption.org_id, month.label("month"), Redemption.amount)
             .where(Redemption.status == RedemptionStatus.POSTED,
                    Redemption.settled_at >= bounds[0], Redemption.settled_at < bounds[12])
             .subquery())
    table: dict[int, list[int]] = {}
    for org_id, m, minutes in db.session.execute(
            sa.select(inner.c.org_id, inner.c.month, sa.func.sum(inner.c.amount))
            .group_by(inner.c.org_id, inner.c.month)).all():
        table.setdefault(org_id, [0] * 12)[int(m) - 1] = int(minutes)
    names = dict(db.session.execute(sa.select(Organization.id, Organization.name).where(
        Organization.id.in_(list(table) or [0]))).all())
    rows = sorted(((names.get(k, ""), v) for k, v in table.items()), key=lambda r: r[0])
    return Settlement(year, [f"{year}-{m:02d}" for m in range(1, 13)], rows)


def _settlement_table(data: Settlement) -> list[list]:
    head = [_("机构"), *data.months, _("全年（分钟）")]
    body = [[name, *values, sum(values)] for name, values in data.rows]
    return [head, *body, [_("合计"), *data.totals, sum(data.totals)]]


def settlement_csv(data: Settlement) -> bytes:
    return spreadsheets.csv_bytes([[_("%(y)s 年各机构时间银行兑换结算（分钟）", y=data.year)],
                                   *_settlement_table(data)])


def settlement_xlsx(data: Settlement) -> bytes:
    return spreadsheets.xlsx_bytes([spreadsheets.Sheet(
        _("%(y)s 年兑换结算", y=data.year), _settlement_table(data), bold_rows=(1,),
        widths={"A": 36})])

