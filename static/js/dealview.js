// One deal: facts, health, the stage / next-step form (unsaved edits kept per deal) with honest save
// feedback (saving, saved, syncing, conflict, refused, waiting for a CRM connection), the 👍/👎 rating of
// the open email beside its tone (sentiment.js), warnings and tone trend (dealsignals.js), recent emails,
// stakeholders and business case.

import { closeConfirm } from "./closeconfirm.js";
import { conflictView } from "./conflictview.js";
import { DealSignals } from "./dealsignals.js";
import { h, replace, uid } from "./dom.js";
import { draftOf, keepDraft } from "./drafts.js";
import { day, money } from "./format.js";
import { ratingChoices, readingOf, showReading } from "./sentiment.js";
import { clearStatus, state } from "./state.js";
import { recentEmails } from "./recent.js";
import { healthBadges } from "./views.js";

const CASE_FIELDS = [
  ["problem", "Problem"], ["root_cause", "Root cause"], ["why_it_matters", "Why it matters"],
  ["budget", "Budget"], ["compelling_event", "Compelling event"], ["risks", "Risks"],
];
const BUSY = new Set(["saving", "queued"]);
// No new save until the rep has chosen theirs or mine, or connected the CRM that holds the parked one.
const LOCKED = new Set([...BUSY, "conflict", "needs_connect"]);
const STALE_ON_EDIT = new Set(["saved", "synced", "kept"]);
const IN_FLIGHT = new Set(["queued", "stalled", "needs_connect"]); // accepted by the server, not in the CRM yet

