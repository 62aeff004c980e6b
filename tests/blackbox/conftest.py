"""Fixtures for the cachet black-box tests.

Servers are started as subprocesses on a free loopback port, waited for until
PING answers, and stopped with SIGTERM at teardown; a server that does not exit
with status 0 within 5 seconds makes the test error out.

Environment:
  CACHET_BIN        cachet binary (default /work/main/build/release/cachet-server)
  CACHET_THREADS    value passed as --threads (default 2)
  REDIS_BIN         reference redis-server (default: redis-server on PATH)
  CACHET_DIFF_SEED  base seed for test_differential.py (default: random)
"""

import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from resp import RespConnection  # noqa: E402

HOST = "127.0.0.1"

# The differential test derives all its sequence seeds from this base seed.
# It is chosen once here (conftest is imported before the test modules) and
# exported so that the test module and the report header agree.
if not os.environ.get("CACHET_DIFF_SEED"):
    os.environ["CACHET_DIFF_SEED"] = str(random.SystemRandom().randrange(1, 10**9))
DEFAULT_CACHET_BIN = "/work/main/build/release/cachet-server"


def cachet_bin():
    return os.environ.get("CACHET_BIN", DEFAULT_CACHET_BIN)


def redis_bin():
    return os.environ.get("REDIS_BIN") or shutil.which("redis-server") \
        or "/usr/bin/redis-server"


def cachet_is_redis():
    """True when CACHET_BIN points at a redis-server (harness self-test)."""
    return os.path.basename(cachet_bin()).startswith("redis-server")


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((HOST, 0))
    port = s.getsockname()[1]
    s.close()
    return port


def read_rss_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


