"""S1 in the ratchet mode: the server process's memory holds no plaintext and no key, read from /proc."""

import secrets
from pathlib import Path

import pytest

from chatkit.client import ChatClient
from chatkit.client.ratchet_codec import RatchetCodec
from tests import memscan
from tests.test_sealed_security import server_process


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="needs Linux /proc to read a process's memory")
def test_s1_the_ratchet_server_memory_holds_no_plaintext_and_no_key(tmp_path: Path) -> None:
    marker = f"marker-{secrets.token_hex(12)}"
    with server_process("ratchet", tmp_path / "chat.db", None, tmp_path / "stderr.txt") as (pid, port):
        people = [ChatClient("127.0.0.1", port, name, "", mode="ratchet") for name in ("alice", "bob")]
        try:
            alice, bob = (person.connect() for person in people)
            bob.wait_for_group({"alice", "bob"})
            for number in range(5):
                alice.send(f"secret {number}: {marker}")
            last = bob.wait_for_message(f"secret 4: {marker}")
            codec = alice.codec
            assert isinstance(codec, RatchetCodec) and codec.keys.chain and codec.pairwise
            chain_key = codec.keys.chain.position[0]
            session_key = codec.pairwise.outgoing["bob"].chain.position[0]
            found = memscan.memory_contains(pid, marker.encode(), chain_key, session_key, last.ciphertext.encode())
        finally:
            for person in people:
                person.close()
    assert not found[marker.encode()], "the ratchet server's memory holds a plaintext message"
    assert not found[chain_key] and not found[session_key], "the ratchet server's memory holds a key"
    assert found[last.ciphertext.encode()], "the scan should see the ciphertext the server relayed"
