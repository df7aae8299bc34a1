// A form that came back with errors far down the page: bring its error summary into view
// and give it focus, so the reader starts where the problems are listed.
const summary = document.querySelector("[data-error-summary]");
if (summary) {
  summary.scrollIntoView({ block: "start" });
  summary.focus();
}
