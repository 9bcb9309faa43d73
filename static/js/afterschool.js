// After-school pages: confirm withdrawals, and on the roster hide the pick-up person when the
// pupil leaves alone or moves on to delayed care. No inline scripts (CSP); the pages work
// without this file (the server checks everything again).
(function () {
  "use strict";

  function syncPickup(select) {
    var row = select.closest(".pickup");
    var person = row && row.querySelector("input[name=picked_up_by]");
    if (!person) return;
    person.closest("label").hidden = select.value === "alone" || select.value === "care";
  }

  function syncAll(root) {
    (root || document).querySelectorAll("select[data-pickup]").forEach(syncPickup);
  }

  document.addEventListener("DOMContentLoaded", function () { syncAll(); });
  document.addEventListener("htmx:afterSettle", function () { syncAll(); });
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("select[data-pickup]")) syncPickup(event.target);
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  });
})();
