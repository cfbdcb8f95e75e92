"""The emulator's alarm evaluation (evaluation.py) against the rules of AWS's documentation it
cites, one case per rule, then end to end through the emulator when `--endpoint` is given:
the alarms `slo apply` made, per-minute metrics bulk-loaded, the clock stepped, the page
composite going to ALARM and back, and the fallback composite's SNS action.

    python test_evaluation.py [--endpoint http://127.0.0.1:PORT]
"""
import argparse
import json
import sys
import urllib.request

import evaluation as ev

MINUTE = 60


def source_of(series):
    """`series`: {metric name: {minute start: value}} for Sum; windows summed, None if empty."""
    def source(namespace, name, dims, stat, lo, hi):
        points = [v for t, v in series.get(name, {}).items() if lo <= t < hi]
        return sum(points) if points else None
    return source


def alarm(**fields):
    base = {"AlarmName": "a", "Namespace": "N", "MetricName": "m", "Statistic": "Sum", "Period": 60,
            "EvaluationPeriods": 1, "Threshold": 1.0, "ComparisonOperator": "GreaterThanOrEqualToThreshold"}
    base.update(fields)
    return base


def test_metric_math():
    e = ev.parse_expression("IF(m1 > 0 AND FILL(m2,0)+FILL(m3,0) >= 2, (FILL(m2,0)+FILL(m3,0))/m1, 0)")
    assert ev.ids_of(e) == {"m1", "m2", "m3"}
    assert ev.evaluate(e, {"m1": 100.0, "m2": 3.0, "m3": None}) == 0.03
    assert ev.evaluate(e, {"m1": 100.0, "m2": 1.0, "m3": None}) == 0.0, "one bad event is under the floor"
    assert ev.evaluate(e, {"m1": None, "m2": 3.0, "m3": None}) is None, "no requests: no datapoint"
    assert ev.evaluate(ev.parse_expression("2 ^ 0.5 * -m1"), {"m1": 2.0}) == -(2 ** 0.5) * 2
    assert ev.evaluate(ev.parse_expression("m1 / m2"), {"m1": 1.0, "m2": 0.0}) is None
    assert ev.evaluate(ev.parse_expression("NOT (m1 > 1) OR m1 == 5"), {"m1": 5.0}) == 1.0
    assert ev.evaluate(ev.parse_expression("1 + 2 * 3 - 4 / 2"), {}) == 5.0
    for bad in ("m1 +", "IF(m1, 2)", "(m1", "m1 m2"):
        try:
            ev.parse_expression(bad)
        except ValueError:
            continue
        raise AssertionError("accepted %r" % bad)


def test_composite_rules():
    r = ev.parse_rule('(ALARM("a:1h") AND ALARM(a:5m)) OR NOT OK("b") AND TRUE')
    assert ev.children(r) == {"a:1h", "a:5m", "b"}
    assert ev.holds(r, {"a:1h": "ALARM", "a:5m": "ALARM", "b": "OK"})
    assert not ev.holds(r, {"a:1h": "ALARM", "a:5m": "OK", "b": "OK"})
    assert ev.holds(r, {"b": "INSUFFICIENT_DATA"}), "NOT binds tighter than AND, AND than OR"
    assert ev.holds(ev.parse_rule('INSUFFICIENT_DATA("x")'), {})


def test_m_of_n_and_the_sliding_window():
    # 2 of 3 one-minute periods at or above 1; the window ends at the evaluation's minute.
    a = alarm(EvaluationPeriods=3, DatapointsToAlarm=2)
    t = 1_000 * MINUTE
    data = {"m": {t - 3 * MINUTE: 5.0, t - 2 * MINUTE: 0.0, t - 1 * MINUTE: 5.0}}
    assert ev.metric_alarm_state(a, source_of(data), t + 30, "OK")[0] == "ALARM"
    # At the next minute the oldest breaching one has left the window.
    data["m"][t] = 0.0
    assert ev.metric_alarm_state(a, source_of(data), t + MINUTE, "OK")[0] == "OK"
    # A five-minute sliding period sums the five minutes before the evaluation.
    a = alarm(Period=300, Threshold=10.0)
    data = {"m": {t - k * MINUTE: 2.0 for k in range(1, 6)}}
    assert ev.metric_alarm_state(a, source_of(data), t, "OK")[0] == "ALARM"
    assert ev.metric_alarm_state(a, source_of(data), t + MINUTE, "OK")[0] == "OK"
    # A wall-clock period ends at the last boundary of the period.
    a = alarm(Period=300, Threshold=10.0, EvaluationWindow={"WallClockWindow": {}})
    assert ev.window_end(a, 300, t + 2 * MINUTE + 5) == (t + 2 * MINUTE) // 300 * 300


