"""Tests for charity.matching (the exact charity matcher) and charity.districts (distance table)."""

from __future__ import annotations

import logging
import math
import random
from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from charity.districts import DISTRICT_CENTRES, DISTRICT_KM, DISTRICTS, INTRA_DISTRICT_KM
from charity.matching import (
    URGENCY_WEIGHTS,
    Allocation,
    MatchParams,
    NeedSpec,
    OfferSpec,
    allocate,
    build_candidates,
    need_weight,
    objective,
)

T0 = datetime(2025, 3, 1, 9, 0)
T1 = T0 + timedelta(days=14)
# A point in 天宁区 and points due north of it at known distances (1° lat ≈ 111.195 km).
HOME = (31.7796, 119.9740)
KM_PER_DEG_LAT = 6371.0088 * math.pi / 180


def north(km: float) -> tuple[float, float]:
    return HOME[0] + km / KM_PER_DEG_LAT, HOME[1]


def need(nid, item="大米", qty=10, urgency=2, district="天宁区", at=HOME, **kw) -> NeedSpec:
    lat, lon = at if at is not None else (None, None)
    kw.setdefault("available_from", T0)
    kw.setdefault("deadline", T1)
    return NeedSpec(id=nid, item=item, quantity=qty, urgency=urgency, district=district,
                    lat=lat, lon=lon, **kw)


def offer(oid, item="大米", qty=10, district="天宁区", at=HOME, **kw) -> OfferSpec:
    lat, lon = at if at is not None else (None, None)
    kw.setdefault("available_from", T0)
    kw.setdefault("available_until", T1)
    return OfferSpec(id=oid, item=item, quantity=qty, district=district, lat=lat, lon=lon, **kw)


def pairs(allocs: list[Allocation]) -> dict[tuple, int]:
    return {(a.need_id, a.offer_id): a.quantity for a in allocs}


# --- compatibility ------------------------------------------------------------------------


def test_same_item_is_matched_and_other_items_are_not():
    allocs = allocate([need(1, item="大米")], [offer("a", item="大米"), offer("b", item="棉被")])
    assert pairs(allocs) == {(1, "a"): 10}
    assert allocs[0].explanation["item"] == "same"


def test_declared_substitute_is_matched_and_labelled():
    n = need(1, item="大米", substitutes={"面条"})
    allocs = allocate([n], [offer("a", item="面条")])
    assert pairs(allocs) == {(1, "a"): 10}
    assert allocs[0].explanation["item"] == "substitute"
    assert allocs[0].explanation["offer_item"] == "面条"


def test_substitutes_are_one_way():
    # A need for noodles that accepts rice does not make a rice need accept noodles.
    assert allocate([need(1, item="大米")], [offer("a", item="面条")]) == []


def test_substitute_competes_with_same_item_on_distance():
    # Substitutes are full substitutes: the nearer one wins whatever its item.
    n = need(1, item="大米", qty=5, substitutes={"面条"})
    allocs = allocate([n], [offer("rice", item="大米", at=north(8)),
                            offer("noodles", item="面条", at=north(2))])
    assert pairs(allocs) == {(1, "noodles"): 5}


@pytest.mark.parametrize(
    ("offer_from", "offer_until", "matched"),
    [
        (T1, T1 + timedelta(days=3), True),  # offer starts exactly at the deadline
        (T0 - timedelta(days=3), T0, True),  # offer ends exactly when the need opens
        (T1 + timedelta(microseconds=1), T1 + timedelta(days=3), False),  # starts too late
        (T0 - timedelta(days=3), T0 - timedelta(microseconds=1), False),  # ended too early
        (T0 - timedelta(days=1), T1 + timedelta(days=1), True),  # covers the whole window
    ],
)
def test_time_windows_must_overlap_inclusively(offer_from, offer_until, matched):
    o = offer("a", available_from=offer_from, available_until=offer_until)
    assert bool(allocate([need(1)], [o])) is matched


def test_timezone_aware_windows_compare_across_zones():
    beijing = timezone(timedelta(hours=8))
    n = need(1, available_from=datetime(2025, 3, 1, tzinfo=UTC),
             deadline=datetime(2025, 3, 10, tzinfo=UTC))
    # 08:00 in Beijing is exactly the 00:00 UTC deadline: still in time. 08:01 is not.
    on_time = datetime(2025, 3, 10, 8, 0, tzinfo=beijing)
    late = on_time + timedelta(minutes=1)
    assert allocate([n], [offer("a", available_from=on_time, available_until=on_time + DAY)])
    assert not allocate([n], [offer("a", available_from=late, available_until=late + DAY)])


