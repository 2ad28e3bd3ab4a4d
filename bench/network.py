"""Calls on a network like a real branch's: delay, jitter, loss, a cut, a server and a console
restarted mid-call (the network-impairment harness, ``bench/netimpair.py``; needs root).

Hosts: the signaling server, the console and six booths, each in its own network namespace,
joined through one router. The booths run the real booth app with a scripted participant
(``lapak.simbooth``, 640x480@30 synthetic faces); the console runs the real console app with a
scripted officer who turns to the next booth every 6 s and asks the focused booth for a document
still every 8 s (captured and encoded at the booth when asked, 1920x1080 PNG). Phases (each
booth's link impaired both ways, the console's and the server's links clean):

* ``clean``: no impairment;
* ``loss``: 40 ± 10 ms delay and 2 % loss on every booth link;
* ``cut``: every booth link cut for 5 s, then back to ``loss``: how long until each booth's video
  is back at the console, and the officer's video back at the focused booth;
* ``server``: the signaling server killed with SIGKILL and started again on the same port;
* ``console``: the console process killed and started again (within the resume grace).

Printed per phase: focused and grid face frames per second, the share of booth-seconds with no
new face frame, the longest freeze, new peer connections per minute, still request -> fetched
(p50 / p95) and whether each arrived byte-identical.

    sudo python -m bench.network [--phase-seconds 60] [--phases clean,loss,cut,server,console] [--write]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import re
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.report import Transcript

OUT = Transcript()
FOCUS_DWELL = 6.0
STILL_EVERY = 5.0


# ============================================================================== the console process


async def console_worker(args: argparse.Namespace) -> None:
    """Runs in the console's namespace: the console app, a scripted officer, and the record."""
    from common.documents import DocumentKind
    from cso_console import desk as dk
    from cso_console.app import ConsoleApp
    from cso_console.config import ConsoleConfig
    from media.config import MediaConfig
    from media.control import CaptureMode
    from media.engine import CsoMedia
    from media.events import CallAdded, CallStateChanged, DocumentPendingAtBooth
    from hardware.synthetic import SyntheticFaceCamera, ToneMicrophone

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    config = ConsoleConfig(cso={"id": "cso-01", "token": args.token}, server={"url": args.url, "allow_plain": True})
    app = ConsoleApp(config, CsoMedia(face=SyntheticFaceCamera(320, 240, 15, seed=99), audio=ToneMicrophone(220)),
                     media_config=MediaConfig())
    record: dict = {"frames": {}, "focus": [], "states": [], "stills": [], "requests": {}, "pcs": {},
                    "steps": {}}

    def on_input(e) -> None:
        now = time.monotonic()
        if isinstance(e, CallAdded):
            times = record["frames"].setdefault(e.session_id, [])
            app.engine.calls[e.session_id].sinks["face"].subscribe(lambda name, f, t=times: t.append(time.monotonic()))
        elif isinstance(e, CallStateChanged):
            record["states"].append((now, e.session_id, e.state.value))
        elif isinstance(e, DocumentPendingAtBooth):
            record["steps"].setdefault(e.request_id, {}).setdefault("pending", now)
        elif isinstance(e, dk.StillAvailable):
            record["steps"].setdefault(e.still.request_id, {}).setdefault("available", now)
        elif isinstance(e, dk.StillFetched):
            asked = record["requests"].pop(e.still.request_id, None)
            data = app.still(e.still.sha256)
            steps = record["steps"].pop(e.still.request_id, {})
            record["stills"].append({"asked": asked, "got": now, "sha256": e.still.sha256, "size": e.still.size,
                                     "pending": steps.get("pending"), "available": steps.get("available"),
                                     "identical": data is not None and __import__("hashlib").sha256(
                                         data[1]).hexdigest() == e.still.sha256})
        elif isinstance(e, dk.StillFetchFailed):
            record["stills"].append({"asked": record["requests"].pop(e.still.request_id, None), "got": None,
                                     "error": e.reason})

    def on_command(c) -> None:
        if isinstance(c, dk.AskDocument):
            record["requests"][c.request_id] = time.monotonic()
        elif isinstance(c, dk.SetFocus):
            record["focus"].append((time.monotonic(), c.session_id))

    app.on_input(on_input)
    app.on_command(on_command)
    await app.start()
    turn, next_turn, next_still = 0, time.monotonic(), time.monotonic() + 3
    out, next_save = Path(args.out), time.monotonic() + 2

    def save() -> None:  # often: a console killed with SIGKILL leaves what it recorded
        record["pcs"] = {sid: c.peer_connections for sid, c in app.engine.calls.items()}
        record["tiles"] = [(t.session_id, t.focused, repr(t.request), [(e.document.value, e.status.value)
                                                                        for e in t.checklist])
                           for t in app.view.tiles if t is not None]
        receivers = record.setdefault("receivers", [])
        for sid, c in app.engine.calls.items():
            videos = [t for t in c.pc.getTransceivers() if t.kind == "video"] if c.pc is not None else []
            if videos:
                jb = getattr(videos[0].receiver, "_RTCRtpReceiver__jitter_buffer", None)
                nack = getattr(videos[0].receiver, "_RTCRtpReceiver__nack_generator", None)
                receivers.append((time.monotonic(), sid, c.peer_connections, getattr(jb, "frames_skipped", 0),
                                  getattr(jb, "frames_dropped", 0), getattr(nack, "repeats", 0),
                                  getattr(nack, "outages", 0), c.keyframe_requests))
        tmp = out.with_suffix(".tmp")
        tmp.write_text(json.dumps(record))
        tmp.replace(out)

    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), 0.25)
        except asyncio.TimeoutError:
            pass
        tiles = [t for t in app.view.tiles if t is not None]
        for t in tiles:
            for entry in t.checklist:
                if entry.status.value == "received":
                    app.feed(dk.Verify(t.session_id, entry.document))
        now = time.monotonic()
        if tiles and now >= next_turn:
            app.feed(dk.Focus(tiles[turn % len(tiles)].session_id))
            turn += 1
            next_turn = now + FOCUS_DWELL
        focused = next((t for t in tiles if t.focused), None)
        if focused is not None and now >= next_still and focused.request is None:
            needed = [e.document for e in focused.checklist if e.status.value in ("needed", "verified")]
            app.feed(dk.RequestDocument(focused.session_id, needed[0] if needed else DocumentKind.OTHER,
                                        CaptureMode.NOW))
            next_still = now + STILL_EVERY
        if now >= next_save:
            save()
            next_save = now + 2
    save()
    await app.close()


