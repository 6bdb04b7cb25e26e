// Writes and their follow-up. Each save is bound to the deal it was made for (never to "whatever is on
// screen"), so it finishes correctly even after the rep moves to another email; queued changes are polled
// (for a bounded time) until the CRM has them, refused them, or reports a conflict; a save the CRM refused
// for the rep's session is parked on the server until the rep connects.

import { friendlyMessage } from "./api.js";
import { draftOf, dropDraft, restoreDraft, settleDraft } from "./drafts.js";
import { noteParked } from "./pending.js";
import { emit, rememberDeal, setStatus, state } from "./state.js";

const POLL_DELAYS_MS = [1000, 1500, 2000, 3000, 5000, 8000, 13000, 20000];
const POLL_LIMIT_MS = 2 * 60 * 1000; // then the server delivers it on its own; the pane stops asking
const STILL_SYNCING = "Still syncing — it will be delivered in the background.";
const BODY_MAX_CHARS = 50000; // the server keeps less; this only keeps the request under its size limit

/** Save `fields` on the deal; `version` is the one the rep started editing from (after a conflict: the current one). */
export async function saveDeal(dealId, fields, version = startedFrom(dealId)) {
  setStatus(dealId, { kind: "saving", text: "Saving…" });
  const { status, data } = await send("PATCH", `/deals/${encodeURIComponent(dealId)}`, { version, ...fields });
  if (status === 200) {
    settleDraft(dealId, fields);
    // Show the deal as the CRM has it now, never the form's old values next to "✓ Saved".
    if (data && data.deal) rememberDeal(data.deal);
    else await refreshDeal(dealId);
    return setStatus(dealId, { kind: "saved", text: "Saved" });
  }
  if (status === 202) return followSave(dealId, fields, version, data.change.id);
  if (status === 409 && data && data.conflict) return showConflict(dealId, fields, data.conflict, data.theirs);
  if (status === 403 && data && data.reason === "crm_auth") {
    return parkSave(dealId, { fields, version, changeId: data.change_id }, data);
  }
  if (status === 422 && data && data.reason === "crm_rejected") {
    return setStatus(dealId, { kind: "rejected", text: refusal(data.message) });
  }
  return setStatus(dealId, { kind: "error", text: friendlyMessage(status, data) });
}

function startedFrom(dealId) {
  const draft = draftOf(dealId);
  return draft ? draft.version : state.deals.get(dealId).version;
}

function followSave(dealId, fields, version, changeId) {
  settleDraft(dealId, fields, false); // the server has them now; the form keeps showing them while they travel
  const sent = { fields, version, changeId };
  setStatus(dealId, { kind: "queued", text: "Saved, syncing to CRM…", ...sent });
  return followChange(changeId, {
    done: async () => {
      await refreshDeal(dealId);
      setStatus(dealId, { kind: "synced", text: "Saved to CRM" });
    },
    conflict: (change) => showConflict(dealId, fields, change.conflict, null),
    rejected: (change) => {
      restoreDraft(dealId, version, fields); // not in the CRM: the rep's values are unsaved again
      setStatus(dealId, { kind: "rejected", text: refusal(change.reason) });
    },
    needs_connect: () => parkSave(dealId, sent, null),
    stalled: () => setStatus(dealId, { kind: "stalled", text: STILL_SYNCING, ...sent }),
  });
}

function parkSave(dealId, sent, answer) {
  settleDraft(dealId, sent.fields, false);
  setStatus(dealId, { kind: "needs_connect", text: "Kept: it goes to the CRM once you connect.", ...sent });
  return noteParked(answer);
}

/** After the rep connected their CRM: follow each change this pane saw parked until it lands. */
export function resumeParked() {
  for (const [dealId, status] of state.status) {
    if (status.kind === "needs_connect" && status.changeId) {
      followSave(dealId, status.fields, status.version, status.changeId);
    }
  }
}

async function showConflict(dealId, fields, conflict, theirs) {
  // The form shows the deal as it is now; the rep's values stay in the conflict's "Yours" column.
  settleDraft(dealId, fields);
  if (theirs) rememberDeal(theirs);
  else await refreshDeal(dealId);
  setStatus(dealId, { kind: "conflict", conflict, fields });
}

export function keepTheirs(dealId) {
  dropDraft(dealId);
  setStatus(dealId, { kind: "kept", text: "Kept their version. Your change was not saved." });
}

export function applyMine(dealId) {
  const status = state.status.get(dealId);
  // Re-send the rep's values against the version they have now seen, so the CRM accepts them knowingly.
  return saveDeal(dealId, status.fields, status.conflict.current_version || state.deals.get(dealId).version);
}

