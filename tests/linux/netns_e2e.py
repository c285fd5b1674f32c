#!/usr/bin/env python3
"""End-to-end probe harness for tests/linux_targets.rs (run as root; every command under `timeout`).

Modes:
  run            read a spec (JSON) on stdin: build the namespaces, load the ruleset, start the
                 listeners, send every probe, tear everything down, print results (JSON) on stdout.
  listen SPEC    (inside a side namespace) serve TCP and UDP echo on the given ports, record the
                 TCP SYNs and UDP datagrams that arrive on the side's link; print them on SIGTERM.
  probe          (inside a side namespace) run the probes given on stdin in parallel.

Spec: {"prefix": str, "loaders": [[cmd...]], "readback": [[cmd...]], "sides": [{"iface", "fw4", "fw6",
"addrs": [...], "routes4": [...], "routes6": [...], "fw_addrs": [...]}], "probes": [{"id", "side",
"dst_side", "src", "dst", "proto", "port", "timeout"}], "capture": optional path}: with "capture", tcpdump
records every packet of the firewall namespace (`-i any`) into that pcap while the probes run. The firewall namespace gets one veth per
side, named as the device's interface, holding the device's own addresses there (`fw_addrs`);
side k holds its addresses on `v<k>` and routes everything via the firewall. A UDP probe whose id
starts with `newport` is answered from a new port of the listener's (as a TFTP server answers).
A probe's `side` or
`dst_side` of -1 is the firewall itself: the probe is sent from its namespace, or its listener
runs there (traffic to and from the device itself).
"""
import json
import os
import selectors
import signal
import socket
import struct
import subprocess
import sys
import threading
import time


def sh(*args, check=True, timeout=20, input=None):
    r = subprocess.run(["timeout", str(timeout), *args], input=input, capture_output=True, text=True)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}: rc {r.returncode}: {r.stderr.strip()}")
    return r


def ns_exec(ns, *args, **kw):
    return sh("ip", "netns", "exec", ns, *args, **kw)


# ---------------------------------------------------------------- listener (inside a side netns)

def listen(spec_json):
    spec = json.loads(spec_json)
    iface = spec["iface"]
    seen = []
    lock = threading.Lock()
    stop = threading.Event()

    def sniff():
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.ntohs(0x0003))
        if iface:
            s.bind((iface, 0))  # otherwise every interface of the namespace
        s.settimeout(0.2)
        while not stop.is_set():
            try:
                frame, addr = s.recvfrom(65535)
            except socket.timeout:
                continue
            if addr[2] == socket.PACKET_OUTGOING:
                continue
            eth = struct.unpack("!H", frame[12:14])[0]
            p = frame[14:]
            if eth == 0x0800 and len(p) >= 20:
                ihl = (p[0] & 15) * 4
                proto, src, dst, l4 = p[9], socket.inet_ntop(socket.AF_INET, p[12:16]), socket.inet_ntop(socket.AF_INET, p[16:20]), p[ihl:]
            elif eth == 0x86DD and len(p) >= 40:
                proto, src, dst, l4 = p[6], socket.inet_ntop(socket.AF_INET6, p[8:24]), socket.inet_ntop(socket.AF_INET6, p[24:40]), p[40:]
            else:
                continue
            # A UDP header is 8 bytes, a TCP one at least 20 (its flags are byte 13).
            if proto not in (6, 17) or len(l4) < (14 if proto == 6 else 8):
                continue
            sport, dport = struct.unpack("!HH", l4[0:4])
            if proto == 6 and not (l4[13] & 0x02 and not l4[13] & 0x10):
                continue  # only SYNs: the first packet of a connection
            with lock:
                seen.append([src, sport, dst, proto, dport])

    def tcp_client(c):
        try:
            c.settimeout(5)
            data = c.recv(64)
            if data:
                c.sendall(b"r" + data)
        except OSError:
            pass
        finally:
            c.close()

    def tcp_server(s):
        while not stop.is_set():
            try:
                c, _ = s.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            threading.Thread(target=tcp_client, args=(c,), daemon=True).start()

    def answer(s):
        try:
            data, peer = s.recvfrom(2048)
        except OSError:
            return
        try:
            if data.startswith(b"newport"):
                # As a TFTP server does: answer from a new socket on a port of its own.
                n = socket.socket(s.family, socket.SOCK_DGRAM)
                n.setsockopt(socket.SOL_IP, 15, 1)  # IP_FREEBIND
                n.bind((s.getsockname()[0], 0))
                n.sendto(b"r" + data, peer)
                n.close()
            else:
                s.sendto(b"r" + data, peer)
        except OSError:
            pass

    # Every UDP socket (one per local address and port: hundreds on a side of many zones) is
    # served by one thread: a thread each made the listener of a large side slow to start on a
    # loaded machine.
    udp = selectors.DefaultSelector()

    def udp_server():
        while not stop.is_set():
            for key, _ in udp.select(timeout=0.2):
                answer(key.fileobj)

    threads = [threading.Thread(target=sniff, daemon=True)]
    for proto, port in spec["ports"]:
        # UDP replies leave from the address the socket is bound to: bind each local address,
        # or a reply from the side's primary address would not match the client's connection.
        addrs = ["0.0.0.0", "::"] if proto == "tcp" else [a.split("/")[0] for a in spec["addrs"]]
        for any_addr in addrs:
            fam = socket.AF_INET6 if ":" in any_addr else socket.AF_INET
            kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
            s = socket.socket(fam, kind)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if fam == socket.AF_INET6:
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            # Bind to addresses that are not (yet) local, e.g. spoofed ones added later.
            s.setsockopt(socket.SOL_IP, 15, 1)  # IP_FREEBIND
            s.bind((any_addr, port))
            s.settimeout(0.2)
            if proto == "tcp":
                s.listen(256)
                threads.append(threading.Thread(target=tcp_server, args=(s,), daemon=True))
            else:
                udp.register(s, selectors.EVENT_READ)
    threads.append(threading.Thread(target=udp_server, daemon=True))
    for t in threads:
        t.start()
    # The handler only sets a flag: a handler that took a lock (`threading.Event.set`) could run
    # while the main thread held that very lock, and the listener would hang until killed.
    terminated = []
    signal.signal(signal.SIGTERM, lambda *_: terminated.append(True))
    print("ready", flush=True)
    deadline = time.monotonic() + 120
    while not terminated and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)  # let the sniffer drain
    stop.set()
    with lock:
        print(json.dumps(seen), flush=True)