def test_mixing_naive_and_aware_datetimes_is_rejected():
    n = need(1, available_from=datetime(2025, 3, 1, tzinfo=UTC),
             deadline=datetime(2025, 3, 9, tzinfo=UTC))
    with pytest.raises(ValueError, match="timezone"):
        allocate([n], [offer("a")])


def test_max_km_prunes_far_offers():
    far = offer("far", at=north(12))
    assert allocate([need(1)], [far], MatchParams(max_km=10)) == []
    assert pairs(allocate([need(1)], [far], MatchParams(max_km=None))) == {(1, "far"): 10}


def test_max_km_boundary_is_inclusive():
    # Without coordinates 天宁区 ↔ 钟楼区 is exactly the table's 7.2 km.
    n = need(1, at=None)
    o = offer("a", district="钟楼区", at=None)
    assert allocate([n], [o], MatchParams(max_km=7.2))
    assert not allocate([n], [o], MatchParams(max_km=7.1))


def test_nearest_k_limits_candidates_per_need():
    offers = [offer(f"o{k}", at=north(k + 1)) for k in range(5)]
    cands = build_candidates([need(1), need(2)], offers, MatchParams(nearest_k=2))
    assert len(cands) == 4
    kept = {cands.offers[i].id for i in cands.offer_idx}
    assert kept == {"o0", "o1"}  # the two nearest for both needs
    assert sorted(cands.rank.tolist()) == [1, 1, 2, 2]


def test_nearest_k_pruning_can_leave_need_short_but_k_none_does_not():
    offers = [offer(f"o{k}", qty=10, at=north(k + 1)) for k in range(3)]
    n = need(1, qty=30)
    pruned = allocate([n], offers, MatchParams(nearest_k=2))
    full = allocate([n], offers, MatchParams(nearest_k=None))
    assert sum(a.quantity for a in pruned) == 20
    assert pairs(full) == {(1, "o0"): 10, (1, "o1"): 10, (1, "o2"): 10}


def test_equal_distance_ties_go_to_the_lower_offer_id():
    # Both offers only give a district, so both are exactly 3 km away.
    offers = [offer("b", at=None), offer("a", at=None)]
    allocs = allocate([need(1, qty=5, at=None)], offers, MatchParams(nearest_k=1))
    assert pairs(allocs) == {(1, "a"): 5}


# --- district table fallback --------------------------------------------------------------


def test_district_table_used_when_a_side_has_no_coordinates():
    allocs = allocate([need(1, district="溧阳市", at=None)], [offer("a", district="天宁区")])
    assert allocs[0].distance_km == pytest.approx(DISTRICT_KM["溧阳市"]["天宁区"])
    assert allocs[0].explanation["distance_source"] == "district table"


def test_same_district_without_coordinates_uses_intra_district_default():
    allocs = allocate([need(1, district="武进区", at=None)],
                      [offer("a", district="武进区", at=None)])
    assert allocs[0].distance_km == INTRA_DISTRICT_KM


def test_coordinates_win_over_district_when_both_sides_have_them():
    allocs = allocate([need(1, district="天宁区")], [offer("a", district="溧阳市", at=north(5))])
    assert allocs[0].distance_km == pytest.approx(5.0, abs=1e-6)
    assert allocs[0].explanation["distance_source"] == "coordinates"


def test_custom_district_table_can_be_a_triangle():
    table = {"甲": {"甲": 1.0, "乙": 4.0}, "乙": {"乙": 1.0}}
    allocs = allocate([need(1, district="乙", at=None)], [offer("a", district="甲", at=None)],
                      MatchParams(district_km=table))
    assert allocs[0].distance_km == 4.0


def test_unknown_district_is_an_error_not_a_silent_skip():
    with pytest.raises(ValueError, match="not in the distance table"):
        allocate([need(1, district="苏州市")], [offer("a")])


def test_unusable_custom_table_entry_is_rejected():
    table = {"甲": {"甲": 1.0, "乙": float("nan")}, "乙": {"乙": 1.0}}
    with pytest.raises(ValueError, match="no usable entry"):
        allocate([need(1, district="乙", at=None)], [offer("a", district="甲", at=None)],
                 MatchParams(district_km=table))


