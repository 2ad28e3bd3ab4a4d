"""`lapak hw probe | test | check` against simulated devices on real ptys."""
import glob
import threading
from pathlib import Path

import pytest

from hardware.settings import DevicesSettings
from hardware.simulators import SimulatedButton, SimulatedLight, SimulatedPrinter
from lapak.cli import main


@pytest.fixture
def sims(tmp_path):
    with SimulatedButton(link=str(tmp_path / "button")) as button, \
            SimulatedLight(link=str(tmp_path / "light")) as light, \
            SimulatedPrinter(link=str(tmp_path / "printer")) as printer:
        yield button, light, printer


def write_config(tmp_path: Path, button: str, light: str, printer: str, extra: str = "") -> str:
    path = tmp_path / "booth.toml"
    path.write_text(f"""
[booth]
id = "booth-01"
token = "booth-01-token"

[devices.camera]
source = "synthetic"
width = 320
height = 240
fps = 20

[devices.document_camera]
source = "synthetic"
width = 960
height = 540

[devices.microphone]
source = "synthetic"

[devices.speaker]
source = "synthetic"

[devices.button]
port = "{button}"
timeout = 0.5

[devices.light]
port = "{light}"
baudrate = 9600
timeout = 0.5

[devices.printer]
port = "{printer}"
timeout = 0.5
{extra}
""")
    return str(path)


def test_probe_without_config_or_cameras_does_not_crash(capsys):
    assert main(["hw", "probe"]) == 0
    out = capsys.readouterr().out
    assert "Serial ports:" in out and "button: not configured" in out
    if not glob.glob("/dev/video*"):
        assert "no cameras found" in out


def test_probe_lists_sound_devices_and_the_configured_ones(tmp_path, sims, capsys):
    config = write_config(tmp_path, *(s.port for s in sims))
    assert main(["hw", "probe", "--config", config]) == 0
    out = capsys.readouterr().out
    assert "Sound devices (device = index or name in [devices.microphone] / [devices.speaker]):" in out
    assert "microphone: synthetic" in out and "speaker: synthetic" in out


def test_a_named_sound_device_that_is_not_there_is_a_problem_naming_it(tmp_path, sims, capsys):
    config = write_config(tmp_path, *(s.port for s in sims))
    text = Path(config).read_text().replace('[devices.speaker]\nsource = "synthetic"',
                                            '[devices.speaker]\ndevice = "no-such-speaker"')
    Path(config).write_text(text)
    assert main(["hw", "check", "--config", config]) == 1
    assert "PROBLEM speaker ('no-such-speaker'): " in capsys.readouterr().out
    assert main(["hw", "test", "speaker", "--config", config, "--seconds", "0.2"]) == 1
    assert "FAIL speaker ('no-such-speaker'): " in capsys.readouterr().out
    assert main(["hw", "test", "microphone", "--config", config]) == 0
    assert "PASS microphone (synthetic)" in capsys.readouterr().out


def test_probe_lists_configured_ptys(tmp_path, sims, capsys):
    button, light, printer = sims
    config = write_config(tmp_path, button.port, light.port, str(tmp_path / "gone"))
    assert main(["hw", "probe", "--config", config]) == 0
    out = capsys.readouterr().out
    assert f"{light.port}: -> {light.tty_path} (not listed by the OS; pty or link)" in out
    assert f"light: {light.port} at 9600 baud: present" in out
    assert f"printer: {tmp_path / 'gone'} at 19200 baud: MISSING" in out
    assert "camera: camera synthetic 320x240@20" in out


def test_light_test_passes_against_a_simulated_light(tmp_path, sims, capsys):
    button, light, printer = sims
    config = write_config(tmp_path, button.port, light.port, printer.port)
    assert main(["hw", "test", "light", "--config", config]) == 0
    assert capsys.readouterr().out.strip().startswith(f"PASS light on {light.port}")
    assert light.colours == ["IDLE", "WAITING", "CALL", "FAULT", "IDLE"]


def test_light_test_fails_naming_a_missing_port(tmp_path, sims, capsys):
    button, light, printer = sims
    missing = str(tmp_path / "ttyUSB7")
    config = write_config(tmp_path, button.port, missing, printer.port)
    assert main(["hw", "test", "light", "--config", config]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"FAIL light on {missing}: port {missing} does not exist")


def test_printer_test_prints_a_slip(tmp_path, sims, capsys):
    button, light, printer = sims
    config = write_config(tmp_path, button.port, light.port, printer.port)
    assert main(["hw", "test", "printer", "--config", config]) == 0
    assert "PASS printer" in capsys.readouterr().out
    assert printer.wait_until(lambda: printer.cuts() == 1, 5.0)
    assert "LAPAK PRINTER TEST" in printer.text_lines()


