"""Serial devices against simulators on real pseudo-terminals (no pyserial fakes)."""
from datetime import datetime

import pytest
import serial

from hardware.button import CallButton
from hardware.light import LightColour, StatusLight
from hardware.printer import ReceiptPrinter, Slip, slip_bytes, stamp
from hardware.serialdevice import DeviceState, NotConnected, StatusEvent
from hardware.simulators import EscPosError, SimulatedButton, SimulatedLight, SimulatedPrinter, parse_escpos

WAIT = 5.0  # generous bound for anything the device thread does; never asserted as a duration
FAST = dict(retry_initial=0.05, retry_max=0.2, watch_interval=0.05, timeout=0.5)


@pytest.fixture
def events():
    return []


def test_button_handshake_and_presses(tmp_path, events):
    with SimulatedButton(link=str(tmp_path / "button")) as sim:
        button = CallButton(sim.port, on_status=events.append, **FAST).start()
        try:
            assert button.wait_for(DeviceState.CONNECTED, WAIT), button.message
            assert sim.lines == ["PING"]
            pressed = []
            button._on_press = lambda: pressed.append(1)
            for n in range(3):
                sim.press()
                assert button.wait_for_press(WAIT, after=n)
            assert button.presses == 3 and len(pressed) == 3
        finally:
            button.stop()
    assert [e.state for e in events] == [DeviceState.CONNECTED, DeviceState.DISCONNECTED]
    assert events[0] == StatusEvent("button", str(tmp_path / "button"), DeviceState.CONNECTED, "")


def test_light_shows_every_colour():
    with SimulatedLight() as sim:
        with StatusLight(sim.port, **FAST) as light:
            assert light.wait_for(DeviceState.CONNECTED, WAIT), light.message
            for colour in ("IDLE", "WAITING", LightColour.CALL, "fault"):
                light.set(colour)
            assert sim.colours == ["IDLE", "WAITING", "CALL", "FAULT"]
            with pytest.raises(ValueError, match="unknown light colour 'PINK'"):
                light.set("PINK")


def test_missing_port_is_a_fault_naming_role_and_port(tmp_path, events):
    port = str(tmp_path / "ttyUSB9")
    light = StatusLight(port, on_status=events.append, **FAST).start()
    try:
        assert light.wait_for(DeviceState.FAULT, WAIT)
        assert "light" in light.message and port in light.message and "does not exist" in light.message
        with pytest.raises(NotConnected, match=f"light on {port} is not connected"):
            light.set("IDLE")
    finally:
        light.stop()
    assert events[0].state is DeviceState.FAULT and events[0].port == port


def test_busy_port_is_a_fault(tmp_path):
    with SimulatedButton() as sim:
        holder = serial.Serial(sim.port, exclusive=True)  # another program has it
        try:
            with CallButton(sim.port, **FAST) as button:
                assert button.wait_for(DeviceState.FAULT, WAIT)
                assert "button" in button.message and sim.port in button.message
                assert "busy" in button.message
                holder.close()  # the other program lets go: the button connects by itself
                assert button.wait_for(DeviceState.CONNECTED, WAIT), button.message
        finally:
            holder.close()


def test_silent_device_is_a_fault_with_the_reason():
    with SimulatedLight(silent=True) as sim:
        with StatusLight(sim.port, **FAST) as light:
            assert light.wait_for(DeviceState.FAULT, WAIT)
            assert light.message.startswith(f"light on {sim.port}: no answer to 'PING'")
            sim.silent = False
            assert light.wait_for(DeviceState.CONNECTED, WAIT), light.message


def test_wrong_device_on_the_port_is_named():
    with SimulatedButton() as sim:
        with StatusLight(sim.port, **FAST) as light:
            assert light.wait_for(DeviceState.FAULT, WAIT)
            assert "answered 'PONG BUTTON', expected 'PONG LIGHT'" in light.message


def test_printer_receives_valid_escpos_with_the_ticket_text():
    when = datetime(2026, 11, 25, 9, 5)
    with SimulatedPrinter() as sim:
        with ReceiptPrinter(sim.port, **FAST) as printer:
            assert printer.wait_for(DeviceState.CONNECTED, WAIT), printer.message
            printer.print_slip(Slip(header=("Cabang Jakarta Selatan",), title=("Nomor antrean",), big="A-017",
                                    footer=(stamp(when),)))
            printer.print_slip(Slip(header=("Cabang Jakarta Selatan",), rows=(("Tiket", "A-017"),
                                                                              ("No. Ref", "20251125-A017")),
                                    items_title="Dokumen diterima:",
                                    items=("KTP", "Kartu Peserta BPJS", "Buku Tabungan")))
            assert sim.wait_until(lambda: sim.cuts() == 2, WAIT)
    lines = sim.text_lines()
    assert "A-017" in lines and "25-11-2026 09:05" in lines and "Cabang Jakarta Selatan" in lines
    assert "No. Ref : 20251125-A017" in lines and "Tiket   : A-017" in lines
    assert " - Kartu Peserta BPJS" in lines and " - Buku Tabungan" in lines
    codes = [c.code for c in sim.commands()]
    assert codes[0] == b"\x10\x04"  # the status request of the handshake
    assert codes[1] == b"\x1b@"  # then each slip starts with ESC @ ...
    assert codes[-1] == b"\x1dV"  # ... and ends with a cut


