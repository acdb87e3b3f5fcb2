"""Opening-hours arithmetic against figures counted by hand on a calendar. The line's published
week: Monday, Wednesday and Friday 09–12 Swedish time. 2026: summer time starts Sunday 29 March
(02:00 -> 03:00), ends Sunday 25 October (03:00 -> 02:00); 24 December is a Thursday,
25 December a Friday."""

from __future__ import annotations

import datetime as dt

import pytest

from supportline.dates import LOCAL_TZ
from supportline.hours.schedule import (
    Change,
    Schedule,
    answer_due_at,
    change_text,
    is_open,
    next_opening,
    opening_seconds_between,
    weekly_text,
)

NINE_TO_TWELVE = (540, 720)
WEEK = Schedule({0: NINE_TO_TWELVE, 2: NINE_TO_TWELVE, 4: NINE_TO_TWELVE})
HOUR = 3600


def local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LOCAL_TZ).astimezone(dt.UTC)


def with_changes(*changes: Change, weekly=None) -> Schedule:
    return Schedule(dict(weekly or WEEK.weekly), {c.day: c for c in changes})


def test_a_whole_week_has_nine_opening_hours():
    assert opening_seconds_between(WEEK, local(2026, 11, 30), local(2026, 12, 7)) == 9 * HOUR


def test_only_the_part_inside_the_hours_counts():
    # Monday 10:30 to Wednesday 09:15: 1.5 h on Monday, 0.25 h on Wednesday.
    assert opening_seconds_between(WEEK, local(2026, 11, 30, 10, 30), local(2026, 12, 2, 9, 15)) == int(1.75 * HOUR)
    # Thursday 14:00 to Friday 08:59: nothing.
    assert opening_seconds_between(WEEK, local(2026, 12, 3, 14), local(2026, 12, 4, 8, 59)) == 0
    # The end before the start counts nothing, not a negative time.
    assert opening_seconds_between(WEEK, local(2026, 12, 4, 11), local(2026, 12, 4, 10)) == 0


def test_a_closed_holiday_counts_nothing():
    christmas = with_changes(Change(dt.date(2026, 12, 25), None, "juldagen"))
    # Week 52: Monday 21 and Wednesday 23 open, Friday 25 closed.
    assert opening_seconds_between(christmas, local(2026, 12, 21), local(2026, 12, 28)) == 6 * HOUR
    assert opening_seconds_between(WEEK, local(2026, 12, 21), local(2026, 12, 28)) == 9 * HOUR
    assert not is_open(christmas, local(2026, 12, 25, 10))
    assert is_open(WEEK, local(2026, 12, 25, 10))


def test_a_changed_day_with_other_hours_and_an_extra_open_day():
    changed = with_changes(Change(dt.date(2026, 12, 23), (540, 600), "lilla julafton"),
                           Change(dt.date(2026, 12, 22), (780, 900), "extra öppet"))
    # Tuesday 22nd 13–15 (2 h) and Wednesday 23rd 9–10 (1 h) instead of 9–12, plus Monday and Friday.
    assert opening_seconds_between(changed, local(2026, 12, 21), local(2026, 12, 28)) == (3 + 2 + 1 + 3) * HOUR
    assert is_open(changed, local(2026, 12, 22, 14)) and not is_open(changed, local(2026, 12, 23, 10, 30))


def test_summer_time_does_not_move_the_hours():
    # Friday 27 March and Monday 30 March, each 09–12 local: 3 h at +01:00 and 3 h at +02:00.
    assert opening_seconds_between(WEEK, local(2026, 3, 27), local(2026, 3, 31)) == 6 * HOUR
    assert is_open(WEEK, dt.datetime(2026, 3, 30, 7, 0, tzinfo=dt.UTC))  # 09:00 summer time
    assert not is_open(WEEK, dt.datetime(2026, 3, 30, 10, 0, tzinfo=dt.UTC))  # 12:00 summer time
    assert is_open(WEEK, dt.datetime(2026, 3, 27, 10, 30, tzinfo=dt.UTC))  # 11:30 winter time


