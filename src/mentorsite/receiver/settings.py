"""The receiver's settings: site.toml's [contact] table, resolved against the site and the CLI."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from ..config import SiteConfig
from ..diagnostics import MentorsiteError
from .database_url import is_database_url

#: Default SMTP port for each security setting.
SMTP_PORTS = {"starttls": 587, "ssl": 465, "none": 25}


class SettingsError(MentorsiteError):
    """A setting that makes the receiver unsafe or unable to run; the message says what to fix."""


def origin_of(url: str) -> str:
    """scheme://host[:port] of a URL, lower-case, without the scheme's default port."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    if port is None or (scheme, port) in (("http", 80), ("https", 443)):
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


@dataclass(frozen=True)
class Settings:
    site_dir: Path
    config: SiteConfig
    #: An SQLite file, or a postgresql:// URL.
    database: Path | str
    contacts_file: Path | None
    #: URL path the form posts to (from contact.action), and its token endpoint.
    submit_path: str
    token_path: str
    #: Origins allowed to post and to read answers (CORS): base_url's, the receiver's own (its review
    #: page posts from there) and allowed_origins.
    origins: frozenset[str]
    from_email: str
    smtp_host: str
    smtp_port: int
    smtp_security: str
    smtp_username: str | None = field(default=None, repr=False)
    smtp_password: str | None = field(default=None, repr=False)
    smtp_timeout: float = 20.0
    #: Signing key from the environment, or None to use the one kept in the database.
    secret: bytes | None = field(default=None, repr=False)

    @property
    def contact(self):
        return self.config.contact

    @property
    def default_language(self) -> str:
        """The site's default language (a multilingual site's first): what the receiver speaks
        before it knows a form's language, and what the mentors' mail is written in."""
        return self.config.site_languages[0]

    def thanks_url_in(self, language: str) -> str:
        """Absolute URL of the thank-you page a plain form post from `language`'s tree is redirected to."""
        return urljoin(self.config.base_url + self.config.language_root(language), self.contact.thanks_path)

    @property
    def thanks_url(self) -> str:
        """The default language's thank-you page."""
        return self.thanks_url_in(self.default_language)


LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")


def _loopback_aliases(origin: str) -> set[str]:
    """A site previewed on this machine is the same site under each loopback name
    (`mentorsite serve` uses 127.0.0.1 while site.toml may say localhost)."""
    parts = urlsplit(origin)
    host = (parts.hostname or "").lower()
    if host not in ("localhost", "127.0.0.1", "::1"):
        return set()
    port = f":{parts.port}" if parts.port else ""
    return {f"{parts.scheme}://{name}{port}" for name in LOOPBACK_NAMES}


def _path(value: str | Path, site_dir: Path) -> Path:
    path = Path(os.path.expandvars(os.path.expanduser(str(value))))
    return (path if path.is_absolute() else site_dir / path).resolve()


def database_location(value: str | Path, site_dir: Path) -> Path | str:
    """A postgresql:// URL as it is; anything else is an SQLite file's path, resolved."""
    return str(value) if is_database_url(str(value)) else _path(value, site_dir)


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def resolve(
    site_dir: Path,
    config: SiteConfig,
    *,
    database: Path | str | None = None,
    contacts_file: Path | None = None,
    smtp_host: str | None = None,
    smtp_port: int | None = None,
    smtp_security: str | None = None,
    origins: tuple[str, ...] = (),
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Settings from site.toml with command-line overrides; credentials come from the environment."""
    env: Mapping[str, str] = os.environ if environ is None else environ
    contact = config.contact
    db = database_location(database or contact.database, site_dir)
    contacts = (
        _path(contacts_file or contact.contacts_file, site_dir) if (contacts_file or contact.contacts_file) else None
    )
    published = [site_dir / config.output_dir, site_dir / "templates" / "assets"]
    for label, path in (("database", db), ("contacts file", contacts)):
        if isinstance(path, Path) and any(_inside(path, folder) for folder in published):
            raise SettingsError(
                f"the {label} {path} is inside the published output; keep it outside "
                f"{config.output_dir}/ (and preferably outside the site's repository)"
            )
    if contacts is not None and not contacts.is_file():
        raise SettingsError(f"contacts file {contacts} does not exist")
    security = smtp_security or contact.smtp_security
    if security not in SMTP_PORTS:
        raise SettingsError(f"smtp security must be one of {', '.join(SMTP_PORTS)}")
    submit_path = urlsplit(contact.action).path or "/"
    site_origin = origin_of(config.base_url)
    # The receiver's own origin too: its review page (the no-JavaScript path) posts from there.
    allowed = {site_origin, origin_of(contact.action)} | {origin_of(o) for o in (*contact.allowed_origins, *origins)}
    allowed |= _loopback_aliases(site_origin)
    host = urlsplit(config.base_url).hostname or "localhost"
    from_email = (
        contact.from_email or contact.coordinator_email or f"no-reply@{host if '.' in host else host + '.invalid'}"
    )
    secret = env.get(contact.secret_env)
    if secret is not None and len(secret.encode()) < 16:
        raise SettingsError(f"${contact.secret_env} must be at least 16 characters (e.g. `openssl rand -hex 32`)")
    return Settings(
        site_dir=site_dir.resolve(),
        config=config,
        database=db,
        contacts_file=contacts,
        submit_path=submit_path,
        token_path=submit_path.rstrip("/") + "/token",
        origins=frozenset(allowed),
        from_email=from_email,
        smtp_host=smtp_host or contact.smtp_host,
        smtp_port=smtp_port or contact.smtp_port or SMTP_PORTS[security],
        smtp_security=security,
        smtp_username=env.get(contact.smtp_username_env) or None,
        smtp_password=env.get(contact.smtp_password_env) or None,
        # A claimed row's lease must outlast a send: each SMTP wait gets at most a quarter of it.
        smtp_timeout=min(20.0, contact.send_lease_seconds / 4),
        secret=secret.encode() if secret else None,
    )


def with_secret(settings: Settings, secret: bytes) -> Settings:
    return replace(settings, secret=secret)