export class DealView {
  /** `actions`: {save(fields), rate(rating), keepTheirs(), applyMine(), back?, backLabel?}; `message` may be null. */
  constructor(dealId, message, actions) {
    this.dealId = dealId;
    this.message = message;
    this.actions = actions;
    this.ids = { title: uid("deal-title"), stage: uid("stage"), step: uid("next-step"), count: uid("count") };
    this.formVersion = null;
    this.lastEdited = null; // the field the rep last changed; focus goes back to it once a save settles
    this.refocus = null;
    this.el = h("article", { class: "deal", "aria-labelledby": this.ids.title });
    this.signals = new DealSignals();
    // Kept across re-renders of the rating, so the live region speaks only when the reading arrives.
    this.readingEl = h("div", { class: "reading", id: uid("reading"), role: "status", "aria-live": "polite" });
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

  /** Re-render from the newest deal; the form is rebuilt only when the deal's version moved (drafts survive). */
  update() {
    const deal = this.deal;
    this.signals.update(deal);
    replace(this.parts.head, this.header(deal));
    if (this.formVersion !== deal.version) this.rebuildForm(deal);
    this.showStatus();
    this.showRating();
    replace(this.parts.details, recentEmails(deal), this.stakeholders(deal), this.businessCase(deal));
  }

  /** Redraw the form from the deal and the rep's unsaved edits (e.g. after those were saved or dropped). */
  resetForm() {
    this.rebuildForm(this.deal);
    this.showStatus();
  }

  rebuildForm(deal) {
    const active = this.parts.form.contains(document.activeElement) ? document.activeElement.name : null;
    replace(this.parts.form, deal.editable ? this.form(deal) : this.readOnly(deal));
    this.formVersion = deal.version;
    if (active) this.focusField(active);
  }

  focusTitle() {
    this.el.querySelector(`#${this.ids.title}`).focus();
  }

  focusField(name) {
    const field = this.parts.form.querySelector(`[name="${name}"]`);
    if (!field) return;
    field.focus();
    if (field.type === "text" || field.type === "textarea") field.setSelectionRange(field.value.length, field.value.length);
  }

  header(deal) {
    return h("header", { class: "deal-head" },
      h("h2", { id: this.ids.title, class: "deal-name", tabIndex: -1 }, deal.name),
      h("p", { class: "muted" }, deal.account_name,
        deal.url ? [" · ", h("a", { href: deal.url, target: "_blank", rel: "noopener" }, "Open in CRM")] : ""),
      healthBadges(deal),
      this.signals.el, // warnings and the tone trend, right under the badges
      h("dl", { class: "facts" },
        fact("Amount", money(deal.amount, deal.currency)), fact("Close date", day(deal.close_date)),
        fact("Owner", deal.owner_name || deal.owner_email),
        fact("Probability", deal.probability === null || deal.probability === undefined ? "—" : `${deal.probability}%`)));
  }

  form(deal) {
    const max = state.config.nextStepMax;
    // What the CRM has or will have once the save on its way lands; the form differs from it only by edits.
    const base = () => {
      const status = state.status.get(this.dealId);
      const sending = status && IN_FLIGHT.has(status.kind) ? status.fields : {};
      return { stage: deal.stage.id, next_step: deal.next_step || "", ...sending };
    };
    const draft = draftOf(deal.id);
    const shown = { ...base(), ...(draft ? draft.fields : {}) };
    const stage = h("select", { id: this.ids.stage, name: "stage" },
      deal.stages.map((s) => h("option", { value: s.id, selected: s.id === shown.stage }, s.label)));
    const step = h("textarea", {
      id: this.ids.step, name: "next_step", rows: 3, maxLength: max,
      autocomplete: "off", "aria-describedby": this.ids.count, placeholder: "What happens next, and when?",
    });
    step.value = shown.next_step; // a textarea's text is its value, not an attribute
    const count = h("span", { id: this.ids.count, class: "counter", "aria-live": "off" });
    const save = h("button", { type: "submit", class: "button primary" }, "Save");
    const unsaved = h("span", { class: "unsaved" }, "Not saved yet");
    const changed = () => {
      const now = base();
      const fields = {};
      if (stage.value !== now.stage) fields.stage = stage.value;
      if (step.value !== now.next_step) fields.next_step = step.value;
      return fields;
    };
    const refresh = () => {
      count.textContent = `${step.value.length}/${max}`;
      count.classList.toggle("counter-full", step.value.length >= max);
      const status = state.status.get(this.dealId);
      const pending = Object.keys(changed()).length > 0;
      save.disabled = !pending || Boolean(status && LOCKED.has(status.kind));
      unsaved.hidden = !pending || Boolean(status && BUSY.has(status.kind));
    };
    const edited = (event) => {
      keepDraft(deal, changed());
      this.lastEdited = event.target.name;
      const status = state.status.get(this.dealId);
      if (status && STALE_ON_EDIT.has(status.kind)) clearStatus(this.dealId); // a "✓ Saved" of older values
      refresh();
    };
    stage.addEventListener("change", edited);
    step.addEventListener("input", edited);
    this.refreshForm = refresh;
    refresh();
    return h("form", {
      class: "deal-form", novalidate: true,
      onsubmit: (event) => {
        event.preventDefault();
        const fields = changed();
        if (!Object.keys(fields).length) return;
        const target = fields.stage && deal.stages.find((st) => st.id === fields.stage);
        if (target && target.is_closed) return this.confirmClose(target, fields, max);
        this.refocus = this.lastEdited || Object.keys(fields)[0];
        this.actions.save(fields);
      },
    },
    h("label", { for: this.ids.stage }, "Stage"), stage,
    h("div", { class: "label-row" }, h("label", { for: this.ids.step }, "Next step"), count), step,
    h("div", { class: "form-actions" }, save, unsaved));
  }

  /** Ask before a closed stage; the optional reason is saved as the next step. */
  confirmClose(stage, fields, max) {
    const form = this.parts.form.firstChild;
    const back = () => {
      confirm.remove();
      form.hidden = false;
      this.focusField("stage");
    };
    const confirm = closeConfirm(stage, max, (reason) => {
      confirm.remove();
      form.hidden = false;
      const next = reason ? { next_step: `${stage.label}: ${reason}`.slice(0, max) } : {};
      this.refocus = "stage";
      this.actions.save({ ...fields, ...next });
    }, back);
    form.hidden = true;
    this.parts.form.append(confirm);
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
    if (status.kind === "conflict") return replace(this.parts.status, conflictView(status, this.deal, this.actions));
    const icon = { saved: "✓", synced: "✓", rejected: "⚠", error: "⚠" }[status.kind] || "";
    replace(this.parts.status, h("p", { class: `status status-${status.kind}` },
      BUSY.has(status.kind) ? h("span", { class: "spinner", "aria-hidden": "true" }) : "",
      icon ? h("span", { "aria-hidden": "true" }, `${icon} `) : "", status.text));
    return this.returnFocus(status);
  }

  returnFocus(status) {
    // The Save (or Apply mine) button the rep used is disabled or gone now: put them back where they typed.
    if (!this.refocus || status.kind === "saving" || !this.el.isConnected) return;
    const active = document.activeElement;
    if (active && active !== document.body && !this.el.contains(active)) return; // the rep is elsewhere now
    this.focusField(this.refocus);
    this.refocus = null;
  }

  showRating() {
    const deal = this.deal;
    if (!this.message) return replace(this.parts.rate);
    // The tone shows before the rep rates, even where they can't rate; a failed reading just stays out of the way.
    // Kept by this view: a failed reading is retried by the next view of the email, never in a loop here.
    this.reading ??= readingOf(this.message, () => this.el.isConnected && this.showRating());
    const reading = this.reading;
    showReading(this.readingEl, reading);
    const title = h("h3", { class: "section-title" }, "This email");
    if (!deal.editable || !this.message.messageId) {
      return replace(this.parts.rate, h("section", { class: "rate", "aria-label": "This email" }, title, this.readingEl,
        deal.editable ? h("p", { class: "note" }, "This email can't be rated yet: Outlook has not given it a Message-ID.") : ""));
    }
    const progress = state.rating.get(`${this.dealId} ${this.message.messageId}`);
    const logged = (deal.activities || []).find((a) => a.message_id === this.message.messageId);
    const current = progress && progress.pending !== undefined ? progress.pending : logged ? logged.rating : null;
    const busy = Boolean(progress && BUSY.has(progress.kind));
    const button = ({ rating, emoji, text, hint }) => h("button", {
      type: "button", class: "rate-button", "aria-pressed": String(current === rating), disabled: busy,
      title: current === rating ? `Remove the ${rating} rating` : `Rate this email ${rating}`,
      onclick: () => this.actions.rate(current === rating ? null : rating),
    }, h("span", { class: "emoji", "aria-hidden": "true" }, emoji), text, hint ? h("span", { class: "sr-only" }, hint) : "");
    // Outlook can log an email on the deal without rating it (Gmail always could).
    const logOnly = !logged && !progress ? h("button", {
      type: "button", class: "button log-only", onclick: () => this.actions.rate(null, true),
    }, "Log without rating") : "";
    const summary = progress ? progress.text
      : current ? `You rated this email ${current}.` : logged ? "Logged on this deal, not rated yet." : "Not rated yet.";
    return replace(this.parts.rate, h("section", { class: "rate", "aria-label": "Rate this email" }, title, this.readingEl,
      h("div", { class: "rate-buttons", role: "group", "aria-label": "Rating" }, ratingChoices(reading).map(button), logOnly),
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
