#!/usr/bin/env python3
"""Random-inspection draw, algorithm ``czdraw-1`` (双随机、一公开): the exact procedure the
bureau runs, and a checker anyone can run offline on a draw's published files.

It uses the Python standard library only and imports nothing from the platform. Download it
from a draw's public page together with ``draw.json`` and ``snapshot.json``, then run

    python3 recompute_draw.py FOLDER

(FOLDER holds the two files as downloaded). It checks, and says so in words:

1. SHA-256 of ``snapshot.json`` (its bytes as downloaded) is the snapshot hash published with
   the commitment;
2. SHA-256 of the revealed secret is the commitment published before the draw;
3. the seed is SHA-256 of ``"czdraw-1|" + secret + "|" + snapshot hash``;
4. drawing again from that seed, the snapshot's directories and its rules gives the published
   result.

Exit status: 0 when all hold, 1 when one does not, 2 when the files cannot be read or the draw
has not been revealed.

The procedure, version czdraw-1 (strings are UTF-8; hashes are lowercase hexadecimal):

A. How many subjects per risk tier (red, yellow, blue, green: highest risk first), from the
   snapshot's ``rules``:
   - ``mode = "ratio"``: round-half-up(ratio x tier size), at most the tier size; a ratio is a
     decimal string ("0.3");
   - ``mode = "count"``: ``count`` subjects (everyone when the directory is smaller) shared
     among the tiers in proportion to ratio x tier size: each tier gets the whole part of its
     share, the ones left over go to the largest fractional parts (ties to the higher-risk
     tier); a tier whose share exceeds its size gets its size and the rest is shared again
     among the others. When no remaining tier has a ratio above zero, the rest is shared by
     tier size.
B. Within a tier: the subjects with the smallest SHA-256(seed + "|s|" + USCC).
C. For each subject picked, in order (tier by tier, then by that hash): the
   ``inspectors_per_subject`` inspectors without a declared conflict with it, fewest
   assignments in this draw so far first, ties broken by the smallest
   SHA-256(seed + "|i|" + USCC + "|" + staff number); listed by staff number.
"""

from __future__ import annotations

import hashlib
import json
import sys
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

VERSION = "czdraw-1"
TIERS = ("red", "yellow", "blue", "green")


class DrawError(ValueError):
    """The snapshot cannot be drawn (e.g. a subject has too few non-conflicted inspectors)."""


def sha256(text: str | bytes) -> str:
    return hashlib.sha256(text.encode("utf-8") if isinstance(text, str) else text).hexdigest()


def seed_for(secret: str, snapshot_hash: str) -> str:
    """The draw's seed: neither the secret nor the directories alone decide it."""
    return sha256(f"{VERSION}|{secret}|{snapshot_hash}")


def _largest_remainder(n: int, weights: dict[str, Fraction]) -> dict[str, int]:
    total = sum(weights.values())
    quotas = {t: n * w / total for t, w in weights.items()}
    shares = {t: int(q) for t, q in quotas.items()}  # quotas are >= 0: int() is the floor
    left = n - sum(shares.values())
    by_fraction = sorted(weights, key=lambda t: (-(quotas[t] - shares[t]), TIERS.index(t)))
    for tier in by_fraction[:left]:
        shares[tier] += 1
    return shares


def tier_counts(sizes: dict[str, int], rules: dict) -> dict[str, int]:
    """Step A: how many subjects each tier gives."""
    ratios = {t: Decimal(str(rules["ratios"].get(t, "0"))) for t in TIERS}
    if rules["mode"] == "ratio":
        return {t: min(sizes[t], int((ratios[t] * sizes[t]).to_integral_value(ROUND_HALF_UP)))
                for t in TIERS}
    wanted = min(int(rules["count"]), sum(sizes.values()))
    fixed: dict[str, int] = {}
    while True:
        open_tiers = [t for t in TIERS if sizes[t] > 0 and t not in fixed]
        n = wanted - sum(fixed.values())
        if n == 0 or not open_tiers:
            return {t: fixed.get(t, 0) for t in TIERS}
        weights = {t: Fraction(ratios[t]) * sizes[t] for t in open_tiers}
        if sum(weights.values()) == 0:
            weights = {t: Fraction(sizes[t]) for t in open_tiers}
        shares = _largest_remainder(n, weights)
        over = [t for t in open_tiers if shares[t] > sizes[t]]
        if not over:
            return {t: fixed.get(t, shares.get(t, 0)) for t in TIERS}
        fixed.update({t: sizes[t] for t in over})


