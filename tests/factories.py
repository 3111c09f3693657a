"""Factories for valid, realistic objects: Chinese names, valid ID numbers and USCCs.

Call them inside an app context (the ``make`` fixture). They flush, never commit.
"""

from __future__ import annotations

import itertools
import random
from datetime import date, timedelta

import sqlalchemy as sa

from core import clock
from core.accounts import services as accounts
from core.accounts.models import Person, User
from core.extensions import db
from core.ids import make_id_number, make_uscc
from core.orgs import services as orgs
from core.orgs.models import District, Organization, OrgKind, OrgStatus

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["建国", "秀英", "桂兰", "志强", "丽华", "国平", "美玲", "文华", "晓东", "海燕", "玉梅"]
PASSWORD = "correct-horse-1"


class Factory:
    _counter = itertools.count(1)

    def __init__(self, seed: int = 1234):
        self.rng = random.Random(seed)

    def n(self) -> int:
        return next(self._counter)

    def name(self) -> str:
        return self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)

    def district(self, code: str = "tianning") -> District:
        return db.session.execute(sa.select(District).where(District.code == code)).scalar_one()

    def id_number(self, born: date | None = None, age: int | None = None,
                  region: str = "320402") -> str:
        if born is None:
            years = age if age is not None else self.rng.randint(20, 70)
            born = clock.today() - timedelta(days=years * 365 + self.rng.randint(10, 300))
        while True:
            number = make_id_number(region, born, self.rng)
            if accounts.find_person_by_id_number(number) is None:
                return number

    def person(self, age: int | None = None, volunteer: bool = True, district: str = "tianning",
               name: str | None = None, **kwargs) -> Person:
        district_row = self.district(district)
        phone = kwargs.pop("phone", f"139{self.rng.randint(10000000, 99999999)}")
        return accounts.create_person(
            None, name or self.name(), kwargs.pop("id_number", None) or self.id_number(age=age),
            phone, district_row.id, as_volunteer=volunteer, **kwargs)

    def user(self, *roles: str, person: Person | None = None, org: Organization | None = None,
             username: str | None = None, with_person: bool = False, age: int | None = None,
             org_role: str = "manager") -> User:
        if person is None and (with_person or "volunteer" in roles):
            person = self.person(age=age)
        user = accounts.create_user(None, username or f"user{self.n()}", PASSWORD,
                                    person.name if person else f"用户{self.n()}", roles,
                                    person=person)
        if org is not None:
            orgs.add_member(None, org, user, org_role)
        return user

    def uscc(self, kind: OrgKind = OrgKind.SOCIAL_GROUP) -> str:
        prefix = {"social_group": "51", "social_service": "52", "foundation": "53",
                  "eldercare": "52", "company": "91", "community": "55"}[str(kind)]
        while True:
            code = make_uscc(self.rng, "320402", prefix)
            if orgs.find_org_by_uscc(code) is None:
                return code

    def org(self, kind: str = OrgKind.SOCIAL_GROUP, name: str | None = None,
            district: str = "tianning", status: str = OrgStatus.ACTIVE, **kwargs) -> Organization:
        kind = OrgKind(kind)
        data = {
            "name": name or f"常州市测试{kind.label}{self.n()}", "uscc": self.uscc(kind),
            "kind": kind.value, "is_charity": kind.is_social_organization,
            "is_eldercare": kind == OrgKind.ELDERCARE, "registering_authority": "常州市民政局",
            "legal_representative": self.name(), "district_id": self.district(district).id,
            "address": "常州市天宁区延陵西路1号",
            "registration_date": kwargs.pop("registration_date", date(2015, 5, 20)),
            "beds": kwargs.pop("beds", 100 if kind == OrgKind.ELDERCARE else None),
            "contact_phone": None,
        }
        data.update(kwargs)
        return orgs.register_org(None, data, status=status)
