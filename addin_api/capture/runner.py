"""Wires a capture pass from the app's state (settings, CRM, store) and repeats it with `--loop`."""

from __future__ import annotations

import functools
import logging
import threading

from addin_api.capture import build_source
from addin_api.capture.http import capture_session
from addin_api.capture.service import CaptureDeps, describe, run_pass
from addin_api.services.writes import log_captured_email

log = logging.getLogger(__name__)


def deps_from_state(state) -> CaptureDeps:
    """Capture dependencies from the app's settings, CRM and store."""
    s = state.settings
    source = build_source(s, capture_session(s.crm_timeout_seconds))
    # the "better" level: each captured email goes through the pane's own write path (outbox → CRM)
    log_email = functools.partial(log_captured_email, state.write_deps()) if s.capture_log_emails else None
    return CaptureDeps(
        source,
        state.capture,
        state.crm,
        mailboxes=s.capture_mailboxes,
        exclude=s.capture_exclude,
        writer_email=s.capture_crm_user,
        log_email=log_email,
        body_max=s.email_body_max_chars,
    )


def capture_once(state) -> str:
    """One pass; its one-line summary."""
    return describe(run_pass(deps_from_state(state)))


def capture_forever(state, interval: float, stop: threading.Event) -> None:
    """Passes every `interval` seconds until `stop` is set; a failed pass is logged and the next one runs."""
    deps = deps_from_state(state)
    while not stop.is_set():
        try:
            log.info("capture pass done: %s", describe(run_pass(deps)))
        except Exception as exc:  # a bug or an outage must not end the loop; cursors keep the progress
            log.error("capture pass failed (%s)", type(exc).__name__)
        stop.wait(interval)
