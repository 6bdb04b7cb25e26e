// The deal's recent emails: direction, day, rating, and a slot per email that the sentiment module fills.

import { h } from "./dom.js";
import { relativeDay } from "./format.js";

const RATING = { positive: "👍 Positive", negative: "👎 Negative" };

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
      h("span", { class: "recent-meta muted" }, relativeDay(a.sent_at), a.rating ? ` · ${RATING[a.rating]}` : ""),
      // Filled by the sentiment module once the signals work lands (keyed by Message-ID).
      h("span", { class: "sentiment-slot", dataset: { messageId: a.message_id } })))));
}
