// Small behaviours that htmx does not cover. Everything here is an enhancement: pages work without it.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy-target]");
  if (!button) return;
  const source = document.getElementById(button.dataset.copyTarget);
  if (!source) return;
  const text = source.value !== undefined ? source.value : source.textContent.trim();
  const done = () => {
    const label = button.textContent;
    button.textContent = "Copied";
    setTimeout(() => { button.textContent = label; }, 2000);
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done);
  } else {
    source.select ? source.select() : null;
    document.execCommand("copy");
    done();
  }
});

// A failed htmx request must never fail silently: say so in the notice area of the layout. Sign-in
// and CSRF failures are answered by the server with HX-Redirect / HX-Refresh and never get here.
const FAILED_REQUEST_MESSAGES = {
  403: "This needs an admin of your account. Nothing was changed.",
  404: "That item no longer exists, or it belongs to another account. Reload the page.",
  429: "Too many attempts in a short time. Wait a few minutes, then try again.",
};

function showRequestProblem(message) {
  const notice = document.getElementById("request-problem");
  if (!notice) return;
  notice.textContent = message;
  notice.hidden = false;
}

document.addEventListener("htmx:responseError", (event) => {
  const status = event.detail.xhr.status;
  showRequestProblem(FAILED_REQUEST_MESSAGES[status] ||
    "Something went wrong on our side, so that did not work. Reload the page and try again in a minute.");
});

document.addEventListener("htmx:sendError", () => {
  showRequestProblem("The portal could not be reached. Check your connection, then try again.");
});

document.addEventListener("htmx:beforeRequest", () => {
  const notice = document.getElementById("request-problem");
  if (notice) notice.hidden = true;
});
