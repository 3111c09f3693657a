"""Charity matcher: exact urgency-first, distance-second allocation of donated offers to needs.

Pure function over plain data (no Flask, no database). The caller removes barred parties
(sanctioned donors, suspended recipients, …) before calling; this module only sees what may
legally be matched. See docs/matching.md for the objective and the exactness argument.
"""

from __future__ import annotations

import itertools
import logging
import math
import operator
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from ortools.graph.python import min_cost_flow
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from charity.districts import DISTRICT_KM
from core.config import POLICY_DEFAULTS  # a plain dict: the matcher reads no app or config

__all__ = [
    "URGENCY_WEIGHTS",
    "Allocation",
    "Candidates",
    "MatchParams",
    "NeedSpec",
    "OfferSpec",
    "allocate",
    "build_candidates",
    "haversine_km",
    "need_weight",
    "objective",
]

log = logging.getLogger(__name__)

Id = int | str

URGENCY_LEVELS = (1, 2, 3, 4)  # DOMAIN.md: a need's urgency is 1-4
# The weight of one unit per urgency level is policy (``matching_urgency_weights``, default
# doubling per level: one unit for an urgency-4 need outweighs seven urgency-1 units); this is
# its default, for callers that pass no MatchParams.urgency_weights.
URGENCY_WEIGHTS: dict[int, int] = dict(
    zip(URGENCY_LEVELS, POLICY_DEFAULTS["matching_urgency_weights"], strict=True))
# With deadline weighting on (MatchParams.deadline_soon_days), weights are scaled by this and a
# need due soon gets +1: more than any same-urgency unit due later, never as much as a unit of
# the next urgency level (8w + 1 < 16w), and one urgency-4 unit still outweighs seven urgency-1
# units due soon (64 > 63).
DEADLINE_SCALE = 8
EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius; the district table uses the same value
_INT64_MAX = 2**63 - 1
# Quantities beyond this cannot be summed safely in OR-tools' int64 flow arithmetic.
_MAX_TOTAL_QUANTITY = 2**53
# OR-tools multiplies every cost by (num_nodes + 1) and rejects costs above
# INT64_MAX / (2 (num_nodes + 1)). Node potentials drift below the largest scaled cost during
# cost scaling, so we keep an extra factor of 16 of headroom before even trying.
_POTENTIAL_MARGIN = 16
# How many times the distance resolution may be coarsened (x10 each) before giving up.
_MAX_COARSENINGS = 4
# Components are solved in batches of at least this many arcs (see _chunks).
_BATCH_ARCS = 4096
_ONE_US = timedelta(microseconds=1)
_EPOCH_NAIVE = datetime(1970, 1, 1)  # naive inputs are measured from a naive epoch
_EPOCH_AWARE = datetime(1970, 1, 1, tzinfo=UTC)


def _check_party(kind: str, pid: Id, quantity: Any, lat: Any, lon: Any) -> None:
    # bool is an int subclass; True units of rice are a bug, not a quantity.
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity <= 0:
        raise ValueError(f"{kind} {pid!r}: quantity must be a positive integer, got {quantity!r}")
    if (lat is None) != (lon is None):
        raise ValueError(f"{kind} {pid!r}: give both lat and lon, or neither")


def _check_window(kind: str, pid: Id, start: datetime, end: datetime) -> None:
    if not isinstance(start, datetime) or not isinstance(end, datetime):
        raise TypeError(f"{kind} {pid!r}: time window bounds must be datetimes")
    if start > end:
        raise ValueError(f"{kind} {pid!r}: time window ends before it starts")


@dataclass(frozen=True, kw_only=True)
class NeedSpec:
    """A request for `quantity` units of `item` (or a declared substitute) by `deadline`."""

    id: Id
    item: str
    quantity: int
    urgency: int
    district: str
    lat: float | None = None
    lon: float | None = None
    available_from: datetime
    deadline: datetime
    substitutes: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        _check_party("need", self.id, self.quantity, self.lat, self.lon)
        if isinstance(self.urgency, bool) or self.urgency not in URGENCY_LEVELS:
            raise ValueError(f"need {self.id!r}: urgency must be 1-4, got {self.urgency!r}")
        _check_window("need", self.id, self.available_from, self.deadline)
        if isinstance(self.substitutes, str):
            # frozenset("大米") would silently become a set of characters.
            raise TypeError(f"need {self.id!r}: substitutes must be a collection of item names")
        # The need's own item is never "a substitute"; dropping it keeps candidate pairs unique.
        object.__setattr__(self, "substitutes", frozenset(self.substitutes) - {self.item})


