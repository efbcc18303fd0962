"""The errors services raise when a rule says no, and the fingerprint that ties a
confirmation to what its page showed, shared by every area."""

from __future__ import annotations

import hashlib
import json


class DomainError(Exception):
    """What was asked breaks a rule; the message is fit to show the person who asked,
    and ``field`` names the form field it is about, when there is one (see
    campaign.form_fields.show_error)."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class TransitionError(DomainError):
    """A change of status that the current status does not allow (see the grouped
    status sets beside each model's enum)."""


def fingerprint(shown: object) -> str:
    """What a confirmation page showed (JSON-serializable), in one value its form carries:
    the action it confirms refuses unless what it would do still has this fingerprint,
    so that nothing irreversible happens that the person confirming did not see."""
    return hashlib.sha256(json.dumps(shown).encode()).hexdigest()
