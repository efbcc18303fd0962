"""Defences of the public forms: who is asking, how often, and what is held back."""
