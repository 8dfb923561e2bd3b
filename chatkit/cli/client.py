"""`chatkit client`: chat from a terminal: connect to a chatkit server, send the lines you type, print what arrives.

    chatkit client --username alice                 # asks for the room password
    echo "hello" | CHATKIT_PASSWORD=... chatkit client --username bob
    chatkit client --username alice --tls           # TLS, believing only the classroom CA (~/.chatkit/tls)

`python scripts/run_client.py` is the same command, for readers of the code who run it from a checkout.

Commands: /join ROOM, /rooms, /who, /quit; in sealed and ratchet mode also /verify NAME (your safety number with
them), /verified NAME (the numbers matched) and /accept NAME (their new identity key); in ratchet mode (no password:
the members' keys do it all) also /remove NAME, /add NAME (add back someone removed), /update (fresh keys all
round: healing) and /group (who the signed group state says is in). Your identity key, the keys you
pinned for others and the numbers you have seen live in a key store: --keys DIR, else $CHATKIT_KEYS/NAME, else
~/.chatkit/keys/NAME (made on first use, readable only by you). Each message prints as one line: `[room] user: text`;
news from the server starts with `*`, problems with `!`. Text from the network is printed with its newlines,
control characters and escape sequences made visible (`\\n`, `\\x1b`), so no one can forge a line.
With stdin not a terminal it works as a pipe: it sends each line, and at the end of input leaves once the server
has relayed its own messages back to it.
The exit codes are named below; a refusal's code picks one through one table (EXIT_FOR_REFUSAL).
"""

import argparse
import getpass
import os
import queue
import sys
import threading

from chatkit import MODES, protocol
from chatkit.client import CannotConnect, ChatClient, ChatError, Refused
from chatkit.client.events import (
    ChatMessage,
    Closed,
    Event,
    GroupChanged,
    Joined,
    Members,
    Notice,
    Problem,
    RoomList,
    Wire,
)
from chatkit.client.keystore import KeyStoreError
from chatkit.client.tls import TlsFailed, client_context
from chatkit.client.visible import visible
from chatkit.crypto.classroom_ca import TlsFiles, default_folder

EXIT_OK = 0
EXIT_USAGE = 2  # what argparse uses for a mistake on the command line
EXIT_CANNOT_CONNECT = 3
EXIT_NO_PASSWORD = 4
EXIT_WRONG_PASSWORD = 5
EXIT_REFUSED = 6  # the server said no, e.g. the name is taken
EXIT_CONNECTION_LOST = 7
EXIT_NOT_CONFIRMED = 8  # some of our messages did not come back from the server in time

# The exit code of each refusal: a wrong password has its own, any other refusal says "the server said no".
EXIT_FOR_REFUSAL = {code: EXIT_REFUSED for code in protocol.REFUSALS} | {"wrong_password": EXIT_WRONG_PASSWORD}

PASSWORD_VARIABLE = "CHATKIT_PASSWORD"
ECHO_SECONDS = 10.0  # how long to wait at the end for the server to relay our last messages back
HELP = (
    "commands: /join ROOM, /rooms, /who, /verify NAME, /verified NAME, /accept NAME, /quit;"
    " ratchet mode: /remove NAME, /add NAME, /update, /group; anything else is sent to the room"
)


def parse_arguments(argv: list[str] | None, prog: str) -> argparse.Namespace:
    """Read the command line; refuse names the server would refuse."""
    parser = argparse.ArgumentParser(prog=prog, description="Chat on a chatkit server from a terminal or a pipe.")
    parser.add_argument("--host", default="127.0.0.1", help="default: %(default)s")
    parser.add_argument("--port", type=int, default=5555, help="default: %(default)s")
    parser.add_argument("--username", required=True, help="your name in the chat: 1-32 letters, digits, _ . -")
    parser.add_argument("--room", default="general", help="first room to join (default: %(default)s)")
    parser.add_argument("--mode", choices=MODES, default="sealed", help="must match the server's (default: sealed)")
    parser.add_argument("--wire", action="store_true", help="also print every line that crosses the wire")
    parser.add_argument("--keys", help="your key store's folder (default: $CHATKIT_KEYS/NAME or ~/.chatkit/keys/NAME)")
    parser.add_argument(
        "--despite-check",
        action="store_true",
        help="sealed: stay in a room whose check does not match your passphrase (someone else created it), warned",
    )
    parser.add_argument("--tls", action="store_true", help="speak TLS, believing only the classroom CA's certificate")
    parser.add_argument(
        "--tls-folder",
        help="the folder with the classroom CA's classroom-ca.pem (default: $CHATKIT_TLS or ~/.chatkit/tls)",
    )
    options = parser.parse_args(argv)
    try:
        protocol.check_name(options.username, "username")
        protocol.check_name(options.room, "room")
    except protocol.ProtocolError as error:
        parser.error(str(error))
    return options


