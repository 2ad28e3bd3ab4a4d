"""``lapak demo`` end to end: a small headless branch in a subprocess, and its clean-up."""
from __future__ import annotations

import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CMD = [sys.executable, "-m", "lapak", "demo", "--booths", "2"]
ROW = re.compile(r"^ (\S+)\s+(\S+)\s+(\S+)\s+(connected|connecting|lost|new|stalled)\s+([\d.]+)\s+(\S+)\s+([\d.]+)\s+"
                 r".*\s(\d+)/(\d+)\s+(\d+)/(\d+)\s*$")
TILE_STATES = {"reconnecting", "device_fault", "hand_raised", "still_arriving", "document_requested", "talking",
               "waiting_for_you", "on_hold", "-"}


def children_left(port: str, pids: list[int]) -> list[str]:
    """Processes still alive from this demo: simbooths talking to its port, or its own pids."""
    left = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = next((l for l in (entry / "status").read_text().splitlines() if l.startswith("State:")), "")
        except OSError:
            continue
        if "Z" in state.split(":", 1)[-1].split()[:1]:  # a zombie is already dead
            continue
        if ("lapak.simbooth" in cmd and f":{port}" in cmd) or (int(entry.name) in pids and "python" in cmd):
            left.append(f"{entry.name}: {cmd}")
    return left


def started(out: str) -> tuple[str, list[int]]:
    m = re.search(r"signaling on wss://[\d.]+:(\d+) \(pid (\d+)\); \d+ booth processes starting: pids ([\d ]+)", out)
    assert m, out
    return m.group(1), [int(m.group(2))] + [int(p) for p in m.group(3).split()]


def last_table(out: str) -> list[tuple]:
    blocks = out.split(" session ")
    return [m.groups() for line in blocks[-1].splitlines() if (m := ROW.match(line))]


def test_demo_runs_prints_figures_and_leaves_no_child(tmp_path):
    with open(tmp_path / "stderr.log", "wb") as err:
        proc = subprocess.run(CMD + ["--duration", "20"], cwd=ROOT, stdout=subprocess.PIPE, stderr=err,
                              timeout=90, text=True)
    out = proc.stdout
    assert proc.returncode == 0, (tmp_path / "stderr.log").read_text()[-2000:]
    port, pids = started(out)
    rows = last_table(out)
    assert len(rows) == 2, out
    for sid, ticket, tile, state, face_fps, size, _doc, stills, _rejected, verified, checklist in rows:
        assert state == "connected" and float(face_fps) > 0, out
        assert re.match(r"A\d{3}$", ticket) and tile in TILE_STATES and int(checklist) == 6, out
    # the scripted officer asked the focused booth for documents and verified what arrived
    assert sum(int(r[7]) for r in rows) >= 1 and sum(int(r[9]) for r in rows) >= 1, out
    assert re.search(r"decisions recorded=[1-9]", out), out
    assert re.search(r"cpu=[\d.]+ cores", out)
    deadline = time.monotonic() + 5
    while children_left(port, pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert children_left(port, pids) == []


def test_sigterm_leaves_no_child(tmp_path):
    err = open(tmp_path / "stderr.log", "wb")
    proc = subprocess.Popen(CMD + ["--duration", "40"], cwd=ROOT, stdout=subprocess.PIPE, stderr=err, text=True)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(l) for l in proc.stdout], daemon=True).start()
    out, deadline = "", time.monotonic() + 40
    try:
        while time.monotonic() < deadline and not any(float(r[4]) > 0 for r in last_table(out)):
            try:
                out += lines.get(timeout=0.5)
            except queue.Empty:
                pass
        port, pids = started(out)
        assert any(float(r[4]) > 0 for r in last_table(out)), out  # booths are live
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        err.close()
    deadline = time.monotonic() + 5
    while children_left(port, pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert children_left(port, pids) == []
