// Screens of the pane that are not the deal itself: message header, skeleton, notices, deal picker,
// pipeline list and health badges. Pure rendering: callers pass data and callbacks.

import { warningBadge } from "./dealsignals.js";
import { h } from "./dom.js";
import { daysAgo, matchReason, plural, when } from "./format.js";

export function messageHeader(message) {
  const sender = message.from.name || message.from.email;
  return h("header", { class: "message", "aria-label": "Open email" },
    h("p", { class: "message-from" }, h("span", { class: "sr-only" }, "From "), sender,
      h("span", { class: "message-when" }, when(message.sentAt))),
    h("p", { class: "message-subject" }, message.subject || "(no subject)"));
}

export function skeleton(rows = 4) {
  // Same boxes as the deal view's top, so content replaces it without the pane jumping.
  const bar = (cls) => h("div", { class: `skeleton ${cls}` });
  return h("div", { class: "loading", role: "status", "aria-live": "polite" },
    h("span", { class: "sr-only" }, "Loading deals…"),
    bar("sk-title"), bar("sk-line"), h("div", { class: "sk-badges" }, bar("sk-badge"), bar("sk-badge"), bar("sk-badge")),
    h("div", { class: "sk-facts" }, Array.from({ length: rows }, () => bar("sk-fact"))),
    bar("sk-label"), bar("sk-field"), bar("sk-label"), bar("sk-field"), bar("sk-button"));
}

export function notice({ title, text, action, tone = "neutral", icon = "" }) {
  return h("section", { class: `notice notice-${tone}`, role: tone === "error" ? "alert" : "status" },
    icon && h("div", { class: "notice-icon", "aria-hidden": "true" }, icon),
    h("h2", { class: "notice-title" }, title),
    text && h("p", {}, text),
    action && h("button", { type: "button", class: "button primary", onclick: action.onClick }, action.label));
}

export function healthBadges(deal) {
  const health = deal.health || {};
  const capture = health.capture || {};  // how complete the counts are; its wording comes from the API
  const how = capture.source === "mailbox" ? "captured from the mailboxes for" : "logged on";
  const badges = [
    h("span", { class: "badge", title: `Emails from the buyer's side ${how} this deal` },
      h("span", { "aria-hidden": "true" }, "↘"), plural(health.inbound_count || 0, "inbound", "inbound")),
    h("span", { class: "badge", title: `Emails from your side ${how} this deal` },
      h("span", { "aria-hidden": "true" }, "↗"), plural(health.outbound_count || 0, "outbound", "outbound")),
    health.meetings_held ? h("span", { class: "badge" }, plural(health.meetings_held, "meeting")) : null,
    health.next_meeting ? h("span", { class: "badge" }, `Next meeting ${when(health.next_meeting)}`) : null,
    capture.description ? h("span", { class: "muted capture-note" }, capture.description) : null,
  ];
  const days = health.days_since_inbound;
  const closed = Boolean(deal.stage && deal.stage.is_closed); // a won or lost deal cannot go dark
  if (health.going_dark && !closed) {
    badges.unshift(h("span", { class: "badge badge-warning" }, `Going dark · ${plural(days ?? 0, "day")}`));
  } else if (days !== null && days !== undefined) {
    badges.push(h("span", { class: "badge" }, `Last reply ${daysAgo(days)}`));
  }
  badges.unshift(warningBadge(deal));
  if (!deal.editable) badges.push(h("span", { class: "badge badge-muted" }, "View only"));
  return h("div", { class: "badges" }, badges);
}

export function dealChoices(context) {
  // The same deal can match several people on the email: list it once, with why it matched each of them.
  // Deals a participant is a stakeholder of come first, those with more of them first (the server's order
  // within a person already puts stakeholder deals and recent activity first).
  const byId = new Map();
  for (const { contact, deals } of context.contacts || []) {
    for (const deal of deals) {
      if (!byId.has(deal.id)) byId.set(deal.id, { deal, contacts: [], reasons: [], stakeholders: 0 });
      const choice = byId.get(deal.id);
      choice.contacts.push(contact);
      choice.reasons.push(matchReason(deal.match, contact));
      if (deal.match && deal.match.reason === "stakeholder") choice.stakeholders += 1;
    }
  }
  return [...byId.values()].sort((a, b) => b.stakeholders - a.stakeholders);
}

/** The deal that is clearly it: the only deal, or the only one a participant is a stakeholder of. */
export function clearChoice(choices) {
  if (choices.length === 1) return choices[0].deal.id;
  const onDeal = choices.filter((c) => c.stakeholders > 0);
  return onDeal.length === 1 ? onDeal[0].deal.id : null;
}

export function picker(choices, onPick) {
  return h("section", { class: "picker", "aria-labelledby": "picker-title" },
    h("h2", { id: "picker-title", class: "section-title" }, `${plural(choices.length, "deal")} match this email`),
    h("ul", { class: "choice-list" }, choices.map(({ deal, reasons }) => h("li", {},
      h("button", { type: "button", class: "choice", dataset: { dealId: deal.id }, onclick: () => onPick(deal.id) },
        h("span", { class: "choice-name" }, deal.name),
        h("span", { class: "choice-meta" }, `${deal.account_name} · ${deal.stage.label}`),
        h("span", { class: "choice-meta choice-why" }, reasons.filter(Boolean).join(" · ")),
        healthBadges(deal))))));
}
