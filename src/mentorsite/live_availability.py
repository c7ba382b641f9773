"""Where a built site asks the receiver which mentors are taking requests now.

In receiver mode the receiver serves ``/availability.json`` (slug -> open, full, paused or
closed) at its origin, the origin of ``[contact] action`` (or of ``[contact] receiver_url``
once a site sets it). The build writes this URL into every page (``<body
data-availability-url>``) and site.js reads it from there, so no address is written in a script.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from .config import ContactConfig

#: The receiver's public, cacheable availability document (receiver/availability.py).
AVAILABILITY_PATH = "/availability.json"


def availability_url(contact: ContactConfig) -> str | None:
    """The availability document's URL, or None when the site has no receiver to ask."""
    if contact.mode != "receiver":
        return None
    # receiver_url is optional and newer than this module: read it when the settings have it.
    parts = urlsplit(getattr(contact, "receiver_url", "") or contact.action)
    return f"{parts.scheme}://{parts.netloc}{AVAILABILITY_PATH}"