def read_password() -> str:
    """Ask for the password at a terminal; without one, take it from CHATKIT_PASSWORD ('' if unset)."""
    if sys.stdin.isatty():
        return getpass.getpass("Room password: ")
    return os.environ.get(PASSWORD_VARIABLE, "")


def describe(event: Event, show_wire: bool) -> str | None:
    """Turn an event into the one line a person reads, or None if it is not worth a line."""
    line = words(event, show_wire)
    return None if line is None else visible(line)  # whatever the server or a member wrote stays on one line


def words(event: Event, show_wire: bool) -> str | None:
    """Say an event in words, exactly as it came (describe makes it safe to print)."""
    if isinstance(event, ChatMessage):
        return f"[{event.room}] {event.sender}: {event.text}"
    if isinstance(event, Notice):
        return f"* {event.text}"
    if isinstance(event, Problem):
        return f"! {event.text}"
    if isinstance(event, Joined):
        return f"* you are in {event.room}"
    if isinstance(event, RoomList):
        return "* rooms: " + ", ".join(f"{room} ({count})" for room, count in sorted(event.rooms.items()))
    if isinstance(event, Members):
        return f"* in {event.room}: {', '.join(event.names)}"
    if isinstance(event, GroupChanged):
        return f"* group of {event.room}, epoch {event.epoch} (signed): {', '.join(event.members)}"
    if isinstance(event, Closed):
        return f"* {event.reason}"
    if isinstance(event, Wire) and show_wire:
        return f"{'>>' if event.direction == 'sent' else '<<'} {event.line.decode('utf-8', errors='replace').rstrip()}"
    return None


class Terminal:
    """What the client reports, printed line by line; also counts our own messages the server relayed back."""

    def __init__(self, show_wire: bool) -> None:
        self.show_wire = show_wire
        self.inbox: queue.Queue[str | None] = queue.Queue()  # lines typed; None when input or connection ends
        self.echoed = 0
        self.refusal: Refused | None = None  # what the server (or our client) refused, if that ended the chat
        self.closed = False
        self._changed = threading.Condition()  # also keeps two threads' lines from mixing

    def on_event(self, event: Event) -> None:
        """Print one event (called on the client's receiver thread) and keep count."""
        with self._changed:
            if (line := describe(event, self.show_wire)) is not None:
                print(line, flush=True)
            if isinstance(event, ChatMessage) and event.own:
                self.echoed += 1
            if isinstance(event, Closed):
                self.closed = True
                self.inbox.put(None)  # wake the main loop: there is nobody left to talk to
            self._changed.notify_all()

    def say(self, line: str) -> None:
        """Print a line of our own (a hint or a problem) without mixing it into another thread's line."""
        with self._changed:
            print(visible(line), flush=True)  # a refusal quotes the server, which may put a forged line in it

    def wait_for_echoes(self, sent: int, timeout: float) -> bool:
        """Wait until `sent` of our messages came back (or the connection ended); return True if they all did."""
        with self._changed:
            self._changed.wait_for(lambda: self.echoed >= sent or self.closed, timeout)
            return self.echoed >= sent


def read_input_forever(inbox: "queue.Queue[str | None]") -> None:
    """Put every line of stdin in the inbox, then None at the end of input (runs on its own thread)."""
    for line in sys.stdin:
        inbox.put(line.rstrip("\r\n"))
    inbox.put(None)


def connect(client: ChatClient, terminal: Terminal) -> int:
    """Connect and join the first room; return EXIT_OK or the exit code that says why not."""
    try:
        client.connect()
    except Refused as refusal:
        terminal.say(f"! {refusal}")
        return EXIT_FOR_REFUSAL[refusal.code]
    except (CannotConnect, TlsFailed) as error:  # nobody there, or not the classroom's server (or not in TLS)
        terminal.say(f"! {error}")
        return EXIT_CANNOT_CONNECT
    except ChatError as error:  # the server went away before it answered
        terminal.say(f"! {error}")
        return EXIT_CONNECTION_LOST
    return EXIT_OK


def run_command(client: ChatClient, terminal: Terminal, line: str) -> bool:
    """Carry out one /command; return False for /quit."""
    command, _, argument = line.partition(" ")
    if command == "/quit":
        return False
    if command == "/join" and argument.strip():
        client.join(argument.strip())
        if client.mode == "ratchet":  # what we say can only be sealed once the room's group has added us
            client.wait_for_group(including=client.name)
    elif command == "/rooms":
        client.ask_rooms()
    elif command == "/who":
        client.ask_who()
    elif command in IDENTITY_COMMANDS and argument.strip():
        IDENTITY_COMMANDS[command](client, terminal, argument.strip())
    elif command == "/remove" and argument.strip():
        client.remove(argument.strip())
    elif command == "/add" and argument.strip():
        client.add_back(argument.strip())
    elif command == "/update":
        client.update()
    elif command == "/group":
        show_group(client, terminal)
    else:
        terminal.say(f"! {HELP}")
    return True


