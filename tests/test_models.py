"""Profile validation through load.read_mentor: exact messages at exact line:col."""

from __future__ import annotations

from datetime import date

import pytest
from kit import BIO, GOOD_PROFILE, PRIVATE_EMAIL, TODAY

from mentorsite.load import read_mentor

PATH = "mentors/ada-example.yaml"
URL_HINT = "for example https://example.org/profile"
RETYPE = "retype the text; it was probably pasted with hidden formatting"


def edit(old: str, new: str, text: str = GOOD_PROFILE) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def read(text: str | bytes, context, *, today: date = TODAY, review_after_months: int = 12):
    raw = text.encode("utf-8") if isinstance(text, str) else text
    return read_mentor(PATH, raw, context, today=today, review_after_months=review_after_months)


def errors(text: str | bytes, context) -> list[str]:
    """Sorted human diagnostics of a profile that must fail validation."""
    loaded, found = read(text, context)
    assert loaded is None
    assert all(d.is_error for d in found)
    return sorted(d.human() for d in found)


def valid(text: str, context):
    """(mentor, warnings) of a profile that must validate."""
    loaded, found = read(text, context)
    assert loaded is not None, [d.human() for d in found]
    assert all(not d.is_error for d in found)
    return loaded.mentor, sorted(d.human() for d in found)


# --- the happy path -------------------------------------------------------------------------


def test_good_profile_has_no_diagnostics(context):
    """The reference profile validates with no errors and no warnings, values canonicalised."""
    loaded, found = read(GOOD_PROFILE, context)
    assert found == []
    mentor = loaded.mentor
    assert (loaded.slug, loaded.path) == ("ada-example", PATH)
    assert mentor.tags == ["leadership", "writing"]
    assert mentor.location.country == "PT"
    assert mentor.languages == ["en", "pt"]
    assert mentor.last_reviewed == date(2026, 5, 1)
    assert mentor.bio == BIO


# --- the acceptance criterion: every mistake reported, each on its line --------------------


def test_three_mistakes_three_reports(context):
    """A profile with three mistakes gets exactly three errors, each at its own line and column."""
    text = edit("tags: [leadership, writing]", "pronuons: she/her\ntags: [leadrship, writing]")
    text = edit("  capacity: 2\n", "  capacity: 2\n  available_from: 2026-13-40\n", text)
    assert errors(text, context) == [
        f"{PATH}:16:19: error: 'availability.available_from': 2026-13-40 has no month 13\n"
        "    hint: dates are written year-month-day, e.g. 2026-03-31",
        f"{PATH}:4:1: error: unknown field 'pronuons'\n    hint: did you mean 'pronouns'?",
        f"{PATH}:5:8: error: 'tags item 1': 'leadrship' is not a known expertise tag\n"
        "    hint: did you mean 'leadership'?",
    ]


def test_misspelt_headline_tag_date_and_country_all_reported(context):
    """headlin, leadrship, 2026-13-40 and Portugal are all reported, plus the missing headline."""
    text = edit("headline:", "headlin:")
    text = edit("tags: [leadership, writing]", "tags: [leadrship, writing]", text)
    text = edit("country: PT", "country: Portugal", text)
    text = edit("  capacity: 2\n", "  capacity: 2\n  available_from: 2026-13-40\n", text)
    assert errors(text, context) == [
        f"{PATH}:15:19: error: 'availability.available_from': 2026-13-40 has no month 13\n"
        "    hint: dates are written year-month-day, e.g. 2026-03-31",
        f"{PATH}:1:1: error: missing required field 'headline'\n    hint: add a line 'headline: …'",
        f"{PATH}:2:1: error: unknown field 'headlin'\n    hint: did you mean 'headline'?",
        f"{PATH}:4:8: error: 'tags item 1': 'leadrship' is not a known expertise tag\n"
        "    hint: did you mean 'leadership'?",
        f"{PATH}:8:12: error: 'location.country': 'Portugal' is not an ISO 3166 country code\n"
        "    hint: use the two-letter code 'PT'",
    ]


# --- countries ----------------------------------------------------------------------------


@pytest.mark.parametrize("written, code", [("no", "NO"), ("NO", "NO"), ("pt", "PT"), ("'br'", "BR"), (" gb", "GB")])
def test_country_codes_in_any_case(context, written, code):
    """Country codes are accepted in any case; `country: no` is Norway, not false."""
    mentor, _ = valid(edit("country: PT", f"country: {written}"), context)
    assert mentor.location.country == code


