"""One definition of the contact request (mentorsite.contact_fields): both forms print it, and
the receiver validates, stores and accepts field names by it."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
import typing
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from receiver_kit import VALID_FORM, write_site

from mentorsite.build import build_site
from mentorsite.config import ContactConfig, load_config
from mentorsite.contact_fields import FIELD_NAMES, LIMITS, REQUEST_FIELDS
from mentorsite.receiver.directory import Directory, Entry, load_directory
from mentorsite.receiver.pages import Pages
from mentorsite.receiver.settings import resolve
from mentorsite.receiver.store import COLUMNS, Row, Store
from mentorsite.receiver.validation import Submission, validate

TODAY = date(2026, 11, 23)
DIRECTORY = Directory({"ana-example": Entry("ana-example", "Ana Example", True, (), "ana@example.org")})


class _Form(HTMLParser):
    """The controls of the first <form>: (tag, name, type, maxlength, required, label text)."""

    def __init__(self):
        super().__init__()
        self.inside = False
        self.controls: list[dict] = []
        self.labels: dict[str, str] = {}
        self._label: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and not self.controls:
            self.inside = True
        elif self.inside and tag in ("input", "textarea", "select"):
            self.controls.append({"tag": tag, **attrs})
        elif self.inside and tag == "label":
            self._label = attrs.get("for")
            self.labels[self._label] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "label":
            self._label = None

    def handle_data(self, data):
        if self._label:
            self.labels[self._label] += data

    def fields(self) -> list[tuple]:
        return [
            (
                c["tag"],
                c["name"],
                c.get("type"),
                c.get("maxlength"),
                "required" in c,
                self.labels.get(c.get("id", ""), "").replace("(optional)", "").strip(),
            )
            for c in self.controls
        ]


def form_fields(html: str) -> list[tuple]:
    parser = _Form()
    parser.feed(html)
    return parser.fields()


def mentor_and_review_pages(tmp_path: Path) -> tuple[str, str]:
    """The built mentor page of ana-example and the receiver's review page for a valid request."""
    site = write_site(tmp_path / "site", base_url="http://127.0.0.1:8000/", action="http://127.0.0.1:8787/requests")
    report = build_site(site, today=TODAY)
    assert report.errors == [], [d.human() for d in report.errors]
    mentor_page = (site / "_site" / "mentors" / "ana-example" / "index.html").read_text(encoding="utf-8")
    settings = resolve(site, load_config(site), database=tmp_path / "r.db")
    directory = load_directory(settings)
    _, errors, entry = validate(VALID_FORM, directory)
    assert errors == {} and entry is not None
    review = Pages(settings).review(
        entry=entry.public(), values=VALID_FORM, errors={}, token="TOKEN", private=directory.private
    )
    return mentor_page, review


def test_both_forms_print_the_definitions_fields_labels_and_limits(tmp_path):
    """Mentor page and review page: the same controls, in form order, with the definition's
    maxlength, required and label, around the fixed lang (the page's language), ts (timestamp)
    and website (honeypot)."""
    mentor_page, review = mentor_and_review_pages(tmp_path)
    expected = [("input", "mentor", "hidden", None, False, ""), ("input", "lang", "hidden", None, False, "")]
    expected.append(("input", "ts", "hidden", None, False, ""))
    for field in REQUEST_FIELDS[1:]:
        tag, kind = {"text": ("textarea", None), "choice": ("select", None), "consent": ("input", "checkbox")}.get(
            field.kind, ("input", "email" if field.kind == "email" else "text")
        )
        limit = str(field.max_length) if field.max_length else None
        expected.append((tag, field.name, kind, limit, field.required, field.label))
    expected.append(("input", "website", None, None, False, "Leave empty"))
    assert REQUEST_FIELDS[0].name == "mentor" and REQUEST_FIELDS[0].kind == "hidden"
    assert form_fields(mentor_page) == expected
    assert form_fields(review) == expected
    # The limits themselves, pinned: the receiver refuses longer text.
    assert LIMITS == {"mentor": 64, "name": 100, "email": 254, "hope_to_gain": 1000, "goals": 1000, "message": 2000}
    assert 'maxlength="1000" aria-describedby="c-hope_to_gain-help"' in mentor_page
    assert "One or two specific areas you would like help with. Up to 1,000 characters." in review


def test_a_site_override_of_contact_fields_changes_both_forms(tmp_path):
    """A site's _contact_fields.html draws the fields on the mentor page and on the review page."""
    templates = tmp_path / "site" / "templates"
    templates.mkdir(parents=True)
    (templates / "_contact_fields.html").write_text(
        '{% macro hidden(values) %}<input type="hidden" name="mentor" value="{{ values.mentor }}">{% endmacro %}'
        "{% macro visible(mentor_name, options={}, values={}, errors={}) %}"
        '<p class="site-fields">Fields for {{ mentor_name }}: {{ request_fields|map(attribute="name")|join(" ") }}</p>'
        "{% endmacro %}",
        encoding="utf-8",
    )
    mentor_page, review = mentor_and_review_pages(tmp_path)
    marker = f'<p class="site-fields">Fields for Ana Example: {" ".join(FIELD_NAMES)}</p>'
    assert marker in mentor_page and marker in review
    assert 'name="email"' not in mentor_page and 'name="email"' not in review


