// Keyboard shortcuts for the staff queue. Everything here has a button or link that
// does the same without script; this only saves keystrokes. Listed at /staff/help.
(function () {
  "use strict";
  var table = document.querySelector("table.queue[data-view]");
  if (!table) { return; }
  var rows = Array.prototype.slice.call(table.querySelectorAll("tbody tr")).filter(function (r) {
    return r.querySelector("a.open");
  });
  var current = -1;

  function mark(i) {
    if (!rows.length) { return; }
    if (current >= 0) { rows[current].classList.remove("current"); rows[current].removeAttribute("aria-current"); }
    current = Math.max(0, Math.min(rows.length - 1, i));
    rows[current].classList.add("current");
    rows[current].setAttribute("aria-current", "true");
    rows[current].scrollIntoView({ block: "nearest" });
  }

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA" || (target && target.isContentEditable);
  }

  document.addEventListener("keydown", function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey || typing(e.target)) { return; }
    var row = current >= 0 ? rows[current] : null;
    switch (e.key) {
      case "j": mark(current + 1); break;
      case "k": mark(current - 1); break;
      case "o":
      case "Enter":
        if (!row) { return; }
        window.location.href = row.querySelector("a.open").href;
        break;
      case "x":
        if (!row) { return; }
        var box = row.querySelector("input[type=checkbox]");
        box.checked = !box.checked;
        break;
      case "a":
        if (!row) { return; }
        var form = document.getElementById("bulk");
        Array.prototype.forEach.call(form.querySelectorAll("input[name=code]"), function (b) { b.checked = false; });
        row.querySelector("input[name=code]").checked = true;
        document.getElementById("bulk_action").value = "assign_me";
        form.submit();
        break;
      case "/":
        document.getElementById("q").focus();
        break;
      case "?":
        window.location.href = "/staff/help";
        break;
      default:
        return;
    }
    e.preventDefault();
  });
}());
