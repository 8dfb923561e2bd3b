"""One member's conversation with the server: the greeting, then one request per line until they leave.

Every error a person causes is answered with an 'error' line that says what went wrong; only the greeting's
errors and an over-long line end the connection. Nothing a member sends can stop the server for anyone else.
"""

from typing import TYPE_CHECKING

from chatkit import protocol
from chatkit.framing import LineReader, LineTooLong
from chatkit.protocol import Frame, ProtocolError, check_name
from chatkit.server.member import Member
from chatkit.server.modes import ModeError
from chatkit.server.rooms import DEFAULT_ROOM

if TYPE_CHECKING:
    from chatkit.server.chat_server import ChatServer

HELLO_SECONDS = 10.0  # a connection that does not say hello in this time is closed


class Goodbye(Exception):
    """The conversation is over: the member quit, vanished, or broke a rule that ends it."""


def read_line(reader: LineReader) -> bytes:
    """Read one newline-terminated line, refusing lines over the size limit; raise Goodbye at end of input."""
    try:
        line = reader.readline()
    except LineTooLong:
        raise ProtocolError(
            f"line exceeds the limit of {protocol.MAX_LINE_BYTES} bytes; closing the connection"
        ) from None
    if not line.endswith(b"\n"):
        raise Goodbye()  # end of input, possibly halfway through a line: nothing to act on
    return line


def reply(member: Member, frame: Frame) -> None:
    """Post a message to one member and wake the postman."""
    member.postman.post(protocol.encode(frame), (member,))
    member.postman.wake()


def converse(server: "ChatServer", member: Member) -> None:
    """Greet a member, then answer their requests until they leave; always clean up."""
    reader = LineReader(member.sock.recv, protocol.MAX_LINE_BYTES)
    try:
        greet(server, member, reader)
        while True:
            handle_line(server, member, read_line(reader))
    except (ProtocolError, ModeError) as failure:  # only fatal ones get here
        reply(member, protocol.error(getattr(failure, "code", "malformed"), str(failure)))
    except (Goodbye, OSError):
        pass
    finally:
        server.leave(member)
        member.finish()


def greet(server: "ChatServer", member: Member, reader: LineReader) -> None:
    """Read 'hello', check it with the mode, claim the name and put the member in their first room."""
    member.sock.settimeout(HELLO_SECONDS)
    try:
        hello = protocol.decode(read_line(reader))
    except TimeoutError:
        raise ModeError("timeout", f"no 'hello' within {HELLO_SECONDS:.0f} seconds") from None
    member.sock.settimeout(None)
    if hello["type"] != "hello":
        raise ProtocolError(f"expected a 'hello' message first, got {hello['type']!r}")
    name, room = check_name(hello["name"]), check_name(hello["room"] or DEFAULT_ROOM, "room")
    server.mode.check_hello(member, hello)
    if not server.rooms.claim_name(member, name):
        raise ModeError("name_taken", f"the name {name!r} is already taken on this server")
    server.welcome(member)
    server.move(member, room)


def handle_line(server: "ChatServer", member: Member, line: bytes) -> None:
    """Answer one request; a bad request gets an error reply and the conversation goes on."""
    if not member.allowance.take():
        refuse_flood(member)
        return
    try:
        frame = protocol.decode(line)
        kind = frame["type"]
        if kind == "quit":
            raise Goodbye()
        handler = HANDLERS.get(kind)
        if handler is None:
            raise ProtocolError(f"a client may not send {kind!r} messages")
        handler(server, member, frame)
    except ProtocolError as failure:
        reply(member, protocol.error("malformed", str(failure)))
    except ModeError as failure:
        reply(member, protocol.error(failure.code, failure.text))


def refuse_flood(member: Member) -> None:
    """Tell a member who sends too fast that this line was refused (not sent), so a script can slow down."""
    limits = member.limits
    text = (
        f"slow down: at most {limits.burst_lines} lines at once, then {limits.lines_per_second:g} a second;"
        " this line was refused and not sent"
    )
    reply(member, protocol.error("rate_limited", text))


def on_say(server: "ChatServer", member: Member, frame: Frame) -> None:
    """Let the mode check a message, then store it and relay it to the room."""
    payload, fields = server.mode.accept(member, frame)
    server.publish(member, payload, fields)


def on_join(server: "ChatServer", member: Member, frame: Frame) -> None:
    """Move to another room."""
    server.move(member, check_name(frame["room"], "room"))


def on_check(server: "ChatServer", member: Member, frame: Frame) -> None:
    """Sealed mode: keep the first member's password check for the room."""
    if server.mode.name != "sealed" or frame["room"] != member.room:
        raise ModeError("not_supported", "a password check is only taken in sealed mode, for your current room")
    server.log.set_room_check(member.room, protocol.unb64(frame, "nonce"), protocol.unb64(frame, "ciphertext"))


def on_rooms(server: "ChatServer", member: Member, frame: Frame) -> None:
    """List the rooms and how many are in each."""
    rooms = [{"room": room, "members": len(names)} for room, names in server.rooms.roster().items()]
    reply(member, {"type": "room_list", "rooms": rooms})


def on_who(server: "ChatServer", member: Member, frame: Frame) -> None:
    """List who is in the member's room."""
    reply(member, {"type": "members", "room": member.room, "names": server.rooms.roster().get(member.room, [])})


HANDLERS = {"say": on_say, "join": on_join, "check": on_check, "rooms": on_rooms, "who": on_who}
