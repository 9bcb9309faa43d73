// Homework pages: show the pupil list only for personalised homework, and confirm withdrawals.
// No inline scripts (CSP); the pages work without this file, just less tidily.
(function () {
  "use strict";

  function togglePupils() {
    var layer = document.getElementById("id_layer");
    var field = document.getElementById("pupils-field");
    if (!layer || !field) return;
    var hasErrors = field.querySelector(".errors") !== null;
    field.hidden = layer.value !== "personalised" && !hasErrors;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var layer = document.getElementById("id_layer");
    if (layer) {
      layer.addEventListener("change", togglePupils);
      togglePupils();
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  });
})();
