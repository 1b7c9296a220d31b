/* The handwritten signature of portal/sign.html: a <canvas> drawn with a finger or a mouse
   (pointer events, with touch and mouse events for older phone browsers), 清除 to start again,
   and the drawing sent as a PNG data URL in the hidden "image" field when 同意并签署 is pressed.
   No library. */
(function () {
  "use strict";
  var pad = document.getElementById("p-sign-pad");
  var form = document.getElementById("p-sign-form");
  var field = document.getElementById("p-sign-image");
  var clear = document.getElementById("p-sign-clear");
  if (!pad || !form || !field || !pad.getContext) { return; }
  var ctx = pad.getContext("2d");
  var drawing = false, drawn = false, last = null;

  function pen() {
    ctx.lineWidth = 5;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.strokeStyle = "#000";
  }
  pen();

  function at(clientX, clientY) {
    var box = pad.getBoundingClientRect();
    return {
      x: (clientX - box.left) * (pad.width / box.width),
      y: (clientY - box.top) * (pad.height / box.height)
    };
  }
  function start(p) { drawing = true; last = p; ctx.beginPath(); ctx.arc(p.x, p.y, 2, 0, 7); ctx.fill(); drawn = true; }
  function move(p) {
    if (!drawing) { return; }
    ctx.beginPath();
    ctx.moveTo(last.x, last.y);
    ctx.lineTo(p.x, p.y);
    ctx.stroke();
    last = p;
    drawn = true;
  }
  function end() { drawing = false; }

  if (window.PointerEvent) {
    pad.addEventListener("pointerdown", function (e) { e.preventDefault(); pad.setPointerCapture && pad.setPointerCapture(e.pointerId); start(at(e.clientX, e.clientY)); });
    pad.addEventListener("pointermove", function (e) { e.preventDefault(); move(at(e.clientX, e.clientY)); });
    pad.addEventListener("pointerup", end);
    pad.addEventListener("pointercancel", end);
  } else {
    pad.addEventListener("touchstart", function (e) { e.preventDefault(); var t = e.touches[0]; start(at(t.clientX, t.clientY)); }, { passive: false });
    pad.addEventListener("touchmove", function (e) { e.preventDefault(); var t = e.touches[0]; move(at(t.clientX, t.clientY)); }, { passive: false });
    pad.addEventListener("touchend", end);
    pad.addEventListener("mousedown", function (e) { start(at(e.clientX, e.clientY)); });
    pad.addEventListener("mousemove", function (e) { move(at(e.clientX, e.clientY)); });
    window.addEventListener("mouseup", end);
  }

  clear.addEventListener("click", function () {
    ctx.clearRect(0, 0, pad.width, pad.height);
    pen();
    drawn = false;
    field.value = "";
  });

  form.addEventListener("submit", function (e) {
    var button = e.submitter || document.activeElement;
    if (button && button.value === "code") { return; }
    field.value = drawn ? pad.toDataURL("image/png") : "";
  });
})();
