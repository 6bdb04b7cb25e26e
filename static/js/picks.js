// The deal a rep picked for an email conversation, remembered on this device: localStorage keyed by a
// SHA-256 of Outlook's conversationId (the id itself never lands in storage).

const PREFIX = "deal-pick:";

async function keyOf(conversationId) {
  const bytes = new TextEncoder().encode(conversationId);
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return PREFIX + Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The deal id picked for this conversation earlier, or null. */
export async function pickFor(conversationId) {
  if (!conversationId || !crypto.subtle) return null;
  try {
    return localStorage.getItem(await keyOf(conversationId));
  } catch {
    return null; // storage blocked: the picker simply shows again
  }
}

/** Remember the rep's pick for this conversation. */
export async function rememberPick(conversationId, dealId) {
  if (!conversationId || !crypto.subtle) return;
  try {
    localStorage.setItem(await keyOf(conversationId), String(dealId));
  } catch {
    // storage full or blocked: nothing to remember, nothing lost
  }
}
