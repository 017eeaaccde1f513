// The review workspace's keyboard: j/k move between criteria, y/n/p/1–5/a answer the current
// one, c opens its comment, a click on a message anchors the current criterion to it, Enter
// submits, ] opens the next review. Keys typed into a text box stay text (Esc leaves the box).
(function () {
  "use strict";
  function start() {
    var form = document.getElementById("review-form");
    if (!form || !form.dataset.editable) return;
    var items = Array.prototype.slice.call(form.querySelectorAll(".criterion"));
    var index = 0;
    function focus(i) {
      if (!items.length) return;
      index = Math.max(0, Math.min(items.length - 1, i));
      items.forEach(function (el, n) { el.classList.toggle("current", n === index); });
      items[index].scrollIntoView({ block: "nearest" });
    }
    var firstOpen = items.findIndex(function (el) { return !el.querySelector("input[type=radio]:checked"); });
    var errored = form.parentNode.querySelector("#review-error");
    if (errored && errored.dataset.field) {
      var hit = items.findIndex(function (el) { return el.dataset.criterion === errored.dataset.field; });
      if (hit >= 0) firstOpen = hit;
    }
    focus(firstOpen >= 0 ? firstOpen : 0);
    items.forEach(function (el, n) { el.addEventListener("click", function () { focus(n); }); });
    form.querySelectorAll(".msg").forEach(function (msg) {
      msg.addEventListener("click", function (event) {
        if (event.target.closest("details")) return;
        var current = items[index];
        if (!current) return;
        current.querySelector(".anchor-input").value = msg.dataset.seq;
        current.querySelector(".anchor-label").textContent = "#" + msg.dataset.seq;
        form.querySelectorAll(".msg.anchored").forEach(function (m) { m.classList.remove("anchored"); });
        msg.classList.add("anchored");
      });
    });
    document.addEventListener("keydown", function (event) {
      var target = event.target;
      if (target.tagName === "TEXTAREA" || (target.tagName === "INPUT" && target.type === "text")) {
        if (event.key === "Escape") target.blur();
        return;
      }
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      var current = items[index];
      var key = event.key;
      if (key === "j") { focus(index + 1); event.preventDefault(); return; }
      if (key === "k") { focus(index - 1); event.preventDefault(); return; }
      if (key === "]") { window.location.href = form.dataset.next; return; }
      if (key === "Enter" && target.tagName !== "BUTTON" && target.tagName !== "A") {
        event.preventDefault();
        document.getElementById("submit-review").click();
        return;
      }
      if (!current) return;
      if (key === "c") { current.querySelector("textarea").focus(); event.preventDefault(); return; }
      var radio = current.querySelector('input[data-key="' + key + '"]');
      if (radio) {
        radio.checked = true;
        event.preventDefault();
        var failed = key === "n" || key === "p" || key === "1" || key === "2";
        current.classList.toggle("failed", failed);
        if (failed) { current.querySelector("textarea").focus(); } else { focus(index + 1); }
      }
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
