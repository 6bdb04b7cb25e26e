"""Alembic revisions: 0001_baseline is release 0.1.0's schema; each later change chains from it."""
