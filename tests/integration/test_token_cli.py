"""`lapak token` and the server's refusal of example tokens, as a technician would use them."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from signaling.store import Store
from signaling.tokens import hash_token

ROOT = Path(__file__).resolve().parents[2]


def lapak(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lapak", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def server_toml(tmp_path: Path, booth_token: str | None) -> Path:
    cfg = tmp_path / "server.toml"
    lines = ['database = "branch.db"', "[branch]", 'id = "t"', "[listen]", 'host = "127.0.0.1"', "port = 0",
             "[[booths]]", 'id = "booth-01"']
    if booth_token is not None:
        lines.append(f'token = "{booth_token}"')
    lines += ["[[booths]]", 'id = "booth-02"', "[[csos]]", 'id = "cso-01"']
    cfg.write_text("\n".join(lines) + "\n")
    return cfg


def test_the_server_refuses_to_start_with_an_example_or_weak_token_naming_the_device(tmp_path):
    for token, why in (("change-me-booth-01", "example token"), ("abc123abc123", "too weak")):
        cfg = server_toml(tmp_path, token)
        run = lapak("signaling", "--config", str(cfg), timeout=30)
        assert run.returncode == 2, run.stderr
        assert "booth booth-01" in run.stderr and why in run.stderr and "lapak token new" in run.stderr


def test_issue_list_and_revoke_tokens(tmp_path):
    cfg = server_toml(tmp_path, None)
    listed = lapak("token", "list", "--config", str(cfg))
    assert listed.returncode == 0 and "NONE" in listed.stdout
    issued = lapak("token", "new", "booth", "booth-01", "--config", str(cfg))
    assert issued.returncode == 0, issued.stderr
    token = issued.stdout.strip()
    assert len(token) >= 32 and "[booth] token" in issued.stderr
    store = Store(tmp_path / "branch.db")
    try:
        (sha, issued_at, revoked_at) = store.device_tokens()[("booth", "booth-01")]
        assert sha == hash_token(token) and revoked_at is None  # only the hash is kept
        assert token not in (tmp_path / "branch.db").read_bytes().decode("latin-1")
        assert any(a.event == "token_issued" for a in store.audit())
    finally:
        store.close()
    listed = lapak("token", "list", "--config", str(cfg))
    assert "issued" in listed.stdout and token not in listed.stdout
    revoked = lapak("token", "revoke", "booth", "booth-01", "--config", str(cfg))
    assert revoked.returncode == 0 and "REVOKED" in lapak("token", "list", "--config", str(cfg)).stdout
    unknown = lapak("token", "new", "booth", "booth-09", "--config", str(cfg))
    assert unknown.returncode == 1 and "booth-09" in unknown.stderr and "booth-01, booth-02" in unknown.stderr
