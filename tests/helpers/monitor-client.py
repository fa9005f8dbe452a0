"""monitor-client.py SOCKET [options] [FIELD...]: speaks to allocsel-monitor as
a hostile or unusual sender would (tests/blackbox/monitor.sh).

  --op OP            the operation (default: log); fields follow it
  --pidfd-of PID     send a pidfd of PID with the message (self: this process)
  --linger S         after sending, close the socket and live S seconds more
  --connections N    open N connections, keep them 2 s, print how many the
                     monitor kept open (it closes the ones over its limits)
  --status           ask for the status and print the records it holds
  --junk N           N connections, each sending an empty and a truncated
                     message carrying two descriptors (which must be closed)
  --repeat N         send the message N times on one connection
"""
import array
import os
import socket
import sys
import time


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(path)
    return s


def main(argv):
    path, args = argv[1], argv[2:]
    op, pidfd_of, linger, connections, fields, junk, repeat = "log", None, 0.0, 0, [], 0, 1
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--op":
            op = args[i + 1]; i += 2
        elif a == "--pidfd-of":
            pidfd_of = args[i + 1]; i += 2
        elif a == "--linger":
            linger = float(args[i + 1]); i += 2
        elif a == "--connections":
            connections = int(args[i + 1]); i += 2
        elif a == "--status":
            op = "status"; i += 1
        elif a == "--junk":
            junk = int(args[i + 1]); i += 2
        elif a == "--repeat":
            repeat = int(args[i + 1]); i += 2
        else:
            fields.append(a); i += 1
    if connections:
        import resource
        resource.setrlimit(resource.RLIMIT_NOFILE, (connections + 64, connections + 64))
        held = []
        for _ in range(connections):
            try:
                held.append(connect(path))
            except OSError:
                pass
        time.sleep(2)
        kept = 0
        for s in held:
            s.setblocking(False)
            try:
                kept += 0 if s.recv(1) == b"" else 1
            except BlockingIOError:
                kept += 1
        print(kept)
        return 0
    if junk:
        r, w = os.pipe()
        fds = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [r, w]))]
        for _ in range(junk):
            s = connect(path)
            s.sendmsg([b""], fds)
            s.sendmsg([b"x" * 40000], fds)
            s.close()
        print("sent")
        return 0
    s = connect(path)
    data = b"\0".join(f.encode() for f in ["ALLOCSEL_OP=" + op] + fields) + b"\0"
    anc = []
    if pidfd_of:
        pid = os.getpid() if pidfd_of == "self" else int(pidfd_of)
        fd = os.pidfd_open(pid)
        anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [fd]))]
    for _ in range(repeat):
        s.sendmsg([data], anc)
    if op == "status":
        msg, ancdata, _, _ = s.recvmsg(256, socket.CMSG_SPACE(4))
        fd = array.array("i", ancdata[0][2])[0]
        sys.stdout.write(os.pread(fd, 1 << 20, 0).decode(errors="replace").replace("\0\0", "\n\n").replace("\0", "\n"))
        return 0
    s.close()
    print(os.getpid(), flush=True)
    time.sleep(linger)
    return 0


sys.exit(main(sys.argv))
