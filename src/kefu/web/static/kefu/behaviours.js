// Small behaviours pages declare with data attributes, because the Content-Security-Policy
// forbids inline event handlers (onchange=, onsubmit=):
//   <select data-autosubmit>   submits its form when changed (organisation and language switchers)
//   <form data-confirm="…">    asks before submitting
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
})();
