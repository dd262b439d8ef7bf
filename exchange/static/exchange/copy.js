// A copy button for a value shown on the page: <button data-copy="ID"> copies the field ID.
// The button stays hidden without JavaScript; the field itself is selectable either way.
"use strict";

document.querySelectorAll("button[data-copy]").forEach((button) => {
  const field = document.getElementById(button.dataset.copy);
  if (!field) {
    return;
  }
  button.hidden = false;
  button.addEventListener("click", async () => {
    field.select();
    try {
      await navigator.clipboard.writeText(field.value);
    } catch {
      // No clipboard API (a page not served over HTTPS): the selection is left to copy by hand.
      return;
    }
    button.textContent = button.dataset.copiedLabel;
  });
});
