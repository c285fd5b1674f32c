#!/usr/bin/env python3
"""Parallel firewalls in one topology, for tests/linux_targets.rs (run as root).

Two sides (network namespaces A and B) joined by several firewalls, each with its own veth pair
to each side and its own generated ruleset. Each round points the routes of both sides through
one firewall (`ip route replace`), then sends its probes with the listener and prober of
netns_e2e.py; the next round moves the routes to another firewall.

Spec (JSON on stdin): {"prefix": str, "firewalls": [{"ifaces": [side A name, side B name],
"loaders": [[cmd...]]}], "sides": [{"addrs": [...], "nets4": [...]}] (A, then B),
"rounds": [{"via": firewall index, "probes": [{"id", "side", "src", "dst", "proto", "port",
"timeout"}]}]}. Prints {"results": {"<round>-<id>": [result, source port]}, "load": [...]}.
"""
import json
import os
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netns_e2e import ns_exec, sh  # noqa: E402

HARNESS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "netns_e2e.py")


def link(k, side):
    """(firewall address, side address) of firewall k's link to side 0 (A) or 1 (B)."""
    net = f"169.254.{10 + 2 * k + side}"
    return f"{net}.1", f"{net}.2"


def run():
    spec = json.load(sys.stdin)
    pre = spec["prefix"]
    sides = [f"{pre}-a", f"{pre}-b"]
    fws = [f"{pre}-f{k}" for k in range(len(spec["firewalls"]))]
    created, listeners = [], []
    out = {"results": {}, "load": []}
    try:
        for ns in [*sides, *fws]:
            sh("ip", "netns", "add", ns)
            created.append(ns)
            ns_exec(ns, "ip", "link", "set", "lo", "up")
            ns_exec(ns, "sysctl", "-qw", "net.ipv4.conf.all.rp_filter=0")
            ns_exec(ns, "sysctl", "-qw", "net.ipv4.conf.default.rp_filter=0")
        for s, side in enumerate(spec["sides"]):
            for a in side["addrs"]:
                ns_exec(sides[s], "ip", "addr", "add", a, "dev", "lo")
        for k, fw in enumerate(spec["firewalls"]):
            ns_exec(fws[k], "sysctl", "-qw", "net.ipv4.ip_forward=1")
            for s in (0, 1):
                iface, peer = fw["ifaces"][s], f"{'ab'[s]}{k}"
                fw_ip, side_ip = link(k, s)
                sh("ip", "link", "add", iface, "netns", fws[k], "type", "veth", "peer", "name", peer,
                   "netns", sides[s])
                ns_exec(fws[k], "ip", "addr", "add", f"{fw_ip}/24", "dev", iface)
                ns_exec(sides[s], "ip", "addr", "add", f"{side_ip}/24", "dev", peer)
                ns_exec(fws[k], "ip", "link", "set", iface, "up")
                ns_exec(sides[s], "ip", "link", "set", peer, "up")
                for n in spec["sides"][s]["nets4"]:
                    ns_exec(fws[k], "ip", "route", "add", n, "via", side_ip, "dev", iface)
            for cmd in fw["loaders"]:
                r = ns_exec(fws[k], *cmd, check=False, timeout=30)
                out["load"].append({"rc": r.returncode, "stderr": r.stderr, "cmd": cmd})
                if r.returncode != 0:
                    return out
        ports = {0: set(), 1: set()}
        for rnd in spec["rounds"]:
            for p in rnd["probes"]:
                ports[1 - p["side"]].add((p["proto"], p["port"]))
        for s, ns in enumerate(sides):
            lspec = json.dumps({"iface": "lo", "ports": sorted(ports[s]), "addrs": spec["sides"][s]["addrs"]})
            pr = subprocess.Popen(["timeout", "150", "ip", "netns", "exec", ns, sys.executable, HARNESS, "listen", lspec],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            listeners.append(pr)
        for pr in listeners:
            line = pr.stdout.readline().strip()
            if line != "ready":
                raise RuntimeError(f"listener failed: {line} {pr.stderr.read()}")
        for r, rnd in enumerate(spec["rounds"]):
            k = rnd["via"]
            for s in (0, 1):
                fw_ip, _ = link(k, s)
                for n in spec["sides"][1 - s]["nets4"]:
                    ns_exec(sides[s], "ip", "route", "replace", n, "via", fw_ip, "dev", f"{'ab'[s]}{k}")
            for s in (0, 1):
                ps = [p for p in rnd["probes"] if p["side"] == s]
                if not ps:
                    continue
                pr = subprocess.run(["timeout", "60", "ip", "netns", "exec", sides[s], sys.executable, HARNESS, "probe"],
                                    input=json.dumps(ps), capture_output=True, text=True)
                if pr.returncode != 0:
                    raise RuntimeError(f"prober failed: {pr.stderr}")
                for pid, res in json.loads(pr.stdout).items():
                    out["results"][f"{r}-{pid}"] = res
        return out
    finally:
        for pr in listeners:
            if pr.poll() is None:
                pr.send_signal(signal.SIGTERM)
                try:
                    pr.communicate(timeout=10)
                except subprocess.TimeoutExpired:
                    pr.kill()
        for ns in created:
            sh("ip", "netns", "del", ns, check=False)


if __name__ == "__main__":
    try:
        print(json.dumps(run()))
    except Exception as e:  # reported to the test, which fails with it
        print(json.dumps({"error": str(e)}))
