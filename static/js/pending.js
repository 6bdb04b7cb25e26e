// The pane-wide "Connect your CRM to deliver N pending change(s)" banner: changes the CRM refused for the
// rep's session wait on the server until the rep reconnects; the banner says how many and offers Connect.

import { connectCrm } from "./connect.js";
import { h, replace } from "./dom.js";
import { plural } from "./format.js";
import { emit, state } from "./state.js";

let banner = null;
let shownCount = 0;

/** Use `el` (an aria-live region that stays in the page) for the banner. */
export function initBanner(el) {
  banner = el;
}

/** Show the banner for `count` parked changes (hide it for none); `problem` says why connecting failed. */
export function notePending(count, problem = "") {
  shownCount = count;
  if (!banner) return;
  if (!count) return replace(banner);
  const connect = h("button", { type: "button", class: "button primary", onclick: () => startConnect(connect) }, "Connect");
  return replace(banner, h("div", { class: "banner-body" },
    h("p", { class: "banner-text" }, `Connect your CRM to deliver ${plural(count, "pending change")}`),
    problem ? h("p", { class: "banner-problem" }, problem) : "", connect));
}

/** Ask the server how many of the rep's changes wait for a connection; an older server (404) says nothing. */
export async function checkPending() {
  try {
    const { total } = await state.api.get("/changes?state=needs_connect");
    notePending(Number(total) || 0);
    return true;
  } catch {
    return false; // not signed in yet, an older server, or offline: the next save's answer tells
  }
}

/** A write was parked: show the count the server gave, else ask, else count the parked saves this pane made. */
export async function noteParked(answer) {
  if (answer && Number.isInteger(answer.pending_changes)) return notePending(answer.pending_changes);
  if (await checkPending()) return undefined;
  const parked = [...state.status.values()].filter((status) => status.kind === "needs_connect").length;
  return notePending(Math.max(parked, 1));
}

/** The rep connected their CRM: hide the banner and tell the pane (parked saves resume, views reload). */
export function connected() {
  notePending(0);
  emit("connected");
}

async function startConnect(button) {
  button.disabled = true;
  button.textContent = "Connecting…";
  try {
    await connectCrm(state);
    connected();
  } catch (error) {
    notePending(shownCount, error.message);
    banner.querySelector("button")?.focus(); // the button the rep used was redrawn
  }
}