def show_safety_number(client: ChatClient, terminal: Terminal, name: str) -> None:
    """Print the safety number with `name`, to read aloud and compare with theirs."""
    verified = "verified" if client.is_verified(name) else f"not verified: if it matches theirs, /verified {name}"
    terminal.say(f"* safety number with {name} ({verified}): {client.safety_number(name)}")


def mark_verified(client: ChatClient, terminal: Terminal, name: str) -> None:
    """Record that the safety numbers with `name` matched."""
    client.mark_verified(name)
    terminal.say(f"* {name} is verified")


def accept_key(client: ChatClient, terminal: Terminal, name: str) -> None:
    """Accept `name`'s new identity key; their held-back messages are printed as they are checked with it."""
    client.accept_key(name)
    terminal.say(f"* accepted {name}'s new key: compare safety numbers with /verify {name}")


def show_group(client: ChatClient, terminal: Terminal) -> None:
    """Print who the signed group state says is in the room's group (ratchet mode)."""
    group = client.group
    if group is None:
        terminal.say("* not in a group yet: wait to be added")
    else:
        terminal.say(f"* group of {group.room}, epoch {group.epoch} (signed): {', '.join(group.names)}")


IDENTITY_COMMANDS = {"/verify": show_safety_number, "/verified": mark_verified, "/accept": accept_key}


def chat(client: ChatClient, terminal: Terminal) -> int:
    """Send each line from the inbox until /quit or the end; return how many messages were sent."""
    sent = 0
    while (line := terminal.inbox.get()) is not None:
        try:
            if line.startswith("/"):
                if not run_command(client, terminal, line):
                    break
            elif line.strip():
                client.send(line)
                sent += 1
        except Refused as refusal:  # e.g. /join a room with another password: remembered for the exit code
            terminal.refusal = refusal
            terminal.say(f"! {refusal}")
        except (ChatError, KeyStoreError, protocol.ProtocolError, OSError) as error:  # say what went wrong, go on
            terminal.say(f"! {error}")
    return sent


def leave(terminal: Terminal, sent: int) -> int:
    """Wait (bounded) for our messages to come back from the server; return the exit code."""
    if terminal.refusal is not None and terminal.closed:  # the refusal ended the connection
        return EXIT_FOR_REFUSAL[terminal.refusal.code]
    if not terminal.wait_for_echoes(sent, ECHO_SECONDS):
        missing = sent - terminal.echoed
        terminal.say(f"! {missing} of your {sent} messages did not come back from the server")
        return EXIT_CONNECTION_LOST if terminal.closed else EXIT_NOT_CONFIRMED
    return EXIT_CONNECTION_LOST if terminal.closed else EXIT_OK


def main(argv: list[str] | None = None, prog: str = "chatkit client") -> int:
    """Connect, chat until /quit or the end of input, then leave."""
    options = parse_arguments(argv, prog)
    password = "" if options.mode == "ratchet" else read_password()  # ratchet: identities and exchanges, no password
    if not password and options.mode != "ratchet":
        print(f"no password: set {PASSWORD_VARIABLE} or run in a terminal", file=sys.stderr)
        return EXIT_NO_PASSWORD
    terminal = Terminal(options.wire)
    try:
        tls = client_context(TlsFiles.at(options.tls_folder or default_folder()).ca_cert) if options.tls else None
    except TlsFailed as error:
        print(f"{error} (the server's --tls made it; copy it there)", file=sys.stderr)
        return EXIT_CANNOT_CONNECT
    client = ChatClient(
        *(options.host, options.port, options.username, password, options.room, options.mode),
        keys=options.keys,
        on_event=terminal.on_event,
        despite_check=options.despite_check,
        tls=tls,
    )
    try:
        if (code := connect(client, terminal)) != EXIT_OK:
            return code
        if options.mode == "ratchet":  # what we say can only be sealed once the group has added us
            client.wait_for_group(including=options.username)
        if sys.stdin.isatty():
            terminal.say(f"* {HELP}")
        threading.Thread(target=read_input_forever, args=(terminal.inbox,), daemon=True).start()
        return leave(terminal, chat(client, terminal))
    except KeyboardInterrupt:  # Ctrl-C at a terminal: leave without a traceback
        return EXIT_OK
    finally:
        client.close()