def test_district_table_matches_great_circle_between_centres():
    assert set(DISTRICTS) == set(DISTRICT_KM) == set(DISTRICT_CENTRES)
    assert len(DISTRICTS) == 7
    for a in DISTRICTS:
        assert DISTRICT_KM[a][a] == INTRA_DISTRICT_KM
        for b in DISTRICTS:
            assert DISTRICT_KM[a][b] == DISTRICT_KM[b][a]
            if a != b:
                expected = haversine(*DISTRICT_CENTRES[a], *DISTRICT_CENTRES[b])
                assert DISTRICT_KM[a][b] == pytest.approx(expected, abs=0.051)


# --- priority and quantities --------------------------------------------------------------


def test_scarce_offer_goes_to_most_urgent_need_even_if_farther():
    urgent_far = need("urgent", qty=5, urgency=4, district="溧阳市", at=None)
    calm_near = need("calm", qty=5, urgency=1)
    allocs = allocate([urgent_far, calm_near], [offer("a", qty=5)])
    assert pairs(allocs) == {("urgent", "a"): 5}


def test_among_equal_urgency_the_nearest_need_wins():
    near, far = need("near", qty=5, at=north(1)), need("far", qty=5, at=north(9))
    assert pairs(allocate([far, near], [offer("a", qty=5)])) == {("near", "a"): 5}


def test_weight_is_never_traded_for_distance():
    # One urgency-2 unit (weight 2) beats one urgency-1 unit however much distance it costs.
    needs = [need("u2", qty=1, urgency=2, district="溧阳市", at=None), need("u1", qty=1, urgency=1)]
    allocs = allocate(needs, [offer("a", qty=1)])
    assert pairs(allocs) == {("u2", "a"): 1}


def test_reroutes_to_serve_more_urgent_demand():
    # Nearest-first would hand "near" to the calm need and strand the urgent one, which only
    # "near" can reach within max_km; the optimum sends "far" to the calm need instead.
    needs = [need("calm", qty=5, urgency=1, at=north(0)),
             need("urgent", qty=5, urgency=4, at=north(-30))]
    offers = [offer("near", qty=5, at=north(-0.5)), offer("far", qty=5, at=north(1))]
    allocs = allocate(needs, offers, MatchParams(max_km=30))
    assert pairs(allocs) == {("calm", "far"): 5, ("urgent", "near"): 5}


def test_partial_quantities_and_fill_reporting():
    allocs = allocate([need(1, qty=10)], [offer("a", qty=4)])
    assert pairs(allocs) == {(1, "a"): 4}
    assert allocs[0].explanation["need_filled"] == 4
    assert allocs[0].explanation["fully_met"] is False


def test_offer_is_never_over_given_and_need_never_over_filled():
    needs = [need(k, qty=7, urgency=1 + k % 4) for k in range(4)]
    offers = [offer(f"o{k}", qty=5, at=north(k)) for k in range(3)]
    allocs = allocate(needs, offers)
    given = {o.id: 0 for o in offers}
    got = {n.id: 0 for n in needs}
    for a in allocs:
        given[a.offer_id] += a.quantity
        got[a.need_id] += a.quantity
    assert given == {"o0": 5, "o1": 5, "o2": 5}  # every unit placed, none invented
    assert all(got[n.id] <= n.quantity for n in needs)
    assert got[3] == 7 and got[2] == 7  # the two most urgent needs are filled first


def test_empty_inputs_give_empty_allocations():
    assert allocate([], []) == []
    assert allocate([need(1)], []) == []
    assert allocate([], [offer("a")]) == []


def test_need_without_compatible_offer_gets_nothing_and_does_not_disturb_others():
    allocs = allocate([need(1, item="轮椅"), need(2)], [offer("a")])
    assert pairs(allocs) == {(2, "a"): 10}


def test_expired_parties_are_ignored_when_now_is_given():
    old = offer("old", available_until=T0 + timedelta(days=1))
    fresh = offer("fresh", at=north(20))
    params = MatchParams(now=T0 + timedelta(days=2), max_km=None)
    assert pairs(allocate([need(1)], [old, fresh], params)) == {(1, "fresh"): 10}


def test_output_sorted_by_need_then_offer_with_mixed_id_types():
    needs = [need("n-b", qty=3), need(7, qty=3), need("n-a", qty=3)]
    offers = [offer("z", qty=3), offer(2, qty=3), offer("y", qty=3)]
    allocs = allocate(needs, offers)
    keys = [(a.need_id, a.offer_id) for a in allocs]
    assert [k[0] for k in keys] == [7, "n-a", "n-b"]
    assert len(allocs) == 3


