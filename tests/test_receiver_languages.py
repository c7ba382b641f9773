"""The receiver speaks the site's language: validation messages in the JSON answer and on the
review page, and the mentor's mail, from a real `mentorsite receive` process on a French and
an Arabic site (the English texts are pinned in test_receiver_http and test_receiver_units)."""

from __future__ import annotations

import email
import email.policy
import http.client
import json
import re
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlencode

import pytest
from babel.dates import format_date
from receiver_kit import VALID_FORM, ReceiverProcess, SmtpSink, kind_of, write_site
from test_receiver_framing import connect, exchange, statuses

from mentorsite.messages import messages_for
from mentorsite.receiver.front import Limits
from mentorsite.receiver.mail import build_message, render_message
from mentorsite.receiver.store import Store
from mentorsite.receiver.validation import Submission

SITE = "https://mentors.example.org"


def site_in(root: Path, language: str, languages: list[str] | None = None) -> Path:
    """receiver_kit's site with `language` set (or multilingual, with `languages`) and no rate
    limit or minimum fill time."""
    site = write_site(
        root,
        base_url=f"{SITE}/",
        action="http://127.0.0.1:8787/requests",
        contact={"rate_limit": 0, "mentor_daily_limit": 0, "min_fill_seconds": 0, "from_email": "m@example.org"},
    )
    toml = site / "site.toml"
    setting = f"languages = {json.dumps(languages)}" if languages else f'language = "{language}"'
    toml.write_text(toml.read_text(encoding="utf-8").replace("[contact]", f"{setting}\n\n[contact]"))
    return site


def running(root: Path, language: str, languages: list[str] | None = None):
    """A receiver process on a site in `language` (or `languages`), with its SMTP sink."""
    sink = SmtpSink().start()
    site = site_in(root / "site", language, languages)
    process = ReceiverProcess(site, root / "requests.sqlite3", smtp_port=sink.port)
    try:
        yield process.start(), sink
    finally:
        code = process.stop()
        sink.stop()
    assert code == 0
    assert "Traceback" not in process.output(), process.output()


@pytest.fixture(scope="module")
def french(tmp_path_factory):
    yield from running(tmp_path_factory.mktemp("fr"), "fr")


@pytest.fixture(scope="module")
def arabic(tmp_path_factory):
    yield from running(tmp_path_factory.mktemp("ar"), "ar")


