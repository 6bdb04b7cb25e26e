// Start-up and wiring: config → Office host → quiet sign-in → the open email's deals; tabs; the pinned pane
// following the selection (ItemChanged, item may be null); background save outcomes as toasts; the
// "connect your CRM" banner for parked changes.

import { SignInRequired, createAuth } from "./auth.js";
import { createApi } from "./api.js";
import { replace } from "./dom.js";
import { connectHost } from "./host.js";
import { createMailbox } from "./mailbox.js";
import { initPanels, loadPipeline, mounted, openMessage, panels } from "./panels.js";
import { checkPending, initBanner } from "./pending.js";
import { resumeParked } from "./saves.js";
import { on, state } from "./state.js";
import { notice } from "./views.js";

const TOAST_KINDS = new Set(["saved", "synced", "rejected", "error", "conflict", "stalled"]);
const tabs = [...document.querySelectorAll('[role="tab"]')];
const toast = document.getElementById("toast");
let toastTimer = null;

start().catch(() => {
  hideTabs();
  replace(document.getElementById("email-panel"), notice({
    title: "The add-in couldn't start", text: "Reload it. If this keeps happening, tell your admin.",
    tone: "error", icon: "⚠️" }));
});

async function start() {
  initPanels(document.getElementById("email-panel"), document.getElementById("pipeline-panel"), reloadAll);
  initBanner(document.getElementById("connect-banner"));
  const response = await fetch("/taskpane/config.json", { cache: "no-cache" });
  state.config = await response.json();
  const office = await connectHost(state.config);
  if (!office) {
    hideTabs();
    return replace(panels.email, notice({ title: "Open this add-in from Outlook",
      text: "This page is the Outlook taskpane. To try it without Outlook, open /preview on a demo server.", icon: "✉️" }));
  }
  state.office = office;
  state.mailbox = createMailbox(office);
  state.auth = createAuth(state.config, state.mailbox, office);
  state.api = createApi(state.auth);
  wireTabs();
  wireUpdates();
  await signInQuietly();
  state.mailbox.onItemChanged(() => openMessage(state.mailbox.current()));
  checkPending(); // changes parked in an earlier session still wait for a connection
  await openMessage(state.mailbox.current());
}

// Without a mailbox there is nothing to switch to: tabs that do nothing must not look clickable.
function hideTabs() {
  document.querySelector(".tabs").hidden = true;
}

async function signInQuietly() {
  try {
    await state.auth.token();
  } catch (error) {
    if (error instanceof SignInRequired && error.interactionRequired && state.auth.popupOnStart) {
      await state.auth.signIn().catch(() => {}); // declined or blocked: the sign-in screen offers a button
    }
  }
}

function reloadAll() {
  checkPending();
  openMessage(state.message);
  if (!panels.pipeline.hidden) loadPipeline();
}

function wireTabs() {
  for (const tab of tabs) {
    tab.addEventListener("click", () => selectTab(tab));
    tab.addEventListener("keydown", (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (!step) return;
      const next = tabs[(tabs.indexOf(tab) + step + tabs.length) % tabs.length];
      next.focus();
      selectTab(next);
    });
  }
}

function selectTab(selected) {
  for (const tab of tabs) {
    const active = tab === selected;
    tab.setAttribute("aria-selected", String(active));
    tab.tabIndex = active ? 0 : -1;
    document.getElementById(tab.getAttribute("aria-controls")).hidden = !active;
  }
  if (selected.id === "tab-pipeline") loadPipeline();
}

function wireUpdates() {
  const views = (dealId) => Object.values(mounted).filter((view) => view && view.dealId === dealId);
  const visible = (dealId) => Object.entries(mounted)
    .some(([name, view]) => view && view.dealId === dealId && !panels[name].hidden);
  on("deal", (dealId) => views(dealId).forEach((view) => view.update()));
  on("draft", (dealId) => views(dealId).forEach((view) => view.resetForm()));
  on("connected", () => {
    resumeParked();
    reloadAll();
  });
  on("rating", (dealId) => views(dealId).forEach((view) => view.showRating()));
  on("status", (dealId) => {
    views(dealId).forEach((view) => view.showStatus());
    const status = state.status.get(dealId);
    // A save made before the rep moved on still reports back, just not inside another email's deal.
    if (status && !visible(dealId) && TOAST_KINDS.has(status.kind)) {
      const deal = state.deals.get(dealId);
      const what = status.kind === "conflict" ? "someone else changed it; open the deal to choose" : status.text;
      showToast(`${deal ? deal.name : "Deal"}: ${what}`);
    }
  });
}

function showToast(text) {
  toast.textContent = text;
  toast.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { toast.hidden = true; }, 6000);
}
