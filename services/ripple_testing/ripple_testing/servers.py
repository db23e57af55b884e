"""Real servers the tests talk to: a scripted HTTP webhook receiver and an SMTP server (aiosmtpd)."""

from __future__ import annotations

import random
import socket
import ssl
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller


@dataclass(frozen=True)
class Reply:
    """What the receiver answers to one request."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b"ok"
    delay: float = 0.0


@dataclass(frozen=True)
class ReceivedRequest:
    """One request the receiver got."""

    path: str
    headers: dict[str, str]
    body: bytes
    client_port: int


class WebhookReceiver:
    """A keep-alive HTTP/1.1 server (HTTPS with `tls`) that records requests and answers from a script."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, tls: ssl.SSLContext | None = None):
        """Bind the address (a free port by default); serving starts with `start()`."""
        self.requests: list[ReceivedRequest] = []
        self._scripts: dict[str, deque[Reply]] = defaultdict(deque)
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer((host, port), self._handler_class())
        self.server.daemon_threads = True
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.host, self.port, self.scheme = host, self.server.server_address[1], "https" if tls else "http"

    def url(self, path: str = "/hook", host: str | None = None) -> str:
        """The receiver's URL for a path (by its address, or by a name given)."""
        return f"{self.scheme}://{host or self.host}:{self.port}{path}"

    def script(self, path: str, *replies: Reply) -> None:
        """Answer the next requests to `path` with these replies, then 200 for good."""
        with self._lock:
            self._scripts[path].extend(replies)

    def received(self, path: str | None = None) -> list[ReceivedRequest]:
        """Requests so far (to one path, or all)."""
        with self._lock:
            return [r for r in self.requests if path is None or r.path == path]

    def start(self) -> WebhookReceiver:
        """Serve in a daemon thread."""
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self.server.shutdown()
        self.server.server_close()

    def _next_reply(self, path: str) -> Reply:
        """The scripted reply for a path, or a plain 200."""
        with self._lock:
            script = self._scripts[path]
            return script.popleft() if script else Reply()

    def _handler_class(self):
        """A request handler bound to this receiver."""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out in two writes; no 40 ms stall

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                request = ReceivedRequest(self.path, dict(self.headers.items()), body, self.client_address[1])
                with receiver._lock:
                    receiver.requests.append(request)
                reply = receiver._next_reply(self.path)
                if reply.delay:
                    time.sleep(reply.delay)
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the client gave up waiting (a timeout test)

            def log_message(self, *args):
                pass

        return Handler


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_below_ephemeral_range() -> int:
    """A random port below Linux's ephemeral range, where free_port() and outgoing connections pick."""
    return random.randrange(20000, 32000)  # noqa: S311 (not a secret)


def free_port_block(count: int) -> int:
    """The first of `count` consecutive ports on 127.0.0.1 that nothing listens on (a base plus offsets)."""
    for _ in range(200):
        base = port_below_ephemeral_range()
        sockets = []
        try:
            for port in range(base, base + count):
                sock = socket.socket()
                sockets.append(sock)
                sock.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
    raise RuntimeError(f"no {count} consecutive free ports found")


def free_ports(count: int) -> list[int]:
    """`count` distinct ports on 127.0.0.1 that nothing listens on, below Linux's ephemeral range.

    Each is held while the rest are picked, so none comes twice; and none is in the range the
    kernel hands to outgoing connections, which a long `docker compose up --build` opens by the
    hundred before its containers publish their ports.
    """
    sockets: list[socket.socket] = []
    try:
        for _ in range(count * 50):
            if len(sockets) == count:
                break
            sock = socket.socket()
            try:
                sock.bind(("127.0.0.1", port_below_ephemeral_range()))
            except OSError:
                sock.close()
                continue
            sockets.append(sock)
        if len(sockets) < count:
            raise RuntimeError(f"no {count} free ports found")
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


class MailSink:
    """An aiosmtpd handler that keeps every message.

    `refuse` makes RCPT answer 550, `defer` 450; `data_reply` replaces the answer to DATA.
    """

    def __init__(self):
        """No messages yet."""
        self.messages: list[Message] = []
        self.refuse: set[str] = set()
        self.defer: set[str] = set()
        self.data_reply: str | None = None
        self.port = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        """Accept a recipient unless it is on the refuse or defer list."""
        if address in self.refuse:
            return "550 5.1.1 no such user"
        if address in self.defer:
            return "450 4.2.1 mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        """Keep the message (unless told to answer otherwise)."""
        if self.data_reply:
            return self.data_reply
        self.messages.append(message_from_bytes(envelope.original_content))
        return "250 Message accepted for delivery"


def start_smtp() -> tuple[Controller, MailSink]:
    """A real SMTP server on 127.0.0.1 at a free port, and what it received."""
    sink = MailSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    sink.port = controller.port
    return controller, sink
