"""Sharing a statement without trackers: plain share links, a preview card made here,
an embeddable widget, and the pages coordinators copy the embedding snippet from."""