def draw(seed: str, snapshot: dict) -> list[dict]:
    """Steps A-C: the subjects drawn and the inspectors sent to each, in draw order."""
    rules = snapshot["rules"]
    subjects = snapshot["subjects"]
    sizes = {t: sum(1 for s in subjects if s["tier"] == t) for t in TIERS}
    counts = tier_counts(sizes, rules)
    picked = []
    for tier in TIERS:
        members = sorted((s["uscc"] for s in subjects if s["tier"] == tier),
                         key=lambda uscc: sha256(f"{seed}|s|{uscc}"))
        picked += [(uscc, tier) for uscc in members[:counts[tier]]]
    per_subject = int(rules["inspectors_per_subject"])
    inspectors = {i["staff_number"]: set(i["conflicts"]) for i in snapshot["inspectors"]}
    load = dict.fromkeys(inspectors, 0)
    result = []
    for uscc, tier in picked:
        eligible = [staff for staff, conflicts in inspectors.items() if uscc not in conflicts]
        if len(eligible) < per_subject:
            raise DrawError(f"too few inspectors without a conflict for {uscc}")
        eligible.sort(key=lambda staff: (load[staff], sha256(f"{seed}|i|{uscc}|{staff}")))
        chosen = sorted(eligible[:per_subject])
        for staff in chosen:
            load[staff] += 1
        result.append({"uscc": uscc, "tier": tier, "inspectors": chosen})
    return result


def check(draw_json: bytes, snapshot_json: bytes) -> tuple[int, list[str]]:
    """Checks 1-4 on the published files; returns the exit status and what was found."""
    try:
        record = json.loads(draw_json.decode("utf-8"))
        snapshot = json.loads(snapshot_json.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        return 2, [f"文件无法读取 (unreadable file): {error}"]
    if record.get("algorithm") != VERSION:
        return 2, [f"本程序只复算 {VERSION} (this script recomputes {VERSION} only)"]
    if not record.get("secret"):
        return 2, ["本次抽签尚未揭晓随机值 (the secret has not been revealed yet)"]
    steps = [
        (sha256(snapshot_json) == record["snapshot_sha256"],
         "名录快照的 SHA-256 与承诺时公布的一致 (snapshot hash matches)"),
        (sha256(record["secret"]) == record["commitment"],
         "揭晓的随机值与事先公布的承诺值一致 (secret matches the commitment)"),
        (snapshot.get("commitment") == record["commitment"],
         "名录快照载明的承诺值与本次抽签一致 (snapshot names this commitment)"),
        (seed_for(record["secret"], record["snapshot_sha256"]) == record.get("seed"),
         "抽签种子由随机值和名录快照摘要算出 (seed derived from secret and snapshot)"),
    ]
    if record.get("result") is not None:
        try:
            again = draw(seed_for(record["secret"], record["snapshot_sha256"]), snapshot)
        except (DrawError, KeyError, TypeError, ValueError) as error:
            return 1, [f"无法复算 (cannot recompute): {error}"]
        steps.append((again == record["result"],
                      f"复算抽中 {len(again)} 个检查对象，与公布结果一致 (result reproduced)"))
    lines = [("✓ " if ok else "✗ 不一致 (MISMATCH): ") + text for ok, text in steps]
    return (0 if all(ok for ok, _text in steps) else 1), lines


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("用法 (usage): python3 recompute_draw.py FOLDER", file=sys.stderr)
        return 2
    folder = Path(argv[1])
    try:
        files = [(folder / name).read_bytes() for name in ("draw.json", "snapshot.json")]
    except OSError as error:
        print(f"缺少文件 (missing file): {error}", file=sys.stderr)
        return 2
    status, lines = check(*files)
    print("\n".join(lines))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