@dataclass(frozen=True, kw_only=True)
class OfferSpec:
    """A donation of `quantity` units of `item`, available in [available_from, available_until]."""

    id: Id
    item: str
    quantity: int
    district: str
    lat: float | None = None
    lon: float | None = None
    available_from: datetime
    available_until: datetime

    def __post_init__(self) -> None:
        _check_party("offer", self.id, self.quantity, self.lat, self.lon)
        _check_window("offer", self.id, self.available_from, self.available_until)


@dataclass(frozen=True, kw_only=True)
class MatchParams:
    """Tuning knobs; the defaults suit the Changzhou deployment."""

    # None: any distance is acceptable (goods can be shipped across the city).
    max_km: float | None = None
    # {district: {district: km}}; looked up in either order, so a triangle is enough.
    district_km: Mapping[str, Mapping[str, float]] = field(
        default_factory=lambda: DISTRICT_KM, hash=False
    )
    # Keep only the k nearest compatible offers per need; None keeps every compatible offer.
    nearest_k: int | None = 20
    # When set, needs past their deadline and offers past available_until are ignored.
    now: datetime | None = None
    # Integer distance unit (metres) of the cost model; coarsened automatically on overflow.
    distance_resolution_m: int = 1
    # (need id, offer id) pairs that must not be proposed (already pending, or declined by a
    # party): they are removed from the candidate graph before solving, so the optimum routes
    # around them instead of leaving the quantity idle.
    exclude_pairs: frozenset[tuple[Id, Id]] = frozenset()
    # Deadline weighting (DOMAIN.md: "weighted by urgency and deadline"): with `now` set, a need
    # whose deadline is at most this many days after `now` counts DEADLINE_SCALE·w + 1 per unit
    # instead of DEADLINE_SCALE·w. None (the default) weighs by urgency alone.
    deadline_soon_days: float | None = None
    # Weight of one unit per urgency level 1-4 (a mapping, or a sequence for levels 1-4 in
    # order); the app passes the policy ``matching_urgency_weights``. Strictly increasing
    # positive integers, so a unit of a higher urgency always outweighs a lower one.
    urgency_weights: Mapping[int, int] | Sequence[int] = field(
        default_factory=lambda: URGENCY_WEIGHTS, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "urgency_weights", _checked_weights(self.urgency_weights))
        if self.max_km is not None and not self.max_km >= 0:
            raise ValueError("max_km must be None or a non-negative number")
        k = self.nearest_k
        if k is not None and (not isinstance(k, int) or isinstance(k, bool) or k < 1):
            raise ValueError("nearest_k must be None or a positive integer")
        r = self.distance_resolution_m
        if not isinstance(r, int) or isinstance(r, bool) or r < 1:
            raise ValueError("distance_resolution_m must be a positive integer")
        pairs = frozenset(tuple(p) for p in self.exclude_pairs)
        if any(len(p) != 2 for p in pairs):
            raise ValueError("exclude_pairs must hold (need id, offer id) pairs")
        object.__setattr__(self, "exclude_pairs", pairs)
        soon = self.deadline_soon_days
        if soon is not None and (isinstance(soon, bool) or not soon >= 0):
            raise ValueError("deadline_soon_days must be None or a non-negative number")


def _checked_weights(weights: Mapping[int, int] | Sequence[int]) -> dict[int, int]:
    if not isinstance(weights, Mapping):
        weights = list(weights)
        if len(weights) != len(URGENCY_LEVELS):
            raise ValueError("urgency_weights must give a weight for each urgency 1-4")
        weights = dict(zip(URGENCY_LEVELS, weights, strict=True))
    values = [weights.get(level) for level in URGENCY_LEVELS]
    if set(weights) != set(URGENCY_LEVELS) or any(
            not isinstance(w, int) or isinstance(w, bool) or w < 1 for w in values):
        raise ValueError("urgency_weights must give a positive integer for each urgency 1-4")
    if any(a >= b for a, b in itertools.pairwise(values)):
        raise ValueError("urgency_weights must increase with urgency")
    return dict(weights)


