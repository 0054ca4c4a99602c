"""Errors a user sees: one line, naming the file and the reason."""


class SourceFormatError(ValueError):
    """The file cannot be read at all (empty, not text, wrong format)."""
