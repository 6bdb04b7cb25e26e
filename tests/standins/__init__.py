"""Loopback stand-ins for the services the API calls (identity providers, CRMs, Gmail)."""
