"""CloudWatch alarm evaluation, written from AWS's documentation (never from slo's `src/`: this is
the independent check of `src/core/replay.rs`). Pure: data come from a `source`, time is passed
in. Each rule names the page it follows (CloudWatch User Guide unless said otherwise):

- alarm-evaluation.html, "Alarm evaluation settings": `Period`, `EvaluationPeriods` (N),
  `DatapointsToAlarm` (M, default N): ALARM when at least M of the N most recent datapoints
  breach. AWS documents a 10-second cadence for 10- and 30-second alarms and no other; alarms
  with a period of a minute or more, an hour or more included, are evaluated every minute here
  (an assumption, said in the README).
- alarm-evaluation-window.html: the default `SlidingWindow` advances each time the alarm is
  evaluated; its N periods end at the evaluation's minute (as `StateReasonData`'s `startDate`
  and `recentDatapoints` show: three 60 s datapoints 11:23, 11:24, 11:25 for a query at
  11:26:05). A `WallClockWindow` ends at the last boundary of the period (in its time zone;
  UTC here).
- alarms-and-missing-data.html, "How alarm state is evaluated when data is missing": CloudWatch
  retrieves more datapoints than N (the evaluation range); with no missing datapoint among the
  most recent N it uses those; with enough real datapoints in the range it uses the most recent
  real ones and ignores `TreatMissingData`; with fewer it fills the missing ones as
  `TreatMissingData` says, using missing datapoints as few times as possible. The range's
  length is not given; the page's own examples use 5 datapoints for N = 3, so N + 2 here.
  `breaching` counts a missing datapoint as breaching, `notBreaching` as not, `ignore` keeps
  the state when nothing real decides, `missing` goes to INSUFFICIENT_DATA when every datapoint
  is missing.
- using-metric-math.html: arithmetic, comparisons (1 or 0), `AND`/`OR`/`NOT`, `IF(c, a, b)`,
  `FILL(x, v)`, `^`; an operation on a datapoint that is missing gives no datapoint, `FILL`
  gives its value there; `IF` with a missing condition gives none.
- Create_Composite_Alarm.html: rules of `ALARM(x)`, `OK(x)`, `INSUFFICIENT_DATA(x)`, `TRUE`,
  `FALSE`, `NOT`, `AND`, `OR` and parentheses; a composite is in ALARM when its rule holds, OK
  otherwise, and is evaluated again when one of its children changes state.
- alarm-suppression.html ("Composite alarm action suppression"): when a composite enters ALARM
  and its `ActionsSuppressor` is not in ALARM, it waits up to `ActionsSuppressorWaitPeriod`
  for the suppressor to go into ALARM, and performs its actions after that time if it did not;
  while suppressed, after the suppressor leaves ALARM it waits `ActionsSuppressorExtensionPeriod`
  and then performs its actions if it is still in ALARM.
- AlarmThatSendsEmail.html / "Alarm actions": actions run on a state change into the state
  they are for (ALARM, OK, INSUFFICIENT_DATA).
"""
import functools
import math
import re

OK, ALARM, INSUFFICIENT = "OK", "ALARM", "INSUFFICIENT_DATA"
COMPARE = {
    "GreaterThanOrEqualToThreshold": lambda v, t: v >= t,
    "GreaterThanThreshold": lambda v, t: v > t,
    "LessThanThreshold": lambda v, t: v < t,
    "LessThanOrEqualToThreshold": lambda v, t: v <= t,
}


# ---------------------------------------------------------------- metric math

TOKEN = re.compile(r"\s*(?:(?P<num>\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)|(?P<id>[A-Za-z_][A-Za-z0-9_]*)"
                   r"|(?P<op>>=|<=|==|!=|[-+*/^(),<>]))")


def tokenize(text):
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ValueError("cannot read the expression at %r" % text[pos:])
        pos = m.end()
        if m.group("num"):
            out.append(("num", float(m.group("num"))))
        elif m.group("id"):
            word = m.group("id")
            out.append(("kw", word.upper()) if word.upper() in ("AND", "OR", "NOT", "IF", "FILL") else ("id", word))
        else:
            out.append(("op", m.group("op")))
    return out


