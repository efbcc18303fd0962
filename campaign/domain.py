"""The errors services raise when a rule says no, shared by every area."""

from __future__ import annotations


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
