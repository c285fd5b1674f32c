#!/usr/bin/env python3
"""Raw ICMP and ICMPv6 through a firewall namespace (run as root; every command under `timeout`).

Reads a spec (JSON) on stdin: {"prefix": str, "loaders": [[cmd...]], "types4": [int], "types6": [int],
"pings": bool}. Builds three namespaces, side A - firewall - side B:

  A (v0: 10.71.1.2/24, fd71:1::2/64)  <->  fw a0 (10.71.1.1, fd71:1::1)
  fw b0 (10.71.2.1, fd71:2::1)        <->  B (v0: 10.71.2.2/24, fd71:2::2/64)

loads the ruleset in the firewall namespace, then sends from A to B, and then from B to A, one
unsolicited ICMP packet of every type in "types4" and one ICMPv6 packet of every type in "types6"
(code 0, correct checksum, raw sockets: nothing answers, so each is the first packet conntrack
sees), and records which arrive on the receiver's link. With "pings", it also pings B from A and A from B (echo request and its reply, IPv4 and
IPv6, raw sockets) and reports whether the reply came back. Prints {"a->b": {"arrived4": [...],
"arrived6": [...]}, "b->a": {...}, "pings": {...}} or {"error": ...} / {"load": {...}} on stdout.
"""
import json
import socket
import struct
import subprocess
import sys
import threading
import time

A4, B4, A6, B6 = "10.71.1.2", "10.71.2.2", "fd71:1::2", "fd71:2::2"


def sh(*args, check=True, timeout=20):
    r = subprocess.run(["timeout", str(timeout), *args], capture_output=True, text=True)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}: rc {r.returncode}: {r.stderr.strip()}")
    return r


