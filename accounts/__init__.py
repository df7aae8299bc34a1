"""Organisations, people, roles, login, second factor and invitations."""
