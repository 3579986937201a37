"""Time to give up on a server that sends its headers one byte at a time (issue 19, part 2).

A server on 127.0.0.1 answers "HTTP/1.1 200 OK\\r\\nX-Slow: " and then one more byte every GAP seconds, so the read
timeout (5 x GAP) never fires; the client must give up at its deadline.

    python bench/slow_headers.py 2 60     # one byte every 2 s, the default 60 s deadline
"""

from __future__ import annotations

import socket
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from summarise.client import FetchLimits, HttpClient
from summarise.errors import InputError


def serve(gap: float) -> int:
    """Start the dripping server; its port."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)

    def drip(conn: socket.socket) -> None:
        try:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
            while True:
                conn.sendall(b"a")
                time.sleep(gap)
        except OSError:
            pass  # the client hung up

    def accept() -> None:
        while True:
            threading.Thread(target=drip, args=(server.accept()[0],), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    port: int = server.getsockname()[1]
    return port


def main() -> None:
    args = [float(a) for a in sys.argv[1:3]]
    gap, deadline = args[0] if args else 2.0, args[1] if len(args) > 1 else 60.0
    port = serve(gap)
    client = HttpClient(FetchLimits(connect_timeout=2, read_timeout=5 * gap, deadline=deadline, retries=0))
    start = time.monotonic()
    try:
        client.get(f"http://127.0.0.1:{port}/feed.xml", typed=True)
        print("no error: the response completed")
    except InputError as exc:
        print(f"gave up: {exc}")
    print(f"time to give up: {time.monotonic() - start:.1f} s (deadline {deadline:g} s, a byte every {gap:g} s)")


if __name__ == "__main__":
    main()
