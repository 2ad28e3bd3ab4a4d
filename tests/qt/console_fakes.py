"""A console window on a real :class:`cso_console.desk.Desk` without a network: the bridge feeds the
desk the window's intents and the test's server and media events, and hands the window each new
view, as :class:`qtview.bridge.AppBridge` does with the real app (tests of the whole thing over
WebRTC are in test_console_live.py)."""
from __future__ import annotations

import hashlib
import itertools

import cv2
import numpy as np
from PySide6.QtCore import QObject, Signal

from common.documents import DocumentKind
from cso_console import desk as dk
from cso_console.desk import Desk, DeskRules
from media.events import CallState, CallStateChanged
from signaling import protocol as p
from signaling.protocol import SessionState

T0 = 1_764_000_000.0
PROMPTS = (("greeting", (("id", "Selamat datang"), ("en", "Welcome"))),
           ("show_document", (("id", "Silakan letakkan dokumen"), ("en", "Please place the document"))))


def info(n: int, state=SessionState.ACTIVE, name=None, language="id", kind="walk_in", code=None, online=True):
    return p.SessionInfo(id=f"s{n}", booth_id=f"booth-{n:02d}", ticket=f"A{n:03d}", kind=kind, booking_code=code,
                         name=name, language=language, state=state,
                         cso_id=None if state is SessionState.WAITING else "cso-01", queued_at=T0 - 60 * n,
                         booth_online=online)


def png(width=1920, height=1080, seed=1) -> bytes:
    """A lossless still like a booth's (a card on a tray, with text to read)."""
    rng = np.random.default_rng(seed)
    img = np.full((height, width, 3), 200, np.uint8)
    cv2.rectangle(img, (300, 200), (1600, 900), (235, 235, 235), -1)
    for i in range(12):
        cv2.putText(img, f"NIK 3174{rng.integers(10**9):09d} LINE {i}", (340, 260 + 50 * i),
                    cv2.FONT_HERSHEY_SIMPLEX, 1.2, (20, 20, 20), 2)
    ok, data = cv2.imencode(".png", img)
    return data.tobytes()


class FakeApp:
    """What the window asks of the app besides intents: stills' bytes and video subscriptions."""

    def __init__(self) -> None:
        self.stills: dict[str, tuple[p.StillMeta, bytes]] = {}  # by sha256, as the app keeps them
        self.watching: dict[tuple[str, str], list] = {}

    def still(self, sha256: str):
        return self.stills.get(sha256)

    def watch(self, session_id: str, track: str, reader):
        self.watching.setdefault((session_id, track), []).append(reader)

        def unsubscribe() -> None:
            self.watching[(session_id, track)].remove(reader)

        return unsubscribe


class FakeBridge(QObject):
    """The window's bridge, on a real desk, all on the GUI thread."""

    view_changed = Signal(object)

    def __init__(self, capacity: int = 6, **rules) -> None:
        super().__init__()
        rules.setdefault("prompts", PROMPTS)
        ids = itertools.count(1)
        self.desk = Desk("cso-01", DeskRules(**rules), new_id=lambda: f"q{next(ids)}", now=T0)
        self.now = T0
        self.app = FakeApp()
        self.posted: list = []
        self.sent: list = []
        self.commands: list = []
        self.feed(dk.ServerUp(p.Welcome(role="cso", device_id="cso-01", server_time=T0, capacity=capacity,
                                        services=[p.ServiceInfo(id="jht_claim", documents=[
                                            DocumentKind.KTP, DocumentKind.KK, DocumentKind.CLAIM_FORM])])))

    @property
    def view(self):
        return self.desk.view(self.now)

    def feed(self, event, dt: float = 0.0):
        self.now += dt
        out = self.desk.handle(event, self.now)
        self.commands.extend(out)
        self.sent.extend(c.message for c in out if isinstance(c, dk.ServerRequest))
        for c in out:
            if isinstance(c, dk.ServerRequest):  # the server says yes at once
                self.desk.handle(dk.RequestAnswered(c.message.id, True), self.now)
                self._server_effect(c.message)
        self.view_changed.emit(self.view)
        return out

    def _server_effect(self, msg) -> None:
        sid = getattr(msg, "session_id", None)
        slot = self.desk._slot(sid)
        if slot is None:
            return
        s = slot.session
        state = {p.Accept: SessionState.ACTIVE, p.Hold: SessionState.HELD, p.Unhold: SessionState.ACTIVE,
                 p.End: SessionState.ENDED, p.Transfer: SessionState.WAITING}.get(type(msg))
        if state is not None:
            cso = None if state is SessionState.WAITING else s.cso_id
            self.desk.handle(dk.SessionChanged(s.model_copy(update={"state": state, "cso_id": cso})), self.now)

    def post(self, intent) -> None:
        self.posted.append(intent)
        self.feed(intent)

    def call(self, fn, *args) -> None:
        fn(*args)

    # -- the test's side: booths, media

    def booth(self, n: int, **kw) -> str:
        self.feed(dk.SessionChanged(info(n, SessionState.OFFERED, **kw)))
        if self.desk._slot(f"s{n}").session.state is SessionState.OFFERED and self.desk.auto_accept:
            pass  # accepted by the desk's request above
        self.feed(CallStateChanged(f"s{n}", CallState.CONNECTED))
        return f"s{n}"

    def still_arrives(self, sid: str, data: bytes | None = None):
        tile = next(t for t in self.view.tiles if t and t.session_id == sid)
        r = tile.request
        data = data or png(seed=len(self.app.stills) + 1)
        meta = p.StillMeta(session_id=sid, request_id=r.request_id, document=r.document,
                           sha256=hashlib.sha256(data).hexdigest(), size=len(data), width=1920, height=1080)
        self.feed(dk.StillAvailable(meta))  # the server announces it; the app fetches it
        self.feed(dk.StillFetchProgress(meta.sha256, len(data) // 2, len(data)))
        self.app.stills[meta.sha256] = (meta, data)
        self.feed(dk.StillFetched(meta))
        return meta
