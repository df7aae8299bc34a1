// The summary for the employer on the reporter's follow-up page (issue 12): opened here with
// the receipt-derived key, so the reporter reads the exact text they are asked to agree to.
// The consent itself is a plain form (a version number, no content) and needs no script.

import { openJson } from "./report-common.js";

export async function renderHandoffs(state, unopenable) {
  for (const node of document.querySelectorAll("[data-handoff-summary]")) {
    let text = null;
    try {
      const doc = await openJson(JSON.parse(node.dataset.envelope), state.key,
        `${state.data.context}/handoff`);
      text = typeof doc?.text === "string" ? doc.text : null;
    } catch {
      text = null;
    }
    const p = document.createElement("p");
    p.className = text === null ? "muted" : "typed";
    p.textContent = text === null ? unopenable : text;
    node.replaceChildren(p);
  }
}