def test_missing_data_follows_the_evaluation_range():
    t = 1_000 * MINUTE
    a = alarm(EvaluationPeriods=3, DatapointsToAlarm=3, TreatMissingData="notBreaching")
    # Enough real datapoints in the range (N + 2): the most recent real ones decide, the
    # treatment is not used.
    data = {"m": {t - 5 * MINUTE: 5.0, t - 4 * MINUTE: 5.0, t - 2 * MINUTE: 5.0}}
    assert ev.metric_alarm_state(a, source_of(data), t, "OK")[0] == "ALARM"
    # Too few: missing ones are filled by the treatment.
    data = {"m": {t - 2 * MINUTE: 5.0}}
    assert ev.metric_alarm_state(a, source_of(data), t, "OK")[0] == "OK"
    a["TreatMissingData"] = "breaching"
    assert ev.metric_alarm_state(a, source_of(data), t, "OK")[0] == "ALARM"
    # Nothing at all: `missing` is INSUFFICIENT_DATA, `ignore` keeps the state.
    a["TreatMissingData"] = "missing"
    assert ev.metric_alarm_state(a, source_of({}), t, "ALARM")[0] == "INSUFFICIENT_DATA"
    a["TreatMissingData"] = "ignore"
    assert ev.metric_alarm_state(a, source_of({}), t, "ALARM")[0] == "ALARM"
    # The heartbeat: 5 of 5 periods under 1, missing data breaching.
    hb = alarm(Threshold=1.0, ComparisonOperator="LessThanThreshold", EvaluationPeriods=5,
               DatapointsToAlarm=5, TreatMissingData="breaching")
    assert ev.metric_alarm_state(hb, source_of({}), t, "OK")[0] == "ALARM"
    assert ev.metric_alarm_state(hb, source_of({"m": {t - MINUTE: 1.0}}), t, "ALARM")[0] == "OK"


def test_composites_follow_their_children_and_suppression_delays_actions():
    engine = ev.Engine()
    t = 1_000 * MINUTE
    child = alarm(AlarmName="c", TreatMissingData="notBreaching")
    supp = alarm(AlarmName="s", TreatMissingData="notBreaching", MetricName="s")
    composite = {"AlarmName": "p", "AlarmRule": 'ALARM("c")', "StateValue": "INSUFFICIENT_DATA",
                 "ActionsSuppressor": "s", "ActionsSuppressorWaitPeriod": 300,
                 "ActionsSuppressorExtensionPeriod": 600, "AlarmActions": ["arn:aws:sns:us-east-1:1:t"]}
    alarms, composites = {"c": child, "s": supp}, {"p": composite}
    data = {"m": {}, "s": {}}
    src = source_of(data)
    changes, actions = engine.tick(alarms, composites, src, t)
    assert composite["StateValue"] == "OK", "a new composite is evaluated at the first tick"
    # The child breaches: the composite goes to ALARM, but waits 5 minutes for the suppressor.
    data["m"][t] = 5.0
    changes, actions = engine.tick(alarms, composites, src, t + MINUTE)
    assert composite["StateValue"] == "ALARM" and ("p", "ALARM") not in actions, actions
    for k in range(2, 6):
        data["m"][t + (k - 1) * MINUTE] = 5.0
        _, actions = engine.tick(alarms, composites, src, t + k * MINUTE)
        assert ("p", "ALARM") not in actions, (k, actions)
    data["m"][t + 5 * MINUTE] = 5.0
    _, actions = engine.tick(alarms, composites, src, t + 6 * MINUTE)
    assert ("p", "ALARM") in actions, "the wait period ended without the suppressor: actions run"
    # A composite set by hand holds until a child changes.
    engine2 = ev.Engine()
    held = {"AlarmName": "h", "AlarmRule": 'ALARM("c")', "StateValue": "ALARM"}
    engine2.seen.add("h")
    data["m"][t + 6 * MINUTE] = 5.0
    engine2.tick({"c": dict(child, StateValue="ALARM")}, {"h": held}, src, t + 7 * MINUTE)
    assert held["StateValue"] == "ALARM"
    data["m"].clear()
    engine2.tick({"c": dict(child, StateValue="ALARM")}, {"h": held}, src, t + 20 * MINUTE)
    assert held["StateValue"] == "OK", "a child's change re-evaluates it"


def test_suppressed_actions_run_after_the_extension():
    engine = ev.Engine()
    t = 2_000 * MINUTE
    child = alarm(AlarmName="c", TreatMissingData="notBreaching")
    supp = alarm(AlarmName="s", MetricName="s", TreatMissingData="notBreaching")
    composite = {"AlarmName": "p", "AlarmRule": 'ALARM("c")', "StateValue": "OK",
                 "ActionsSuppressor": "s", "ActionsSuppressorWaitPeriod": 120,
                 "ActionsSuppressorExtensionPeriod": 180}
    engine.seen.add("p")
    data = {"m": {}, "s": {}}
    src = source_of(data)
    for k in range(0, 20):
        now = t + k * MINUTE
        data["m"][now - MINUTE] = 5.0          # the child breaches throughout
        if k < 6:
            data["s"][now - MINUTE] = 5.0      # the suppressor for the first minutes
        _, actions = engine.tick({"c": child, "s": supp}, {"p": composite}, src, now)
        if ("p", "ALARM") in actions:
            # The suppressor's last datapoint is minute 4's; with missing datapoints it keeps
            # using that real one while it is in its evaluation range (N + 2 = 3 periods), so it
            # leaves ALARM at minute 8, and the extension (3 minutes) runs out at 11.
            assert k == 11, k
            return
    raise AssertionError("the suppressed actions never ran")


