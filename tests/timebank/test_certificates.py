"""Service certificates: the PDF carries the Chinese text, the verification recognizes a
genuine certificate, an altered one, and sessions found false after issue."""

import io
import json

import pytest
from pypdf import PdfReader

from core.errors import NotFound, PermissionDenied
from core.extensions import db
from timebank import certificates, confirmation
from timebank.models import Certificate


def test_certificate_content_lists_confirmed_sessions_with_masked_id(tb, make):
    volunteer = make.user("volunteer", person=make.person(name="王秀英", age=63))
    tb.confirmed(volunteer, minutes=90, hours_ago=50)
    tb.confirmed(volunteer, minutes=30, hours_ago=20)
    tb.session(volunteer, minutes=60, hours_ago=10)  # pending: not certified
    row = certificates.issue(volunteer, volunteer.person.id)
    content = json.loads(row.content)
    assert content["total_minutes"] == 120 and len(content["sessions"]) == 2
    assert content["id_number_masked"] == volunteer.person.id_number_masked
    assert volunteer.person.id_number not in row.content
    assert content["issuer"] and row.number.startswith("TB")


def test_pdf_renders_the_chinese_name_and_title(tb, make):
    volunteer = make.user("volunteer", person=make.person(name="李桂兰", age=58))
    tb.confirmed(volunteer)
    row = certificates.issue(volunteer, volunteer.person.id)
    pdf = certificates.render_pdf(row)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "李桂兰" in text and "志愿服务记录证明" in text
    assert row.number in text and row.verification_code in text


def test_verification_says_genuine_and_masks_the_name(tb, make):
    volunteer = make.user("volunteer", person=make.person(name="张志强", age=40))
    tb.confirmed(volunteer)
    row = certificates.issue(volunteer, volunteer.person.id)
    result = certificates.verify(row.number, row.verification_code)
    assert result.genuine and result.code_matches is True
    assert result.masked_name == "张*强"
    assert certificates.verify(row.number, "0000-0000-0000-0000").code_matches is False


def test_a_typed_code_in_any_script_is_simply_wrong(tb, client):
    """Found by the API fuzzer: hmac.compare_digest refuses non-ASCII str, so a code typed
    in Chinese was a 500 on the public verification API and page."""
    volunteer = tb.volunteer()
    tb.confirmed(volunteer)
    row = certificates.issue(volunteer, volunteer.person.id)
    assert certificates.verify(row.number, "请填写验证码").code_matches is False
    db.session.commit()
    response = client.get(f"/api/v1/timebank/certificates/{row.number}/verify",
                          query_string={"code": "验证码"})
    assert response.status_code == 200 and response.json["code_matches"] is False


def test_a_forged_certificate_with_changed_content_is_not_genuine(tb):
    volunteer = tb.volunteer()
    tb.confirmed(volunteer)
    real = certificates.issue(volunteer, volunteer.person.id)
    content = json.loads(real.content)
    content["total_minutes"] = 6000
    forged = Certificate(number="TB-FORGED-1", person_id=real.person_id,
                         content=json.dumps(content, ensure_ascii=False),
                         content_hash=real.content_hash,
                         verification_code=real.verification_code)
    db.session.add(forged)
    db.session.flush()
    assert certificates.verify(real.number).genuine
    assert not certificates.verify("TB-FORGED-1").genuine


def test_verification_warns_about_sessions_reversed_after_issue(tb, make):
    volunteer = tb.volunteer()
    row = tb.confirmed(volunteer)
    cert = certificates.issue(volunteer, volunteer.person.id)
    confirmation.reverse_session(make.user("regulator"), row.id, "不实")
    result = certificates.verify(cert.number)
    assert result.genuine and result.reversed_since == 1


def test_unknown_number_and_someone_elses_certificate(tb):
    with pytest.raises(NotFound):
        certificates.verify("TB00000000-NOPE")
    volunteer, other = tb.volunteer(), tb.volunteer()
    with pytest.raises(PermissionDenied):
        certificates.issue(other, volunteer.person.id)


def test_mask_name():
    assert certificates.mask_name("王伟") == "王*"
    assert certificates.mask_name("欧阳娜娜") == "欧**娜"


def test_organization_staff_certify_only_volunteers_who_served_them(tb, make):
    volunteer, stranger = tb.volunteer(), tb.volunteer()
    tb.confirmed(volunteer)
    assert certificates.issue(tb.staff, volunteer.person.id).person_id == volunteer.person.id
    with pytest.raises(PermissionDenied):
        certificates.issue(tb.staff, stranger.person.id)
    counter = make.user("institution_staff", org=make.org("eldercare"))
    with pytest.raises(PermissionDenied):  # a counter is not the stranger's organization
        certificates.issue(counter, stranger.person.id)


def test_an_organization_certifies_only_the_service_it_recorded(tb, make):
    """谁记录谁证明: an organization's staff issued (and could download) a certificate listing
    the volunteer's service at every other organization, with its recipients and descriptions
    (found by tests/security). Theirs lists their own organization's sessions."""
    from timebank import sessions

    volunteer = tb.volunteer()
    tb.confirmed(volunteer, hours_ago=60)
    other = make.org()
    other_staff = make.user("org_staff", org=other)
    row = sessions.log_session(volunteer, tb.data(volunteer.person, org_id=other.id,
                                                  recipient_org_id=other.id, hours_ago=30,
                                                  description="陪同就医"))
    confirmation.confirm_session(other_staff, row.id)
    issued = certificates.issue(tb.staff, volunteer.person.id)
    content = json.loads(issued.content)
    assert [s[1] for s in content["sessions"]] == [tb.org.name]
    assert "陪同就医" not in issued.content and other.name not in issued.content
    own = json.loads(certificates.issue(volunteer, volunteer.person.id).content)
    assert len(own["sessions"]) == 2 and "陪同就医" in own["sessions"][1][2]

