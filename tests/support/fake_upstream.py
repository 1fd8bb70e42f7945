"""A recording fake vendor: an HTTP/1.1 server on its own port that records every request it
receives (method, target, headers, body, how the body was framed) and answers from a script.

Written on raw sockets rather than http.server so that a script can delay an answer, split a
chunked answer at an exact byte, or drop the connection without answering.

    upstream = FakeUpstream()
    upstream.enqueue(Reply(500), Reply(200, body=b'{"ok":true}'))   # next two answers
    upstream.default = Reply(200, body=b"{}")                        # then this one
    ...
    upstream.requests  # list of RecordedRequest, in arrival order
    upstream.close()
"""

import collections
import dataclasses
import socket
import threading
import time
from typing import Callable, List, Optional, Tuple, Union


@dataclasses.dataclass
class Reply:
    status: int = 200
    body: bytes = b'{"ok": true}'
    headers: List[Tuple[str, str]] = dataclasses.field(
        default_factory=lambda: [("Content-Type", "application/json")])
    delay: float = 0.0          # seconds to wait before answering
    close_without_answer: bool = False
    chunks: Optional[List[bytes]] = None  # answer with Transfer-Encoding: chunked, these chunks
    reason: str = "Status"


@dataclasses.dataclass
class RecordedRequest:
    method: str
    target: str
    headers: List[Tuple[str, str]]
    body: bytes
    framing: str                # "content-length", "chunked" or "none"
    received_at: float

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    @property
    def query(self) -> str:
        return self.target.split("?", 1)[1] if "?" in self.target else ""

    def header_values(self, name: str) -> List[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def header(self, name: str) -> Optional[str]:
        values = self.header_values(name)
        return values[0] if values else None

    def header_names(self) -> List[str]:
        return [k.lower() for k, _ in self.headers]

    def contains_anywhere(self, needle: str) -> bool:
        """True when `needle` occurs in the target, any header name or value, or the body."""
        if needle in self.target or needle.encode() in self.body:
            return True
        return any(needle in k or needle in v for k, v in self.headers)


Script = Union[Reply, Callable[[RecordedRequest], Reply]]


class FakeUpstream:
    def __init__(self, host: str = "127.0.0.1"):
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind((host, 0))
        self._listener.listen(128)
        self.host = host
        self.port = self._listener.getsockname()[1]
        self.url = f"http://{host}:{self.port}"
        self.default: Script = Reply()
        self._queue: collections.deque = collections.deque()
        self._lock = threading.Lock()
        self._requests: List[RecordedRequest] = []
        self.connections_accepted = 0
        self._closed = False
        self._connections: List[socket.socket] = []
        threading.Thread(target=self._accept_loop, daemon=True).start()

    # ---- script and records -----------------------------------------------------------

    def enqueue(self, *replies: Script) -> None:
        """The next requests get these answers in order; after that, `default`."""
        with self._lock:
            self._queue.extend(replies)

    def reset(self) -> None:
        with self._lock:
            self._queue.clear()
            self._requests.clear()
            self.default = Reply()

    @property
    def requests(self) -> List[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def wait_for_requests(self, count: int, timeout: float = 5.0) -> List[RecordedRequest]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.requests) >= count:
                break
            time.sleep(0.01)
        return self.requests

    def close(self) -> None:
        self._closed = True
        try:
            self._listener.close()
        except OSError:
            pass
        with self._lock:
            for conn in self._connections:
                try:
                    conn.close()
                except OSError:
                    pass

    # ---- server -----------------------------------------------------------------------

    def _accept_loop(self) -> None:
        while not self._closed:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self.connections_accepted += 1
                self._connections.append(conn)
            threading.Thread(target=self._serve_connection, args=(conn,), daemon=True).start()

    def _next_reply(self, request: RecordedRequest) -> Reply:
        with self._lock:
            self._requests.append(request)
            script = self._queue.popleft() if self._queue else self.default
        return script(request) if callable(script) else script

    def _serve_connection(self, conn: socket.socket) -> None:
        reader = _Reader(conn)
        try:
            while True:
                request = _read_request(reader)
                if request is None:
                    return
                reply = self._next_reply(request)
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.close_without_answer:
                    return
                conn.sendall(_encode_reply(reply))
                if (request.header("Connection") or "").lower() == "close":
                    return
        except (OSError, ValueError):
            return
        finally:
            try:
                conn.close()
            except OSError:
                pass


class _Reader:
    def __init__(self, conn: socket.socket):
        self._conn = conn
        self._buf = b""

    def _fill(self) -> bool:
        data = self._conn.recv(65536)
        if not data:
            return False
        self._buf += data
        return True

    def read_until(self, marker: bytes) -> Optional[bytes]:
        while marker not in self._buf:
            if not self._fill():
                return None
        head, self._buf = self._buf.split(marker, 1)
        return head

    def read_exact(self, n: int) -> bytes:
        while len(self._buf) < n:
            if not self._fill():
                raise ValueError("connection closed inside a body")
        data, self._buf = self._buf[:n], self._buf[n:]
        return data


def _read_request(reader: _Reader) -> Optional[RecordedRequest]:
    head = reader.read_until(b"\r\n\r\n")
    if head is None:
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, target, _version = lines[0].split(" ", 2)
    headers = []
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.append((name, value.strip()))
    lowered = {k.lower(): v for k, v in headers}
    if "chunked" in lowered.get("transfer-encoding", "").lower():
        body, framing = _read_chunked(reader), "chunked"
    elif "content-length" in lowered:
        body, framing = reader.read_exact(int(lowered["content-length"])), "content-length"
    else:
        body, framing = b"", "none"
    return RecordedRequest(method, target, headers, body, framing, time.monotonic())


def _read_chunked(reader: _Reader) -> bytes:
    body = b""
    while True:
        size_line = reader.read_until(b"\r\n")
        if size_line is None:
            raise ValueError("connection closed inside chunked body")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            while reader.read_until(b"\r\n") not in (b"", None):
                pass  # trailers
            return body
        body += reader.read_exact(size)
        reader.read_exact(2)


def _encode_reply(reply: Reply) -> bytes:
    out = [f"HTTP/1.1 {reply.status} {reply.reason}\r\n".encode()]
    for name, value in reply.headers:
        out.append(f"{name}: {value}\r\n".encode("latin-1"))
    if reply.chunks is not None:
        out.append(b"Transfer-Encoding: chunked\r\n\r\n")
        for chunk in reply.chunks:
            out.append(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        out.append(b"0\r\n\r\n")
    else:
        out.append(f"Content-Length: {len(reply.body)}\r\n\r\n".encode())
        out.append(reply.body)
    return b"".join(out)
