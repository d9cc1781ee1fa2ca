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
      "data-kept-notice", "Not sent yet: kept on this device. Send it again when the network is back."
    );
    box.querySelector("button").disabled = false;
    return box;
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
          }
          showPage(html, response.url);
        });
      },
      function () {
        keep(form, entries);
        var box = notice(form, function () {
          send(form, submitter);
        });
        box.scrollIntoView({ block: "nearest" });
      }
    );
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !form || !form.getAttribute) {
      return;
    }
    if (form.hasAttribute("data-sign-out")) {
      forgetAll();
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
  document.addEventListener("DOMContentLoaded", function () {
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
