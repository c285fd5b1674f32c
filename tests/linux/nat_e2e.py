#!/usr/bin/env python3
"""Kernel proof of static 1:1 NAT on a Linux firewall (tests/nat_kernel.rs; run as root).

Two skids with identical inside networks (each with the firewall as its gateway at the same
inside address) behind one firewall namespace, and an ops namespace. Every TCP probe is a full
exchange: three request lines and three answers over one connection, each answer naming the
skid (or host) that served it and the source address it saw, so every packet of the connection
in both directions crosses the translation, not only the SYN.

Modes:
  run            read a spec (JSON) on stdin: build the namespaces, load `ip -batch` and the
                 ruleset, start the servers, run every probe, tear down, print results (JSON).
  serve NAME ADDR PORT...  (inside a namespace) answer every line with `NAME PEER LINE`.
  probe          (inside a namespace) run the probes given on stdin, print results (JSON).

Spec: {"prefix": str, "batch": path, "loaders": [[cmd...]], "fw": [{"iface", "addr"}],
"sides": [{"name", "iface", "addrs": [...], "gw", "ports": [...]}], "probes": [{"id", "side",
"src", "dst", "port", "sport"?, "twin": [dst, port]?}], "watch"?: [{"id", "side", "match"}]}.
Side k is linked to the firewall's `fw[k]`.

A watch counts the packets that arrive in a side's namespace (before its own filtering and
connection tracking) matching an nftables expression, such as a probe's fixed source port: a
probe that gets no answer may still have reached the server (a SYN that arrives but whose
SYN-ACK is dropped on the way back), and "not reachable" means no packet arrives. The result
has {"watch": {id: packets}}.
"""
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netns_e2e import ns_exec, sh  # noqa: E402

HERE = os.path.abspath(__file__)


def serve(name, addr, ports):
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())

    def conn(c, peer):
        buf = b""
        c.settimeout(5)
        try:
            while True:
                d = c.recv(4096)
                if not d:
                    break
                buf += d
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    c.sendall(f"{name} {peer[0]} {line.decode()}\n".encode())
        except OSError:
            pass
        c.close()

    def accept(s):
        while not stop.is_set():
            try:
                c, peer = s.accept()
            except OSError:
                continue
            threading.Thread(target=conn, args=(c, peer), daemon=True).start()

    for p in ports:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((addr, p))
        s.listen(16)
        s.settimeout(0.2)
        threading.Thread(target=accept, args=(s,), daemon=True).start()
    print("ready", flush=True)
    while not stop.is_set():
        time.sleep(0.1)


def exchange(conns, tag):
    """Three rounds over every connection, interleaved: each answer must echo its own line."""
    answers = []
    bufs = [b"" for _ in conns]
    for k in range(3):
        for i, c in enumerate(conns):
            c.sendall(f"{tag}-{i}-{k}\n".encode())
        for i, c in enumerate(conns):
            while b"\n" not in bufs[i]:
                d = c.recv(4096)
                if not d:
                    raise OSError("closed")
                bufs[i] += d
            line, bufs[i] = bufs[i].split(b"\n", 1)
            name, peer, echo = line.decode().split(" ", 2)
            if echo != f"{tag}-{i}-{k}":
                raise OSError(f"answer {echo!r} to {tag}-{i}-{k}")
            answers.append((i, name, peer))
    return answers


def probe_one(p):
    targets = [(p["dst"], p["port"])]
    if p.get("twin"):
        targets.append(tuple(p["twin"]))
    conns = []
    try:
        for dst, port in targets:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.settimeout(2)
            # A twin probe binds both connections to one source port: the skids' replies
            # then have identical tuples, kept apart by their conntrack zones only.
            s.bind((p["src"], p.get("sport", 0)))
            s.connect((dst, port))
            conns.append(s)
        answers = exchange(conns, p["id"])
        # Per connection, the server that answered and the source it saw (same each round).
        seen = sorted({(i, n, a) for i, n, a in answers})
        return ["ok", [[n, a] for _, n, a in seen]]
    except socket.timeout:
        return ["timeout", []]
    except ConnectionRefusedError:
        return ["refused", []]
    except OSError as e:
        return ["error: " + str(e), []]
    finally:
        for c in conns:
            c.close()


