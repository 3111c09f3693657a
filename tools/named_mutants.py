"""Apply each hand-written mutant named in issue 11, run the tests meant to kill it, revert.

    .venv/bin/python tools/named_mutants.py            # all mutants (PostgreSQL ones skip
    TEST_DATABASE_URL=... .venv/bin/python tools/named_mutants.py   # without a database URL)
    .venv/bin/python tools/named_mutants.py idem-path auth-inactive   # only these

Each mutant is a one-place source edit. "killed" means the named tests fail with the edit and
pass without it (the unmutated run comes first). The source file is restored whatever happens.
Not part of CI: it runs pytest once per mutant.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONC = "tests/timebank/test_concurrency.py::"
IDEM = "tests/core/test_errors_and_idempotency.py::"
AUTH = "tests/core/test_auth.py::"
REMOVALS = "tests/credit/lists/test_removals.py::"
RULES = "tests/credit/lists/test_rules.py::"
ROUTES = "tests/core/test_routes.py::"
TALLIES = "tests/credit/test_tallies.py::"
BOARD = "tests/charity/test_board_index.py::"


@dataclass(frozen=True)
class Mutant:
    name: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]
    postgres: bool = False
    equivalent: str = ""  # why no test can kill it (expected to survive)


REDEEM_RACE = (CONC + "test_redemptions_racing_for_the_whole_balance_never_overdraw",
               CONC + "test_exactly_the_affordable_number_of_redemptions_succeed_and_post")
HOLD_RACE = (CONC + "test_a_hold_posted_and_voided_at_once_is_settled_once",)

MUTANTS = [
    Mutant("ledger-accounts-no-for-update", "timebank/ledger.py",
           "        for_update(sa.select(LedgerAccount).where(LedgerAccount.id.in_(wanted))\n"
           "                   .order_by(LedgerAccount.id))",
           "        (sa.select(LedgerAccount).where(LedgerAccount.id.in_(wanted))\n"
           "                   .order_by(LedgerAccount.id))", REDEEM_RACE, postgres=True),
    Mutant("ledger-accounts-no-populate-existing", "timebank/ledger.py",
           "                   .order_by(LedgerAccount.id))\n"
           "        .execution_options(populate_existing=True)",
           "                   .order_by(LedgerAccount.id))", REDEEM_RACE, postgres=True),
    Mutant("ledger-hold-no-for-update", "timebank/ledger.py",
           "        for_update(sa.select(Hold).where(Hold.id == hold_id))",
           "        (sa.select(Hold).where(Hold.id == hold_id))", HOLD_RACE, postgres=True,
           equivalent="_settle locks the hold's account (FOR UPDATE) before it reads the hold, "
                      "and every change of a hold goes through _settle: the account lock "
                      "already serializes them"),
    Mutant("ledger-hold-no-populate-existing", "timebank/ledger.py",
           "        for_update(sa.select(Hold).where(Hold.id == hold_id))\n"
           "        .execution_options(populate_existing=True)",
           "        for_update(sa.select(Hold).where(Hold.id == hold_id))", HOLD_RACE,
           postgres=True),
    Mutant("sessions-no-volunteer-lock", "timebank/sessions.py",
           '    advisory_lock(f"timebank.volunteer:{volunteer.id}")',
           "    pass",
           (CONC + "test_the_same_session_logged_at_once_from_several_phones_is_recorded_once",
            CONC + "test_sessions_logged_at_once_never_pass_the_daily_cap"), postgres=True),
    Mutant("idem-hash-without-method-path", "core/idempotency.py",
           '    digest.update(f"{request.method} {request.path}\\n".encode())\n',
           "", (IDEM + "test_a_key_reused_on_another_path_is_409_not_a_replay",)),
    Mutant("idem-no-key-length-limit", "core/idempotency.py",
           "    if len(key) > 200:", "    if False:",
           (IDEM + "test_a_key_over_200_characters_is_refused_before_anything_happens",)),
    Mutant("idem-key-limit-off-by-one", "core/idempotency.py",
           "    if len(key) > 200:", "    if len(key) >= 200:",
           (IDEM + "test_a_key_over_200_characters_is_refused_before_anything_happens",)),
    Mutant("idem-no-stored-after-conflict", "core/idempotency.py",
           "    return replay(record) if record is not None else None",
           "    return None",
           (IDEM + "test_a_twin_that_committed_first_is_replayed_instead_of_failing",
            IDEM + "test_two_requests_with_one_key_at_once_register_one_person"),
           postgres=True),
    Mutant("idem-repeat-does-not-wait", "core/idempotency.py",
           '    advisory_lock(f"idempotency:{current_user.id}:{key}")\n', "",
           (IDEM + "test_two_requests_with_one_key_at_once_register_one_person",),
           postgres=True),
    Mutant("auth-token-of-inactive-user", "core/auth.py",
           "not row.is_usable(now, max_days) or not row.user.active:",
           "not row.is_usable(now, max_days):",
           (AUTH + "test_a_deactivated_users_token_is_refused_by_the_token_loader_itself",)),
    Mutant("auth-undeclared-route-open", "core/auth.py",
           "    if allowed is None:\n"
           '        log.error("route %s declares no roles; refusing", request.endpoint)\n'
           "        raise Forbidden()",
           "    if allowed is None:\n        return None",
           (AUTH + "test_a_route_that_declares_no_roles_is_refused_to_everyone",)),
    Mutant("auth-token-expiry-inclusive", "core/accounts/models.py",
           "return self.expires_at is None or self.expires_at > now",
           "return self.expires_at is None or self.expires_at >= now",
           (AUTH + "test_a_token_works_until_its_expiry_and_not_a_second_after",)),
    Mutant("auth-token-expiry-ignored", "core/accounts/models.py",
           "return self.expires_at is None or self.expires_at > now",
           "return True",
           (AUTH + "test_a_token_works_until_its_expiry_and_not_a_second_after",)),
    Mutant("removals-daily-filter-inverted", "credit/lists/removals.py",
           "    if not yearly:\n        failures = [", "    if yearly:\n        failures = [",
           (REMOVALS + "test_a_missing_annual_report_removes_a_red_entry_at_the_yearly_review"
            "_not_the_daily_scan",
            REMOVALS + "test_a_lower_score_band_removes_a_red_entry_at_the_yearly_review_not"
            "_the_daily_scan")),
    Mutant("removals-daily-filter-dropped", "credit/lists/removals.py",
           "    if not yearly:\n        failures = [", "    if False:\n        failures = [",
           (REMOVALS + "test_a_missing_annual_report_removes_a_red_entry_at_the_yearly_review"
            "_not_the_daily_scan",
            REMOVALS + "test_a_lower_score_band_removes_a_red_entry_at_the_yearly_review_not"
            "_the_daily_scan")),
    Mutant("lists-grade-last-day-failures", "credit/lists/rules.py",
           'grades = [f for f in subject.of("grade") if f.valid_until and f.valid_until >= today]',
           'grades = [f for f in subject.of("grade") if f.valid_until and f.valid_until > today]',
           (RULES + "test_a_grade_counts_for_the_red_list_through_its_last_valid_day",)),
    Mutant("lists-grade-last-day-proposal", "credit/lists/rules.py",
           'grade = max((f for f in subject.of("grade") if f.valid_until and f.valid_until >= '
           "today),",
           'grade = max((f for f in subject.of("grade") if f.valid_until and f.valid_until > '
           "today),",
           (RULES + "test_a_grade_counts_for_the_red_list_through_its_last_valid_day",)),
    # Item 3: the route x role walk reads its oracle from tests/core/route_roles.py, so a bug
    # in the function that reads the declarations, or a widened declaration, shows.
    Mutant("auth-endpoint-roles-any-signed-in", "core/auth.py",
           "    return declared_roles(view, method) if view is not None else None",
           "    return frozenset({AUTHENTICATED}) if view is not None else None",
           (ROUTES + "test_routes_refuse_undeclared_roles[volunteer]",)),
    Mutant("roles-admin-users-widened", "core/admin/views.py",
           '@bp.route("/users", methods=["GET", "POST"])\n@roles(Role.ADMIN)',
           '@bp.route("/users", methods=["GET", "POST"])\n@roles(Role.ADMIN, Role.REGULATOR)',
           (ROUTES + "test_the_declared_roles_are_the_expected_ones",
            ROUTES + "test_routes_refuse_undeclared_roles[regulator]")),
    # Issue 16 item 2: the dashboard's kept counts, the board's partial index.
    Mutant("tallies-not-moved-by-transitions", "credit/lists/entries.py",
           "    tallies.entry_moved(entry, before)  # the dashboard's counts, in this transaction\n",
           "", (TALLIES + "test_the_kept_counts_equal_a_recount_after_a_realistic_history",)),
    Mutant("tallies-read-then-write", "credit/lists/tallies.py",
           "    dialect = db.session.get_bind().dialect.name\n",
           "    for row in rows:\n"
           "        key = {k: row[k] for k in keys}\n"
           "        have = db.session.execute(sa.select(model.n).filter_by(**key)).scalar()\n"
           "        if have is None:\n"
           "            db.session.execute(sa.insert(model).values(**row))\n"
           "        else:\n"
           "            db.session.execute(sa.update(model).filter_by(**key)"
           ".values(n=have + row['n']))\n"
           "    return\n"
           "    dialect = db.session.get_bind().dialect.name\n",
           (TALLIES + "test_transactions_moving_the_same_counter_together_lose_no_step",),
           postgres=True),
    Mutant("tallies-written-as-taken", "credit/lists/tallies.py",
           "    session = db.session()\n"
           "    where = session.get_nested_transaction() or session.get_transaction()\n",
           "    _bump_states(states)\n    _bump_months(months)\n    return\n"
           "    session = db.session()\n"
           "    where = session.get_nested_transaction() or session.get_transaction()\n",
           (TALLIES + "test_two_transactions_moving_counters_in_opposite_orders_both_commit",),
           postgres=True),
    Mutant("board-statuses-bound", "charity/posting.py",
           "sa.select(Need).where(Need.is_on_board(), ",
           'sa.select(Need).where(Need.status.in_(["open", "partly_matched"]), ',
           (BOARD + "test_a_board_page_reads_the_open_needs_index_in_order",), postgres=True),
]


def run_tests(tests: tuple[str, ...]) -> bool:
    command = [str(Path(sys.executable).parent / "pytest"), "-q", "-n", "0", "-x", "-p", "no:randomly",
               "-p", "no:cacheprovider", *tests]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)  # noqa: S603
    return done.returncode == 0


def check(mutant: Mutant) -> str:
    if mutant.postgres and not os.environ.get("TEST_DATABASE_URL"):
        return "skipped (needs TEST_DATABASE_URL)"
    source = ROOT / mutant.path
    original = source.read_text()
    if original.count(mutant.old) != 1:
        return "NOT APPLIED (source moved: update the mutant)"
    if not run_tests(mutant.tests):
        return "TESTS FAIL UNMUTATED"
    try:
        source.write_text(original.replace(mutant.old, mutant.new))
        survived = run_tests(mutant.tests)
    finally:
        source.write_text(original)
    if mutant.equivalent:
        return "equivalent (survived)" if survived else "killed (equivalent?)"
    return "SURVIVED" if survived else "killed"


def main(names: list[str]) -> int:
    chosen = [m for m in MUTANTS if not names or m.name in names]
    bad = 0
    for mutant in chosen:
        result = check(mutant)
        bad += not result.startswith(("killed", "skipped", "equivalent"))
        tests = ", ".join(t.split("::")[-1] for t in mutant.tests)
        print(f"{mutant.name:40} {result:12} {tests}", flush=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
