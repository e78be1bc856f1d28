"""A job's date window: articles published since/until (inclusive), compared as dates."""

from __future__ import annotations

from datetime import date, datetime


def to_date(value) -> date | None:
    """A date from a datetime, a date, or an ISO 8601 string (time and offset ignored)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


class DateWindow:
    def __init__(self, since: date | None = None, until: date | None = None):
        self.since, self.until = since, until

    @classmethod
    def from_settings(cls, settings) -> DateWindow:
        return cls(to_date(settings.get("DATE_SINCE")), to_date(settings.get("DATE_UNTIL")))

    def __bool__(self) -> bool:
        return bool(self.since or self.until)

    def contains(self, value) -> bool:
        """True when value falls inside the window, or carries no usable date."""
        day = to_date(value)
        if day is None:
            return True
        if self.since and day < self.since:
            return False
        return not (self.until and day > self.until)
