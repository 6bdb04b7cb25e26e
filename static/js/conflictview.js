// The conflict screen: every field that moved since the rep's version — the ones the rep also edited as
// "Yours / Theirs", the others as "Also changed" — with who and when when the CRM says, and the choice.

import { h } from "./dom.js";
import { day, money, when } from "./format.js";

const LABELS = { stage: "Stage", next_step: "Next step", amount: "Amount", close_date: "Close date" };

/** The conflict of `status` against `deal` (the deal as it is now); `actions`: {keepTheirs(), applyMine()}. */
export function conflictView(status, deal, actions) {
  const conflict = status.conflict || {};
  const clashing = Object.entries(conflict.fields || {});
  const also = Object.entries(conflict.also_changed || {});
  const shown = (field, value) => display(field, value, deal);
  return h("div", { class: "conflict", role: "alert" },
    h("p", {}, h("strong", {}, "Someone else changed this deal"), " since you opened it. Pick which version to keep."),
    byline(conflict),
    clashing.length ? h("table", { class: "conflict-table" },
      h("thead", {}, h("tr", {}, h("td"), h("th", { scope: "col" }, "Yours"), h("th", { scope: "col" }, "Theirs"))),
      h("tbody", {}, clashing.map(([field, pair]) => h("tr", {},
        h("th", { scope: "row" }, LABELS[field] || field),
        h("td", {}, shown(field, pair.yours)), h("td", {}, shown(field, pair.theirs)))))) : "",
    also.length ? h("table", { class: "conflict-table also-changed" },
      h("caption", {}, "Also changed"),
      h("tbody", {}, also.map(([field, change]) => h("tr", {},
        h("th", { scope: "row" }, LABELS[field] || field), h("td", {}, shown(field, change.theirs)))))) : "",
    h("div", { class: "form-actions" },
      h("button", { type: "button", class: "button", onclick: () => actions.keepTheirs() }, "Keep theirs"),
      h("button", { type: "button", class: "button primary", onclick: () => actions.applyMine() }, "Apply mine")));
}

function byline(conflict) {
  const at = conflict.changed_at && !Number.isNaN(Date.parse(conflict.changed_at)) ? when(conflict.changed_at) : "";
  const parts = [conflict.changed_by ? `by ${conflict.changed_by}` : "", at].filter(Boolean);
  return parts.length ? h("p", { class: "conflict-by" }, parts.join(", ")) : "";
}

function display(field, value, deal) {
  if (value === null || value === undefined || value === "") return "—";
  if (field === "stage") return (deal.stages.find((s) => s.id === value) || { label: value }).label;
  if (field === "amount") return money(value, deal.currency);
  if (field === "close_date") return day(value);
  return String(value);
}