def test_printer_offline_or_without_status_answer():
    with SimulatedPrinter(online=False) as sim:
        with ReceiptPrinter(sim.port, **FAST) as printer:
            assert printer.wait_for(DeviceState.FAULT, WAIT)
            assert "offline" in printer.message and sim.port in printer.message
    with SimulatedPrinter(silent=True) as sim:
        with ReceiptPrinter(sim.port, **FAST) as printer:
            assert printer.wait_for(DeviceState.FAULT, WAIT)
            assert "status_check = false" in printer.message
        with ReceiptPrinter(sim.port, status_check=False, **FAST) as printer:
            assert printer.wait_for(DeviceState.CONNECTED, WAIT), printer.message


def test_unplug_is_reported_and_replug_reconnects_by_itself(tmp_path, events):
    with SimulatedLight(link=str(tmp_path / "light")) as sim:
        light = StatusLight(sim.port, on_status=events.append, **FAST).start()
        try:
            assert light.wait_for(DeviceState.CONNECTED, WAIT)
            light.set("CALL")
            sim.unplug()
            assert light.wait_for(DeviceState.FAULT, WAIT)
            assert light.message.startswith(f"light on {sim.port}:")
            with pytest.raises(NotConnected):
                light.set("IDLE")
            sim.plug()
            assert light.wait_for(DeviceState.CONNECTED, WAIT), light.message
            # Back, it shows the colour last asked for, even one asked for while it was away.
            assert sim.colours == ["CALL", "IDLE"]
            light.set("WAITING")
            assert sim.colours == ["CALL", "IDLE", "WAITING"]
        finally:
            light.stop()
    states = [e.state for e in events]
    assert states[:2] == [DeviceState.CONNECTED, DeviceState.FAULT]
    assert DeviceState.CONNECTED in states[2:] and states[-1] is DeviceState.DISCONNECTED


def test_button_unplug_while_waiting_for_presses(tmp_path):
    with SimulatedButton(link=str(tmp_path / "btn")) as sim:
        with CallButton(sim.port, **FAST) as button:
            assert button.wait_for(DeviceState.CONNECTED, WAIT)
            sim.unplug()
            assert button.wait_for(DeviceState.FAULT, WAIT)
            sim.plug()
            assert button.wait_for(DeviceState.CONNECTED, WAIT)
            sim.press()
            assert button.wait_for_press(WAIT, after=0)


def test_escpos_builders_and_parser():
    when = datetime(2026, 1, 2, 3, 4)
    _, lines = parse_escpos(slip_bytes(Slip(header=("Cabang Bandung",), title=("Queue number",), big="B-002",
                                            footer=(stamp(when),))))
    assert lines == ["Cabang Bandung", "Queue number", "B-002", "02-01-2026 03:04"]
    _, lines = parse_escpos(slip_bytes(Slip(header=("C",), rows=(("Ref", "R1"),), items=("x" * 50,)), columns=32))
    assert "-" * 32 in lines
    assert [len(line) for line in lines if "xxx" in line] == [32, 24]  # long names wrap
    with pytest.raises(EscPosError, match="offset 2"):
        parse_escpos(b"ab\x1b\xff")


def test_a_slip_counts_as_received_only_once_its_cut_has_arrived():
    """The booth's print returns when its bytes are written; the simulated printer reads them on its
    own thread. `slips_received` is what a test waits on: a slip whose cut is still on its way (the
    last command cut short) is not counted yet, the whole slip is."""
    data = slip_bytes(Slip(header=("Cabang Jakarta Selatan",), big="A-017"))
    assert data.endswith(b"\x1dV\x00")  # a slip ends with its cut (GS V 0)
    with SimulatedPrinter() as sim, serial.Serial(sim.port, timeout=1) as port:
        port.write(data[:-1])  # the cut command's last byte held back
        port.flush()
        assert sim.wait_until(lambda: len(sim.stream()) == len(data) - 1, WAIT)
        assert sim.slips_received() == 0
        with pytest.raises(EscPosError):
            sim.cuts()  # the strict reading names the cut-short command
        port.write(data[-1:])
        port.flush()
        assert sim.wait_until(lambda: sim.slips_received() == 1, WAIT)
        assert "A-017" in sim.text_lines()


def test_slips_lists_each_slip_that_has_arrived_apart():
    """A visit prints a queue ticket, then a receipt: a test waiting for the receipt waits on
    `slips`, which lists each slip whose cut has arrived, apart, and not one still on its way."""
    ticket = slip_bytes(Slip(header=("Cabang Jakarta Selatan",), big="A-017"))
    receipt = slip_bytes(Slip(header=("Tanda terima",), rows=(("Ref", "20261126-A017"),)))
    with SimulatedPrinter() as sim, serial.Serial(sim.port, timeout=1) as port:
        port.write(ticket + receipt[:-1])
        port.flush()
        assert sim.wait_until(lambda: len(sim.stream()) == len(ticket) + len(receipt) - 1, WAIT)
        slips = sim.slips()
        assert len(slips) == 1 and "A-017" in slips[0]
        port.write(receipt[-1:])
        port.flush()
        assert sim.wait_until(lambda: len(sim.slips()) == 2, WAIT)
        assert any("20261126-A017" in line for line in sim.slips()[1])
        assert not any("A-017" == line for line in sim.slips()[1])
        port.write(b"\x1b\xff")  # not ESC/POS at all: an error naming it, not a guess
        port.flush()
        assert sim.wait_until(lambda: len(sim.stream()) == len(ticket) + len(receipt) + 2, WAIT)
        with pytest.raises(EscPosError, match="unknown ESC/POS command"):
            sim.slips()
