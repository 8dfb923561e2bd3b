"""The hub: what every member's conversation talks to. It owns the rooms, the log, the delivery and the mode's rules.

A conversation (conversation.py) reads one member's lines and asks the hub to act: welcome, move, publish,
announce, reply, leave. The hub never calls back into a conversation or the server, so every import points down.

One private lock keeps one order: a message gets its id in the log and is posted to the delivery under it, and so
are room changes, so every member sees messages in the order the log stored them, and a notice that someone left
reaches exactly the people who were there.
"""

import json
import threading
import time

from chatkit import protocol
from chatkit.protocol import Frame, Refused
from chatkit.server.delivery import Delivery
from chatkit.server.member import Limits, Member
from chatkit.server.ratchet import RatchetRules, direct_line
from chatkit.server.rooms import Rooms
from chatkit.server.rules import Rules
from chatkit.storage import ChatLog


class Hub:
    """Rooms, log, delivery and rules in one owner, for the conversations of one running server."""

    def __init__(self, rules: Rules, log: ChatLog, delivery: Delivery, limits: Limits) -> None:
        self.log = log
        rules.use_log(log)  # the sealed mode keeps its high-water marks in the log (S4)
        self.rules = rules  # ChatServer.rules sets it again if a notebook swaps the rules while running
        self.delivery = delivery
        self.limits = limits
        self._rooms = Rooms()
        self._lock = threading.Lock()  # one order for log ids, room changes and posted lines

    def welcome(self, member: Member, name: str, hello: Frame) -> None:
        """Let the rules check a newcomer, give them their name, and greet them."""
        self.rules.check_hello(member, hello)
        with self._lock:
            claimed = self._rooms.claim_name(member, name)
        if not claimed:
            raise Refused("name_taken", f"the name {name!r} is already taken on this server")
        self.log.saw_user(name)
        self.reply(member, {"type": "welcome", "name": name, "mode": self.rules.name})

    def move(self, member: Member, room: str) -> None:
        """Put a member in a room, tell them about it, and tell both rooms."""
        record = self.log.room(room)
        with self._lock:
            old = self._rooms.move(member, room)
        if old and old != room:
            self._emptied(old)
            self.announce(old, f"{member.name} left {old}")
        self.reply(member, {"type": "joined", **self.rules.joined(record)})
        self.announce(room, f"{member.name} joined {room}")
        if isinstance(self.rules, RatchetRules) and self.rules.head(room) is not None:
            self._knock(room, (member,))

    def publish(self, member: Member, say: Frame) -> None:
        """Let the rules accept a 'say', store it, then post it to the sender's room in the order it was stored."""
        payload, fields = self.rules.accept(member, say)
        with self._lock:
            stored = self.log.append(member.room, member.name, payload)
            message = {"time": time.time(), **fields, "type": "message", "id": stored.id}
            message.update(room=member.room, sender=member.name)
            self.delivery.post(protocol.encode(message), self._rooms.members(member.room))
        self.delivery.wake()  # after the lock: see Postman.wake

    def announce(self, room: str, text: str) -> None:
        """Tell everyone in a room something (a notice, not a chat message)."""
        line = protocol.encode({"type": "notice", "text": text})
        with self._lock:  # posted before a member who is leaving is gone: finish() waits for it
            self.delivery.post(line, self._rooms.members(room))
        self.delivery.wake()  # after the lock: see Postman.wake

    def reply(self, member: Member, frame: Frame) -> None:
        """Send a message to one member."""
        self.delivery.post(protocol.encode(frame), (member,))
        self.delivery.wake()

    def keep_params(self, member: Member, offer: Frame) -> None:
        """Sealed mode: keep, as sent, the parameters and check the first member of their room chose (first wins)."""
        if self.rules.name != "sealed" or offer["room"] != member.room:
            raise Refused("not_supported", "room parameters are only taken in sealed mode, for your current room")
        protocol.check_room_params(offer["kdf"])  # a malformed offer is answered and not kept: the room stays new (S11)
        kdf_text = json.dumps(offer["kdf"], sort_keys=True)  # stored as text, never read: the server holds no key
        self.log.set_room_params(member.room, kdf_text, protocol.unb64(offer, "check"))
        # the answer to the offer: what the room now uses (theirs, or a member's who created it a moment before)
        self.reply(member, {"type": "joined", **self.rules.joined(self.log.room(member.room))})

    def leave(self, member: Member) -> None:
        """Forget a member whose conversation ended, tell their room, and close their connection."""
        if member.name:
            with self._lock:
                self._rooms.remove(member)
            if member.room:
                self._emptied(member.room)
                why = f" (dropped by the server: {member.reason})" if member.reason else ""
                self.announce(member.room, f"{member.name} left {member.room}{why}")
        self.delivery.finish(member)

    # --- the ratchet mode: the group's changes, lines for one member, knocks ---

    def order_change(self, member: Member, frame: Frame) -> None:
        """Ratchet mode: let the rules order a group change, then relay it to the room in that order."""
        rules = self._ratchet("group changes")
        with self._lock:  # ordered and posted under one lock: every member sees changes in the order accepted
            relayed = rules.order(member, frame)
            self.delivery.post(protocol.encode(relayed), self._rooms.members(member.room))
        self.delivery.wake()
        if frame["change"].get("kind") == "create":  # those who came before the group existed ask to be added
            with self._lock:
                waiting = tuple(other for other in self._rooms.members(member.room) if other is not member)
            self._knock(member.room, waiting)

    def route_direct(self, member: Member, frame: Frame) -> None:
        """Ratchet mode: pass a line for one member on to them, if they are in the sender's room."""
        self._ratchet("direct lines")
        line = direct_line(member, frame)
        with self._lock:
            found = [other for other in self._rooms.members(member.room) if other.name == frame["to"]]
        if not found:
            raise Refused("no_such_member", f"nobody called {frame['to']!r} is in {member.room!r}")
        self.reply(found[0], line)

    def _knock(self, room: str, newcomers: tuple[Member, ...]) -> None:
        """Tell everyone else in a room with a group that newcomers wait to be added."""
        with self._lock:
            members = self._rooms.members(room)
            present = sorted(other.name for other in members)
            for newcomer in newcomers:
                knock = {"type": "knock", "room": room, "name": newcomer.name, "pubkey": newcomer.pubkey}
                line = protocol.encode({**knock, "present": present})
                self.delivery.post(line, members - {newcomer})
        self.delivery.wake()

    def _ratchet(self, what: str) -> RatchetRules:
        """Return the ratchet rules, or refuse a request that only the ratchet mode knows."""
        if not isinstance(self.rules, RatchetRules):
            raise Refused("not_supported", f"{what} are only taken in ratchet mode")
        return self.rules

    def _emptied(self, room: str) -> None:
        """Let the ratchet rules forget the group of a room nobody is in any more."""
        with self._lock:
            empty = not self._rooms.members(room)
        if empty and isinstance(self.rules, RatchetRules):
            self.rules.forget(room)

    def roster(self) -> dict[str, list[str]]:
        """Return who is connected, room by room."""
        with self._lock:
            return self._rooms.roster()
