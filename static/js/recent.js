// The deal's recent emails: direction, day, the rep's rating and the tone each one read as (sentiment.js).

import { h } from "./dom.js";
import { relativeDay } from "./format.js";
import { tonePill } from "./sentiment.js";

const RATING = { positive: "👍 Positive", negative: "👎 Negative" };

/** Every logged email of the deal, as the server orders them; "" when none is logged. */
export function recentEmails(deal) {
  const emails = deal.activities || [];
  if (!emails.length) return "";
  return h("details", { class: "section recent", open: true },
    h("summary", {}, `Recent emails (${emails.length})`),
    h("ul", { class: "recent-list" }, emails.map((a) => h("li", { class: "recent-item" },
      h("span", { class: "recent-dir", title: a.direction === "inbound" ? "From the buyer" : "From your side" },
        h("span", { "aria-hidden": "true" }, a.direction === "inbound" ? "↘ " : "↗ "),
        a.direction === "inbound" ? "In" : "Out"),
      h("span", { class: "recent-subject" }, a.subject || "(no subject)"),
      h("span", { class: "recent-meta muted" }, relativeDay(a.sent_at), a.rating ? ` · ${RATING[a.rating]}` : "",
        a.sentiment ? " " : "", a.sentiment ? tonePill(a.sentiment.label, true) : "")))));
}
