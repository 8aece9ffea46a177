#!/usr/bin/env python3
"""The side of host.sh that talks to its QEMU (docs/lab.md, "Snapshots").

    lab-helper.py save    NAME WORK SNAPSHOT QEMU_PID
    lab-helper.py restore NAME WORK SNAPSHOT QEMU_PID

save: waits for "LAB-HOST NAME SNAPSHOT-POINT" in WORK/console.log (the node is up and the box
waits), stops the machine, migrates it into SNAPSHOT (QMP, file: URI), resumes it and tells the box
"go <unix time>" on its third serial port (WORK/kick.sock): the box sets its clock and prints READY.
restore: QEMU was started with -incoming defer; loads SNAPSHOT (QMP migrate-incoming, mapped-ram),
resumes the machine, then the same "go". Ends when its work is done or QEMU_PID is gone.
"""
import json
import os
import signal
import socket
import sys
import time


def log(name, msg):
    sys.stderr.write("lab-host %s: %s\n" % (name, msg))
    sys.stderr.flush()


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


def connect(path, pid, timeout=120):
    end = time.time() + timeout
    while time.time() < end and alive(pid):
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(path)
            return s
        except OSError:
            s.close()
            time.sleep(0.1)
    raise RuntimeError("cannot connect to " + path)


class Qmp:
    def __init__(self, path, pid):
        self.sock = connect(path, pid)
        self.file = self.sock.makefile("rw")
        self._read()  # greeting
        self.cmd("qmp_capabilities")

    def _read(self):
        while True:
            line = self.file.readline()
            if not line:
                raise RuntimeError("QMP closed")
            msg = json.loads(line)
            if "event" not in msg:
                return msg

    def cmd(self, name, **args):
        self.file.write(json.dumps({"execute": name, "arguments": args}) + "\n")
        self.file.flush()
        r = self._read()
        if "error" in r:
            raise RuntimeError("%s: %s" % (name, r["error"].get("desc")))
        return r.get("return")


def kick(name, work, pid, since):
    """Says "go <time>" to the box until it prints READY (QEMU drops what a client sends just before
    it hangs up, so the connection stays open until then)."""
    console = os.path.join(work, "console.log")
    s = connect(os.path.join(work, "kick.sock"), pid)
    try:
        for _ in range(60):
            s.sendall(("go %d\n" % int(time.time())).encode())
            if wait_line_from(console, "LAB-HOST %s READY" % name, pid, since, timeout=5):
                return
        log(name, "the box did not say READY after go")
    finally:
        s.close()


def save(name, work, snap, pid):
    console = os.path.join(work, "console.log")
    # only this life's lines count: start at the current end of the log
    start = os.path.getsize(console) if os.path.exists(console) else 0
    if not wait_line_from(console, "LAB-HOST %s SNAPSHOT-POINT" % name, pid, start):
        return
    qmp = Qmp(os.path.join(work, "qmp.sock"), pid)
    t0 = time.time()
    tmp = snap + ".tmp.%d" % pid
    try:
        qmp.cmd("stop")
        # mapped-ram: each RAM page has its place in the file, so a restore reads RAM in bulk
        qmp.cmd("migrate-set-capabilities", capabilities=[{"capability": "mapped-ram", "state": True}])
        qmp.cmd("migrate", uri="file:" + tmp)
        while True:
            st = qmp.cmd("query-migrate").get("status")
            if st == "completed":
                break
            if st in ("failed", "cancelled"):
                raise RuntimeError("migration " + st)
            time.sleep(0.2)
        os.rename(tmp, snap)
        log(name, "saved the machine in %.1fs: %s (%d MiB)" % (time.time() - t0, snap, os.path.getsize(snap) >> 20))
    except Exception as e:  # the host runs on without a save
        log(name, "could not save the machine (%s); later lives boot" % e)
        try:
            os.unlink(tmp)
        except OSError:
            pass
    finally:
        try:
            qmp.cmd("cont")
        except Exception as e:
            log(name, "cont failed: %s" % e)
    kick(name, work, pid, start)


def wait_line_from(path, text, pid, start, timeout=None):
    pos = start
    end = None if timeout is None else time.time() + timeout
    while alive(pid) and (end is None or time.time() < end):
        with open(path, "rb") as f:
            f.seek(pos)
            data = f.read()
        cut = data.rfind(b"\n") + 1
        if text.encode() in data[:cut]:
            return True
        pos += cut
        time.sleep(0.5)
    return False


def restore(name, work, snap, pid):
    t0 = time.time()
    console = os.path.join(work, "console.log")
    start = os.path.getsize(console) if os.path.exists(console) else 0
    try:
        qmp = Qmp(os.path.join(work, "qmp.sock"), pid)
        qmp.cmd("migrate-set-capabilities", capabilities=[{"capability": "mapped-ram", "state": True}])
        qmp.cmd("migrate-incoming", uri="file:" + snap)
        while alive(pid):
            st = qmp.cmd("query-migrate").get("status")
            if st == "completed":
                break
            if st in ("failed", "cancelled"):
                raise RuntimeError("incoming migration " + st)
            time.sleep(0.1)
        else:
            raise RuntimeError("QEMU ended")
        # the machine was saved stopped, so it comes back stopped
        if qmp.cmd("query-status").get("status") != "running":
            qmp.cmd("cont")
    except Exception as e:
        log(name, "FAIL: restore of %s failed (%s): it is removed, the next life boots; this life ends" % (snap, e))
        try:
            os.unlink(snap)
        except OSError:
            pass
        try:  # a QEMU waiting for an incoming migration that never comes would wait forever
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
        return
    log(name, "restored in %.1fs" % (time.time() - t0))
    kick(name, work, pid, start)


def main():
    # Ctrl-C reaches QEMU and this helper alike (one process group): QEMU ends, and so does the
    # helper once it sees QEMU gone.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    mode, name, work, snap, pid = sys.argv[1:6]
    pid = int(pid)
    try:
        (save if mode == "save" else restore)(name, work, snap, pid)
    except Exception as e:
        if alive(pid):
            log(name, "helper failed: %s" % e)


if __name__ == "__main__":
    main()
