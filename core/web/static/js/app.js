// Progressive enhancement only: every page works without JavaScript.
(function () {
  "use strict";
  // Ask before irreversible actions marked with data-confirm.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
      return;
    }
    // A slow network must not turn one tap into two submissions (the server also
    // deduplicates through the form's idempotency key).
    var buttons = form.querySelectorAll("button[type=submit]");
    window.setTimeout(function () {
      buttons.forEach(function (b) { b.disabled = true; });
    }, 0);
  });
  // Phones: wide tables are drawn as stacked cards (app.css, under 600 px); each cell carries
  // its column's heading so a card still says what each value is.
  document.querySelectorAll(".table-wrap table").forEach(function (table) {
    var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
      return th.textContent.trim();
    });
    if (!heads.length) { return; }
    table.classList.add("stackable");
    table.querySelectorAll("tbody tr").forEach(function (row) {
      Array.prototype.forEach.call(row.children, function (cell, i) {
        if (!cell.hasAttribute("data-label") && heads[i]) { cell.setAttribute("data-label", heads[i]); }
      });
    });
  });
  // Print buttons (receipts, certificates pages).
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  // A form in modes: the radio group in [data-mode-switch] shows only the chosen mode's
  // fieldset[data-mode=<value>]; the others are hidden and disabled (so not sent). Without
  // JavaScript every mode shows and the server reads only the chosen one.
  document.querySelectorAll("[data-mode-switch]").forEach(function (group) {
    var form = group.closest("form");
    function apply() {
      var chosen = group.querySelector("input[type=radio]:checked");
      form.querySelectorAll("fieldset[data-mode]").forEach(function (set) {
        var off = !chosen || set.getAttribute("data-mode") !== chosen.value;
        set.hidden = off;
        set.disabled = off;
      });
    }
    group.querySelectorAll("input[type=radio]").forEach(function (radio) {
      radio.addEventListener("change", apply);
    });
    apply();
  });
  // Typeahead: an input with data-suggest="<url>" asks <url>?q=<text> (2 characters or more)
  // on this server and lists the answers under it; choosing one puts its id in the hidden
  // input whose id is data-suggest-id. Typing again forgets the choice. data-suggest-with
  // names a hidden input whose value is sent along as "org". data-suggest-none and
  // data-suggest-more are said when nothing or too much matched. Without JavaScript the
  // server finds the typed text and offers the matches to choose from.
  document.querySelectorAll("input[data-suggest]").forEach(function (input) {
    var form = input.closest("form");
    var hidden = document.getElementById(input.getAttribute("data-suggest-id"));
    if (!hidden) { return; }
    var list = document.createElement("ul");
    var note = document.createElement("p");
    var timer = null, asked = 0, active = -1, items = [];
    list.id = input.id + "-suggestions";
    list.className = "suggest";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    note.className = "hint";
    note.setAttribute("role", "status");
    input.parentNode.insertBefore(note, input.nextSibling);
    input.parentNode.insertBefore(list, note);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-expanded", "false");
    function close() {
      list.hidden = true;
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }
    function choose(item) {
      input.value = item.label;
      hidden.value = item.id;
      note.textContent = item.detail ? item.label + " · " + item.detail : "";
      close();
    }
    function highlight(index) {
      active = (index + items.length) % items.length;
      Array.prototype.forEach.call(list.children, function (li, i) {
        li.setAttribute("aria-selected", i === active ? "true" : "false");
      });
      input.setAttribute("aria-activedescendant", list.id + "-" + active);
      list.children[active].scrollIntoView({block: "nearest"});
    }
    function show(data) {
      items = data.results || [];
      list.textContent = "";
      items.forEach(function (item, i) {
        var li = document.createElement("li");
        var name = document.createElement("span");
        li.id = list.id + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        name.textContent = item.label;
        li.appendChild(name);
        if (item.detail) {
          var detail = document.createElement("span");
          detail.className = "hint";
          detail.textContent = item.detail;
          li.appendChild(detail);
        }
        li.addEventListener("mousedown", function (event) { event.preventDefault(); });
        li.addEventListener("click", function () { choose(item); });
        list.appendChild(li);
      });
      note.textContent = !items.length ? input.getAttribute("data-suggest-none") || ""
        : (data.more ? input.getAttribute("data-suggest-more") || "" : "");
      list.hidden = !items.length;
      input.setAttribute("aria-expanded", items.length ? "true" : "false");
    }
    function lookup() {
      var text = input.value.trim();
      if (text.length < 2) { close(); note.textContent = ""; return; }
      var url = input.getAttribute("data-suggest") + "?q=" + encodeURIComponent(text);
      var withId = input.getAttribute("data-suggest-with");
      var other = withId && document.getElementById(withId);
      if (other && other.value) { url += "&org=" + encodeURIComponent(other.value); }
      var mine = ++asked;
      fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (r) { return r.ok ? r.json() : {results: []}; })
        .then(function (data) { if (mine === asked) { show(data); } })
        .catch(function () { if (mine === asked) { close(); } });
    }
    input.addEventListener("input", function () {
      hidden.value = "";
      note.textContent = "";
      window.clearTimeout(timer);
      timer = window.setTimeout(lookup, 250);
    });
    input.addEventListener("keydown", function (event) {
      if (list.hidden) { return; }
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        highlight(active + (event.key === "ArrowDown" ? 1 : -1));
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        choose(items[active]);
      } else if (event.key === "Escape") {
        close();
      }
    });
    input.addEventListener("blur", function () { window.setTimeout(close, 200); });
    form.addEventListener("submit", close);
  });
  // A member card's QR: where the browser reads QR codes from the camera (BarcodeDetector),
  // [data-scan] shows a button that scans one into the field whose id it names; elsewhere
  // that field takes the number printed under the QR.
  document.querySelectorAll("[data-scan]").forEach(function (box) {
    var media = navigator.mediaDevices;
    if (!("BarcodeDetector" in window) || !media || !media.getUserMedia) { return; }
    var target = document.getElementById(box.getAttribute("data-scan"));
    var button = box.querySelector("button");
    var video = box.querySelector("video");
    var note = box.querySelector("[role=status]");
    var stream = null;
    box.hidden = false;
    function stop() {
      if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); }
      stream = null;
      video.hidden = true;
    }
    button.addEventListener("click", function () {
      if (stream) { stop(); return; }
      var detector = new window.BarcodeDetector({formats: ["qr_code"]});
      media.getUserMedia({video: {facingMode: "environment"}}).then(function (s) {
        stream = s;
        video.srcObject = s;
        video.hidden = false;
        video.play();
        note.textContent = box.getAttribute("data-scan-aim") || "";
        (function look() {
          if (!stream) { return; }
          detector.detect(video).then(function (codes) {
            if (!codes.length) { window.setTimeout(look, 300); return; }
            target.value = codes[0].rawValue.trim();
            stop();
            note.textContent = box.getAttribute("data-scan-done") || "";
            target.focus();
          }).catch(function () { window.setTimeout(look, 500); });
        })();
      }).catch(function () { note.textContent = box.getAttribute("data-scan-failed") || ""; });
    });
  });
})();
