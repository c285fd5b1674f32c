#!/usr/bin/env python3
"""Latency of `fenceline lsp` (release binary) on generated policies, as an editor sees it.

    python3 benches/lsp_latency.py [FLOWS...]      # default: 1000 10000

For each size, examples/gen-policy writes a policy (20 zones of 20 assets, FLOWS flows); the
server starts with no debounce (`debounceMs: 0`, so the figure is the check itself, not the
wait an editor's typing adds) and the policy is opened. Then, RUNS times each:
  change     a description's text edited: time from `didChange` to its `publishDiagnostics`
  hover      on a zone reference inside a flow
  definition of the same reference
Prints tab-separated lines: size, measure, median and 95th percentile wall ms, the server's
CPU ms per operation (from /proc: what the operation costs whatever else the machine runs), and
the budget.
docs/performance.md records a run.
"""
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNS = int(os.environ.get("RUNS", "30"))
BUDGET = {1000: {"change": 50}, 10000: {"change": 300}}
BIN = os.environ.get("FENCELINE_BIN", os.path.join(ROOT, "target/release/fenceline"))
GEN = os.environ.get("GEN_POLICY", os.path.join(ROOT, "target/release/examples/gen-policy"))


class Server:
    def __init__(self, root):
        self.p = subprocess.Popen([BIN, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.next_id = 0
        self.request("initialize", {"processId": None, "rootUri": "file://" + root,
                                    "capabilities": {},
                                    "initializationOptions": {"debounceMs": 0}})
        self.notify("initialized", {})

    def send(self, msg):
        body = json.dumps(msg).encode()
        self.p.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.p.stdin.flush()

    def read(self):
        length = None
        while True:
            line = self.p.stdout.readline()
            if not line:
                raise SystemExit("the server ended")
            line = line.strip()
            if not line:
                break
            if line.startswith(b"Content-Length:"):
                length = int(line.split(b":")[1])
        return json.loads(self.p.stdout.read(length))

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method, params):
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        while True:
            m = self.read()
            if m.get("id") == self.next_id and "method" not in m:
                if "error" in m:
                    raise SystemExit(f"{method}: {m['error']}")
                return m["result"]

    def diagnostics(self, uri):
        while True:
            m = self.read()
            if m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri:
                return m["params"]["diagnostics"]

    def close(self):
        self.request("shutdown", None)
        self.notify("exit", None)
        self.p.wait(10)


def cpu_seconds(pid):
    """The server's CPU time so far (user and system, every thread), from /proc."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def position(text, offset):
    line = text.count("\n", 0, offset)
    col = offset - (text.rfind("\n", 0, offset) + 1)
    return {"line": line, "character": col}


def ms(samples):
    s = sorted(samples)
    return statistics.median(s) * 1000, s[min(len(s) - 1, int(len(s) * 0.95))] * 1000


def bench(flows, work):
    path = os.path.join(work, f"lsp-{flows}.fence")
    subprocess.run([GEN, "--zones", "20", "--assets", "20", "--flows", str(flows), "-o", path],
                   check=True, stdout=subprocess.DEVNULL)
    text = open(path).read()
    uri = "file://" + os.path.realpath(path)
    srv = Server(work)
    srv.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "fenceline",
                                                         "version": 1, "text": text}})
    srv.diagnostics(uri)
    at = text.index("  allow ") + len("  allow ") + 1
    target = {"textDocument": {"uri": uri}, "position": position(text, at)}
    results = {"change": [], "hover": [], "definition": []}
    cpu = {}
    desc = text.index('description "') + len('description "')
    before = cpu_seconds(srv.p.pid)
    for i in range(RUNS):
        edited = text[:desc] + f"edit {i} " + text[desc:]
        t = time.perf_counter()
        srv.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": i + 2},
                                              "contentChanges": [{"text": edited}]})
        srv.diagnostics(uri)
        results["change"].append(time.perf_counter() - t)
    cpu["change"] = (cpu_seconds(srv.p.pid) - before) / RUNS
    for name, method in (("hover", "textDocument/hover"), ("definition", "textDocument/definition")):
        before = cpu_seconds(srv.p.pid)
        for _ in range(RUNS):
            t = time.perf_counter()
            r = srv.request(method, target)
            results[name].append(time.perf_counter() - t)
            if not r:
                raise SystemExit(f"{method}: no answer at {target}")
        cpu[name] = (cpu_seconds(srv.p.pid) - before) / RUNS
    srv.close()
    for name, samples in results.items():
        med, p95 = ms(samples)
        budget = BUDGET.get(flows, {}).get(name, 10 if name != "change" else "")
        print(f"{flows}\t{name}\t{med:.1f}\t{p95:.1f}\t{cpu[name] * 1000:.1f}\t{budget}")


def main():
    sizes = [int(a) for a in sys.argv[1:]] or [1000, 10000]
    work = os.environ.get("BENCH_DIR", "/tmp/fenceline-bench")
    os.makedirs(work, exist_ok=True)
    load = open("/proc/loadavg").read().split()[0]
    print(f"# {os.cpu_count()} cores, load {load}; RUNS={RUNS}")
    print("# size\tmeasure\tmedian ms\tp95 ms\tserver CPU ms\tbudget ms")
    for flows in sizes:
        bench(flows, work)


if __name__ == "__main__":
    main()
