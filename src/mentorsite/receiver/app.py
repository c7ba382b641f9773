"""The receiver's WSGI application: routes, abuse checks, answers.

Routes (``/requests`` is the path of ``[contact] action``):

* ``POST /requests`` — a contact request. Browsers posting the plain form get HTML: 303 to the
  site's thank-you page once stored, else the review page (200) or 4xx. Clients sending
  ``Accept: application/json`` (the site's JavaScript) get JSON: 201 ``{"ok": true,
  "reference": …}`` once stored, or 4xx ``{"ok": false, "code": …, "message": …, "errors": …}``.
* ``GET /requests/token`` — a signed timestamp for the form (``{"ts": …}``), for JavaScript.
* ``OPTIONS`` on both — CORS preflight, answered only for the site's origin(s).
* ``GET /healthz`` — ``{"ok": true}`` for monitoring.

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

**Per-mentor cap**: at most ``[contact] mentor_daily_limit`` requests are stored for one mentor
in 24 hours (counted in the database, so a restart does not reset it); beyond it 429
``mentor_busy``.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

from ..contact_fields import FIELD_NAMES
from .delivery import Outbox
from .directory import Directory, Entry
from .pages import Pages
from .ratelimit import RateLimiter, client_key, normal_address, parse_address
from .settings import Settings, SettingsError, origin_of
from .store import MentorBusy, Store, TokenReused, new_reference
from .tokens import Signer
from .validation import HONEYPOT, TOKEN, FormError, clean_text, parse_form, validate

log = logging.getLogger("mentorsite.receiver")

REASONS = {
    200: "OK",
    201: "Created",
    204: "No Content",
    303: "See Other",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
FORM_TYPE = "application/x-www-form-urlencoded"
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
                "Something went wrong on our side and nothing was stored. Please try again in a minute.",
            )
        headers = [
            ("Content-Length", str(len(response.body))),
            ("Cache-Control", "no-store"),
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
        return self.problem(
            request, 404, "not_found", "There is nothing here. The contact form lives on each mentor's page."
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

    def problem(self, request: Request, status: int, code: str, message: str, **extra) -> Response:
        headers = [("Retry-After", str(max(1, round(extra["retry_after"]))))] if "retry_after" in extra else []
        if request.wants_json:
            return self.json(status, {"ok": False, "code": code, "message": message, **extra}, headers)
        back = self.settings.config.base_url + "mentors/"
        text = f"{message}\n\nThe mentor directory: {back}\n"
        return Response(status, text.encode("utf-8"), [("Content-Type", "text/plain; charset=utf-8"), *headers])

    def not_allowed(self, request: Request, allow: str) -> Response:
        response = self.problem(
            request,
            405,
            "method",
            f"This address only accepts {allow.split(',')[0]} requests from the contact form on a mentor's page.",
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
                request, 403, "origin", "This form can only be sent from the mentor directory's own pages."
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
            "The contact form is not set up correctly on our side, so nothing was sent. "
            "Please try again later; we have been told.",
        )

    def review_page(
        self, entry: Entry | None, values: dict[str, str], errors: dict[str, str], token: str, notice: str = ""
    ) -> str:
        return self.pages.review(
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
                "Too many requests from your network; please try later.",
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
                f"Too many requests from your network. Please try again in about {minutes} minute"
                f"{'s' if minutes != 1 else ''}; nothing was sent.",
                retry_after=round(wait, 1),
            )
        try:
            length = int(request.environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return self.problem(request, 400, "bad_request", "The request has an invalid Content-Length.")
        too_large = (
            "The request is too large. Please shorten your message "
            f"(at most {contact.max_body_bytes:,} bytes in all); nothing was sent."
        )
        if length > contact.max_body_bytes:
            return self.problem(request, 413, "too_large", too_large)
        content_type = request.environ.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
        if content_type != FORM_TYPE:
            return self.problem(request, 415, "content_type", f"Send the form as {FORM_TYPE}.")
        body = request.environ["wsgi.input"].read(contact.max_body_bytes + 1)
        if len(body) > contact.max_body_bytes:
            return self.problem(request, 413, "too_large", too_large)
        try:
            form = parse_form(body, self.field_names)
        except FormError as exc:
            return self.problem(request, 400, "bad_form", f"The form could not be read: {exc}.")
        if form.get(HONEYPOT, "").strip():
            self.stats["honeypot"] += 1
            log.info("discarded a post with the honeypot filled (%d so far)", self.stats["honeypot"])
            return self.accepted(request, new_reference(), created=True)
        submission, errors, entry = validate(form, self.directory)
        values = {name: clean_text(form.get(name, "")) for name in FIELD_NAMES}
        check = self.signer.check(form.get(TOKEN, ""), contact.min_fill_seconds)
        if errors:
            self.stats["invalid"] += 1
            if request.wants_json:
                which = "the highlighted field" if len(errors) == 1 else f"the {len(errors)} highlighted fields"
                return self.json(
                    422,
                    {
                        "ok": False,
                        "code": "invalid",
                        "errors": errors,
                        "message": f"Please correct {which}; nothing was sent yet.",
                    },
                )
            token = form.get(TOKEN, "") if check.status in ("ok", "too_fast") else self.signer.issue()
            return self.html(422, self.review_page(entry, values, errors, token))
        assert submission is not None and entry is not None and entry.recipient
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
                            "message": "That was very quick. Please check your request, then send it again.",
                        },
                    )
                return self.html(
                    200,
                    self.review_page(
                        entry,
                        values,
                        {},
                        form[TOKEN],
                        notice="That was very quick! Nothing has been sent yet: please read "
                        "your request once more, then press “Send request”.",
                    ),
                )
            if request.wants_json:
                return self.json(
                    400,
                    {
                        "ok": False,
                        "code": "token",
                        "status": check.status,
                        "message": "This form has expired. Please send it again.",
                    },
                )
            return self.html(200, self.review_page(entry, values, {}, self.signer.issue()))
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
                f"{entry.name} has received many requests today, so yours was not sent. "
                "Please try again tomorrow, or choose another mentor.",
                retry_after=round(busy.retry_after, 1),
            )
        except TokenReused:
            if request.wants_json:
                return self.json(
                    400,
                    {
                        "ok": False,
                        "code": "token",
                        "status": "used",
                        "message": "This form was already used for another request. Please send it again.",
                    },
                )
            return self.html(
                200,
                self.review_page(
                    entry,
                    values,
                    {},
                    self.signer.issue(),
                    notice="You already sent a request from this form. To send this one as well, check it and press “Send request”.",
                ),
            )
        if created:
            self.stats["stored"] += 1
            log.info("stored request %s for mentor %s", reference, submission.mentor)
            if self.outbox is not None:
                self.outbox.wake()
        else:
            self.stats["repeated"] += 1
        return self.accepted(request, reference, created=created)

    def accepted(self, request: Request, reference: str, *, created: bool) -> Response:
        thanks = f"{self.settings.thanks_url}?ref={quote(reference)}"
        if request.wants_json:
            return self.json(
                201 if created else 200,
                {
                    "ok": True,
                    "reference": reference,
                    "thanks_url": thanks,
                    "message": f"Thank you! Your request has been received (reference {reference}). "
                    "The mentor will reply to you by email.",
                },
            )
        return Response(303, b"", [("Location", thanks), ("Content-Type", "text/plain; charset=utf-8")])
