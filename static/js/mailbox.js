// Reads the open email through Office.js (or the preview's stand-in): participants, subject, Message-ID and
// date up front; the body only when the rep rates or logs it; the Graph REST id for a server-side read.

export function createMailbox(office) {
  const mailbox = office.context.mailbox;
  const profile = mailbox.userProfile || {};
  const user = { email: (profile.emailAddress || "").toLowerCase(), name: profile.displayName || "" };

  return {
    user,

    /** The selected email, or null (nothing selected, or not a message in read mode). */
    current() {
      const item = mailbox.item;
      if (!item || (item.itemType && String(item.itemType).toLowerCase() !== "message") || !item.from) return null;
      const from = address(item.from);
      const to = (item.to || []).map(address);
      const cc = (item.cc || []).map(address);
      return {
        item,
        itemId: item.itemId || null,
        subject: item.subject || "",
        from, to, cc,
        messageId: item.internetMessageId || null, // missing on some freshly sent items
        conversationId: item.conversationId || null, // the thread: the rep's deal pick is remembered per thread
        sentAt: toIso(item.dateTimeCreated),
        // The rep's own address matches nobody's deal; the server drops it too, but it need not leave the pane.
        participants: unique([from, ...to, ...cc].map((a) => a.email)).filter((e) => e !== user.email),
      };
    },

    /** Call `handler` whenever a pinned pane's selection changes (Mailbox 1.5); false if unsupported. */
    onItemChanged(handler) {
      if (!office.context.requirements.isSetSupported("Mailbox", "1.5")) return false;
      mailbox.addHandlerAsync(office.EventType.ItemChanged, handler);
      return true;
    },

    /** The plain-text body of `message`, read only when the rep acts on it. */
    readBody(message) {
      return new Promise((resolve, reject) => {
        message.item.body.getAsync(office.CoercionType.Text, (result) => {
          if (result.status === office.AsyncResultStatus.Succeeded) resolve(result.value || "");
          else reject(new Error("Outlook could not read the email's text."));
        });
      });
    },

    /** The Graph id of `message` (EWS ids differ), or null when Outlook gives none. */
    restId(message) {
      if (!message.itemId || typeof mailbox.convertToRestId !== "function") return null;
      try {
        return mailbox.convertToRestId(message.itemId, office.MailboxEnums.RestVersion.v2_0);
      } catch {
        return null;
      }
    },
  };
}

function address(details) {
  return { email: String(details.emailAddress || "").toLowerCase(), name: details.displayName || "" };
}

function unique(emails) {
  return [...new Set(emails.filter(Boolean))];
}

function toIso(value) {
  const date = value instanceof Date ? value : new Date(value || Date.now());
  return Number.isNaN(date.getTime()) ? new Date().toISOString() : date.toISOString();
}
