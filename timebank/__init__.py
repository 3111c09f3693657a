"""Time bank: service sessions, the ledger, gifts, donations, redemption, certificates."""
