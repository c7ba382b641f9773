/* mentorsite default theme: small progressive enhancements. Everything works without this file. */
(function () {
  "use strict";

  // Contact forms: record when the page was loaded, so the receiver can tell people from bots
  // that submit instantly, and guard against double submission.
  var loadedAt = String(Date.now());
  var forms = document.querySelectorAll("form.contact-form");
  Array.prototype.forEach.call(forms, function (form) {
    var ts = form.querySelector('input[name="ts"]');
    if (ts) {
      ts.value = loadedAt;
    }
    var button = form.querySelector('button[type="submit"]');
    if (!button) {
      return;
    }
    var label = button.textContent;
    form.addEventListener("submit", function () {
      window.setTimeout(function () {
        button.disabled = true;
        button.textContent = "Sending…";
      }, 0);
    });
    // Coming back with the Back button restores the page from cache: make it usable again.
    window.addEventListener("pageshow", function () {
      button.disabled = false;
      button.textContent = label;
    });
  });

  // Search forms: keep the words someone searched for in the box they typed them into.
  var params = new URLSearchParams(window.location.search);
  var q = params.get("q");
  if (q) {
    var input = document.querySelector('form[role="search"] input[name="q"]');
    if (input && !input.value) {
      input.value = q;
    }
  }
})();
