"""Plumbing shared by the runners that execute inside the sandbox.

The harnesses (evalplus, bigcodebench) fork one process per check and the untrusted code runs
there. Those processes must not be able to forge the runner's answers or eat its commands, so:
the runner keeps private copies of stdin/stdout that a child forked from it closes at once (its
own children inherit them closed and must not close those numbers again), puts
/dev/null on fd 0 and stderr on fd 1 (a solution's stray output is then counted by the parent's
output limit), and makes itself non-dumpable so no process of the sandbox can reopen its fds
through /proc or ptrace it. After each check it kills whatever the solution left running.
"""

import ctypes
import json
import os
import re
import signal
import sys
import time
import types

_PR_SET_DUMPABLE = 4


class Channel:
    def __init__(self):
        self._in_fd = os.dup(0)
        self._out_fd = os.dup(1)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        os.dup2(2, 1)
        sys.stdout = sys.stderr
        private = [self._in_fd, self._out_fd]

        def close_private():
            # Only in the first fork away from the runner: there the numbers still name the
            # channel. A grandchild inherits the emptied list, because by then its parent may have
            # reused the numbers (subprocess's pipes, when preexec_fn makes it run at-fork hooks).
            while private:
                try:
                    os.close(private.pop())
                except OSError:
                    pass

        os.register_at_fork(after_in_child=close_private)
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)
        except (OSError, AttributeError):
            pass
        self._in = os.fdopen(self._in_fd, "rb", closefd=False)

    def send(self, msg):
        data = (json.dumps(msg) + "\n").encode("utf-8")
        view = memoryview(data)
        while view:
            n = os.write(self._out_fd, view)
            view = view[n:]

    def send_bytes(self, data):
        view = memoryview(data)
        while view:
            n = os.write(self._out_fd, view)
            view = view[n:]

    def mark_output(self):
        """Marks the start or the end of a check's output on stderr, where the solution's stray
        output goes, with a nonce that no solution can know in advance. The start and verdict
        messages carry the nonces, so the parent attributes to the sample exactly the output written
        between its two marks, however the two pipes interleave."""
        nonce = os.urandom(16).hex()
        data = b"\0FAIT-END " + nonce.encode("ascii") + b"\0"
        view = memoryview(data)
        while view:
            n = os.write(2, view)
            view = view[n:]
        return nonce

    def commands(self):
        while True:
            line = self._in.readline()
            if not line:
                return
            line = line.strip()
            if line:
                yield json.loads(line)


def stub_hf_datasets():
    """evalplus.data and bigcodebench.data import HF `datasets` at module level, only for
    downloads that never happen here (the data comes from override paths)."""
    try:
        import datasets  # noqa: F401
    except ImportError:
        sys.modules["datasets"] = types.SimpleNamespace(load_dataset=None)


class ExceptionRecorder:
    """Records the first exception that leaves a harness's swallow_io() in a checked process.

    The harness catches every exception itself and keeps only pass/fail; wrapping the context
    manager it uses around the solution's code tells the runner what kind of failure it was
    without re-running anything. The buffer is shared memory created before the fork."""

    SIZE = 2048

    def __init__(self):
        import multiprocessing

        self._buf = multiprocessing.get_context("fork").Array("c", self.SIZE, lock=False)

    def reset(self):
        self._buf[0] = b"\0"

    def record(self, exc):
        # GeneratorExit only says a context manager was abandoned mid-exception; the exception
        # that caused it comes next.
        if self._buf[0] != b"\0" or isinstance(exc, GeneratorExit):
            return
        info = {"type": type(exc).__name__, "message": _short(exc)}
        if isinstance(exc, ImportError) and getattr(exc, "name", None):
            info["module"] = exc.name
        if isinstance(exc, OSError) and exc.errno is not None:
            info["errno"] = exc.errno
        data = json.dumps(info).encode("utf-8")[: self.SIZE - 1]
        self._buf[: len(data)] = data
        self._buf[len(data)] = b"\0"

    def read(self):
        raw = bytes(self._buf[:]).split(b"\0", 1)[0]
        if not raw:
            return None
        try:
            return json.loads(raw.decode("utf-8", "replace"))
        except ValueError:
            return None

    def wrap(self, swallow_io):
        import contextlib

        recorder = self

        @contextlib.contextmanager
        def recording_swallow_io():
            try:
                with swallow_io():
                    yield
            except BaseException as exc:
                recorder.record(exc)
                raise

        return recording_swallow_io


