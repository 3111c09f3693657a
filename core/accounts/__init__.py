"""Accounts: users, roles, login, API tokens; real-name persons and their family links."""
