"""Alarm mute rules as CloudWatch documents them (PutAlarmMuteRule, "Alarm mute rules"):
a schedule — `cron(Minutes Hours Day-of-month Month Day-of-week)` with `*`, `-`, `,` and
English month and weekday names, or `at(yyyy-MM-ddThh:mm)` — in a time zone (UTC by default),
muting the named alarms' actions for an ISO 8601 duration (PT1M to P15D) from each start,
between an optional StartDate and ExpireDate. States still change; only actions are muted.

Written from the API reference, not from `src/`."""
import datetime as dt
import re
from zoneinfo import ZoneInfo

MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$")


class Invalid(ValueError):
    pass


def duration_seconds(text):
    m = DURATION.match(text or "")
    if not m or not any(m.groups()):
        raise Invalid("Duration %r is not an ISO 8601 duration such as PT4H" % text)
    days, hours, minutes = (int(g or 0) for g in m.groups())
    seconds = ((days * 24 + hours) * 60 + minutes) * 60
    if not 60 <= seconds <= 15 * 86400:
        raise Invalid("Duration %r must be between PT1M and P15D" % text)
    return seconds


def _field(text, lo, hi, names=None):
    values = set()
    for part in text.split(","):
        if part == "*":
            values.update(range(lo, hi + 1))
            continue
        ends = part.split("-")
        if len(ends) > 2:
            raise Invalid("bad cron field %r" % text)
        nums = []
        for e in ends:
            e = e.upper()
            if names and e in names:
                nums.append(names.index(e) + lo)
            elif e.isdigit() and lo <= int(e) <= hi:
                nums.append(int(e))
            else:
                raise Invalid("bad cron field %r" % text)
        values.update(range(nums[0], nums[-1] + 1))
    return values


def parse_expression(expression):
    """('cron', fields) or ('at', naive datetime); raises Invalid."""
    m = re.match(r"^cron\((.*)\)$", expression or "")
    if m:
        f = m.group(1).split()
        if len(f) != 5:
            raise Invalid("a mute rule's cron expression has 5 fields: %r" % expression)
        return "cron", (_field(f[0], 0, 59), _field(f[1], 0, 23), _field(f[2], 1, 31),
                        _field(f[3], 1, 12, MONTHS), _field(f[4], 0, 6, DAYS), f[2] == "*", f[4] == "*")
    m = re.match(r"^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2})\)$", expression or "")
    if m:
        return "at", dt.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M")
    raise Invalid("Expression %r is neither cron(…) nor at(yyyy-MM-ddThh:mm)" % expression)


def _fires(fields, local):
    minutes, hours, days, months, weekdays, any_day, any_weekday = fields
    if local.minute not in minutes or local.hour not in hours or local.month not in months:
        return False
    weekday = (local.weekday() + 1) % 7  # Python's Monday=0; cron's Sunday=0
    if any_day and any_weekday:
        return True
    if any_day:
        return weekday in weekdays
    if any_weekday:
        return local.day in days
    return local.day in days or weekday in weekdays  # classic cron: either day field


def muted(rule, at):
    """Whether `rule` (PutAlarmMuteRule's parameters) mutes at Unix time `at`."""
    start, expire = rule.get("StartDate"), rule.get("ExpireDate")
    if (start is not None and at < start) or (expire is not None and at >= expire):
        return False
    schedule = rule["Rule"]["Schedule"]
    tz = ZoneInfo(schedule.get("Timezone") or "UTC")
    length = duration_seconds(schedule["Duration"])
    kind, what = parse_expression(schedule["Expression"])
    if kind == "at":
        begins = what.replace(tzinfo=tz).timestamp()
        return begins <= at < begins + length
    # A window that began within `length` before `at` still mutes: look back minute by minute.
    t = int(at) // 60 * 60
    for back in range(0, length, 60):
        begins = t - back
        if begins + length <= at:
            break
        local = dt.datetime.fromtimestamp(begins, tz)
        if _fires(what, local):
            return True
    return False


def status(rule, now):
    if rule.get("ExpireDate") is not None and now >= rule["ExpireDate"]:
        return "EXPIRED"
    return "ACTIVE" if muted(rule, now) else "SCHEDULED"
