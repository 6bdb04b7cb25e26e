// People on the email who are not in the CRM: add them as a contact (name and company prefilled from the
// email), then put them on one of the rep's open deals with a role, or create a deal for their account.
// Every write goes through the API's write path: 200 saved, 202 "Syncing to the CRM…".

import { friendlyMessage } from "./api.js";
import { h, replace, uid } from "./dom.js";
import { state } from "./state.js";

const SYNCING = "Syncing to the CRM… It shows here once the CRM has it.";

/** The "Not in the CRM" section; `onChanged()` reloads the email once the CRM has the new records.
 *  None where the CRM takes no people from the inbox (config `addsPeople: false`): its buttons could only fail. */
export function strangers(unknown, message, onChanged) {
  if (!unknown || !unknown.length || (state.config && state.config.addsPeople === false)) return "";
  const names = displayNames(message);
  return h("section", { class: "strangers", "aria-labelledby": "strangers-title" },
    h("h3", { id: "strangers-title", class: "section-title" }, "Not in the CRM"),
    h("ul", { class: "stranger-list" }, unknown.map((person) => h("li", {},
      stranger({ ...person, name: names.get(person.email) || person.name }, onChanged)))));
}

function displayNames(message) {
  const all = message ? [message.from, ...(message.to || []), ...(message.cc || [])] : [];
  return new Map(all.filter((a) => a && a.name && a.name !== a.email).map((a) => [a.email, a.name]));
}

function stranger(person, onChanged) {
  const box = h("div", { class: "stranger" });
  const start = () => replace(box,
    h("span", { class: "person-name" }, person.name || person.email),
    h("span", { class: "muted stranger-email" }, person.email),
    h("button", { type: "button", class: "button", onclick: () => replace(box, contactForm(person, box, onChanged)) },
      `Add ${first(person)} to the CRM`));
  start();
  return box;
}

function contactForm(person, box, onChanged) {
  const ids = { name: uid("new-name"), company: uid("new-company") };
  const name = h("input", { id: ids.name, name: "name", type: "text", value: person.name, autocomplete: "off" });
  const company = h("input", { id: ids.company, name: "company", type: "text", value: person.company, autocomplete: "off" });
  const status = h("p", { class: "status", role: "status" });
  const submit = async (event) => {
    event.preventDefault();
    const contact = { email: person.email, name: name.value.trim(), company: company.value.trim() };
    const result = await send(status, "POST", "/contacts", { contact }, "Adding…");
    if (result) replace(box, nextSteps({ ...person, ...contact }, result.status === 202, box, onChanged));
  };
  return h("form", { class: "stranger-form", novalidate: true, onsubmit: submit },
    h("p", { class: "muted" }, person.email),
    h("label", { for: ids.name }, "Name"), name,
    h("label", { for: ids.company }, "Company"), company,
    h("div", { class: "form-actions" }, h("button", { type: "submit", class: "button primary" }, "Add contact")),
    status);
}

function nextSteps(person, queued, box, onChanged) {
  return h("div", { class: "stranger-next" },
    h("p", { class: queued ? "status status-queued" : "status status-saved" },
      queued ? `${person.name || person.email}: ${SYNCING}` : `✓ ${person.name || person.email} is in the CRM.`),
    h("div", { class: "form-actions" },
      h("button", { type: "button", class: "button", onclick: () => attachForm(person, box, onChanged) },
        "Add to one of my deals"),
      h("button", { type: "button", class: "button", onclick: () => newDealForm(person, box, onChanged) },
        "Create a deal")));
}

