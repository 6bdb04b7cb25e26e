// The API client: bearer token on every call, one Idempotency-Key per write (reused by its retries, so a
// retry never writes twice), and every failure turned into words a rep understands.

import { SignInRequired } from "./auth.js";

const BASE = "/api/v1";
const RETRY_DELAYS_MS = [800, 2500]; // writes only, same key each time
const TRANSIENT = new Set([502, 503, 504]);

export class ApiError extends Error {
  constructor(message, status = 0, body = null) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

export function friendlyMessage(status, body) {
  const said = body && typeof body.message === "string" ? body.message : "";
  if (status === -1) return said; // failed before reaching the server (e.g. signed out)
  if (status === 0) return "Can't reach the server. Check your connection and try again.";
  if (status === 403) return said || "You don't have permission to change this deal.";
  if (status === 404) return "This deal is no longer in the CRM, or you can't see it.";
  if (status === 413) return "This email is too large to log.";
  if (status === 422) return fieldMessage(body) || said || "Something in the change isn't valid.";
  if (status === 429) return "Too many requests. Wait a moment and try again.";
  if (status === 500) return "Something went wrong on our side. Try again.";
  if (status > 500) return said || "The CRM isn't answering right now. Try again in a minute.";
  return said || `Unexpected answer from the server (${status}).`;
}

function fieldMessage(body) {
  const groups = body && body.errors ? Object.values(body.errors) : [];
  for (const fields of groups) {
    for (const messages of Object.values(fields || {})) {
      if (Array.isArray(messages) && messages.length) return String(messages[0]);
    }
  }
  return "";
}

function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

export function createApi(auth) {
  async function send(method, path, body, idempotencyKey, retriedAuth = false) {
    const token = await auth.token();
    const headers = { Authorization: `Bearer ${token}`, Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
    let response;
    try {
      response = await fetch(BASE + path, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: "no-store",
      });
    } catch {
      return { status: 0, data: null };
    }
    if (response.status === 401) {
      auth.forget(); // the token expired or was revoked: one fresh silent try, then ask the rep to sign in
      if (retriedAuth) throw new SignInRequired("Your sign-in expired. Sign in again to continue.");
      return send(method, path, body, idempotencyKey, true);
    }
    const data = await response.json().catch(() => null);
    return { status: response.status, data };
  }

  return {
    /** GET that resolves with the JSON body or throws ApiError with a rep-readable message. */
    async get(path) {
      const { status, data } = await send("GET", path);
      if (status !== 200) throw new ApiError(friendlyMessage(status, data), status, data);
      return data;
    },
    /** A POST that only reads (e.g. scoring a text; nothing is stored): no Idempotency-Key, no retries. */
    async read(path, body) {
      const { status, data } = await send("POST", path, body);
      if (status !== 200) throw new ApiError(friendlyMessage(status, data), status, data);
      return data;
    },
    /** A write; resolves with {status, data} for the caller to read 200/202/409/422. */
    async write(method, path, body) {
      const key = newKey();
      let result = await send(method, path, body, key);
      for (const delay of RETRY_DELAYS_MS) {
        if (result.status !== 0 && !TRANSIENT.has(result.status)) break;
        await new Promise((resolve) => setTimeout(resolve, delay));
        result = await send(method, path, body, key);
      }
      return result;
    },
  };
}
