/* Cliniko's booking embed, without its inline script: resize the iframe when it asks and
   scroll to it on each booking step, trusting messages only from Cliniko's own hosts. */
(function () {
  "use strict";
  var CLINIKO = /^https:\/\/[a-z0-9-]+(\.[a-z]{2}\d{1,2})?\.cliniko\.com$/;
  window.addEventListener("message", function (event) {
    if (!CLINIKO.test(event.origin) || typeof event.data !== "string") return;
    var frames = document.querySelectorAll("iframe[data-cliniko-embed]");
    for (var i = 0; i < frames.length; i++) {
      var frame = frames[i];
      if (frame.contentWindow !== event.source) continue;
      if (event.data.indexOf("cliniko-bookings-resize") > -1) {
        var height = Number(event.data.split(":")[1]);
        if (height > 0 && height < 100000) frame.style.height = height + "px";
      }
      if (event.data.indexOf("cliniko-bookings-page") > -1) frame.scrollIntoView();
    }
  });
})();