# ============================================================================== the orchestrator


def window(times: list[float], start: float, end: float) -> list[float]:
    return [t for t in times if start <= t < end]


def freeze_figures(frames: dict[str, list[float]], focus: list, start: float, end: float) -> dict:
    """Focused / grid fps, booth-seconds with no frame, longest freeze, in [start, end)."""
    span = end - start
    idle_buckets, total_buckets, longest = 0, 0, 0.0
    focused_frames = grid_frames = 0.0
    grid_time = focused_time = 0.0
    for sid, times in frames.items():
        ts = window(times, start, end)
        for b in range(int(span)):
            total_buckets += 1
            if not window(ts, start + b, start + b + 1):
                idle_buckets += 1
        gaps = [b - a for a, b in zip([start] + ts, ts + [end])]
        longest = max(longest, max(gaps) if gaps else span)
        # split this booth's frames by who was focused when they arrived
        segs = focus_segments(focus, start, end)
        for a, b, fsid in segs:
            n = len(window(ts, a, b))
            if fsid == sid:
                focused_frames += n
                focused_time += b - a
            else:
                grid_frames += n
                grid_time += b - a
    return {
        "focused_fps": focused_frames / focused_time if focused_time else float("nan"),
        "grid_fps": grid_frames / grid_time if grid_time else float("nan"),
        "frozen_share": idle_buckets / total_buckets if total_buckets else float("nan"),
        "longest_freeze": longest,
    }


