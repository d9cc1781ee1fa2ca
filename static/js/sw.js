// The service worker (served at /sw.js so that it covers every page): pages already opened on
// this device open again without a network, with their styles and scripts. Built on Workbox,
// copied from npm into static/vendor/workbox/ by `make offline` (part of `make run`).
//
// Only pages and the app's own static files are kept, never downloads, and nothing is sent
// from here: forms that could not be sent wait in the page's outbox (static/js/app.js), which
// sends them in order once the network is back. Signing out empties every cache (app.js).
/* global workbox */
importScripts("static/vendor/workbox/workbox-sw.js");
workbox.setConfig({ modulePathPrefix: "static/vendor/workbox/", debug: false });
workbox.loadModule("workbox-core");
workbox.loadModule("workbox-routing");
workbox.loadModule("workbox-strategies");
workbox.loadModule("workbox-expiration");
workbox.loadModule("workbox-cacheable-response");

var PAGES = "pages";
var STATIC = "static";

self.skipWaiting();
workbox.core.clientsClaim();

// Only HTML pages are kept: a workbook or a calendar feed opened by a link is not, nor a page
// the server marks as showing restricted details (X-Kept-Offline: no, partnership/offline.py).
var htmlOnly = {
  cacheWillUpdate: function (details) {
    var response = details.response;
    var type = (response && response.headers.get("Content-Type")) || "";
    var restricted = response && response.headers.get("X-Kept-Offline") === "no";
    return Promise.resolve(type.indexOf("text/html") === 0 && !restricted ? response : null);
  },
};

workbox.routing.registerRoute(
  function (options) {
    return options.request.mode === "navigate" && options.url.origin === self.location.origin;
  },
  // The network first, always (a page is never older than it must be); the kept copy only when
  // the network fails.
  new workbox.strategies.NetworkFirst({
    cacheName: PAGES,
    plugins: [
      new workbox.cacheableResponse.CacheableResponsePlugin({ statuses: [200] }),
      htmlOnly,
      new workbox.expiration.ExpirationPlugin({ maxEntries: 60, maxAgeSeconds: 24 * 60 * 60 }),
    ],
  })
);

workbox.routing.registerRoute(
  function (options) {
    var scope = new URL(self.registration.scope);
    return options.url.origin === self.location.origin &&
      options.url.pathname.indexOf(scope.pathname + "static/") === 0;
  },
  new workbox.strategies.StaleWhileRevalidate({
    cacheName: STATIC,
    plugins: [
      new workbox.cacheableResponse.CacheableResponsePlugin({ statuses: [200] }),
      new workbox.expiration.ExpirationPlugin({ maxEntries: 40 }),
    ],
  })
);
