// The lead form (web/templates/screening/report.html; loaded with defer): one submission only —
// a village line is slow, and a second tap would report the lead twice — and not before
// photos.js has finished shrinking the chosen pictures. A redrawn picture has lost its location,
// so when the reporter ticks 保留照片中的位置信息 the pictures as chosen are sent instead (the
// server keeps the location only then, core/images.py).
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
    var keep = form.querySelector("input[name=keep_location]");
    var photos = form.querySelector("input[type=file][data-photos]");
    if (keep && keep.checked && photos && photos.tjOriginals && window.DataTransfer) {
      var transfer = new DataTransfer();
      photos.tjOriginals.forEach(function (f) { transfer.items.add(f); });
      photos.files = transfer.files;
    }
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
