// A deal's early warnings and tone: each warning in plain words (with the buyer's words that triggered it)
// and the inbound-tone sparkline near the top of the deal view, and a marker for cards. The recent emails,
// each with its tone, are recent.js.

import { h, replace } from "./dom.js";
import { sparkline } from "./sparkline.js";

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
