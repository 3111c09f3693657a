"""What a draw publishes for anyone to download and recompute offline: ``draw.json`` (the
commitment, its times, the revealed secret, the seed and the result), ``snapshot.json`` (the
two directories and the rules, hashed exactly as served), the same directories as CSV for
reading, and the algorithm itself (``recompute_draw.py``)."""

from __future__ import annotations

import json
from pathlib import Path

from flask_babel import lazy_gettext as _l

from core import spreadsheets
from core.errors import NotFound
from credit.inspections.models import Draw, DrawState
from credit.inspections.services import ALGORITHMS, earliest_reveal
from credit.vocabulary import TIER_LABELS


def _utc(moment) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def _require_snapshot(row: Draw) -> None:
    if row.is_legacy:
        raise NotFound("credit.draw_legacy",
                       _l("这是启用承诺—揭晓程序之前的抽签，没有可下载的名录快照。"))


def record(row: Draw) -> dict:
    """draw.json: the secret only once it is revealed (or the commitment withdrawn)."""
    _require_snapshot(row)
    return {
        "format": "czdraw-record/1", "draw_id": row.id, "title": row.title,
        "state": row.state, "algorithm": row.algorithm, "commitment": row.commitment,
        "committed_at": _utc(row.committed_at), "snapshot_sha256": row.snapshot_hash,
        "witnessed": row.witnessed, "earliest_reveal": _utc(earliest_reveal(row)),
        "secret": None if row.state == DrawState.COMMITTED else row.secret,
        "seed": None if row.state == DrawState.COMMITTED else row.seed,
        "revealed_at": _utc(row.drawn_at), "result": row.result,
        "cancelled_at": _utc(row.cancelled_at), "cancel_reason": row.cancel_reason,
    }


def record_bytes(row: Draw) -> bytes:
    return (json.dumps(record(row), ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def snapshot_bytes(row: Draw) -> bytes:
    _require_snapshot(row)
    return row.snapshot.encode("utf-8")


def snapshot(row: Draw) -> dict:
    _require_snapshot(row)
    return json.loads(row.snapshot)


def subjects_csv(row: Draw) -> bytes:
    rows = [[str(_l("统一社会信用代码")), str(_l("名称")), str(_l("风险等级"))]]
    rows += [[s["uscc"], s["name"], str(TIER_LABELS.get(s["tier"], s["tier"]))]
             for s in snapshot(row)["subjects"]]
    return spreadsheets.csv_bytes(rows)


def inspectors_csv(row: Draw) -> bytes:
    rows = [[str(_l("执法证号")), str(_l("姓名")), str(_l("申报利害关系的主体（统一社会信用代码）"))]]
    rows += [[i["staff_number"], i["name"], "；".join(i["conflicts"])]
             for i in snapshot(row)["inspectors"]]
    return spreadsheets.csv_bytes(rows)


def algorithm_source(row: Draw) -> bytes:
    """The exact procedure this draw used, as the runnable script it is."""
    _require_snapshot(row)
    return Path(ALGORITHMS[row.algorithm].__file__).read_bytes()