class ServerProcess:
    """One server subprocess. `kind` is 'redis' or 'cachet'."""

    def __init__(self, kind, argv, port, workdir, password=None):
        self.kind = kind
        self.argv = argv
        self.port = port
        self.host = HOST
        self.workdir = workdir
        self.password = password
        self.proc = None
        self.log_path = os.path.join(workdir, "server.log")
        self.exit_code = None
        self.stopped = False

    @property
    def pid(self):
        return self.proc.pid

    def start(self, ready_timeout=10.0):
        # A restart after stop() is a live server again: teardown must stop it.
        self.stopped = False
        os.makedirs(self.workdir, exist_ok=True)
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(self.argv, cwd=self.workdir,
                                     stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + ready_timeout
        last_err = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.kill()
                pytest.fail("%s exited with code %s during startup: %s\n%s"
                            % (self.kind, self.proc.returncode,
                               " ".join(self.argv), self.log_tail()),
                            pytrace=False)
            try:
                with RespConnection(HOST, self.port, timeout=2.0,
                                    connect_timeout=0.5) as c:
                    r = c.call("PING")
                    if r == ("simple", b"PONG") or (
                            r[0] == "error" and r[1].startswith(b"NOAUTH")):
                        return self
                    last_err = "unexpected PING reply %r" % (r,)
            except Exception as e:  # noqa: BLE001 - keep polling
                last_err = repr(e)
            time.sleep(0.02)
        self.kill()
        pytest.fail("%s did not answer PING within %.0fs (%s): %s\n%s"
                    % (self.kind, ready_timeout, last_err,
                       " ".join(self.argv), self.log_tail()), pytrace=False)

    def log_tail(self, n=4000):
        try:
            with open(self.log_path, "rb") as f:
                return f.read()[-n:].decode("utf-8", "replace")
        except OSError:
            return ""

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def rss_kb(self):
        return read_rss_kb(self.proc.pid)

    def conn(self, auth=True, **kw):
        c = RespConnection(HOST, self.port, **kw)
        if auth and self.password is not None:
            r = c.call("AUTH", self.password)
            assert r == ("simple", b"OK"), r
        return c

    def stop(self, timeout=5.0):
        """SIGTERM and wait; returns the exit code (None if it had to be
        killed)."""
        if self.proc is None:
            return self.exit_code
        self.stopped = True
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                self.exit_code = None
                self._log.close()
                return None
        self.exit_code = self.proc.returncode
        self._log.close()
        return self.exit_code

    def kill(self):
        self.stopped = True
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def _redis_argv(binary, port, workdir, extra):
    return [binary, "--port", str(port), "--bind", HOST, "--save", "",
            "--appendonly", "no", "--dir", workdir, "--loglevel", "warning"] \
        + list(extra)


def _cachet_argv(port, workdir, extra, threads=None):
    binary = cachet_bin()
    threads = threads or os.environ.get("CACHET_THREADS", "2")
    if cachet_is_redis():
        # Harness self-test: run redis-server with the closest equivalent
        # flags. cachet has a built-in bound on per-client output buffers;
        # redis' default for normal clients is unlimited, so emulate it.
        return _redis_argv(binary, port, workdir,
                           ["--client-output-buffer-limit", "normal 64mb 0 0"]
                           + list(extra))
    # No HTTP admin API unless a test asks for one (--http-port in extra wins):
    # servers started side by side would all want the default port.
    return [binary, "--port", str(port), "--bind", HOST, "--threads",
            str(threads), "--dir", workdir, "--save", "", "--appendonly", "no",
            "--loglevel", "warning", "--http-port", "0"] + list(extra)


def _password_of(extra):
    extra = list(extra)
    if "--requirepass" in extra:
        return extra[extra.index("--requirepass") + 1]
    return None


class ServerFactory:
    def __init__(self, kind, tmp_path):
        self.kind = kind
        self.tmp_path = tmp_path
        self.servers = []

    def __call__(self, *extra, threads=None):
        port = free_port()
        workdir = str(self.tmp_path / ("%s-%d" % (self.kind, len(self.servers))))
        os.makedirs(workdir, exist_ok=True)
        if self.kind == "redis":
            argv = _redis_argv(redis_bin(), port, workdir, extra)
        else:
            binary = cachet_bin()
            if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
                pytest.fail("cachet binary not found or not executable: %s "
                            "(set CACHET_BIN)" % binary, pytrace=False)
            argv = _cachet_argv(port, workdir, extra, threads=threads)
        srv = ServerProcess(self.kind, argv, port, workdir,
                            password=_password_of(extra))
        self.servers.append(srv)
        srv.start()
        return srv

    def finish(self):
        problems = []
        for srv in self.servers:
            if srv.proc is None or srv.stopped:
                continue  # the test stopped it itself and checked the result
            if srv.proc.poll() is not None:
                problems.append("%s on port %d exited unexpectedly with code "
                                "%s before teardown\n%s"
                                % (srv.kind, srv.port, srv.proc.returncode,
                                   srv.log_tail()))
                srv.stop()
                continue
            rc = srv.stop(timeout=5.0)
            if rc != 0:
                problems.append("%s on port %d: SIGTERM -> %s (expected exit "
                                "code 0 within 5s)\n%s"
                                % (srv.kind, srv.port,
                                   "no exit within 5s, killed" if rc is None
                                   else "exit code %s" % rc, srv.log_tail()))
        if problems:
            pytest.fail("\n".join(problems), pytrace=False)


@pytest.fixture
def redis_factory(tmp_path):
    """Start real redis-server instances: redis_factory('--requirepass', 'x')."""
    f = ServerFactory("redis", tmp_path)
    yield f
    f.finish()


@pytest.fixture
def cachet_factory(tmp_path):
    """Start cachet instances: cachet_factory('--maxclients', '2')."""
    f = ServerFactory("cachet", tmp_path)
    yield f
    f.finish()


@pytest.fixture
def redis_server(redis_factory):
    return redis_factory()


@pytest.fixture
def cachet_server(cachet_factory):
    return cachet_factory()


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "cachet_only: behaviour that is cachet-specific (not "
        "redis-server default behaviour)")


def pytest_report_header(config):
    lines = ["cachet binary: %s%s" % (cachet_bin(),
                                      "  (redis-server self-test mode)"
                                      if cachet_is_redis() else ""),
             "reference redis: %s" % redis_bin()]
    lines.append("differential base seed: CACHET_DIFF_SEED=%s"
                 % os.environ["CACHET_DIFF_SEED"])
    return lines