# ---------------------------------------------------------------- prober (inside a side netns)

def spoof(s, fam, p):
    """A spoofed source is not a local address: IP_TRANSPARENT lets the socket send from it."""
    if p.get("spoof"):
        if fam == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, 75, 1)  # IPV6_TRANSPARENT
        else:
            s.setsockopt(socket.SOL_IP, 19, 1)  # IP_TRANSPARENT


def probe_one(p, where):
    fam = socket.AF_INET6 if ":" in p["dst"] else socket.AF_INET
    token = p["id"].encode()
    try:
        if p["proto"] == "tcp":
            s = socket.socket(fam, socket.SOCK_STREAM)
            spoof(s, fam, p)
            s.settimeout(p["timeout"])
            s.bind((p["src"], 0))
            where["sport"] = s.getsockname()[1]
            s.connect((p["dst"], p["port"]))
            s.sendall(token)
            data = s.recv(64)
            s.close()
            return "ok" if data == b"r" + token else f"bad reply {data!r}"
        s = socket.socket(fam, socket.SOCK_DGRAM)
        spoof(s, fam, p)
        s.settimeout(p["timeout"])
        s.bind((p["src"], 0))
        where["sport"] = s.getsockname()[1]
        s.sendto(token, (p["dst"], p["port"]))
        data, _ = s.recvfrom(64)
        s.close()
        return "ok" if data == b"r" + token else f"bad reply {data!r}"
    except socket.timeout:
        return "timeout"
    except ConnectionRefusedError:
        return "refused"
    except OSError as e:
        return f"error {e}"


def probe():
    probes = json.load(sys.stdin)
    results = {}
    def run(p):
        where = {"sport": 0}
        r = probe_one(p, where)
        results[p["id"]] = [r, where["sport"]]
    threads = [threading.Thread(target=run, args=(p,)) for p in probes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps(results), flush=True)


# ---------------------------------------------------------------- orchestration (root netns)

