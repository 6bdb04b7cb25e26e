// Sign-in. In Outlook: nested app authentication (MSAL's nestable client): silent first, a popup only when
// Entra says interaction is required, and always an access token for our API scope (never the ID token).
// In demo sign-in mode the token comes from the app's demo identity provider instead (same validator).

export class SignInRequired extends Error {
  constructor(message, interactionRequired = false) {
    super(message);
    this.interactionRequired = interactionRequired; // Entra asked for interaction: a popup can fix it
  }
}

const RENEW_BEFORE_MS = 5 * 60 * 1000;

export function createAuth(config, mailbox, office) {
  return config.mode === "demo" ? demoAuth(config, mailbox) : naaAuth(config, office);
}

function naaAuth(config, office) {
  const request = { scopes: [config.apiScope] };
  let pca = null;

  async function client() {
    if (!office.context.requirements.isSetSupported("NestedAppAuth", "1.1")) {
      throw new SignInRequired(
        "This version of Outlook can't sign you in to the add-in. Update Outlook or use Outlook on the web.");
    }
    if (!window.msal) throw new SignInRequired("The sign-in library did not load. Reload the add-in.");
    pca ??= await window.msal.createNestablePublicClientApplication({
      auth: { clientId: config.clientId, authority: config.authority },
      cache: { cacheLocation: "localStorage" },
    });
    return pca;
  }

  let refresh = false;

  return {
    popupOnStart: true, // Outlook brokers the popup, so it may open without a click; the button is the fallback
    async token() {
      try {
        const result = await (await client()).acquireTokenSilent({ ...request, forceRefresh: refresh });
        refresh = false;
        return result.accessToken;
      } catch (error) {
        if (error instanceof SignInRequired) throw error;
        if (error instanceof window.msal.InteractionRequiredAuthError) {
          throw new SignInRequired("Sign in to see the deals of the people on this email.", true);
        }
        throw new SignInRequired("We couldn't sign you in silently. Sign in to continue.");
      }
    },
    async signIn() {
      try {
        return (await (await client()).acquireTokenPopup(request)).accessToken;
      } catch (error) {
        if (error instanceof SignInRequired) throw error;
        throw new SignInRequired("Sign-in didn't finish. Try again, and allow the sign-in window if Outlook asks.");
      }
    },
    forget() {
      refresh = true; // the API refused the cached token: skip MSAL's cache once
    },
  };
}

function demoAuth(config, mailbox) {
  const reps = config.demoReps || [];
  const rep = reps.find((r) => r.email === mailbox.user.email) || reps[0];
  const flag = "addin-demo-signed-in"; // like an SSO session: the first visit signs in once, then silently
  let cached = null;

  async function fetchToken() {
    const form = new URLSearchParams({ grant_type: "password", username: rep.email });
    let response;
    try {
      response = await fetch(config.demoTokenUrl, { method: "POST", body: form, cache: "no-store" });
    } catch {
      throw new SignInRequired("Can't reach the sign-in service. Check your connection and try again.");
    }
    const body = await response.json().catch(() => ({}));
    if (!response.ok || !body.access_token) throw new SignInRequired(body.error_description || "Demo sign-in failed.");
    cached = { value: body.access_token, renewAt: Date.now() + body.expires_in * 1000 - RENEW_BEFORE_MS };
    sessionStorage.setItem(flag, rep.email);
    return cached.value;
  }

  return {
    popupOnStart: false, // the demo shows the sign-in step a first-time rep sees
    async token() {
      if (cached && cached.renewAt > Date.now()) return cached.value;
      if (sessionStorage.getItem(flag) !== rep.email) {
        throw new SignInRequired(`Sign in as ${rep.name} (demo) to see the deals of the people on this email.`);
      }
      return fetchToken();
    },
    signIn: fetchToken,
    forget() {
      cached = null;
    },
  };
}