export async function rateEmail(dealId, message, rating, logOnly = false) {
  const key = `${dealId} ${message.messageId}`;
  const show = (progress) => {
    state.rating.set(key, progress);
    emit("rating", dealId);
  };
  // `logOnly`: the email is logged on the deal without a rating (nothing to remove).
  const busy = rating ? "Saving your rating…" : logOnly ? "Logging this email…" : "Removing your rating…";
  const doneText = rating ? `Saved: you rated this email ${rating}.` : logOnly ? "Logged on this deal." : "Rating removed.";
  show({ kind: "saving", pending: rating, text: busy });
  let payload;
  try {
    payload = await emailPayload(message, rating);
  } catch (error) {
    return show({ kind: "error", text: error.message });
  }
  const { status, data } = await send("POST", `/deals/${encodeURIComponent(dealId)}/emails`, payload);
  const settled = () => {
    markRated(dealId, message, rating);
    show({ kind: "saved", text: doneText });
  };
  if (status === 200) return settled();
  if (status === 202) {
    show({ kind: "queued", pending: rating, text: "Saved, syncing to CRM…" });
    return followChange(data.change.id, {
      done: settled,
      conflict: settled, // emails have no versions; a conflict here cannot happen
      rejected: (change) => show({ kind: "error", text: refusal(change.reason) }),
      needs_connect: () => parked(null),
      stalled: () => show({ kind: "stalled", text: STILL_SYNCING }),
    });
  }
  const parked = (answer) => {
    show({ kind: "needs_connect", pending: rating, text: "Kept: it goes to the CRM once you connect." });
    return noteParked(answer);
  };
  if (status === 403 && data && data.reason === "crm_auth") return parked(data);
  return show({ kind: "error", text: status === 422 && data && data.reason === "crm_rejected"
    ? refusal(data.message) : friendlyMessage(status, data) });
}

async function send(method, path, body) {
  try {
    return await state.api.write(method, path, body);
  } catch (error) {
    // Signed out mid-way: nothing was written; show why instead of failing silently.
    return { status: -1, data: { message: error.message } };
  }
}

async function emailPayload(message, rating) {
  const itemId = state.mailbox.restId(message);
  // With Graph configured the server reads the mailbox itself; otherwise send the text Outlook gives us.
  const body = state.config.serverReadsBody && itemId ? "" : (await state.mailbox.readBody(message)).slice(0, BODY_MAX_CHARS);
  return {
    message_id: message.messageId, subject: message.subject, from: message.from.email,
    to: message.to.map((a) => a.email).filter(Boolean), cc: message.cc.map((a) => a.email).filter(Boolean),
    sent_at: message.sentAt, body, rating, item_id: itemId,
  };
}

function markRated(dealId, message, rating) {
  const deal = state.deals.get(dealId);
  const activities = [...(deal.activities || [])];
  const index = activities.findIndex((a) => a.message_id === message.messageId);
  if (index >= 0) activities[index] = { ...activities[index], rating };
  else activities.push({ message_id: message.messageId, subject: message.subject, sent_at: message.sentAt, rating });
  rememberDeal({ ...deal, activities });
}

async function refreshDeal(dealId) {
  try {
    const messageId = state.message && state.message.messageId;
    const query = messageId ? `?message_id=${encodeURIComponent(messageId)}` : "";
    return rememberDeal(await state.api.get(`/deals/${encodeURIComponent(dealId)}${query}`));
  } catch {
    return state.deals.get(dealId); // the change's outcome is still right; the numbers catch up on next open
  }
}

async function followChange(changeId, handlers) {
  // Backing off, for at most POLL_LIMIT_MS: a change still queued then is the server's job, not the pane's.
  const started = Date.now();
  for (let attempt = 0; ; attempt += 1) {
    const left = POLL_LIMIT_MS - (Date.now() - started);
    if (left <= 0) return handlers.stalled ? handlers.stalled() : undefined;
    await new Promise((resolve) => setTimeout(resolve, Math.min(left, POLL_DELAYS_MS[Math.min(attempt, POLL_DELAYS_MS.length - 1)])));
    let change = null;
    try {
      change = await state.api.get(`/changes/${encodeURIComponent(changeId)}`);
    } catch {
      // offline for a moment: the change is safe on the server, keep asking
    }
    if (change && change.state !== "queued" && handlers[change.state]) return handlers[change.state](change);
  }
}

function refusal(reason) {
  return `The CRM refused the change: ${reason || "no reason given"}`;
}
