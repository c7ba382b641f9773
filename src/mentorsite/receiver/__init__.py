"""The bundled contact-request receiver: `mentorsite receive SITE`.

A static site cannot keep a secret or send mail, so the mentor pages' contact form posts to
this small web app. What happens to one request, in order:

1. ``app``: origin check (CORS), per-IP rate limit (429), body limit (413), form parsing,
   the honeypot, field validation (``validation``), then the signed timestamp (``tokens``)
   for the minimum fill time.
2. ``store``: the request is written to SQLite (WAL, ``synchronous=FULL``) with a reference
   id and an outbox row *before* the client gets its 2xx (303 for a form post, 201 JSON for
   fetch). A crash after that answer cannot lose it.
3. ``delivery``: one outbox thread builds each mail with the standard ``email`` package
   (``mail``), sends it over SMTP and records the result; a failure is retried with
   exponential backoff, and a permanent refusal is kept as ``failed`` for the organisation.
4. ``commands``: ``mentorsite requests list / show / export / purge / retry`` read the same
   database, so people can follow up and honour retention rules.

The minimum fill time without JavaScript. The static page cannot sign anything, so its hidden
``ts`` field is empty. With JavaScript, the page fetches a signed timestamp from
``GET <action>/token`` when someone starts filling the form and sends the form with fetch.
Without it, the plain post (empty ``ts``) is validated and answered with a *review page*
rendered by the receiver in the site's own look: the request shown back in editable fields,
with a timestamp signed at that moment. The person reads it and presses "Send request" again;
that second post carries a valid timestamp at least ``min_fill_seconds`` old and is stored,
then answered with 303 to the site's thank-you page. A bot posting the static form once gets
the review page and nothing is stored; one that also fills the honeypot is silently dropped.

Mentors' private addresses come from the validated profiles (``email:``) or from a contacts
file outside the published tree (``directory``); none ever appears in the site's HTML.
"""
