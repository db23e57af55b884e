"""A TCP proxy a test can cut, stall and restore, to play a broker that goes away or stops reading."""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading


class TcpProxy:
    """Forward 127.0.0.1:<port> to a target; `cut()` drops every connection and refuses new ones."""

    def __init__(self, target_host: str, target_port: int):
        """Listen on a free loopback port; forwarding starts with `start()`."""
        self.target = (target_host, target_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._cut = threading.Event()
        self._stalled = threading.Event()
        self._closed = threading.Event()
        self._accepter = threading.Thread(target=self._accept_loop, daemon=True)

    def start(self) -> TcpProxy:
        """Start accepting connections."""
        self._accepter.start()
        return self

    def cut(self) -> None:
        """Sever every open connection; new ones are closed as soon as they are accepted."""
        self._cut.set()
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for pair in pairs:
            for sock in pair:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()

    def stall(self) -> None:
        """Keep connections open but stop reading them, as a broker that blocks publishers does."""
        self._stalled.set()

    def restore(self) -> None:
        """Forward again."""
        self._cut.clear()
        self._stalled.clear()

    def close(self) -> None:
        """Stop the proxy and drop everything."""
        self._closed.set()
        self.cut()
        self._listener.close()

    def _accept_loop(self) -> None:
        """Accept clients and pair each with a fresh upstream connection."""
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self._cut.is_set():
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._pairs.append((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _pump(self, client: socket.socket, upstream: socket.socket) -> None:
        """Copy bytes both ways until either side closes."""
        selector = selectors.DefaultSelector()
        selector.register(client, selectors.EVENT_READ, upstream)
        selector.register(upstream, selectors.EVENT_READ, client)
        try:
            while not self._cut.is_set():
                if self._stalled.wait(0) and not self._cut.wait(0.05):
                    continue
                for key, _ in selector.select(timeout=0.5):
                    data = key.fileobj.recv(65536)
                    if not data:
                        return
                    key.data.sendall(data)
        except OSError:
            return
        finally:
            selector.close()
            for sock in (client, upstream):
                sock.close()
