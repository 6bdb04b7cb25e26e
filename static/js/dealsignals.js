// A deal's early warnings and tone: each warning in plain words (with the buyer's words that triggered it)
// and the inbound-tone sparkline near the top of the deal view, a marker for cards, and the recent emails
// with the tone each one read as.

import { h, replace } from "./dom.js";
import { when } from "./format.js";
import { tonePill } from "./sentiment.js";
import { sparkline } from "./sparkline.js";

const RECENT_SHOWN = 5;

/** The deal's warnings (`health.warnings`), or [] when there are none or the server sends none. */
export function warningsOf(deal) {
  const warnings = deal && deal.health && deal.health.warnings;
  return Array.isArray(warnings) ? warnings : [];
}

/** The warnings and sparkline of one deal, in a live region that speaks only when they change. */
export class DealSignals {
  constructor() {
    this.el = h("div", { class: "signals", "aria-live": "polite" });
    this.shown = null;
  }

  update(deal) {
    const health = deal.health || {};
    const trend = Array.isArray(health.sentiment_trend) ? health.sentiment_trend : [];
    const key = JSON.stringify([warningsOf(deal), trend]);
    if (key === this.shown) return;
    this.shown = key;
    replace(this.el, warningList(warningsOf(deal)), sparkline(trend));
  }
}

function warningList(warnings) {
  if (!warnings.length) return "";
  return h("ul", { class: "warnings", "aria-label": "Warnings" }, warnings.map((w) => h("li", {
    class: `warning warning-${w.code}` },
  h("span", { class: "warning-icon", "aria-hidden": "true" }, "⚠"),
  h("span", {}, h("span", { class: "sr-only" }, "Warning: "), w.message,
    (w.terms || []).length ? h("span", { class: "warning-terms" }, "Words: ",
      w.terms.map((t) => `“${t}”`).join(", ")) : ""))));
}

/** A card's marker for a negative-tone warning (going dark has its own badge); "" when none. */
export function warningBadge(deal) {
  if (!warningsOf(deal).some((w) => w.code === "negative_sentiment")) return "";
  return h("span", { class: "badge badge-warning", title: "The buyer's recent emails read negative" },
    h("span", { "aria-hidden": "true" }, "⚠"), "Negative tone");
}

/** The deal's newest logged emails with the tone each read as, or "" when none are logged. */
export function recentEmails(deal) {
  const emails = [...(deal.activities || [])].filter((a) => a.sent_at)
    .sort((a, b) => Date.parse(b.sent_at) - Date.parse(a.sent_at)).slice(0, RECENT_SHOWN);
  if (!emails.length) return "";
  return h("details", { class: "section", open: true },
    h("summary", {}, "Recent emails"),
    h("ul", { class: "emails" }, emails.map((a) => h("li", { class: "email" },
      h("span", { class: "email-subject" },
        h("span", { class: "sr-only" }, a.direction === "outbound" ? "Sent: " : "Received: "),
        h("span", { "aria-hidden": "true" }, a.direction === "outbound" ? "↗ " : "↘ "), a.subject || "(no subject)"),
      h("span", { class: "email-meta" }, when(a.sent_at), a.sentiment ? tonePill(a.sentiment.label, true) : "")))));
}
