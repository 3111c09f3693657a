"""Shared kernel: app factory, identities, organizations, audit, events, sanctions, jobs."""