# --- validation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("factory", "error"),
    [
        (lambda: need(1, qty=0), ValueError),
        (lambda: need(1, qty=2.5), ValueError),
        (lambda: need(1, urgency=5), ValueError),
        (lambda: need(1, urgency=True), ValueError),
        (lambda: need(1, at=(31.7, None)), ValueError),
        (lambda: need(1, substitutes="面条"), TypeError),
        (lambda: need(1, available_from=T1, deadline=T0), ValueError),
        (lambda: offer("a", qty=-1), ValueError),
        (lambda: MatchParams(nearest_k=0), ValueError),
        (lambda: MatchParams(max_km=-1), ValueError),
    ],
)
def test_bad_input_is_rejected_at_construction(factory, error):
    with pytest.raises(error):
        factory()


def test_duplicate_ids_are_rejected():
    with pytest.raises(ValueError, match="duplicate need id"):
        allocate([need(1), need(1)], [offer("a")])


def test_overflowing_resolution_is_coarsened_but_urgency_stays_exact(caplog):
    # Quantities this large force the big-M to exceed int64 at 1 m resolution.
    huge = 10**14
    needs = [need("urgent", qty=huge, urgency=4, district="溧阳市", at=None),
             need("calm", qty=huge, urgency=1)]
    with caplog.at_level(logging.WARNING, logger="charity.matching"):
        allocs = allocate(needs, [offer("a", qty=huge)])
    assert pairs(allocs) == {("urgent", "a"): huge}
    assert "overflows int64" in caplog.text


# --- explanation and objective ------------------------------------------------------------


def test_explanation_for_a_known_case():
    n = need(1, item="大米", qty=8, urgency=3, district="新北区", at=None, substitutes={"面条"})
    o = offer("a", item="面条", qty=5, district="钟楼区", at=None)
    [alloc] = allocate([n], [o])
    assert alloc == Allocation(need_id=1, offer_id="a", quantity=5, distance_km=7.3,
                               explanation=alloc.explanation)
    assert alloc.explanation == {
        "item": "substitute",
        "need_item": "大米",
        "offer_item": "面条",
        "distance_km": 7.3,
        "distance_source": "district table",
        "need_district": "新北区",
        "offer_district": "钟楼区",
        "candidate_rank": 1,
        "urgency": 3,
        "weight": 4,
        "deadline": T1.isoformat(),
        "deadline_soon": None,
        "offer_available_until": T1.isoformat(),
        "need_quantity": 8,
        "need_filled": 5,
        "fully_met": False,
    }


def test_objective_sums_weight_and_distance():
    needs = [need(1, urgency=4), need(2, urgency=1)]
    allocs = [Allocation(1, "a", 3, 2.0), Allocation(2, "b", 5, 1.5)]
    assert objective(allocs, needs) == (3 * 8 + 5 * 1, 3 * 2.0 + 5 * 1.5)


# --- property-based: optimality against an independent MILP -------------------------------


