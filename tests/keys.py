"""Settings every test app needs outside demo mode: a strong secret key (used nowhere real) and a tenant."""

from __future__ import annotations

from tests.standins.idp import TENANT

# 32 random bytes, base64url, as `secrets.token_urlsafe(32)` makes them (see ADDIN_SECRET_KEY).
SECRET_KEY = "q7Zt0fE2mXcV9bLr4NwUy8Hk3Pa6Sd1GjQo5TiRe-Mg"
BASE_SETTINGS = {"secret_key": SECRET_KEY, "ms_allowed_tenants": (TENANT,)}
