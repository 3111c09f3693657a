"""Anyone recomputes a draw offline from its published files alone: the test downloads them over
HTTP like a citizen would, writes them to a folder and runs the downloaded script in an isolated
Python that cannot import the platform. The files name inspectors by name and staff number
only (no ID numbers, no phones)."""

import json
import subprocess
import sys

from core.ids import UNMASKED_ID_PATTERN
from credit.inspections import directories

FILES = ("draw.json", "snapshot.json", "recompute_draw.py")


def _recompute(folder):
    return subprocess.run([sys.executable, "-I", "recompute_draw.py", str(folder)],
                          cwd=folder, capture_output=True, text=True, timeout=60)


def _download(client, draw_id, folder):
    folder.mkdir()
    for name in FILES:
        response = client.get(f"/credit/public/inspections/{draw_id}/{name}")
        assert response.status_code == 200
        assert response.headers["Content-Disposition"].startswith("attachment")
        (folder / name).write_bytes(response.data)


def test_a_draw_is_recomputed_offline_from_its_downloaded_files(
        api_as, client, directory, regulator, frozen_clock, tmp_path):
    frozen_clock.local(2026, 3, 2, 9, 0)
    orgs, people = directory(subjects=12, inspectors=4)
    directories.declare_conflict(regulator, people[0].id, orgs[0].id, "曾在该组织任职")
    bureau = api_as("regulator")
    made = bureau.post("/api/v1/credit/inspections/draws",
                       json={"title": "2026 年上半年双随机抽查", "mode": "count", "count": 6})
    assert made.status_code == 201, made.json
    draw_id = made.json["id"]
    assert made.json["secret"] is None and made.json["result"] is None

    _download(client, draw_id, tmp_path / "before")
    before = _recompute(tmp_path / "before")
    assert before.returncode == 2 and "尚未揭晓" in before.stdout

    early = bureau.post(f"/api/v1/credit/inspections/draws/{draw_id}/reveal", json={})
    assert early.status_code == 409
    frozen_clock.advance(hours=24)
    revealed = bureau.post(f"/api/v1/credit/inspections/draws/{draw_id}/reveal", json={})
    assert revealed.status_code == 200 and len(revealed.json["result"]) == 6
    assert revealed.json["reproducible"] is True

    folder = tmp_path / "after"
    _download(client, draw_id, folder)
    # the snapshot downloaded before the reveal is the same bytes as after (hash published)
    assert (folder / "snapshot.json").read_bytes() == (tmp_path / "before/snapshot.json").read_bytes()
    done = _recompute(folder)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "复算抽中 6 个检查对象，与公布结果一致" in done.stdout

    record = json.loads((folder / "draw.json").read_text())
    # a clerk edits the result (to numbers nobody holds, so it differs on every database)
    record["result"][0]["inspectors"] = ["CZ-9998", "CZ-9999"]
    (folder / "draw.json").write_text(json.dumps(record, ensure_ascii=False))
    tampered = _recompute(folder)
    assert tampered.returncode == 1 and "不一致" in tampered.stdout


def test_the_published_directories_carry_names_and_staff_numbers_only(
        client, directory, regulator, make):
    orgs, people = directory(subjects=3, inspectors=2)
    from credit.inspections import services as inspections

    person = make.person(phone="13912345678", id_number="320402198001011234")
    directories.add_inspector(regulator, make.user("regulator", person=person), "CZ-0100")

    row = inspections.commit(regulator, "快照")
    base = f"/credit/public/inspections/{row.id}"
    texts = [client.get(f"{base}/{name}").get_data(as_text=True)
             for name in ("snapshot.json", "subjects.csv", "inspectors.csv", "draw.json")]
    inspectors_csv = texts[2]
    assert "CZ-0001" in inspectors_csv and people[0].display_name in inspectors_csv
    assert "CZ-0100" in inspectors_csv and person.name in inspectors_csv
    assert orgs[0].uscc in texts[1]
    for text in texts:
        assert not UNMASKED_ID_PATTERN.search(text) and "13912345678" not in text
        assert row.secret not in text
    page = client.get(base).get_data(as_text=True)
    assert row.commitment in page and "尚未揭晓" in page and row.secret not in page


def test_the_cli_checks_a_draw_as_the_offline_script_does(app, directory, regulator,
                                                          frozen_clock):
    from core.extensions import db
    from credit.inspections import services as inspections

    frozen_clock.local(2026, 3, 2, 9, 0)
    directory()
    row = inspections.commit(regulator, "命令行", "count", 3)
    frozen_clock.advance(days=1)
    inspections.reveal(regulator, row)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["credit", "verify-draw", str(row.id)])
    assert result.exit_code == 0, result.output
    assert "与公布结果一致" in result.output