def probe():
    probes = json.loads(sys.stdin.read())
    out = {}
    threads = []

    def run(p):
        out[p["id"]] = probe_one(p)

    for p in probes:
        t = threading.Thread(target=run, args=(p,))
        t.start()
        threads.append(t)
    for t in threads:
        t.join()
    print(json.dumps(out))


def run():
    spec = json.loads(sys.stdin.read())
    pre = spec["prefix"]
    fw = f"{pre}fw"
    sides = spec["sides"]
    names = [fw] + [f"{pre}s{k}" for k in range(len(sides))]
    servers = []
    result = {"load": [], "results": {}}
    try:
        for n in names:
            sh("ip", "netns", "add", n)
        # Strict reverse-path filtering, looked up with the packet's mark
        # (docs/targets/linux.md): the skids' identical sources pass by their own interface.
        for key, val in (("net.ipv4.ip_forward", 1), ("net.ipv4.conf.all.rp_filter", 1),
                         ("net.ipv4.conf.default.rp_filter", 1), ("net.ipv4.conf.all.src_valid_mark", 1)):
            ns_exec(fw, "sysctl", "-qw", f"{key}={val}")
        for k, (side, f) in enumerate(zip(sides, spec["fw"])):
            ns = names[k + 1]
            sh("ip", "link", "add", f["iface"], "netns", fw, "type", "veth", "peer", "name", "v0", "netns", ns)
            ns_exec(fw, "ip", "addr", "add", f["addr"], "dev", f["iface"])
            ns_exec(fw, "ip", "link", "set", f["iface"], "up")
            ns_exec(ns, "ip", "link", "set", "lo", "up")
            ns_exec(ns, "ip", "link", "set", "v0", "up")
            for a in side["addrs"]:
                ns_exec(ns, "ip", "addr", "add", a, "dev", "v0")
            ns_exec(ns, "ip", "route", "add", "default", "via", side["gw"])
        for n in names:
            ns_exec(n, "ip", "link", "set", "lo", "up")
        watches = spec.get("watch", [])
        for k in range(len(sides)):
            mine = [(i, w) for i, w in enumerate(watches) if w["side"] == k]
            if not mine:
                continue
            rules = "".join(f"counter w{i} {{}}\n" for i, _ in mine)
            rules += "chain pre {\ntype filter hook prerouting priority -400; policy accept;\n"
            rules += "".join(f"{w['match']} counter name w{i}\n" for i, w in mine)
            ns_exec(names[k + 1], "nft", "-f", "-", input=f"table inet fl_watch {{\n{rules}}}\n}}\n")
        for cmd in [["ip", "-batch", spec["batch"]]] + spec["loaders"]:
            r = ns_exec(fw, *cmd, check=False)
            result["load"].append({"cmd": cmd, "rc": r.returncode, "err": r.stderr})
        for k, side in enumerate(sides):
            if not side["ports"]:
                continue
            addr = side["addrs"][0].split("/")[0]
            pr = subprocess.Popen(
                ["ip", "netns", "exec", names[k + 1], "python3", HERE, "serve", side["name"], "0.0.0.0"]
                + [str(p) for p in side["ports"]],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            )
            servers.append(pr)
            if pr.stdout.readline().strip() != "ready":
                raise RuntimeError(f"server {side['name']} ({addr}) did not start: {pr.stderr.read()}")
        by_side = {}
        for p in spec["probes"]:
            by_side.setdefault(p["side"], []).append(p)
        for k, probes in by_side.items():
            r = ns_exec(names[k + 1], "python3", HERE, "probe", input=json.dumps(probes), timeout=60)
            result["results"].update(json.loads(r.stdout))
        result["watch"] = {}
        for i, w in enumerate(watches):
            r = ns_exec(names[w["side"] + 1], "nft", "-j", "list", "counter", "inet", "fl_watch", f"w{i}")
            counters = [o["counter"] for o in json.loads(r.stdout)["nftables"] if "counter" in o]
            result["watch"][w["id"]] = counters[0]["packets"]
    except Exception as e:  # reported, never hidden: the Rust side fails on it
        result["error"] = str(e)
    finally:
        for pr in servers:
            pr.send_signal(signal.SIGTERM)
            try:
                pr.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pr.kill()
        for n in names:
            sh("ip", "netns", "del", n, check=False)
    print(json.dumps(result))


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "run":
        run()
    elif mode == "serve":
        serve(sys.argv[2], sys.argv[3], [int(p) for p in sys.argv[4:]])
    elif mode == "probe":
        probe()
