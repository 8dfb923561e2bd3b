"""Processes that die: a notebook kernel restarted while it chats or runs the server, a client killed mid-line.

Real Jupyter kernels (the venv's python3 kernelspec), restarted the way JupyterLab's "Restart Kernel" does it:
the old process is killed, so its sockets close without a goodbye.
"""

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from jupyter_client.blocking.client import BlockingKernelClient
from jupyter_client.manager import KernelManager

from chatkit.client import ChatClient, ChatMessage
from chatkit.client.events import Closed
from chatkit.server import ChatServer

from .conftest import PASSWORD, Connect, StartServer, eventually
from .nbrun import kernel_environment

KERNEL_SECONDS = 60  # starting a kernel; restarting one


class Kernel:
    """One real kernel and a client to run code in it."""

    def __init__(self, ipython_dir: Path) -> None:
        self.manager = KernelManager(kernel_name="python3")
        self.manager.start_kernel(env=kernel_environment(ipython_dir))
        self.client: BlockingKernelClient = self._connect()

    def _connect(self) -> BlockingKernelClient:
        client = self.manager.client()
        client.start_channels()
        client.wait_for_ready(timeout=KERNEL_SECONDS)
        return client

    def run(self, code: str) -> str:
        """Run code in the kernel; return what it printed, or fail the test with the kernel's error."""
        printed: list[str] = []

        def keep(message: dict[str, Any]) -> None:
            if message["msg_type"] == "stream":
                printed.append(message["content"]["text"])

        reply = self.client.execute_interactive(code, timeout=KERNEL_SECONDS, output_hook=keep)
        content = reply["content"]
        assert content["status"] == "ok", f"{content.get('ename')}: {content.get('evalue')}"
        return "".join(printed)

    def restart(self) -> None:
        """Kill the kernel's process and start a fresh one, as JupyterLab's Restart does."""
        self.client.stop_channels()
        self.manager.restart_kernel(now=True)
        self.client = self._connect()

    def shut_down(self) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)


@pytest.fixture
def kernel(tmp_path: Path) -> Iterator[Kernel]:
    started = Kernel(tmp_path / "ipython")
    yield started
    started.shut_down()


def says(client: ChatClient, text: str) -> Callable[[object], bool]:
    return lambda event: isinstance(event, ChatMessage) and event.text == text


def join_and_say(server: ChatServer, name: str, text: str) -> str:
    """Code for the kernel: join the server as `name` and send one message (the client stays connected)."""
    host, port = server.address
    return (
        "from chatkit.client import ChatClient\n"
        f"me = ChatClient({host!r}, {port}, {name!r}, {PASSWORD!r}, 'general', 'classic').connect()\n"
        f"me.send({text!r})\n"
    )


def test_a_student_kernel_restart_leaves_everyone_else_chatting(
    start_server: StartServer, connect: Connect, kernel: Kernel
) -> None:
    server = start_server("classic")
    alice, bob = connect(server, "alice"), connect(server, "bob")
    members_before = len(server.connections())
    kernel.run(join_and_say(server, "carol", "hello from carol's notebook"))
    bob.wait_for(says(bob, "hello from carol's notebook"))
    kernel.restart()  # carol's process dies in the middle of her conversation
    assert eventually(lambda: "carol" not in server.roster()["general"]), server.roster()
    assert eventually(lambda: len(server.connections()) == members_before)
    alice.send("still here?")
    bob.wait_for(says(bob, "still here?"))
    kernel.run(join_and_say(server, "carol", "carol is back"))  # her name was freed
    alice.wait_for(says(alice, "carol is back"))


def test_a_kernel_running_the_server_frees_its_port_when_restarted(connect: Connect, kernel: Kernel) -> None:
    start = (
        "from chatkit.server import ChatServer\n"
        "server = ChatServer('classic', password={password!r}, port={port})\n"
        "print(server.start()[1])\n"
    )
    port = int(kernel.run(start.format(password=PASSWORD, port=0)).strip())
    outside = ChatServer("classic", password=PASSWORD, port=port)  # only to say where to connect
    alice = connect(outside, "alice")
    kernel.restart()  # the server dies with its kernel
    alice.wait_for(lambda event: isinstance(event, Closed), timeout=KERNEL_SECONDS)
    again = kernel.run(start.format(password=PASSWORD, port=port))  # the same port: nothing left it bound
    assert int(again.strip()) == port
    bob, carol = connect(outside, "bob"), connect(outside, "carol")
    bob.send("the server is back")
    carol.wait_for(says(carol, "the server is back"))
    kernel.run("server.stop()")
    bob.wait_for(lambda event: isinstance(event, Closed))


CHILD = """
import sys, time
from chatkit.client import ChatClient
me = ChatClient({host!r}, {port}, "dave", {password!r}, "general", "classic").connect()
me.send("dave was here")
me.send_line(b'{{"type": "say", "ciphertext": "AAAA')  # half a line: killed before the rest
print("ready", flush=True)
time.sleep(60)
"""


def test_a_client_killed_mid_message_leaves_everyone_else_chatting(start_server: StartServer, connect: Connect) -> None:
    server = start_server("classic")
    alice, bob = connect(server, "alice"), connect(server, "bob")
    members_before = len(server.connections())
    host, port = server.address
    code = CHILD.format(host=host, port=port, password=PASSWORD)
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        bob.wait_for(says(bob, "dave was here"))
    finally:
        child.kill()  # SIGKILL: no goodbye, no closing handshake from the program
        child.communicate(timeout=10)  # reap it and close the pipe
    assert eventually(lambda: "dave" not in server.roster()["general"]), server.roster()
    assert eventually(lambda: len(server.connections()) == members_before)
    alice.send("dave is gone")
    bob.wait_for(says(bob, "dave is gone"))
