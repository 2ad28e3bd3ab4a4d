"""The allocator settings of lapak's processes (common/memory.py; their effect is measured by
bench/soak.py, not here)."""
import platform
import subprocess
import sys

import pytest


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc only")
def test_the_allocator_settings_take_on_glibc():
    # in a fresh process, as the entry points call it: before any thread of their own
    out = subprocess.run([sys.executable, "-c", "from common.memory import tune_malloc; print(tune_malloc())"],
                         capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "True"


def test_the_entry_points_set_them_first():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    for entry in ("lapak/cli.py", "lapak/simbooth.py"):
        text = (root / entry).read_text()
        main = text[text.index("def main("):]
        assert "tune_malloc()" in main[:main.index("parse_args")], f"{entry} sets the allocator after parsing"