def haversine(lat1, lon1, lat2, lon2) -> float:
    """Independent scalar great-circle distance (not the module's vectorised one)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def ref_distance(n: NeedSpec, o: OfferSpec) -> float:
    if n.lat is not None and o.lat is not None:
        return haversine(n.lat, n.lon, o.lat, o.lon)
    return DISTRICT_KM[n.district][o.district]


def ref_pairs(needs, offers, max_km):
    out = []
    for j, n in enumerate(needs):
        for i, o in enumerate(offers):
            if o.item != n.item and o.item not in n.substitutes:
                continue
            if o.available_from > n.deadline or o.available_until < n.available_from:
                continue
            d = ref_distance(n, o)
            if max_km is None or d <= max_km:
                out.append((j, i, d))
    return out


def milp_lexicographic(needs, offers, max_km, weight=None, excluded=frozenset()
                       ) -> tuple[int, float]:
    """Transportation problem solved with HiGHS: max Σ w·x, then min Σ d·x at that optimum."""
    arcs = [(j, i, d) for j, i, d in ref_pairs(needs, offers, max_km)
            if (needs[j].id, offers[i].id) not in excluded]
    if not arcs:
        return 0, 0.0
    m = len(arcs)
    rows = np.zeros((len(needs) + len(offers), m))
    for k, (j, i, _) in enumerate(arcs):
        rows[j, k] = 1
        rows[len(needs) + i, k] = 1
    cap = [n.quantity for n in needs] + [o.quantity for o in offers]
    supply_demand = LinearConstraint(rows, -np.inf, cap)
    weight = weight or (lambda n: URGENCY_WEIGHTS[n.urgency])
    w = np.array([weight(needs[j]) for j, _, _ in arcs], dtype=float)
    d = np.array([dist for _, _, dist in arcs])
    kw = {"integrality": np.ones(m), "bounds": Bounds(0, np.inf)}
    first = milp(-w, constraints=[supply_demand], **kw)
    assert first.success
    best_w = round(-first.fun)
    keep_w = LinearConstraint(w.reshape(1, -1), best_w - 0.5, np.inf)
    second = milp(d, constraints=[supply_demand, keep_w], **kw)
    assert second.success
    return best_w, float(second.fun)


ITEMS = ["大米", "食用油", "棉被"]
DAY = timedelta(days=1)


@st.composite
def parties(draw, kind: str, n: int):
    out = []
    for k in range(n):
        district = draw(st.sampled_from(DISTRICTS))
        coords = draw(st.none() | st.tuples(st.floats(31.40, 32.00), st.floats(119.40, 120.20)))
        lat, lon = coords if coords else (None, None)
        start = T0 + draw(st.integers(0, 10)) * DAY
        end = start + draw(st.integers(0, 6)) * DAY
        common = {"id": k, "item": draw(st.sampled_from(ITEMS)), "district": district,
                  "quantity": draw(st.integers(1, 12)), "lat": lat, "lon": lon,
                  "available_from": start}
        if kind == "need":
            subs = draw(st.frozensets(st.sampled_from(ITEMS), max_size=2))
            out.append(NeedSpec(**common, urgency=draw(st.integers(1, 4)), deadline=end,
                                substitutes=subs))
        else:
            out.append(OfferSpec(**common, available_until=end))
    return out


@st.composite
def instances(draw):
    needs = draw(parties("need", draw(st.integers(0, 6))))
    offers = draw(parties("offer", draw(st.integers(0, 6))))
    max_km = draw(st.none() | st.sampled_from([5.0, 15.0, 40.0]))
    return needs, offers, max_km


def assert_feasible(allocs, needs, offers):
    given = {o.id: 0 for o in offers}
    got = {n.id: 0 for n in needs}
    for a in allocs:
        assert a.quantity > 0
        given[a.offer_id] += a.quantity
        got[a.need_id] += a.quantity
    assert all(given[o.id] <= o.quantity for o in offers), "an offer gave more than it has"
    assert all(got[n.id] <= n.quantity for n in needs), "a need got more than it asked"


PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(instances())
def test_allocation_is_lexicographically_optimal(instance):
    needs, offers, max_km = instance
    allocs = allocate(needs, offers, MatchParams(max_km=max_km, nearest_k=None))
    assert_feasible(allocs, needs, offers)
    # Every allocated pair is genuinely compatible and its distance is the reference one.
    ref = {(needs[j].id, offers[i].id): d for j, i, d in ref_pairs(needs, offers, max_km)}
    for a in allocs:
        assert a.distance_km == pytest.approx(ref[(a.need_id, a.offer_id)], abs=1e-9)
    weighted, distance = objective(allocs, needs)
    best_w, best_d = milp_lexicographic(needs, offers, max_km)
    assert weighted == best_w
    # Costs use whole metres: each unit's distance is off by ≤ 0.5 m on either side.
    tol = 0.001 * sum(n.quantity for n in needs) + 1e-6
    assert distance == pytest.approx(best_d, abs=tol)


@PROPERTY
@given(instances(), st.randoms(use_true_random=False))
def test_result_does_not_depend_on_input_order(instance, rnd: random.Random):
    needs, offers, max_km = instance
    params = MatchParams(max_km=max_km, nearest_k=None)
    shuffled_needs, shuffled_offers = list(needs), list(offers)
    rnd.shuffle(shuffled_needs)
    rnd.shuffle(shuffled_offers)
    assert allocate(needs, offers, params) == allocate(shuffled_needs, shuffled_offers, params)


@settings(max_examples=60, deadline=None)
@given(instances(), st.integers(1, 3))
def test_nearest_k_only_ever_uses_the_k_nearest(instance, k):
    needs, offers, max_km = instance
    allocs = allocate(needs, offers, MatchParams(max_km=max_km, nearest_k=k))
    assert_feasible(allocs, needs, offers)
    assert all(1 <= a.explanation["candidate_rank"] <= k for a in allocs)


# --- exclusions and deadline weighting ------------------------------------------------------


def test_excluded_pair_is_routed_around_not_left_idle():
    # The nearest offer was declined for this need: the need is served by the next one.
    needs = [need(1, qty=5)]
    offers = [offer("near", qty=5), offer("far", qty=5, at=north(10))]
    allocs = allocate(needs, offers, MatchParams(exclude_pairs={(1, "near")}))
    assert pairs(allocs) == {(1, "far"): 5}


def test_excluded_pairs_naming_unknown_ids_are_ignored():
    allocs = allocate([need(1)], [offer("a")], MatchParams(exclude_pairs={(9, "z")}))
    assert pairs(allocs) == {(1, "a"): 10}


def test_exclude_pairs_must_be_pairs():
    with pytest.raises(ValueError):
        MatchParams(exclude_pairs={(1, 2, 3)})


NOW = T0 + timedelta(days=1)


def test_deadline_breaks_ties_between_equal_urgencies():
    # Same urgency, the later-deadline need is nearer; with deadline weighting the need due
    # within the window gets the scarce offer, without it distance decides.
    due_soon = need(1, qty=5, urgency=2, at=north(8), deadline=NOW + timedelta(days=2))
    due_late = need(2, qty=5, urgency=2, deadline=NOW + timedelta(days=12))
    scarce = [offer("a", qty=5)]
    plain = allocate([due_soon, due_late], scarce, MatchParams(now=NOW))
    assert pairs(plain) == {(2, "a"): 5}
    weighted = allocate([due_soon, due_late], scarce,
                        MatchParams(now=NOW, deadline_soon_days=3))
    assert pairs(weighted) == {(1, "a"): 5}
    assert weighted[0].explanation["deadline_soon"] is True
    assert weighted[0].explanation["weight"] == 8 * URGENCY_WEIGHTS[2] + 1


def test_deadline_never_outweighs_a_higher_urgency():
    due_soon = need(1, qty=5, urgency=2, deadline=NOW + timedelta(days=1))
    more_urgent = need(2, qty=5, urgency=3, at=north(20), deadline=NOW + timedelta(days=12))
    allocs = allocate([due_soon, more_urgent], [offer("a", qty=5)],
                      MatchParams(now=NOW, deadline_soon_days=3))
    assert pairs(allocs) == {(2, "a"): 5}
    assert allocs[0].explanation["deadline_soon"] is False


def test_deadline_soon_days_is_validated():
    with pytest.raises(ValueError):
        MatchParams(deadline_soon_days=-1)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(), st.integers(0, 4), st.sets(st.tuples(st.integers(0, 5), st.integers(0, 5))))
def test_deadline_weighting_and_exclusions_stay_optimal(instance, soon_days, excluded):
    needs, offers, max_km = instance
    params = MatchParams(max_km=max_km, nearest_k=None, now=T0, deadline_soon_days=soon_days,
                         exclude_pairs=excluded)
    live_needs = [n for n in needs if n.deadline >= T0]
    allocs = allocate(needs, offers, params)
    assert_feasible(allocs, needs, offers)
    assert not {(a.need_id, a.offer_id) for a in allocs} & excluded
    weighted, distance = objective(allocs, live_needs, params)
    best_w, best_d = milp_lexicographic(live_needs, offers, max_km,
                                        weight=lambda n: need_weight(n, params),
                                        excluded=excluded)
    assert weighted == best_w
    tol = 0.001 * sum(n.quantity for n in needs) + 1e-6
    assert distance == pytest.approx(best_d, abs=tol)


def test_urgency_weights_come_from_params_and_must_rise_with_urgency():
    steep = MatchParams(urgency_weights=[1, 3, 9, 27])
    assert need_weight(need(1, urgency=3), steep) == 9
    assert need_weight(need(1, urgency=3)) == URGENCY_WEIGHTS[3]
    for bad in ([1, 2, 4], [1, 2, 2, 8], [0, 2, 4, 8], [1, 2, 4, 8, 16], {1: 1, 2: 2}):
        with pytest.raises(ValueError):
            MatchParams(urgency_weights=bad)