@pytest.mark.parametrize(
    "written, hint",
    [
        ("Portugal", "use the two-letter code 'PT'"),
        ("norway", "use the two-letter code 'NO'"),
        ("XX", "use a two-letter ISO 3166 code such as PT, NO or BR"),
    ],
)
def test_country_names_and_unknown_codes(context, written, hint):
    """A country name gets its code as hint; an unknown code gets examples."""
    assert errors(edit("country: PT", f"country: {written}"), context) == [
        f"{PATH}:8:12: error: 'location.country': '{written}' is not an ISO 3166 country code\n    hint: {hint}"
    ]


def test_country_true_gets_quotes_hint(context):
    """A real boolean as country (only possible as `true`) gets the write-in-quotes hint."""
    assert errors(edit("country: PT", "country: true"), context) == [
        f"{PATH}:8:12: error: 'location.country': a country code must be text\n"
        '    hint: write the code in quotes, e.g. "NO"'
    ]


# --- vocabularies ---------------------------------------------------------------------------


def test_tag_aliases_and_labels_resolve(context):
    """Aliases and labels, in any case, resolve to the canonical tag key."""
    mentor, _ = valid(edit("tags: [leadership, writing]", "tags: [ml, Management]"), context)
    assert mentor.tags == ["machine-learning", "leadership"]
    mentor, _ = valid(edit("tags: [leadership, writing]", "tags: [Machine Learning, machine_learning]"), context)
    assert mentor.tags[0] == "machine-learning"


def test_tag_aliases_of_one_value_count_once(context):
    """`[ml, AI, leadership]` is machine-learning and leadership, each once."""
    mentor, _ = valid(edit("tags: [leadership, writing]", "tags: [ml, AI, leadership]"), context)
    assert mentor.tags == ["machine-learning", "leadership"]


def test_unknown_tag_without_close_match_lists_allowed(context):
    """A tag nothing like the vocabulary lists the allowed tags."""
    assert errors(edit("tags: [leadership, writing]", "tags: [writing, zzzz]"), context) == [
        f"{PATH}:4:17: error: 'tags item 2': 'zzzz' is not a known expertise tag\n"
        "    hint: allowed: leadership, machine-learning, writing"
    ]


def test_industry_did_you_mean(context):
    """A misspelt industry gets 'did you mean'; the label spelling is accepted."""
    assert errors(edit("industry: technology", "industry: technolgy"), context) == [
        f"{PATH}:5:11: error: 'industry': 'technolgy' is not a known industry\n    hint: did you mean 'technology'?"
    ]
    mentor, _ = valid(edit("industry: technology", "industry: Finance and banking"), context)
    assert mentor.industry == "finance"


def test_builtin_format_vocabulary(context):
    """Formats come from the built-in list, which the hint shows."""
    assert errors(edit("formats: [one-to-one]", "formats: [1:1]"), context) == [
        f"{PATH}:11:11: error: 'formats item 1': '1:1' is not a known mentoring format\n"
        "    hint: allowed: one-to-one, group, peer, co-mentoring, reverse"
    ]


# --- wrong types ---------------------------------------------------------------------------


def test_tags_as_text_gets_list_hint(context):
    """tags written as one text gets a 'write it as a list' hint showing the fix."""
    assert errors(edit("tags: [leadership, writing]", "tags: leadership"), context) == [
        f"{PATH}:4:7: error: 'tags' must be a list, not text\n    hint: write it as a list: tags: [leadership]"
    ]


@pytest.mark.parametrize("value, kind", [("42", "a number"), ("3.5", "a number"), ("true", "true/false")])
def test_name_not_text_gets_quotes_hint(context, value, kind):
    """A name YAML reads as a number or boolean gets the 'put it in quotes' hint."""
    assert errors(edit("name: Ada Example", f"name: {value}"), context) == [
        f"{PATH}:1:7: error: 'name' must be text, not {kind}\n    hint: put the value in quotes"
    ]


def test_empty_name(context):
    """An empty name says it must be text, not nothing."""
    assert errors(edit("name: Ada Example", "name:"), context) == [
        f"{PATH}:1:6: error: 'name' must be text, not nothing"
    ]


