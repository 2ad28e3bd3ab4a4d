"""The case files on the branch server: `lapak cases list|export` for the back office (read-only
next to a running server), and the retention that deletes old stills."""
from __future__ import annotations

import asyncio
import hashlib
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from common.documents import DocumentKind
from lapak.demo import config_toml
from signaling import protocol as p
from signaling.cases import CaseError, export_case, open_readonly
from signaling.stills_client import StillTransfer
from signaling.store import Store
from signaling.testing import running_server
from test_signaling_kit import WAIT, Inbox

ROOT = Path(__file__).resolve().parents[2]


def lapak(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lapak", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)


async def served_case(branch, inbox):
    """One walk-in served to the end: a KTP verified, a KK rejected, one still undecided."""
    cso = branch.client("cso", "cso-01", on_message=inbox)
    booth = branch.client("booth", "booth-01")
    await cso.start()
    await cso.wait_ready(WAIT)
    await booth.start()
    await booth.wait_ready(WAIT)
    sid = (await booth.request(p.Announce(kind="walk_in"))).session.id
    await inbox.wait(lambda m: isinstance(m, p.SessionUpdate) and m.session.state is p.SessionState.OFFERED)
    await cso.request(p.Accept(session_id=sid))
    up = StillTransfer(branch.url, "booth", "booth-01", branch.tokens[("booth", "booth-01")])
    stills = {}
    for rid, doc in (("r1", DocumentKind.KTP), ("r2", DocumentKind.KK), ("r3", DocumentKind.BANK_BOOK)):
        data = os.urandom(30_000)
        meta = p.StillMeta(session_id=sid, request_id=rid, document=doc, sha256=hashlib.sha256(data).hexdigest(),
                           size=len(data), width=640, height=480)
        await up.upload(meta, data)
        stills[doc] = (meta, data)
    await up.close()
    await cso.request(p.Decision(id="d1", session_id=sid, document="ktp", verdict="accepted",
                                 still_sha256=stills[DocumentKind.KTP][0].sha256))
    await cso.request(p.Decision(id="d2", session_id=sid, document="kk", verdict="rejected", reason="unreadable",
                                 still_sha256=stills[DocumentKind.KK][0].sha256))
    await cso.request(p.End(session_id=sid, outcome=p.Outcome.DOCUMENTS_INCOMPLETE, note="KK unreadable"))
    await booth.close()
    await cso.close()
    return sid, stills


async def test_list_and_export_a_case_next_to_the_running_server(tmp_path):
    async with running_server(tmp_path / "branch.sqlite", booths=1, csos=1, capacity=4) as branch:
        sid, stills = await served_case(branch, Inbox())
        cfg = tmp_path / "server.toml"
        cfg.write_text(config_toml(branch.config.model_dump(mode="json")))

        listed = await asyncio.to_thread(lapak, "cases", "list", "--config", str(cfg), "--json")
        assert listed.returncode == 0, listed.stderr
        (row,) = [json.loads(line) for line in listed.stdout.splitlines()]
        assert (row["session_id"], row["outcome"], row["stills_kept"], row["decisions"]) == (
            sid, "documents_incomplete", 1, 2)  # only the verified still is kept: the rejected and the
        # undecided ones went with the session's end
        table = await asyncio.to_thread(lapak, "cases", "list", "--config", str(cfg))
        assert sid in table.stdout and "documents_incomplete" in table.stdout

        out = tmp_path / "export"
        done = await asyncio.to_thread(lapak, "cases", "export", sid, str(out), "--config", str(cfg))
        assert done.returncode == 0, done.stderr
        case = out / sid
        manifest = json.loads((case / "manifest.json").read_text())
        assert manifest["session"]["outcome"] == "documents_incomplete"
        assert [(d["document"], d["verdict"]) for d in manifest["decisions"]] == [("ktp", "accepted"),
                                                                                 ("kk", "rejected")]
        files = {s["document"]: s for s in manifest["stills"]}
        for doc in ("bank_book", "kk"):
            assert files[doc]["state"] == "discarded" and files[doc]["file"] is None
        for doc in (DocumentKind.KTP,):
            meta, data = stills[doc]
            entry = files[doc.value]
            assert entry["sha256"] == meta.sha256 and (case / entry["file"]).read_bytes() == data
            assert stat.S_IMODE((case / entry["file"]).stat().st_mode) == 0o600
        decision_events = [a for a in manifest["audit"] if a["event"] == "decision"]
        assert {a["detail"]["still_sha256"] for a in decision_events} == {stills[DocumentKind.KTP][0].sha256,
                                                                          stills[DocumentKind.KK][0].sha256}

        again = await asyncio.to_thread(lapak, "cases", "export", sid, str(out), "--config", str(cfg))
        assert again.returncode == 1 and "exists already" in again.stderr
        unknown = await asyncio.to_thread(lapak, "cases", "export", "nosuchsession", str(out), "--config", str(cfg))
        assert unknown.returncode == 1 and "nosuchsession" in unknown.stderr


async def test_a_damaged_still_stops_the_export_and_leaves_nothing_behind(tmp_path):
    async with running_server(tmp_path / "branch.sqlite", booths=1, csos=1, capacity=4) as branch:
        sid, stills = await served_case(branch, Inbox())
        meta, _ = stills[DocumentKind.KTP]
        path = branch.server.files.final_path(sid, meta.sha256, meta.mime)
        os.chmod(path, 0o600)
        path.write_bytes(b"tampered")
        db = open_readonly(branch.config.database)
        try:
            with pytest.raises(CaseError, match="does not match its SHA-256"):
                export_case(db, sid, tmp_path / "out")
        finally:
            db.close()
        assert list((tmp_path / "out").iterdir()) == []
    with pytest.raises(CaseError, match="no database"):
        open_readonly(tmp_path / "missing.sqlite")


async def test_retention_deletes_old_stills_and_keeps_their_record(tmp_path):
    async with running_server(tmp_path / "branch.sqlite", booths=1, csos=1, capacity=4) as branch:
        sid, stills = await served_case(branch, Inbox())
        server = branch.server
        assert server.expire_stills() == 0  # a year by default: nothing is old enough
        server.config.retention.stills_days = 1e-9  # as if a year had passed
        await asyncio.sleep(0.05)
        assert server.expire_stills() == 1
        for doc in (DocumentKind.KTP,):
            meta, _ = stills[doc]
            assert not server.files.final_path(sid, meta.sha256, meta.mime).exists()
        store = Store(branch.config.database)
        try:
            states = {s["document"]: s["state"] for s in store.stills(sid)}
            assert states == {"ktp": "expired", "kk": "discarded", "bank_book": "discarded"}
            expired = [a for a in store.audit(sid) if a.event == "stills_expired"]
            assert len(expired) == 1 and expired[0].detail["sha256"] == [stills[DocumentKind.KTP][0].sha256]
            assert [d.still_sha256 for d in store.decisions(sid)] == [stills[DocumentKind.KTP][0].sha256,
                                                                      stills[DocumentKind.KK][0].sha256]
        finally:
            store.close()
        assert server.expire_stills() == 0  # once
        db = open_readonly(branch.config.database)
        try:
            case = export_case(db, sid, tmp_path / "out")  # the record still exports, without files
        finally:
            db.close()
        manifest = json.loads((case / "manifest.json").read_text())
        assert all(s["file"] is None for s in manifest["stills"])
