// The pipeline tab: the rep's own deals under "My pipeline", deals they are on the team of under "Team
// deals"; each card with stage, amount, close date and next step; a total; filter by stage or going dark,
// and search. Filters live in `filters` so they survive opening a deal and coming back.

import { warningsOf } from "./dealsignals.js";
import { h, replace, uid } from "./dom.js";
import { day, money, plural } from "./format.js";
import { healthBadges, notice } from "./views.js";

export const filters = { q: "", stage: "", dark: false };

export function pipelineView(deals, me, onOpen) {
  if (!deals.length) {
    return notice({ title: "No open deals", text: "Deals you own or are on the team of appear here.", icon: "📭" });
  }
  const ids = { q: uid("pipe-search"), stage: uid("pipe-stage"), dark: uid("pipe-dark") };
  const results = h("div", { class: "pipeline-results", "aria-live": "polite" });
  const stages = [...new Map(deals.map((d) => [d.stage.label, d.stage])).values()];
  const search = h("input", { id: ids.q, type: "search", value: filters.q, placeholder: "Name, account or next step" });
  const stage = h("select", { id: ids.stage },
    h("option", { value: "" }, "All stages"),
    stages.map((s) => h("option", { value: s.label, selected: s.label === filters.stage }, s.label)));
  const dark = h("input", { id: ids.dark, type: "checkbox", checked: filters.dark });
  const refresh = () => {
    Object.assign(filters, { q: search.value.trim().toLowerCase(), stage: stage.value, dark: dark.checked });
    replace(results, ...groups(deals.filter(matches), me, onOpen));
  };
  search.addEventListener("input", refresh);
  stage.addEventListener("change", refresh);
  dark.addEventListener("change", refresh);
  refresh();
  return h("section", { class: "pipeline", "aria-label": "Pipeline" },
    h("div", { class: "pipeline-filters" },
      h("label", { for: ids.q, class: "sr-only" }, "Search deals"), search,
      h("label", { for: ids.stage, class: "sr-only" }, "Stage"), stage,
      h("label", { class: "check" }, dark, "Going dark only")),
    results);
}

function matches(deal) {
  const text = `${deal.name} ${deal.account_name} ${deal.next_step || ""}`.toLowerCase();
  return (!filters.q || text.includes(filters.q))
    && (!filters.stage || deal.stage.label === filters.stage)
    && (!filters.dark || Boolean(deal.health && deal.health.going_dark));
}

function groups(deals, me, onOpen) {
  if (!deals.length) return [h("p", { class: "muted" }, "No deals match these filters.")];
  const mine = deals.filter((d) => (d.owner_email || "").toLowerCase() === me);
  const team = deals.filter((d) => (d.owner_email || "").toLowerCase() !== me);
  return [
    h("p", { class: "pipeline-total" }, `${plural(deals.length, "open deal")} · ${total(deals)}`),
    group("My pipeline", mine, onOpen, "You own no open deals that match."),
    team.length ? group("Team deals", team, onOpen) : "",
  ];
}

function group(title, deals, onOpen, empty = "") {
  const id = uid("pipe-group");
  const dark = deals.filter((d) => d.health && d.health.going_dark).length;
  return h("section", { class: "pipeline-group", "aria-labelledby": id },
    h("h2", { id, class: "section-title" }, title, h("span", { class: "muted" },
      ` · ${plural(deals.length, "deal")}${dark ? ` · ${dark} going dark` : ""}`)),
    deals.length ? h("ul", { class: "choice-list" }, deals.map((deal) => h("li", {}, card(deal, onOpen))))
      : h("p", { class: "muted" }, empty));
}

function card(deal, onOpen) {
  return h("button", { type: "button", class: `choice${warningsOf(deal).length ? " choice-warned" : ""}`,
    dataset: { dealId: deal.id }, onclick: () => onOpen(deal.id) },
    h("span", { class: "choice-name" }, deal.name),
    h("span", { class: "choice-meta" }, `${deal.account_name} · ${deal.stage.label}`),
    h("span", { class: "choice-meta" }, `${money(deal.amount, deal.currency)} · closes ${day(deal.close_date)}`),
    deal.next_step ? h("span", { class: "choice-next" }, `Next: ${deal.next_step}`) : "",
    healthBadges(deal));
}

function total(deals) {
  const sums = new Map();
  for (const d of deals) {
    if (d.amount === null || d.amount === undefined) continue;
    sums.set(d.currency, (sums.get(d.currency) || 0) + Number(d.amount));
  }
  return [...sums].map(([currency, sum]) => money(sum, currency)).join(" + ") || "no amounts";
}
