// Personalisation buttons of the campaign composer: insert a placeholder such as {first_name} where
// the cursor is in the message. Without JavaScript the buttons stay hidden and the help text lists
// the placeholders to type.
(() => {
  const reveal = (root) => {
    root.querySelectorAll("[data-placeholder-buttons]").forEach((group) => { group.hidden = false; });
  };

  document.addEventListener("DOMContentLoaded", () => reveal(document));
  document.addEventListener("htmx:afterSwap", (event) => reveal(event.detail.elt.parentNode || document));

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-insert-placeholder]");
    if (!button) return;
    const field = document.getElementById(button.getAttribute("aria-controls"));
    if (!field) return;
    event.preventDefault();
    const text = button.dataset.insertPlaceholder;
    const start = field.selectionStart ?? field.value.length;
    const end = field.selectionEnd ?? start;
    field.focus();
    field.setRangeText(text, start, end, "end");
    // The live preview listens to typing: tell it the message changed.
    field.dispatchEvent(new Event("input", { bubbles: true }));
  });
})();
