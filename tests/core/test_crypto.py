"""ID numbers and phones at rest (core.crypto): encrypted, found again by a keyed hash, never
stored in clear."""

from __future__ import annotations

import sqlalchemy as sa

from core import crypto
from core.accounts.models import Person
from core.extensions import db


def test_a_value_comes_back_from_its_ciphertext_and_the_ciphertext_hides_it(app):
    token = crypto.encrypt("320402195003150012")
    assert "320402195003150012" not in token
    assert crypto.decrypt(token) == "320402195003150012"
    assert crypto.encrypt("320402195003150012") != token  # random IV: no equality leak


def test_the_keyed_hash_finds_a_person_without_storing_the_number(app, make):
    person = make.person()
    stored = db.session.execute(sa.text("SELECT * FROM person WHERE id = :id"),
                                {"id": person.id}).mappings().one()
    assert person.id_number not in {str(v) for v in stored.values()}
    assert crypto.blind_index(person.id_number) == crypto.blind_index(person.id_number)
    found = db.session.scalar(sa.select(Person).where(
        Person.id_digest == crypto.blind_index(person.id_number)))
    assert found.id == person.id
