"""The published procedure czdraw-1 (standard library only): tier shares by ratio or by a fixed
number, the same seed and snapshot always give the same draw, declared conflicts are never
broken, and the checker refuses files that were altered."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from credit.inspections import draw_v1

RATIOS = {"red": "0.3", "yellow": "0.15", "blue": "0.05", "green": "0.03"}
SIZES = {"red": 10, "yellow": 20, "blue": 100, "green": 40}


def _rules(mode="ratio", count=None, per_subject=2):
    return {"mode": mode, "count": count, "ratios": RATIOS, "inspectors_per_subject": per_subject}


def _snapshot(sizes=SIZES, inspectors=6, conflicts=(), **rules):
    subjects, n = [], 0
    for tier, size in sizes.items():
        for _ in range(size):
            n += 1
            subjects.append({"uscc": f"51320400MJ{n:07d}X", "name": f"主体{n}", "tier": tier})
    people = [{"staff_number": f"CZ-{i:04d}", "name": f"检查员{i}",
               "conflicts": sorted({u for s, u in conflicts if s == f"CZ-{i:04d}"})}
              for i in range(1, inspectors + 1)]
    return {"rules": _rules(**rules), "subjects": subjects, "inspectors": people}


def test_by_ratio_each_tier_gives_its_ratio_rounded_half_up():
    assert draw_v1.tier_counts(SIZES, _rules()) == {"red": 3, "yellow": 3, "blue": 5, "green": 1}
    assert draw_v1.tier_counts({"red": 0, "yellow": 0, "blue": 10, "green": 0},
                               _rules())["blue"] == 1  # 0.5 rounds up


def test_by_fixed_number_exactly_that_many_are_drawn_weighted_towards_risk():
    counts = draw_v1.tier_counts(SIZES, _rules("count", 24))
    assert sum(counts.values()) == 24
    # weights 3, 3, 5, 1.2 → shares 5.9, 5.9, 9.8, 2.4
    assert counts == {"red": 6, "yellow": 6, "blue": 10, "green": 2}
    assert sum(draw_v1.tier_counts(SIZES, _rules("count", 1000)).values()) == 170


def test_a_tier_smaller_than_its_share_gives_everyone_and_the_rest_goes_elsewhere():
    sizes = {"red": 2, "yellow": 0, "blue": 50, "green": 50}
    counts = draw_v1.tier_counts(sizes, _rules("count", 30))
    assert counts["red"] == 2 and sum(counts.values()) == 30


@settings(max_examples=80, deadline=None)
@given(sizes=st.fixed_dictionaries({t: st.integers(0, 40) for t in draw_v1.TIERS}),
       count=st.integers(1, 200))
def test_a_fixed_number_is_always_met_when_the_directory_has_enough(sizes, count):
    counts = draw_v1.tier_counts(sizes, _rules("count", count))
    assert sum(counts.values()) == min(count, sum(sizes.values()))
    assert all(0 <= counts[t] <= sizes[t] for t in draw_v1.TIERS)


def test_the_same_seed_and_snapshot_give_the_same_draw_and_another_seed_does_not():
    snapshot = _snapshot()
    first = draw_v1.draw("a" * 64, snapshot)
    assert draw_v1.draw("a" * 64, json.loads(json.dumps(snapshot))) == first
    assert draw_v1.draw("b" * 64, snapshot) != first
    shuffled = dict(snapshot, subjects=snapshot["subjects"][::-1],
                    inspectors=snapshot["inspectors"][::-1])
    assert draw_v1.draw("a" * 64, shuffled) == first  # the listing order does not matter


@settings(max_examples=60, deadline=None)
@given(seed=st.text(min_size=1, max_size=20), conflicts=st.lists(
    st.tuples(st.integers(1, 6), st.integers(1, 170)), max_size=60))
def test_no_inspector_is_ever_sent_to_a_subject_they_declared_a_conflict_with(seed, conflicts):
    declared = [(f"CZ-{i:04d}", f"51320400MJ{s:07d}X") for i, s in conflicts]
    snapshot = _snapshot(conflicts=declared)
    for item in draw_v1.draw(seed, snapshot):
        assert len(item["inspectors"]) == 2 == len(set(item["inspectors"]))
        assert not {(i, item["uscc"]) for i in item["inspectors"]} & set(declared)


def test_work_is_spread_as_evenly_as_possible():
    result = draw_v1.draw("even", _snapshot())
    load = {}
    for item in result:
        for staff in item["inspectors"]:
            load[staff] = load.get(staff, 0) + 1
    assert max(load.values()) - min(load.values()) <= 1


def _files(secret="s3cret"):
    snapshot = _snapshot(sizes={"red": 2, "yellow": 3, "blue": 10, "green": 5},
                         mode="count", count=4)
    snapshot["commitment"] = draw_v1.sha256(secret)
    snapshot_bytes = json.dumps(snapshot, ensure_ascii=False).encode()
    snapshot_hash = draw_v1.sha256(snapshot_bytes)
    seed = draw_v1.seed_for(secret, snapshot_hash)
    record = {"algorithm": draw_v1.VERSION, "commitment": snapshot["commitment"],
              "snapshot_sha256": snapshot_hash, "secret": secret, "seed": seed,
              "result": draw_v1.draw(seed, snapshot)}
    return record, snapshot_bytes


def test_the_checker_accepts_honest_files_and_names_each_check():
    record, snapshot = _files()
    status, lines = draw_v1.check(json.dumps(record).encode(), snapshot)
    assert status == 0 and len(lines) == 5 and all(line.startswith("✓") for line in lines)


def test_the_checker_refuses_a_changed_result_secret_or_snapshot():
    record, snapshot = _files()
    swapped = dict(record, result=record["result"][::-1])
    assert draw_v1.check(json.dumps(swapped).encode(), snapshot)[0] == 1
    other = dict(record, secret="another")
    assert draw_v1.check(json.dumps(other).encode(), snapshot)[0] == 1
    edited = snapshot.replace("主体1".encode(), "主体X".encode())
    assert draw_v1.check(json.dumps(record).encode(), edited)[0] == 1
    unrevealed = dict(record, secret=None)
    assert draw_v1.check(json.dumps(unrevealed).encode(), snapshot)[0] == 2
    assert draw_v1.check(b"not json", snapshot)[0] == 2
