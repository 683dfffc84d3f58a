// The error page's "« Back" link returns to the form the reader filled in, with what they typed
// still there; without JavaScript it leads to the front page.
(function () {
  "use strict";
  var back = document.getElementById("back");
  if (!back || window.history.length < 2) return;
  back.addEventListener("click", function (event) {
    event.preventDefault();
    window.history.back();
  });
})();
