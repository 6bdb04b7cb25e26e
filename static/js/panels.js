// The two panels' controllers: "This email" (context → picker or deal) and "My pipeline". Every await is
// followed by a token check, so a slow answer for an earlier email or list is dropped, never shown.

import { SignInRequired } from "./auth.js";
import { connectCrm } from "./connect.js";
import { DealView } from "./dealview.js";
import { connected, notePending } from "./pending.js";
import { replace } from "./dom.js";
import { applyMine, keepTheirs, rateEmail, saveDeal } from "./saves.js";
import { isCurrent, rememberDeal, selectMessage, state } from "./state.js";
import { pickFor, rememberPick } from "./picks.js";
import { pipelineView } from "./pipelineview.js";
import { strangers } from "./stranger.js";
import { clearChoice, dealChoices, messageHeader, notice, picker, skeleton } from "./views.js";

export const panels = {};
export const mounted = { email: null, pipeline: null }; // the DealView shown in each panel, if any
let pipelineToken = 0;
let onSignedIn = () => {};

export function initPanels(emailEl, pipelineEl, signedIn) {
  panels.email = emailEl;
  panels.pipeline = pipelineEl;
  onSignedIn = signedIn;
}

function show(name, view, ...children) {
  mounted[name] = view;
  replace(panels[name], ...children, view ? view.el : "");
}

export async function openMessage(message) {
  const token = selectMessage(message);
  if (!message) {
    const text = "Pick an email to see the deals of the people on it.";
    return show("email", null, notice({ title: "Select an email", text, icon: "✉️" }));
  }
  show("email", null, messageHeader(message), skeleton());
  try {
    const params = message.participants.map((e) => ["email", e]);
    if (message.messageId) params.push(["message_id", message.messageId]); // its rating shows even if old
    const query = new URLSearchParams(params).toString();
    const context = await state.api.get(`/context?${query}`);
    if (!isCurrent(token)) return;
    const choices = dealChoices(context);
    choices.forEach(({ deal }) => rememberDeal(deal));
    const others = () => strangers(context.unknown, message, () => openMessage(state.message));
    if (!choices.length) return show("email", null, messageHeader(message), noDeals(context), others());
    const picked = await pickFor(message.conversationId);
    if (!isCurrent(token)) return;
    const chosen = choices.some((c) => c.deal.id === picked) ? picked : clearChoice(choices);
    if (chosen) return showDeal(token, chosen, choices, false, others);
    return showPicker(token, choices, null, others);
  } catch (error) {
    if (isCurrent(token)) showProblem("email", error, () => openMessage(state.message), messageHeader(message));
  }
}

function noDeals(context) {
  const known = (context.contacts || []).map((c) => c.contact.name || c.contact.email);
  if (!known.length) {
    const text = context.unknown && context.unknown.length && state.config.addsPeople !== false
      ? "Nobody on this email is a contact in the CRM yet. Add them below." : "Nobody on this email is a contact in the CRM.";
    return notice({ title: "No deals for this email", text, icon: "🔍" });
  }
  const text = `${known.join(", ")} ${known.length === 1 ? "is" : "are"} in the CRM, but on no open deal.`;
  return notice({ title: "No open deals", text, icon: "🗂️" });
}

function showPicker(token, choices, focusId = null, others = () => "") {
  if (!isCurrent(token)) return;
  const pick = (id) => {
    rememberPick(state.message && state.message.conversationId, id); // the next visit opens it directly
    showDeal(token, id, choices, true, others);
  };
  show("email", null, messageHeader(state.message), picker(choices, pick), others());
  if (focusId) panels.email.querySelector(`[data-deal-id="${CSS.escape(focusId)}"]`)?.focus();
}

function showDeal(token, dealId, choices, focus = false, others = () => "") {
  if (!isCurrent(token)) return;
  const message = state.message;
  const back = choices.length > 1
    ? { back: () => showPicker(token, choices, dealId, others), backLabel: `All ${choices.length} deals for this email` }
    : {};
  const view = new DealView(dealId, message, { ...actionsFor(dealId, message), ...back });
  show("email", view, messageHeader(message));
  panels.email.append(others()); // people not in the CRM, under the deal
  if (focus) view.focusTitle();
}

function actionsFor(dealId, message) {
  // Bound to this deal and this email now: a save or rating finishes against them whatever is selected later.
  return {
    save: (fields) => saveDeal(dealId, fields),
    rate: (rating, logOnly = false) => rateEmail(dealId, message, rating, logOnly),
    keepTheirs: () => keepTheirs(dealId),
    applyMine: () => applyMine(dealId),
  };
}

export async function loadPipeline() {
  const token = ++pipelineToken;
  show("pipeline", null, skeleton(2));
  try {
    const { deals } = await state.api.get("/pipeline");
    if (token !== pipelineToken) return;
    deals.forEach(rememberDeal);
    showPipeline(token, deals.map((d) => d.id));
  } catch (error) {
    if (token === pipelineToken) showProblem("pipeline", error, loadPipeline);
  }
}

function showPipeline(token, ids, focusId = null) {
  if (token !== pipelineToken) return;
  const me = state.mailbox ? state.mailbox.user.email : "";
  show("pipeline", null, pipelineView(ids.map((id) => state.deals.get(id)), me, (id) => {
    const back = { back: () => showPipeline(token, ids, id), backLabel: "My pipeline" };
    const view = new DealView(id, null, { ...actionsFor(id, null), ...back });
    show("pipeline", view);
    view.focusTitle();
  }));
  if (focusId) panels.pipeline.querySelector(`[data-deal-id="${CSS.escape(focusId)}"]`)?.focus();
}

function showProblem(name, error, retry, ...before) {
  if (error instanceof SignInRequired) return showSignIn(name, error.message, before);
  if (error.body && error.body.reason === "crm_auth") {
    if (error.body.pending_changes > 0) notePending(error.body.pending_changes);
    return showConnect(name, error.message, before);
  }
  show(name, null, ...before, notice({ title: "Couldn't load deals", text: error.message, tone: "error", icon: "⚠️",
    action: { label: "Try again", onClick: retry } }));
}

function showConnect(name, text, before) {
  const connect = async (event) => {
    event.currentTarget.disabled = true;
    event.currentTarget.textContent = "Connecting…";
    try {
      await connectCrm(state);
    } catch (error) {
      return showConnect(name, error.message, before);
    }
    connected(); // reloads the panels and resumes parked saves
  };
  show(name, null, ...before, notice({ title: "Connect your CRM account", text, icon: "🔗",
    action: { label: "Connect", onClick: connect } }));
}

function showSignIn(name, text, before) {
  const signIn = async (event) => {
    event.currentTarget.disabled = true;
    event.currentTarget.textContent = "Signing in…";
    try {
      await state.auth.signIn();
      onSignedIn();
    } catch (error) {
      showSignIn(name, error.message, before);
    }
  };
  const action = { label: "Sign in", onClick: signIn };
  show(name, null, ...before, notice({ title: "Sign in to see deals", text, icon: "🔐", action }));
}
