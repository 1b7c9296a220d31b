// The lead form (web/templates/screening/report.html; loaded with defer): one submission only —
// a village line is slow, and a second tap would report the lead twice — and not before
// photos.js has finished shrinking the chosen pictures.
"use strict";

(function () {
  var form = document.getElementById("lead-form");
  if (!form) return;
  var button = document.getElementById("submit-lead");
  form.addEventListener("submit", function (event) {
    var busy = form.querySelector("input[type=file][data-shrinking]");
    if (busy || form.dataset.sent) {
      event.preventDefault();
      return;
    }
    form.dataset.sent = "1";
    if (button) {
      button.disabled = true;
      button.textContent = button.dataset.sending || "正在上报…";
    }
  });
  window.addEventListener("pageshow", function () {
    delete form.dataset.sent;
    if (button) button.disabled = false;
  });
})();
