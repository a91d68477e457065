"""Live mode's bookkeeping on its own: the two frame slots, the smoothed trend and the
checks a frame passes before it leaves the web process."""

import pytest

from emotions.engine.labels import EMOTIONS
from emotions.live.protocol import (
    MAX_FRAME_BYTES,
    EmotionTrend,
    Frame,
    FrameRejected,
    FrameSlots,
    check_frame,
)


def frame(seq: int) -> Frame:
    return Frame(seq, b"\xff\xd8\xff" + bytes([seq % 256]), float(seq))


def reading(top: str, p: float = 0.7) -> dict:
    rest = (1.0 - p) / (len(EMOTIONS) - 1)
    return {emotion: (p if emotion == top else rest) for emotion in EMOTIONS}


def test_the_first_frame_goes_straight_to_the_worker():
    slots = FrameSlots()
    to_send, dropped = slots.offer(frame(1))
    assert to_send.seq == 1 and dropped is None
    assert slots.is_in_flight(1)


def test_a_frame_arriving_while_one_is_in_flight_waits():
    slots = FrameSlots()
    slots.offer(frame(1))
    assert slots.offer(frame(2)) == (None, None)
    assert slots.waiting.seq == 2 and slots.dropped == 0


def test_a_newer_frame_replaces_the_waiting_one_which_is_dropped():
    slots = FrameSlots()
    slots.offer(frame(1))
    slots.offer(frame(2))
    to_send, dropped = slots.offer(frame(3))
    assert to_send is None and dropped.seq == 2
    assert slots.waiting.seq == 3 and slots.dropped == 1


def test_a_flood_of_frames_holds_at_most_two_of_them():
    slots = FrameSlots()
    dispatched = [slots.offer(frame(seq))[0] for seq in range(1, 1001)]
    assert [f.seq for f in dispatched if f is not None] == [1]
    assert slots.in_flight.seq == 1 and slots.waiting.seq == 1000
    assert slots.dropped == 998


def test_finishing_the_in_flight_frame_sends_the_waiting_one():
    slots = FrameSlots()
    slots.offer(frame(1))
    slots.offer(frame(2))
    assert slots.finish().seq == 2
    assert slots.is_in_flight(2) and slots.waiting is None
    assert slots.finish() is None
    assert slots.in_flight is None


def test_an_answer_for_another_frame_is_not_taken_for_the_in_flight_one():
    slots = FrameSlots()
    slots.offer(frame(5))
    assert not slots.is_in_flight(4)
    assert FrameSlots().is_in_flight(1) is False


def test_the_first_reading_sets_the_trend_and_counts_as_a_change():
    trend = EmotionTrend()
    assert trend.update(reading("happy"), at=0.0) is True
    assert trend.emotion == "happy"
    assert trend.probabilities == pytest.approx(reading("happy"))


def test_a_single_different_frame_does_not_flip_the_trend():
    trend = EmotionTrend(seconds=1.0)
    for i in range(10):
        trend.update(reading("happy"), at=i * 0.1)
    assert trend.update(reading("sad"), at=1.0) is False
    assert trend.emotion == "happy"


def test_a_held_expression_takes_over_in_about_a_second():
    trend = EmotionTrend(seconds=1.0)
    trend.update(reading("happy"), at=0.0)
    changed_at = None
    for i in range(1, 40):
        if trend.update(reading("sad"), at=i * 0.1):
            changed_at = i * 0.1
            break
    assert trend.emotion == "sad"
    assert 0.3 <= changed_at <= 1.5


def test_the_trend_moves_at_the_same_pace_whatever_the_frame_rate():
    slow, fast = EmotionTrend(), EmotionTrend()
    slow.update(reading("happy"), at=0.0)
    fast.update(reading("happy"), at=0.0)
    for i in range(1, 4):
        slow.update(reading("angry"), at=i / 3)
    for i in range(1, 16):
        fast.update(reading("angry"), at=i / 15)
    assert slow.probabilities["angry"] == pytest.approx(fast.probabilities["angry"], abs=1e-9)


def test_two_close_emotions_do_not_flicker():
    trend = EmotionTrend(seconds=1.0, margin=0.05)
    close_a = {**reading("happy", 0.0), "happy": 0.42, "neutral": 0.40}
    close_b = {**reading("happy", 0.0), "happy": 0.40, "neutral": 0.42}
    trend.update(close_a, at=0.0)
    changes = sum(trend.update(close_b if i % 2 else close_a, at=i * 0.5) for i in range(1, 20))
    assert changes == 0 and trend.emotion == "happy"


def test_the_trend_reports_rounded_probabilities():
    trend = EmotionTrend()
    assert trend.to_dict() == {"emotion": None, "probabilities": None}
    trend.update(reading("fear", 0.123456789), at=0.0)
    assert trend.to_dict()["probabilities"]["fear"] == 0.1235


def test_a_jpeg_within_the_cap_passes():
    check_frame(b"\xff\xd8\xff\xe0" + b"\x00" * 100)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"\xff\xd8\xff" + b"\x00" * MAX_FRAME_BYTES, "too_large"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "not_jpeg"),
        (b"GIF89a", "not_jpeg"),
        (b"", "not_jpeg"),
    ],
)
def test_a_frame_that_is_too_big_or_not_a_jpeg_is_refused(data, code):
    with pytest.raises(FrameRejected) as refused:
        check_frame(data)
    assert refused.value.code == code
    assert refused.value.message
