"""Notebook 00, a first exercise: get used to the stub-and-check routine with two small functions.

Chat programs turn text into bytes before it goes on the network, and back again when it arrives.
"""


def greeting(name: str) -> str:
    """Return a greeting for `name`, exactly like: Hello, ada!

    >>> greeting("ada")
    'Hello, ada!'
    """
    raise NotImplementedError("your code here: replace this line")


def as_line(text: str) -> bytes:
    """Encode text as UTF-8 bytes and end it with one newline byte, ready to send.

    >>> as_line("héllo")
    b'h\\xc3\\xa9llo\\n'
    """
    raise NotImplementedError("your code here: replace this line")
