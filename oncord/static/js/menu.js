/* The staff menu on a phone: the sidebar becomes a top bar whose menu folds away.
   A file, not inline script, so a strict script-src 'self' policy allows it. Without
   this script the menu simply stays unfolded under the top bar. */
(function () {
  "use strict";

  function setUp(nav) {
    var toggle = nav.querySelector(".menu-toggle");
    var body = toggle && document.getElementById(toggle.getAttribute("aria-controls"));
    if (!body) return;

    function open(yes) {
      nav.classList.toggle("is-open", yes);
      toggle.setAttribute("aria-expanded", yes ? "true" : "false");
    }

    nav.classList.add("has-menu");
    toggle.addEventListener("click", function () {
      open(!nav.classList.contains("is-open"));
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && nav.classList.contains("is-open")) {
        open(false);
        toggle.focus();
      }
    });
    // Back/forward cache: a page left with the menu open comes back folded.
    window.addEventListener("pageshow", function () { open(false); });
  }

  function start() {
    document.querySelectorAll("[data-menu]").forEach(setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
