"""Guards the PySide6 pin: 6.12.0 aborts Python 3.11 after a few hundred signal emissions.

The check runs in a child process, so an interpreter abort shows as a failed test instead of
killing the test run. It emits 20,000 ordinary signals, then 5,000 more from asyncio tasks on
a qasync loop (the path aiortc + qasync take through QSocketNotifier).
"""
import subprocess
import sys
import textwrap

CHILD = textwrap.dedent("""
    import asyncio, os, sys
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QObject, Signal
    from PySide6.QtWidgets import QApplication
    import qasync

    class Source(QObject):
        ping = Signal(object)

    app = QApplication([])
    src = Source()
    got = []
    src.ping.connect(got.append)
    for i in range(20000):
        src.ping.emit(None if i % 2 else True)

    async def storm():
        for i in range(5000):
            src.ping.emit(i)
            if i % 100 == 0:
                await asyncio.sleep(0)

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(storm())
    print(len(got))
""")


def test_many_signal_emissions_do_not_abort_the_interpreter():
    r = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, f"interpreter died ({r.returncode}): {r.stderr[-2000:]}"
    assert r.stdout.strip() == "25000"


def test_installed_pyside6_is_inside_the_pin():
    import PySide6

    major, minor = (int(x) for x in PySide6.__version__.split(".")[:2])
    assert (6, 8) <= (major, minor) < (6, 12), PySide6.__version__
