"""Salesforce adapter: REST v67.0 over requests, acting as each rep (JWT bearer or web-server + PKCE)."""
