"""Where a built site asks the receiver which mentors are taking requests now.

In receiver mode the receiver serves ``/availability.json`` (slug -> open, full, paused or
closed) at its public address, ``[contact] receiver_url`` or else the origin of ``[contact]
action`` (``ContactConfig.public_receiver_url``, as the answer links use). The build writes this URL into every page (``<body
data-availability-url>``) and site.js reads it from there, so no address is written in a script.
"""

from __future__ import annotations

from .config import ContactConfig

#: The receiver's public, cacheable availability document (receiver/availability.py).
AVAILABILITY_PATH = "/availability.json"


def availability_url(contact: ContactConfig) -> str | None:
    """The availability document's URL, or None when the site has no receiver to ask."""
    if contact.mode != "receiver":
        return None
    return contact.public_receiver_url + AVAILABILITY_PATH