def test_a_night_across_a_dst_change_counts_the_real_hours():
    # Open around the clock on Sundays: 29 March has 23 hours, 25 October 25.
    always = Schedule({6: (0, 1440)})
    assert opening_seconds_between(always, local(2026, 3, 28), local(2026, 3, 31)) == 23 * HOUR
    assert opening_seconds_between(always, local(2026, 10, 24), local(2026, 10, 27)) == 25 * HOUR
    # A span over the skipped hour (01:00–04:00 on 29 March) lasts two real hours.
    night = Schedule({6: (60, 240)})
    assert opening_seconds_between(night, local(2026, 3, 29), local(2026, 3, 30)) == 2 * HOUR
    assert opening_seconds_between(night, local(2026, 10, 25), local(2026, 10, 26)) == 4 * HOUR


def test_a_question_at_night_has_its_answer_due_at_the_close_of_the_second_opening_day():
    # Tuesday 1 December 23:40: Wednesday and Friday count -> Friday 4 December 12:00.
    assert answer_due_at(WEEK, local(2026, 12, 1, 23, 40), 2) == local(2026, 12, 4, 12)
    # Monday 30 November 03:00, before opening: Monday counts in full -> Wednesday 12:00.
    assert answer_due_at(WEEK, local(2026, 11, 30, 3), 2) == local(2026, 12, 2, 12)


def test_a_question_during_opening_hours_starts_counting_on_the_next_opening_day():
    # Monday 10:00: Monday is already under way -> Wednesday and Friday -> Friday 12:00.
    assert answer_due_at(WEEK, local(2026, 11, 30, 10), 2) == local(2026, 12, 4, 12)
    # The opening minute itself still counts the day.
    assert answer_due_at(WEEK, local(2026, 11, 30, 9), 2) == local(2026, 12, 2, 12)


def test_a_question_at_the_weekend_and_over_a_holiday():
    # Thursday 3 December 14:00 (the teacher): Friday and Monday -> Monday 7 December 12:00.
    assert answer_due_at(WEEK, local(2026, 12, 3, 14), 2) == local(2026, 12, 7, 12)
    # Saturday 5 December: Monday and Wednesday -> Wednesday 9 December 12:00.
    assert answer_due_at(WEEK, local(2026, 12, 5, 11), 2) == local(2026, 12, 9, 12)
    # Sunday 20 December with Christmas Day closed: Monday 21, Wednesday 23; with the 23rd closed
    # too, Monday 21 and Monday 28.
    christmas = with_changes(Change(dt.date(2026, 12, 25), None, "juldagen"))
    assert answer_due_at(christmas, local(2026, 12, 20, 20), 2) == local(2026, 12, 23, 12)
    closed_week = with_changes(Change(dt.date(2026, 12, 23), None, "stängt"),
                               Change(dt.date(2026, 12, 25), None, "juldagen"))
    assert answer_due_at(closed_week, local(2026, 12, 21, 10), 1) == local(2026, 12, 28, 12)
    # A due time after the autumn change is given in winter time (UTC +1).
    assert answer_due_at(WEEK, local(2026, 10, 22, 15), 2) == dt.datetime(2026, 10, 26, 11, tzinfo=dt.UTC)


def test_next_opening_and_a_week_without_hours():
    assert next_opening(WEEK, local(2026, 12, 3, 14)) == local(2026, 12, 4, 9)
    with pytest.raises(ValueError):
        answer_due_at(Schedule(), local(2026, 12, 3, 14), 2)
    with pytest.raises(ValueError, match="naive"):
        is_open(WEEK, dt.datetime(2026, 12, 4, 10))


def test_swedish_texts():
    assert weekly_text(WEEK.weekly) == "måndag, onsdag och fredag kl. 9–12"
    assert weekly_text({d: (510, 960) for d in range(5)}) == "måndag–fredag kl. 8.30–16"
    assert weekly_text({}) == "stängt"
    assert change_text(Change(dt.date(2026, 12, 24), None, "julafton")) == "24 december: stängt, julafton"
    assert change_text(Change(dt.date(2027, 1, 5), (540, 660), "trettondagsafton")) == \
        "5 januari: kl. 9–11, trettondagsafton"
