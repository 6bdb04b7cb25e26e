// One deal: facts, health, the stage / next-step form with honest save feedback (saving, saved, syncing,
// conflict, refused), the 👍/👎 rating of the open email, stakeholders and business case.

import { h, replace, uid } from "./dom.js";
import { day, money } from "./format.js";
import { state } from "./state.js";
import { healthBadges } from "./views.js";

const CASE_FIELDS = [
  ["problem", "Problem"], ["root_cause", "Root cause"], ["why_it_matters", "Why it matters"],
  ["budget", "Budget"], ["compelling_event", "Compelling event"], ["risks", "Risks"],
];
const BUSY = new Set(["saving", "queued"]);
const LOCKED = new Set([...BUSY, "conflict"]); // no new save until the rep has chosen theirs or mine

export class DealView {
  /** `actions`: {save(fields), rate(rating), keepTheirs(), applyMine(), back?, backLabel?}; `message` may be null. */
  constructor(dealId, message, actions) {
    this.dealId = dealId;
    this.message = message;
    this.actions = actions;
    this.ids = { title: uid("deal-title"), stage: uid("stage"), step: uid("next-step"), count: uid("count") };
    this.formVersion = null;
    this.el = h("article", { class: "deal", "aria-labelledby": this.ids.title });
    this.parts = {
      head: h("div"), form: h("div"), status: h("div", { class: "save-status", role: "status", "aria-live": "polite" }),
      rate: h("div"), details: h("div"),
    };
    if (actions.back) {
      this.el.append(h("button", { type: "button", class: "link back", onclick: actions.back }, `← ${actions.backLabel}`));
    }
    this.el.append(this.parts.head, this.parts.form, this.parts.status, this.parts.rate, this.parts.details);
    this.update();
  }

  get deal() {
    return state.deals.get(this.dealId);
  }

  /** Re-render from the newest deal; the form is rebuilt only when the deal's version moved, so typing survives. */
  update() {
    const deal = this.deal;
    replace(this.parts.head, this.header(deal));
    if (this.formVersion !== deal.version) {
      replace(this.parts.form, deal.editable ? this.form(deal) : this.readOnly(deal));
      this.formVersion = deal.version;
    }
    this.showStatus();
    this.showRating();
    replace(this.parts.details, this.stakeholders(deal), this.businessCase(deal));
  }

  focusTitle() {
    this.el.querySelector(`#${this.ids.title}`).focus();
  }

  header(deal) {
    return h("header", { class: "deal-head" },
      h("h2", { id: this.ids.title, class: "deal-name", tabIndex: -1 }, deal.name),
      h("p", { class: "muted" }, deal.account_name,
        deal.url ? [" · ", h("a", { href: deal.url, target: "_blank", rel: "noopener" }, "Open in CRM")] : ""),
      healthBadges(deal),
      h("dl", { class: "facts" },
        fact("Amount", money(deal.amount, deal.currency)), fact("Close date", day(deal.close_date)),
        fact("Owner", deal.owner_name || deal.owner_email),
        fact("Probability", deal.probability === null || deal.probability === undefined ? "—" : `${deal.probability}%`)));
  }

  form(deal) {
    const max = state.config.nextStepMax;
    const stage = h("select", { id: this.ids.stage, name: "stage" },
      deal.stages.map((s) => h("option", { value: s.id, selected: s.id === deal.stage.id }, s.label)));
    const step = h("input", {
      id: this.ids.step, name: "next_step", type: "text", maxLength: max, value: deal.next_step || "",
      autocomplete: "off", "aria-describedby": this.ids.count, placeholder: "What happens next, and when?",
    });
    const count = h("span", { id: this.ids.count, class: "counter", "aria-live": "off" });
    const save = h("button", { type: "submit", class: "button primary" }, "Save");
    const changed = () => {
      const fields = {};
      if (stage.value !== deal.stage.id) fields.stage = stage.value;
      if (step.value !== (deal.next_step || "")) fields.next_step = step.value;
      return fields;
    };
    const refresh = () => {
      count.textContent = `${step.value.length}/${max}`;
      count.classList.toggle("counter-full", step.value.length >= max);
      const status = state.status.get(this.dealId);
      save.disabled = !Object.keys(changed()).length || Boolean(status && LOCKED.has(status.kind));
    };
    stage.addEventListener("change", refresh);
    step.addEventListener("input", refresh);
    this.refreshForm = refresh;
    refresh();
    return h("form", {
      class: "deal-form", novalidate: true,
      onsubmit: (event) => {
        event.preventDefault();
        const fields = changed();
        if (Object.keys(fields).length) this.actions.save(fields);
      },
    },
    h("label", { for: this.ids.stage }, "Stage"), stage,
    h("div", { class: "label-row" }, h("label", { for: this.ids.step }, "Next step"), count), step,
    h("div", { class: "form-actions" }, save));
  }

