// The staff board refreshes itself: every 10 s the columns are fetched again (/staff/columns, with the
// page's filters) and swapped in. A file of its own because the pages allow no inline script (CSP).
// Without script the page is whole as it is, with its Refresh link.
(function () {
  "use strict";
  var EVERY = 10000;
  var touched = false; // a person choosing someone in an assign form: their choice must not vanish

  function columns() { return document.getElementById("columns"); }

  function busy() {
    var here = columns();
    var active = document.activeElement;
    return touched || document.hidden || (here && active && active !== document.body && here.contains(active));
  }

  function refresh() {
    var here = columns();
    if (!here || busy()) { return; }
    fetch(here.getAttribute("data-source"), { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("board: " + response.status); }
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("columns");
        var now = columns();
        if (fresh && now && !busy()) { now.replaceWith(document.adoptNode(fresh)); }
      })
      .catch(function () { stop(); }); // signed out or the desk is down: the Refresh link stays
  }

  var timer = null;
  function stop() {
    if (timer !== null) { clearInterval(timer); timer = null; }
    var live = document.getElementById("live");
    if (live) { live.hidden = true; }
  }

  document.addEventListener("change", function (event) {
    var here = columns();
    if (here && here.contains(event.target)) { touched = event.target.value !== ""; }
  });
  document.addEventListener("DOMContentLoaded", function () {
    if (!columns() || !window.fetch || !window.DOMParser) { return; }
    var live = document.getElementById("live");
    if (live) { live.hidden = false; }
    timer = setInterval(refresh, EVERY);
    var flash = document.getElementById("flash");
    if (flash) { flash.focus(); } // the outcome of an assignment is read first
  });
}());
