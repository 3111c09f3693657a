"""Who may call each route: the oracle the route × role walk (tests/core/test_routes.py)
checks the application against, written down here rather than read from the ``@roles``
declarations, so a widened or narrowed declaration fails a test instead of moving the test.

One line per method and URL rule: the roles admitted before any object-level check.
``public`` is anyone, ``signed-in`` any signed-in user; otherwise V volunteer, O org_staff,
I institution_staff, R regulator, A admin, F feed (another department's machine account).
Adding a route means adding its line here, after deciding who should reach it.
"""

from __future__ import annotations

import re

from core.accounts.models import Role

CODES = {"V": Role.VOLUNTEER.value, "O": Role.ORG_STAFF.value,
         "I": Role.INSTITUTION_STAFF.value, "R": Role.REGULATOR.value, "A": Role.ADMIN.value,
         "F": Role.FEED.value}
PUBLIC, SIGNED_IN = "public", "signed-in"

TABLE = """
GET    /                                                                        public
GET    /account                                                                 signed-in
POST   /account                                                                 signed-in
GET    /account/family                                                          signed-in
POST   /account/family                                                          signed-in
GET    /account/real-name                                                       signed-in
POST   /account/real-name                                                       signed-in
GET    /account/tokens                                                          signed-in
POST   /account/tokens                                                          signed-in
POST   /account/tokens/<int:token_id>/revoke                                    signed-in
GET    /admin/                                                                  A
GET    /admin/audit                                                             R A
GET    /admin/catalogues/                                                       R A
GET    /admin/catalogues/<string:name>                                          R A
POST   /admin/catalogues/<string:name>/<string:code>/confirm                    R A
POST   /admin/catalogues/<string:name>/<string:code>/retire                     R A
POST   /admin/catalogues/<string:name>/save                                     R A
GET    /admin/districts                                                         A
POST   /admin/districts                                                         A
GET    /admin/districts/<int:district_id>                                       A
POST   /admin/districts/<int:district_id>                                       A
GET    /admin/holidays                                                          A
POST   /admin/holidays                                                          A
POST   /admin/holidays/<day>/delete                                             A
POST   /admin/holidays/import                                                   A
POST   /admin/holidays/shipped                                                  A
GET    /admin/jobs                                                              A
POST   /admin/jobs/<job_id>/pause                                               A
POST   /admin/jobs/<job_id>/resume                                              A
POST   /admin/jobs/<job_id>/run                                                 A
POST   /admin/jobs/<job_id>/schedule                                            A
GET    /admin/orgs                                                              R A
POST   /admin/orgs/<int:org_id>/status                                          R A
GET    /admin/users                                                             A
POST   /admin/users                                                             A
GET    /admin/users/<int:user_id>                                               A
POST   /admin/users/<int:user_id>                                               A
GET    /api/v1/accounts/family                                                  signed-in
POST   /api/v1/accounts/family                                                  signed-in
POST   /api/v1/accounts/family/<int:link_id>/verify                             I R A
GET    /api/v1/accounts/me                                                      signed-in
POST   /api/v1/accounts/persons                                                 O I R A
POST   /api/v1/accounts/persons/binding-codes                                   O I R
GET    /api/v1/accounts/persons/lookup                                          O I R A
POST   /api/v1/accounts/persons/verify                                          O I R
GET    /api/v1/accounts/tokens                                                  signed-in
POST   /api/v1/accounts/tokens                                                  signed-in
DELETE /api/v1/accounts/tokens/<int:token_id>                                   signed-in
GET    /api/v1/catalogues/<string:name>                                         public
POST   /api/v1/catalogues/<string:name>/items                                   R A
POST   /api/v1/catalogues/<string:name>/items/<string:code>/confirm             R A
POST   /api/v1/catalogues/<string:name>/items/<string:code>/retire              R A
GET    /api/v1/charity/board                                                    public
GET    /api/v1/charity/items                                                    public
POST   /api/v1/charity/items                                                    A
GET    /api/v1/charity/items/<int:item_id>                                      public
PATCH  /api/v1/charity/items/<int:item_id>                                      A
POST   /api/v1/charity/items/<int:item_id>/substitutes                          A
DELETE /api/v1/charity/items/<int:item_id>/substitutes/<int:substitute_id>      A
GET    /api/v1/charity/needs                                                    O I R A
POST   /api/v1/charity/needs                                                    O I
GET    /api/v1/charity/needs/<int:need_id>                                      O I R A
PATCH  /api/v1/charity/needs/<int:need_id>                                      O I
POST   /api/v1/charity/needs/<int:need_id>/withdraw                             O I
GET    /api/v1/charity/offers                                                   V O I R A
POST   /api/v1/charity/offers                                                   V O I
GET    /api/v1/charity/offers/<int:offer_id>                                    V O I R A
PATCH  /api/v1/charity/offers/<int:offer_id>                                    V O I
POST   /api/v1/charity/offers/<int:offer_id>/withdraw                           V O I
GET    /api/v1/charity/opportunities                                            public
POST   /api/v1/charity/opportunities                                            O I
GET    /api/v1/charity/opportunities/<int:opportunity_id>                       public
PATCH  /api/v1/charity/opportunities/<int:opportunity_id>                       O I
GET    /api/v1/charity/opportunities/<int:opportunity_id>/signups               O I R A
POST   /api/v1/charity/opportunities/<int:opportunity_id>/signups               V
GET    /api/v1/charity/opportunities/for-me                                     V
GET    /api/v1/charity/profile                                                  V
PUT    /api/v1/charity/profile                                                  V
GET    /api/v1/charity/proposals                                                V O I R A
GET    /api/v1/charity/proposals/<int:proposal_id>                              V O I R A
POST   /api/v1/charity/proposals/<int:proposal_id>/abandon                      V O I
POST   /api/v1/charity/proposals/<int:proposal_id>/accept                       V O I
POST   /api/v1/charity/proposals/<int:proposal_id>/decline                      V O I
POST   /api/v1/charity/proposals/<int:proposal_id>/fulfil                       V O I
GET    /api/v1/charity/runs                                                     R A
POST   /api/v1/charity/runs                                                     O I R A
GET    /api/v1/charity/signups                                                  V
POST   /api/v1/charity/signups/<int:signup_id>/cancel                           V
POST   /api/v1/charity/signups/<int:signup_id>/confirm                          O I
POST   /api/v1/charity/signups/<int:signup_id>/no-show                          O I
GET    /api/v1/charity/stats                                                    R A
POST   /api/v1/credit/annual-reports                                            O I
GET    /api/v1/credit/entries                                                   O I R
POST   /api/v1/credit/entries                                                   R
GET    /api/v1/credit/entries/<int:entry_id>                                    O I R
POST   /api/v1/credit/entries/<int:entry_id>/cancel                             R
POST   /api/v1/credit/entries/<int:entry_id>/notify                             R
POST   /api/v1/credit/entries/<int:entry_id>/publish                            R
POST   /api/v1/credit/entries/<int:entry_id>/remove                             R
GET    /api/v1/credit/facts                                                     O I R
POST   /api/v1/credit/facts                                                     R
GET    /api/v1/credit/facts/<int:fact_id>                                       O I R
GET    /api/v1/credit/feed                                                      R F
POST   /api/v1/credit/feed/feedback                                             F
POST   /api/v1/credit/inspections/conflicts                                     R
GET    /api/v1/credit/inspections/draws                                         public
POST   /api/v1/credit/inspections/draws                                         R
GET    /api/v1/credit/inspections/draws/<int:draw_id>                           public
POST   /api/v1/credit/inspections/draws/<int:draw_id>/cancel                    R
POST   /api/v1/credit/inspections/draws/<int:draw_id>/results                   R
POST   /api/v1/credit/inspections/draws/<int:draw_id>/reveal                    R
GET    /api/v1/credit/inspections/inspectors                                    R
POST   /api/v1/credit/inspections/inspectors                                    R
GET    /api/v1/credit/inspections/inspectors/<int:user_id>                      R
POST   /api/v1/credit/inspections/inspectors/<int:user_id>/deactivate           R
POST   /api/v1/credit/inspections/inspectors/<int:user_id>/reactivate           R
GET    /api/v1/credit/inspections/subjects                                      R
GET    /api/v1/credit/inspections/subjects/<int:org_id>                         R
POST   /api/v1/credit/inspections/subjects/<int:org_id>/deactivate              R
POST   /api/v1/credit/inspections/subjects/<int:org_id>/reactivate              R
GET    /api/v1/credit/lists/<list_type>                                         public
GET    /api/v1/credit/model                                                     public
GET    /api/v1/credit/models                                                    public
GET    /api/v1/credit/models/<string:version>                                   public
POST   /api/v1/credit/models/<string:version>/promote                           A
GET    /api/v1/credit/objections                                                O I R
POST   /api/v1/credit/objections                                                O I
POST   /api/v1/credit/objections/<int:objection_id>/accept                      R
POST   /api/v1/credit/objections/<int:objection_id>/decision                    R
GET    /api/v1/credit/repairs                                                   O I R
POST   /api/v1/credit/repairs                                                   O I
POST   /api/v1/credit/repairs/<int:repair_id>/decision                          R
GET    /api/v1/credit/review-queue                                              R
POST   /api/v1/credit/scan                                                      R
GET    /api/v1/credit/scores/<int:org_id>                                       O I R
GET    /api/v1/credit/scores/<int:org_id>/history                               O I R
POST   /api/v1/credit/scores/run                                                R A
GET    /api/v1/districts                                                        public
GET    /api/v1/orgs                                                             public
POST   /api/v1/orgs                                                             O I R A
GET    /api/v1/orgs/<int:org_id>                                                public
PATCH  /api/v1/orgs/<int:org_id>                                                O I A
POST   /api/v1/orgs/<int:org_id>/identity-changes                               O I A
POST   /api/v1/orgs/<int:org_id>/status                                         R A
GET    /api/v1/orgs/identity-changes                                            R
POST   /api/v1/orgs/identity-changes/<int:change_id>/decision                   R
GET    /api/v1/timebank/account                                                 V O I
GET    /api/v1/timebank/accounts/<int:person_id>                                I R A
GET    /api/v1/timebank/allocations                                             R A
POST   /api/v1/timebank/allocations                                             R A
PATCH  /api/v1/timebank/catalogue/<int:item_id>                                 I
POST   /api/v1/timebank/catalogue/<int:item_id>/approve                         R
GET    /api/v1/timebank/certificates                                            V
POST   /api/v1/timebank/certificates                                            V O I R
GET    /api/v1/timebank/certificates/<string:number>/verify                     public
POST   /api/v1/timebank/counter/presentations                                   I
POST   /api/v1/timebank/donations                                               V
POST   /api/v1/timebank/gifts                                                   V
GET    /api/v1/timebank/history                                                 V O I
GET    /api/v1/timebank/institutions/<int:org_id>/catalogue                     V O I R A
POST   /api/v1/timebank/institutions/<int:org_id>/catalogue                     I
GET    /api/v1/timebank/ledger/verify                                           R A
GET    /api/v1/timebank/members/lookup                                          R A
POST   /api/v1/timebank/pay-codes                                               V
GET    /api/v1/timebank/pool                                                    R A
GET    /api/v1/timebank/redemptions                                             V I R A
POST   /api/v1/timebank/redemptions                                             V I
GET    /api/v1/timebank/redemptions/<int:redemption_id>                         V I R A
POST   /api/v1/timebank/redemptions/<int:redemption_id>/approve                 V I
POST   /api/v1/timebank/redemptions/<int:redemption_id>/cancel                  V I
POST   /api/v1/timebank/redemptions/<int:redemption_id>/complete                I
POST   /api/v1/timebank/redemptions/<int:redemption_id>/decline                 V
GET    /api/v1/timebank/review/catalogue                                        R A
GET    /api/v1/timebank/review/redemptions                                      R A
GET    /api/v1/timebank/review/sessions                                         R A
GET    /api/v1/timebank/sessions                                                V O I R A
POST   /api/v1/timebank/sessions                                                V O I
GET    /api/v1/timebank/sessions/<int:session_id>                               V O I R A
POST   /api/v1/timebank/sessions/<int:session_id>/confirm                       V O I
POST   /api/v1/timebank/sessions/<int:session_id>/reject                        V O I
POST   /api/v1/timebank/sessions/<int:session_id>/reverse                       O R A
POST   /api/v1/timebank/sessions/<int:session_id>/review                        R A
POST   /api/v1/timebank/sessions/import                                         O I
POST   /api/v1/timebank/sessions/roster                                         O I
GET    /api/v1/timebank/stats                                                   R A
GET    /api/v1/timebank/stats/export.<string:fmt>                               R A
GET    /charity/                                                                public
GET    /charity/catalogue                                                       A
GET    /charity/catalogue/<int:item_id>                                         A
POST   /charity/catalogue/<int:item_id>                                         A
POST   /charity/catalogue/<int:item_id>/substitutes                             A
POST   /charity/catalogue/<int:item_id>/substitutes/<int:substitute_id>/remove  A
GET    /charity/catalogue/new                                                   A
POST   /charity/catalogue/new                                                   A
GET    /charity/dashboard                                                       R A
GET    /charity/dashboard/export.<string:fmt>                                   R A
POST   /charity/match                                                           O I R A
GET    /charity/mine                                                            V O I
GET    /charity/needs/<int:need_id>                                             O I R A
GET    /charity/needs/<int:need_id>/edit                                        O I
POST   /charity/needs/<int:need_id>/edit                                        O I
POST   /charity/needs/<int:need_id>/withdraw                                    O I
GET    /charity/needs/new                                                       O I
POST   /charity/needs/new                                                       O I
GET    /charity/offers/<int:offer_id>                                           V O I R A
GET    /charity/offers/<int:offer_id>/edit                                      V O I
POST   /charity/offers/<int:offer_id>/edit                                      V O I
POST   /charity/offers/<int:offer_id>/withdraw                                  V O I
GET    /charity/offers/new                                                      V O I
POST   /charity/offers/new                                                      V O I
GET    /charity/opportunities                                                   public
GET    /charity/opportunities/<int:opportunity_id>                              public
POST   /charity/opportunities/<int:opportunity_id>/signup                       V
GET    /charity/opportunities/<int:opportunity_id>/signups                      O I R A
POST   /charity/opportunities/<int:opportunity_id>/signups/on-behalf            O I
GET    /charity/opportunities/new                                               O I
POST   /charity/opportunities/new                                               O I
GET    /charity/oversight                                                       R A
GET    /charity/profile                                                         V
POST   /charity/profile                                                         V
GET    /charity/proposals                                                       V O I R A
GET    /charity/proposals/<int:proposal_id>                                     V O I R A
POST   /charity/proposals/<int:proposal_id>/abandon                             V O I
POST   /charity/proposals/<int:proposal_id>/answer                              V O I
POST   /charity/proposals/<int:proposal_id>/fulfil                              V O I
GET    /charity/runs                                                            R A
POST   /charity/signups/<int:signup_id>/attendance                              O I
POST   /charity/signups/<int:signup_id>/cancel                                  V
GET    /credit/                                                                 R
GET    /credit/entries                                                          R
GET    /credit/entries/<int:entry_id>                                           O I R
POST   /credit/entries/<int:entry_id>/cancel                                    R
POST   /credit/entries/<int:entry_id>/notify                                    R
POST   /credit/entries/<int:entry_id>/publish                                   R
POST   /credit/entries/<int:entry_id>/remove                                    R
GET    /credit/entries/<int:entry_id>/repair                                    O I
POST   /credit/entries/<int:entry_id>/repair                                    O I
POST   /credit/entries/<int:entry_id>/served                                    R
GET    /credit/entries/new                                                      R
POST   /credit/entries/new                                                      R
GET    /credit/facts                                                            R
GET    /credit/facts/import                                                     R
POST   /credit/facts/import                                                     R
GET    /credit/facts/new                                                        R
POST   /credit/facts/new                                                        R
GET    /credit/facts/template.csv                                               R
GET    /credit/inspections                                                      R
POST   /credit/inspections/conflicts                                            R
POST   /credit/inspections/draws                                                R
GET    /credit/inspections/draws/<int:draw_id>                                  R
POST   /credit/inspections/draws/<int:draw_id>                                  R
POST   /credit/inspections/draws/<int:draw_id>/cancel                           R
POST   /credit/inspections/draws/<int:draw_id>/reveal                           R
GET    /credit/inspections/inspectors                                           R
POST   /credit/inspections/inspectors                                           R
POST   /credit/inspections/inspectors/<int:user_id>/deactivate                  R
POST   /credit/inspections/inspectors/<int:user_id>/reactivate                  R
GET    /credit/inspections/subjects                                             R
POST   /credit/inspections/subjects                                             R
POST   /credit/inspections/subjects/<int:org_id>/deactivate                     R
POST   /credit/inspections/subjects/<int:org_id>/reactivate                     R
GET    /credit/mine                                                             O I
GET    /credit/objections/<int:objection_id>                                    R
POST   /credit/objections/<int:objection_id>                                    R
POST   /credit/objections/<int:objection_id>/accept                             R
GET    /credit/public/inspections                                               public
GET    /credit/public/inspections/<int:draw_id>                                 public
GET    /credit/public/inspections/<int:draw_id>/draw.json                       public
GET    /credit/public/inspections/<int:draw_id>/inspectors.csv                  public
GET    /credit/public/inspections/<int:draw_id>/recompute_draw.py               public
GET    /credit/public/inspections/<int:draw_id>/snapshot.json                   public
GET    /credit/public/inspections/<int:draw_id>/subjects.csv                    public
GET    /credit/public/lists                                                     public
GET    /credit/public/lists/<list_type>                                         public
GET    /credit/public/lists/<list_type>/export.<any(csv, xlsx):fmt>             public
GET    /credit/public/subjects/<int:org_id>                                     public
GET    /credit/repairs/<int:repair_id>                                          R
POST   /credit/repairs/<int:repair_id>                                          R
POST   /credit/scan                                                             R
GET    /credit/score/how                                                        public
GET    /credit/score/model                                                      public
GET    /credit/score/tiers                                                      R
POST   /credit/score/model/<version>/promote                                    A
GET    /credit/score/review                                                     R
GET    /credit/score/subjects/<int:org_id>                                      O I R
GET    /credit/subjects                                                         R
GET    /credit/subjects/<int:org_id>                                            O I R
GET    /credit/subjects/<int:org_id>/annual-report                              O I
POST   /credit/subjects/<int:org_id>/annual-report                              O I
GET    /credit/subjects/<int:org_id>/objection                                  O I
POST   /credit/subjects/<int:org_id>/objection                                  O I
POST   /elder-mode                                                              public
POST   /family-links/<int:link_id>/verify                                       I R A
GET    /family-links/pending                                                    I R A
GET    /healthz                                                                 public
GET    /inbox                                                                   signed-in
GET    /inbox/<int:message_id>                                                  signed-in
POST   /inbox/<int:message_id>/read                                             signed-in
GET    /inbox/addresses                                                         signed-in
POST   /inbox/addresses                                                         signed-in
POST   /language                                                                public
GET    /login                                                                   public
POST   /login                                                                   public
POST   /logout                                                                  signed-in
GET    /notices/<int:document_id>.pdf                                           signed-in
GET    /notices/public                                                          public
GET    /notices/verify/<string:number>                                          public
GET    /orgs/<int:org_id>                                                       O I R A
GET    /orgs/<int:org_id>/edit                                                  O I A
POST   /orgs/<int:org_id>/edit                                                  O I A
GET    /orgs/<int:org_id>/identity-change                                       O I A
POST   /orgs/<int:org_id>/identity-change                                       O I A
POST   /orgs/<int:org_id>/members                                               O I A
POST   /orgs/<int:org_id>/members/<int:user_id>/remove                          O I A
GET    /orgs/identity-changes                                                   R
POST   /orgs/identity-changes/<int:change_id>                                   R
GET    /orgs/mine                                                               O I
GET    /orgs/register                                                           O I
POST   /orgs/register                                                           O I
GET    /persons/in-person                                                       O I R
POST   /persons/in-person                                                       O I R
GET    /readyz                                                                  public
GET    /register                                                                public
POST   /register                                                                public
GET    /timebank/                                                               V
GET    /timebank/allocations                                                    R A
POST   /timebank/allocations                                                    R A
POST   /timebank/catalogue/<int:item_id>/approve                                R
GET    /timebank/card                                                           V
GET    /timebank/certificates                                                   V
POST   /timebank/certificates                                                   V
GET    /timebank/certificates/<string:number>.pdf                               V O I R A
GET    /timebank/confirm                                                        V O I
GET    /timebank/counter                                                        I
POST   /timebank/counter                                                        I
GET    /timebank/counter/catalogue                                              I
POST   /timebank/counter/catalogue                                              I
GET    /timebank/counter/catalogue/<int:item_id>                                I
POST   /timebank/counter/catalogue/<int:item_id>                                I
POST   /timebank/counter/catalogue/<int:item_id>/toggle                         I
GET    /timebank/counter/member/<int:person_id>                                 I
POST   /timebank/counter/member/<int:person_id>                                 I
GET    /timebank/counter/redemptions                                            I
GET    /timebank/donate                                                         V
POST   /timebank/donate                                                         V
GET    /timebank/gift                                                           V
POST   /timebank/gift                                                           V
GET    /timebank/history                                                        V
GET    /timebank/liability                                                      R A
GET    /timebank/liability/settlement.<string:fmt>                              R A
GET    /timebank/ledger                                                         R A
GET    /timebank/lookup/orgs                                                    V
GET    /timebank/lookup/people                                                  V
GET    /timebank/org/import                                                     O I
POST   /timebank/org/import                                                     O I
GET    /timebank/org/import/template.<string:fmt>                               O I
GET    /timebank/org/roster                                                     O I
POST   /timebank/org/roster                                                     O I
GET    /timebank/org/sessions                                                   O I
GET    /timebank/org/volunteers                                                 O I
GET    /timebank/pay                                                            V
POST   /timebank/pay                                                            V
GET    /timebank/redeem                                                         V
POST   /timebank/redeem                                                         V
GET    /timebank/redemptions                                                    V
GET    /timebank/redemptions/<int:redemption_id>                                V I R A
POST   /timebank/redemptions/<int:redemption_id>/approve                        V I
POST   /timebank/redemptions/<int:redemption_id>/cancel                         V I
POST   /timebank/redemptions/<int:redemption_id>/complete                       I
POST   /timebank/redemptions/<int:redemption_id>/decline                        V
GET    /timebank/redemptions/<int:redemption_id>/receipt                        V I R A
GET    /timebank/review                                                         R A
GET    /timebank/review/catalogue                                               R A
GET    /timebank/review/queue                                                   R A
GET    /timebank/review/redemptions                                             R A
GET    /timebank/sessions                                                       V
GET    /timebank/sessions/<int:session_id>                                      V O I R A
POST   /timebank/sessions/<int:session_id>/confirm                              V O I
POST   /timebank/sessions/<int:session_id>/reject                               V O I
POST   /timebank/sessions/<int:session_id>/reverse                              O R A
POST   /timebank/sessions/<int:session_id>/review                               R A
GET    /timebank/sessions/new                                                   V
POST   /timebank/sessions/new                                                   V
GET    /timebank/stats                                                          R A
GET    /timebank/stats/export.<string:fmt>                                      R A
GET    /verify                                                                  public
GET    /verify/<string:number>                                                  public
"""


def expected_roles() -> dict[tuple[str, str], frozenset[str]]:
    """``(method, rule) -> roles`` (role names, or ``public`` / ``signed-in``)."""
    table = {}
    for line in TABLE.strip().splitlines():
        method, rest = line.split(None, 1)
        rule, codes = re.split(r"\s{2,}", rest.strip(), maxsplit=1)  # a rule may hold a space
        assert (method, rule) not in table, f"listed twice: {method} {rule}"
        table[(method, rule)] = frozenset(CODES.get(code, code) for code in codes.split())
    return table


def table_line(method: str, rule: str, roles) -> str:
    """The table line for a route, in the table's notation (for a failing test to print)."""
    names = {name: code for code, name in CODES.items()}
    order = [PUBLIC, SIGNED_IN, *CODES]
    codes = sorted((names.get(r, r) for r in roles), key=lambda c: [*order, c].index(c))
    return f"{method:6} {rule}  {' '.join(codes)}"
