// Small behaviours pages declare with data attributes, because the Content-Security-Policy
// forbids inline event handlers (onchange=, onsubmit=):
//   <select data-autosubmit>   submits its form when changed (organisation and language switchers)
//   <form data-confirm="…">    asks before submitting
//   <button data-copy="text" data-copied="label">  copies the text to the clipboard
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var field = event.target.closest && event.target.closest("[data-autosubmit]");
    if (field && field.form) field.form.submit();
  });
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  }, true);
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy]");
    if (!button || !navigator.clipboard) return;
    navigator.clipboard.writeText(button.getAttribute("data-copy")).then(function () {
      var label = button.getAttribute("data-copied");
      if (label) button.textContent = label;
    });
  });
})();
