// Filter forms marked data-autosubmit apply as soon as a choice changes; their submit
// button stays for keyboards and for browsers without JavaScript.
document.addEventListener("change", (event) => {
  const form = event.target.closest("form[data-autosubmit]");
  if (form && event.target.matches("select, input[type=date]")) {
    form.requestSubmit();
  }
});
