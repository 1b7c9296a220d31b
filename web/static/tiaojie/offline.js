// Records written without signal (issue 14). A record form (form[data-offline]: 调查、调解、回访)
// that is submitted while the phone is offline is kept on the phone (localStorage, beside the
// draft forms.js keeps) and sent as soon as the signal returns — when the browser says it is
// online again, or the next time any page of the site opens. The server stays the only place a
// change is made: the queued form is posted to the same URL with the version it was opened at,
// so the same service and the same version check decide; its answer is shown here ("已提交" with
// a link, or the server's message and a link back to the form, whose draft is restored).
//
// The page of such a form and the site's scripts and styles are kept in the Cache Storage
// (sw.js answers from it when there is no network), so the form opens again after a browser
// restart without signal. Nothing else is cached: no case page, no list, no API answer. 退出
// deletes the cache; if records are still waiting it asks first.
"use strict";

(function () {
  var body = document.body;
  var user = body.dataset.user || "";
  var CACHE = "tj-offline-v1";
  var QUEUE = "tj-queue:" + user + ":";
  var DRAFT = "tj-draft:" + user + ":";
  var storage;
  try {
    storage = window.localStorage;
    storage.getItem("x");
  } catch (e) {
    return; // storage blocked: forms work online only
  }
  if (!user) return;

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {});
  }

  function read(key) {
    try { return JSON.parse(storage.getItem(key) || "null"); } catch (e) { return null; }
  }

  function queued() {
    var out = [];
    for (var i = 0; i < storage.length; i++) {
      var k = storage.key(i);
      if (k && k.indexOf(QUEUE) === 0) out.push(k);
    }
    return out;
  }

  function banner(text, link, linkText) {
    var box = document.createElement("div");
    box.className = "tj-msg tj-offline";
    box.setAttribute("role", "status");
    box.setAttribute("data-offline-notice", "");
    var span = document.createElement("span");
    span.textContent = text;
    box.appendChild(span);
    if (link) {
      var a = document.createElement("a");
      a.href = link;
      a.textContent = linkText;
      box.appendChild(document.createTextNode(" "));
      box.appendChild(a);
    }
    var main = document.querySelector("main") || body;
    main.insertBefore(box, main.firstChild);
    return box;
  }

  // --- keep the form's page for a restart without signal -------------------------------
  var form = document.querySelector("form[data-offline]");
  if (form && window.caches && navigator.onLine) {
    var assets = [location.pathname];
    document.querySelectorAll("script[src], link[rel=stylesheet][href]").forEach(function (el) {
      var url = new URL(el.src || el.href, location.href);
      if (url.origin === location.origin) assets.push(url.pathname);
    });
    caches.open(CACHE).then(function (cache) { return cache.addAll(assets); }).catch(function () {});
  }

  // --- submitted without signal: keep it ------------------------------------------------
  if (form) {
    form.addEventListener("submit", function (event) {
      if (navigator.onLine) return;
      event.preventDefault();
      event.stopImmediatePropagation();
      var values = [];
      var photos = 0;
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name || el.disabled) return;
        if (el.type === "file") { photos += el.files ? el.files.length : 0; return; }
        if ((el.type === "checkbox" || el.type === "radio") && !el.checked) return;
        values.push([el.name, el.value]);
      });
      var title = (document.querySelector("main h1") || {}).textContent || "";
      storage.setItem(QUEUE + location.pathname, JSON.stringify({
        action: location.pathname, values: values, title: title, at: Date.now()
      }));
      banner(
        "没有网络信号：“" + title + "”已保存在本机，有信号后会自动提交。" +
          (photos ? "照片不能离线保存，请有信号后再添加。" : "")
      );
    }, true);
  }

  // --- send what waits, when there is signal -------------------------------------------
  var sending = false;

  function answerOf(html) {
    var page = new DOMParser().parseFromString(html, "text/html");
    var summary = page.querySelector("[data-error-summary]");
    var box = summary || page.querySelector(".tj-msg--error") || page.querySelector("main h1");
    return box ? box.textContent.replace(/\s+/g, " ").trim() : "";
  }

  function send(key) {
    var item = read(key);
    if (!item) { storage.removeItem(key); return Promise.resolve(); }
    var data = new URLSearchParams();
    item.values.forEach(function (pair) { data.append(pair[0], pair[1]); });
    return fetch(item.action, {
      method: "POST", body: data, credentials: "same-origin", redirect: "follow"
    }).then(function (response) {
      var landed = new URL(response.url);
      if (landed.pathname.indexOf("/accounts/login/") === 0) {
        banner("“" + item.title + "”还在本机等待提交：请先登录，登录后自动提交。");
        return;
      }
      storage.removeItem(key);
      if (response.ok && response.redirected && landed.pathname !== item.action) {
        storage.removeItem(DRAFT + item.action);
        banner("离线保存的“" + item.title + "”已提交。", landed.pathname, "查看");
        return;
      }
      return response.text().then(function (html) {
        banner(
          "离线保存的“" + item.title + "”未能提交：" + (answerOf(html) || response.status) + "。",
          item.action,
          "打开表单核对后重新提交"
        );
      });
    }, function () { /* still no network: it waits for the next chance */ });
  }

  function flush() {
    if (sending || !navigator.onLine) return;
    var keys = queued();
    if (!keys.length) return;
    sending = true;
    keys.reduce(function (chain, key) {
      return chain.then(function () { return send(key); });
    }, Promise.resolve()).then(function () { sending = false; }, function () { sending = false; });
  }

  // A signal that has just come back often drops again at once (and a browser going away may
  // say "online" as it closes): wait a moment, then send if the page is still there and online.
  var SETTLE_MS = 2000;
  window.addEventListener("online", function () { setTimeout(flush, SETTLE_MS); });
  flush();
  if (!navigator.onLine && queued().length) {
    banner("有 " + queued().length + " 条记录保存在本机，有信号后会自动提交。");
  }

  // --- 退出: the cache goes; waiting records only if the user says so -------------------
  document.querySelectorAll("form[data-logout]").forEach(function (logout) {
    logout.addEventListener("submit", function (event) {
      var waiting = queued().length;
      if (waiting && !window.confirm("有 " + waiting + " 条离线记录尚未提交，退出会删除它们。仍要退出吗？")) {
        event.preventDefault();
        event.stopImmediatePropagation();
        return;
      }
      queued().forEach(function (k) { storage.removeItem(k); });
      if (window.caches) caches.delete(CACHE);
    }, true);
  });
})();