def test_button_test_waits_for_a_press(tmp_path, sims, capsys):
    button, light, printer = sims
    config = write_config(tmp_path, button.port, light.port, printer.port)
    def press_after_handshake():  # press once the driver has done its handshake
        if button.wait_until(lambda: "PING" in button.lines, 5.0):
            button.press()

    threading.Thread(target=press_after_handshake, daemon=True).start()
    assert main(["hw", "test", "button", "--config", config, "--press-timeout", "5"]) == 0
    assert "PASS button on" in capsys.readouterr().out


def test_button_test_fails_without_a_press(tmp_path, sims, capsys):
    button, _, _ = sims
    assert main(["hw", "test", "button", "--port", button.port, "--press-timeout", "0.3"]) == 1
    assert f"FAIL button on {button.port}: no press within 0.3 s" in capsys.readouterr().out


def test_port_option_needs_no_config_and_wrong_device_fails(sims, capsys):
    button, light, _ = sims
    assert main(["hw", "test", "light", "--port", button.port]) == 1
    assert "answered 'PONG BUTTON', expected 'PONG LIGHT'" in capsys.readouterr().out


def test_synthetic_cameras_pass(tmp_path, sims, capsys):
    config = write_config(tmp_path, *(s.port for s in sims))
    assert main(["hw", "test", "camera", "--config", config, "--seconds", "0.3"]) == 0
    assert "PASS camera (synthetic): " in capsys.readouterr().out
    assert main(["hw", "test", "document_camera", "--config", config]) == 0
    assert "document found" in capsys.readouterr().out


def test_real_camera_that_is_absent_fails_clearly(tmp_path, sims, capsys):
    config = write_config(tmp_path, *(s.port for s in sims))
    text = Path(config).read_text().replace('[devices.camera]\nsource = "synthetic"',
                                            '[devices.camera]\ndevice = "/dev/no-such-camera"')
    Path(config).write_text(text)
    assert main(["hw", "test", "camera", "--config", config]) == 1
    assert "FAIL camera (/dev/no-such-camera): camera device does not exist" in capsys.readouterr().out


def test_check_passes_when_everything_is_present(tmp_path, sims, capsys):
    config = write_config(tmp_path, *(s.port for s in sims))
    assert main(["hw", "check", "--config", config]) == 0
    assert "OK: every device" in capsys.readouterr().out


def test_check_lists_each_problem_by_role_and_port(tmp_path, sims, capsys):
    button, light, printer = sims
    config = write_config(tmp_path, button.port, str(tmp_path / "l"), str(tmp_path / "p"))
    assert main(["hw", "check", "--config", config]) == 1
    out = capsys.readouterr().out
    assert f"PROBLEM light ({tmp_path / 'l'}): port does not exist" in out
    assert f"PROBLEM printer ({tmp_path / 'p'}): port does not exist" in out
    assert "button" not in out


def test_config_errors_name_file_key_and_expectation(tmp_path, sims, capsys):
    config = write_config(tmp_path, *(s.port for s in sims), extra="paper = 80\n")
    assert main(["hw", "check", "--config", config]) == 2
    err = capsys.readouterr().err
    assert f"{config}: key 'devices.printer.paper' is not a known key; expected one of:" in err
    assert "status_check" in err
    Path(config).write_text('[booth]\nid = "b1"\ntoken = "12345678"\n[devices.light]\nport = "/dev/x"\nbaudrate = "fast"\n')
    assert main(["hw", "probe", "--config", config]) == 2
    assert "key 'devices.light.baudrate'" in (err := capsys.readouterr().err) and "'fast'" in err
    Path(config).write_text('[booth]\nid = "b1"\ntoken = "12345678"\n[devices.light]\nbaudrate = 9600\n')
    assert main(["hw", "test", "light", "--config", config]) == 2
    assert "key 'devices.light.port' is required but missing" in capsys.readouterr().err
    Path(config).write_text('[devices.light]\nport = "/dev/x"\n')
    assert main(["hw", "check", "--config", config]) == 2
    assert "key 'booth' is required but missing" in capsys.readouterr().err
    assert main(["hw", "check", "--config", str(tmp_path / "none.toml")]) == 2
    assert "none.toml: config file not found" in capsys.readouterr().err
    Path(config).write_text("[devices\n")
    assert main(["hw", "check", "--config", config]) == 2
    assert "not valid TOML" in capsys.readouterr().err


def test_settings_reject_unknown_roles():
    from common.config import ConfigError, parse
    from kiosk.config import BoothConfig

    with pytest.raises(ConfigError, match="'devices.scanner' is not a known key; expected one of: button, camera"):
        parse(BoothConfig, {"booth": {"id": "b1", "token": "12345678"}, "devices": {"scanner": {}}}, "booth.toml")
    assert DevicesSettings().configured() == {}
