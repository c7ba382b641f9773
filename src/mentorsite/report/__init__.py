"""The coordinator's report (`mentorsite report`): is mentoring happening?

query (aggregates read by the database) → figures (pure functions over them and the site's
profiles, read by ``profiles``) → html / tables (JSON, CSV); ``command`` is the CLI.
"""
