// On every reporter page: the quick exit, the limits counted as the reporter types, a warning
// before leaving a half-written report or an unsaved receipt, and saving or printing the
// receipt. Nothing here is stored or sent anywhere: no drafts, no storage, no requests.

let dirty = false;
let leavingOnPurpose = false;

// -- quick exit: leave for a neutral site, replacing this page in the history ---------------

function quickExit(event) {
  event.preventDefault();
  leavingOnPurpose = true;
  window.location.replace(event.currentTarget.href);
}

// -- limits --------------------------------------------------------------------------------

const number = new Intl.NumberFormat(document.documentElement.lang || "nb");

function length(text) {
  return [...text.replace(/\r\n/g, "\n")].length; // characters, as the server counts them
}

function updateCounter(counter) {
  const field = document.getElementById(counter.dataset.counterFor);
  const limit = Number(field.dataset.limit);
  const used = length(field.value);
  const over = used - limit;
  if (over > 0) {
    counter.textContent = counter.dataset.over.replace("{over}", number.format(over));
    counter.classList.add("field-error");
    field.setAttribute("aria-invalid", "true");
    field.dataset.over = "1";
  } else {
    counter.textContent = counter.dataset.format
      .replace("{used}", number.format(used)).replace("{max}", number.format(limit));
    counter.classList.remove("field-error");
    if (field.dataset.over) field.removeAttribute("aria-invalid");
    delete field.dataset.over;
  }
}

function installCounters() {
  for (const counter of document.querySelectorAll("[data-counter-for]")) {
    const field = document.getElementById(counter.dataset.counterFor);
    if (!field) continue;
    const describedBy = (field.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    if (!counter.id) counter.id = `${field.id}-count`;
    if (!describedBy.includes(counter.id)) {
      field.setAttribute("aria-describedby", [...describedBy, counter.id].join(" "));
    }
    field.addEventListener("input", () => updateCounter(counter));
    updateCounter(counter);
  }
}

// -- leaving a half-written report or an unsaved receipt -----------------------------------

function receiptUnsaved() {
  for (const receipt of document.querySelectorAll("[data-receipt]")) {
    if (!receipt.textContent.trim() || receipt.closest("[hidden]")) continue;
    const box = receipt.closest(".receipt-box")?.parentElement?.querySelector("[data-receipt-saved]");
    if (box && !box.checked) return true;
  }
  return false;
}

function installLeaveWarning() {
  for (const form of document.querySelectorAll("form[data-warn-leave]")) {
    form.addEventListener("input", () => { dirty = true; });
    form.addEventListener("change", () => { dirty = true; });
    form.addEventListener("submit", () => { dirty = false; });
    form.addEventListener("reset", () => { dirty = false; });
  }
  window.addEventListener("beforeunload", (event) => {
    if (leavingOnPurpose || !(dirty || receiptUnsaved())) return;
    event.preventDefault();
    event.returnValue = ""; // older Chromium needs it set to show the dialog
  });
}

// -- the receipt: save as a file, print ----------------------------------------------------

function saveReceipt(button) {
  const receipt = document.getElementById(button.dataset.saveReceipt).textContent.trim();
  const text = `${button.dataset.fileText}\n\n${receipt}\n`;
  const url = URL.createObjectURL(new Blob([text], { type: "text/plain;charset=utf-8" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = button.dataset.fileName;
  link.hidden = true;
  document.body.append(link);
  leavingOnPurpose = true; // a download is not leaving the page
  link.click();
  leavingOnPurpose = false;
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function installReceiptTools() {
  for (const button of document.querySelectorAll("[data-save-receipt]")) {
    button.hidden = false;
    button.addEventListener("click", () => saveReceipt(button));
  }
  for (const button of document.querySelectorAll("[data-print]")) {
    button.hidden = false;
    button.addEventListener("click", () => window.print());
  }
  for (const el of document.querySelectorAll("[data-without-js]")) el.hidden = true;
}

for (const link of document.querySelectorAll("[data-quick-exit]")) {
  link.addEventListener("click", quickExit);
}
installCounters();
installLeaveWarning();
installReceiptTools();