# Parsed once per text: every alarm is evaluated every minute, and its expression and rule
# never change between puts.
@functools.lru_cache(maxsize=4096)
def parse_expression(text):
    """Metric math → a tree: ("num", v), ("id", name), ("neg", x), ("not", x),
    ("bin", op, a, b), ("if", c, a, b), ("fill", x, v)."""
    tokens = tokenize(text)
    pos = [0]

    def peek():
        return tokens[pos[0]] if pos[0] < len(tokens) else (None, None)

    def take(kind=None, value=None):
        t = peek()
        if t[0] is None or (kind and t[0] != kind) or (value and t[1] != value):
            raise ValueError("expected %s in %r" % (value or kind, text))
        pos[0] += 1
        return t

    def level(ops, below):
        def parse():
            left = below()
            while peek()[1] in ops:
                op = take()[1]
                left = ("bin", op, left, below())
            return left
        return parse

    def unary():
        t = peek()
        if t == ("op", "-"):
            take()
            return ("neg", unary())
        if t == ("kw", "NOT"):
            take()
            return ("not", unary())
        return power()

    def power():
        base = atom()
        if peek() == ("op", "^"):
            take()
            return ("bin", "^", base, unary())
        return base

    def atom():
        t = take()
        if t[0] == "num":
            return t
        if t[0] == "id":
            return t
        if t == ("op", "("):
            e = expr()
            take("op", ")")
            return e
        if t == ("kw", "IF"):
            take("op", "(")
            c = expr()
            take("op", ",")
            a = expr()
            take("op", ",")
            b = expr()
            take("op", ")")
            return ("if", c, a, b)
        if t == ("kw", "FILL"):
            take("op", "(")
            x = expr()
            take("op", ",")
            v = expr()
            take("op", ")")
            return ("fill", x, v)
        raise ValueError("unexpected %r in %r" % (t[1], text))

    product = level(("*", "/"), unary)
    total = level(("+", "-"), product)
    comparison = level((">", "<", ">=", "<=", "==", "!="), total)
    conjunction = level(("AND",), comparison)
    expr = level(("OR",), conjunction)
    tree = expr()
    if pos[0] != len(tokens):
        raise ValueError("left over in %r: %r" % (text, tokens[pos[0]:]))
    return tree


def ids_of(tree):
    kind = tree[0]
    if kind == "id":
        return {tree[1]}
    if kind == "num":
        return set()
    return set().union(*(ids_of(t) for t in tree[1:] if isinstance(t, tuple)))


def evaluate(tree, values):
    """One datapoint of the expression; `values` maps ids to a datapoint or None (missing)."""
    kind = tree[0]
    if kind == "num":
        return tree[1]
    if kind == "id":
        return values.get(tree[1])
    if kind == "neg":
        v = evaluate(tree[1], values)
        return None if v is None else -v
    if kind == "not":
        v = evaluate(tree[1], values)
        return None if v is None else float(v == 0)
    if kind == "fill":
        v = evaluate(tree[1], values)
        return evaluate(tree[2], values) if v is None else v
    if kind == "if":
        c = evaluate(tree[1], values)
        if c is None:
            return None
        return evaluate(tree[2] if c != 0 else tree[3], values)
    op, a, b = tree[1], evaluate(tree[2], values), evaluate(tree[3], values)
    if a is None or b is None:
        return None
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        return None if b == 0 else a / b
    if op == "^":
        try:
            return math.pow(a, b)
        except (ValueError, OverflowError):
            return None
    return float({">": a > b, "<": a < b, ">=": a >= b, "<=": a <= b, "==": a == b, "!=": a != b,
                  "AND": a != 0 and b != 0, "OR": a != 0 or b != 0}[op])


# ---------------------------------------------------------------- composite rules

RULE_TOKEN = re.compile(r'\s*(?:(?P<fn>ALARM|OK|INSUFFICIENT_DATA)\s*\(\s*(?:"(?P<q>[^"]*)"|(?P<bare>[^)\s]+))\s*\)'
                        r"|(?P<word>TRUE|FALSE|AND|OR|NOT)\b|(?P<paren>[()]))")


