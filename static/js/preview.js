// The preview page (/preview, demo sign-in only): a fake Outlook inbox of demo emails around the real
// taskpane. Opening an email loads the taskpane once, like pinning it; later selections reach it as
// ItemChanged through the Office stand-in (office-standin.js), over postMessage.

import { h, replace } from "./dom.js";
import { when } from "./format.js";

const HELLO = "addin-preview:hello";
const ITEM = "addin-preview:item";
const WIDTHS = [320, 450];

const page = { user: null, messages: [], selected: null, frame: null };
const list = h("ul", { class: "pv-messages" });
const reading = h("article", { class: "pv-read", "aria-label": "Reading pane" });
const pane = h("aside", { class: "pv-pane", "aria-label": "Add-in taskpane" });

boot();

async function boot() {
  document.body.append(
    h("header", { class: "pv-bar" },
      h("h1", {}, "Deal Desk ", h("span", { class: "pv-tag" }, "preview")),
      h("p", {}, "A fake Outlook mailbox around the real taskpane: demo sign-in, demo CRM data."),
      h("div", { class: "pv-widths", role: "group", "aria-label": "Taskpane width" }, "Pane width",
        WIDTHS.map((w) => h("button", { type: "button", class: "pv-width", "aria-pressed": String(w === WIDTHS[0]),
          dataset: { width: String(w) }, onclick: () => setWidth(w) }, `${w} px`)))),
    h("div", { class: "pv-main" },
      h("nav", { class: "pv-inbox", "aria-label": "Inbox" }, h("h2", {}, "Inbox"), list,
        h("button", { type: "button", class: "pv-clear", onclick: () => select(null) }, "Clear selection")),
      reading, pane));
  window.addEventListener("message", onFrameMessage);
  const response = await fetch("/preview/mailbox.json", { cache: "no-cache" });
  if (!response.ok) return replace(reading, h("p", {}, "The preview needs demo sign-in: start the app with ADDIN_DEV_IDP=1."));
  Object.assign(page, await response.json());
  renderList();
  renderReading();
  replace(pane, h("p", { class: "pv-hint" }, "Open an email: the add-in's taskpane opens here and stays pinned."));
}

function renderList() {
  replace(list, page.messages.map((m) => h("li", {},
    h("button", { type: "button", class: "pv-message", "aria-current": String(page.selected === m), dataset: { itemId: m.itemId },
      onclick: () => select(m) },
    h("span", { class: "pv-from" }, m.from.displayName || m.from.emailAddress, h("span", { class: "pv-date" }, when(m.dateTimeCreated))),
    h("span", { class: "pv-subject" }, m.subject)))));
}

function renderReading() {
  const m = page.selected;
  if (!m) return replace(reading, h("p", { class: "pv-empty" }, "Select an email to read it."));
  const people = (list) => list.map((a) => `${a.displayName} <${a.emailAddress}>`).join(", ");
  return replace(reading,
    h("h2", {}, m.subject),
    h("p", { class: "pv-meta" }, h("strong", {}, m.from.displayName), ` <${m.from.emailAddress}>`),
    h("p", { class: "pv-meta" }, `To: ${people(m.to)}`), m.cc.length ? h("p", { class: "pv-meta" }, `Cc: ${people(m.cc)}`) : "",
    h("p", { class: "pv-meta" }, new Date(m.dateTimeCreated).toLocaleString()),
    h("div", { class: "pv-body" }, m.body));
}

function select(message) {
  page.selected = message;
  renderList();
  renderReading();
  if (!page.frame && message) {
    page.frame = h("iframe", { id: "taskpane", title: "Deal Desk taskpane", src: "/taskpane.html?preview=1" });
    replace(pane, page.frame);
    setWidth(Number(document.querySelector('.pv-width[aria-pressed="true"]').dataset.width));
  } else if (page.frame) {
    send(); // the pinned pane follows the selection (ItemChanged)
  }
}

function setWidth(width) {
  for (const button of document.querySelectorAll(".pv-width")) {
    button.setAttribute("aria-pressed", String(Number(button.dataset.width) === width));
  }
  document.documentElement.style.setProperty("--pane-width", `${width}px`);
}

function onFrameMessage(event) {
  if (!page.frame || event.source !== page.frame.contentWindow || event.origin !== location.origin) return;
  if (event.data && event.data.type === HELLO) send();
}

function send() {
  page.frame.contentWindow.postMessage({ type: ITEM, item: page.selected, userProfile: page.user }, location.origin);
}