@dataclass(frozen=True)
class Allocation:
    """`quantity` units go from offer `offer_id` to need `need_id`, `distance_km` apart."""

    need_id: Id
    offer_id: Id
    quantity: int
    distance_km: float
    # Structured reasons (see docs/matching.md) so the app can render plain Chinese/English.
    explanation: dict[str, Any] = field(default_factory=dict, hash=False)


@dataclass(frozen=True, eq=False)
class Candidates:
    """Compatible (need, offer) pairs after pruning, as parallel arrays sorted need-nearest-first.

    `needs` and `offers` are the inputs sorted by id (expired ones dropped when params.now is
    set); `need_idx`/`offer_idx` index into them. `rank` is 1 for a need's nearest candidate.
    """

    needs: tuple[NeedSpec, ...]
    offers: tuple[OfferSpec, ...]
    need_idx: np.ndarray
    offer_idx: np.ndarray
    distance_km: np.ndarray
    by_coordinates: np.ndarray
    rank: np.ndarray

    def __len__(self) -> int:
        return len(self.need_idx)


def _due_soon(need: NeedSpec, params: MatchParams | None) -> bool | None:
    """None when deadline weighting is off; else whether the need is due within the window."""
    if params is None or params.deadline_soon_days is None or params.now is None:
        return None
    return need.deadline <= params.now + timedelta(days=params.deadline_soon_days)


def need_weight(need: NeedSpec, params: MatchParams | None = None) -> int:
    """Weight of one unit of `need` in the objective: urgency, and deadline when configured."""
    base = (params.urgency_weights if params is not None else URGENCY_WEIGHTS)[need.urgency]
    soon = _due_soon(need, params)
    if soon is None:
        return base
    return DEADLINE_SCALE * base + (1 if soon else 0)


