/* mentorsite default theme: small progressive enhancements. Everything works without this file. */
(function () {
  "use strict";

  // The words shown come from the build (assets/messages.<lang>.js, mentorsite/messages.js).
  var _ = window.mentorsiteI18n ? window.mentorsiteI18n.gettext : function (s) { return s; };

  // Contact forms for a generic endpoint: record when the page was loaded, and guard against
  // double submission.
  var loadedAt = String(Date.now());
  var forms = document.querySelectorAll("form.contact-form");
  Array.prototype.forEach.call(forms, function (form) {
    if (form.hasAttribute("data-token-url")) {
      enhanceReceiverForm(form);
      return;
    }
    if (form.getAttribute("data-enhance") === "off") {
      return;
    }
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
        button.textContent = _("Sending…");
      }, 0);
    });
    // Coming back with the Back button restores the page from cache: make it usable again.
    window.addEventListener("pageshow", function () {
      button.disabled = false;
      button.textContent = label;
    });
  });

  // Contact forms posting to the bundled receiver (`mentorsite receive`). The receiver signs a
  // timestamp (GET <data-token-url>) when someone starts filling the form; the form is then sent
  // with fetch and the answer is shown in the form's live region, without leaving the page.
  // Without JavaScript (or if the timestamp cannot be fetched) the browser posts the form and
  // the receiver answers with a page to check and send it, carrying its own timestamp.
  function enhanceReceiverForm(form) {
    var ts = form.querySelector('input[name="ts"]');
    var button = form.querySelector('button[type="submit"]');
    var status = form.querySelector(".form-status");
    if (!ts || !button || !status || !window.fetch || !window.URLSearchParams || !window.FormData) {
      return;
    }
    var label = button.textContent;
    var tokenUrl = form.getAttribute("data-token-url");
    var pending = null;
    var busy = false;

    function fetchToken() {
      pending = window.fetch(tokenUrl, { credentials: "omit", cache: "no-store", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("token " + response.status);
          }
          return response.json();
        })
        .then(function (data) {
          ts.value = data.ts;
          return data.ts;
        });
      pending.catch(function () {
        pending = null;
      });
      return pending;
    }

    function token() {
      return pending || fetchToken();
    }

    function wait(ms) {
      return new Promise(function (resolve) {
        window.setTimeout(resolve, ms);
      });
    }

    function say(text, kind) {
      status.className = "form-status" + (kind ? " notice form-status-" + kind : "");
      status.textContent = "";
      if (text) {
        var p = document.createElement("p");
        p.textContent = text;
        status.appendChild(p);
      }
    }

    function setBusy(on) {
      busy = on;
      button.disabled = on;
      button.textContent = on ? _("Sending…") : label;
    }

    function clearErrors() {
      Array.prototype.forEach.call(form.querySelectorAll(".field-error"), function (el) {
        el.parentNode.removeChild(el);
      });
      Array.prototype.forEach.call(form.querySelectorAll("[aria-invalid]"), function (el) {
        el.removeAttribute("aria-invalid");
        var ids = (el.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
          return id && id !== el.id + "-error";
        });
        if (ids.length) {
          el.setAttribute("aria-describedby", ids.join(" "));
        } else {
          el.removeAttribute("aria-describedby");
        }
      });
    }

    function showErrors(errors, message) {
      var first = null;
      var general = [];
      Object.keys(errors).forEach(function (name) {
        var field = form.elements[name];
        if (!field || field.type === "hidden" || !field.id) {
          general.push(errors[name]);
          return;
        }
        var note = document.createElement("p");
        note.className = "help field-error";
        note.id = field.id + "-error";
        note.textContent = _("Error: %(message)s", { message: errors[name] });
        var container = field.closest(".field") || field.parentNode;
        container.appendChild(note);
        field.setAttribute("aria-invalid", "true");
        var ids = field.getAttribute("aria-describedby");
        field.setAttribute("aria-describedby", (ids ? ids + " " : "") + note.id);
        first = first || field;
      });
      say(general.length ? general.join(" ") : message, "error");
      if (first) {
        first.focus();
      } else {
        status.focus();
      }
    }

    function done(data) {
      say("", "success");
      var heading = document.createElement("p");
      var strong = document.createElement("strong");
      strong.textContent = _("Thank you! Your request has been sent.");
      heading.appendChild(strong);
      var detail = document.createElement("p");
      detail.textContent = _("Your reference is %(reference)s. The mentor will reply to the email address you gave.",
        { reference: data.reference }) + " ";
      var next = document.createElement("a");
      next.href = data.thanks_url;
      next.textContent = _("What happens next");
      detail.appendChild(next);
      status.appendChild(heading);
      status.appendChild(detail);
      Array.prototype.forEach.call(form.children, function (child) {
        if (child !== status) {
          child.hidden = true;
          child.style.display = "none"; // theme CSS may set display on buttons and fields
        }
      });
      pending = null; // another request would need a fresh timestamp
      status.focus();
    }

    function send(tries) {
      var body = new URLSearchParams(new FormData(form));
      return window.fetch(form.action, {
        method: "POST",
        body: body,
        credentials: "omit",
        headers: { Accept: "application/json" }
      }).then(function (response) {
        return response.json().catch(function () {
          return { ok: false, message: _("The contact service answered unexpectedly (%(status)s). Nothing was sent; please try again later.", { status: response.status }) };
        }).then(function (data) {
          if (response.ok && data.ok) {
            done(data);
            return;
          }
          if (data.code === "too_fast" && tries < 3) {
            return wait(1000 * (data.retry_after || 1) + 100).then(function () {
              return send(tries + 1);
            });
          }
          if (data.code === "token" && tries < 3) {
            return fetchToken().then(function () {
              return send(tries + 1);
            });
          }
          if (data.code === "invalid" && data.errors) {
            showErrors(data.errors, data.message);
          } else {
            say(data.message || _("Your request could not be sent. Please try again later."), "error");
            status.focus();
          }
          setBusy(false);
        });
      }, function () {
        say(_("We could not reach the contact service, so nothing was sent. Please check your connection and try again; your text is still here."), "error");
        status.focus();
        setBusy(false);
      });
    }

    form.addEventListener("focusin", function () {
      if (!pending) {
        token().catch(function () {});
      }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (busy) {
        return;
      }
      clearErrors();
      setBusy(true);
      say(_("Sending your request…"), "");
      token().then(function () {
        return send(0);
      }, function () {
        // No timestamp from the receiver (blocked or unreachable): post the form the plain way.
        setBusy(false);
        say("", "");
        HTMLFormElement.prototype.submit.call(form);
      });
    });
  }

  // The thank-you page: show the reference the receiver put in the address.
  var ref = document.querySelector("[data-contact-ref]");
  if (ref) {
    var value = new URLSearchParams(window.location.search).get("ref");
    if (value && /^MR-[0-9A-Z]{4}-[0-9A-Z]{4}$/.test(value)) {
      ref.querySelector("strong").textContent = value;
      ref.hidden = false;
    }
  }

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
