"""Sound-card backend benchmark: which library the booth and the console capture and play with.

Run: ``.venv/bin/python -m bench.audio [--write] [--seconds 10]`` (about a minute; needs Debian's
``pulseaudio``, ``pulseaudio-utils``, ``libportaudio2`` and ``libasound2-plugins``, which ``./dev``
installs). Figures, not assertions.

Each backend runs in a child process of its own against a private PulseAudio daemon
(:mod:`bench.pulse`) with one null sink ``loop`` as the default sink and its monitor as the
default source, so what a backend plays comes back on its input. Both streams run as the apps
run them: 48 kHz mono s16, 20 ms blocks, capture and playback as two independent streams on the
system's ``default`` device. Measured:

* round trip: a 5 ms click handed to the output (callback time, or the start of the blocking
  write) until it is read back from the input (callback/read time less what follows the click in
  that block), median and worst over one click every 0.5 s. It is the output's plus the input's
  buffering, which is what a conversation hears on top of the network;
* CPU: the child's CPU time (all threads) over ``--seconds`` of streaming, as a fraction of a
  core, beside the same child sleeping for as long (interpreter and imports at rest);
* the device vanishes: the sink (and with it the monitor source the input records from) is
  unloaded while both streams run: how soon does the backend say so (an error, a finished
  stream), or does it stall silently; then it is loaded again: do new streams open;
* the sound server dies (SIGKILL) under running streams: how soon does the backend say so, and
  do its threads end (or hang the process).

Backends: ``sounddevice`` (PortAudio 19.6, Debian's ``libportaudio2``, its ALSA host API, whose
``default`` device is the ALSA ``pulse`` plugin on a PulseAudio or PipeWire desktop) and ``pyav``
(PyAV's own FFmpeg ``alsa`` input and output devices). PyAV's wheel carries its own alsa-lib, built
to read its configuration from a folder that does not exist on the machine: it finds no
``default`` device at all until ``ALSA_CONFIG_PATH`` and ``ALSA_PLUGIN_DIR`` point at Debian's, which
this benchmark sets for it (the apps would have to as well).
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time

import numpy as np

RATE = 48000
BLOCK = 960  # 20 ms
CLICK = (0.8 * 32767 * np.sin(2 * np.pi * 3000 * np.arange(240) / RATE)).astype(np.int16)  # 5 ms at 3 kHz
THRESHOLD = 12000


class Probe:
    """Shared by both backends: click times out, click times in, progress counters, errors."""

    def __init__(self) -> None:
        self.sent: list[float] = []
        self.heard: list[float] = []
        self.out_blocks = 0
        self.in_blocks = 0
        self.in_samples = 0
        self.errors: list[str] = []
        self.next_click = time.monotonic() + 0.5
        self._armed = True  # hear one click per click sent

    def out_block(self, n: int) -> np.ndarray:
        block = np.zeros(n, np.int16)
        now = time.monotonic()
        if now >= self.next_click:
            block[: len(CLICK)] = CLICK
            self.sent.append(now)
            self.next_click = now + 0.5
            self._armed = True
        self.out_blocks += 1
        return block

    def in_block(self, pcm: np.ndarray, now: float) -> None:
        self.in_blocks += 1
        self.in_samples += len(pcm)
        loud = np.flatnonzero(np.abs(pcm.astype(np.int32)) > THRESHOLD)
        if len(loud) and self._armed and self.sent:
            self.heard.append(now - (len(pcm) - loud[0]) / RATE)
            self._armed = False

    def round_trips(self) -> list[float]:
        out = []
        for t in self.heard:
            before = [s for s in self.sent if s <= t]
            if before:
                out.append(t - before[-1])
        return out


# ------------------------------------------------------------------------------- sounddevice


class SoundDeviceStreams:
    def __init__(self, probe: Probe) -> None:
        import sounddevice as sd

        self.sd = sd
        self.probe = probe
        self.finished: list[str] = []

        def out_cb(outdata, frames, _time, status):
            if status:
                probe.errors.append(f"output status {status}")
            outdata[:, 0] = probe.out_block(frames)

        def in_cb(indata, frames, _time, status):
            if status:
                probe.errors.append(f"input status {status}")
            probe.in_block(indata[:, 0], time.monotonic())

        kw = dict(samplerate=RATE, channels=1, dtype="int16", blocksize=BLOCK, latency="low")
        self.out = sd.OutputStream(callback=out_cb, finished_callback=lambda: self.finished.append("output"), **kw)
        self.inp = sd.InputStream(callback=in_cb, finished_callback=lambda: self.finished.append("input"), **kw)
        self.out.start()
        self.inp.start()

    def failed(self) -> str | None:
        if self.finished:
            return "stream finished: " + ",".join(self.finished)
        if not (self.out.active and self.inp.active):
            return "stream inactive"
        return None

    def close(self) -> None:
        for s in (self.out, self.inp):
            try:
                s.abort()
                s.close()
            except Exception as exc:  # noqa: BLE001
                self.probe.errors.append(f"close: {exc}")


# ------------------------------------------------------------------------------- PyAV


def pyav_env() -> None:
    os.environ.setdefault("ALSA_CONFIG_PATH", "/usr/share/alsa/alsa.conf")
    os.environ.setdefault("ALSA_PLUGIN_DIR", "/usr/lib/x86_64-linux-gnu/alsa-lib")


class PyAvStreams:
    def __init__(self, probe: Probe) -> None:
        import av

        self.av = av
        self.probe = probe
        self.stop = threading.Event()
        self.error: str | None = None
        self.inp = av.open("default", format="alsa", mode="r",
                           options={"sample_rate": str(RATE), "channels": "1"})
        self.out = av.open("default", format="alsa", mode="w")
        self.stream = self.out.add_stream("pcm_s16le", rate=RATE, layout="mono")
        self.threads = [threading.Thread(target=self._read, daemon=True),
                        threading.Thread(target=self._write, daemon=True)]
        for t in self.threads:
            t.start()

    def _read(self) -> None:
        try:
            stream = self.inp.streams.audio[0]
            for packet in self.inp.demux(stream):
                if self.stop.is_set():
                    return
                for frame in packet.decode():
                    self.probe.in_block(frame.to_ndarray().reshape(-1), time.monotonic())
            self.error = self.error or "input ended"
        except Exception as exc:  # noqa: BLE001
            self.error = self.error or f"input: {type(exc).__name__}: {exc}"

    def _write(self) -> None:
        av = self.av
        try:
            pts = 0
            while not self.stop.is_set():
                frame = av.AudioFrame.from_ndarray(self.probe.out_block(BLOCK).reshape(1, -1), format="s16",
                                                   layout="mono")
                frame.sample_rate, frame.pts = RATE, pts
                pts += BLOCK
                for packet in self.stream.encode(frame):
                    self.out.mux(packet)
        except Exception as exc:  # noqa: BLE001
            self.error = self.error or f"output: {type(exc).__name__}: {exc}"

    def failed(self) -> str | None:
        return self.error

    def close(self) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(2.0)
        hung = [t.name for t in self.threads if t.is_alive()]
        if hung:
            self.probe.errors.append(f"threads still blocked after 2 s: {len(hung)}")
        for c in (self.inp, self.out):
            try:
                c.close()
            except Exception as exc:  # noqa: BLE001
                self.probe.errors.append(f"close: {exc}")


BACKENDS = {"sounddevice": SoundDeviceStreams, "pyav": PyAvStreams}


def _pactl(*args: str) -> str:
    return subprocess.run(["pactl", *args], capture_output=True, text=True, timeout=10).stdout.strip()


def _watch(streams, probe: Probe, seconds: float) -> dict:
    """Watch for ``seconds``: when the backend says something failed, and whether blocks still
    flow."""
    start = time.monotonic()
    i0, o0 = probe.in_blocks, probe.out_blocks
    said = None
    while time.monotonic() - start < seconds:
        why = streams.failed()
        if why and said is None:
            said = (round(time.monotonic() - start, 2), why)
        time.sleep(0.02)
    return {"reported_after_s": said[0] if said else None, "report": said[1] if said else None,
            "blocks_in": probe.in_blocks - i0, "blocks_out": probe.out_blocks - o0,
            "status_errors": sorted(set(probe.errors))[:4]}


def _progress(result: dict, phase: str) -> None:
    """One JSON line per phase, so a phase that hangs leaves the ones before it."""
    result["phase"] = phase
    print(json.dumps(result), flush=True)


def child(backend: str, seconds: float, module: int, daemon_pid: int) -> dict:
    if backend == "pyav":
        pyav_env()
    result: dict = {"backend": backend}
    t0, c0 = time.monotonic(), time.process_time()
    time.sleep(min(seconds, 3.0))
    result["idle_cores"] = (time.process_time() - c0) / (time.monotonic() - t0)
    probe = Probe()
    try:
        streams = BACKENDS[backend](probe)
    except Exception as exc:  # noqa: BLE001
        result["open_error"] = f"{type(exc).__name__}: {exc}"
        return result
    time.sleep(1.0)  # start-up
    t0, c0 = time.monotonic(), time.process_time()
    i0, o0 = probe.in_samples, probe.out_blocks
    time.sleep(seconds)
    dt = time.monotonic() - t0
    result["cores"] = (time.process_time() - c0) / dt
    result["seconds_in_out"] = [round((probe.in_samples - i0) / RATE / dt, 2),
                                round((probe.out_blocks - o0) * BLOCK / RATE / dt, 2)]
    trips = probe.round_trips()
    result["clicks"] = [len(probe.sent), len(trips)]
    if trips:
        result["round_trip_ms"] = [statistics.median(trips) * 1000, max(trips) * 1000]
    result["status_errors_running"] = sorted(set(probe.errors))[:4]
    _progress(result, "running measured")
    probe.errors.clear()
    # the device vanishes
    _pactl("unload-module", str(module))
    result["vanish"] = _watch(streams, probe, 3.0)
    _progress(result, "vanish watched")
    t0 = time.monotonic()
    streams.close()
    result["vanish"]["close_s"] = round(time.monotonic() - t0, 2)
    _progress(result, "closed after vanish")
    index = _pactl("load-module", "module-null-sink", "sink_name=loop", f"rate={RATE}", "channels=1")
    _pactl("set-default-sink", "loop")
    _pactl("set-default-source", "loop.monitor")
    time.sleep(0.3)
    probe = Probe()
    if backend == "sounddevice":  # PortAudio lists devices once: re-initialise to see the new ones
        import sounddevice as sd
        sd._terminate()
        sd._initialize()
    try:
        streams = BACKENDS[backend](probe)
        time.sleep(1.5)
        result["reopen"] = {"ok": True, "clicks_heard": len(probe.heard), "blocks_in": probe.in_blocks,
                            "blocks_out": probe.out_blocks}
        _progress(result, "reopened")
    except Exception as exc:  # noqa: BLE001
        result["reopen"] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        streams = None
    # the sound server dies
    if streams is not None:
        os.kill(daemon_pid, signal.SIGKILL)
        result["server_killed"] = _watch(streams, probe, 3.0)
        _progress(result, "server kill watched")
        t0 = time.monotonic()
        streams.close()
        result["server_killed"]["close_s"] = round(time.monotonic() - t0, 2)
    result["module"] = int(index) if index.isdigit() else None
    return result


def run_backend(backend: str, seconds: float) -> dict:
    from bench.pulse import PrivatePulse

    with PrivatePulse() as pulse:
        module = pulse.null_sink("loop", default=True)
        pulse.pactl("set-default-source", "loop.monitor")
        pid = pulse._proc.pid
        proc = subprocess.Popen([sys.executable, "-m", "bench.audio", "--child", backend, "--seconds", str(seconds),
                                 "--module", str(module), "--pid", str(pid)], env=pulse.env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            stdout, stderr = proc.communicate(timeout=seconds + 40)
            hung = None
        except subprocess.TimeoutExpired:
            proc.kill()
            stdout, stderr = proc.communicate()
            hung = True
    lines = [l for l in stdout.splitlines() if l.startswith("{")]
    if not lines:
        return {"backend": backend, "open_error": (stderr or stdout)[-400:]}
    result = json.loads(lines[-1])
    if hung:
        result["hung_after"] = result.get("phase")
    return result


def echo_check(seconds: float = 12.0) -> list[str]:
    """The sound server's echo canceller, as docs/deploy-audio.md sets it up, on a simulated
    booth: PulseAudio's ``module-echo-cancel`` (WebRTC) between a loudspeaker (null sink
    ``speaker_hw``) and a microphone (null sink ``room``, whose monitor is the raw microphone); the
    room is a loopback from what the loudspeaker plays to what the microphone hears (40 ms).
    The officer's voice stands in as band-limited noise in syllable-like bursts, played into the
    canceller's sink; the raw microphone and the cancelled one are recorded side by side.
    Returns the lines to print: per second, the echo's level in each and the difference."""
    import concurrent.futures

    from bench.pulse import PrivatePulse

    rng = np.random.default_rng(1)
    n = int(seconds * RATE)
    noise = np.convolve(rng.standard_normal(n), np.ones(12) / 12, mode="same")  # below about 4 kHz
    t = np.arange(n) / RATE
    bursts = ((t % 0.5) < 0.3).astype(float)  # 300 ms on, 200 ms off
    voice = (0.5 * 32767 * noise / np.abs(noise).max() * bursts).astype(np.int16)
    with PrivatePulse() as pulse:
        pulse.null_sink("speaker_hw")
        pulse.null_sink("room")
        pulse.pactl("load-module", "module-echo-cancel", "aec_method=webrtc",
                    'aec_args="analog_gain_control=0 digital_gain_control=0 noise_suppression=0 high_pass_filter=1"',
                    "rate=48000", "source_master=room.monitor", "sink_master=speaker_hw", "source_name=ec_mic",
                    "sink_name=ec_speaker")
        pulse.pactl("load-module", "module-loopback", "source=speaker_hw.monitor", "sink=room", "latency_msec=40",
                    "source_dont_move=true", "sink_dont_move=true")
        player = subprocess.Popen(["pacat", "--playback", "-d", "ec_speaker", "--raw", "--format=s16le",
                                   f"--rate={RATE}", "--channels=1"], stdin=subprocess.PIPE, env=pulse.env)
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            raw = pool.submit(pulse.record, "room.monitor", seconds)
            cancelled = pool.submit(pulse.record, "ec_mic", seconds)
            player.stdin.write(voice.tobytes())
            player.stdin.close()
            raw, cancelled = raw.result(), cancelled.result()
        player.wait(10)

    def level(x: np.ndarray) -> float:
        return 20 * np.log10(max(1.0, float(np.sqrt(np.mean(x.astype(np.float64) ** 2)))) / 32768)

    lines = ["second  raw microphone dBFS  echo-cancelled dBFS  echo removed dB"]
    for s0 in range(int(min(len(raw), len(cancelled)) / RATE)):
        a, b = raw[s0 * RATE:(s0 + 1) * RATE], cancelled[s0 * RATE:(s0 + 1) * RATE]
        lines.append(f"{s0 + 1:6d}  {level(a):19.1f}  {level(b):19.1f}  {level(a) - level(b):15.1f}")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--rounds", type=int, default=3, help="runs of each backend, alternating")
    ap.add_argument("--write", action="store_true", help="record the figures in BENCHMARKS.md")
    ap.add_argument("--echo", action="store_true",
                    help="instead: how much of the loudspeaker's sound the echo canceller of docs/deploy-audio.md "
                         "takes out of the microphone")
    ap.add_argument("--child")
    ap.add_argument("--module", type=int)
    ap.add_argument("--pid", type=int)
    args = ap.parse_args()
    if args.child:
        result = child(args.child, args.seconds, args.module, args.pid)
        result["phase"] = "done"
        print(json.dumps(result), flush=True)
        os._exit(0)  # a backend thread stuck in the driver must not keep the child alive
        return
    from bench.report import Transcript, table

    out = Transcript()
    if args.echo:
        load = os.getloadavg()
        out.say(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
        for line in echo_check():
            out.say(line)
        if args.write:
            out.write("audio-echo", ".venv/bin/python -m bench.audio --echo --write")
        return
    load = os.getloadavg()
    out.say(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (2 cores, other work running)")
    rows, notes = [], []
    results: dict[str, list[dict]] = {b: [] for b in BACKENDS}
    for r in range(args.rounds):
        for backend in (list(BACKENDS) if r % 2 == 0 else list(BACKENDS)[::-1]):
            results[backend].append(run_backend(backend, args.seconds))
    for backend, runs in results.items():
        for r in runs:
            notes.append(json.dumps(r))
        ok = [r for r in runs if "open_error" not in r]
        if not ok:
            rows.append([backend, "cannot open: " + runs[0]["open_error"][:80], "", "", "", "", ""])
            continue
        trips = [r["round_trip_ms"] for r in ok if r.get("round_trip_ms")]
        r = ok[0]
        v, k = r.get("vanish", {}), r.get("server_killed", {})

        def said(w: dict) -> str:
            if w.get("reported_after_s") is not None:
                return f"{w['report']} after {w['reported_after_s']} s"
            return f"nothing said; blocks in/out in 3 s: {w.get('blocks_in')}/{w.get('blocks_out')}"

        def hung(rr: dict) -> str:
            return f" (a round hung after: {rr['hung_after']})" if rr.get("hung_after") else ""

        rows.append([
            backend,
            " · ".join(f"{t[0]:.0f} / {t[1]:.0f}" for t in trips) or "no click heard",
            " · ".join(f"{x['cores']:.3f}" for x in ok) + f" (idle {r['idle_cores']:.3f})",
            " · ".join(f"{x['seconds_in_out'][0]:.2f}/{x['seconds_in_out'][1]:.2f}" for x in ok),
            said(v) + (f"; close {v['close_s']} s" if v.get("close_s") is not None else "; close never returned"),
            (f"yes, {r['reopen']['blocks_in']}/{r['reopen']['blocks_out']} blocks in/out in 1.5 s"
             if r.get("reopen", {}).get("ok") else f"no: {r.get('reopen', {}).get('error', '')[:60]}"),
            "; ".join(dict.fromkeys(
                (said(x.get("server_killed", {})) + (f", close {x['server_killed']['close_s']} s"
                 if x.get("server_killed", {}).get("close_s") is not None else
                 ", closing the streams never returned (the process had to be killed)")) + hung(x)
                for x in ok if x.get("server_killed"))) or "-",
        ])
    out.say(f"{args.rounds} round(s) per backend, alternating; figures of each round separated by ·")
    out.say(table(["backend", "round trip ms (median / worst)", "CPU cores (capture + playback)",
                   "audio seconds in/out per second", "sink unloaded under running streams (1st round)",
                   "reopens after (1st round)", "sound server killed (each distinct outcome)"], rows))
    out.say("")
    for n in notes:
        out.say(n)
    load = os.getloadavg()
    out.say(f"load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    if args.write:
        out.write("audio", f".venv/bin/python -m bench.audio --seconds {args.seconds:g} --rounds {args.rounds} --write")


if __name__ == "__main__":
    main()
