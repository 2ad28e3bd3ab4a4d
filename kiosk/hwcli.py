"""Technician commands: `lapak hw probe | test ROLE | check`.

    lapak hw probe [--config booth.toml]     list cameras, sound devices and serial ports; compare with
                                             the config
    lapak hw test ROLE [--config booth.toml] [--port PATH]
                                             exercise one device; prints PASS or FAIL (exit 0/1)
    lapak hw check --config booth.toml       every configured device present? (exit 0/1)

A config problem (missing file, bad TOML, wrong key or type under [devices]) exits with 2.
"""
from __future__ import annotations

import argparse
import sys
import logging

from common.config import ConfigError, load
from hardware.settings import (AUDIO_ROLES, ROLES, SERIAL_ROLES, AudioSettings, ButtonSettings, CameraSettings,
                               DevicesSettings, LightSettings, PrinterSettings)

logger = logging.getLogger(__name__)

_SERIAL_MODELS = {"button": ButtonSettings, "light": LightSettings, "printer": PrinterSettings}


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `hw probe`, `hw test` and `hw check` to the lapak command line.

    Args:
        subparsers: The top-level subparsers of `lapak`.
    """
    hw = subparsers.add_parser("hw", help="probe, test and check booth hardware",
                               description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = hw.add_subparsers(dest="hw_command", metavar="ACTION", required=True)

    p = sub.add_parser("probe", help="list cameras, sound devices and serial ports, and what the config expects")
    p.add_argument("--config", help="booth TOML file with a [devices] table")
    p.add_argument("--max-index", type=int, default=8, help="highest camera index to try (default 8)")
    p.set_defaults(func=cmd_probe)

    t = sub.add_parser("test", help="exercise one device and print PASS or FAIL")
    t.add_argument("role", choices=ROLES, help="which device")
    t.add_argument("--config", help="booth TOML file with a [devices] table")
    t.add_argument("--port", help="serial port to use instead of the configured one")
    t.add_argument("--seconds", type=float, default=2.0,
                   help="camera: how long to grab frames; microphone/speaker: how long to record/play")
    t.add_argument("--press-timeout", type=float, default=15.0, help="button: how long to wait for a press")
    t.set_defaults(func=cmd_test)

    c = sub.add_parser("check", help="check the configured devices are present (exit 1 if not)")
    c.add_argument("--config", required=True, help="booth TOML file with a [devices] table")
    c.set_defaults(func=cmd_check)


def _load(path: str | None) -> DevicesSettings | None:
    """Validate the whole booth file and return its [devices] table; print the problem and return
    None when the file is invalid."""
    if path is None:
        return DevicesSettings()
    from kiosk.config import BoothConfig

    try:
        return load(BoothConfig, path).devices
    except ConfigError as exc:
        print(f"lapak: {exc}", file=sys.stderr)
        return None


def cmd_probe(args: argparse.Namespace) -> int:
    """Print the cameras, serial ports and configured roles; exit 0 (2 for a bad config).

    Args:
        args: Parsed arguments (config, max_index).
    """
    from hardware import probe  # OpenCV and pyserial load only when a hw command runs

    devices = _load(args.config)
    if devices is None:
        return 2
    configured = devices.configured()
    print("Cameras:")
    cameras = probe.find_cameras(args.max_index)
    if not cameras:
        print("  no cameras found")
    for cam in cameras:
        res = ", ".join(f"{w}x{h}" for w, h in cam.resolutions) or "no common resolution delivered frames"
        print(f"  index {cam.index} {cam.path or ''} ({cam.backend}): {res}")
    print("Sound devices (device = index or name in [devices.microphone] / [devices.speaker]):")
    sound, why = probe.find_sound_devices()
    if why:
        print(f"  {why}")
    elif not sound:
        print("  no sound devices found")
    for d in sound:
        ways = ", ".join(w for w, n in ((f"{d.inputs} in", d.inputs), (f"{d.outputs} out", d.outputs)) if n)
        default = [w for w, yes in (("default input", d.default_input), ("default output", d.default_output)) if yes]
        print(f"  index {d.index} {d.name!r} ({d.host_api}; {ways}; {d.default_rate:g} Hz)"
              + (f" [{', '.join(default)}]" if default else ""))
    print("Serial ports:")
    ports = probe.find_ports([s.port for s in configured.values() if hasattr(s, "port")])
    if not ports:
        print("  no serial ports found")
    for port in ports:
        note = "" if port.listed else " (not listed by the OS; pty or link)"
        print(f"  {port.device}: {port.description}{note}")
    print(f"Configured devices ({args.config or 'no config given'}):")
    present = {p.device for p in ports}
    for role in ROLES:
        settings = configured.get(role)
        if settings is None:
            print(f"  {role}: not configured")
        elif isinstance(settings, CameraSettings):
            print(f"  {role}: camera {probe.camera_where(settings)} {settings.width}x{settings.height}"
                  f"@{settings.fps:g}")
        elif isinstance(settings, AudioSettings):
            print(f"  {role}: {probe.audio_where(settings)}")
        else:
            state = "present" if settings.port in present else "MISSING"
            print(f"  {role}: {settings.port} at {settings.baudrate} baud: {state}")
    return 0


def cmd_test(args: argparse.Namespace) -> int:
    """Exercise one device and print PASS or FAIL with the reason; exit 0 or 1 (2: bad config).

    Args:
        args: Parsed arguments (role, config, port, seconds, press_timeout).
    """
    from hardware import probe  # OpenCV and pyserial load only when a hw command runs

    devices = _load(args.config)
    if devices is None:
        return 2
    role = args.role
    settings = getattr(devices, role)
    if role in SERIAL_ROLES:
        if args.port:
            base = settings.model_dump() if settings is not None else {}
            settings = _SERIAL_MODELS[role].model_validate({**base, "port": args.port})
        if settings is None:
            print(f"FAIL {role}: not configured; give --config with [devices.{role}] or --port")
            return 1
        if role == "button":
            print(f"press the call button within {args.press_timeout:g} s ...")
        result = probe.exercise_serial(role, settings, press_timeout=args.press_timeout)
    elif role in AUDIO_ROLES:
        if settings is None:
            settings = AudioSettings()
            print(f"{role}: not configured; trying the system default")
        if args.port:
            print("--port applies to serial devices only; ignored")
        result = probe.exercise_audio(role, settings, args.seconds)
    else:
        if settings is None:
            settings = CameraSettings(device=0 if role == "camera" else 1)
            print(f"{role}: not configured; trying camera {probe.camera_where(settings)}")
        if args.port:
            print("--port applies to serial devices only; ignored")
        result = probe.exercise_camera(role, settings, args.seconds)
    for line in result.details:
        print(f"  {line}")
    print(f"{'PASS' if result.passed else 'FAIL'} {result.message}")
    return 0 if result.passed else 1


def cmd_check(args: argparse.Namespace) -> int:
    """Check every configured device is present; list the problems; exit 0 or 1 (2: bad config).

    Args:
        args: Parsed arguments (config).
    """
    from hardware import probe  # OpenCV and pyserial load only when a hw command runs

    devices = _load(args.config)
    if devices is None:
        return 2
    problems = probe.check_devices(devices, args.config)
    from signaling.bulk import bulk_congestion_problem

    note = bulk_congestion_problem()
    if note:  # lapak works without it; stills are slower on a lossy network
        print(f"NOTE {note}")
    for problem in problems:
        print(f"PROBLEM {problem}")
    if problems:
        print(f"{len(problems)} problem(s) in {args.config}")
        return 1
    print(f"OK: every device in {args.config} is present")
    return 0
