"""Six booths call one console through the real signaling server (loopback, real aiortc)."""
from __future__ import annotations

import asyncio

from hardware.synthetic import read_stamp
from media.engine import MediaEngine
from media.link import BoothLink, ConsoleLink
from media.session import LocalMedia, SessionState, StillReceived, StillRejected
from media.simbooth import build_media
from signaling.testing import running_server

WAIT = 30.0


async def wait_until(pred, timeout=WAIT, step=0.05):
    async def loop():
        while not pred():
            await asyncio.sleep(step)
    await asyncio.wait_for(loop(), timeout)


async def test_six_booths_one_console(tmp_path):
    async with running_server(tmp_path / "branch.sqlite", booths=6, csos=1, capacity=6) as branch:
        events: list[tuple[str, object]] = []
        console = ConsoleLink(
            branch.url, "cso-01", branch.tokens[("cso", "cso-01")],
            lambda send: MediaEngine("console", send, LocalMedia(), on_event=lambda s, e: events.append((s, e))),
        )
        await console.start()
        booths: dict[str, BoothLink] = {}
        docs = {}
        try:
            for i in range(1, 7):
                dev = f"booth-{i:02d}"
                media = build_media("160x120@10", "id_card", "160x90@5", seed=i)
                link = BoothLink(branch.url, dev, branch.tokens[("booth", dev)], media)
                await link.start()
                sid = await link.announce()
                booths[sid] = link
                docs[sid] = media.document
            engine = console.engine
            await wait_until(lambda: len(engine.sessions) == 6)
            sessions = engine.sessions
            # decoded, stamped face frames from all six
            await wait_until(lambda: all(s.sinks["face"].counter.total >= 5 for s in sessions.values()))
            assert all(read_stamp(s.sinks["face"].latest) is not None for s in list(sessions.values()))
            focused, *others = list(sessions)
            engine.set_focus(focused)
            engine.show_document(focused)  # the document view is sent only when wanted
            await wait_until(lambda: sessions[focused].sinks["document"].counter.total >= 3)
            assert all(sessions[o].sinks["document"].counter.total == 0 for o in others)

            # a 1920x1080 still from the focused booth, byte-identical
            rid = engine.request_still(focused, "id_card")
            await wait_until(lambda: any(isinstance(e, StillReceived) for _, e in events))
            (got,) = [e for _, e in events if isinstance(e, StillReceived)]
            expected = await docs[focused].capture_still()
            assert got.request_id == rid and got.data == expected.data and (got.width, got.height) == (1920, 1080)
            assert not any(isinstance(e, StillRejected) for _, e in events)

            # end one session in the middle: the other five keep running
            victim = others[0]
            await console.client.request(
                __import__("signaling.protocol", fromlist=["End"]).End(session_id=victim, outcome="completed"))
            await wait_until(lambda: victim not in engine.sessions and victim not in booths[victim].engine.sessions)
            rest = [s for s in sessions if s != victim]
            before = {s: sessions[s].sinks["face"].counter.total for s in rest}
            await wait_until(lambda: all(sessions[s].sinks["face"].counter.total > before[s] + 10 for s in rest))
            assert len(engine.sessions) == 5
            assert all(engine.sessions[s].state is SessionState.CONNECTED for s in rest)
            stats = await engine.stats()
            assert all(stats[s].fps["face"] > 0 for s in rest)
        finally:
            await asyncio.gather(*(b.close() for b in booths.values()))
            await console.close()