async function attachForm(person, box, onChanged) {
  replace(box, h("p", { class: "muted" }, "Loading your deals…"));
  try {
    const [{ deals }, options] = await Promise.all([state.api.get("/pipeline"), loadOptions()]);
    const mine = deals.filter((d) => d.editable);
    const ids = { deal: uid("attach-deal"), role: uid("attach-role") };
    const deal = h("select", { id: ids.deal, name: "deal" }, mine.map((d) => h("option", { value: d.id }, `${d.name} · ${d.account_name}`)));
    const role = roleSelect(ids.role, options.roles);
    const status = h("p", { class: "status", role: "status" });
    const submit = async (event) => {
      event.preventDefault();
      const body = { contact: contactOf(person), role: role.value };
      const result = await send(status, "POST", `/deals/${encodeURIComponent(deal.value)}/stakeholders`, body, "Adding…");
      if (result) done(box, result, onChanged);
    };
    replace(box, h("form", { class: "stranger-form", novalidate: true, onsubmit: submit },
      h("p", { class: "person-name" }, `Add ${person.name || person.email} to a deal`),
      h("label", { for: ids.deal }, "Deal"), deal,
      h("label", { for: ids.role }, "Role"), role,
      h("div", { class: "form-actions" }, h("button", { type: "submit", class: "button primary", disabled: !mine.length }, "Add to deal")),
      status));
  } catch (error) {
    replace(box, h("p", { class: "status status-error" }, `⚠ ${error.message}`));
  }
}

async function newDealForm(person, box, onChanged) {
  replace(box, h("p", { class: "muted" }, "Loading…"));
  try {
    const options = await loadOptions();
    const ids = { name: uid("deal-name"), stage: uid("deal-stage"), amount: uid("deal-amount"), close: uid("deal-close"), role: uid("deal-role") };
    const close = new Date(Date.now() + 90 * 86400000).toISOString().slice(0, 10);
    const name = h("input", { id: ids.name, name: "name", type: "text", maxLength: 120, value: `${person.company || "New"} deal` });
    const stage = h("select", { id: ids.stage, name: "stage" }, options.stages.map((s) => h("option", { value: s.id }, s.label)));
    const amount = h("input", { id: ids.amount, name: "amount", type: "number", min: "0", step: "1", inputMode: "numeric" });
    const closeDate = h("input", { id: ids.close, name: "close_date", type: "date", value: close });
    const role = roleSelect(ids.role, options.roles);
    const status = h("p", { class: "status", role: "status" });
    const submit = async (event) => {
      event.preventDefault();
      const body = { name: name.value.trim(), stage: stage.value, close_date: closeDate.value,
        amount: amount.value === "" ? null : amount.value, role: role.value, contact: contactOf(person) };
      const result = await send(status, "POST", "/deals", body, "Creating…");
      if (result) done(box, result, onChanged);
    };
    replace(box, h("form", { class: "stranger-form", novalidate: true, onsubmit: submit },
      h("p", { class: "person-name" }, `New deal with ${person.name || person.email}`),
      h("label", { for: ids.name }, "Deal name"), name,
      h("label", { for: ids.stage }, "Stage"), stage,
      h("label", { for: ids.amount }, `Amount (${options.currency})`), amount,
      h("label", { for: ids.close }, "Close date"), closeDate,
      h("label", { for: ids.role }, `${first(person)}'s role`), role,
      h("div", { class: "form-actions" }, h("button", { type: "submit", class: "button primary" }, "Create deal")),
      status));
  } catch (error) {
    replace(box, h("p", { class: "status status-error" }, `⚠ ${error.message}`));
  }
}

function done(box, result, onChanged) {
  if (result.status === 202) return replace(box, h("p", { class: "status status-queued" }, SYNCING));
  onChanged(); // the CRM has it: the email's deals now include the one they are on
}

async function send(status, method, path, body, busyText) {
  replace(status, busyText);
  status.className = "status status-saving";
  const result = await state.api.write(method, path, body);
  if (result.status === 200 || result.status === 202) return result;
  status.className = "status status-error";
  replace(status, `⚠ ${friendlyMessage(result.status, result.data)}`);
  return null;
}

let cachedOptions = null;
async function loadOptions() {
  cachedOptions = cachedOptions || await state.api.get("/crm/options");
  return cachedOptions;
}

function roleSelect(id, roles) {
  return h("select", { id, name: "role" }, h("option", { value: "" }, "No role"), roles.map((r) => h("option", { value: r }, r)));
}

function contactOf(person) {
  return { email: person.email, name: person.name || "", company: person.company || "" };
}

function first(person) {
  return (person.name || person.email).split(/[ @]/)[0];
}