def focus_segments(focus: list, start: float, end: float) -> list[tuple[float, float, str | None]]:
    """[(from, to, focused session)] covering [start, end)."""
    current, out, t = None, [], start
    for at, sid in focus:
        if at <= start:
            current = sid
            continue
        if at >= end:
            break
        out.append((t, at, current))
        t, current = at, sid
    out.append((t, end, current))
    return [(a, b, s) for a, b, s in out if b > a]


def first_after(times: list[float], t: float) -> float | None:
    return next((x - t for x in times if x >= t), None)


def run(args: argparse.Namespace) -> int:
    from bench.netimpair import Topology, unavailable_reason
    from lapak.demo import config_toml
    from signaling.testing import branch_config, tokens_of

    why = unavailable_reason()
    if why:
        print(f"bench.network needs the network-impairment harness: {why}", file=sys.stderr)
        return 2
    phases = args.phases.split(",")
    work = Path(tempfile.mkdtemp(prefix="lapak-network-"))
    booths = [f"b{i}" for i in range(1, 7)]
    marks: dict[str, tuple[float, float]] = {}
    extra: dict = {}
    with Topology(["server", "console", *booths]) as net:
        srv = net["server"]
        if args.tcp_cc:  # every host's default, as a machine with another default would have it
            for name in ["server", "console", *booths]:
                net[name].run(["sysctl", "-q", f"net.ipv4.tcp_congestion_control={args.tcp_cc}"])
        config = branch_config(work / "branch.sqlite", booths=6, csos=1, capacity=6, port=8765, host="0.0.0.0")
        tokens = tokens_of(config)
        toml = work / "server.toml"
        toml.write_text(config_toml(config.model_dump(mode="json")))
        url = f"ws://{srv.addr}:8765"

        def start_server():
            p = srv.python(["-m", "lapak", "signaling", "--config", str(toml)], stderr=open(work / "server.log", "ab"))
            time.sleep(1.5)
            return p

        def start_console(out: Path):
            return net["console"].python(["-m", "bench.network", "console", "--url", url, "--token",
                                          tokens[("cso", "cso-01")], "--out", str(out)],
                                         stderr=open(work / "console.log", "ab"))

        server = start_server()
        outs = [work / "console-1.json"]
        console = start_console(outs[0])
        for i, b in enumerate(booths, 1):
            net[b].python(["-m", "lapak.simbooth", "--url", url, "--device-id", f"booth-{i:02d}", "--token",
                           tokens[("booth", f"booth-{i:02d}")], "--face", "640x480@30", "--seed", str(i), "-v"],
                          stderr=open(work / f"booth{i}.log", "ab"))
        time.sleep(args.warmup)
        imp = dict(delay_ms=40, jitter_ms=10, loss=0.02)
        for phase in phases:
            t0 = time.monotonic()
            if phase == "clean":
                for b in booths:
                    net[b].clear()
                time.sleep(args.phase_seconds)
            elif phase == "loss":
                for b in booths:
                    net[b].impair(**imp)
                time.sleep(args.phase_seconds)
            elif phase == "cut":
                for b in booths:
                    net[b].outage(True)
                time.sleep(5.0)
                back = time.monotonic()
                for b in booths:
                    net[b].outage(False)
                extra["cut_back"] = back
                time.sleep(max(15.0, args.phase_seconds / 2))
            elif phase == "server":
                server.send_signal(signal.SIGKILL)
                server.wait()
                extra["server_killed"] = time.monotonic()
                time.sleep(2.0)
                server = start_server()
                extra["server_back"] = time.monotonic()
                time.sleep(max(15.0, args.phase_seconds / 2))
            elif phase == "console":
                console.send_signal(signal.SIGKILL)
                console.wait()
                extra["console_killed"] = time.monotonic()
                time.sleep(3.0)
                outs.append(work / f"console-{len(outs) + 1}.json")
                console = start_console(outs[-1])
                extra["console_back"] = time.monotonic()
                time.sleep(max(20.0, args.phase_seconds / 2))
            marks[phase] = (t0, time.monotonic())
        console.send_signal(signal.SIGTERM)
        console.wait(30)
    records = [json.loads(o.read_text()) for o in outs if o.exists()]
    report(records, marks, extra, args)
    booth_still_times(sorted(work.glob("booth*.log")))
    return 0


