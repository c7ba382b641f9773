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

  // Live availability (receiver mode): the build puts the receiver's availability.json on <body>.
  // It is fetched once per page view, without cookies; mentors accepting when the page was built
  // but full, paused or closed now are marked, and a mentor page shows the notice the build kept
  // hidden instead of its form. A failed, slow or unreadable answer (one without CORS
  // headers is unreadable) leaves the page as built. Live "open" never adds a form back to a page
  // built without one: that page does not have it, and the next build publishes it.
  var LIVE_TIMEOUT_MS = 4000;
  var NOT_TAKING = { full: 1, paused: 1, closed: 1 };

  function liveBadge(state) {
    if (state === "full") {
      return { text: _("Full — not taking requests now"), kind: "closed" };
    }
    if (state === "paused") {
      return { text: _("Paused"), kind: "soon" };
    }
    return { text: _("Not accepting"), kind: "closed" };
  }

  function markBadge(badge, state) {
    var shown = liveBadge(state);
    badge.className = "badge " + shown.kind;
    badge.setAttribute("data-live", state);
    badge.textContent = shown.text;
  }

  // A card is known by the link to its mentor's page (…/mentors/<slug>/), which a site's own
  // _card.html keeps too; the slug is then written on the card for styles and tests.
  var MENTOR_PATH = /\/mentors\/([^\/?#]+)\/$/;

  function markCard(card, states) {
    var slug = card.getAttribute("data-mentor");
    if (!slug) {
      var link = card.querySelector("h3 a[href]") || card.querySelector("a[href]");
      var found = link && MENTOR_PATH.exec(link.pathname);
      if (!found) {
        return;
      }
      slug = decodeURIComponent(found[1]);
      card.setAttribute("data-mentor", slug);
    }
    var badge = card.querySelector(".badge.open");
    if (badge && NOT_TAKING[states[slug]]) {
      markBadge(badge, states[slug]);
    }
  }

  function markCards(root, states) {
    if (root.nodeType === 1 && root.matches(".card")) {
      markCard(root, states);
    }
    Array.prototype.forEach.call(root.querySelectorAll(".card"), function (card) {
      markCard(card, states);
    });
  }

  // Similar mentors who are not taking requests either are no help: drop them from a list of
  // them (the build's notice, or the one about to be shown), and its lead-in with the last one.
  function dropNotTaking(root, states) {
    Array.prototype.forEach.call(root.querySelectorAll("ul.similar"), function (list) {
      Array.prototype.forEach.call(list.querySelectorAll("li[data-mentor]"), function (item) {
        if (NOT_TAKING[states[item.getAttribute("data-mentor")]]) {
          list.removeChild(item);
        }
      });
      if (!list.children.length) {
        list.parentNode.removeChild(list.previousElementSibling);
        list.parentNode.removeChild(list);
      }
    });
  }

  function markMentorPage(states) {
    var contact = document.getElementById("contact");
    if (contact) {
      dropNotTaking(contact, states);
    }
    var notice = contact && contact.querySelector("[data-availability-notice]");
    var form = contact && contact.querySelector("form.contact-form");
    if (!notice || !form) {
      return;
    }
    var slug = form.elements.mentor ? form.elements.mentor.value : "";
    var state = states[slug];
    if (!NOT_TAKING[state]) {
      return;
    }
    var badge = document.querySelector(".profile-actions .badge.open");
    if (badge) {
      markBadge(badge, state);
    }
    var button = document.querySelector('.profile-actions a.button[href="#contact"]');
    if (button) {
      button.parentNode.removeChild(button);
    }
    var box = notice.firstElementChild;
    var layout = contact.querySelector(".contact-layout");
    var hadFocus = layout.contains(document.activeElement);
    layout.parentNode.replaceChild(box, layout);
    notice.parentNode.removeChild(notice);
    if (hadFocus && box) {
      // Someone already in the form: keep their place on the notice that replaced it.
      box.setAttribute("tabindex", "-1");
      box.focus();
    }
    var name = document.querySelector(".profile-intro h1");
    var values = { name: name ? name.textContent : "" };
    var status = contact.querySelector("[data-availability-status]");
    if (status) {
      status.textContent = state === "full" ? _("%(name)s is full and not taking requests now.", values)
        : state === "paused" ? _("%(name)s has paused new requests.", values)
        : _("%(name)s is not taking new mentees right now.", values);
    }
  }

  function liveAvailability(url) {
    var controller = window.AbortController ? new AbortController() : null;
    var timer = window.setTimeout(function () {
      if (controller) {
        controller.abort();
      }
    }, LIVE_TIMEOUT_MS);
    var started = Date.now();
    window.fetch(url, { credentials: "omit", mode: "cors", signal: controller ? controller.signal : undefined, headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("availability " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        window.clearTimeout(timer);
        if (Date.now() - started > LIVE_TIMEOUT_MS || !data || typeof data.mentors !== "object" || !data.mentors) {
          return;
        }
        var states = {};
        Object.keys(data.mentors).forEach(function (slug) {
          if (typeof data.mentors[slug] === "string") {
            states[slug] = data.mentors[slug];
          }
        });
        markCards(document, states);
        markMentorPage(states);
        // Cards drawn later (search results, matches) are marked as they arrive.
        if (window.MutationObserver) {
          new MutationObserver(function (records) {
            records.forEach(function (record) {
              Array.prototype.forEach.call(record.addedNodes, function (node) {
                if (node.nodeType === 1) {
                  markCards(node, states);
                }
              });
            });
          }).observe(document.getElementById("main") || document.body, { childList: true, subtree: true });
        }
        // For search.js's "accepting" filter and the matcher: the mentors not taking requests now.
        var notTaking = {};
        Object.keys(states).forEach(function (slug) {
          if (NOT_TAKING[states[slug]]) {
            notTaking[slug] = states[slug];
          }
        });
        window.mentorsiteAvailability = notTaking;
        document.dispatchEvent(new CustomEvent("mentorsite:availability", { detail: notTaking }));
      })
      .catch(function () {
        window.clearTimeout(timer);
      });
  }

  var liveUrl = document.body.getAttribute("data-availability-url");
  if (liveUrl && window.fetch) {
    liveAvailability(liveUrl);
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
