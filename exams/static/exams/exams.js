// Exam pages: confirm a withdrawal before it is sent.
// No inline scripts (CSP); the pages work without this file.
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  });
})();