def booth_still_times(logs: list[Path]) -> None:
    """What the booths' own logs say of their stills in the whole run (every phase): the time to
    capture and encode each, and to send it."""
    took: dict[str, list[float]] = {"captured and encoded": [], "sent": []}
    for log in logs:
        for line in log.read_text(errors="replace").splitlines():
            for what in took:
                m = re.search(what + r" in ([0-9.]+) s", line)
                if m:
                    took[what].append(float(m.group(1)))
    for what, xs in took.items():
        if xs:
            xs.sort()
            OUT.say(f"  booths' logs, whole run: {what} median {statistics.median(xs):.2f} s, "
                    f"p95 {xs[min(len(xs) - 1, round(0.95 * (len(xs) - 1)))]:.2f} s, max {xs[-1]:.2f} s ({len(xs)} stills)")


def report(records: list[dict], marks: dict, extra: dict, args) -> None:
    frames: dict[str, list[float]] = {}
    focus, stills, states, pcs = [], [], [], {}
    for r in records:
        for sid, ts in r["frames"].items():
            frames.setdefault(sid, []).extend(ts)
        focus += r["focus"]
        stills += r["stills"]
        states += r["states"]
        for sid, n in r["pcs"].items():
            pcs[sid] = pcs.get(sid, 0) + n
    receivers = [x for r in records for x in r.get("receivers", [])]
    for ts in frames.values():
        ts.sort()
    focus.sort()
    OUT.say(f"six booths, one console, {args.phase_seconds:.0f} s phases ({os.cpu_count()} cores); booth links impaired "
            f"both ways; console and server links clean")
    OUT.say(f"  {'phase':8} {'focused fps':>11} {'grid fps':>9} {'no-frame s':>10} {'longest freeze':>14} "
            f"{'new pc/min':>10} {'stills':>7} {'p50 / p95 s':>12} {'identical':>9}")
    for phase, (a, b) in marks.items():
        f = freeze_figures(frames, focus, a, b)
        new_pcs = sum(1 for t, sid, st in states if a <= t < b and st == "connecting")
        got = [s for s in stills if s.get("asked") and a <= s["asked"] < b]
        ok = [s["got"] - s["asked"] for s in got if s.get("got")]
        ok.sort()
        p50 = statistics.median(ok) if ok else float("nan")
        p95 = ok[min(len(ok) - 1, int(round(0.95 * (len(ok) - 1))))] if ok else float("nan")
        ident = sum(1 for s in got if s.get("identical"))
        OUT.say(f"  {phase:8} {f['focused_fps']:11.1f} {f['grid_fps']:9.1f} {f['frozen_share'] * 100:9.1f}% "
                f"{f['longest_freeze']:13.1f}s {new_pcs / ((b - a) / 60):10.1f} {len(ok):>3}/{len(got):<3} "
                f"{p50:5.2f} / {p95:4.2f} {ident:>6}/{len(got)}")
    OUT.say(f"  {'phase':8} {'skipped/min':>11} {'dropped/min':>11} {'NACK again/min':>14} {'PLI (stall)/min':>15}  "
            f"(face receivers at the console; skipped: a frame given up for a lost packet, dropped: a "
            f"frame thrown away waiting for the keyframe)")
    for phase, (a, b) in marks.items():
        sums = [0, 0, 0, 0]
        for sid in {x[1] for x in receivers}:
            mine = [x for x in receivers if x[1] == sid]
            at_a = [x for x in mine if x[0] <= a + 1]
            at_b = [x for x in mine if x[0] <= b]
            if at_a and at_b and at_a[-1][2] == at_b[-1][2]:  # the same peer connection throughout
                for i, k in enumerate((3, 4, 5, 7)):
                    sums[i] += at_b[-1][k] - at_a[-1][k]
        mins = (b - a) / 60
        OUT.say(f"  {phase:8} {sums[0] / mins:11.1f} {sums[1] / mins:11.1f} {sums[2] / mins:14.1f} {sums[3] / mins:15.1f}")
    OUT.say(f"  {'phase':8} still steps, median s: {'asked->at booth':>15} {'->uploaded':>10} {'->fetched':>9} {'MB':>5}")
    for phase, (a, b) in marks.items():
        got = [s for s in stills if s.get("asked") and a <= s["asked"] < b and s.get("got") and s.get("pending")
               and s.get("available")]
        if got:
            med = lambda xs: statistics.median(xs)  # noqa: E731
            OUT.say(f"  {phase:8} {'':22} {med([s['pending'] - s['asked'] for s in got]):15.2f} "
                    f"{med([s['available'] - s['pending'] for s in got]):10.2f} "
                    f"{med([s['got'] - s['available'] for s in got]):9.2f} {med([s['size'] for s in got]) / 1e6:5.2f}")
            slow = sorted(got, key=lambda s: s["got"] - s["asked"])[-3:]
            OUT.say(f"  {phase:8} slowest: " + ", ".join(
                f"{s['got'] - s['asked']:.2f} s ({s['pending'] - s['asked']:.2f} + {s['available'] - s['pending']:.2f}"
                f" + {s['got'] - s['available']:.2f})" for s in reversed(slow)))
    if "cut_back" in extra:
        back = extra["cut_back"]
        delays = [first_after(ts, back) for ts in frames.values()]
        delays = [d for d in delays if d is not None]
        OUT.say(f"  5 s cut of every booth link: face video back at the console {min(delays):.2f}-{max(delays):.2f} s "
                f"after the network returned (median {statistics.median(delays):.2f} s)" if delays else
                "  5 s cut: no face video came back")
    if "server_killed" in extra:
        k, b = extra["server_killed"], extra["server_back"]
        gaps = []
        for ts in frames.values():
            near = window(ts, k - 1, b + 5)
            gaps.append(max([y - x for x, y in zip(near, near[1:])] or [float("inf")]))
        OUT.say(f"  server killed (SIGKILL) and restarted after {b - k:.1f} s: longest face-video gap per booth "
                f"{min(gaps):.2f}-{max(gaps):.2f} s (calls not dropped when it is under a second)")
    if "console_back" in extra:
        back = extra["console_back"]
        delays = [first_after(ts, back) for ts in frames.values()]
        delays = sorted(d for d in delays if d is not None)
        OUT.say(f"  console killed and restarted: face video back {delays[0]:.2f}-{delays[-1]:.2f} s after it started "
                f"({len(delays)} booths)" if delays else "  console restarted: no face video came back")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd")
    c = sub.add_parser("console", help="(internal) the console worker in its namespace")
    c.add_argument("--url", required=True)
    c.add_argument("--token", required=True)
    c.add_argument("--out", required=True)
    ap.add_argument("--phase-seconds", type=float, default=60.0)
    ap.add_argument("--warmup", type=float, default=25.0)
    ap.add_argument("--phases", default="clean,loss,cut,server,console")
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--tcp-cc", default="", help="TCP congestion control every host defaults to (reno: loss-based like "
                    "Debian's default cubic, which a namespace may only pick when the machine allows it)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    if args.cmd == "console":
        asyncio.run(console_worker(args))
        return 0
    rc = run(args)
    if rc == 0 and args.write:
        OUT.write("Network", "sudo python -m bench.network --write")
    return rc


if __name__ == "__main__":
    raise SystemExit(main())