def test_availability_not_a_mapping(context):
    """availability written as a single value is a 'must be a mapping' error at the value."""
    text = edit("availability:\n  accepting: true\n  capacity: 2\n", "availability: yes\n")
    assert errors(text, context) == [f"{PATH}:12:15: error: 'availability' must be a mapping of fields, not text"]


def test_profile_must_be_a_mapping(context):
    """A file holding a list is one error with an example line."""
    assert errors("- Ada\n- Example\n", context) == [
        f"{PATH}:1:1: error: a profile must be a mapping of fields, but this file holds a list\n"
        "    hint: each line should look like 'name: Ada Example'"
    ]


def test_yaml_errors_come_through_with_path(context):
    """Reader errors (here a duplicate key) reach the caller unchanged, with the profile's path."""
    assert errors(GOOD_PROFILE + "name: Other\n", context) == [
        f"{PATH}:19:1: error: duplicate key 'name'\n    hint: 'name' is first set on line 1; keep one of them"
    ]


# --- unknown fields --------------------------------------------------------------------------


def test_unknown_field_without_close_match_lists_fields(context):
    """An unknown field nothing like a real one lists the allowed fields."""
    assert errors(edit("industry: technology", "zzzzzz: 1"), context) == [
        f"{PATH}:5:1: error: unknown field 'zzzzzz'\n    hint: allowed here: name, headline, bio, tags, photo, "
        "pronouns, role, organisation, industry, location, timezone, languages, formats, meeting_modes, cadence, "
        "availability, cohort, help_with, expectations, links, booking_url, email, public_email, featured, joined, "
        "last_reviewed, active, translations"
    ]


def test_nested_unknown_field(context):
    """A misspelt field inside availability is reported at its key with the nested field suggested."""
    assert errors(edit("  accepting: true", "  acepting: true"), context) == [
        f"{PATH}:13:3: error: unknown field 'acepting'\n    hint: did you mean 'accepting'?"
    ]


# --- hidden characters -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, message",
    [
        ("Ada \u202eelpmaxE", "contains invisible text-direction characters"),
        ("Ada\u2067 Example", "contains invisible text-direction characters"),
        ("Ada\u200bExample", "contains zero-width or invisible characters"),
        ("Ada\u00adExample", "contains zero-width or invisible characters"),
    ],
)
def test_hidden_characters_in_name(context, name, message):
    """Bidi overrides, isolates, zero-width characters and soft hyphens in a name are refused."""
    assert errors(edit("name: Ada Example", f'name: "{name}"'), context) == [
        f"{PATH}:1:7: error: 'name': {message}\n    hint: {RETYPE}"
    ]


def test_line_break_in_name(context):
    """A line break in a one-line field is refused with the one-line hint."""
    assert errors(edit("name: Ada Example", 'name: "Ada\\nExample"'), context) == [
        f"{PATH}:1:7: error: 'name': contains a line break or control character\n    hint: keep this field on one line"
    ]


def test_bidi_override_in_bio(context):
    """A text-direction override in the bio is refused too."""
    text = edit(f"  {BIO}", f"  {BIO} \u202e")
    assert errors(text, context) == [
        f"{PATH}:17:6: error: 'bio': contains text-direction override characters\n    hint: {RETYPE}"
    ]


def test_name_is_trimmed_and_nfc_normalised(context):
    """Surrounding spaces are trimmed and decomposed accents composed."""
    mentor, _ = valid(edit("name: Ada Example", 'name: "  Jose\u0301 Example "'), context)
    assert mentor.name == "Jos\u00e9 Example"


# --- links ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript://example.org/%0aalert(1)",
        "data:text/html,hi",
        "example.org",
        "https://",
        "https://exa mple.org/",
    ],
)
def test_link_url_must_be_http(context, url):
    """Only absolute http(s) URLs are accepted as profile links."""
    text = edit("formats: [one-to-one]\n", f"formats: [one-to-one]\nlinks:\n  - label: Site\n    url: '{url}'\n")
    assert errors(text, context) == [
        f"{PATH}:14:10: error: 'links item 1 url': must be a full web address starting with https:// or http://\n"
        f"    hint: {URL_HINT}"
    ]


def test_good_link(context):
    """An https link validates."""
    text = edit(
        "formats: [one-to-one]\n", "formats: [one-to-one]\nlinks:\n  - label: Site\n    url: https://example.org/a\n"
    )
    mentor, _ = valid(text, context)
    assert [(link.label, link.url) for link in mentor.links] == [("Site", "https://example.org/a")]


