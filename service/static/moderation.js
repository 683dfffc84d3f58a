// Keyboard shortcuts for the moderation queue. Every shortcut presses a button of the page's
// plain form, so the page works the same without this file.
(function () {
  "use strict";
  var form = document.getElementById("queue-form");
  if (!form) return;
  var items = Array.prototype.slice.call(document.querySelectorAll("#queue > li.item"));
  var atField = document.getElementById("at");
  var current = Math.min(parseInt(atField.value, 10) || 0, Math.max(items.length - 1, 0));
  var rejecting = false;
  var chooser = null;
  var REASONS = { "1": "toxic", "2": "off-topic", "3": "other", t: "toxic", o: "off-topic" };

  function show(index) {
    if (!items.length) return;
    current = Math.max(0, Math.min(index, items.length - 1));
    items.forEach(function (item, i) {
      item.classList.toggle("current", i === current);
      if (i === current) item.setAttribute("aria-current", "true"); else item.removeAttribute("aria-current");
    });
    items[current].scrollIntoView({ block: "nearest" });
    atField.value = String(current);
  }

  function selected() {
    return Array.prototype.slice.call(form.querySelectorAll("input[name=ids]:checked"));
  }

  function press(decision, reason) {
    var button;
    if (selected().length) {
      if (reason) form.querySelector("select[name=reason]").value = reason;
      button = form.querySelector("#bulk button[name=decision][value='" + decision + "']");
    } else {
      var item = items[current];
      if (!item) return;
      var id = item.getAttribute("data-id");
      if (reason) form.querySelector("select[name='reason_" + id + "']").value = reason;
      button = item.querySelector("button[name=one][value='" + id + ":" + decision + "']");
    }
    if (!button) return;
    if (form.requestSubmit) form.requestSubmit(button); else button.click();
  }

  function startReject() {
    if (!items.length) return;
    rejecting = true;
    chooser = document.createElement("span");
    chooser.className = "chooser";
    chooser.id = "reason-chooser";
    chooser.textContent = "Reject " + (selected().length ? selected().length + " selected" : "this") +
      " as: 1 toxic · 2 off-topic · 3 other · Esc cancel";
    var where = selected().length ? document.getElementById("bulk") : items[current].querySelector(".actions");
    where.appendChild(chooser);
  }

  function stopReject() {
    rejecting = false;
    if (chooser) chooser.remove();
    chooser = null;
  }

  function toggleSelect() {
    var box = items[current] && items[current].querySelector("input[name=ids]");
    if (!box) return;
    box.checked = !box.checked;
    items[current].classList.toggle("selected", box.checked);
  }

  var all = document.getElementById("select-all");
  if (all) {
    all.addEventListener("change", function () {
      items.forEach(function (item) {
        var box = item.querySelector("input[name=ids]");
        box.checked = all.checked;
        item.classList.toggle("selected", all.checked);
      });
    });
  }
  items.forEach(function (item, i) {
    item.addEventListener("click", function () { show(i); });
    item.querySelector("input[name=ids]").addEventListener("change", function (e) {
      item.classList.toggle("selected", e.target.checked);
    });
  });

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var tag = (e.target.tagName || "").toLowerCase();
    if (tag === "input" && e.target.type !== "checkbox" || tag === "textarea" || tag === "select") return;
    var key = e.key;
    if (rejecting) {
      e.preventDefault();
      if (key === "Escape") { stopReject(); return; }
      if (REASONS[key]) { var reason = REASONS[key]; stopReject(); press("reject", reason); }
      return;
    }
    var handled = true;
    switch (key) {
      case "j": case "ArrowDown": show(current + 1); break;
      case "k": case "ArrowUp": show(current - 1); break;
      case "a": press("approve"); break;
      case "s": press("spam"); break;
      case "n": press("not_spam"); break;
      case "r": startReject(); break;
      case "x": toggleSelect(); break;
      case "Escape":
        selected().forEach(function (box) { box.checked = false; box.closest("li").classList.remove("selected"); });
        break;
      default: handled = false;
    }
    if (handled) e.preventDefault();
  });

  show(current);
})();
