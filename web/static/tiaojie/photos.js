// Evidence photos from the phone's camera (input[data-photos], web/forms.py PhotoInput; loaded
// with defer by tiaojie/base.html). Each chosen picture is drawn again, at most MAX_SIDE px on
// its longer side, as a JPEG: a 4-MB camera photo leaves the phone as ~300 KB (a village line
// sends it in seconds) and, being a new picture, without the camera's location. A preview of
// each is shown under the field. Without this script (or where the canvas cannot encode) the
// original files are sent and the server does the same (core/images.py).
"use strict";

(function () {
  var MAX_SIDE = 1600;
  var QUALITY = 0.85;

  function shrink(file) {
    return new Promise(function (resolve) {
      if (!/^image\/(jpeg|png)$/.test(file.type) || !window.createImageBitmap) {
        resolve(file);
        return;
      }
      createImageBitmap(file).then(function (bitmap) {
        var scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
        var canvas = document.createElement("canvas");
        canvas.width = Math.round(bitmap.width * scale);
        canvas.height = Math.round(bitmap.height * scale);
        canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
        canvas.toBlob(function (blob) {
          if (!blob || blob.size >= file.size) {
            resolve(file);
            return;
          }
          var name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
          resolve(new File([blob], name, { type: "image/jpeg", lastModified: file.lastModified }));
        }, "image/jpeg", QUALITY);
      }, function () { resolve(file); });
    });
  }

  function preview(input, files) {
    var list = input.parentNode.querySelector(".tj-photos__preview");
    if (!list) {
      list = document.createElement("div");
      list.className = "tj-photos__preview";
      input.insertAdjacentElement("afterend", list);
    }
    list.textContent = "";
    files.forEach(function (file) {
      var img = document.createElement("img");
      img.alt = file.name;
      img.src = URL.createObjectURL(file);
      list.appendChild(img);
    });
  }

  document.querySelectorAll("input[type=file][data-photos]").forEach(function (input) {
    input.addEventListener("change", function () {
      var chosen = Array.prototype.slice.call(input.files || []);
      if (!chosen.length || !window.DataTransfer) return;
      input.dataset.shrinking = "1";
      input.tjOriginals = chosen; // the lead form sends these when the location is to be kept
      Promise.all(chosen.map(shrink)).then(function (files) {
        var transfer = new DataTransfer();
        files.forEach(function (f) { transfer.items.add(f); });
        input.files = transfer.files;
        delete input.dataset.shrinking;
        preview(input, files);
      });
    });
  });
})();
