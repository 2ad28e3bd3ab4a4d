"""The loss-based bitrate cap: random loss of a few per cent is left to retransmission, heavy
loss lowers the cap, and it grows back once the loss is gone."""
from media.loss import LossAdapter


def feed(a, periods, loss, per=100, start=(0, 0)):
    expected, received = start
    changes = []
    for _ in range(periods):
        expected += per
        received += round(per * (1 - loss))
        changes.append(a.update(expected, received))
    return changes, (expected, received)


def test_a_few_per_cent_of_loss_changes_nothing():
    a = LossAdapter(nominal_kbps=1500)
    changes, _ = feed(a, 20, 0.05)
    assert changes == [None] * 20 and a.cap_kbps == 1500 and abs(a.loss - 0.05) < 0.01


def test_heavy_loss_lowers_the_cap_to_the_floor_and_it_grows_back():
    a = LossAdapter(nominal_kbps=1500, floor_kbps=150)
    changes, counts = feed(a, 1, 0.3)
    assert changes == [None]  # the first period only sets the baseline
    changes, counts = feed(a, 1, 0.3, start=counts)
    assert changes == [1275] and a.cap_kbps == 1275  # 1500 * (1 - 0.15)
    _, counts = feed(a, 30, 0.3, start=counts)
    assert a.cap_kbps == 150
    _, counts = feed(a, 5, 0.0, start=counts)
    assert 150 < a.cap_kbps < 1500
    _, counts = feed(a, 60, 0.0, start=counts)
    assert a.cap_kbps == 1500


def test_too_few_packets_are_not_judged_and_a_new_tile_cap_restarts():
    a = LossAdapter(nominal_kbps=300, min_packets=40)
    a.update(0, 0)
    assert a.update(10, 1) is None and a.loss is None  # 10 packets: too few to tell
    assert a.update(100, 20) == 180 and a.cap_kbps == 180  # 80 % lost over 100 packets: 300 * (1 - 0.4)
    a.set_nominal(1500)  # focused: the tile's own cap is new
    assert a.cap_kbps == 1500
    assert a.update(50, 10) is None  # counters went back (a new stream): baseline again
