"""The bundled contact-request receiver, `mentorsite receive SITE` (design: docs/receiver.md)."""
