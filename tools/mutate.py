"""Mutation testing of the modules where a slip loses money or rights (``make mutate``).

Each module runs in a scratch copy of the committed tree (``git archive HEAD``), so the work
tree is never mutated, with mutmut (pinned in requirements-dev.txt) and only the tests that
cover it, at low priority, bounded in time. At the end it prints, per module, the mutants
killed (timeouts apart), survived, not run by any selected test ("no tests", a survivor) and
not reached in the time given, and the kill rate ((killed + timed out) / checked).

    make mutate                                   # every module, MUTATE_MINUTES each
    make mutate MUTATE_MODULES="removals lists"   # some
    TEST_DATABASE_URL=... make mutate             # the lock tests run (PostgreSQL only)

Survivors are listed (mutmut's names; ``mutmut show NAME`` in the scratch copy shows the
diff). Equivalent survivors, with the reason, are in docs/testing.md. Not part of CI.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PACKAGES = ("core", "timebank", "charity", "credit")

# name: (module file, tests that exercise it). Locks are exercised by the concurrency tests,
# which run only with TEST_DATABASE_URL (PostgreSQL); on SQLite they skip.
MODULES = {
    "ledger": ("timebank/ledger.py", ["tests/timebank/test_ledger.py",
                                      "tests/timebank/test_ledger_properties.py",
                                      "tests/timebank/test_concurrency.py"]),
    "idempotency": ("core/idempotency.py", ["tests/core/test_idempotency.py",
                                            "tests/security/test_trust_idempotency.py"]),
    "auth": ("core/auth.py", ["tests/core/test_auth.py", "tests/core/test_routes.py",
                              "tests/security/test_sessions_and_tokens.py"]),
    "sessions": ("timebank/sessions.py", ["tests/timebank/test_sessions.py",
                                          "tests/timebank/test_concurrency.py"]),
    "redemption": ("timebank/redemption.py", ["tests/timebank/test_redemption.py",
                                              "tests/timebank/test_concurrency.py"]),
    "lists": ("credit/lists/rules.py", ["tests/credit/lists/test_rules.py"]),
    "removals": ("credit/lists/removals.py", ["tests/credit/lists/test_removals.py",
                                              "tests/credit/lists/test_scan.py"]),
    "scan": ("credit/lists/scan.py", ["tests/credit/lists/test_scan.py",
                                      "tests/credit/lists/test_entries.py",
                                      "tests/credit/lists/test_removals.py"]),
    "feed": ("credit/lists/feed.py", ["tests/credit/lists/test_feed.py"]),
}

# mutmut's exit codes. A timeout counts as a kill (the mutant hangs the tests, e.g. a lock
# never released) but is shown apart: on a loaded machine a slow run can time out too.
# "no tests": none of the module's selected tests runs the mutated function; it counts as a
# survivor (nothing would notice the change).
STATUS = {1: "killed", 3: "killed", 0: "survived", None: "not reached", 36: "timeout",
          24: "timeout", -24: "timeout", 152: "timeout", 255: "timeout", 5: "no tests",
          33: "no tests"}


def scratch_copy(target: Path) -> None:
    """The committed tree (not the work tree's edits), with compiled translations."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", "HEAD"], cwd=ROOT, check=True,  # noqa: S607
                             capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    for package in PACKAGES:
        if (target / package / "translations").is_dir():
            subprocess.run([str(BIN / "pybabel"), "-q", "compile", "-f", "-d",  # noqa: S603
                            str(target / package / "translations")], check=True)


def configure(target: Path, module: str, tests: list[str]) -> None:
    package = module.split("/")[0]
    config = {
        "source_paths": [f"{package}/"],
        "only_mutate": [module],
        "also_copy": [f"{p}/" for p in PACKAGES if p != package] + ["wsgi.py", "migrations/"],
        "pytest_add_cli_args": ["-p", "no:randomly", "-n", "0", "-p", "no:cacheprovider", "-q"],
        "pytest_add_cli_args_test_selection": tests,
    }
    lines = ["", "[tool.mutmut]"] + [f"{key} = {json.dumps(value)}" for key, value in
                                     config.items()]
    with (target / "pyproject.toml").open("a") as out:
        out.write("\n".join(lines) + "\n")


def run(target: Path, minutes: float) -> None:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    # Its own process group, so the time bound stops mutmut and the test runs it forked;
    # what was checked by then is reported, the rest as not reached.
    mutmut = subprocess.Popen(["nice", "-n", "10", str(BIN / "mutmut"), "run",  # noqa: S603, S607
                               "--max-children", "1"], cwd=target, env=env,
                              start_new_session=True, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        mutmut.wait(timeout=minutes * 60)
    except subprocess.TimeoutExpired:
        os.killpg(mutmut.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            mutmut.wait(timeout=30)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(mutmut.pid, signal.SIGKILL)
        mutmut.wait()


def results(target: Path, module: str) -> tuple[Counter, list[str]]:
    meta = target / "mutants" / f"{module}.meta"
    if not meta.exists():
        return Counter(), []
    codes = json.loads(meta.read_text())["exit_code_by_key"]
    counts = Counter(STATUS.get(code, "suspicious") for code in codes.values())
    survivors = sorted(name for name, code in codes.items() if code in (0, 5, 33))
    return counts, survivors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help=" ".join(MODULES))
    parser.add_argument("--minutes", type=float,
                        default=float(os.environ.get("MUTATE_MINUTES", "20")))
    parser.add_argument("--workdir", type=Path,
                        default=Path(os.environ.get("MUTATE_DIR") or
                                     Path(tempfile.gettempdir()) / "civic-mutate"))
    args = parser.parse_args()
    chosen = args.modules or list(MODULES)
    unknown = [name for name in chosen if name not in MODULES]
    if unknown:
        parser.error(f"unknown modules {unknown}; choose from {' '.join(MODULES)}")
    database = "PostgreSQL" if os.environ.get("TEST_DATABASE_URL") else "SQLite (lock tests skip)"
    print(f"mutation testing on {database}, {args.minutes:g} minutes per module", flush=True)
    rows = []
    for name in chosen:
        module, tests = MODULES[name]
        target = args.workdir / name
        scratch_copy(target)
        configure(target, module, tests)
        run(target, args.minutes)
        counts, survivors = results(target, module)
        detected = counts["killed"] + counts["timeout"]
        checked = detected + counts["survived"] + counts["no tests"]
        rate = f"{100 * detected / checked:.0f}%" if checked else "-"
        rows.append((name, counts, rate))
        print(f"{name:12} {module:26} killed {counts['killed']:4}  timed out "
              f"{counts['timeout']:4}  survived {counts['survived']:4}  no tests "
              f"{counts['no tests']:4}  not reached {counts['not reached']:4}  kill rate {rate}",
              flush=True)
        for survivor in survivors:
            print(f"    survived: {survivor}")
    print("\nmodule        killed  timed out  survived  no tests  not reached  kill rate")
    for name, counts, rate in rows:
        print(f"{name:12} {counts['killed']:7} {counts['timeout']:10} {counts['survived']:9} "
              f"{counts['no tests']:9} {counts['not reached']:12}  {rate:>9}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
