"""Settings from `ADDIN_*` environment variables, parsed and validated once at start-up."""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from addin_api.loopback import is_loopback_host
from addin_api.secret_key import HOW_TO_MAKE, is_strong

GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$", re.IGNORECASE)


class SettingsError(ValueError):
    """A setting has a value the app cannot run with; the message names the variable."""


def _bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError("expected 1/0, true/false, yes/no or on/off")


def _csv(raw: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def _setting(default: Any, doc: str, parse: Callable[[str], Any] | None = None, secret: bool = False):
    return field(default=default, repr=not secret, metadata={"doc": doc, "parse": parse, "secret": secret})


@dataclass(frozen=True)
class Settings:
    """Every `ADDIN_<NAME>` setting; the field name upper-cased is the variable's suffix."""

    # --- core ---
    crm: str = _setting("local", "CRM adapter: `local` (embedded), `salesforce`, `hubspot`.")
    database_url: str = _setting(
        "", "SQLAlchemy URL of the app store and embedded CRM; empty = SQLite file `instance/addin.db`."
    )
    instance_path: str = _setting("instance", "Folder for the default SQLite file and the demo signing key.")
    public_base_url: str = _setting(
        "http://127.0.0.1:8000", "Public HTTPS base URL the add-ins load from (manifests, Gmail audiences)."
    )
    secret_key: str = _setting(
        "",
        "Key signing deep links and Gmail card state and encrypting stored CRM tokens: ≥ 32 random bytes "
        "(hex, base64 or a long random string); required unless DEV_IDP, which keeps a generated one.",
        secret=True,
    )
    going_dark_days: int = _setting(
        21, "Days without an inbound email before a deal is 'going dark' (14–42).", int
    )
    email_body_max_chars: int = _setting(
        20000, "Plain-text email body kept per logged email; longer bodies are cut.", int
    )
    max_request_bytes: int = _setting(262144, "Largest request body accepted; larger → 413.", int)
    log_level: str = _setting("INFO", "Python log level.")
    view_cache_mb: int = _setting(
        32,
        "Memory per worker (MB) for answers to repeated deal, sidebar and pipeline reads on the embedded "
        "CRM, served while nothing they read has changed (0 = off).",
        int,
    )
    # --- CRM calls and outbox ---
    crm_timeout_seconds: float = _setting(
        10.0,
        "Timeout of every outbound CRM/Graph/Gmail HTTP call (below 25 on SQLite with a SaaS CRM).",
        float,
    )
    outbox_max_attempts: int = _setting(50, "Attempts before a queued change is given up as rejected.", int)
    outbox_backoff_seconds: float = _setting(
        5.0, "First retry delay of a queued change; doubles per attempt.", float
    )
    outbox_backoff_max_seconds: float = _setting(900.0, "Longest retry delay of a queued change.", float)
    outbox_max_unexpected: int = _setting(
        3, "Unexpected failures (bugs) before a change is rejected with a human reason.", int
    )
    # --- retention (`addin-api purge`, also run hourly by the drain loop) ---
    idempotency_retention_hours: float = _setting(
        24.0, "Hours an Idempotency-Key's answer is replayed before it is forgotten.", float
    )
    outbox_retention_days: float = _setting(
        30.0,
        "Days a settled (done, conflict, rejected) change is kept; waiting ones are kept until sent.",
        float,
    )
    audit_retention_days: float = _setting(365.0, "Days the audit log keeps who changed what.", float)
    # --- Microsoft Entra ID (Outlook) ---
    ms_authority: str = _setting(
        "https://login.microsoftonline.com", "Entra authority host (sovereign clouds and tests set another)."
    )
    ms_client_id: str = _setting("", "Application (client) ID of the API's Entra app registration.")
    ms_app_id_uri: str = _setting("", "App ID URI accepted as audience; empty = `api://<client id>`.")
    ms_allowed_tenants: tuple = _setting(
        (), "Comma-separated tenant GUIDs whose users may sign in; required unless DEV_IDP.", _csv
    )
    ms_required_scope: str = _setting("access_as_user", "Delegated scope the access token must carry.")
    ms_client_secret: str = _setting(
        "", "Client secret of the API app, enables Graph reads on-behalf-of the rep.", secret=True
    )
    ms_client_certificate_path: str = _setting(
        "",
        "PEM with the API app's certificate and private key: Graph reads on-behalf-of the rep "
        "without a secret.",
    )
    graph_url: str = _setting("https://graph.microsoft.com", "Microsoft Graph base URL.")
    dev_idp: bool = _setting(
        False, "Serve the demo identity provider (loopback binds only) and use it as authority.", _bool
    )
    bind_host: str = _setting(
        "127.0.0.1", "Address `addin-api serve` binds; DEV_IDP is refused unless loopback."
    )
    # --- Google Workspace (Gmail) ---
    google_addon_service_account: str = _setting(
        "", "Add-on service agent email: `service-<n>@gcp-sa-gsuiteaddons.iam.gserviceaccount.com`."
    )
    google_oauth_client_id: str = _setting(
        "", "OAuth client id of the add-on deployment (audience of userIdToken)."
    )
    google_allowed_domains: tuple = _setting(
        (),
        "Comma-separated Workspace domains whose reps may use the add-on; required with the OAuth client id.",
        _csv,
    )
    google_certs_url: str = _setting(
        "https://www.googleapis.com/oauth2/v1/certs", "Google's ID-token signing certificates."
    )
    gmail_api_url: str = _setting("https://gmail.googleapis.com", "Gmail API base URL.")
    # --- Salesforce ---
    salesforce_login_url: str = _setting(
        "https://login.salesforce.com", "Salesforce login host (sandboxes: test.salesforce.com)."
    )
    salesforce_client_id: str = _setting("", "Consumer key of the External Client App.")
    salesforce_client_secret: str = _setting("", "Consumer secret (web-server flow).", secret=True)
    salesforce_private_key_path: str = _setting(
        "", "PEM private key for the JWT bearer flow; empty = per-rep web-server flow."
    )
    salesforce_username_map: str = _setting(
        "", "JSON object mailbox → Salesforce username; unmapped reps use their address."
    )
    salesforce_email_mode: str = _setting("email_message", "`email_message` (Enhanced Email) or `task`.")
    salesforce_rating_field: str = _setting(
        "Addin_Rating__c", "Custom field holding the rep's rating on EmailMessage/Task."
    )
    salesforce_message_key_field: str = _setting(
        "Addin_Message_Key__c",
        "Unique external-ID field: SHA-256 of the 18-char opportunity id, newline, Message-ID.",
    )
    salesforce_multi_currency: bool = _setting(
        False, "The org has multi-currency on: read each deal's CurrencyIsoCode.", _bool
    )
    salesforce_business_case_fields: str = _setting(
        "", "JSON object business-case field → Opportunity custom field API name."
    )
    # --- HubSpot ---
    hubspot_api_url: str = _setting("https://api.hubapi.com", "HubSpot API base URL.")
    hubspot_access_token: str = _setting(
        "",
        "Access token of the HubSpot app installed in the account (service key or private app).",
        secret=True,
    )
    hubspot_client_id: str = _setting(
        "",
        "Client id of the HubSpot OAuth app; set (with the secret) to have each rep connect their own user.",
    )
    hubspot_client_secret: str = _setting("", "Client secret of the HubSpot OAuth app.", secret=True)
    hubspot_auth_url: str = _setting(
        "https://app.hubspot.com/oauth/authorize", "HubSpot's OAuth consent page (reps connect there)."
    )
    hubspot_portal_id: str = _setting(
        "", "The HubSpot account (hub) id: keys our write-ahead records and makes deal links."
    )
    hubspot_rating_property: str = _setting(
        "addin_rating", "Custom email property holding the rep's rating (`addin-api hubspot setup`)."
    )
    hubspot_message_id_property: str = _setting(
        "addin_message_id", "Custom email property holding the Message-ID (`addin-api hubspot setup`)."
    )
    hubspot_changed_by_property: str = _setting(
        "addin_changed_by", "Custom deal property naming the rep behind the add-in's last change (setup)."
    )
    hubspot_business_case_properties: str = _setting(
        "", "JSON object business-case field → deal property name."
    )
    hubspot_rate_limit_wait_seconds: float = _setting(
        5.0, "Longest wait for HubSpot's 10-second rate limit within one request before queueing.", float
    )
    # --- activity capture (`addin-api capture`) ---
    capture_source: str = _setting(
        "microsoft", "Mailboxes capture reads: `microsoft` (Graph) or `google` (Gmail)."
    )
    capture_mailboxes: tuple = _setting(
        (), "Comma-separated mailboxes to capture; empty = the owners of the CRM's open deals.", _csv
    )
    capture_exclude: tuple = _setting(
        (), "Comma-separated addresses or domains capture ignores (private contacts, vendors).", _csv
    )
    capture_ms_tenant: str = _setting(
        "", "Tenant GUID whose mailboxes capture reads; empty = the one entry of MS_ALLOWED_TENANTS."
    )
    capture_crm_user: str = _setting(
        "", "Address capture acts as when it writes counts to the CRM; empty = the first mailbox."
    )
    capture_page_size: int = _setting(
        100, "Items per page asked of Graph/Gmail/Calendar during capture.", int
    )
    capture_max_retry_after_seconds: float = _setting(
        120.0, "Longest Retry-After capture waits out; longer → that mailbox waits for the next pass.", float
    )
    capture_log_emails: bool = _setting(
        False,
        "Log each captured email on its deals as the pane does; reads bodies (Mail.Read / gmail.readonly).",
        _bool,
    )
    capture_salesforce_fields: str = _setting(
        "",
        "JSON object inbound/outbound/last_inbound/last_outbound/meetings_held/next_meeting → Opportunity "
        "field API names capture writes.",
    )
    google_capture_key_path: str = _setting(
        "", "JSON key of the service account with domain-wide delegation that capture impersonates reps with."
    )
    google_calendar_api_url: str = _setting("https://www.googleapis.com", "Google Calendar API base URL.")

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL, defaulting to a SQLite file in the instance folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{Path(self.instance_path).resolve() / 'addin.db'}"

    @property
    def graph_reads(self) -> bool:
        """True when the server can read messages from Graph (a client secret or certificate is set)."""
        return bool(self.ms_client_secret or self.ms_client_certificate_path)

    @property
    def app_id_uri(self) -> str:
        """The App ID URI accepted as `aud`, `api://<client id>` unless set."""
        return self.ms_app_id_uri or f"api://{self.ms_client_id}"

    @property
    def capture_tenant(self) -> str:
        """The tenant capture reads: the setting, else the only allowed tenant."""
        if self.capture_ms_tenant:
            return self.capture_ms_tenant
        return self.ms_allowed_tenants[0] if len(self.ms_allowed_tenants) == 1 else ""

    def validate(self) -> Settings:
        """Reject combinations the app cannot run with safely; returns self."""
        from addin_api.crm import BACKENDS  # names only; no adapter is imported

        if self.crm not in BACKENDS:
            raise SettingsError(f"ADDIN_CRM must be one of {', '.join(BACKENDS)} (got {self.crm!r})")
        if not 14 <= self.going_dark_days <= 42:
            raise SettingsError("ADDIN_GOING_DARK_DAYS must be between 14 and 42")
        # Both checks: the bind host is only known to `addin-api serve`; the public URL catches a
        # gunicorn started by hand in front of a real address. Requests are checked one by one too.
        if self.dev_idp and not (
            is_loopback_host(self.bind_host) and is_loopback_host(urlsplit(self.public_base_url).hostname)
        ):
            raise SettingsError(
                "ADDIN_DEV_IDP is refused unless the server binds to and is reached on loopback"
            )
        self._validate_secret_key()
        self._validate_tenant_boundary()
        retention = (self.idempotency_retention_hours, self.outbox_retention_days, self.audit_retention_days)
        if self.outbox_max_unexpected < 1 or min(retention) <= 0:
            raise SettingsError(
                "ADDIN_OUTBOX_MAX_UNEXPECTED must be ≥ 1 and every ADDIN_*_RETENTION_* setting positive"
            )
        if self.capture_source not in ("microsoft", "google"):
            raise SettingsError("ADDIN_CAPTURE_SOURCE must be `microsoft` or `google`")
        if self.email_body_max_chars < 0 or self.max_request_bytes < 1024:
            raise SettingsError("ADDIN_EMAIL_BODY_MAX_CHARS must be ≥ 0 and ADDIN_MAX_REQUEST_BYTES ≥ 1024")
        if not 0 <= self.view_cache_mb <= 4096:
            raise SettingsError("ADDIN_VIEW_CACHE_MB must be between 0 (off) and 4096")
        if (
            self.crm != "local"
            and self.sqlalchemy_url.startswith("sqlite")
            and self.crm_timeout_seconds >= 25
        ):
            # A fetch shared by the workers holds SQLite's write lock for up to one CRM call; other
            # writers wait at most the 30 s busy timeout, so a longer call would fail their saves.
            raise SettingsError("ADDIN_CRM_TIMEOUT_SECONDS must be below 25 on SQLite with a SaaS CRM")
        return self

    def _validate_secret_key(self) -> None:
        if not self.secret_key and self.dev_idp:
            return  # demo mode generates one and keeps it in the instance folder
        if not self.secret_key:
            raise SettingsError(f"ADDIN_SECRET_KEY is required; make one with: {HOW_TO_MAKE}")
        if not is_strong(self.secret_key):
            raise SettingsError(
                f"ADDIN_SECRET_KEY must carry ≥ 32 random bytes; make one with: {HOW_TO_MAKE}"
            )

    def _validate_tenant_boundary(self) -> None:
        """Only listed organisations may read the CRM: tenant GUIDs for Outlook, domains for Gmail."""
        # A Gmail-only deployment (no API app for Outlook) lists no tenants: with none, no Entra token passes.
        gmail_only = bool(self.google_oauth_client_id) and not self.ms_client_id
        if not self.dev_idp and not gmail_only:
            if not self.ms_allowed_tenants:
                raise SettingsError(
                    "ADDIN_MS_ALLOWED_TENANTS is required: the tenant GUIDs whose users may sign in"
                )
            if not all(GUID.match(t) for t in self.ms_allowed_tenants):
                raise SettingsError("ADDIN_MS_ALLOWED_TENANTS must list tenant GUIDs only (no `*`, no names)")
        if self.google_oauth_client_id:
            if not self.google_allowed_domains:
                raise SettingsError(
                    "ADDIN_GOOGLE_ALLOWED_DOMAINS is required when the Gmail add-on is configured"
                )
            if not all(_DOMAIN.match(d) for d in self.google_allowed_domains):
                raise SettingsError("ADDIN_GOOGLE_ALLOWED_DOMAINS must list domain names only (no `*`)")


def load_settings(
    environ: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None
) -> Settings:
    """Build Settings from `ADDIN_*` variables, then explicit overrides (tests), and validate them."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for f in dataclasses.fields(Settings):
        raw = environ.get(f"ADDIN_{f.name.upper()}")
        if raw is None:
            continue
        parse = f.metadata["parse"]
        try:
            values[f.name] = parse(raw) if parse else raw
        except ValueError as exc:
            raise SettingsError(f"ADDIN_{f.name.upper()}: {exc}") from None
    values.update(overrides or {})
    return Settings(**values).validate()


def settings_table() -> str:
    """Markdown table of every setting with its default, for the README."""
    rows = ["| Variable | Default | Meaning |", "|---|---|---|"]
    for f in dataclasses.fields(Settings):
        default = ",".join(f.default) if isinstance(f.default, tuple) else f.default
        default = {True: "1", False: "0"}.get(default, default) if isinstance(default, bool) else default
        rows.append(f"| `ADDIN_{f.name.upper()}` | `{default}` | {f.metadata['doc']} |")
    return "\n".join(rows)