class ProcessTracker:
    """Stands in for the `multiprocessing` module inside a harness so that the runner learns how
    the last checked process ended (exit code, and whether the harness itself had to kill it)."""

    def __init__(self):
        import multiprocessing

        real = multiprocessing
        tracker = self
        self.last = None

        class TrackedProcess(real.Process):
            def start(self):
                self.fait_started = time.monotonic()
                self.fait_killed_by_harness = False
                tracker.last = self
                super().start()

            def terminate(self):
                self.fait_killed_by_harness = True
                super().terminate()

            def kill(self):
                self.fait_killed_by_harness = True
                super().kill()

        class Module(types.ModuleType):
            Process = TrackedProcess

            def __getattr__(self, name):
                return getattr(real, name)

        self.module = Module("multiprocessing")

    def outcome(self):
        p = self.last
        if p is None:
            return {}
        code = p.exitcode
        return {"exitcode": code, "killed_by_harness": bool(getattr(p, "fait_killed_by_harness", False))}


RESOURCE_ERRNOS = {11, 12, 23, 24, 27, 28}  # EAGAIN (fork), ENOMEM, ENFILE, EMFILE, EFBIG, ENOSPC

# What a request for a remote host ends with in a sandbox without network (no route, no DNS).
# A refused connection is not among them: the sandbox has a loopback interface, and a refused
# local connection says something about the solution.
NETWORK_ERRNOS = {-2, -3, -5, 101, 113}  # EAI_NONAME, EAI_AGAIN, EAI_NODATA, ENETUNREACH, EHOSTUNREACH
_NETWORK_MESSAGE = re.compile(
    r"Temporary failure in name resolution|Name or service not known|No address associated with hostname"
    r"|Network is unreachable|No route to host|NameResolutionError|getaddrinfo failed|\[Errno -[235]\]|\[Errno 101\]|\[Errno 113\]"
)


def is_network_failure(text):
    return bool(_NETWORK_MESSAGE.search(text or ""))


def category_of_exception(rec):
    t = rec.get("type", "")
    if t in ("SyntaxError", "IndentationError", "TabError"):
        return "syntax_error"
    # "cannot import name X from Y" is an ImportError too, but Y is installed.
    if rec.get("module") and (t == "ModuleNotFoundError" or rec.get("message", "").startswith("No module named")):
        return "missing_library"
    if rec.get("errno") in NETWORK_ERRNOS or is_network_failure(rec.get("message", "")):
        return "needs_network"
    if t == "TimeoutException":
        return "timeout"
    if t == "MemoryError" or rec.get("errno") in RESOURCE_ERRNOS:
        return "resource_limit"
    return "exception"


def category_of_dead_process(proc):
    """The harness reports a checked process that never reported back as a timeout; tell a real
    timeout from a crash or a kernel limit."""
    code = proc.get("exitcode")
    if proc.get("killed_by_harness"):
        return "timeout", "killed by the harness at its time limit"
    if code in (-signal.SIGXCPU, -signal.SIGXFSZ, -signal.SIGKILL):
        return "resource_limit", f"killed by signal {signal.Signals(-code).name}"
    if isinstance(code, int) and code < 0:
        return "exception", f"crashed with signal {signal.Signals(-code).name}"
    return "exception", f"the checked process exited with status {code} without reporting a result"


def sweep_strays(max_rounds=300):
    """Kills every process of the sandbox except its init (pid 1) and this runner, repeatedly,
    so a fork bomb's survivors cannot keep respawning. Returns False if some would not die."""
    if not _inside_own_pid_namespace():
        return True
    me = os.getpid()
    for _ in range(max_rounds):
        alive = 0
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            pid = int(name)
            if pid in (1, me) or _is_zombie(pid):
                continue
            alive += 1
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if alive == 0:
            return True
        time.sleep(0.005)
    return False


def _inside_own_pid_namespace():
    # Outside a sandbox (mode none) the same loop would kill every process of the user.
    try:
        with open("/proc/1/comm", "rb") as f:
            return f.read().strip() == b"bwrap"
    except OSError:
        return False


def _is_zombie(pid):
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
        return stat[stat.rindex(b")") + 2 : stat.rindex(b")") + 3] in (b"Z", b"X")
    except (OSError, ValueError):
        return True


def _short(exc, limit=300):
    try:
        s = str(exc)
    except Exception:  # noqa: BLE001 - a solution's exception may fail to print
        s = "<unprintable>"
    return s[:limit]