def haversine_km(lat1: Any, lon1: Any, lat2: Any, lon2: Any) -> Any:
    """Great-circle distance in km; accepts scalars or numpy arrays (vectorised)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2) - np.radians(lon1)
    h = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    # Clip guards against h creeping past 1 by rounding for antipodal points.
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def _id_key(pid: Id) -> tuple[bool, Id]:
    # ints sort before strs so a mix of both still has one deterministic order.
    return (isinstance(pid, str), pid)


def _sorted_unique(parties: Iterable[Any], kind: str) -> tuple[Any, ...]:
    ordered = tuple(sorted(parties, key=lambda p: _id_key(p.id)))
    for a, b in itertools.pairwise(ordered):
        if a.id == b.id:
            raise ValueError(f"duplicate {kind} id {a.id!r}")
    return ordered


def _time_us(values: Sequence[datetime], aware: bool) -> np.ndarray:
    """Microseconds since the epoch, exact (integer), so window edges compare without rounding."""
    epoch = _EPOCH_AWARE if aware else _EPOCH_NAIVE
    return np.array([(v - epoch) // _ONE_US for v in values], dtype=np.int64)


def _all_aware(needs: Sequence[NeedSpec], offers: Sequence[OfferSpec], now: Any) -> bool:
    stamps = [t for n in needs for t in (n.available_from, n.deadline)]
    stamps += [t for o in offers for t in (o.available_from, o.available_until)]
    if now is not None:
        stamps.append(now)
    kinds = {t.utcoffset() is not None for t in stamps}
    if len(kinds) > 1:
        raise ValueError("mix of timezone-aware and naive datetimes; use one kind throughout")
    return kinds == {True}


def _district_matrix(
    table: Mapping[str, Mapping[str, float]], names: Sequence[str]
) -> np.ndarray:
    """Square km matrix over `names`, read from the table in either direction."""
    unknown = sorted(set(names) - set(table))
    if unknown:
        raise ValueError(f"district(s) not in the distance table: {unknown}")
    mat = np.empty((len(names), len(names)), dtype=np.float64)
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            km = table[a].get(b, table[b].get(a))
            # A NaN, infinite or negative entry would poison every integer cost downstream.
            if km is None or not math.isfinite(km) or km < 0:
                raise ValueError(f"distance table has no usable entry for {a} ↔ {b}")
            mat[i, j] = km
    return mat


def _item_pairs(
    needs: Sequence[NeedSpec], offers: Sequence[OfferSpec]
) -> tuple[np.ndarray, np.ndarray]:
    """All (need, offer) index pairs whose items match (same item or declared substitute)."""
    code = {it: k for k, it in enumerate(sorted({o.item for o in offers}))}
    offer_code = np.fromiter((code[o.item] for o in offers), dtype=np.int64, count=len(offers))
    by_item = np.argsort(offer_code, kind="stable")  # offers grouped by item, id order inside
    counts = np.bincount(offer_code, minlength=len(code))
    starts = np.cumsum(counts) - counts
    pn: list[int] = []
    pc: list[int] = []
    for j, need in enumerate(needs):
        for item in (need.item, *sorted(need.substitutes)):
            k = code.get(item)
            if k is not None:
                pn.append(j)
                pc.append(k)
    item_code = np.array(pc, dtype=np.int64)
    reps = counts[item_code]
    need_idx = np.repeat(np.array(pn, dtype=np.int64), reps)
    # Expand each (need, item) into that item's contiguous block of offers, without a loop.
    block_offset = np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps)
    offer_idx = by_item[np.repeat(starts[item_code], reps) + block_offset]
    return need_idx, offer_idx


def _drop_excluded(
    needs: Sequence[NeedSpec], offers: Sequence[OfferSpec], ni: np.ndarray, oi: np.ndarray,
    excluded: frozenset[tuple[Id, Id]],
) -> tuple[np.ndarray, np.ndarray]:
    """Remove the (need, offer) index pairs named in `excluded` (ids absent here are ignored)."""
    n_pos = {n.id: k for k, n in enumerate(needs)}
    o_pos = {o.id: k for k, o in enumerate(offers)}
    width = max(len(offers), 1)
    keys = [n_pos[a] * width + o_pos[b] for a, b in excluded if a in n_pos and b in o_pos]
    if not keys:
        return ni, oi
    keep = ~np.isin(ni * width + oi, np.array(keys, dtype=np.int64))
    return ni[keep], oi[keep]


def _coords(parties: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
    lat = np.array([np.nan if p.lat is None else p.lat for p in parties], dtype=np.float64)
    lon = np.array([np.nan if p.lon is None else p.lon for p in parties], dtype=np.float64)
    return lat, lon


def _pair_distances(
    needs: Sequence[NeedSpec],
    offers: Sequence[OfferSpec],
    ni: np.ndarray,
    oi: np.ndarray,
    table: Mapping[str, Mapping[str, float]],
) -> tuple[np.ndarray, np.ndarray]:
    """Haversine km where both sides have coordinates, district table otherwise."""
    names = sorted({p.district for p in (*needs, *offers)})
    matrix = _district_matrix(table, names)
    pos = {name: k for k, name in enumerate(names)}
    nd = np.array([pos[n.district] for n in needs], dtype=np.int64)
    od = np.array([pos[o.district] for o in offers], dtype=np.int64)
    nlat, nlon = _coords(needs)
    olat, olon = _coords(offers)
    both = ~np.isnan(nlat[ni]) & ~np.isnan(olat[oi])
    dist = matrix[nd[ni], od[oi]]
    sel = np.flatnonzero(both)
    dist[sel] = haversine_km(nlat[ni[sel]], nlon[ni[sel]], olat[oi[sel]], olon[oi[sel]])
    return dist, both


def _empty_candidates(needs: tuple, offers: tuple) -> Candidates:
    e_int = np.zeros(0, dtype=np.int64)
    return Candidates(needs, offers, e_int, e_int, np.zeros(0), np.zeros(0, bool), e_int)


def _nearest_first(
    ni: np.ndarray, oi: np.ndarray, dist: np.ndarray, n_needs: int, n_offers: int
) -> np.ndarray:
    """Order pairs by (need, distance to the millimetre, offer): nearest first, id breaks ties."""
    dist_mm = np.rint(dist * 1e6).astype(np.int64)
    bits_o = max(n_offers - 1, 1).bit_length()
    bits_d = max(int(dist_mm.max()) if len(dist_mm) else 1, 1).bit_length()
    bits_n = max(n_needs - 1, 1).bit_length()
    if bits_n + bits_d + bits_o <= 63:
        # One packed int64 key sorts ~7x faster than a three-key lexsort, and the keys are
        # unique because each (need, offer) pair occurs once, so the order is deterministic.
        return np.argsort((ni << (bits_d + bits_o)) | (dist_mm << bits_o) | oi)
    return np.lexsort((oi, dist_mm, ni))


def build_candidates(
    needs: Iterable[NeedSpec], offers: Iterable[OfferSpec], params: MatchParams | None = None
) -> Candidates:
    """Compatible pairs after item, time-window, max_km and nearest-k pruning."""
    params = params or MatchParams()
    needs_t: tuple[NeedSpec, ...] = _sorted_unique(needs, "need")
    offers_t: tuple[OfferSpec, ...] = _sorted_unique(offers, "offer")
    aware = _all_aware(needs_t, offers_t, params.now)
    if params.now is not None:
        needs_t = tuple(n for n in needs_t if n.deadline >= params.now)
        offers_t = tuple(o for o in offers_t if o.available_until >= params.now)
    if not needs_t or not offers_t:
        return _empty_candidates(needs_t, offers_t)
    ni, oi = _item_pairs(needs_t, offers_t)
    if params.exclude_pairs:
        ni, oi = _drop_excluded(needs_t, offers_t, ni, oi, params.exclude_pairs)
    n_from = _time_us([n.available_from for n in needs_t], aware)
    n_until = _time_us([n.deadline for n in needs_t], aware)
    o_from = _time_us([o.available_from for o in offers_t], aware)
    o_until = _time_us([o.available_until for o in offers_t], aware)
    # Closed intervals: touching at an instant counts as overlapping.
    ok = (o_from[oi] <= n_until[ni]) & (o_until[oi] >= n_from[ni])
    ni, oi = ni[ok], oi[ok]
    dist, by_coords = _pair_distances(needs_t, offers_t, ni, oi, params.district_km)
    if params.max_km is not None:
        ok = dist <= params.max_km
        ni, oi, dist, by_coords = ni[ok], oi[ok], dist[ok], by_coords[ok]
    order = _nearest_first(ni, oi, dist, len(needs_t), len(offers_t))
    ni, oi, dist, by_coords = ni[order], oi[order], dist[order], by_coords[order]
    group_start = np.flatnonzero(np.r_[True, ni[1:] != ni[:-1]]) if len(ni) else ni
    sizes = np.diff(np.r_[group_start, len(ni)])
    rank = np.arange(len(ni)) - np.repeat(group_start, sizes) + 1
    if params.nearest_k is not None:
        ok = rank <= params.nearest_k
        ni, oi, dist, by_coords, rank = ni[ok], oi[ok], dist[ok], by_coords[ok], rank[ok]
    return Candidates(needs_t, offers_t, ni, oi, dist, by_coords, rank)


def _distance_bound(cost_d: np.ndarray, node: np.ndarray, qty: np.ndarray) -> int:
    """Σ_v qty_v · (longest arc at v): no feasible flow can have a larger distance cost."""
    longest = np.zeros(len(qty), dtype=np.int64)
    np.maximum.at(longest, node, cost_d)
    # Python ints: the product can exceed int64 before we decide whether it fits.
    return sum(map(operator.mul, longest.tolist(), qty.tolist()))


@dataclass(frozen=True)
class _FlowGraph:
    """One independent sub-network: local offer nodes 0..n_o-1, need nodes n_o..n_o+n_n-1."""

    offer_node: np.ndarray  # per candidate arc
    need_node: np.ndarray  # per candidate arc (already offset by n_o)
    offer_qty: np.ndarray  # per offer node
    need_qty: np.ndarray  # per need node
    need_weight: np.ndarray  # per need node

    @property
    def n_nodes(self) -> int:
        return len(self.offer_qty) + len(self.need_qty) + 1  # + the sink


def _flow_graph(c: Candidates, arcs: np.ndarray, weights: np.ndarray) -> _FlowGraph:
    # Only parties with a candidate arc become nodes: fewer nodes means a looser OR-tools cost
    # limit and a faster solve.
    used_o, o_node = np.unique(c.offer_idx[arcs], return_inverse=True)
    used_n, n_node = np.unique(c.need_idx[arcs], return_inverse=True)
    offer_qty = np.array([c.offers[k].quantity for k in used_o], dtype=np.int64)
    need_qty = np.array([c.needs[k].quantity for k in used_n], dtype=np.int64)
    need_w = weights[used_n].astype(np.int64)
    return _FlowGraph(o_node, n_node + len(used_o), offer_qty, need_qty, need_w)


def _run_min_cost_flow(
    g: _FlowGraph, cost_d: np.ndarray, big_m: int, w_max: int
) -> tuple[Any, np.ndarray]:
    """Solve once; returns (status, flow on each candidate arc).

    Offers carry their quantity as supply; every unit ends at the sink either through a need
    (cost distance + M·(W_MAX - weight)) or through the offer's own bypass arc (cost M·W_MAX),
    so the problem is always feasible and all costs are non-negative.
    """
    n_o, n_n = len(g.offer_qty), len(g.need_qty)
    sink = n_o + n_n
    # Candidate arcs first so their arc ids are 0..n_arcs-1.
    tails = np.concatenate([g.offer_node, np.arange(n_o, sink), np.arange(n_o)])
    heads = np.concatenate([g.need_node, np.full(n_n + n_o, sink)])
    caps = np.concatenate([
        np.minimum(g.offer_qty[g.offer_node], g.need_qty[g.need_node - n_o]),
        g.need_qty,
        g.offer_qty,
    ])
    costs = np.concatenate([
        cost_d, big_m * (w_max - g.need_weight), np.full(n_o, big_m * w_max, dtype=np.int64),
    ])
    smcf = min_cost_flow.SimpleMinCostFlow()
    smcf.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32), heads.astype(np.int32),
        caps.astype(np.int64), costs.astype(np.int64),
    )
    supplies = np.concatenate([g.offer_qty, np.zeros(n_n, np.int64), [-int(g.offer_qty.sum())]])
    smcf.set_nodes_supplies(np.arange(sink + 1, dtype=np.int32), supplies.astype(np.int64))
    status = smcf.solve()
    if status != smcf.OPTIMAL:
        return status, np.zeros(0, dtype=np.int64)
    return status, np.asarray(smcf.flows(np.arange(len(cost_d), dtype=np.int32)), dtype=np.int64)


def _chunks(c: Candidates) -> list[np.ndarray]:
    """Candidate arcs split into independent groups (unions of connected components).

    The objective is a sum over components, so solving them separately is still exact; it
    halves solve time on city-sized instances and keeps each big-M bound small. Tiny
    components are batched so thousands of one-pair components do not each pay solver set-up.
    """
    n_o = len(c.offers)
    size = n_o + len(c.needs)
    adjacency = coo_matrix((np.ones(len(c)), (c.offer_idx, n_o + c.need_idx)), shape=(size, size))
    _, label = connected_components(adjacency, directed=False)
    arc_label = label[c.offer_idx]
    order = np.argsort(arc_label, kind="stable")
    comp_sizes = np.bincount(arc_label)
    comp_sizes = comp_sizes[comp_sizes > 0]
    comp_start = np.cumsum(comp_sizes) - comp_sizes
    batch = comp_start // _BATCH_ARCS
    cuts = comp_start[1:][batch[1:] != batch[:-1]]
    return np.split(order, cuts)


def _solve_chunk(
    c: Candidates, arcs: np.ndarray, resolution_m: int, weights: np.ndarray
) -> np.ndarray:
    """Exact lexicographic optimum on one sub-network; returns flow per arc in `arcs`."""
    g = _flow_graph(c, arcs, weights)
    limit = _INT64_MAX // (2 * (g.n_nodes + 1)) // _POTENTIAL_MARGIN
    w_max = int(g.need_weight.max())
    for _ in range(_MAX_COARSENINGS + 1):
        cost_d = np.rint(c.distance_km[arcs] * (1000.0 / resolution_m)).astype(np.int64)
        bound = min(
            _distance_bound(cost_d, g.offer_node, g.offer_qty),
            _distance_bound(cost_d, g.need_node - len(g.offer_qty), g.need_qty),
        )
        big_m = bound + 1  # one unit of weight is worth more than every distance unit there is
        if big_m * w_max <= limit:
            status, flows = _run_min_cost_flow(g, cost_d, big_m, w_max)
            if status == min_cost_flow.SimpleMinCostFlow.OPTIMAL:
                return flows
            if status != min_cost_flow.SimpleMinCostFlow.BAD_COST_RANGE:
                raise RuntimeError(f"min-cost flow failed with status {status}")
        # Weight stays exact; only the distance tie-break gets coarser. Say so in the logs.
        log.warning("matching: distance resolution %d m overflows int64; trying %d m",
                    resolution_m, resolution_m * 10)
        resolution_m *= 10
    raise RuntimeError("instance too large for exact integer min-cost flow")


def _solve(c: Candidates, resolution_m: int, weights: np.ndarray) -> np.ndarray:
    """Exact lexicographic optimum over the candidate graph; returns flow per candidate arc."""
    total = sum(o.quantity for o in c.offers) + sum(n.quantity for n in c.needs)
    if total > _MAX_TOTAL_QUANTITY:
        raise ValueError("total quantity too large for exact integer matching")
    flows = np.zeros(len(c), dtype=np.int64)
    for arcs in _chunks(c):
        flows[arcs] = _solve_chunk(c, arcs, resolution_m, weights)
    return flows


def _explain(c: Candidates, arc: int, filled: int, params: MatchParams) -> dict[str, Any]:
    need, offer = c.needs[c.need_idx[arc]], c.offers[c.offer_idx[arc]]
    weight = need_weight(need, params)
    return {
        "item": "same" if offer.item == need.item else "substitute",
        "need_item": need.item,
        "offer_item": offer.item,
        "distance_km": round(float(c.distance_km[arc]), 3),
        "distance_source": "coordinates" if c.by_coordinates[arc] else "district table",
        "need_district": need.district,
        "offer_district": offer.district,
        "candidate_rank": int(c.rank[arc]),  # 1 = the nearest compatible offer
        "urgency": need.urgency,
        "weight": weight,
        "deadline": need.deadline.isoformat(),
        # True/False with deadline weighting on (due within deadline_soon_days), else None.
        "deadline_soon": _due_soon(need, params),
        "offer_available_until": offer.available_until.isoformat(),
        "need_quantity": need.quantity,
        "need_filled": filled,
        "fully_met": filled == need.quantity,
    }


def allocate(
    needs: Iterable[NeedSpec], offers: Iterable[OfferSpec], params: MatchParams | None = None
) -> list[Allocation]:
    """Exactly optimal allocation: max Σ qty·weight(urgency), then min Σ qty·km.

    Optimal over the pruned candidate graph (see build_candidates); with nearest_k=None it is
    optimal over every compatible pair. Output is sorted by (need id, offer id).
    """
    params = params or MatchParams()
    c = build_candidates(needs, offers, params)
    if len(c) == 0:
        return []
    weights = np.array([need_weight(n, params) for n in c.needs], dtype=np.int64)
    flows = _solve(c, params.distance_resolution_m, weights)
    used = np.flatnonzero(flows > 0)
    filled = np.zeros(len(c.needs), dtype=np.int64)
    np.add.at(filled, c.need_idx[used], flows[used])
    used = used[np.lexsort((c.offer_idx[used], c.need_idx[used]))]
    return [
        Allocation(
            need_id=c.needs[c.need_idx[a]].id,
            offer_id=c.offers[c.offer_idx[a]].id,
            quantity=int(flows[a]),
            distance_km=float(c.distance_km[a]),
            explanation=_explain(c, a, int(filled[c.need_idx[a]]), params),
        )
        for a in used
    ]


def objective(
    allocations: Iterable[Allocation], needs: Iterable[NeedSpec], params: MatchParams | None = None
) -> tuple[int, float]:
    """(Σ quantity × weight, Σ quantity × distance_km) of an allocation; the weights are those
    `allocate` used with the same `params` (urgency alone when params is None)."""
    weight = {n.id: need_weight(n, params) for n in needs}
    weighted, distance = 0, 0.0
    for a in allocations:
        weighted += a.quantity * weight[a.need_id]
        distance += a.quantity * a.distance_km
    return weighted, distance
