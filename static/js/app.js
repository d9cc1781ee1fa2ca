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
})();
