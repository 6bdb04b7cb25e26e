// Connecting the rep's own CRM account once (CRMs where each rep connects): the API hands out a signed
// link, opened in an Office dialog (a plain window outside Outlook); the dialog reports when it is done.

export async function connectCrm(state) {
  const { status, data } = await state.api.write("POST", "/crm/connect");
  if (status !== 200 || !data || !data.url) {
    throw new Error((data && data.message) || "Couldn't start connecting your CRM account. Try again.");
  }
  const ui = state.office && state.office.context && state.office.context.ui;
  if (!ui || typeof ui.displayDialogAsync !== "function") {
    window.open(data.url, "_blank", "noopener");
    throw new Error("Finish connecting in the new window, then choose Try again.");
  }
  return new Promise((resolve, reject) => {
    ui.displayDialogAsync(data.url, { height: 60, width: 30 }, (result) => {
      if (result.status !== "succeeded") {
        reject(new Error("The connection window couldn't open. Allow pop-ups for Outlook and try again."));
        return;
      }
      const dialog = result.value;
      const events = state.office.EventType;
      dialog.addEventHandler(events.DialogMessageReceived, (arg) => {
        dialog.close();
        if (arg.message === "connected") resolve();
        else reject(new Error("The CRM didn't accept the connection. Try again."));
      });
      dialog.addEventHandler(events.DialogEventReceived, () => reject(new Error("The connection window was closed.")));
    });
  });
}
