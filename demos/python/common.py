"""What every measuring script shares: CPU time, peak memory, and the one JSON line it prints.

Standard library only, Python 3.8+. Each script prints exactly one JSON object on the last line
of stdout; the tour (demos/src/python.rs) reads that line and nothing else.
"""
import json
import os
import platform
import resource
import signal
import sys
import threading
import time


def cpu_ns():
    """CPU time of this process (all threads) plus its waited-for children, in ns."""
    own = time.process_time_ns()
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own + int((kids.ru_utime + kids.ru_stime) * 1e9)


def _status_kib(name):
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(name):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def reset_peak_rss():
    """Lower the high water mark to now (Linux >= 4.0), as the Rust side does."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:
        pass


def rss_bytes():
    kib = _status_kib("VmRSS:")
    return 0 if kib is None else kib * 1024


def peak_rss_bytes():
    kib = _status_kib("VmHWM:")
    if kib is None:  # not Linux: ru_maxrss is the peak since start, in KiB
        kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kib * 1024


def emit(result):
    """Print the one JSON line, with the interpreter's version."""
    result["python"] = platform.python_version()
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()


def exit_with_parent(poll=0.2):
    """End this script when the tour that started it is gone.

    The tour starts each script as the leader of a process group of its own, so that on overrun
    it can kill the script with its multiprocessing workers. The same group keeps a Ctrl-C at
    the terminal from reaching the script: without this watch, a tour stopped by Ctrl-C would
    leave its script computing in the background. The tour names itself in DEMOS_PARENT_PID
    (our own getppid() at start-up could already be the parent's successor); run by hand,
    without it, there is nothing to watch. A daemon thread that wakes every `poll` seconds
    costs the measurements nothing they can see.
    """
    expected = os.environ.get("DEMOS_PARENT_PID")
    if not expected:
        return
    parent = int(expected)

    def watch():
        while os.getppid() == parent:
            time.sleep(poll)
        if os.getpgrp() == os.getpid():  # our own group: the workers go with us
            os.killpg(os.getpgrp(), signal.SIGKILL)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def main(run):
    """Run `run(args)` and emit its dict; an exception becomes {"error": ...}, exit code 1."""
    exit_with_parent()
    try:
        emit(run(sys.argv[1:]))
    except Exception as e:  # reported to the tour as a skip line, never a hang
        emit({"error": "%s: %s" % (type(e).__name__, e)})
        sys.exit(1)


if sys.version_info < (3, 8):
    sys.stderr.write("these scripts need Python 3.8 or later\n")
    sys.exit(3)
