// «OK eller ikke OK?»: keep the shared screen, the control page and the phone current.
//
// The element with data-poll names the state URL; data-fields the state fields that
// matter here and data-key their values when the page was made (JSON). Every interval the
// state is fetched with If-None-Match (304 while nothing changed). When the key differs:
// with data-reload, the page reloads (the phone: a new situation); otherwise every
// [data-live] region is replaced by the same region of a fresh copy of the page, so
// nothing typed elsewhere on the page is lost. Without JavaScript the pages say how to
// refresh (and waiting pages refresh themselves).

const root = document.querySelector("[data-poll]");

function keyOf(state, fields) {
  return JSON.stringify(fields.map((f) => (f in state ? state[f] : null)));
}

async function refreshRegions() {
  const response = await fetch(window.location.href, { cache: "no-store", credentials: "same-origin" });
  if (!response.ok) {
    window.location.reload();
    return;
  }
  const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
  for (const region of document.querySelectorAll("[data-live]")) {
    const replacement = fresh.querySelector(`[data-live="${region.dataset.live}"]`);
    if (replacement) region.replaceWith(document.importNode(replacement, true));
  }
  const freshRoot = fresh.querySelector("[data-poll]");
  if (freshRoot) root.dataset.key = freshRoot.dataset.key;
}

if (root) {
  const url = root.dataset.poll;
  const interval = Number(root.dataset.interval) || 2000;
  const fields = (root.dataset.fields || "").split(" ").filter(Boolean);
  let etag = null;

  const tick = async () => {
    try {
      const response = await fetch(url, {
        cache: "no-store",
        credentials: "same-origin",
        headers: etag ? { "If-None-Match": etag } : {},
      });
      if (response.status === 404) {
        window.location.reload(); // closed: the page says so
        return;
      }
      if (response.status === 200) {
        etag = response.headers.get("ETag");
        const key = keyOf(await response.json(), fields);
        if (key !== root.dataset.key) {
          if ("reload" in root.dataset) {
            window.location.reload();
            return;
          }
          await refreshRegions();
        }
      }
    } catch (error) {
      // A dropped connection: try again at the next tick.
    }
    window.setTimeout(tick, interval);
  };
  window.setTimeout(tick, interval);
}
