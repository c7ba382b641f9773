"""The receiver's WSGI application: routes, abuse checks, answers.

Routes (``/requests`` is the path of ``[contact] action``):

* ``POST /requests`` — a contact request. Browsers posting the plain form get HTML: 303 to the
  site's thank-you page once stored, else the review page (200) or 4xx. Once the form is read,
  the answer is in the language it names (``lang``: the tree it was sent from; anything but one
  of the site's languages is the default), and so is the thank-you page's tree. Clients sending
  ``Accept: application/json`` (the site's JavaScript) get JSON: 201 ``{"ok": true,
  "reference": …}`` once stored, or 4xx ``{"ok": false, "code": …, "message": …, "errors": …}``.
* ``GET /requests/token`` — a signed timestamp for the form (``{"ts": …}``), for JavaScript.
* ``OPTIONS`` on both — CORS preflight, answered only for the site's origin(s).
* ``GET /healthz`` — ``{"ok": true}`` for monitoring.
* ``GET /availability.json`` — every published mentor's live status (``availability``), public
  and cacheable (60 s, ETag), readable by the site's origins (CORS).
* ``GET /answer/<token>`` — a mentor's answer link (``answers``): a confirmation page, never a
  change; ``POST`` on the same address (from that page's form) makes the change, once.

(``/availability.json`` and ``/answer/`` sit under ``[contact] receiver_url``'s path, if it has one.)

Order of checks for a post, cheapest first: origin (403), rate limit (429), size (413), type
(415), form syntax (400), honeypot (a silent fake success), fields (422), signed timestamp
(review page, or 400 with a code the JavaScript acts on), then the durable write, then 2xx.

**Honeypot**: a post with the hidden ``website`` field filled is answered exactly like a
success (303 to the thank-you page / 201 with a reference-shaped id) but nothing is stored or
sent, so a bot learns nothing; the receiver only counts it in its log.

**Clients and proxies**: the rate limit keys a client by ``ratelimit.client_key`` (an IPv6
client by its /64). Behind ``--trusted-proxy`` the client is the last X-Forwarded-For entry.
A form request that carries forwarding headers (X-Forwarded-For, Forwarded, X-Real-IP) from a
*non-public* peer that is not the trusted proxy is refused with 503 ``proxy_not_trusted`` and
an error in the log naming the fix: that peer is almost surely a reverse proxy the receiver
was not told about, behind which every visitor would share one rate limit (one client could
close the form for everyone). The receiver cannot see headers at start-up, so the first such
request is where the misconfiguration shows; refusing it, rather than serving with a shared
limit, makes the setup fail where the operator tests it. A public peer with such headers is a
visitor's own forward proxy (a company's, say) and is served, keyed by its address.

**Full and paused mentors**: a valid request to a mentor whose accepted requests reach the
profile's capacity, or who paused, is refused with 409 ``mentor_full`` / ``mentor_paused`` and
up to three similar open mentors (a page, or ``"similar"`` in the JSON); nothing is stored.

**Per-mentor cap**: at most ``[contact] mentor_daily_limit`` requests are stored for one mentor
in 24 hours (counted in the database, so a restart does not reset it); beyond it 429
``mentor_busy``.
"""

from __future__ import annotations

import json
import logging
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import quote, urljoin, urlsplit

from ..cldr import Cldr
from ..contact_fields import FIELD_NAMES
from .answers import LinkCheck, LinkSigner, answer_path
from .availability import FULL, PAUSED, Availability, similar_open, status_of
from .delivery import Outbox
from .directory import Directory, Entry
from .pages import Pages
from .ratelimit import RateLimiter, client_key, normal_address, parse_address
from .schema import OPEN_STATES
from .settings import Settings, SettingsError, origin_of
from .store import MentorBusy, Outcome, Row, Store, TokenReused, new_reference, utcnow
from .tokens import Signer
from .validation import HONEYPOT, TOKEN, FormError, clean_text, form_language, parse_form, validate

log = logging.getLogger("mentorsite.receiver")

