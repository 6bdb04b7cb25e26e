// Shared pane state and a tiny event bus. Every selection change bumps `itemToken`; async work started
// for an older token must not render, so one email's deals never appear under another email.

export const state = {
  config: null,
  auth: null,
  api: null,
  office: null, // the Office host (real or the preview's stand-in)
  mailbox: null,
  message: null, // the open email (see mailbox.js) or null when nothing is selected
  itemToken: 0,
  deals: new Map(), // deal id -> the newest Deal the API returned
  status: new Map(), // deal id -> {kind, text, ...} of the latest save, shown wherever that deal is shown
  rating: new Map(), // `${dealId} ${messageId}` -> {kind, text, pending}
};

export function selectMessage(message) {
  state.itemToken += 1;
  state.message = message;
  forgetSettled();
  return state.itemToken;
}

function forgetSettled() {
  // "Saved" is news once; unfinished or failed outcomes stay visible until the rep sees them resolved.
  for (const [dealId, status] of state.status) {
    if (["saved", "synced", "kept", "stalled"].includes(status.kind)) state.status.delete(dealId);
  }
  for (const [key, progress] of state.rating) {
    if (progress.kind === "saved") state.rating.delete(key);
  }
}

export function isCurrent(token) {
  return token === state.itemToken;
}

export function rememberDeal(deal) {
  state.deals.set(deal.id, deal);
  emit("deal", deal.id);
  return deal;
}

export function setStatus(dealId, status) {
  state.status.set(dealId, status);
  emit("status", dealId);
}

/** Forget the deal's save outcome (e.g. a "✓ Saved" that the rep's next edit made stale). */
export function clearStatus(dealId) {
  state.status.delete(dealId);
  emit("status", dealId);
}

const listeners = new Map();

export function on(type, fn) {
  if (!listeners.has(type)) listeners.set(type, new Set());
  listeners.get(type).add(fn);
  return () => listeners.get(type).delete(fn);
}

export function emit(type, payload) {
  for (const fn of listeners.get(type) || []) fn(payload);
}
