// Forms that never fail silently (loaded with defer by tiaojie/base.html; CSP script-src 'self',
// so no inline script and no on…= handler anywhere).
//
// 1. A form that came back with errors: the summary (includes/error_summary.html) is shown at
//    the top; the first invalid field gets the focus, and a link in the summary focuses its field.
// 2. Nothing typed is lost: a form marked data-draft keeps what is typed in localStorage, one
//    draft per form URL and user. Reopening the form restores it ("已恢复您上次未提交的内容",
//    with 清除). On submit the draft is marked as sent; it is dropped when the next page says
//    the form was accepted (a message with data-form-accepted), and kept when the same form
//    comes back with errors (the server shows what was typed; nothing to restore).
// 3. Chips (includes/form.html, data-chip-for): a tap on a person's name puts it in the field
//    (mode "one") or adds it to, or takes it from, the names there (mode "many", 、-separated).
"use strict";

(function () {
  var body = document.body;
  var PREFIX = "tj-draft:";
  var user = body.dataset.user || "";
  var SKIP = /^(hidden|password|file|submit|button|reset|image)$/;
  var MAX_AGE_MS = 7 * 24 * 3600 * 1000;

  function store() {
    try {
      var s = window.localStorage;
      s.getItem("x");
      return s;
    } catch (e) {
      return null; // private mode or storage blocked: the forms work, without drafts
    }
  }

  function keyOf(form) {
    var action = form.getAttribute("action") || window.location.pathname;
    var path = new URL(action, window.location.href).pathname;
    return PREFIX + user + ":" + path;
  }

  function draftable(el) {
    return el.name && !el.disabled && !SKIP.test(el.type) && el.name !== "csrfmiddlewaretoken";
  }

  // --- 1. errors ------------------------------------------------------------------------
  function focusField(id) {
    var field = document.getElementById(id);
    if (!field) return false;
    field.focus({ preventScroll: true });
    field.scrollIntoView({ block: "center" });
    return document.activeElement === field;
  }

  function firstInvalid(form) {
    var summaryLink = form.querySelector("[data-error-summary] a[href^='#']");
    if (summaryLink) return summaryLink.getAttribute("href").slice(1);
    var field = form.querySelector("[aria-invalid=true]");
    return field ? field.id : "";
  }

  document.querySelectorAll("[data-error-summary]").forEach(function (summary) {
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      if (!link) return;
      if (focusField(link.getAttribute("href").slice(1))) event.preventDefault();
    });
  });

  var firstSummary = document.querySelector("[data-error-summary]");
  if (firstSummary) {
    var form = firstSummary.closest("form") || document;
    var id = firstInvalid(form);
    if (!id || !focusField(id)) {
      firstSummary.focus();
    }
  }

  // --- 2. drafts ------------------------------------------------------------------------
  var storage = store();
  if (!storage || !user) return;

  function read(key) {
    try {
      return JSON.parse(storage.getItem(key) || "null");
    } catch (e) {
      return null;
    }
  }

  function collect(form) {
    var values = {};
    var totals = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.type === "hidden" && /-TOTAL_FORMS$/.test(el.name)) totals[el.name] = el.value;
      if (!draftable(el)) return;
      if (el.type === "checkbox" || el.type === "radio") {
        values[el.name] = values[el.name] || [];
        if (el.checked) values[el.name].push(el.value);
      } else if (el.tagName === "SELECT" && el.multiple) {
        values[el.name] = Array.prototype.filter
          .call(el.options, function (o) { return o.selected; })
          .map(function (o) { return o.value; });
      } else {
        values[el.name] = el.value;
      }
    });
    return { values: values, totals: totals };
  }

  function fire(el) {
    el.dispatchEvent(new Event("input", { bubbles: true }));
    el.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function apply(form, draft) {
    // more formset rows than the page has: add them first (register.js's 再添加一名当事人)
    Object.keys(draft.totals || {}).forEach(function (name) {
      var total = form.elements.namedItem(name);
      var prefix = name.replace(/-TOTAL_FORMS$/, "");
      var add = form.querySelector("[data-formset-add='" + prefix + "']");
      var guard = 0;
      while (total && add && parseInt(total.value, 10) < parseInt(draft.totals[name], 10) && guard++ < 30) {
        add.click();
      }
    });
    var restored = false;
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!draftable(el) || !(el.name in draft.values)) return;
      var value = draft.values[el.name];
      if (el.type === "checkbox" || el.type === "radio") {
        var on = value.indexOf(el.value) !== -1;
        if (el.checked !== on) { el.checked = on; restored = true; fire(el); }
      } else if (el.tagName === "SELECT" && el.multiple) {
        Array.prototype.forEach.call(el.options, function (o) { o.selected = value.indexOf(o.value) !== -1; });
        restored = true;
      } else if (el.value !== value) {
        el.value = value;
        restored = true;
        fire(el);
      }
    });
    return restored;
  }

  function notice(form, key) {
    var box = document.createElement("div");
    box.className = "tj-msg tj-draft";
    box.setAttribute("role", "status");
    box.setAttribute("data-draft-notice", "");
    var text = document.createElement("span");
    text.textContent = body.dataset.draftRestored || "已恢复您上次未提交的内容";
    var clear = document.createElement("button");
    clear.type = "button";
    clear.className = "tj-btn";
    clear.textContent = body.dataset.draftClear || "清除";
    clear.addEventListener("click", function () {
      storage.removeItem(key);
      form.reset();
      box.remove();
    });
    box.appendChild(text);
    box.appendChild(clear);
    form.insertBefore(box, form.firstChild);
  }

  // the form was accepted: drop the drafts that were sent
  if (document.querySelector("[data-form-accepted]")) {
    for (var i = storage.length - 1; i >= 0; i--) {
      var k = storage.key(i);
      if (k && k.indexOf(PREFIX + user + ":") === 0 && (read(k) || {}).sent) storage.removeItem(k);
    }
  }

  // 退出 on a shared computer: the drafts (names, ID numbers, phones) leave with the user
  document.querySelectorAll("form[data-logout]").forEach(function (form) {
    form.addEventListener("submit", function () {
      for (var j = storage.length - 1; j >= 0; j--) {
        var name = storage.key(j);
        if (name && name.indexOf(PREFIX) === 0) storage.removeItem(name);
      }
    });
  });

  document.querySelectorAll("form[data-draft]").forEach(function (form) {
    var key = keyOf(form);
    var draft = read(key);
    if (draft && !(Date.now() - (draft.at || 0) < MAX_AGE_MS)) {
      storage.removeItem(key); // a week old: no longer what the user meant to send
      draft = null;
    }
    var hasErrors = !!form.querySelector("[data-error-summary]");
    if (draft && hasErrors) {
      // the same form came back refused: the page shows what was sent; keep the draft
      draft.sent = false;
      storage.setItem(key, JSON.stringify(draft));
    } else if (draft && draft.values) {
      if (apply(form, draft)) notice(form, key);
    }
    var save = function () {
      var data = collect(form);
      data.sent = false;
      data.at = Date.now();
      storage.setItem(key, JSON.stringify(data));
    };
    form.addEventListener("input", save);
    form.addEventListener("change", save);
    form.addEventListener("submit", function () {
      var data = read(key) || collect(form);
      data.sent = true;
      data.at = Date.now();
      storage.setItem(key, JSON.stringify(data));
    });
  });

  // --- 3. chips -------------------------------------------------------------------------
  var SEP = /[、，,;；\s]+/;

  function names(field) {
    return field.value.split(SEP).filter(function (n) { return n; });
  }

  function mark(field) {
    var present = names(field);
    document.querySelectorAll("[data-chip-for='" + field.id + "']").forEach(function (chip) {
      chip.setAttribute("aria-pressed", present.indexOf(chip.dataset.value) >= 0 ? "true" : "false");
    });
  }

  document.querySelectorAll("[data-chip-for]").forEach(function (chip) {
    var field = document.getElementById(chip.dataset.chipFor);
    if (!field) return;
    mark(field);
    field.addEventListener("input", function () { mark(field); });
    chip.addEventListener("click", function () {
      var name = chip.dataset.value;
      if (chip.dataset.chipMode === "many") {
        var present = names(field);
        var at = present.indexOf(name);
        if (at >= 0) present.splice(at, 1); else present.push(name);
        field.value = present.join("、");
      } else {
        field.value = name;
      }
      mark(field);
      field.dispatchEvent(new Event("input", { bubbles: true })); // the draft keeps it
    });
  });
})();