def control(endpoint, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(endpoint + path, data=data, method="POST" if data is not None else "GET")
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read() or b"{}")


def end_to_end(endpoint, load_balancer, service, objective):
    """After `slo apply` (made by the caller): one hour of clean traffic, then ten minutes of
    errors, evaluated minute by minute on the emulator's clock."""
    start = 1_796_000_400  # a minute boundary
    dims = [{"Name": "LoadBalancer", "Value": load_balancer}]
    requests = [[start + k * MINUTE, 100] for k in range(120)]
    errors = [[start + k * MINUTE, 50] for k in range(60, 70)]
    control(endpoint, "/_slo/metrics", {"metrics": [
        {"namespace": "AWS/ApplicationELB", "name": "RequestCount", "dimensions": dims, "stat": "Sum", "points": requests},
        {"namespace": "AWS/ApplicationELB", "name": "HTTPCode_Target_5XX_Count", "dimensions": dims, "stat": "Sum", "points": errors},
        {"namespace": "SLO", "name": "Heartbeat", "dimensions": [], "stat": "Sum",
         "points": [[start + k * MINUTE, 1] for k in range(120)]},
    ]})
    out = control(endpoint, "/_slo/evaluate", {"from": start + 5 * MINUTE, "to": start + 119 * MINUTE})
    page = "slo:%s:%s:page" % (service, objective)
    first = [c for c in out["changes"] if c["alarm"] == page]
    assert first[0]["from"] == "INSUFFICIENT_DATA" and first[0]["to"] == "OK", "evaluated at the first tick"
    to_alarm = [c for c in out["changes"] if c["alarm"] == page and c["to"] == "ALARM"]
    assert to_alarm and (to_alarm[0]["at"] - start) // MINUTE == 61, \
        "the page fires a minute into the errors: %s" % out["changes"]
    to_ok = [c for c in out["changes"] if c["alarm"] == page and c["from"] == "ALARM"]
    assert len(to_alarm) == 1 and len(to_ok) == 1 and to_ok[0]["at"] > to_alarm[0]["at"], out["changes"]
    # The heartbeat was there all along: the fallback never fired.
    assert not [a for a in out["actions"] if a["alarm"] == "slo:%s:fallback" % service and a["state"] == "ALARM"], \
        out["actions"]
    # Without heartbeats (slo serve down), a page is sent by the fallback composite itself.
    control(endpoint, "/_slo/metrics", {"metrics": [
        {"namespace": "AWS/ApplicationELB", "name": "RequestCount", "dimensions": dims, "stat": "Sum",
         "points": [[start + k * MINUTE, 100] for k in range(120, 200)]},
        {"namespace": "AWS/ApplicationELB", "name": "HTTPCode_Target_5XX_Count", "dimensions": dims, "stat": "Sum",
         "points": [[start + k * MINUTE, 50] for k in range(150, 160)]},
    ]})
    out = control(endpoint, "/_slo/evaluate", {"from": start + 120 * MINUTE, "to": start + 199 * MINUTE})
    fallback = [a for a in out["actions"] if a["alarm"] == "slo:%s:fallback" % service and a["state"] == "ALARM"]
    assert len(fallback) == 1 and fallback[0]["topics"], out["actions"]
    published = [json.loads(p["Message"]) for p in control(endpoint, "/_slo/published")
                 if p.get("Subject", "").startswith('ALARM: "slo:%s:fallback"' % service)]
    assert published and published[0]["NewStateValue"] == "ALARM", published
    assert published[0]["AlarmRule"].startswith('ALARM("slo:heartbeat")'), published[0]
    history = [h for h in control(endpoint, "/_slo/actions") if h["alarm"] == "slo:%s:fallback" % service]
    assert history, "actions are listed"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint")
    ap.add_argument("--load-balancer", default="app/shop/50dc6c495c0c9188")
    ap.add_argument("--service", default="checkout")
    ap.add_argument("--objective", default="availability")
    args = ap.parse_args()
    tests = [v for k, v in sorted(globals().items()) if k.startswith("test_")]
    for t in tests:
        t()
        print("ok  %s" % t.__name__)
    if args.endpoint:
        end_to_end(args.endpoint, args.load_balancer, args.service, args.objective)
        print("ok  end to end: the page fired and resolved, the fallback paged through SNS without heartbeats")
    print("%d rule test(s) passed" % len(tests))


if __name__ == "__main__":
    sys.exit(main())
