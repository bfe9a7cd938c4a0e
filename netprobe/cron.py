"""Five-field cron expressions (minute hour day-of-month month day-of-week), always in UTC.

The grammar is Vixie cron's, as in crontab(5): ``*``, ``*/n``, ``a-b``, ``a-b/n``, ``a/n``
(``a`` to the field's end), comma lists, month and weekday names (``jan``, ``mon``), weekday
7 = Sunday, and the macros ``@hourly``, ``@daily``/``@midnight``, ``@weekly``,
``@monthly``, ``@yearly``/``@annually``. Like cron, when both day fields are restricted
(neither starts with ``*``) a day matches if EITHER matches. Written here rather than
taken from croniter to keep the evaluation UTC-only and the rules this page states.
"""

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

_MACROS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}
_MONTHS = {name: i for i, name in enumerate(calendar.month_abbr) if name}
_WEEKDAYS = {name: (i + 1) % 7 for i, name in enumerate(calendar.day_abbr)}
# (field name, lowest, highest, names)
_FIELDS = (
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day of month", 1, 31, {}),
    ("month", 1, 12, {k.lower(): v for k, v in _MONTHS.items()}),
    ("day of week", 0, 7, {k.lower(): v for k, v in _WEEKDAYS.items()}),
)
# Longest wait between two firings of any satisfiable expression: Feb 29 on a leap year
# (2096 → 2104 skips 2100), plus slack.
_HORIZON_DAYS = 9 * 366


@dataclass(frozen=True)
class CronExpr:
    """A parsed cron expression: the sets of values each field allows (weekday 0 = Sunday)."""

    text: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    days_restricted: bool
    weekdays_restricted: bool

    @classmethod
    def parse(cls, text: str) -> "CronExpr":
        """Parse ``0 * * * *``, ``*/10 8-18 * * mon-fri`` or a macro such as ``@hourly``.

        Raises:
            ValueError: wrong number of fields, a value out of range, a bad step or range,
                or an expression that can never fire (``0 0 30 2 *``).
        """
        if not isinstance(text, str):
            raise ValueError(f"expected a cron expression such as '0 * * * *', got {text!r}")
        fields = _MACROS.get(text.strip().lower(), text).split()
        if len(fields) != 5:
            raise ValueError(
                "expected 5 fields 'minute hour day-of-month month day-of-week' "
                f"such as '0 * * * *', got {text!r}"
            )
        sets = [_parse_field(f, *spec) for f, spec in zip(fields, _FIELDS, strict=True)]
        weekdays = frozenset(0 if d == 7 else d for d in sets[4])
        expr = cls(
            text=text,
            minutes=sets[0],
            hours=sets[1],
            days=sets[2],
            months=sets[3],
            weekdays=weekdays,
            days_restricted=not fields[2].startswith("*"),
            weekdays_restricted=not fields[4].startswith("*"),
        )
        if expr.days_restricted and not expr.weekdays_restricted and not expr._day_exists():
            raise ValueError(
                f"expected a cron expression that can fire, got {text!r} (no such day)"
            )
        return expr

    def day_matches(self, day: date) -> bool:
        """True when the expression fires on some minute of this (UTC) day."""
        if day.month not in self.months:
            return False
        dom = day.day in self.days
        dow = (day.weekday() + 1) % 7 in self.weekdays
        if self.days_restricted and self.weekdays_restricted:
            return dom or dow
        return dom and dow

    def matches(self, t: datetime) -> bool:
        """True when the aware time ``t`` falls in a minute the expression fires on."""
        t = as_utc(t)
        return t.minute in self.minutes and t.hour in self.hours and self.day_matches(t.date())

    def slots_between(self, after: datetime, until: datetime) -> list[datetime]:
        """Every firing time (UTC, whole minutes) in the half-open period ``(after, until]``."""
        after, until = as_utc(after), as_utc(until)
        out: list[datetime] = []
        day = after.date()
        while day <= until.date():
            if self.day_matches(day):
                for hour in sorted(self.hours):
                    for minute in sorted(self.minutes):
                        t = datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)
                        if after < t <= until:
                            out.append(t)
            day += timedelta(days=1)
        return out

    def next_after(self, t: datetime) -> datetime:
        """The first firing time strictly after the aware time ``t`` (UTC)."""
        t = as_utc(t)
        day = t.date()
        for _ in range(_HORIZON_DAYS):
            if self.day_matches(day):
                for hour in sorted(self.hours):
                    for minute in sorted(self.minutes):
                        slot = datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)
                        if slot > t:
                            return slot
            day += timedelta(days=1)
        raise ValueError(f"cron expression {self.text!r} does not fire within 9 years")

    def shortest_gap(self, samples: int = 48) -> float:
        """Seconds between the two closest firings among the first ``samples`` of 2024."""
        prev = self.next_after(datetime(2024, 1, 1, tzinfo=UTC))
        gaps = []
        for _ in range(samples):
            nxt = self.next_after(prev)
            gaps.append((nxt - prev).total_seconds())
            prev = nxt
        return min(gaps)

    def _day_exists(self) -> bool:
        return any(d <= calendar.monthrange(2024, m)[1] for m in self.months for d in self.days)


def _parse_field(text: str, name: str, low: int, high: int, names: dict[str, int]) -> frozenset:
    values: set[int] = set()
    for part in text.split(","):
        base, _, step_text = part.partition("/")
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) < 1:
                raise ValueError(f"expected a step >= 1 in the {name} field, got {part!r}")
            step = int(step_text)
        if base == "*":
            first, last = low, high
        elif "-" in base:
            a, _, b = base.partition("-")
            first, last = _value(a, name, low, high, names), _value(b, name, low, high, names)
            if first > last:
                raise ValueError(f"expected a range low-high in the {name} field, got {part!r}")
        else:
            first = _value(base, name, low, high, names)
            last = high if step_text else first
        values.update(range(first, last + 1, step))
    return frozenset(values)


def _value(text: str, name: str, low: int, high: int, names: dict[str, int]) -> int:
    key = text.strip().lower()
    if key in names:
        return names[key]
    if not key.isdigit() or not low <= int(key) <= high:
        raise ValueError(f"expected a {name} from {low} to {high}, got {text!r}")
    return int(key)


def as_utc(t: datetime) -> datetime:
    """The aware time ``t`` in UTC.

    Raises:
        ValueError: ``t`` is naive.
    """
    if t.tzinfo is None:
        raise ValueError(f"expected a timezone-aware time, got naive {t.isoformat()}")
    return t.astimezone(UTC)
