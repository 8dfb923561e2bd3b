"""The one exception of the book builder."""


class BookError(Exception):
    """The book could not be built; the text says what was expected and what happened."""
