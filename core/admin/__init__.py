"""Administration pages: users and roles, organizations, scheduled jobs, holidays, audit trail."""