def run():
    spec = json.load(sys.stdin)
    pre = spec["prefix"]
    fw = f"{pre}-fw"
    sides = [f"{pre}-s{k}" for k in range(len(spec["sides"]))]
    created = []
    listeners = []
    capture = None
    out = {"results": {}, "seen": [], "load": None}
    try:
        for ns in [fw, *sides]:
            sh("ip", "netns", "add", ns)
            created.append(ns)
            ns_exec(ns, "ip", "link", "set", "lo", "up")
        for key, val in (("net.ipv4.ip_forward", 1), ("net.ipv6.conf.all.forwarding", 1),
                         ("net.ipv4.conf.all.rp_filter", 0), ("net.ipv4.conf.default.rp_filter", 0)):
            ns_exec(fw, "sysctl", "-qw", f"{key}={val}")
        for k, side in enumerate(spec["sides"]):
            ns, v = sides[k], f"v{k}"
            sh("ip", "link", "add", side["iface"], "netns", fw, "type", "veth", "peer", "name", v, "netns", ns)
            ns_exec(fw, "ip", "addr", "add", side["fw4"], "dev", side["iface"])
            ns_exec(fw, "ip", "addr", "add", side["fw6"], "dev", side["iface"], "nodad")
            ns_exec(fw, "ip", "link", "set", side["iface"], "up")
            ns_exec(ns, "sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0")
            ns_exec(ns, "sysctl", "-qw", "net.ipv4.conf.all.rp_filter=0")
            ns_exec(ns, "sysctl", "-qw", f"net.ipv6.conf.{v}.accept_dad=0")
            for a in side["addrs"]:
                extra = ["nodad"] if ":" in a else []
                ns_exec(ns, "ip", "addr", "add", a, "dev", v, *extra)
            for a in side.get("fw_addrs", []):
                extra = ["nodad"] if ":" in a else []
                ns_exec(fw, "ip", "addr", "add", a, "dev", side["iface"], *extra)
            ns_exec(ns, "ip", "link", "set", v, "up")
            gw4 = side["fw4"].split("/")[0]
            gw6 = side["fw6"].split("/")[0]
            ns_exec(ns, "ip", "route", "add", "default", "via", gw4, "dev", v, "onlink")
            ns_exec(ns, "ip", "-6", "route", "add", "default", "via", gw6, "dev", v)
            for r in side["routes4"]:
                ns_exec(fw, "ip", "route", "add", r, "dev", side["iface"])
            for r in side["routes6"]:
                ns_exec(fw, "ip", "-6", "route", "add", r, "dev", side["iface"])
        # Load the ruleset in the firewall namespace, as an operator would.
        for cmd in spec["loaders"]:
            r = ns_exec(fw, *cmd, check=False, timeout=30)
            out["load"] = {"rc": r.returncode, "stderr": r.stderr, "cmd": cmd}
            if r.returncode != 0:
                return out
        out["readback"] = [ns_exec(fw, *cmd, timeout=30).stdout for cmd in spec.get("readback", [])]
        ports = {}
        for p in spec["probes"]:
            ports.setdefault(p["dst_side"], set()).add((p["proto"], p["port"]))
        me = os.path.abspath(__file__)
        fw_addrs = [a for side in spec["sides"] for a in side.get("fw_addrs", [])]
        where = [(k, ns, f"v{k}", spec["sides"][k]["addrs"]) for k, ns in enumerate(sides)]
        if -1 in ports:
            where.append((-1, fw, "", fw_addrs))
        listening = []
        for k, ns, iface, addrs in where:
            lspec = json.dumps({"iface": iface, "ports": sorted(ports.get(k, [])), "addrs": addrs})
            pr = subprocess.Popen(["timeout", "150", "ip", "netns", "exec", ns, sys.executable, me, "listen", lspec],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            listeners.append(pr)
            listening.append(k)
        for pr in listeners:
            line = pr.stdout.readline().strip()
            if line != "ready":
                raise RuntimeError(f"listener failed: {line} {pr.stderr.read()}")
        # A capture in the firewall namespace (`tcpdump -i any`), stopped after the probes.
        if spec.get("capture"):
            capture = subprocess.Popen(["timeout", "150", "ip", "netns", "exec", fw, "tcpdump", "-i", "any", "-U", "-n",
                                        "-w", spec["capture"]],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            said = []
            while not said or ("listening" not in said[-1] and said[-1]):
                said.append(capture.stderr.readline())
                if len(said) > 5:
                    break
            if "listening" not in said[-1]:
                raise RuntimeError(f"tcpdump failed: {''.join(said)}")
        by_side = {}
        for p in spec["probes"]:
            by_side.setdefault(p["side"], []).append(p)
        procs = []
        for k, ps in by_side.items():
            ns = fw if k == -1 else sides[k]
            pr = subprocess.Popen(["timeout", "150", "ip", "netns", "exec", ns, sys.executable, me, "probe"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            pr.stdin.write(json.dumps(ps))
            pr.stdin.close()
            procs.append(pr)
        for pr in procs:
            o = pr.stdout.read()
            pr.wait()
            if pr.returncode != 0:
                raise RuntimeError(f"prober failed: {pr.stderr.read()}")
            out["results"].update(json.loads(o))
        if capture is not None:
            time.sleep(0.5)
            capture.send_signal(signal.SIGTERM)
            capture.communicate(timeout=30)
        for k, pr in enumerate(listeners):
            pr.send_signal(signal.SIGTERM)
        for k, pr in enumerate(listeners):
            # `timeout` forwards SIGTERM to the listener, which prints what it saw (within a second
            # on an idle machine; the bound only matters on a loaded one).
            o, e = pr.communicate(timeout=60)
            lines = [l for l in o.splitlines() if l.strip()]
            for s in json.loads(lines[-1]) if lines else []:
                out["seen"].append([listening[k], *s])
        return out
    finally:
        for pr in [*listeners, *([capture] if capture is not None else [])]:
            if pr.poll() is None:
                pr.kill()
        for ns in created:
            sh("ip", "netns", "del", ns, check=False)


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "listen":
        listen(sys.argv[2])
    elif mode == "probe":
        probe()
    else:
        try:
            print(json.dumps(run()))
        except Exception as e:  # reported to the Rust test as a failure with the reason
            print(json.dumps({"error": str(e)}))
