"""Config files: one clear message naming file, key and expectation; nothing starts."""
import subprocess
import sys
from pathlib import Path

import pytest

from common.config import ConfigError, load
from cso_console.config import ConsoleConfig
from kiosk.config import BoothConfig
from signaling.config import ServerConfig

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("model,name", [(ServerConfig, "server.toml"), (BoothConfig, "booth-01.toml"),
                                        (ConsoleConfig, "console-01.toml")])
def test_shipped_examples_are_valid(model, name):
    cfg = load(model, ROOT / "config" / name)
    assert cfg is not None


def test_server_example_has_devices_and_capacity():
    cfg = load(ServerConfig, ROOT / "config" / "server.toml")
    assert len(cfg.booths) == 6 and cfg.csos[0].capacity == 6
    assert cfg.database.is_absolute()


def write(tmp_path, text, name="server.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


BASE = '[branch]\nid = "b"\n'


@pytest.mark.parametrize("text,words", [
    (BASE + "[listen]\nport = 'abc'\n", ["listen.port", "integer", "'abc'"]),
    (BASE + "[listen]\nprot = 1\n", ["listen.prot", "not a known key"]),
    ("[listen]\nport = 1\n", ["branch", "required"]),
    (BASE + '[[csos]]\nid = "c1"\ntoken = "12345678"\ncapacity = 9\n', ["csos.0.capacity", "less than or equal to 6"]),
    (BASE + '[[booths]]\nid = "b 1"\ntoken = "12345678"\n', ["booths.0.id", "pattern"]),
    (BASE + '[[booths]]\nid = "b1"\ntoken = "12345678"\n[[booths]]\nid = "b1"\ntoken = "abcdefgh"\n',
     ["duplicate id 'b1'"]),
    (BASE + "[listen\n", ["not valid TOML"]),
])
def test_wrong_keys_and_types_are_named(tmp_path, text, words):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as exc:
        load(ServerConfig, path)
    message = str(exc.value)
    assert str(path) in message
    for w in words:
        assert w in message


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load(ServerConfig, tmp_path / "nope.toml")


def test_console_needs_ws_url(tmp_path):
    path = write(tmp_path, '[cso]\nid="c1"\ntoken="12345678"\n[server]\nurl="http://x"\n', "console.toml")
    with pytest.raises(ConfigError, match="server.url"):
        load(ConsoleConfig, path)


def test_cli_exits_2_and_starts_nothing_on_bad_config(tmp_path):
    path = write(tmp_path, BASE + "[listen]\nport = 'abc'\n")
    r = subprocess.run([sys.executable, "-m", "lapak", "signaling", "--config", str(path)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert "listen.port" in r.stderr and str(path) in r.stderr
    assert "listening" not in r.stderr


def test_ice_section_feeds_the_media_engine(tmp_path):
    from media.config import MediaConfig

    path = write(tmp_path, '[booth]\nid="b1"\ntoken="12345678"\n[ice]\nstun=["stun:10.0.0.1:3478"]\n'
                           'turn=["turn:10.0.0.1:3478"]\nturn_username="u"\nturn_password="p"\n', "booth.toml")
    cfg = load(BoothConfig, path)
    servers = MediaConfig(**cfg.ice.media_options()).rtc_configuration().iceServers
    assert [(s.urls, s.username, s.credential) for s in servers] == [
        ("stun:10.0.0.1:3478", None, None), ("turn:10.0.0.1:3478", "u", "p")]
    default = load(BoothConfig, ROOT / "config" / "booth-01.toml")
    assert MediaConfig(**default.ice.media_options()).rtc_configuration().iceServers == []


def test_turn_without_credentials_is_refused(tmp_path):
    path = write(tmp_path, '[booth]\nid="b1"\ntoken="12345678"\n[ice]\nturn=["turn:10.0.0.1"]\n', "booth.toml")
    with pytest.raises(ConfigError, match="turn_username and turn_password"):
        load(BoothConfig, path)