def test_receiver_types_and_columns_follow_the_definition(tmp_path):
    """Submission, Row, the stored table, the export and site.toml's field_names keys all carry
    exactly the definition's fields."""
    values = ("ana-example", "Zoë", "zoe@example.org", "Growth", "", "group", "monthly", "Hi", True)
    assert tuple(Submission(*values).values) == FIELD_NAMES
    with pytest.raises(TypeError, match="a submission has exactly the fields mentor, name, email"):
        Submission(*values[:-1])
    store = Store(tmp_path / "r.db")
    table = {row[1] for row in store.db.connection().execute("PRAGMA table_info(requests)")}
    bookkeeping = {name for name in Row.__dataclass_fields__ if name != "request"}
    assert table == bookkeeping | set(FIELD_NAMES)
    assert set(COLUMNS) == table - {"id", "token_nonce", "content_hash", "next_attempt_at", "lease_until"}
    assert typing.get_args(typing.get_args(ContactConfig.model_fields["field_names"].annotation)[0]) == FIELD_NAMES


# The version-1 table as the first receiver created it: databases made then must keep working.
OLD_TABLE = """
CREATE TABLE requests (
    id INTEGER PRIMARY KEY, reference TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL, mentor TEXT NOT NULL,
    mentor_name TEXT NOT NULL, recipient TEXT NOT NULL, name TEXT NOT NULL, email TEXT NOT NULL,
    hope_to_gain TEXT NOT NULL, goals TEXT NOT NULL, format TEXT NOT NULL, cadence TEXT NOT NULL,
    message TEXT NOT NULL, consent INTEGER NOT NULL, token_nonce TEXT UNIQUE, content_hash TEXT NOT NULL,
    message_id TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0, interrupted INTEGER NOT NULL DEFAULT 0, next_attempt_at REAL NOT NULL,
    last_error TEXT, sent_at TEXT
);
INSERT INTO requests (reference, created_at, mentor, mentor_name, recipient, name, email, hope_to_gain, goals,
    format, cadence, message, consent, content_hash, message_id, next_attempt_at)
VALUES ('MR-AAAA-BBBB', '2026-01-02T03:04:05.000000Z', 'ana-example', 'Ana Example', 'ana@example.org', 'Old',
    'old@example.org', 'Growth', '', 'group', 'weekly', 'Hello', 1, 'h', '<m@example.org>', 0);
"""


def test_a_database_from_the_first_schema_keeps_working(tmp_path):
    """An existing file opens unchanged: old rows read back, new requests are stored."""
    with sqlite3.connect(tmp_path / "r.db") as conn:
        conn.executescript(OLD_TABLE)
    store = Store(tmp_path / "r.db")
    old = store.get("MR-AAAA-BBBB")
    assert old is not None and old.request.name == "Old" and old.request.consent is True
    assert old.as_dict()["consent"] == 1
    submission, errors, _ = validate(VALID_FORM, DIRECTORY)
    assert errors == {}
    reference, created = store.add(
        submission, mentor_name="Ana Example", recipient="ana@example.org", token_nonce=None, domain="example.org"
    )
    assert created and store.get(reference).request == submission
    assert [row.reference for row in store.rows(newest_first=False)] == ["MR-AAAA-BBBB", reference]


# Run in a fresh interpreter: the definition is read when the modules are imported.
NEW_FIELD = textwrap.dedent(
    """
    import sys
    from datetime import date
    from pathlib import Path

    import mentorsite.contact_fields as definition
    definition.REQUEST_FIELDS += (
        definition.RequestField("pronouns", "Your pronouns", "line", max_length=40, about="your pronouns"),
    )
    definition.FIELD_NAMES = tuple(f.name for f in definition.REQUEST_FIELDS)
    definition.LIMITS = {f.name: f.max_length for f in definition.REQUEST_FIELDS if f.max_length}

    from receiver_kit import VALID_FORM, write_site
    from mentorsite.build import build_site
    from mentorsite.config import ContactConfig
    from mentorsite.receiver.directory import Directory, Entry
    from mentorsite.receiver.store import COLUMNS, Store
    from mentorsite.receiver.validation import validate

    tmp = Path(sys.argv[1])
    site = write_site(tmp / "site", base_url="http://127.0.0.1:8000/", action="http://127.0.0.1:8787/requests")
    assert build_site(site, today=date(2026, 11, 23)).errors == []
    page = (site / "_site/mentors/ana-example/index.html").read_text()
    print("form:", '<input type="text" id="c-pronouns" name="pronouns" maxlength="40">' in page)
    print("config:", ContactConfig(field_names={"pronouns": "their_pronouns"}).field_names)
    directory = Directory({"ana-example": Entry("ana-example", "Ana", True, (), "ana@example.org")})
    form = dict(mentor="ana-example", name="Zoe", email="zoe@example.org", hope_to_gain="Growth", message="Hi",
                consent="yes")
    print("too long:", validate({**form, "pronouns": "x" * 41}, directory)[1])
    submission = validate({**form, "pronouns": "they/them"}, directory)[0]
    store = Store(tmp / "r.db")  # made by the current definition: gains the new column
    reference, _ = store.add(submission, mentor_name="Ana", recipient="ana@example.org", token_nonce=None,
                             domain="example.org")
    print("stored:", store.get(reference).request.pronouns, "exported:", "pronouns" in COLUMNS)
    """
)


def test_a_field_added_to_the_definition_reaches_the_form_the_receiver_and_the_database(tmp_path):
    """Adding one RequestField is the whole change: the mentor page prints it with its limit,
    site.toml may rename it, the receiver checks its length, and an existing database gains its
    column and stores it."""
    Store(tmp_path / "r.db").close()  # a database from before the field existed
    tests = Path(__file__).parent
    result = subprocess.run(
        [sys.executable, "-c", NEW_FIELD, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(tests), os.environ.get("PYTHONPATH")]))},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "form: True",
        "config: {'pronouns': 'their_pronouns'}",
        "too long: {'pronouns': 'Please keep your pronouns to 40 characters or fewer (it has 41).'}",
        "stored: they/them exported: True",
    ]
