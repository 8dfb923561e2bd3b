"""The chat server: `ChatServer(mode=...)` with start()/stop(), or as a context manager.

How the package is built, from the top down (every import points down, none back up):
chat_server.py (lifetime: start, stop, the accept loop, the watchdog; its threads are kept in crew.py, its
sockets made in listener.py) starts a conversation per member (conversation.py: bytes in, requests out;
chatkit/framing.py cuts the bytes into lines). Conversations talk only to the hub (hub.py), which owns the rooms
(rooms.py), the log, the mode's rules (rules.py: classic.py, sealed.py and ratchet.py, the one place the modes
differ; the ratchet mode's group changes and lines for one member are routed by the hub too) and the delivery:
first the simple form (delivery.py, `DirectDelivery`), then the server's default, the postman (postman.py). A member
(member.py) is a small record. The hub also keeps the key log (key_log.py, S16): every identity key a hello
brings, in a Merkle tree whose proofs clients check.

A 'say' line's way through the server, from the socket to each member's socket, in 10 functions and 5 files:

 1. conversation.py  converse                 the member's thread: greet, then read line after line
 2. framing.py       LineReader.readline      recv() bytes into a bounded buffer until a whole line is there
 3. conversation.py  handle_line              rate limit, protocol.decode, pick the handler: Hub.publish
 4. hub.py           Hub.publish              the rules accept it; under the hub's lock: log it, post it
 5. sealed.py        SealedRules.accept       the mode's checks (classic.py: ClassicRules.accept decrypts)
 6. postman.py       Postman.post             queue the encoded line for the room's members
 7. postman.py       Postman._coalesce        the postman's thread: join lines in a row, per member
 8. postman.py       Postman._add             into each member's outbox (backpressure: too far behind?)
 9. postman.py       Postman._flush           everything pending for the member, in one piece
10. postman.py       Postman._send            one non-blocking send into the member's socket

Counted: the functions the line itself passes through (as bytes or as a message). The mode's checks are one step
(SealedRules._check_fresh, or ClassicRules.decrypt, belong to step 5), and so are the calls out of the server:
protocol.decode and protocol.encode (the wire format, in steps 3 and 4) and ChatLog.append (storage.py, step 4).
Around them runs machinery that the line does not pass through: TokenBucket.take (member.py: the rate limit in
step 3), Rooms.members (rooms.py: who gets it, step 4), Postman.wake (after the hub's lock is let go, it writes a
byte to the self-pipe), and on the postman's thread its loop Postman.run and Postman._wait (select on the
self-pipe and on full sockets). With `ChatServer(delivery=DirectDelivery)`, steps 6-10 become two:
DirectDelivery.post and DirectDelivery._write, which `sendall`s the line to each member in turn (delivery.py says
why that stalls a room). tests/test_reading_order.py checks all of this against a real server.
With `ChatServer(tls=...)` (tls.py), the accept loop gives each member a TlsChannel (chatkit/channel.py) and the
member's thread finishes the TLS handshake before step 1; lines are then read through the channel, and the postman
sends each member the TLS records that `channel.wrap` makes of their lines.
"""

from chatkit.server.chat_server import ChatServer
from chatkit.server.delivery import Delivery, DirectDelivery
from chatkit.server.member import Limits
from chatkit.server.postman import Postman
from chatkit.server.ratchet import RatchetRules
from chatkit.server.rules import Rules, make_rules

__all__ = ["ChatServer", "Delivery", "DirectDelivery", "Limits", "Postman", "RatchetRules", "Rules", "make_rules"]
