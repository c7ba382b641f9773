"""A round-robin TCP load balancer on 127.0.0.1, for running several receivers behind one port.

Each client connection goes to the next backend in turn; a backend that refuses the connection
(it was killed) is skipped, as nginx's ``upstream`` does with ``proxy_next_upstream error``.
Bytes are relayed both ways until either side closes; a connection is never moved to another
backend once relayed (a killed backend drops its clients, who reconnect).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import threading


class RoundRobinBalancer:
    """Listens on 127.0.0.1:port; `start()` runs it in a thread, `stop()` ends it."""

    def __init__(self, port: int, backends: list[int]):
        self.port = port
        self.backends = backends
        self._turn = itertools.count()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        #: Connections per backend port, and connections no backend took.
        self.routed: dict[int, int] = dict.fromkeys(backends, 0)
        self.refused = 0

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    async def _handle(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        first = next(self._turn)
        for offset in range(len(self.backends)):
            port = self.backends[(first + offset) % len(self.backends)]
            try:
                backend_reader, backend_writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                continue
            self.routed[port] += 1
            await asyncio.gather(self._pipe(client_reader, backend_writer), self._pipe(backend_reader, client_writer))
            return
        self.refused += 1
        client_writer.close()

    def _run(self) -> None:
        loop = self._loop = asyncio.new_event_loop()
        server = loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", self.port, backlog=256))
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            server.close()
            loop.run_until_complete(server.wait_closed())
            loop.close()

    def start(self) -> RoundRobinBalancer:
        self._thread = threading.Thread(target=self._run, name="balancer", daemon=True)
        self._thread.start()
        self._ready.wait(10)
        return self

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)
