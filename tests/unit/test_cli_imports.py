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
