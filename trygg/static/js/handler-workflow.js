// The case page as a workplace (issue 12): reply templates and feedback from what the
// employer did fill the reply box, where the handler edits the text before it is sealed
// and sent (handler-case.js). Nothing here sees a key or sends anything.

const reply = document.getElementById("reply-text");

function fill(text) {
  if (!reply || !text) return;
  reply.value = reply.value.trim() ? `${reply.value.trimEnd()}\n\n${text}` : text;
  reply.focus();
}

document.querySelector("[data-reply-templates]")?.addEventListener("change", (event) => {
  const option = event.target.selectedOptions[0];
  fill(option?.dataset.text || "");
  event.target.value = "";
});

document.querySelector("[data-feedback-from-employer]")?.addEventListener("click", (event) => {
  fill(event.currentTarget.dataset.text || "");
  const feedback = document.getElementById("reply-feedback");
  if (feedback) feedback.checked = true;
  document.getElementById("thread")?.scrollIntoView();
});
