"""The scenes a referee can run (chatkit.course.referee): each holds a secret and answers with what is captured.

A scene's `answer_<request>` methods are the only questions it answers; arguments and answers are JSON values
(bytes travel as base64). Each scene judges the student's answer once, so the judge cannot be asked for every guess.
"""

from typing import Any

from chatkit.course.scenes.bitflip import BitflipInFlight, BitflipToken
from chatkit.course.scenes.eavesdrop import AnswerLengths, ServerLog
from chatkit.course.scenes.exchange import UnsignedExchange
from chatkit.course.scenes.nonces import RepeatedNonceRoom
from chatkit.course.scenes.padding import LivePaddingOracle, LocalPaddingOracle
from chatkit.course.scenes.passwords import ClassicPassword
from chatkit.course.scenes.ratchet import ChainTheft

SCENES: dict[str, Any] = {
    "classic_password": ClassicPassword,
    "local_padding_oracle": LocalPaddingOracle,
    "live_padding_oracle": LivePaddingOracle,
    "server_log": ServerLog,
    "answer_lengths": AnswerLengths,
    "bitflip_token": BitflipToken,
    "bitflip_in_flight": BitflipInFlight,
    "unsigned_exchange": UnsignedExchange,
    "chain_theft": ChainTheft,
    "repeated_nonce_room": RepeatedNonceRoom,
}
