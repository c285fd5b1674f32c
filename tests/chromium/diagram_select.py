#!/usr/bin/env python3
"""Drives headless Chromium over the DevTools protocol on a pipe (--remote-debugging-pipe: no
port, no websocket, no driver, nothing downloaded; the standard library only). Loads a report,
clicks (real mouse events at the element's centre) each target given, and prints, per click,
what the page shows as selected, as JSON on standard output. Saves a screenshot after the last
click.

usage: diagram_select.py CHROMIUM REPORT.html SCREENSHOT.png PROFILE_DIR KIND:NAME...
"""
import base64
import json
import os
import subprocess
import sys

CHROMIUM, REPORT, SHOT, PROFILE = sys.argv[1:5]
CLICKS = [a.split(":", 1) for a in sys.argv[5:]]

to_chrome_r, to_chrome_w = os.pipe()
from_chrome_r, from_chrome_w = os.pipe()


def child_fds():
    # Chromium reads commands on fd 3 and writes replies and events on fd 4.
    os.dup2(to_chrome_r, 3)
    os.dup2(from_chrome_w, 4)


proc = subprocess.Popen(
    [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--remote-debugging-pipe",
        "--hide-scrollbars",
        "--user-data-dir=" + PROFILE,
        "about:blank",
    ],
    pass_fds=(3, 4),
    preexec_fn=child_fds,
    stdout=subprocess.DEVNULL,
    stderr=None if os.environ.get("DIAGRAM_DEBUG") else subprocess.DEVNULL,
)
os.close(to_chrome_r)
os.close(from_chrome_w)
writer = os.fdopen(to_chrome_w, "wb", buffering=0)
reader = os.fdopen(from_chrome_r, "rb", buffering=0)
pending = b""
next_id = 0
events = []


def read_message():
    global pending
    while b"\0" not in pending:
        chunk = reader.read(65536)
        if not chunk:
            raise SystemExit("chromium closed the pipe")
        pending += chunk
    msg, pending = pending.split(b"\0", 1)
    return json.loads(msg)


def send(method, params=None, session=None):
    global next_id
    next_id += 1
    msg = {"id": next_id, "method": method, "params": params or {}}
    if session:
        msg["sessionId"] = session
    writer.write(json.dumps(msg).encode() + b"\0")
    while True:
        m = read_message()
        if m.get("id") == next_id:
            if "error" in m:
                raise SystemExit(f"{method}: {m['error']}")
            return m.get("result", {})
        events.append(m)


def wait_event(name):
    while True:
        for i, m in enumerate(events):
            if m.get("method") == name:
                del events[i]
                return m
        events.append(read_message())


try:
    target = send("Target.createTarget", {"url": "about:blank"})["targetId"]
    s = send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    send("Page.enable", session=s)
    send(
        "Emulation.setDeviceMetricsOverride",
        {"width": 1400, "height": 1000, "deviceScaleFactor": 1, "mobile": False},
        session=s,
    )
    send("Page.navigate", {"url": "file://" + os.path.abspath(REPORT)}, session=s)
    wait_event("Page.loadEventFired")

    def evaluate(expr):
        r = send("Runtime.evaluate", {"expression": expr, "returnByValue": True}, session=s)
        if "exceptionDetails" in r:
            raise SystemExit(f"script error: {r['exceptionDetails']}")
        return r["result"].get("value")

    out = {"clicks": []}
    # Every label's text fits its box as the browser lays it out (the layout's width estimate).
    out["label_overflow"] = evaluate(
        """Array.from(document.querySelectorAll('.diagram svg .conduit-label')).filter(function (g) {
             var r = g.querySelector('rect').getBBox(), t = g.querySelector('text').getBBox();
             return t.x < r.x - 0.5 || t.x + t.width > r.x + r.width + 0.5;
           }).map(function (g) { return g.getAttribute('data-conduit'); })"""
    )
    for kind, name in CLICKS:
        sel = (
            f'.diagram svg .zone[data-zone="{name}"] rect'
            if kind == "zone"
            else f'.diagram svg .conduit-label[data-conduit="{name}"] rect'
        )
        box = evaluate(
            f"""(function () {{ var e = document.querySelector('{sel}');
                 e.scrollIntoView({{block: 'center', inline: 'center'}});
                 var r = e.getBoundingClientRect();
                 return [r.left + r.width / 2, r.top + r.height / 2]; }})()"""
        )
        for typ in ("mouseMoved", "mousePressed", "mouseReleased"):
            send(
                "Input.dispatchMouseEvent",
                {"type": typ, "x": box[0], "y": box[1], "button": "left", "clickCount": 1},
                session=s,
            )
        out["clicks"].append(
            evaluate(
                """(function () {
                  function names(sel, attr) {
                    return Array.from(document.querySelectorAll(sel)).map(function (e) { return e.getAttribute(attr); });
                  }
                  var st = document.getElementById('selection');
                  return {
                    kind: st.getAttribute('data-kind'), name: st.getAttribute('data-name'), status: st.textContent,
                    zones: names('.diagram svg .zone.sel', 'data-zone'),
                    conduits: names('.diagram svg .conduit.sel', 'data-conduit'),
                    labels: names('.diagram svg .conduit-label.sel', 'data-conduit'),
                    flows: Array.from(document.querySelectorAll('tr.flow.sel')).map(function (e) {
                      return e.getAttribute('data-conduit') + ' ' + e.getAttribute('data-from') + ' ' + e.getAttribute('data-to'); }),
                    findings: document.querySelectorAll('tr.finding.sel').length,
                    rows: names('tr.conduit-row.sel', 'data-conduit'),
                    headings: names('h3.sel', 'id')
                  };
                })()"""
            )
        )
    # The diagram, with the last selection, scrolled into view.
    clip = evaluate(
        """(function () { var d = document.querySelector('.diagram');
             d.scrollLeft = 0; d.scrollIntoView(); var r = d.getBoundingClientRect();
             return {x: r.left + window.scrollX, y: r.top + window.scrollY,
                     width: Math.min(r.width, 1400), height: r.height, scale: 1}; })()"""
    )
    png = send("Page.captureScreenshot", {"format": "png", "clip": clip, "captureBeyondViewport": True}, session=s)
    with open(SHOT, "wb") as f:
        f.write(base64.b64decode(png["data"]))
    print(json.dumps(out, indent=1, sort_keys=True))
finally:
    try:
        writer.write(json.dumps({"id": 999999, "method": "Browser.close"}).encode() + b"\0")
    except OSError:
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
