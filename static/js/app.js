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
})();