  readOnly(deal) {
    this.refreshForm = null;
    return h("div", { class: "read-only" },
      h("dl", { class: "facts facts-wide" }, fact("Stage", deal.stage.label), fact("Next step", deal.next_step || "—")),
      h("p", { class: "note" }, `View only: ${deal.owner_name || deal.owner_email} and the deal team can change this deal.`));
  }

  showStatus() {
    const status = state.status.get(this.dealId);
    if (this.refreshForm) this.refreshForm();
    if (!status) return replace(this.parts.status);
    if (status.kind === "conflict") return replace(this.parts.status, this.conflict(status));
    const icon = { saved: "✓", synced: "✓", rejected: "⚠", error: "⚠" }[status.kind] || "";
    return replace(this.parts.status, h("p", { class: `status status-${status.kind}` },
      BUSY.has(status.kind) ? h("span", { class: "spinner", "aria-hidden": "true" }) : "",
      icon ? h("span", { "aria-hidden": "true" }, `${icon} `) : "", status.text));
  }

  conflict(status) {
    const theirs = status.theirs || this.deal;
    const label = (id) => (theirs.stages.find((s) => s.id === id) || { label: id }).label;
    const rows = Object.entries(status.conflict.fields || {}).map(([field, pair]) => h("tr", {},
      h("th", { scope: "row" }, field === "stage" ? "Stage" : "Next step"),
      h("td", {}, field === "stage" ? label(pair.theirs) : pair.theirs || "—"),
      h("td", {}, field === "stage" ? label(pair.yours) : pair.yours || "—")));
    return h("div", { class: "conflict", role: "alert" },
      h("p", {}, h("strong", {}, "Someone else changed this deal"), " since you opened it. Pick which version to keep."),
      h("table", { class: "conflict-table" },
        h("thead", {}, h("tr", {}, h("td"), h("th", { scope: "col" }, "Theirs"), h("th", { scope: "col" }, "Yours"))),
        h("tbody", {}, rows)),
      h("div", { class: "form-actions" },
        h("button", { type: "button", class: "button", onclick: () => this.actions.keepTheirs() }, "Keep theirs"),
        h("button", { type: "button", class: "button primary", onclick: () => this.actions.applyMine() }, "Apply mine")));
  }

  showRating() {
    const deal = this.deal;
    if (!this.message || !deal.editable) return replace(this.parts.rate);
    if (!this.message.messageId) {
      return replace(this.parts.rate,
        h("p", { class: "note" }, "This email can't be rated yet: Outlook has not given it a Message-ID."));
    }
    const progress = state.rating.get(`${this.dealId} ${this.message.messageId}`);
    const logged = (deal.activities || []).find((a) => a.message_id === this.message.messageId);
    const current = progress && progress.pending !== undefined ? progress.pending : logged ? logged.rating : null;
    const busy = Boolean(progress && BUSY.has(progress.kind));
    const button = (rating, emoji, text) => h("button", {
      type: "button", class: "rate-button", "aria-pressed": String(current === rating), disabled: busy,
      title: current === rating ? `Remove the ${text.toLowerCase()} rating` : `Rate this email ${text.toLowerCase()}`,
      onclick: () => this.actions.rate(current === rating ? null : rating),
    }, h("span", { class: "emoji", "aria-hidden": "true" }, emoji), text);
    const summary = progress ? progress.text
      : current ? `You rated this email ${current}.` : logged ? "Logged on this deal, not rated yet." : "Not rated yet.";
    return replace(this.parts.rate, h("section", { class: "rate", "aria-label": "Rate this email" },
      h("h3", { class: "section-title" }, "This email"),
      h("div", { class: "rate-buttons", role: "group", "aria-label": "Rating" },
        button("positive", "👍", "Positive"), button("negative", "👎", "Negative")),
      h("p", { class: `rate-status status-${progress ? progress.kind : "idle"}`, role: "status" },
        busy ? h("span", { class: "spinner", "aria-hidden": "true" }) : "", summary)));
  }

  stakeholders(deal) {
    const people = deal.stakeholders || [];
    if (!people.length) return "";
    return h("details", { class: "section", open: true },
      h("summary", {}, `Stakeholders (${people.length})`),
      h("ul", { class: "people" }, people.map((p) => h("li", {},
        h("span", { class: "person-name" }, p.name, p.is_primary ? h("span", { class: "badge badge-small" }, "Primary") : ""),
        h("span", { class: "muted" }, [p.role, p.email].filter(Boolean).join(" · "))))));
  }

  businessCase(deal) {
    const bc = deal.business_case || {};
    const present = CASE_FIELDS.filter(([key]) => bc[key]);
    if (!present.length) return "";
    return h("details", { class: "section", open: true },
      h("summary", {}, "Business case"),
      h("dl", { class: "case" }, present.map(([key, label]) => [h("dt", {}, label), h("dd", {}, bc[key])])));
  }
}

function fact(label, value) {
  return h("div", { class: "fact" }, h("dt", {}, label), h("dd", {}, value));
}
