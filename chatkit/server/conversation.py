"""One member's conversation with the server: the greeting, then one request per line until they leave.

A conversation talks only to the hub (hub.py). Every error a person causes is answered with an 'error' line that
says what went wrong; only the greeting's errors and an over-long line end the connection. Nothing a member sends
can stop the server for anyone else.
"""

from collections.abc import Callable

from chatkit import protocol
from chatkit.framing import LineReader, LineTooLong
from chatkit.protocol import Frame, ProtocolError, Refused, check_name
from chatkit.server.hub import Hub
from chatkit.server.member import Member
from chatkit.server.rooms import DEFAULT_ROOM

HELLO_SECONDS = 10.0  # a connection that does not say hello in this time is closed
TOO_LONG = f"line exceeds the limit of {protocol.MAX_LINE_BYTES} bytes; closing the connection"


class Goodbye(Exception):
    """The conversation is over: the member quit, vanished, or broke a rule that ends it."""


def converse(hub: Hub, member: Member) -> None:
    """Greet a member, then answer their requests until they leave; always clean up."""
    reader = LineReader(member.channel.recv, protocol.MAX_LINE_BYTES)
    try:
        greet(hub, member, reader)
        while (line := reader.readline()).endswith(b"\n"):  # at end of input: b"" or half a line, not acted on
            handle_line(hub, member, line)
    except LineTooLong:
        hub.reply(member, protocol.error("malformed", TOO_LONG))
    except ProtocolError as failure:  # only the greeting's get here: later ones are answered and forgiven
        hub.reply(member, protocol.error("malformed", str(failure)))
    except Refused as refusal:  # the greeting's: a time-out, the wrong mode or password, a taken name
        hub.reply(member, refusal.frame())
    except (Goodbye, OSError):
        pass
    finally:
        hub.leave(member)


def greet(hub: Hub, member: Member, reader: LineReader) -> None:
    """Read 'hello', let the hub welcome the member, and put them in their first room."""
    member.sock.settimeout(HELLO_SECONDS)
    try:
        line = reader.readline()
    except TimeoutError:
        raise Refused("timeout", f"no 'hello' within {HELLO_SECONDS:.0f} seconds") from None
    member.sock.settimeout(None)
    if not line.endswith(b"\n"):
        raise Goodbye()  # they left before saying hello
    hello = protocol.decode(line)
    if hello["type"] != "hello":
        raise ProtocolError(f"expected a 'hello' message first, got {hello['type']!r}")
    name, room = check_name(hello["name"]), check_name(hello["room"] or DEFAULT_ROOM, "room")
    hub.welcome(member, name, hello)
    hub.move(member, room)


def handle_line(hub: Hub, member: Member, line: bytes) -> None:
    """Answer one request; a bad request gets an error reply and the conversation goes on."""
    if not member.allowance.take():
        refuse_flood(hub, member)
        return
    try:
        frame = protocol.decode(line)
        handler = HANDLERS.get(frame["type"])
        if handler is None:
            raise ProtocolError(f"a client may not send {frame['type']!r} messages")
        handler(hub, member, frame)
    except ProtocolError as failure:
        hub.reply(member, protocol.error("malformed", str(failure)))
    except Refused as refusal:
        hub.reply(member, refusal.frame())


def refuse_flood(hub: Hub, member: Member) -> None:
    """Tell a member who sends too fast that this line was refused (not sent), so a script can slow down."""
    limits = hub.limits
    text = (
        f"slow down: at most {limits.burst_lines} lines at once, then {limits.lines_per_second:g} a second;"
        " this line was refused and not sent"
    )
    hub.reply(member, Refused("rate_limited", text).frame())


def on_quit(hub: Hub, member: Member, frame: Frame) -> None:
    """End the conversation: the member said goodbye."""
    raise Goodbye()


def on_join(hub: Hub, member: Member, frame: Frame) -> None:
    """Move to another room."""
    hub.move(member, check_name(frame["room"], "room"))


def on_check(hub: Hub, member: Member, frame: Frame) -> None:
    """Sealed mode: offer the salt, key derivation and check for the member's new room."""
    hub.keep_params(member, frame)


def on_rooms(hub: Hub, member: Member, frame: Frame) -> None:
    """List the rooms and how many are in each."""
    rooms = [{"room": room, "members": len(names)} for room, names in hub.roster().items()]
    hub.reply(member, {"type": "room_list", "rooms": rooms})


def on_who(hub: Hub, member: Member, frame: Frame) -> None:
    """List who is in the member's room."""
    hub.reply(member, {"type": "members", "room": member.room, "names": hub.roster().get(member.room, [])})


# What each request does; a 'say', a 'change' and a 'direct' go straight to the hub (they need nothing from here).
HANDLERS: dict[str, Callable[[Hub, Member, Frame], None]] = {
    "say": Hub.publish,
    "change": Hub.order_change,
    "direct": Hub.route_direct,
    "join": on_join,
    "check": on_check,
    "rooms": on_rooms,
    "who": on_who,
    "quit": on_quit,
    "ask_head": Hub.answer_key_log,  # the key log (S16): the hub's KeyLog answers all three
    "ask_key": Hub.answer_key_log,
    "ask_consistency": Hub.answer_key_log,
}