@functools.lru_cache(maxsize=4096)
def parse_rule(text):
    """An `AlarmRule` → a tree: ("state", STATE, name), ("const", bool), ("not", x),
    ("and", a, b), ("or", a, b). NOT binds tightest, then AND, then OR."""
    tokens, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = RULE_TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ValueError("cannot read the rule at %r" % text[pos:])
        pos = m.end()
        if m.group("fn"):
            tokens.append(("state", m.group("fn"), m.group("q") if m.group("q") is not None else m.group("bare")))
        elif m.group("word"):
            tokens.append(("word", m.group("word")))
        else:
            tokens.append(("paren", m.group("paren")))
    at = [0]

    def peek():
        return tokens[at[0]] if at[0] < len(tokens) else (None, None)

    def disjunction():
        left = conjunction()
        while peek() == ("word", "OR"):
            at[0] += 1
            left = ("or", left, conjunction())
        return left

    def conjunction():
        left = negation()
        while peek() == ("word", "AND"):
            at[0] += 1
            left = ("and", left, negation())
        return left

    def negation():
        if peek() == ("word", "NOT"):
            at[0] += 1
            return ("not", negation())
        t = peek()
        at[0] += 1
        if t[0] == "state":
            return t
        if t == ("word", "TRUE"):
            return ("const", True)
        if t == ("word", "FALSE"):
            return ("const", False)
        if t == ("paren", "("):
            e = disjunction()
            if peek() != ("paren", ")"):
                raise ValueError("unclosed parenthesis in %r" % text)
            at[0] += 1
            return e
        raise ValueError("unexpected %r in %r" % (t, text))

    tree = disjunction()
    if at[0] != len(tokens):
        raise ValueError("left over in %r" % text)
    return tree


def children(tree):
    if tree[0] == "state":
        return {tree[2]}
    if tree[0] == "const":
        return set()
    return set().union(*(children(t) for t in tree[1:]))


def holds(tree, states):
    kind = tree[0]
    if kind == "state":
        return states.get(tree[2], INSUFFICIENT) == tree[1]
    if kind == "const":
        return tree[1]
    if kind == "not":
        return not holds(tree[1], states)
    if kind == "and":
        return holds(tree[1], states) and holds(tree[2], states)
    return holds(tree[1], states) or holds(tree[2], states)


# ---------------------------------------------------------------- metric alarms

def queries_of(alarm):
    """The alarm's metric queries and the expression that gives its datapoints:
    ({id: (namespace, name, dims, stat, period)}, tree)."""
    if alarm.get("Metrics"):
        metrics, returned = {}, None
        for q in alarm["Metrics"]:
            if "MetricStat" in q:
                ms = q["MetricStat"]
                m = ms["Metric"]
                metrics[q["Id"]] = (m["Namespace"], m["MetricName"], dims_of(m.get("Dimensions")),
                                    ms["Stat"], int(ms["Period"]))
            if q.get("ReturnData", True) is not False:
                returned = q
        if returned is None:
            raise ValueError("%s: no query returns data" % alarm["AlarmName"])
        tree = parse_expression(returned["Expression"]) if "Expression" in returned else ("id", returned["Id"])
        return metrics, tree
    stat = alarm.get("Statistic") or alarm.get("ExtendedStatistic")
    return ({"m": (alarm["Namespace"], alarm["MetricName"], dims_of(alarm.get("Dimensions")), stat,
                   int(alarm["Period"]))}, ("id", "m"))


def dims_of(dimensions):
    return tuple(sorted((d["Name"], d["Value"]) for d in dimensions or []))


def period_of(alarm, metrics):
    if alarm.get("Period"):
        return int(alarm["Period"])
    return max(p for (_, _, _, _, p) in metrics.values())


def window_end(alarm, period, now):
    """The end of the most recent period the alarm evaluates at `now` (epoch seconds)."""
    minute = int(now) // 60 * 60
    window = alarm.get("EvaluationWindow") or {}
    if "WallClockWindow" in window:
        return minute // period * period
    return minute


def datapoints(alarm, source, now):
    """The evaluation range's datapoints, most recent first: [(period start, value or None)]."""
    metrics, tree = queries_of(alarm)
    period = period_of(alarm, metrics)
    n = int(alarm["EvaluationPeriods"])
    end = window_end(alarm, period, now)
    out = []
    for k in range(n + 2):
        hi = end - k * period
        lo = hi - period
        values = {i: source(ns, name, dims, stat, lo, hi) for i, (ns, name, dims, stat, _) in metrics.items()}
        out.append((lo, evaluate(tree, values)))
    return out


def metric_alarm_state(alarm, source, now, current):
    """The state at `now`, and the datapoints it rests on."""
    n = int(alarm["EvaluationPeriods"])
    m = int(alarm.get("DatapointsToAlarm") or n)
    points = datapoints(alarm, source, now)
    recent = points[:n]
    real = [p for p in points if p[1] is not None]
    breach = lambda v: COMPARE[alarm["ComparisonOperator"]](v, float(alarm["Threshold"]))
    if all(v is not None for _, v in recent):
        chosen, filled = recent, 0
    elif len(real) >= n:
        chosen, filled = real[:n], 0
    else:
        chosen, filled = real, n - len(real)
    breaching = sum(1 for _, v in chosen if breach(v))
    treat = alarm.get("TreatMissingData") or "missing"
    if treat == "breaching":
        breaching += filled
    if breaching >= m:
        return ALARM, chosen
    if not chosen:
        if treat == "missing":
            return INSUFFICIENT, chosen
        if treat == "ignore":
            return current, chosen
    return OK, chosen


