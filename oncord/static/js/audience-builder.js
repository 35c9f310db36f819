// The audience builder's date ranges: show the dates for "between" and the days for "last/next N days".
// Without this script every input shows and the server still reads only what the chosen kind needs.
(function () {
  function sync(range) {
    var mode = range.querySelector("select").value;
    range.querySelectorAll("[data-for]").forEach(function (part) {
      part.hidden = part.getAttribute("data-for").split(" ").indexOf(mode) === -1;
    });
  }
  function syncAll(root) {
    (root || document).querySelectorAll(".audience-range").forEach(sync);
  }
  document.addEventListener("change", function (event) {
    var range = event.target.closest && event.target.closest(".audience-range");
    if (range && event.target.tagName === "SELECT") sync(range);
  });
  document.addEventListener("DOMContentLoaded", function () { syncAll(); });
  document.addEventListener("htmx:load", function (event) { syncAll(event.target); });
})();