def ns_exec(ns, *args, **kw):
    return sh("ip", "netns", "exec", ns, *args, **kw)


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def sniff(src4, src6):
    """(inside the receiving side) Print every ICMP/ICMPv6 type that arrives from the sending
    side's addresses until stdin closes."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.ntohs(0x0003))
    s.bind(("v0", 0))
    s.settimeout(0.2)
    seen4, seen6 = set(), set()
    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    print("ready", flush=True)
    while not stop.is_set():
        try:
            frame, addr = s.recvfrom(65535)
        except socket.timeout:
            continue
        if addr[2] == socket.PACKET_OUTGOING:
            continue
        eth = struct.unpack("!H", frame[12:14])[0]
        p = frame[14:]
        if eth == 0x0800 and len(p) >= 21 and p[9] == 1:
            if socket.inet_ntop(socket.AF_INET, p[12:16]) == src4:
                seen4.add(p[(p[0] & 15) * 4])
        elif eth == 0x86DD and len(p) >= 41 and p[6] == 58:
            if socket.inet_ntop(socket.AF_INET6, p[8:24]) == src6:
                seen6.add(p[40])
    print(json.dumps({"arrived4": sorted(seen4), "arrived6": sorted(seen6)}), flush=True)


def send(dst4, dst6, types4, types6):
    """(inside the sending side) One raw packet of each type, spaced so no rate limit interferes."""
    s4 = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    s6 = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    # 4 bytes of rest-of-header (identifier 0x4242, sequence 1) and a small payload.
    rest = struct.pack("!HH", 0x4242, 1) + b"fenceline-icmp-probe"
    for t in types4:
        hdr = struct.pack("!BBH", t, 0, 0) + rest
        pkt = struct.pack("!BBH", t, 0, csum(hdr)) + rest
        s4.sendto(pkt, (dst4, 0))
        time.sleep(0.002)
    for t in types6:
        # The kernel fills in the ICMPv6 checksum (pseudo-header) for raw ICMPv6 sockets.
        s6.sendto(struct.pack("!BBH", t, 0, 0) + rest, (dst6, 0))
        time.sleep(0.002)


def ping(dst):
    """(inside a namespace) One echo request; exit 0 when its echo reply arrives within a second."""
    v6 = ":" in dst
    s = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET, socket.SOCK_RAW,
                      socket.IPPROTO_ICMPV6 if v6 else socket.IPPROTO_ICMP)
    s.settimeout(0.2)
    ident = 0x5150
    body = struct.pack("!HH", ident, 7) + b"fenceline-ping"
    req, rep = (128, 129) if v6 else (8, 0)
    hdr = struct.pack("!BBH", req, 0, 0) + body
    s.sendto(hdr if v6 else struct.pack("!BBH", req, 0, csum(hdr)) + body, (dst, 0))
    deadline = time.time() + 1
    while time.time() < deadline:
        try:
            data, peer = s.recvfrom(2048)
        except socket.timeout:
            continue
        icmp = data if v6 else data[(data[0] & 15) * 4:]
        if peer[0] == dst and icmp[0] == rep and icmp[4:6] == body[0:2]:
            sys.exit(0)
    sys.exit(1)


def run():
    spec = json.load(sys.stdin)
    pre = spec["prefix"]
    fw, a, b = f"{pre}-fw", f"{pre}-a", f"{pre}-b"
    created = []
    out = {}
    try:
        for ns in (fw, a, b):
            sh("ip", "netns", "add", ns)
            created.append(ns)
            ns_exec(ns, "ip", "link", "set", "lo", "up")
        for key in ("net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding"):
            ns_exec(fw, "sysctl", "-qw", f"{key}=1")
        for ns, iface, n in ((a, "a0", 1), (b, "b0", 2)):
            sh("ip", "link", "add", iface, "netns", fw, "type", "veth", "peer", "name", "v0", "netns", ns)
            ns_exec(fw, "ip", "addr", "add", f"10.71.{n}.1/24", "dev", iface)
            ns_exec(fw, "ip", "addr", "add", f"fd71:{n}::1/64", "dev", iface, "nodad")
            ns_exec(fw, "ip", "link", "set", iface, "up")
            ns_exec(ns, "sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0")
            ns_exec(ns, "sysctl", "-qw", "net.ipv6.conf.v0.accept_dad=0")
            # Echo requests are answered; nothing else from the probe makes B send anything back.
            ns_exec(ns, "ip", "addr", "add", f"10.71.{n}.2/24", "dev", "v0")
            ns_exec(ns, "ip", "addr", "add", f"fd71:{n}::2/64", "dev", "v0", "nodad")
            ns_exec(ns, "ip", "link", "set", "v0", "up")
            ns_exec(ns, "ip", "route", "add", "default", "via", f"10.71.{n}.1")
            ns_exec(ns, "ip", "-6", "route", "add", "default", "via", f"fd71:{n}::1")
        for cmd in spec["loaders"]:
            r = ns_exec(fw, *cmd, check=False, timeout=30)
            if r.returncode != 0:
                out["load"] = {"rc": r.returncode, "stderr": r.stderr, "cmd": cmd}
                return out
        # Neighbour discovery on both links first, so the probes are not queued behind it.
        me = __file__
        for ns, n in ((a, 1), (b, 2)):
            for dst in (f"10.71.{n}.1", f"fd71:{n}::1"):
                ns_exec(ns, sys.executable, me, "ping", dst, check=False)
            for dst in (f"10.71.{n}.2", f"fd71:{n}::2"):
                ns_exec(fw, sys.executable, me, "ping", dst, check=False)
        for name, tx, rx, src, dst in (("a->b", a, b, (A4, A6), (B4, B6)),
                                       ("b->a", b, a, (B4, B6), (A4, A6))):
            sn = subprocess.Popen(["timeout", "60", "ip", "netns", "exec", rx, sys.executable, me, "sniff", *src],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            if sn.stdout.readline().strip() != "ready":
                raise RuntimeError(f"sniffer failed: {sn.stderr.read()}")
            ns_exec(tx, sys.executable, me, "send", json.dumps([*dst, spec["types4"], spec["types6"]]), timeout=60)
            time.sleep(0.5)
            sn.stdin.close()
            o, e = sn.stdout.read(), ""
            if sn.wait(timeout=10) != 0:
                e = sn.stderr.read()
            lines = [l for l in o.splitlines() if l.strip()]
            if not lines:
                raise RuntimeError(f"sniffer printed nothing: {e}")
            out[name] = json.loads(lines[-1])
        if spec.get("pings"):
            out["pings"] = {
                name: ns_exec(ns, sys.executable, me, "ping", dst, check=False).returncode == 0
                for name, ns, dst in (("a->b v4", a, B4), ("a->b v6", a, B6),
                                      ("b->a v4", b, A4), ("b->a v6", b, A6))
            }
        return out
    finally:
        for ns in created:
            sh("ip", "netns", "del", ns, check=False)


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "sniff":
        sniff(sys.argv[2], sys.argv[3])
    elif mode == "ping":
        ping(sys.argv[2])
    elif mode == "send":
        send(*json.loads(sys.argv[2]))
    else:
        try:
            print(json.dumps(run()))
        except Exception as e:  # reported to the Rust test as a failure with the reason
            print(json.dumps({"error": str(e)}))
