"""The migration that files catalogue items under a service category infers one from the
item's name for the items already there, "other" (其他) when nothing matches."""

import sqlalchemy as sa
from flask_migrate import upgrade

from core.app import create_app
from core.extensions import db
from tests.conftest import BASE_CONFIG
from tests.core.test_migrations import _fresh_url

BEFORE = "c592ccedcc47"
NAMES = {"助浴服务": "bathing", "助餐配送（一周）": "meal", "上门助洁": "cleaning",
         "陪同就医": "medical", "理发修面": "other", "康复理疗": "medical"}


def test_existing_items_get_a_category_from_their_name(tmp_path):
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": _fresh_url(tmp_path)})
    with app.app_context():
        upgrade(revision=BEFORE)
        sqlite = db.engine.dialect.name == "sqlite"
        raw = db.engine.raw_connection()  # no organization: foreign keys off for the rows
        cursor = raw.cursor()
        cursor.execute("PRAGMA foreign_keys=OFF" if sqlite
                       else "SET session_replication_role = replica")
        insert = ("INSERT INTO timebank_catalogue_item (id, org_id, name, description, "
                  "service_minutes, price_minutes, max_quantity, active, approval_pending, "
                  "created_at) VALUES (?, 1, ?, '', 60, 60, 1, TRUE, FALSE, ?)")
        cursor.executemany(insert if sqlite else insert.replace("?", "%s"),
                           [(n, name, "2026-06-01 00:00:00")
                            for n, name in enumerate(NAMES, start=1)])
        raw.commit()
        raw.close()
        db.engine.dispose()
        upgrade()
        with db.engine.connect() as conn:
            found = dict(conn.execute(sa.text(
                "SELECT name, category FROM timebank_catalogue_item")).all())
        db.engine.dispose()
    assert found == NAMES