# --- time zone, capacity, email, lengths -------------------------------------------------------


def test_timezone_did_you_mean(context):
    """A misspelt IANA time zone gets the closest real one."""
    assert errors(edit("timezone: Europe/Lisbon", "timezone: Europe/Lisbn"), context) == [
        f"{PATH}:9:11: error: 'timezone': 'Europe/Lisbn' is not a known time zone\n"
        "    hint: did you mean 'Europe/Lisbon'?"
    ]


def test_timezone_unknown(context):
    """A time zone with no close match gets examples."""
    assert errors(edit("timezone: Europe/Lisbon", "timezone: Mars/Base"), context) == [
        f"{PATH}:9:11: error: 'timezone': 'Mars/Base' is not a known time zone\n"
        "    hint: use an IANA name such as Europe/Lisbon or America/Bogota"
    ]


@pytest.mark.parametrize(
    "value, message",
    [
        ("51", "'availability.capacity' is out of range: input should be less than or equal to 50"),
        ("-1", "'availability.capacity' is out of range: input should be greater than or equal to 0"),
        ("two", "'availability.capacity' must be a whole number, not text ('two')"),
    ],
)
def test_capacity_out_of_range(context, value, message):
    """capacity must be a whole number from 0 to 50."""
    assert errors(edit("capacity: 2", f"capacity: {value}"), context) == [f"{PATH}:14:13: error: {message}"]


@pytest.mark.parametrize("email", ["ada at example.org", "ada@@example.org", "ada@example", "@example.org"])
def test_invalid_email(context, email):
    """An invalid private email is refused at its line with an example."""
    assert errors(edit(f"email: {PRIVATE_EMAIL}", f"email: '{email}'"), context) == [
        f"{PATH}:16:8: error: 'email': '{email}' is not a valid email address\n    hint: for example name@example.org"
    ]


def test_impossible_date(context):
    """February 30th is written right but is not a day: the message says so and offers the last day."""
    assert errors(edit("last_reviewed: 2026-05-01", "last_reviewed: 2026-02-30"), context) == [
        f"{PATH}:15:16: error: 'last_reviewed': 2026-02-30 is not a real day: February 2026 has 28 days\n"
        "    hint: for example 2026-02-28"
    ]


def test_too_many_tags(context):
    """More than 12 tags is a list-length error."""
    text = edit("tags: [leadership, writing]", "tags: [" + ", ".join(["writing"] * 13) + "]")
    assert errors(text, context) == [f"{PATH}:4:7: error: 'tags' has too many items (the limit is 12)"]


def test_empty_tags(context):
    """At least one tag is required."""
    assert errors(edit("tags: [leadership, writing]", "tags: []"), context) == [
        f"{PATH}:4:7: error: 'tags' needs at least 1 item(s)"
    ]


def test_headline_too_long(context):
    """A 161-character headline says it is too long, with its length and the limit."""
    assert errors(
        edit("headline: Data leader happy to help with a first management role", "headline: " + "x" * 161), context
    ) == [f"{PATH}:2:11: error: 'headline' is too long (161 characters; the limit is 160)"]


# --- warnings --------------------------------------------------------------------------------


def test_short_bio_warning(context):
    """A bio under 200 characters is a warning at the bio, with its length."""
    _, warnings = valid(edit(f"  {BIO}", "  Short bio."), context)
    assert warnings == [
        f"{PATH}:17:6: warning: bio is short (10 characters)\n"
        "    hint: mentees choose by the bio; aim for at least 200 characters"
    ]


def test_a_full_chinese_bio_is_not_short(context):
    """A Chinese or Japanese character counts four towards the 200: a 61-character Chinese bio
    passes; a 40-character one is short, with a hint saying how CJK text counts."""
    full = "我在一家大型制造企业工作了十五年，负责质量管理和供应商谈判。我喜欢帮助年轻工程师理解数据，也愿意分享跨文化团队合作的经验。"
    assert len(full) == 61
    _, warnings = valid(edit(f"  {BIO}", f"  {full}"), context)
    assert warnings == []
    _, warnings = valid(edit(f"  {BIO}", f"  {full[:40]}"), context)
    assert warnings == [
        f"{PATH}:17:6: warning: bio is short (40 characters)\n"
        "    hint: mentees choose by the bio; aim for at least 200 characters, a Chinese or Japanese character "
        "counting as 4"
    ]


