"""`lapak signaling` on the branch server loads no media, camera, serial or Qt code."""
import json
import subprocess
import sys

import pytest

HEAVY = ("aiortc", "av", "cv2", "serial", "numpy", "PySide6", "escpos", "aioice")

PROBE = """
import json, runpy, sys
sys.argv = {argv!r}
try:
    runpy.run_module("lapak", run_name="__main__")
except SystemExit:
    pass
print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)), file=sys.stderr)
"""


@pytest.mark.parametrize("argv", [["lapak", "signaling", "--help"], ["lapak", "--help"],
                                  ["lapak", "bookings", "list", "--help"]])
def test_server_commands_load_nothing_heavy(argv):
    r = subprocess.run([sys.executable, "-c", PROBE.format(argv=argv, heavy=HEAVY)],
                       capture_output=True, text=True, timeout=60)
    loaded = json.loads(r.stderr.strip().splitlines()[-1])
    assert loaded == [], f"{' '.join(argv[1:])} imported {loaded}"


def test_kiosk_pin_prints_a_hash_the_booth_config_accepts(tmp_path):
    r = subprocess.run([sys.executable, "-m", "lapak", "kiosk", "pin", "--stdin"], input="4821\n",
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    line = next(l for l in r.stdout.splitlines() if l.startswith("pin_hash"))
    from common.config import load
    from kiosk.config import BoothConfig
    from kiosk.pin import check_pin

    path = tmp_path / "booth.toml"
    path.write_text(f'[booth]\nid = "b1"\ntoken = "12345678"\n[technician]\n{line}\n')
    stored = load(BoothConfig, path).technician.pin_hash
    assert check_pin("4821", stored) and not check_pin("4822", stored)
    bad = subprocess.run([sys.executable, "-m", "lapak", "kiosk", "pin", "--stdin"], input="12\n",
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1 and "4 to 12 digits" in bad.stderr
