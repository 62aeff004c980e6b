"""A small, strict RESP2/RESP3 client used by the black-box tests.

Replies are decoded into plain tuples so that two replies compare equal only
if they have exactly the same RESP type and payload:

    ('simple', b'OK')        +OK
    ('error', b'ERR ...')    -ERR ...
    ('int', 5)               :5
    ('bulk', b'...')         $3\\r\\n...
    ('nil',)                 $-1           (RESP2 null bulk)
    ('nilarray',)            *-1           (RESP2 null array)
    ('array', (...))         *N
    ('null',)                _             (RESP3)
    ('double', b'1.5')       ,1.5          (raw text, compared exactly)
    ('bool', True)           #t
    ('bigint', b'123')       (123
    ('bloberror', b'...')    !N
    ('verbatim', b'txt:..')  =N
    ('map', ((k, v), ...))   %N
    ('set', (...))           ~N
    ('push', (...))          >N
    ('attr', ((k, v), ...), reply)   |N followed by the real reply
"""

import socket
import time


class ProtocolError(Exception):
    pass


class ConnectionClosed(Exception):
    pass


def _to_bytes(x):
    if isinstance(x, bytes):
        return x
    if isinstance(x, bytearray):
        return bytes(x)
    if isinstance(x, str):
        return x.encode("utf-8", "surrogateescape")
    if isinstance(x, (int, float)):
        return str(x).encode()
    raise TypeError("cannot encode %r" % (x,))


def encode_command(args):
    args = [_to_bytes(a) for a in args]
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        out.append(b"$%d\r\n" % len(a))
        out.append(a)
        out.append(b"\r\n")
    return b"".join(out)


class RespConnection:
    def __init__(self, host, port, timeout=10.0, connect_timeout=5.0,
                 rcvbuf=None):
        self.host = host
        self.port = port
        self.timeout = timeout
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf is not None:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(connect_timeout)
        self.sock.connect((host, port))
        self.sock.settimeout(timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self.pos = 0

    # -- low level -------------------------------------------------------
    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send_raw(self, data):
        self.sock.sendall(data)

    def send(self, *args):
        self.sock.sendall(encode_command(args))

    def _fill(self):
        if self.pos > 65536 and self.pos > len(self.buf) // 2:
            del self.buf[:self.pos]
            self.pos = 0
        try:
            chunk = self.sock.recv(1 << 20)
        except socket.timeout:
            raise
        except ConnectionResetError:
            raise ConnectionClosed("connection reset by peer")
        if not chunk:
            raise ConnectionClosed("connection closed by peer")
        self.buf += chunk

    def _readline(self):
        while True:
            idx = self.buf.find(b"\r\n", self.pos)
            if idx >= 0:
                line = bytes(self.buf[self.pos:idx])
                self.pos = idx + 2
                return line
            self._fill()

    def _readexact(self, n):
        while len(self.buf) - self.pos < n + 2:
            self._fill()
        data = bytes(self.buf[self.pos:self.pos + n])
        if self.buf[self.pos + n:self.pos + n + 2] != b"\r\n":
            raise ProtocolError("bulk not terminated by CRLF")
        self.pos += n + 2
        return data

    def read_reply(self):
        line = self._readline()
        if not line:
            raise ProtocolError("empty reply line")
        t, rest = line[:1], line[1:]
        if t == b"+":
            return ("simple", rest)
        if t == b"-":
            return ("error", rest)
        if t == b":":
            return ("int", int(rest))
        if t == b"$":
            n = int(rest)
            if n < 0:
                return ("nil",)
            return ("bulk", self._readexact(n))
        if t == b"*":
            n = int(rest)
            if n < 0:
                return ("nilarray",)
            return ("array", tuple(self.read_reply() for _ in range(n)))
        if t == b"_":
            if rest:
                raise ProtocolError("bad null %r" % line)
            return ("null",)
        if t == b",":
            return ("double", rest)
        if t == b"#":
            if rest not in (b"t", b"f"):
                raise ProtocolError("bad boolean %r" % line)
            return ("bool", rest == b"t")
        if t == b"(":
            return ("bigint", rest)
        if t == b"!":
            return ("bloberror", self._readexact(int(rest)))
        if t == b"=":
            return ("verbatim", self._readexact(int(rest)))
        if t == b"%":
            n = int(rest)
            return ("map", tuple((self.read_reply(), self.read_reply())
                                 for _ in range(n)))
        if t == b"~":
            return ("set", tuple(self.read_reply() for _ in range(int(rest))))
        if t == b">":
            return ("push", tuple(self.read_reply() for _ in range(int(rest))))
        if t == b"|":
            n = int(rest)
            attrs = tuple((self.read_reply(), self.read_reply())
                          for _ in range(n))
            return ("attr", attrs, self.read_reply())
        raise ProtocolError("unknown reply type in %r" % line[:80])

    def call(self, *args):
        self.send(*args)
        return self.read_reply()

    def pending(self):
        return len(self.buf) - self.pos

    # -- helpers ---------------------------------------------------------
    def read_until_close(self, timeout=2.0, limit=1 << 26, idle=None):
        """Read raw bytes until the peer closes, `timeout` passes, or (if
        `idle` is given) nothing arrived for `idle` seconds.

        Returns (data, closed). Buffered-but-unparsed bytes come first."""
        data = bytearray(self.buf[self.pos:])
        self.buf = bytearray()
        self.pos = 0
        deadline = time.monotonic() + timeout
        closed = False
        while len(data) < limit:
            left = deadline - time.monotonic()
            if idle is not None:
                left = min(left, idle)
            if left <= 0:
                break
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(1 << 20)
            except socket.timeout:
                break
            except (ConnectionResetError, BrokenPipeError):
                closed = True
                break
            if not chunk:
                closed = True
                break
            data += chunk
        self.sock.settimeout(self.timeout)
        return bytes(data), closed


def parse_all(data):
    """Parse a byte string holding complete RESP replies into a list."""
    class _Fake(RespConnection):
        def __init__(self, d):
            self.buf = bytearray(d)
            self.pos = 0

        def _fill(self):
            raise ConnectionClosed("incomplete reply")

    f = _Fake(data)
    out = []
    while f.pos < len(f.buf):
        out.append(f.read_reply())
    return out


def is_ok(reply):
    return reply == ("simple", b"OK")
