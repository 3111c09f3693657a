"""How much of a need or offer is still free (charity.quantities): pending and accepted
proposals hold, delivered quantities fill, and the status follows."""

from __future__ import annotations

from charity import proposals, quantities, runs
from charity.models import Proposal
from charity.vocabulary import PostStatus
from core.extensions import db


def test_a_pending_proposal_holds_its_quantity_and_the_status_says_partly_matched(ch):
    need = ch.need(qty=10)
    offer = ch.offer(qty=6)
    runs.run_matching(None)
    amounts = quantities.need_amounts([need.id])[need.id]
    assert (amounts.held, amounts.done) == (6, 0)
    assert quantities.free_quantity(need, amounts) == 4
    assert need.status == PostStatus.PARTLY_MATCHED and offer.status == PostStatus.MATCHED


def test_a_declined_proposal_frees_what_it_held(ch):
    need = ch.need(qty=10)
    ch.offer(qty=6)
    runs.run_matching(None)
    proposal = db.session.query(Proposal).one()
    proposals.respond(ch.staff, proposal.id, "need", False, "不需要")
    assert quantities.free_quantity(need, quantities.need_amounts([need.id])[need.id]) == 10
    assert need.status == PostStatus.OPEN
