// A stand-in for the slice of Office.js the taskpane uses, fed by the preview page (/preview) through
// postMessage: the parent sends the selected email, and each later selection fires ItemChanged like a pinned
// pane in Outlook. Only the demo preview loads this file.

const HELLO = "addin-preview:hello";
const ITEM = "addin-preview:item";
const MAILBOX_VERSION = "1.13"; // like current Outlook on the web; no NestedAppAuth: the preview signs in with the demo IdP

export function connectPreviewHost(host) {
  const handlers = [];
  const office = {
    EventType: { ItemChanged: "olkItemSelectedChanged" },
    CoercionType: { Text: "text", Html: "html" },
    AsyncResultStatus: { Succeeded: "succeeded", Failed: "failed" },
    MailboxEnums: { RestVersion: { v1_0: "v1.0", v2_0: "v2.0", Beta: "beta" } },
    onReady: async () => ({ host: "Outlook", platform: "OfficeOnline" }),
    context: {
      requirements: {
        isSetSupported: (name, version = "1.1") => name === "Mailbox" && minor(version) <= minor(MAILBOX_VERSION),
      },
      mailbox: {
        item: null,
        userProfile: { emailAddress: "", displayName: "", timeZone: "UTC" },
        addHandlerAsync(type, handler, options, callback) {
          if (type === office.EventType.ItemChanged) handlers.push(handler);
          const done = typeof options === "function" ? options : callback;
          if (done) setTimeout(() => done({ status: office.AsyncResultStatus.Succeeded, value: undefined }));
        },
        // EWS ids use "/" and "+", REST ids "-" and "_": the real conversion does more, this is enough to tell them apart.
        convertToRestId: (itemId) => itemId.replace(/\//g, "-").replace(/\+/g, "_"),
      },
    },
  };

  return new Promise((resolve) => {
    let ready = false;
    window.addEventListener("message", (event) => {
      if (event.source !== host || event.origin !== location.origin || !event.data || event.data.type !== ITEM) return;
      office.context.mailbox.userProfile = { ...office.context.mailbox.userProfile, ...event.data.userProfile };
      office.context.mailbox.item = event.data.item ? messageItem(event.data.item, office) : null;
      if (!ready) {
        ready = true;
        resolve(office);
      } else {
        for (const handler of handlers) handler({ type: office.EventType.ItemChanged });
      }
    });
    host.postMessage({ type: HELLO }, location.origin);
  });
}

function minor(version) {
  return Number(String(version).split(".")[1] || 0); // "1.5" < "1.13": compare the minor numbers, not decimals
}

function messageItem(data, office) {
  return {
    itemType: "message",
    itemId: data.itemId,
    subject: data.subject,
    from: data.from,
    sender: data.from,
    to: data.to || [],
    cc: data.cc || [],
    internetMessageId: data.internetMessageId,
    conversationId: data.conversationId,
    dateTimeCreated: new Date(data.dateTimeCreated),
    body: {
      getAsync(coercionType, options, callback) {
        const done = typeof options === "function" ? options : callback;
        setTimeout(() => done({ status: office.AsyncResultStatus.Succeeded, value: data.body || "" }));
      },
    },
  };
}