def post(process: ReceiverProcess, *, accept: str, **changes) -> tuple[int, bytes]:
    """POST the form (VALID_FORM with `changes`, None leaving a field out) with a fresh token."""
    with urllib.request.urlopen(f"{process.url}/requests/token", timeout=10) as response:
        ts = json.loads(response.read())["ts"]
    data = {k: v for k, v in {**VALID_FORM, **changes, "ts": ts}.items() if v is not None}
    sent = urllib.request.Request(
        f"{process.url}/requests", data=urlencode(data).encode(), headers={"Accept": accept, "Origin": SITE}
    )
    try:
        with urllib.request.urlopen(sent, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def the_mentors_mail(sink: SmtpSink, reference: str, timeout: float = 20.0) -> EmailMessage:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for received in sink.of_kind("request"):
            if received.message["X-Mentorsite-Reference"] == reference:
                assert received.rcpt_tos == ["ana.private@example.org"]
                return received.message
        time.sleep(0.05)
    raise TimeoutError(f"no mentor's mail for {reference}: {[kind_of(m) for m in sink.messages()]}")


# French -----------------------------------------------------------------------------------------


def test_a_french_site_answers_invalid_fields_in_french_json(french):
    """The 422 answer's message and every field's error are French, the numbers in French form
    (a narrow no-break space between thousands) and the fields named as the French form names them."""
    process, _ = french
    status, body = post(process, accept="application/json", name="", email="zoe@", message="x" * 2001, consent=None)
    assert status == 422
    assert json.loads(body) == {
        "ok": False,
        "code": "invalid",
        "message": "Veuillez corriger les 4 champs signalés ; rien n'a encore été envoyé.",
        "errors": {
            "name": "Veuillez saisir votre nom.",
            "email": "Veuillez saisir une adresse e-mail valide, par exemple nom@example.org.",
            "message": "Veuillez limiter votre message à 2\u202f000 caractères au plus (il y en a 2\u202f001).",
            "consent": "Veuillez accepter que vos coordonnées soient transmises au mentor ; "
            "sans cela, nous ne pouvons pas envoyer la demande.",
        },
    }


def test_a_french_site_answers_a_choice_and_a_mentor_in_french(french):
    """A choice outside the list and a mentor who is not taking mentees, in French."""
    process, _ = french
    status, body = post(process, accept="application/json", format="weekly-dinner", mentor="ben-example")
    assert status == 422
    assert json.loads(body)["message"] == "Veuillez corriger les 2 champs signalés ; rien n'a encore été envoyé."
    assert json.loads(body)["errors"] == {
        "mentor": "Ben Example n'accepte pas de nouveaux mentorés pour le moment. Veuillez choisir un autre mentor.",
        "format": "Veuillez choisir un format dans la liste.",
    }


def test_a_french_site_shows_the_errors_in_french_on_the_review_page(french):
    """Without JavaScript the review page carries the same French messages beside the fields."""
    process, _ = french
    status, body = post(process, accept="text/html", email="zoe at example", name="Zoë =?utf-8?q?x?=")
    page = body.decode()
    assert status == 422
    assert "Veuillez vérifier votre demande" in page
    assert (
        '<p class="help field-error" id="c-email-error">'
        "Veuillez saisir une adresse e-mail valide, par exemple nom@example.org.</p>"
    ) in page
    assert (
        '<p class="help field-error" id="c-name-error">Veuillez retirer « =? » et « ?= » de votre nom : '
        "les logiciels de messagerie les lisent comme du texte encodé.</p>"
    ) in page
    assert "Please" not in page


def test_a_french_site_writes_the_mentors_mail_in_french(french, tmp_path):
    """The mentor's mail: French subject, greeting, section titles, choices, answer links and
    dates (CLDR's long French date)."""
    process, sink = french
    status, body = post(process, accept="application/json", goals="Diriger une équipe.")
    assert status == 201
    reference = json.loads(body)["reference"]
    assert json.loads(body)["message"] == (
        f"Merci ! Votre demande a bien été reçue (référence {reference}). Le mentor vous répondra par e-mail."
    )
    mail = the_mentors_mail(sink, reference)
    assert mail["Subject"] == "Demande de mentorat de Zoë Mentee"
    text = mail.get_content().replace("\r\n", "\n")
    row = Store(process.database).get(reference)
    assert row is not None
    moment = datetime.fromisoformat(row.created_at.replace("Z", "+00:00"))
    expires = format_date(moment + timedelta(days=14), "long", locale="fr")
    assert text.startswith(
        "Bonjour Ana Example,\n\nZoë Mentee vous a trouvé sur Receiver Test Mentors et aimerait échanger avec vous "
    )
    for section in (
        "Ce qu'il ou elle espère en retirer\n" + "-" * 34 + "\nConfidence leading a team.\n",
        "Ses objectifs\n-------------\nDiriger une équipe.\n",
        "Format souhaité : Individuel\nFréquence souhaitée : Tous les mois\n",
        "Son message\n-----------\nHello Ana,\ncould we talk?\n",
        "Répondre en un clic\n-------------------\nAccepter : ",
        f"Les liens fonctionnent jusqu'au {expires}.\n",
        f"-- \nRéférence {reference}, reçue le {format_date(moment, 'long', locale='fr')} à "
        f"{moment:%H:%M} UTC\npar le formulaire de contact de Receiver Test Mentors (Test Org).\n",
    ):
        assert section in text
    for english in ("What they hope to gain", "Their message", "Answer in one click", "Preferred"):
        assert english not in text


# Arabic -----------------------------------------------------------------------------------------


def test_an_arabic_site_counts_characters_with_arabic_plural_forms(arabic):
    """Arabic has six plural forms: 254 takes the "many" form (حرفًا), 100 the "other" (حرف),
    and two highlighted fields the dual."""
    process, _ = arabic
    status, body = post(process, accept="application/json", name="ن" * 101, email="a" * 243 + "@example.org")
    assert status == 422
    assert json.loads(body) == {
        "ok": False,
        "code": "invalid",
        "message": "يُرجى تصحيح الحقلين المميّزين؛ لم يُرسَل شيء بعد.",
        "errors": {
            "name": "يُرجى اختصار اسمك إلى 100 حرف أو أقل (عدد أحرفه الآن 101).",
            "email": "يُرجى اختصار عنوان بريدك الإلكتروني إلى 254 حرفًا أو أقل (عدد أحرفه الآن 255).",
        },
    }


# A bilingual site: the form says which tree it was sent from --------------------------------------


@pytest.fixture(scope="module")
def bilingual(tmp_path_factory):
    """A site built in English (the default, at the root) and French (under /fr/)."""
    yield from running(tmp_path_factory.mktemp("en-fr"), "en", ["en", "fr"])


def post_unfollowed(process: ReceiverProcess, *, accept: str, **changes) -> tuple[int, dict[str, str], bytes]:
    """POST the form like `post`, without following a redirect: (status, headers, body)."""
    with urllib.request.urlopen(f"{process.url}/requests/token", timeout=10) as response:
        ts = json.loads(response.read())["ts"]
    data = {k: v for k, v in {**VALID_FORM, **changes, "ts": ts}.items() if v is not None}
    connection = http.client.HTTPConnection("127.0.0.1", process.port, timeout=10)
    try:
        connection.request(
            "POST",
            "/requests",
            body=urlencode(data),
            headers={"Accept": accept, "Origin": SITE, "Content-Type": "application/x-www-form-urlencoded"},
        )
        answer = connection.getresponse()
        return answer.status, dict(answer.getheaders()), answer.read()
    finally:
        connection.close()


def test_a_post_from_the_french_tree_is_thanked_on_the_french_page(bilingual):
    """The plain form from /fr/mentors/…/ is redirected to /fr/contact/thanks/, the English one to the root's."""
    process, _ = bilingual
    for language, thanks in (("fr", f"{SITE}/fr/contact/thanks/"), ("en", f"{SITE}/contact/thanks/")):
        status, headers, _body = post_unfollowed(process, accept="text/html", lang=language, name=f"Zoë {language}")
        assert status == 303
        assert re.fullmatch(re.escape(thanks) + r"\?ref=[A-Z0-9-]+", headers["Location"]), headers["Location"]


def test_a_post_from_the_french_tree_is_answered_in_french_json(bilingual):
    """JSON: the thank-you message and page, and the validation messages, in the form's language."""
    process, _ = bilingual
    status, _headers, body = post_unfollowed(process, accept="application/json", lang="fr", name="Zoë JSON")
    answer = json.loads(body)
    assert status == 201
    reference = answer["reference"]
    assert answer["thanks_url"] == f"{SITE}/fr/contact/thanks/?ref={reference}"
    assert answer["message"] == (
        f"Merci ! Votre demande a bien été reçue (référence {reference}). Le mentor vous répondra par e-mail."
    )
    status, _headers, body = post_unfollowed(process, accept="application/json", lang="fr", name="", consent=None)
    assert status == 422
    assert json.loads(body)["errors"]["name"] == "Veuillez saisir votre nom."
    status, _headers, body = post_unfollowed(process, accept="application/json", lang="en", name="")
    assert json.loads(body)["errors"] == {"name": "Please enter your name."}


def test_the_review_page_of_a_french_post_is_french_and_keeps_its_language(bilingual):
    """Without JavaScript, the review page of a French post is the French tree's (its links under
    /fr/) and its form posts `lang=fr` again, so the next answer is French too."""
    process, _ = bilingual
    status, _headers, body = post_unfollowed(process, accept="text/html", lang="fr", email="zoe at example")
    page = body.decode()
    assert status == 422
    assert '<html lang="fr"' in page
    assert "Veuillez vérifier votre demande" in page
    assert '<input type="hidden" name="lang" value="fr">' in page
    assert f'href="{SITE}/fr/mentors/"' in page
    assert "Please enter" not in page


def test_the_mentors_mail_of_a_french_post_is_in_the_sites_default_language(bilingual):
    """The mentee wrote from the French tree; the mentor reads the site's default language."""
    process, sink = bilingual
    status, _headers, body = post_unfollowed(process, accept="application/json", lang="fr", name="Zoë Mail")
    assert status == 201
    mail = the_mentors_mail(sink, json.loads(body)["reference"])
    assert mail["Subject"] == "Mentoring request from Zoë Mail"


@pytest.mark.parametrize(
    "hostile",
    ["../x", "fr\r\nX: injected", "zz", "FR", " fr", "<script>", "x" * 10_000],
    ids=lambda v: repr(v) if len(v) < 40 else f"{len(v):,} characters",
)
def test_a_language_that_is_not_the_sites_is_the_default(bilingual, hostile):
    """Anything but one of the site's language tags is the default language: 303 to the root's
    thank-you page, and the value is never echoed in the answer."""
    process, _ = bilingual
    status, headers, body = post_unfollowed(process, accept="text/html", lang=hostile, name="Zoë Hostile")
    assert status == 303
    assert re.fullmatch(re.escape(f"{SITE}/contact/thanks/") + r"\?ref=[A-Z0-9-]+", headers["Location"])
    # The reference is random Crockford base32, so it may itself hold "FR": leave it out of the check.
    answered = [value for name, value in headers.items() if name != "Location"]
    answered.append(headers["Location"].partition("?ref=")[0])
    assert hostile.encode() not in body and all(hostile not in value for value in answered)
    status, _headers, body = post_unfollowed(process, accept="text/html", lang=hostile, email="zoe at example")
    page = body.decode()
    assert status == 422
    assert '<html lang="en"' in page and '<input type="hidden" name="lang" value="en">' in page
    # The form's signed time stamp is random base64, which may itself hold "FR" or "zz": leave it out.
    page = re.sub(r'(name="ts" value=")[^"]*"', r'\1"', page)
    assert hostile not in page.replace('"en"', "")


# Refusals before any request is read ---------------------------------------------------------------


def test_a_french_site_refuses_connections_in_french(french):
    """The connection cap's refusal comes before any request is parsed: the site's language."""
    process, _ = french
    held = [connect(process.port, "127.0.7.1") for _ in range(Limits().per_client)]
    try:
        time.sleep(0.5)
        answer = exchange(process.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", source="127.0.7.1")
    finally:
        for sock in held:
            sock.close()
    assert statuses(answer) == [503]
    assert answer.endswith("Trop de connexions depuis votre réseau.\n".encode())


def test_a_french_site_refuses_a_malformed_request_in_french(french):
    """A framing refusal (bare LF line ends) is French too."""
    process, _ = french
    answer = exchange(process.port, b"GET /healthz HTTP/1.1\r\nHost: x\nX-Bare: lf\r\n\r\n")
    assert statuses(answer) == [400]
    assert answer.endswith(b"Les lignes doivent se terminer par CRLF.\n")


# The mail on its own ----------------------------------------------------------------------------


#: What the receiver passes about the site.
SEND = {"sender": "m@example.org", "site_title": "Mentors", "organisation": "Org", "base_url": "https://example.org/m/"}


def stored_row(tmp_path: Path):
    submission = Submission(**{**VALID_FORM, "consent": True, "message": "Hello Ana,\ncould we talk?"})
    store = Store(tmp_path / "r.db")
    reference, _ = store.add(
        submission, mentor_name="Ana Example", recipient="coord@example.org", token_nonce=None, domain="example.org"
    )
    row = store.get(reference)
    assert row is not None
    return row


def test_the_coordinators_copy_in_french(tmp_path):
    """Coordinator mode in French: subject, the Mentor and Mentee lines, the choices."""
    msg = build_message(
        stored_row(tmp_path),
        **SEND,
        coordinator_mode=True,
        messages=messages_for("fr"),
    )
    assert msg["Subject"] == "Demande de mentorat pour Ana Example de la part de Zoë Mentee"
    text = msg.get_content()
    assert text.startswith("Bonjour,\n\nZoë Mentee aimerait échanger avec Ana Example au sujet d'un mentorat ")
    assert (
        "Mentor : Ana Example (https://example.org/m/mentors/ana-example/)\n"
        "Mentoré : Zoë Mentee <zoe@example.org> (répondez à cet e-mail pour lui répondre)\n"
    ) in text
    assert "Format souhaité : Individuel\nFréquence souhaitée : Tous les mois\n" in text


def test_an_arabic_subject_passes_the_header_checks(tmp_path):
    """A right-to-left subject is encoded, and the checked bytes decode to exactly it."""
    data = render_message(
        stored_row(tmp_path),
        **SEND,
        coordinator_mode=False,
        messages=messages_for("ar"),
    )
    head = data.partition(b"\r\n\r\n")[0]
    assert head.isascii()
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert message["Subject"] == "طلب إرشاد من Zoë Mentee"
    assert "ما يأمل في تحقيقه\n" in message.get_content().replace("\r\n", "\n")