REASONS = {
    200: "OK",
    201: "Created",
    204: "No Content",
    303: "See Other",
    304: "Not Modified",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    410: "Gone",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
FORM_TYPE = "application/x-www-form-urlencoded"
#: An answer page's form is a token, a reason and a slug: anything larger is refused (413).
MAX_ANSWER_BYTES = 8_192
#: Longest decline reason kept (characters).
MAX_REASON = 1_000
#: How many similar open mentors a decline may suggest from.
SUGGESTIONS = 10
#: WSGI names of the headers a reverse proxy adds.
FORWARDING_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Request:
    environ: dict

    @property
    def method(self) -> str:
        return self.environ.get("REQUEST_METHOD", "GET").upper()

    @property
    def path(self) -> str:
        return self.environ.get("PATH_INFO", "") or "/"

    @property
    def origin(self) -> str | None:
        return self.environ.get("HTTP_ORIGIN")

    @property
    def peer(self) -> str:
        """The address the connection comes from, an IPv4-mapped IPv6 one as IPv4."""
        return normal_address(self.environ.get("REMOTE_ADDR", "") or "unknown")

    def client_ip(self, trusted_proxy: str | None) -> str:
        """The client's address: the peer, or behind the trusted reverse proxy the address it
        reports last in X-Forwarded-For (earlier entries are whatever the client claimed)."""
        peer = self.peer
        forwarded = self.environ.get("HTTP_X_FORWARDED_FOR", "")
        if trusted_proxy and peer == normal_address(trusted_proxy) and forwarded.strip():
            return normal_address(forwarded.split(",")[-1].strip()) or peer
        return peer

    def forwarded_by_untrusted_proxy(self, trusted_proxy: str | None) -> str | None:
        """The forwarding header this request carries from a non-public peer other than the
        trusted proxy (a reverse proxy nobody told the receiver about), or None."""
        peer = self.peer
        if trusted_proxy and peer == normal_address(trusted_proxy):
            return None
        address = parse_address(peer)
        if address is not None and address.is_global:
            return None
        for name in FORWARDING_HEADERS:
            if self.environ.get(name, "").strip():
                return name[5:].replace("_", "-").title()
        return None

    @property
    def wants_json(self) -> bool:
        return "application/json" in self.environ.get("HTTP_ACCEPT", "")


class Receiver:
    """The WSGI app. Everything it needs is passed in, so tests can build one in-process."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        directory: Directory,
        signer: Signer,
        outbox: Outbox | None,
        pages: Pages | None = None,
        *,
        trusted_proxy: str | None = None,
        links: LinkSigner | None = None,
    ):
        contact = settings.contact
        if trusted_proxy is not None and parse_address(trusted_proxy) is None:
            raise SettingsError(f"--trusted-proxy '{trusted_proxy}' is not an IP address (e.g. 127.0.0.1 or ::1)")
        self.trusted_proxy = normal_address(trusted_proxy) if trusted_proxy else None
        #: Peers already reported as untrusted proxies (logged once each).
        self.untrusted_proxies: set[str] = set()
        self.settings = settings
        self.store = store
        self.directory = directory
        self.signer = signer
        self.outbox = outbox
        self.pages = pages or Pages(settings)
        self.limiter = RateLimiter(contact.rate_limit, contact.rate_window_seconds)
        # Tokens are cheap and fetched on every form a person starts: a wider allowance.
        self.token_limiter = RateLimiter(contact.rate_limit * 10, contact.rate_window_seconds)
        self.domain = settings.from_email.rpartition("@")[2]
        self.field_names = dict(contact.field_names)
        self.stats: Counter[str] = Counter()
        #: Answer links are served only with their signer (build_app gives one).
        self.links = links
        self.availability = Availability(store)
        receiver_path = urlsplit(contact.public_receiver_url).path.rstrip("/")
        self.answer_path = answer_path(contact.public_receiver_url)
        self.availability_path = receiver_path + "/availability.json"
        self.cldr = Cldr(settings.default_language)
        site = origin_of(settings.config.base_url)
        receiver = origin_of(contact.action)
        sources = " ".join(sorted(settings.origins))
        self.csp = (
            "default-src 'none'; "
            f"style-src {sources} 'unsafe-inline'; img-src {sources} data:; "
            f"script-src {sources}; connect-src 'self' {receiver}; "
            f"form-action 'self' {receiver} {site} {sources}; base-uri 'none'; frame-ancestors 'none'"
        )

    # WSGI
    def __call__(self, environ, start_response):
        request = Request(environ)
        try:
            response = self.route(request)
        except Exception:
            log.exception("unexpected error on %s %s", request.method, request.path)
            response = self.problem(
                request,
                500,
                "internal",
                self._("Something went wrong on our side and nothing was stored. Please try again in a minute."),
            )
        cached = any(name == "Cache-Control" for name, _ in response.headers)
        headers = [
            ("Content-Length", str(len(response.body))),
            *([] if cached else [("Cache-Control", "no-store")]),
            ("X-Content-Type-Options", "nosniff"),
            # Not no-referrer: with it, browsers send "Origin: null" for the review page's own form.
            ("Referrer-Policy", "same-origin"),
            ("X-Frame-Options", "DENY"),
            *response.headers,
        ]
        if request.origin and self.allowed(request.origin):
            headers += [("Access-Control-Allow-Origin", request.origin), ("Vary", "Origin")]
        else:
            headers.append(("Vary", "Origin"))
        start_response(f"{response.status} {REASONS.get(response.status, '')}", headers)
        return [b""] if request.method == "HEAD" else [response.body]

    def _(self, msgid: str, **variables: object) -> str:
        """`msgid` in the site's default language: every message a visitor reads goes through the
        catalogue (once a form is read, in the language it was sent from instead)."""
        return self.pages.messages.gettext(msgid, **variables)

    def allowed(self, origin: str) -> bool:
        try:
            return origin_of(origin) in self.settings.origins and urlsplit(origin).path in ("", "/")
        except ValueError:
            return False

    def route(self, request: Request) -> Response:
        path, method = request.path, request.method
        s = self.settings
        if path == s.token_path:
            if method == "OPTIONS":
                return self.preflight(request, "GET")
            if method in ("GET", "HEAD"):
                return self.token(request)
            return self.not_allowed(request, "GET, OPTIONS")
        if path == s.submit_path:
            if method == "OPTIONS":
                return self.preflight(request, "POST")
            if method == "POST":
                return self.submit(request)
            return self.not_allowed(request, "POST, OPTIONS")
        if path == "/healthz" and method in ("GET", "HEAD"):
            return self.json(200, {"ok": True})
        if path == self.availability_path:
            if method == "OPTIONS":
                return self.preflight(request, "GET")
            if method in ("GET", "HEAD"):
                return self.availability_json(request)
            return self.not_allowed(request, "GET, OPTIONS")
        if path.startswith(self.answer_path) and self.links is not None:
            token = path[len(self.answer_path) :]
            if method in ("GET", "HEAD"):
                return self.answer_page(token)
            if method == "POST":
                return self.answer(request, token)
            return self.not_allowed(request, "GET, POST")
        return self.problem(
            request, 404, "not_found", self._("There is nothing here. The contact form lives on each mentor's page.")
        )

    # Answers
    def json(self, status: int, data: dict, headers: list[tuple[str, str]] | None = None) -> Response:
        body = json.dumps(data, ensure_ascii=False).encode("utf-8")
        return Response(status, body, [("Content-Type", "application/json; charset=utf-8"), *(headers or [])])

    def html(self, status: int, text: str) -> Response:
        return Response(
            status,
            text.encode("utf-8"),
            [("Content-Type", "text/html; charset=utf-8"), ("Content-Security-Policy", self.csp)],
        )

    def problem(
        self, request: Request, status: int, code: str, message: str, language: str | None = None, **extra
    ) -> Response:
        """A refusal: JSON, or plain text with a link to the directory of `language`'s tree (the default's without)."""
        headers = [("Retry-After", str(max(1, round(extra["retry_after"]))))] if "retry_after" in extra else []
        if request.wants_json:
            return self.json(status, {"ok": False, "code": code, "message": message, **extra}, headers)
        config = self.settings.config
        language = language or self.settings.default_language
        back = config.base_url + config.language_root(language) + "mentors/"
        directory = self.pages.voice(language).messages.gettext("The mentor directory: %(url)s", url=back)
        text = message + "\n\n" + directory + "\n"
        return Response(status, text.encode("utf-8"), [("Content-Type", "text/plain; charset=utf-8"), *headers])

    def unreadable(self, error: FormError) -> str:
        return self._("The form could not be read: %(reason)s.", reason=self._(error.msgid, **error.variables))

    def not_allowed(self, request: Request, allow: str) -> Response:
        response = self.problem(
            request,
            405,
            "method",
            self._(
                "This address only accepts %(method)s requests from the contact form on a mentor's page.",
                method=allow.split(",")[0],
            ),
        )
        response.headers.append(("Allow", allow))
        return response

    def preflight(self, request: Request, method: str) -> Response:
        if not request.origin or not self.allowed(request.origin):
            return Response(403, b"", [("Content-Type", "text/plain; charset=utf-8")])
        return Response(
            204,
            b"",
            [
                ("Access-Control-Allow-Methods", f"{method}, OPTIONS"),
                ("Access-Control-Allow-Headers", "Content-Type, Accept"),
                ("Access-Control-Max-Age", "600"),
            ],
        )

    def forbidden_origin(self, request: Request) -> Response | None:
        if request.origin is not None and not self.allowed(request.origin):
            self.stats["forbidden_origin"] += 1
            return self.problem(
                request, 403, "origin", self._("This form can only be sent from the mentor directory's own pages.")
            )
        return None

    def untrusted_proxy(self, request: Request) -> Response | None:
        """503 for a request relayed by a proxy the receiver was not told to trust (see above)."""
        header = request.forwarded_by_untrusted_proxy(self.trusted_proxy)
        if header is None:
            return None
        self.stats["untrusted_proxy"] += 1
        peer = request.peer
        if peer not in self.untrusted_proxies:
            self.untrusted_proxies.add(peer)
            told = f" (--trusted-proxy is {self.trusted_proxy})" if self.trusted_proxy else ""
            log.error(
                "refusing form requests relayed by %s: they carry %s, but the receiver was not told to trust "
                "a proxy at %s%s, so every visitor behind it would share one rate limit. If %s is your "
                "reverse proxy, restart with --trusted-proxy %s",
                peer,
                header,
                peer,
                told,
                peer,
                peer,
            )
        return self.problem(
            request,
            503,
            "proxy_not_trusted",
            self._(
                "The contact form is not set up correctly on our side, so nothing was sent. "
                "Please try again later; we have been told."
            ),
        )

    def review_page(
        self,
        entry: Entry | None,
        values: dict[str, str],
        errors: dict[str, str],
        token: str,
        notice: str = "",
        *,
        language: str,
    ) -> str:
        return self.pages.review(
            language=language,
            entry=entry.public() if entry else None,
            values=values,
            errors=errors,
            token=token,
            private=self.directory.private,
            notice=notice,
        )

    # Endpoints
    def token(self, request: Request) -> Response:
        refused = self.forbidden_origin(request) or self.untrusted_proxy(request)
        if refused:
            return refused
        wait = self.token_limiter.hit(client_key(request.client_ip(self.trusted_proxy)))
        if wait:
            return self.problem(
                request,
                429,
                "rate_limited",
                self._("Too many requests from your network; please try later."),
                retry_after=round(wait, 1),
            )
        return self.json(200, {"ts": self.signer.issue(), "min_fill_seconds": self.settings.contact.min_fill_seconds})

    def submit(self, request: Request) -> Response:
        contact = self.settings.contact
        refused = self.forbidden_origin(request) or self.untrusted_proxy(request)
        if refused:
            return refused
        wait = self.limiter.hit(client_key(request.client_ip(self.trusted_proxy)))
        if wait:
            self.stats["rate_limited"] += 1
            minutes = max(1, round(wait / 60))
            return self.problem(
                request,
                429,
                "rate_limited",
                self.pages.messages.ngettext(
                    "Too many requests from your network. Please try again in about %(count)s minute; "
                    "nothing was sent.",
                    "Too many requests from your network. Please try again in about %(count)s minutes; "
                    "nothing was sent.",
                    minutes,
                    count=self.cldr.format_number(minutes),
                ),
                retry_after=round(wait, 1),
            )
        try:
            length = int(request.environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return self.problem(request, 400, "bad_request", self._("The request has an invalid Content-Length."))
        too_large = self.pages.messages.ngettext(
            "The request is too large. Please shorten your message (at most %(count)s byte in all); nothing was sent.",
            "The request is too large. Please shorten your message (at most %(count)s bytes in all); nothing was sent.",
            contact.max_body_bytes,
            count=self.cldr.format_number(contact.max_body_bytes),
        )
        if length > contact.max_body_bytes:
            return self.problem(request, 413, "too_large", too_large)
        content_type = request.environ.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
        if content_type != FORM_TYPE:
            return self.problem(request, 415, "content_type", self._("Send the form as %(type)s.", type=FORM_TYPE))
        body = request.environ["wsgi.input"].read(contact.max_body_bytes + 1)
        if len(body) > contact.max_body_bytes:
            return self.problem(request, 413, "too_large", too_large)
        try:
            form = parse_form(body, self.field_names)
        except FormError as exc:
            return self.problem(request, 400, "bad_form", self.unreadable(exc))
        # From here on the visitor is answered in the language of the page the form was sent from.
        language = form_language(form, self.settings.config.site_languages)
        voice = self.pages.voice(language)
        gettext = voice.messages.gettext
        if form.get(HONEYPOT, "").strip():
            self.stats["honeypot"] += 1
            log.info("discarded a post with the honeypot filled (%d so far)", self.stats["honeypot"])
            return self.accepted(request, new_reference(), created=True, language=language)
        submission, errors, entry = validate(form, self.directory, voice.messages)
        values = {name: clean_text(form.get(name, "")) for name in FIELD_NAMES}
        check = self.signer.check(form.get(TOKEN, ""), contact.min_fill_seconds)
        if errors:
            self.stats["invalid"] += 1
            if request.wants_json:
                return self.json(
                    422,
                    {
                        "ok": False,
                        "code": "invalid",
                        "errors": errors,
                        "message": voice.messages.ngettext(
                            "Please correct the highlighted field; nothing was sent yet.",
                            "Please correct the %(count)s highlighted fields; nothing was sent yet.",
                            len(errors),
                            count=voice.cldr.format_number(len(errors)),
                        ),
                    },
                )
            token = form.get(TOKEN, "") if check.status in ("ok", "too_fast") else self.signer.issue()
            return self.html(422, self.review_page(entry, values, errors, token, language=language))
        assert submission is not None and entry is not None and entry.recipient
        refused = self.unavailable(request, entry, language)
        if refused:
            return refused
        if not check.ok:
            if check.status == "too_fast":
                self.stats["too_fast"] += 1
                if request.wants_json:
                    return self.json(
                        400,
                        {
                            "ok": False,
                            "code": "too_fast",
                            "retry_after": check.retry_after,
                            "message": gettext("That was very quick. Please check your request, then send it again."),
                        },
                    )
                return self.html(
                    200,
                    self.review_page(
                        entry,
                        values,
                        {},
                        form[TOKEN],
                        notice=gettext(
                            "That was very quick! Nothing has been sent yet: please read "
                            "your request once more, then press “Send request”."
                        ),
                        language=language,
                    ),
                )
            if request.wants_json:
                return self.json(
                    400,
                    {
                        "ok": False,
                        "code": "token",
                        "status": check.status,
                        "message": gettext("This form has expired. Please send it again."),
                    },
                )
            return self.html(200, self.review_page(entry, values, {}, self.signer.issue(), language=language))
        try:
            reference, created = self.store.add(
                submission,
                mentor_name=entry.name,
                recipient=entry.recipient,
                token_nonce=check.nonce,
                domain=self.domain,
                mentor_daily_limit=contact.mentor_daily_limit,
            )
        except MentorBusy as busy:
            self.stats["mentor_busy"] += 1
            log.warning(
                "mentor %s reached the daily limit of %d requests", submission.mentor, contact.mentor_daily_limit
            )
            return self.problem(
                request,
                429,
                "mentor_busy",
                gettext(
                    "%(name)s has received many requests today, so yours was not sent. "
                    "Please try again tomorrow, or choose another mentor.",
                    name=entry.name,
                ),
                retry_after=round(busy.retry_after, 1),
                language=language,
            )
        except TokenReused:
            if request.wants_json:
                return self.json(
                    400,
                    {
                        "ok": False,
                        "code": "token",
                        "status": "used",
                        "message": gettext("This form was already used for another request. Please send it again."),
                    },
                )
            return self.html(
                200,
                self.review_page(
                    entry,
                    values,
                    {},
                    self.signer.issue(),
                    notice=gettext(
                        "You already sent a request from this form. "
                        "To send this one as well, check it and press “Send request”."
                    ),
                    language=language,
                ),
            )
        if created:
            self.stats["stored"] += 1
            log.info("stored request %s for mentor %s", reference, submission.mentor)
            if self.outbox is not None:
                self.outbox.wake()
        else:
            self.stats["repeated"] += 1
        return self.accepted(request, reference, created=created, language=language)

    def accepted(self, request: Request, reference: str, *, created: bool, language: str) -> Response:
        """The request is stored (or a bot is fooled): 303 to the thank-you page of the form's
        language, or JSON in that language."""
        thanks = f"{self.settings.thanks_url_in(language)}?ref={quote(reference)}"
        if request.wants_json:
            return self.json(
                201 if created else 200,
                {
                    "ok": True,
                    "reference": reference,
                    "thanks_url": thanks,
                    "message": self.pages.voice(language).messages.gettext(
                        "Thank you! Your request has been received (reference %(reference)s). "
                        "The mentor will reply to you by email.",
                        reference=reference,
                    ),
                },
            )
        return Response(303, b"", [("Location", thanks), ("Content-Type", "text/plain; charset=utf-8")])

    # Live capacity
    def availability_json(self, request: Request) -> Response:
        snapshot = self.availability.current(self.directory)
        headers = [("Cache-Control", "public, max-age=60"), ("ETag", snapshot.etag)]
        wanted = request.environ.get("HTTP_IF_NONE_MATCH", "")
        if wanted.strip() == "*" or snapshot.etag in (tag.strip() for tag in wanted.split(",")):
            return Response(304, b"", headers)
        return Response(200, snapshot.body, [("Content-Type", "application/json"), *headers])

    def unavailable(self, request: Request, entry: Entry, language: str) -> Response | None:
        """409 with similar open mentors when `entry` is full or paused right now, else None; in
        `language`, with links into its tree."""
        taken, paused_at = self.store.mentor_load(entry.slug)
        status = status_of(entry, taken, paused_at is not None)
        if status not in (FULL, PAUSED):
            return None
        self.stats[f"mentor_{status}"] += 1
        similar = similar_open(self.directory, self.availability.current(self.directory).mentors, entry.slug)
        gettext = self.pages.voice(language).messages.gettext
        tree = self.settings.config.base_url + self.settings.config.language_root(language)
        if status == FULL:
            intro = gettext("%(name)s has no free place at the moment, so your request was not sent.", name=entry.name)
        else:
            intro = gettext(
                "%(name)s is not taking new requests at the moment, so your request was not sent.", name=entry.name
            )
        if request.wants_json:
            found = [{"slug": e.slug, "name": e.name, "url": urljoin(tree, f"mentors/{e.slug}/")} for e in similar]
            return self.json(409, {"ok": False, "code": f"mentor_{status}", "message": intro, "similar": found})
        heading = gettext("%(name)s cannot take a request just now", name=entry.name)
        page = self.pages.page(
            "mentor_unavailable.html",
            path="contact/unavailable/",
            heading=heading,
            intro=intro,
            private=self.directory.private,
            similar=[e.public() for e in similar],
            language=language,
        )
        return self.html(409, page)

    # Answer links (answers.py): GET shows, POST acts
    def answer_page(self, token: str) -> Response:
        """The confirmation page of an answer link, or why it cannot be used; never a change."""
        assert self.links is not None
        check = self.links.check(token, time.time())
        found = self.answerable(check)
        if isinstance(found, Response):
            return found
        return self.confirmation(check, token, found)

    def answer(self, request: Request, token: str) -> Response:
        """The POST of a confirmation page: the change, made once."""
        assert self.links is not None
        refused = self.forbidden_origin(request)
        if refused:
            return refused
        try:
            length = int(request.environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return self.problem(request, 400, "bad_request", self._("The request has an invalid Content-Length."))
        too_large = self._("The answer is too large; nothing was changed.")
        if length > MAX_ANSWER_BYTES:
            return self.problem(request, 413, "too_large", too_large)
        content_type = request.environ.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
        if content_type != FORM_TYPE:
            return self.problem(request, 415, "content_type", self._("Send the form as %(type)s.", type=FORM_TYPE))
        body = request.environ["wsgi.input"].read(MAX_ANSWER_BYTES + 1)
        if len(body) > MAX_ANSWER_BYTES:
            return self.problem(request, 413, "too_large", too_large)
        try:
            form = parse_form(body)
        except FormError as exc:
            return self.problem(request, 400, "bad_form", self.unreadable(exc))
        check = self.links.check(token, time.time())
        if form.get("token") != token:  # the page's own form carries the link's token
            check = LinkCheck("invalid")
        found = self.answerable(check)
        if isinstance(found, Response):
            return found
        now = utcnow()
        gettext = self.pages.messages.gettext
        if check.action == "pause":
            if not self.store.pause(check.subject, now):
                return self.answered_already(check, None)
            self.availability.invalidate()
            log.info("mentor %s paused their profile through the answer link", check.subject)
            heading, intro = (
                gettext("Profile paused"),
                gettext("Your profile now shows you as full, and its contact form takes no new requests."),
            )
            return self.html(200, self.answer_html(heading, intro))
        assert isinstance(found, Row)
        if check.action == "accept":
            outcome = self.store.accept(check.subject, now, domain=self.domain)
            if not outcome.done:
                return self.answered_already(check, outcome)
            heading, intro = (
                gettext("Request accepted"),
                gettext(
                    "Thank you. %(name)s and you will each receive an email introducing you to each other.",
                    name=found.request.name,
                ),
            )
        else:
            reason, suggested, errors = self.decline_form(form, found)
            if errors:
                return self.confirmation(check, token, found, {"reason": reason, "suggested_mentor": suggested}, errors)
            outcome = self.store.decline(check.subject, reason, suggested, now, domain=self.domain)
            if not outcome.done:
                return self.answered_already(check, outcome)
            heading, intro = (
                gettext("Request declined"),
                gettext(
                    "Thank you. %(name)s will be told by email, with other mentors to contact.", name=found.request.name
                ),
            )
        self.availability.invalidate()
        log.info("request %s: %s through the answer link", found.reference, outcome.state)
        return self.html(200, self.answer_html(heading, intro))

    def answerable(self, check: LinkCheck) -> Row | Entry | Response:
        """The request (accept, decline) or mentor (pause) a valid link names, or the page saying
        why it cannot be used: invalid (400), expired (410), gone (404), answered already (409)."""
        gettext = self.pages.messages.gettext
        if check.status == "invalid":
            self.stats["answer_invalid"] += 1
            heading = gettext("This link is not valid")
            intro = gettext("Check that the whole link was copied from the email. Nothing was changed.")
            return self.html(400, self.answer_html(heading, intro))
        if check.status == "expired":
            heading = gettext("This link has expired")
            intro = gettext(
                "The links in a request email work for %(days)s days. Nothing was changed; please reply to the "
                "email instead.",
                days=self.settings.contact.answer_link_days,
            )
            return self.html(410, self.answer_html(heading, intro))
        if check.action == "pause":
            entry = self.directory.get(check.subject)
            if entry is None:
                return self.answer_gone()
            _taken, paused_at = self.store.mentor_load(check.subject)
            return entry if paused_at is None else self.answered_already(check, None)
        row = self.store.get(check.subject)
        if row is None:
            return self.answer_gone()
        if row.state not in OPEN_STATES:
            return self.answered_already(check, Outcome(False, row.state, row.reached_at, row.request.mentor))
        return row

    def answer_gone(self) -> Response:
        gettext = self.pages.messages.gettext
        heading = gettext("Nothing to answer")
        intro = gettext("This request or profile is no longer stored. Nothing was changed.")
        return self.html(404, self.answer_html(heading, intro))

    def answered_already(self, check: LinkCheck, outcome: Outcome | None) -> Response:
        """409: the request was answered (or the profile paused) before; says when."""
        self.stats["answer_replayed"] += 1
        gettext = self.pages.messages.gettext
        heading = gettext("Already answered")
        if outcome is None:  # pause
            when = self.day(self.store.mentor_load(check.subject)[1])
            intro = gettext("Your profile was already paused on %(date)s. Nothing was changed.", date=when)
        else:
            when = self.day(outcome.at)
            if outcome.state == "accepted":
                intro = gettext("This request was already accepted on %(date)s. Nothing was changed.", date=when)
            elif outcome.state == "declined":
                intro = gettext("This request was already declined on %(date)s. Nothing was changed.", date=when)
            elif outcome.state == "expired":
                intro = gettext("This request expired on %(date)s. Nothing was changed.", date=when)
            else:
                intro = gettext("This request was withdrawn on %(date)s. Nothing was changed.", date=when)
        return self.html(409, self.answer_html(heading, intro))

    def day(self, stamp: str | None) -> str:
        return self.cldr.format_date(datetime.fromisoformat(stamp.replace("Z", "+00:00")).date()) if stamp else ""

    def decline_form(self, form: dict[str, str], row: Row) -> tuple[str, str, dict[str, str]]:
        """The decline's reason (line breaks kept; other control and invisible format characters,
        bidi overrides among them, dropped) and suggested mentor, with any errors."""
        gettext = self.pages.messages.gettext
        reason = "".join(
            c for c in clean_text(form.get("reason", "")) if c == "\n" or unicodedata.category(c) not in ("Cc", "Cf")
        ).strip()
        suggested = form.get("suggested_mentor", "").strip()
        errors = {}
        if len(reason) > MAX_REASON:
            errors["reason"] = gettext("Please shorten the reason to %(count)s characters.", count=MAX_REASON)
        if suggested and suggested not in {e.slug for e in self.suggestions(row)}:
            errors["suggested_mentor"] = gettext("Choose a mentor from the list.")
        return reason, suggested, errors

    def suggestions(self, row: Row) -> list[Entry]:
        """Open mentors a decline may suggest: the most similar to the one asked."""
        status = self.availability.current(self.directory).mentors
        return similar_open(self.directory, status, row.request.mentor, limit=SUGGESTIONS)

    def confirmation(
        self,
        check: LinkCheck,
        token: str,
        found: Row | Entry,
        values: dict[str, str] | None = None,
        errors: dict[str, str] | None = None,
    ) -> Response:
        gettext = self.pages.messages.gettext
        summary, suggestions = None, []
        if isinstance(found, Row):
            request = found.request
            # What the mentor's mail shows anyway; never the mentee's address.
            summary = {
                "reference": found.reference,
                "name": request.name,
                "hope_to_gain": request.hope_to_gain,
                "message": request.message,
            }
        if check.action == "accept":
            heading = gettext("Accept this request?")
            intro = gettext(
                "If you accept, %(name)s and you will each receive an email introducing you to each other.",
                name=summary["name"] if summary else "",
            )
        elif check.action == "decline":
            assert isinstance(found, Row)
            heading = gettext("Decline this request?")
            intro = gettext(
                "%(name)s will be told by email, with similar mentors to contact. A reason and a suggestion are "
                "optional.",
                name=found.request.name,
            )
            suggestions = [{"slug": e.slug, "name": e.name} for e in self.suggestions(found)]
        else:
            heading = gettext("Pause your profile?")
            intro = gettext(
                "Your profile will show you as full, and its contact form will take no new requests until the "
                "coordinator resumes it."
            )
        private = self.directory.private | ({found.request.email} if isinstance(found, Row) else set())
        page = self.pages.page(
            "answer.html",
            path="contact/answer/",
            heading=heading,
            intro=intro,
            private=frozenset(private),
            request=summary,
            form=check.action,
            token=token,
            suggestions=suggestions,
            values=values or {},
            errors=errors or {},
        )
        return self.html(422 if errors else 200, page)

    def answer_html(self, heading: str, intro: str) -> str:
        return self.pages.page(
            "answer.html",
            path="contact/answer/",
            heading=heading,
            intro=intro,
            private=self.directory.private,
            request=None,
            form=None,
        )
