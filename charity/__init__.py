"""Charity exchange: needs, offers, the matcher, proposals, fulfilment, volunteer opportunities."""
