r"""Labels that start every KDF info, signature and associated data (docs/security.md, S8).

A label says what a piece of key or a signature is *for*. Because each purpose has its own label, a signature made
over a message can never be passed off as a signature over a key, and a key made for one room is never the key of
another purpose. The zero byte ends the label so that no label is a prefix of another's content.

>>> ROOM_KEY
b'chatkit/v1 room key\x00'
>>> every = [value for name, value in globals().items() if name.isupper()]
>>> len(every) == len(set(every)), all(label.endswith(b"\x00") and label.count(b"\x00") == 1 for label in every)
(True, True)
"""

ROOM_KEY = b"chatkit/v1 room key\x00"
MESSAGE_AD = b"chatkit/v1 message header\x00"
ROOM_CHECK_AD = b"chatkit/v1 room check\x00"
MESSAGE_SIGNATURE = b"chatkit/v1 message signature\x00"
RATCHET_MESSAGE_KEY = b"chatkit/v1 ratchet message key\x00"
RATCHET_CHAIN_KEY = b"chatkit/v1 ratchet chain key\x00"
RATCHET_HEAL = b"chatkit/v1 ratchet heal\x00"
SAFETY_NUMBER = b"chatkit/v1 safety number\x00"
ROOM_CHECK = b"chatkit/v1 room check mac\x00"
# The ratchet mode (docs/ratchet-mode.md): the hybrid exchange, its envelopes, sender messages and the group.
HYBRID_TRANSCRIPT = b"chatkit/v1 hybrid transcript\x00"
HYBRID_ANSWER_SIGNATURE = b"chatkit/v1 hybrid answer signature\x00"
HYBRID_FINISH_SIGNATURE = b"chatkit/v1 hybrid finish signature\x00"
HYBRID_CONFIRMATION = b"chatkit/v1 hybrid key confirmation\x00"
HYBRID_KDF = b"chatkit/v1 hybrid session keys\x00"
ENVELOPE_AD = b"chatkit/v1 ratchet envelope\x00"
SENDER_MESSAGE_AD = b"chatkit/v1 sender message header\x00"
SENDER_MESSAGE_SIGNATURE = b"chatkit/v1 sender message signature\x00"
GROUP_STATE_HASH = b"chatkit/v1 group state\x00"
GROUP_CHANGE_SIGNATURE = b"chatkit/v1 group change signature\x00"