def test_no_photo_warning(context):
    """A profile without photo is warned at the name."""
    _, warnings = valid(edit("photo: photos/ada.jpg\n", ""), context)
    assert warnings == [
        f"{PATH}:1:7: warning: no photo\n"
        "    hint: add 'photo: photos/<file>.jpg'; an initials avatar is shown meanwhile"
    ]


def test_capacity_zero_while_accepting_warning(context):
    """Capacity 0 while accepting is a warning; with accepting: false it is not."""
    _, warnings = valid(edit("capacity: 2", "capacity: 0"), context)
    assert warnings == [
        f"{PATH}:14:13: warning: capacity is 0 but the mentor is accepting mentees\n"
        "    hint: set accepting: false, or raise the capacity"
    ]
    _, warnings = valid(edit("capacity: 2", "capacity: 0", edit("accepting: true", "accepting: false")), context)
    assert warnings == []


@pytest.mark.parametrize(
    "reviewed, warned",
    [("2025-05-01", True), ("2025-05-31", True), ("2025-06-01", False), ("2026-06-01", False)],
)
def test_stale_review_warning(context, reviewed, warned):
    """last_reviewed more than 12 calendar months before today is a warning at its line."""
    mentor, warnings = valid(edit("last_reviewed: 2026-05-01", f"last_reviewed: {reviewed}"), context)
    expected = [
        f"{PATH}:15:16: warning: profile last reviewed {reviewed}, over 12 months ago\n"
        "    hint: confirm the details with the mentor and update last_reviewed"
    ]
    assert warnings == (expected if warned else [])


def test_stale_review_follows_site_setting(context):
    """review_after_months from site.toml moves the threshold."""
    loaded, found = read(GOOD_PROFILE, context, review_after_months=0)
    assert [d.human() for d in found] == [
        f"{PATH}:15:16: warning: profile last reviewed 2026-05-01, over 0 months ago\n"
        "    hint: confirm the details with the mentor and update last_reviewed"
    ]
    assert loaded.stale is True


def test_all_warnings_at_once(context):
    """Several warnings on one profile are all reported, each at its line."""
    text = edit("photo: photos/ada.jpg\n", "")
    text = edit("capacity: 2", "capacity: 0", text)
    text = edit("last_reviewed: 2026-05-01", "last_reviewed: 2024-01-01", text)
    text = edit(f"  {BIO}", "  Hi.", text)
    _, warnings = valid(text, context)
    assert [w.split(" warning: ")[0] + " " + w.split(" warning: ")[1].split("\n")[0] for w in warnings] == [
        f"{PATH}:13:13: capacity is 0 but the mentor is accepting mentees",
        f"{PATH}:14:16: profile last reviewed 2024-01-01, over 12 months ago",
        f"{PATH}:16:6: bio is short (3 characters)",
        f"{PATH}:1:7: no photo",
    ]


# --- what a one-off build shares between profiles (models.share_equal_parts) -----------------


def test_equal_parts_are_shared_and_no_value_changes(context):
    """Equal locations and availabilities become one object, equal sets of given fields one
    set; what differs (another city, another set of given fields) stays apart, and every
    profile's values and dump are as they were."""
    from mentorsite.models import share_equal_parts

    texts = [
        GOOD_PROFILE,
        GOOD_PROFILE.replace("Ada Example", "Bo Example"),
        edit("  city: Lisbon", "  city: Porto"),
        edit("  capacity: 2\n", ""),
    ]
    mentors = [valid(text, context)[0] for text in texts]
    before = [m.model_dump() for m in mentors]
    share_equal_parts(mentors)
    assert [m.model_dump() for m in mentors] == before
    first, same, porto, no_capacity = mentors
    assert same.location is first.location and same.availability is first.availability
    assert porto.location is not first.location and porto.availability is first.availability
    # Capacity left out: equal values, but not the same fields given.
    assert no_capacity.availability == first.availability.model_copy(update={"capacity": None})
    assert no_capacity.availability is not first.availability
    assert no_capacity.availability.model_fields_set == {"accepting"}
    assert same.model_fields_set is first.model_fields_set
    assert porto.location.model_fields_set is first.location.model_fields_set
    with pytest.raises(ValueError, match="frozen"):
        same.location.city = "Faro"  # shared, so never edited
    assert first.location.city == "Lisbon"