# ---------------------------------------------------------------- the engine

class Engine:
    """Alarm states over time: `tick(now)` evaluates every metric alarm, then the composites
    whose children changed, and returns what happened (state changes and actions to run)."""

    def __init__(self):
        self.suppression = {}  # composite name -> {"phase": "wait"|"suppressed"|"extension", "until": t}
        # Composites evaluated at least once (or set by hand): the others are evaluated at the
        # next tick, as a new composite is after PutCompositeAlarm.
        self.seen = set()

    def tick(self, alarms, composites, source, now):
        """`alarms`, `composites`: name → the alarm as DescribeAlarms gives it, with its current
        `StateValue` (updated here). Returns [(name, old, new, reason)] and [(name, state)]
        actions, in order."""
        changes, actions = [], []
        for name, a in sorted(alarms.items()):
            old = a.get("StateValue", INSUFFICIENT)
            try:
                new, chosen = metric_alarm_state(a, source, now, old)
            except (ValueError, KeyError) as e:
                continue  # an alarm the engine cannot read keeps its state (said in the README)
            if new != old:
                a["StateValue"] = new
                reason = "%d datapoint(s) evaluated: %s" % (len(chosen), [v for _, v in chosen])
                changes.append((name, old, new, reason))
                if a.get("ActionsEnabled", True):
                    actions.append((name, new))
        changed = {c[0] for c in changes}
        states = {n: a.get("StateValue", INSUFFICIENT) for n, a in alarms.items()}
        states.update({n: c.get("StateValue", INSUFFICIENT) for n, c in composites.items()})
        # Composites may watch composites: settle in rounds, each reacting to the last one's changes.
        for _ in range(len(composites) + 1):
            round_changed = set()
            for name, c in sorted(composites.items()):
                tree = parse_rule(c["AlarmRule"])
                if name in self.seen and not (children(tree) & changed):
                    continue
                self.seen.add(name)
                old = c.get("StateValue", INSUFFICIENT)
                new = ALARM if holds(tree, states) else OK
                if new != old:
                    c["StateValue"] = new
                    states[name] = new
                    round_changed.add(name)
                    changes.append((name, old, new, "rule %s" % ("holds" if new == ALARM else "does not hold")))
                    actions.extend(self.composite_actions(name, c, new, states, now))
            if not round_changed:
                break
            changed = changed | round_changed
        actions.extend(self.suppression_timers(composites, states, now))
        return changes, actions

    def composite_actions(self, name, c, new, states, now):
        suppressor = c.get("ActionsSuppressor")
        if not c.get("ActionsEnabled", True):
            return []
        if new != ALARM or not suppressor:
            self.suppression.pop(name, None)
            return [(name, new)]
        if states.get(suppressor) == ALARM:
            self.suppression[name] = {"phase": "suppressed"}
            return []
        wait = int(c.get("ActionsSuppressorWaitPeriod") or 0)
        if wait <= 0:
            return [(name, ALARM)]
        self.suppression[name] = {"phase": "wait", "until": now + wait}
        return []

    def suppression_timers(self, composites, states, now):
        out = []
        for name, s in list(self.suppression.items()):
            c = composites.get(name)
            if c is None or c.get("StateValue") != ALARM:
                self.suppression.pop(name, None)
                continue
            suppressor_alarm = states.get(c.get("ActionsSuppressor")) == ALARM
            if s["phase"] == "wait":
                if suppressor_alarm:
                    s["phase"] = "suppressed"
                elif now >= s["until"]:
                    self.suppression.pop(name)
                    out.append((name, ALARM))
            elif s["phase"] == "suppressed":
                if not suppressor_alarm:
                    s["phase"] = "extension"
                    s["until"] = now + int(c.get("ActionsSuppressorExtensionPeriod") or 0)
                    if now >= s["until"]:
                        self.suppression.pop(name)
                        out.append((name, ALARM))
            elif s["phase"] == "extension":
                if suppressor_alarm:
                    s["phase"] = "suppressed"
                elif now >= s["until"]:
                    self.suppression.pop(name)
                    out.append((name, ALARM))
        return out
