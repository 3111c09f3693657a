"""The time bank's liability (what members hold, by district, against the redemption pace)
and each institution's monthly settlement, with its export."""

from __future__ import annotations

from core import clock
from core.extensions import db
from core.orgs.models import OrgKind
from timebank import liability, redemption


def test_members_holdings_by_district_and_the_pace_of_redemption(tb, make):
    home = make.org(OrgKind.ELDERCARE)
    staff = make.user("institution_staff", org=home)
    item = redemption.add_item(staff, home.id, {"name": "助浴", "service_minutes": 60})
    elder = make.user("volunteer", age=70)
    other = make.user("volunteer", person=make.person(age=70, district="wujin"))
    tb.fund(elder.person, 300)
    tb.fund(other.person, 90)
    done = redemption.create_redemption(elder, elder.person.id, item.id)
    redemption.complete_redemption(staff, done.id, done.code)
    redemption.create_redemption(elder, elder.person.id, item.id)  # held, not yet served
    data = liability.compute()
    by_name = {d.district: d for d in data.districts}
    tianning, wujin = by_name[elder.person.district.name], by_name[other.person.district.name]
    assert (tianning.outstanding, tianning.held, tianning.available) == (240, 60, 180)
    assert (wujin.outstanding, wujin.held) == (90, 0)
    assert data.outstanding == 330 and data.minted == 390 and data.redeemed == 60
    assert data.redeemed_last_12_months == 60 and data.months_to_redeem == 66.0
    assert data.expiring == 0 and data.expiry_years is None  # credits never expire by default


def test_each_institutions_monthly_settlement_and_its_export(tb, make, client, login_as):
    home = make.org(OrgKind.ELDERCARE, name="常州市夕阳红养老服务中心")
    staff = make.user("institution_staff", org=home)
    item = redemption.add_item(staff, home.id, {"name": "理发", "service_minutes": 30})
    elder = make.user("volunteer", age=70)
    tb.fund(elder.person, 120)
    row = redemption.create_redemption(elder, elder.person.id, item.id, 2)
    redemption.complete_redemption(staff, row.id, row.code)
    year, month = clock.today().year, clock.today().month
    data = liability.settlement(year)
    assert data.rows == [(home.name, [60 if m == month else 0 for m in range(1, 13)])]
    assert data.totals[month - 1] == 60
    db.session.commit()
    login_as("regulator")
    page = client.get("/timebank/liability").get_data(as_text=True)
    assert home.name in page and "1 小时" in page and "会员持有" in page
    csv = client.get(f"/timebank/liability/settlement.csv?year={year}")
    assert csv.status_code == 200 and home.name in csv.data.decode("utf-8-sig")
    assert client.get("/timebank/liability/settlement.pdf").status_code == 404
    login_as(user=staff)
    assert client.get("/timebank/liability").status_code == 403


def test_credits_due_to_expire_within_90_days_are_counted(tb, app, frozen_clock):
    frozen_clock.local(2025, 3, 1, 10, 0)
    elder = tb.volunteer()
    tb.fund(elder.person, 120)
    frozen_clock.local(2025, 12, 20, 10, 0)
    tb.fund(elder.person, 30)  # recent: not due
    frozen_clock.local(2026, 1, 15, 10, 0)  # one year after March 2025 is within 90 days
    app.config["POLICY_CREDIT_EXPIRY_YEARS"] = 1
    try:
        data = liability.compute()
    finally:
        app.config["POLICY_CREDIT_EXPIRY_YEARS"] = None
    assert data.expiry_years == 1 and data.outstanding == 150 and data.expiring == 120
