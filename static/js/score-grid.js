// The trainer's score grid: spreadsheet-like keys, pasting a copied column, and marking cells
// outside 0..maximum before the form is sent. The server checks everything again; without
// this file the grid is a plain form.
(function () {
  "use strict";

  function cells(form) {
    return Array.prototype.slice.call(form.querySelectorAll("input[data-col]"));
  }

  function grid(form) {
    // rows[r][c]: the inputs in table order (c 0 = pre, 1 = post).
    var rows = [];
    form.querySelectorAll("tbody tr").forEach(function (tr) {
      rows.push(Array.prototype.slice.call(tr.querySelectorAll("input[data-col]")));
    });
    return rows;
  }

  function position(rows, input) {
    for (var r = 0; r < rows.length; r++) {
      var c = rows[r].indexOf(input);
      if (c !== -1) { return [r, c]; }
    }
    return null;
  }

  function problem(value, max) {
    var raw = value.trim().replace(",", ".");
    if (raw === "") { return ""; }
    if (!/^\d+(\.\d{1,2})?$/.test(raw)) { return "Not a number"; }
    var number = parseFloat(raw);
    if (number < 0 || number > max) { return "Enter a score from 0 to " + max; }
    return "";
  }

  function check(input, max) {
    var message = problem(input.value, max);
    var cell = input.parentNode;
    var note = cell.querySelector(".error.client");
    if (message) {
      cell.classList.add("bad");
      input.setAttribute("aria-invalid", "true");
      if (!note) {
        note = document.createElement("span");
        note.className = "error client";
        note.id = "client-" + input.id;
        cell.appendChild(note);
        input.setAttribute("aria-describedby", (input.getAttribute("aria-describedby") || "") + " " + note.id);
      }
      note.textContent = message;
    } else {
      if (!cell.querySelector(".error:not(.client)")) { cell.classList.remove("bad"); input.removeAttribute("aria-invalid"); }
      if (note) { note.remove(); }
    }
    return !message;
  }

  function setup(form) {
    var max = parseFloat(form.getAttribute("data-max"));
    form.setAttribute("data-grid-ready", "");
    form.addEventListener("keydown", function (event) {
      var input = event.target;
      if (!input.matches || !input.matches("input[data-col]")) { return; }
      var rows = grid(form);
      var at = position(rows, input);
      if (!at) { return; }
      var target = null;
      if (event.key === "Enter" || event.key === "ArrowDown") {
        target = event.shiftKey ? rows[at[0] - 1] : rows[at[0] + 1];
      } else if (event.key === "ArrowUp") {
        target = rows[at[0] - 1];
      } else {
        return;
      }
      event.preventDefault();
      if (!target && event.key === "Enter" && !event.shiftKey) {
        // The phone keyboard's "next" at the foot of a column goes on to the next column, and
        // from the last box to the save button.
        target = rows[0] && rows[0][at[1] + 1] ? rows[0] : null;
        if (!target) {
          var save = form.querySelector('button[type="submit"]');
          if (save) { save.focus(); }
          return;
        }
        target[at[1] + 1].focus();
        target[at[1] + 1].select();
        return;
      }
      if (target && target[at[1]]) { target[at[1]].focus(); target[at[1]].select(); }
    });

    form.addEventListener("paste", function (event) {
      var input = event.target;
      if (!input.matches || !input.matches("input[data-col]")) { return; }
      var text = (event.clipboardData || window.clipboardData).getData("text");
      if (!/[\t\n\r]/.test(text.trim())) { return; }
      event.preventDefault();
      var lines = text.replace(/\r\n?/g, "\n").replace(/\n$/, "").split("\n");
      var rows = grid(form);
      var at = position(rows, input);
      lines.forEach(function (line, i) {
        var row = rows[at[0] + i];
        if (!row) { return; }
        line.split("\t").forEach(function (value, j) {
          var cell = row[at[1] + j];
          if (cell) { cell.value = value.trim(); check(cell, max); }
        });
      });
    });

    form.addEventListener("input", function (event) {
      if (event.target.matches && event.target.matches("input[data-col]")) { check(event.target, max); }
    });

    form.addEventListener("submit", function (event) {
      var bad = cells(form).filter(function (input) { return !check(input, max); });
      var box = document.getElementById("grid-errors");
      if (bad.length) {
        event.preventDefault();
        box.hidden = false;
        box.textContent = bad.length + (bad.length === 1 ? " cell is not valid; nothing was saved." : " cells are not valid; nothing was saved.");
        bad[0].focus();
      } else {
        box.hidden = true;
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form.score-grid-form").forEach(setup);
  });
})();
