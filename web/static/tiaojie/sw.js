// The service worker of the record forms that work without signal (offline.js; served at
// /sw.js by web/views/offline.py so that its scope is the whole site). Network first, always:
// with signal every request goes to the server as if this file did not exist. Without signal a
// GET is answered from the Cache Storage, which holds only what offline.js put there (the
// record forms' pages, the site's scripts and styles); anything else answers a short Chinese
// page (503). Nothing is ever sent or changed from here: offline.js posts the waiting records.
"use strict";

var CACHE = "tj-offline-v1";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

function offlinePage() {
  var html = "<!DOCTYPE html><html lang=\"zh-Hans\"><meta charset=\"utf-8\">" +
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">" +
    "<title>没有网络</title><h1>没有网络</h1>" +
    "<p>此页面没有保存在本机。有信号后请重新打开；已离线保存的记录会自动提交。</p></html>";
  return new Response(html, {
    status: 503,
    headers: { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" }
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith(
    fetch(request).catch(function () {
      return caches.open(CACHE).then(function (cache) {
        return cache.match(request, { ignoreVary: true }).then(function (hit) {
          if (hit) return hit;
          return request.mode === "navigate" ? offlinePage() : Response.error();
        });
      });
    })
  );
});
