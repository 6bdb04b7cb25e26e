// Finds the Office host. Inside Outlook that is Office.js from Microsoft's CDN. Outside Outlook (CDN blocked,
// or Office.js reports no host) the preview page of a demo server may supply a stand-in; otherwise null.

export async function connectHost(config) {
  const office = window.Office;
  if (office && typeof office.onReady === "function") {
    const info = await office.onReady();
    if (info && info.host) return office;
  }
  const inPreview = new URLSearchParams(location.search).has("preview") && window.parent !== window;
  if (config.mode === "demo" && inPreview) {
    const { connectPreviewHost } = await import("./office-standin.js");
    return connectPreviewHost(window.parent);
  }
  return null;
}
