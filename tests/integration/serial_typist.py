#!/usr/bin/env python3
"""A typist at an emulator's serial line over TCP (QEMU -serial tcp:..., Bochs com1 socket-client).

serial_typist.py PORTFILE LOG SCRIPT: listens on a free local port (written to PORTFILE), takes
one connection, appends everything received to LOG and follows SCRIPT, one step a line:
  wait<TAB>REGEX[<TAB>N]   until REGEX matches N (default 1) lines of the log (\\r dropped)
  type<TAB>TEXT            sends TEXT; \\r, \\xNN escapes as in Python
  sleep<TAB>SECONDS
A wait that times out (WAIT_S, env TYPIST_WAIT, default 300 s) ends the script; the log goes on
until the emulator closes the line.
"""
import os
import re
import socket
import sys
import threading
import time

port_file, log_path, script_path = sys.argv[1:4]
wait_s = float(os.environ.get("TYPIST_WAIT", "300"))
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(1)
with open(port_file + ".tmp", "w") as f:
    f.write(str(srv.getsockname()[1]))
os.rename(port_file + ".tmp", port_file)
srv.settimeout(600)
conn, _ = srv.accept()
data = bytearray()
lock = threading.Lock()
closed = threading.Event()


def reader():
    with open(log_path, "ab", buffering=0) as log:
        while True:
            try:
                chunk = conn.recv(4096)
            except OSError:
                chunk = b""
            if not chunk:
                closed.set()
                return
            log.write(chunk)
            with lock:
                data.extend(chunk)


t = threading.Thread(target=reader, daemon=True)
t.start()


def count(regex):
    with lock:
        text = data.decode("latin-1").replace("\r", "")
    return len(re.findall(regex, text, re.M))


def say(msg):
    sys.stderr.write("typist: " + msg + "\n")
    sys.stderr.flush()


for line in open(script_path):
    line = line.rstrip("\n")
    if not line or line.startswith("#"):
        continue
    step = line.split("\t")
    if step[0] == "wait":
        want = int(step[2]) if len(step) > 2 else 1
        deadline = time.time() + wait_s
        while count(step[1]) < want and time.time() < deadline and not closed.is_set():
            time.sleep(0.2)
        if count(step[1]) < want:
            say("gave up waiting for /%s/ (%d times)" % (step[1], want))
            break
    elif step[0] == "type":
        text = step[1].encode("latin-1").decode("unicode_escape").encode("latin-1")
        try:
            for b in text:  # a byte at a time, as someone types
                conn.sendall(bytes([b]))
                time.sleep(0.01)
        except OSError:
            break
        say("typed %r" % step[1])
    elif step[0] == "sleep":
        time.sleep(float(step[1]))
closed.wait()
