"""Numbers as a person reads them, for the admin's pages and live updates: one place, so a value
looks the same in a table, a heading and a polled refresh."""

DASH = "—"  # shown for "no value", never a made-up 0


def percent_text(fraction: float | None, digits: int = 2) -> str:
    """0.9999169 -> "99.99%"; None -> "—"."""
    if fraction is None:
        return DASH
    return f"{fraction:.{digits}%}"


def ms_text(milliseconds: float | None) -> str:
    """1.6447 -> "1.6 ms", 164.4 -> "164 ms", 2350 -> "2.4 s"; None -> "—"."""
    if milliseconds is None:
        return DASH
    if milliseconds < 100:
        return f"{milliseconds:.1f} ms"
    if milliseconds < 1000:
        return f"{milliseconds:.0f} ms"
    return f"{milliseconds / 1000:.1f} s"


def duration_text(seconds: float | None) -> str:
    """4.2 -> "4 s", 65 -> "1 min 05 s", 3725 -> "1 h 02 min"; None (not started) -> "—"."""
    if seconds is None:
        return DASH
    whole = max(0, int(seconds))
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60:02d} s"
    return f"{whole // 3600} h {whole % 3600 // 60:02d} min"


def datetime_text(value) -> str:
    """A moment in the site's time zone, short enough for a table column: "2026-12-01 08:56"."""
    if value is None:
        return DASH
    from django.utils import timezone

    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
