"""Pieces shared by the benchmarks that start their own servers (persistence.py,
sessions.py): a small blocking RESP2 client, INFO parsing, free ports,
stopping a server's process group, /proc readings and header facts.
Standard library only.
"""
import os
import platform
import signal
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
CLK_TCK = os.sysconf("SC_CLK_TCK")


def env_int(name, default):
    v = os.environ.get(name, "")
    return int(float(v)) if v.strip() else default


# ---------------------------------------------------------------- RESP client

class Conn:
    """Small blocking RESP2 client."""

    def __init__(self, port, timeout=120):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self.pos = 0

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def _more(self):
        data = self.sock.recv(1 << 16)
        if not data:
            raise ConnectionError("server closed the connection")
        if self.pos:
            del self.buf[:self.pos]
            self.pos = 0
        self.buf += data

    def _line(self):
        while True:
            i = self.buf.find(b"\r\n", self.pos)
            if i >= 0:
                line = bytes(self.buf[self.pos:i])
                self.pos = i + 2
                return line
            self._more()

    def reply(self):
        line = self._line()
        t, rest = line[:1], line[1:]
        if t == b"+":
            return rest.decode()
        if t == b"-":
            return RespError(rest.decode(errors="replace"))
        if t == b":":
            return int(rest)
        if t == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) - self.pos < n + 2:
                self._more()
            data = bytes(self.buf[self.pos:self.pos + n])
            self.pos += n + 2
            return data.decode(errors="replace")
        if t == b"*":
            n = int(rest)
            return None if n < 0 else [self.reply() for _ in range(n)]
        raise RuntimeError("bad RESP reply: %r" % line[:80])

    def send(self, *args):
        self.sock.sendall(encode(*args))

    def cmd(self, *args):
        self.send(*args)
        return self.reply()


class RespError(str):
    pass


def encode(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def parse_info(text):
    out = {}
    for line in (text or "").splitlines():
        if ":" in line and not line.startswith("#"):
            k, v = line.split(":", 1)
            out[k.strip()] = v.strip()
    return out


# ------------------------------------------------------------------ servers

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def launch(bin_path, port, workdir, cpu, log_path, extra_args=()):
    """Starts a server (redis-server or cachet-server) pinned to cpu, without persistence,
    in its own process group, and waits until it answers PING. Returns the Popen."""
    cmd = ["taskset", "-c", str(cpu), bin_path, "--port", str(port), "--bind", "127.0.0.1",
           "--dir", workdir, "--save", "", "--appendonly", "no"] + list(extra_args)
    with open(log_path, "ab") as log:
        p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 30
    while True:
        if p.poll() is not None:
            raise RuntimeError("%s exited with rc=%d during startup (log: %s)"
                               % (bin_path, p.returncode, log_path))
        try:
            c = Conn(port, timeout=5)
            try:
                if c.cmd("PING") == "PONG":
                    return p
            finally:
                c.close()
        except (OSError, ConnectionError):
            pass
        if time.monotonic() > deadline:
            stop_server(p)
            raise RuntimeError("%s did not answer PING within 30s" % bin_path)
        time.sleep(0.02)


def stop_server(p, timeout=5):
    """SIGTERM the server's process group (server + any BGSAVE child), then SIGKILL.
    The server must have been started with start_new_session=True."""
    if p.poll() is None:
        try:
            os.killpg(p.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            p.wait(timeout)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(p.pid, signal.SIGKILL)  # leftovers of the group (e.g. a fork child)
    except ProcessLookupError:
        pass
    if p.poll() is None:
        p.wait()


# ------------------------------------------------------------ /proc readings

def cpu_ticks(pid):
    """utime+stime of a process (all threads), in clock ticks."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            data = f.read()
    except FileNotFoundError:
        raise RuntimeError("server pid %d is gone (crashed or killed)" % pid)
    fields = data[data.rindex(")") + 2:].split()
    return int(fields[11]) + int(fields[12])  # fields 14 and 15 of stat(5)


def rss_bytes(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


# ------------------------------------------------------------------ header

def first_line(cmd):
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=10)
        return (p.stdout.strip().splitlines() or ["?"])[0]
    except Exception as e:
        return "unknown (%s)" % e


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def git_rev(repo=REPO):
    try:
        rev = subprocess.run(["git", "-C", repo, "rev-parse", "--short", "HEAD"],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        dirty = subprocess.run(["git", "-C", repo, "status", "--porcelain", "--untracked-files=no"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        if rev.returncode != 0:
            return "no commits"
        return rev.stdout.strip() + (" (dirty)" if dirty.stdout.strip() else "")
    except OSError:
        return "unknown"


def _on_signal(signum, _frame):
    raise SystemExit(128 + signum)


def run_main(name, main, cleanup):
    """Runs a benchmark's main() as the script's entry point: SIGTERM and SIGHUP end it like
    Ctrl-C, errors are reported in one line, cleanup() always runs, and the process exits
    with main()'s return code."""
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGHUP, _on_signal)
    rc = 1
    try:
        rc = main()
    except KeyboardInterrupt:
        print("%s: interrupted" % name, file=sys.stderr)
        rc = 130
    except SystemExit as e:
        rc = e.code if isinstance(e.code, int) else 1
        if isinstance(e.code, str):
            print(e.code, file=sys.stderr)
    except RuntimeError as e:
        print("%s: error: %s" % (name, e), file=sys.stderr)
        rc = 1
    finally:
        cleanup()
    sys.exit(rc)
