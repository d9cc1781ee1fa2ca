// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // Ask before destructive POST forms marked with data-confirm.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
  // Keep the menu open on wide screens (it is a <details> for phones).
  function syncMenu() {
    var menu = document.querySelector("details.menu");
    if (menu && window.matchMedia("(min-width: 48rem)").matches) {
      menu.setAttribute("open", "");
    }
  }
  document.addEventListener("DOMContentLoaded", syncMenu);
  // Filters fold away behind a "Filters" button on a phone, so the first screen shows the page's
  // content; they stay open on wide screens and whenever a filter is set in the address.
  function foldFilters() {
    var wide = window.matchMedia("(min-width: 48rem)").matches;
    var params = new URLSearchParams(window.location.search);
    var set = 0;
    params.forEach(function (value, name) {
      if (value && name !== "page") {
        set += 1;
      }
    });
    document.querySelectorAll("form.filters").forEach(function (form) {
      if (form.closest("details") || (form.getAttribute("method") || "get").toLowerCase() !== "get") {
        return;
      }
      var fold = document.createElement("details");
      fold.className = "filters-fold";
      var summary = document.createElement("summary");
      summary.textContent = set ? text("data-filters-set", "Filters (%s set)").replace("%s", set)
        : text("data-filters", "Filters");
      fold.appendChild(summary);
      form.parentNode.insertBefore(fold, form);
      fold.appendChild(form);
      if (wide || set) {
        fold.open = true;
      }
    });
  }
  document.addEventListener("DOMContentLoaded", foldFilters);
  // A register's "Tick all of <station>": one tap ticks (or unticks) that station's people.
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-tick-group]").forEach(function (group) {
      var all = group.querySelector("input[data-tick-all]");
      if (!all) {
        return;
      }
      var boxes = group.querySelectorAll('input[type="checkbox"]:not([data-tick-all])');
      all.closest(".tick-group").hidden = false;
      function reflect() {
        var ticked = Array.prototype.filter.call(boxes, function (box) { return box.checked; }).length;
        all.checked = ticked === boxes.length;
        all.indeterminate = ticked > 0 && ticked < boxes.length;
      }
      all.addEventListener("change", function () {
        boxes.forEach(function (box) { box.checked = all.checked; });
      });
      boxes.forEach(function (box) { box.addEventListener("change", reflect); });
      reflect();
    });
  });
  // Search-as-you-type for a person field (data-officer-search names the JSON endpoint):
  // suggestions fill the field's datalist; choosing one sets the hidden id next to it.
  function personSearch(input) {
    var list = document.getElementById(input.getAttribute("list"));
    var hidden = input.form.querySelector('input[name="officer_id"]');
    var station = input.form.querySelector('select[name="station_id"]');
    var found = {};
    var timer = null;
    function choose() {
      hidden.value = found[input.value.trim()] || "";
    }
    input.addEventListener("input", function () {
      choose();
      var text = input.value.trim();
      window.clearTimeout(timer);
      if (text.length < 2 || found[text]) {
        return;
      }
      timer = window.setTimeout(function () {
        var url = input.getAttribute("data-officer-search") + "?q=" + encodeURIComponent(text);
        if (station && station.value) {
          url += "&station=" + encodeURIComponent(station.value);
        }
        fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (response) { return response.ok ? response.json() : []; })
          .then(function (people) {
            list.textContent = "";
            people.forEach(function (person) {
              var option = document.createElement("option");
              option.value = person.label;
              option.label = person.station;
              list.appendChild(option);
              found[person.label] = String(person.id);
            });
            choose();
          });
      }, 200);
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-officer-search]").forEach(personSearch);
  });

  // ---- Forms keep what was typed when sending fails --------------------------------------------
  // A POST form is sent by fetch. When the network fails, what was typed (never a password or a
  // file) is kept in this device's storage under the signed-in user, with a notice and a "Send
  // again" button; the form's one-time submission_key is kept with it, so a form that did reach
  // the server is stored once however often it is sent again. Kept values come back when the page
  // is opened again, and are removed after a successful send and on sign-out.
  var KEEP_PREFIX = "kept-form:";
  function text(name, fallback) {
    var holder = document.body;
    return (holder && holder.getAttribute(name)) || fallback;
  }
  function userPrefix() {
    var user = document.body && document.body.getAttribute("data-user");
    return user ? KEEP_PREFIX + user + ":" : null;
  }
  function storage() {
    try {
      return window.localStorage;
    } catch (error) {
      return null; // storage disabled: forms still send, nothing can be kept
    }
  }
  function postForms() {
    return Array.prototype.filter.call(document.forms, function (form) {
      return (form.getAttribute("method") || "").toLowerCase() === "post";
    });
  }
  function keptKey(form) {
    var prefix = userPrefix();
    if (!prefix) {
      return null;
    }
    return prefix + window.location.pathname + window.location.search + "|" +
      (form.getAttribute("action") || "") + "|" + postForms().indexOf(form);
  }
  function handled(form) {
    if ((form.getAttribute("method") || "").toLowerCase() !== "post") {
      return false;
    }
    if (form.hasAttribute("data-plain-submit") || form.querySelector('input[type="file"]')) {
      return false;
    }
    return true;
  }
  function never(element) {
    var type = (element.type || "").toLowerCase();
    return type === "password" || type === "file" || element.name === "csrf_token";
  }
  function keep(form, entries) {
    var store = storage();
    var key = keptKey(form);
    if (!store || !key) {
      return;
    }
    var fields = [];
    entries.forEach(function (pair) {
      var element = form.elements.namedItem(pair[0]);
      var sample = element && element.length !== undefined && !element.tagName ? element[0] : element;
      if (sample && never(sample)) {
        return;
      }
      if (typeof pair[1] === "string") {
        fields.push([pair[0], pair[1]]);
      }
    });
    try {
      store.setItem(key, JSON.stringify({ fields: fields, kept: new Date().toISOString() }));
    } catch (error) {
      // storage full or refused: the notice still says the form was not sent
    }
  }
  function forget(form) {
    var store = storage();
    var key = keptKey(form);
    if (store && key) {
      store.removeItem(key);
    }
  }
  function forgetKey(key) {
    var store = storage();
    if (store && key) {
      store.removeItem(key);
    }
  }
  function forgetAll() {
    var store = storage();
    if (!store) {
      return;
    }
    for (var i = store.length - 1; i >= 0; i -= 1) {
      var key = store.key(i);
      if (key && key.indexOf(KEEP_PREFIX) === 0) {
        store.removeItem(key);
      }
    }
  }
  function restore(form, fields) {
    var values = {};
    fields.forEach(function (pair) {
      (values[pair[0]] = values[pair[0]] || []).push(pair[1]);
    });
    Array.prototype.forEach.call(form.elements, function (element) {
      if (!element.name || never(element) || element.type === "submit" || element.type === "button") {
        return;
      }
      var kept = values[element.name] || [];
      if (element.type === "checkbox" || element.type === "radio") {
        element.checked = kept.indexOf(element.value) !== -1;
      } else if (element.tagName === "SELECT" && element.multiple) {
        Array.prototype.forEach.call(element.options, function (option) {
          option.selected = kept.indexOf(option.value) !== -1;
        });
      } else if (kept.length) {
        element.value = kept.shift(); // fields sharing a name take their values in order
      }
    });
  }
  function notice(form, sendAgain) {
    var box = form.previousElementSibling;
    if (!box || !box.classList.contains("kept-notice")) {
      box = document.createElement("div");
      box.className = "kept-notice";
      box.setAttribute("role", "alert");
      var message = document.createElement("p");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button";
      button.textContent = text("data-send-again", "Send again");
      box.appendChild(message);
      box.appendChild(button);
      form.parentNode.insertBefore(box, form);
      button.addEventListener("click", function () {
        button.disabled = true;
        message.textContent = text("data-sending", "Sending…");
        box.sendAgain();
      });
    }
    box.sendAgain = sendAgain;
    box.querySelector("p").textContent = text(
      "data-kept-notice", "Not sent yet: kept on this device. It is sent by itself when the network is back, or send it again now."
    );
    box.querySelector("button").disabled = false;
    return box;
  }
  // ---- The outbox: forms sent without a network wait in IndexedDB -------------------------------
  // Each waiting form keeps its action, what was typed (never the CSRF token, which is taken from
  // the page when it is sent) and its one-time submission_key, so the server stores it once
  // however often it arrives. Waiting forms are sent in the order they were made as soon as the
  // network is back (and on every page opened online), listed at the top of every page with a
  // way to discard each, and all deleted on sign-out.
  var OUTBOX_DB = "partnership-outbox";
  var OUTBOX_STORE = "forms";
  var outboxShown = { count: 0, status: "" };
  function currentUser() {
    return (document.body && document.body.getAttribute("data-user")) || null;
  }
  function here() {
    return window.location.pathname + window.location.search;
  }
  function openOutbox() {
    return new Promise(function (resolve, reject) {
      if (!window.indexedDB) {
        reject(new Error("IndexedDB is not available"));
        return;
      }
      var request = window.indexedDB.open(OUTBOX_DB, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore(OUTBOX_STORE, { keyPath: "id", autoIncrement: true });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }
  function outboxDo(mode, work) {
    return openOutbox().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(OUTBOX_STORE, mode);
        var result;
        var request = work(tx.objectStore(OUTBOX_STORE));
        if (request) {
          request.onsuccess = function () { result = request.result; };
        }
        tx.oncomplete = function () { db.close(); resolve(result); };
        tx.onerror = tx.onabort = function () { db.close(); reject(tx.error); };
      });
    });
  }
  function waiting() {
    var user = currentUser();
    return outboxDo("readonly", function (store) { return store.getAll(); }).then(function (items) {
      return (items || []).filter(function (item) { return item.user === user; });
    });
  }
  function keyOf(entries) {
    var found = entries.filter(function (pair) { return pair[0] === "submission_key"; })[0];
    return found ? found[1] : null;
  }
  function enqueue(form, action, entries) {
    var user = currentUser();
    if (!user) {
      return Promise.resolve();
    }
    var heading = document.querySelector("main h1");
    var item = {
      user: user,
      action: action,
      page: here(),
      title: (heading && heading.textContent.trim()) || document.title,
      entries: entries.filter(function (pair) {
        return typeof pair[1] === "string" && pair[0] !== "csrf_token";
      }),
      key: keyOf(entries),
      keptKey: keptKey(form),
      kept: new Date().toISOString(),
    };
    return waiting().then(function (items) {
      var same = items.filter(function (other) { return item.key && other.key === item.key; })[0];
      if (same) {
        item.id = same.id; // sent again while still waiting: one entry, its place kept
        item.kept = same.kept;
      }
      return outboxDo("readwrite", function (store) { return store.put(item); });
    }).then(function () {
      // Kept in the outbox now: the page opens with an empty form for the next one, and the
      // outbox's link brings these values back (restoreFromOutbox).
      forget(form);
      return renderOutbox();
    }, function () {});
  }
  function restoreFromOutbox() {
    var wanted = /^#outbox-(\d+)$/.exec(window.location.hash);
    if (!wanted || !window.indexedDB) {
      return;
    }
    waiting().then(function (items) {
      var item = items.filter(function (one) { return String(one.id) === wanted[1]; })[0];
      var form = item && postForms().filter(function (one) { return keptKey(one) === item.keptKey; })[0];
      if (!form) {
        return;
      }
      restore(form, item.entries);
      var box = notice(form, function () {
        send(form, null);
      });
      box.scrollIntoView({ block: "nearest" });
    }).catch(function () {});
  }
  function dropFromOutbox(submissionKey) {
    if (!submissionKey || !window.indexedDB) {
      return Promise.resolve();
    }
    return waiting().then(function (items) {
      var gone = items.filter(function (item) { return item.key === submissionKey; });
      if (!gone.length) {
        return null;
      }
      return outboxDo("readwrite", function (store) {
        gone.forEach(function (item) { store.delete(item.id); });
      }).then(renderOutbox);
    }).catch(function () {});
  }
  function updateItem(item) {
    return outboxDo("readwrite", function (store) { return store.put(item); });
  }
  function csrfToken() {
    var field = document.querySelector('input[name="csrf_token"]');
    return field ? field.value : null;
  }
  function post(action, entries) {
    var payload = new URLSearchParams();
    var token = csrfToken();
    if (token) {
      payload.append("csrf_token", token);
    }
    entries.forEach(function (pair) {
      payload.append(pair[0], pair[1]);
    });
    return fetch(action, {
      method: "POST",
      body: payload,
      credentials: "same-origin",
      headers: { Accept: "text/html", "X-Kept-Form": "1" },
    });
  }
  function toLogin(location) {
    return location && new URL(location, window.location.href).pathname === text("data-login-path", "/login");
  }
  var flushing = null;
  function flushOutbox() {
    if (flushing) {
      return flushing;
    }
    if (!currentUser() || !window.indexedDB || navigator.onLine === false) {
      return Promise.resolve();
    }
    var sentHere = null;
    var sent = 0;
    flushing = waiting().then(function (items) {
      function next(i) {
        var item = items[i];
        if (!item) {
          return null;
        }
        if (item.problem === "refused") {
          return next(i + 1); // waits for the user to open it or discard it
        }
        return post(item.action, item.entries).then(function (response) {
          var location = response.headers.get("X-Kept-Form-Location");
          if (toLogin(location)) {
            item.problem = "session"; // stop here: the rest would meet the same answer
            return updateItem(item);
          }
          if (response.status >= 500) {
            return null; // try again later, in the same order
          }
          if (location || response.ok) {
            sent += 1;
            forgetKey(item.keptKey);
            var form = item.page === here() && postForms().filter(function (one) {
              return keptKey(one) === item.keptKey;
            })[0];
            if (form && location) {
              var now = entriesOf(form, null).filter(function (pair) {
                return typeof pair[1] === "string" && pair[0] !== "csrf_token";
              });
              var typed = item.entries.filter(function (pair) {
                var name = window.CSS && window.CSS.escape ? window.CSS.escape(pair[0]) : pair[0];
                return !form.querySelector('button[name="' + name + '"], input[type="submit"][name="' + name + '"]');
              });
              if (JSON.stringify(now) === JSON.stringify(typed)) {
                sentHere = location; // the page still shows what was sent: show its result
              } else {
                // Typed over since: that is a new form, never taken for the one just sent.
                var field = form.querySelector('input[name="submission_key"]');
                if (field && window.crypto && window.crypto.getRandomValues) {
                  field.value = freshKey();
                }
                var box = form.previousElementSibling;
                if (box && box.classList.contains("kept-notice")) {
                  box.remove();
                }
              }
            }
            return outboxDo("readwrite", function (store) { return store.delete(item.id); })
              .then(function () { return next(i + 1); });
          }
          item.problem = "refused";
          return updateItem(item).then(function () { return next(i + 1); });
        }, function () {
          return null; // the network is down again: the rest keep waiting
        });
      }
      return next(0);
    }).then(function () {
      flushing = null;
      if (sent) {
        outboxShown.status = text("data-all-sent", "");
      }
      if (sentHere) {
        window.location.assign(sentHere);
        return null;
      }
      return renderOutbox();
    }, function () {
      flushing = null;
    });
    return flushing;
  }
  function outboxText(box, name, fallback) {
    return box.getAttribute(name) || fallback;
  }
  function renderOutbox() {
    var box = document.getElementById("outbox");
    if (!box || !window.indexedDB) {
      return Promise.resolve();
    }
    return waiting().then(function (items) {
      var list = box.querySelector("ol");
      var status = box.querySelector(".outbox-status");
      list.textContent = "";
      items.forEach(function (item) {
        var li = document.createElement("li");
        var link = document.createElement("a");
        link.href = item.page + "#outbox-" + item.id;
        link.textContent = item.title;
        li.appendChild(link);
        var when = new Date(item.kept).toLocaleTimeString(document.documentElement.lang || undefined,
          { hour: "2-digit", minute: "2-digit" });
        li.appendChild(document.createTextNode(" · " + outboxText(box, "data-kept-at", "kept at %s").replace("%s", when) + " "));
        if (item.problem) {
          var problem = document.createElement("span");
          problem.className = "problem";
          problem.textContent = outboxText(box, item.problem === "session" ? "data-session" : "data-refused", "");
          li.appendChild(problem);
          li.appendChild(document.createTextNode(" "));
        }
        var discard = document.createElement("button");
        discard.type = "button";
        discard.className = "link";
        discard.textContent = outboxText(box, "data-discard", "Discard");
        var what = document.createElement("span");
        what.className = "visually-hidden";
        what.textContent = " " + item.title + " (" + when + ")";
        discard.appendChild(what);
        discard.addEventListener("click", function () {
          forgetKey(item.keptKey);
          outboxDo("readwrite", function (store) { return store.delete(item.id); }).then(renderOutbox);
        });
        li.appendChild(discard);
        list.appendChild(li);
      });
      outboxShown.count = items.length;
      status.textContent = items.length ? "" : outboxShown.status;
      box.querySelector("[data-outbox-send]").hidden = !items.length;
      box.querySelector(".hint").hidden = !items.length;
      list.hidden = !items.length;
      box.hidden = !items.length && !outboxShown.status;
    }).catch(function () {});
  }
  function emptyDevice() {
    // Sign-out: waiting forms, kept pages and kept form values all go.
    forgetAll();
    var jobs = [];
    if (window.indexedDB) {
      jobs.push(outboxDo("readwrite", function (store) { return store.clear(); }).catch(function () {}));
    }
    if (window.caches) {
      jobs.push(window.caches.keys().then(function (names) {
        return Promise.all(names.map(function (name) { return window.caches.delete(name); }));
      }).catch(function () {}));
    }
    return Promise.all(jobs);
  }
  function entriesOf(form, submitter) {
    var data = new FormData(form);
    if (submitter && submitter.name) {
      data.append(submitter.name, submitter.value);
    }
    var entries = [];
    data.forEach(function (value, name) {
      entries.push([name, value]);
    });
    return entries;
  }
  function showPage(html, url) {
    if (url && url !== window.location.href) {
      window.history.pushState({ formAnswer: true }, "", url);
    }
    window.formAnswerShown = true;
    document.open();
    document.write(html);
    document.close();
  }
  function fileName(disposition) {
    var match = /filename\*=UTF-8''([^;]+)/i.exec(disposition || "");
    if (match) {
      try {
        return decodeURIComponent(match[1]);
      } catch (error) {
        // fall through to the plain name
      }
    }
    match = /filename="?([^";]+)"?/i.exec(disposition || "");
    return match ? match[1] : "download";
  }
  function saveFile(blob, disposition) {
    var link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = fileName(disposition);
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () {
      URL.revokeObjectURL(link.href);
    }, 10000);
  }
  function send(form, submitter) {
    var entries = entriesOf(form, submitter);
    // The attribute, not form.action: a field named "action" would stand in for the property.
    var action = new URL(
      (submitter && submitter.getAttribute("formaction")) || form.getAttribute("action") || "",
      window.location.href
    ).href;
    var payload = new URLSearchParams();
    entries.forEach(function (pair) {
      payload.append(pair[0], pair[1]);
    });
    return fetch(action, {
      method: "POST",
      body: payload,
      credentials: "same-origin",
      headers: { Accept: "text/html", "X-Kept-Form": "1" },
    }).then(
      function (response) {
        var location = response.headers.get("X-Kept-Form-Location");
        if (location) {
          var target = new URL(location, window.location.href);
          // Sent to sign in (the session ended): keep the values for when the user is back.
          if (target.pathname !== text("data-login-path", "/login")) {
            forget(form);
            dropFromOutbox(keyOf(entries));
          }
          var here = window.location;
          window.location.assign(target.href);
          if (target.hash && target.pathname === here.pathname && target.search === here.search) {
            window.location.reload(); // only the fragment differs: assign alone would not load
          }
          return;
        }
        var type = response.headers.get("Content-Type") || "";
        if (type.indexOf("text/html") === -1 && response.ok) {
          // A download: save the file this answer brought. Sending the form again would be a
          // second submission, which the server refuses to process twice.
          return response.blob().then(function (blob) {
            forget(form);
            saveFile(blob, response.headers.get("Content-Disposition"));
          });
        }
        if (type.indexOf("text/html") === -1) {
          // Anything else the page cannot show (a refusal, which stored nothing): let the
          // browser send it.
          form.setAttribute("data-plain-once", "");
          var plain = window.HTMLFormElement.prototype;
          if (plain.requestSubmit) {
            plain.requestSubmit.call(form, submitter || undefined);
          } else {
            plain.submit.call(form);
          }
          return;
        }
        return response.text().then(function (html) {
          // The form came back with its errors or a conflict: the server has the typed values.
          if (response.status === 422 || response.status === 409 || response.ok) {
            forget(form);
            dropFromOutbox(keyOf(entries));
          }
          showPage(html, response.url);
        });
      },
      function () {
        keep(form, entries);
        // The notice says the form is kept on the device and sent by itself: it is shown once
        // the form is in the outbox, so that leaving the page when it appears never loses it
        // (on a slow phone, leaving the page before the outbox had stored it dropped the form).
        return enqueue(form, action, entries).then(function () {
          var box = notice(form, function () {
            send(form, submitter);
          });
          box.scrollIntoView({ block: "nearest" });
        });
      }
    );
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !form || !form.getAttribute) {
      return;
    }
    if (form.hasAttribute("data-sign-out")) {
      if (form.hasAttribute("data-emptied")) {
        return;
      }
      event.preventDefault();
      var done = false;
      var go = function () {
        if (done) {
          return;
        }
        done = true;
        form.setAttribute("data-emptied", "");
        window.HTMLFormElement.prototype.submit.call(form);
      };
      emptyDevice().then(go, go);
      window.setTimeout(go, 2000); // never keep someone from signing out
      return;
    }
    if (form.hasAttribute("data-plain-once")) {
      form.removeAttribute("data-plain-once");
      return;
    }
    if (!handled(form) || !window.fetch || !window.URLSearchParams) {
      return;
    }
    event.preventDefault();
    send(form, event.submitter || null);
  });
  window.addEventListener("popstate", function () {
    // The page shown was written from a form's answer: going back needs a real page again.
    if (window.formAnswerShown) {
      window.location.reload();
    }
  });
  function freshKey() {
    var bytes = new Uint8Array(18);
    window.crypto.getRandomValues(bytes);
    return btoa(String.fromCharCode.apply(null, bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function startOffline() {
    var user = currentUser();
    var store = storage();
    if (!user) {
      // Signed out (or the session ended): pages kept for someone must not open for anyone else.
      if (window.caches) {
        window.caches.delete("pages").catch(function () {});
      }
      return;
    }
    if (store && store.getItem("offline-user") !== user) {
      if (window.caches) {
        window.caches.delete("pages").catch(function () {});
      }
      store.setItem("offline-user", user);
    }
    var worker = document.body.getAttribute("data-sw");
    if (worker && navigator.serviceWorker) {
      navigator.serviceWorker.register(worker).catch(function () {});
    }
    var box = document.getElementById("outbox");
    if (box) {
      box.querySelector("[data-outbox-send]").addEventListener("click", flushOutbox);
    }
    renderOutbox().then(flushOutbox);
    window.addEventListener("online", flushOutbox);
    window.addEventListener("hashchange", restoreFromOutbox);
  }
  document.addEventListener("DOMContentLoaded", function () {
    // A page opened again from the offline copy carries the key it had when it was kept: every
    // opening gets fresh keys, so two forms made from one kept page are two records.
    if (window.crypto && window.crypto.getRandomValues) {
      document.querySelectorAll('input[name="submission_key"]').forEach(function (field) {
        field.value = freshKey();
      });
    }
    startOffline();
    restoreFromOutbox();
    var store = storage();
    if (!store) {
      return;
    }
    postForms().forEach(function (form) {
      var key = handled(form) && keptKey(form);
      var raw = key && store.getItem(key);
      if (!raw) {
        return;
      }
      try {
        restore(form, JSON.parse(raw).fields || []);
      } catch (error) {
        store.removeItem(key);
        return;
      }
      notice(form, function () {
        send(form, null);
      });
    });
  });
})();
