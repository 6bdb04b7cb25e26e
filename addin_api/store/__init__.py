"""The app's own database: audit log, outbox, idempotency keys, email ledger, CRM tokens."""
