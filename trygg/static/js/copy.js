// Copy buttons: <button data-copy="element-id" data-copied="Copied">. The text is copied
// from the element's value (inputs) or text. Buttons stay hidden without JavaScript
// (class "js-only"); the text can still be selected by hand.

document.documentElement.classList.add("has-js");

export async function copyFrom(id) {
  const source = document.getElementById(id);
  if (!source) return false;
  const text = "value" in source ? source.value : source.textContent.trim();
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // No clipboard permission: select the text so that Ctrl+C / long-press works.
    if (typeof source.select === "function") {
      source.select();
    } else {
      const range = document.createRange();
      range.selectNodeContents(source);
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
    }
    return false;
  }
}

export function installCopyButtons(root = document) {
  for (const button of root.querySelectorAll("button[data-copy]")) {
    if (button.dataset.copyReady) continue;
    button.dataset.copyReady = "1";
    const label = button.textContent;
    button.addEventListener("click", async () => {
      if (await copyFrom(button.dataset.copy)) {
        button.textContent = button.dataset.copied || label;
        setTimeout(() => { button.textContent = label; }, 2500);
      }
    });
  }
}

installCopyButtons();
