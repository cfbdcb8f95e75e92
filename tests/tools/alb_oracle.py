#!/usr/bin/env python3
"""An independent reading of ALB access logs, to check `slo report` against.

It shares no code with slo: its own tokenizer (a regular expression), its own time parsing
(datetime), its own percentile (sorting). Standard library only.

  alb_oracle.py gen --out DIR --seed N --end ISO
      Random logs slo has never seen: two load balancers, three target groups, every entry
      type, tricky quoting, -1 times, 460/502/504, lines just inside and outside a one-day
      window ending at --end, .log and .log.gz mixed, S3 and other names, malformed lines.
  alb_oracle.py truth --logs DIR --select lb=LB,tg=TG,threshold_ms=T,from=ISO,to=ISO,avail_target=X,lat_target=Y ...
      Prints JSON: per selection, availability and latency good/total, P99 (nearest rank) and
      budget left; and the number of malformed lines. One pass over the logs for all selections.
  alb_oracle.py metrics --logs DIR --from ISO --to ISO [--tc 1 --tc 0.3]
      Prints the per-minute CloudWatch ALB metrics of [from, to), per load balancer and per
      load balancer and target group, in the emulator's bulk-load shape (POST /_slo/metrics):
      RequestCount; HTTPCode_Target_5XX_Count holding every 5xx the ALB answered (so that
      target and ELB 5xx summed, as slo's alarms sum them, are the logs' bad requests);
      TargetResponseTime's SampleCount (requests a target answered) and TC(:t) (those within t
      seconds). As ALB publishes metrics, a minute with a zero count has no datapoint.
"""
import argparse
import datetime as dt
import decimal
import gzip
import json
import math
import os
import random
import re
import sys

TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"(?= |$)|([^ "][^ ]*)')
TYPES = {"http", "https", "h2", "grpcs", "ws", "wss"}
TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
SECONDS = re.compile(r"^\d{1,9}(\.\d*)?$")


def tokens(line):
    """Fields of a line, or None when it is not a well-formed sequence of fields."""
    out, pos = [], 0
    while pos < len(line):
        m = TOKEN.match(line, pos)
        if not m:
            return None
        out.append(m.group(1) if m.group(1) is not None else m.group(2))
        pos = m.end()
        if pos < len(line):
            if line[pos] != " ":
                return None
            pos += 1
    return out


def parse(line):
    """(unix seconds, elb, target group, elb status or None, target ms or None) or None."""
    f = tokens(line)
    if f is None or len(f) < 18 or f[0] not in TYPES or not f[2].startswith("app/"):
        return None
    if not TIME.match(f[1]):
        return None
    try:
        t = dt.datetime.strptime(f[1][:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=dt.timezone.utc)
    except ValueError:
        return None
    status = None
    if f[8] != "-":
        if not re.fullmatch(r"\d{3}", f[8]):
            return None
        status = int(f[8])
    ms = None
    if f[6] != "-1":
        if not SECONDS.match(f[6]):
            return None
        ms = int((decimal.Decimal(f[6]) * 1000).to_integral_value(rounding=decimal.ROUND_CEILING))
    tg = f[16].rsplit(":", 1)[-1] if ":" in f[16] else None
    return int(t.timestamp()), f[2], tg, status, ms


def read_lines(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", errors="replace", newline="") as fh:
        for raw in fh:
            yield raw.rstrip("\n").rstrip("\r")


def selection(text):
    """`lb=..,tg=..,threshold_ms=..,from=..,to=..,avail_target=..,lat_target=..`"""
    kv = dict(part.split("=", 1) for part in text.split(","))
    seconds = lambda iso: int(dt.datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp())
    return {"lb": kv["lb"], "tg": kv.get("tg") or None, "threshold_ms": int(kv["threshold_ms"]),
            "from": seconds(kv["from"]), "to": seconds(kv["to"]),
            "avail_target": float(kv["avail_target"]), "lat_target": float(kv["lat_target"]),
            "ag": 0, "at": 0, "lg": 0, "lt": 0, "lat": []}


def remaining(good, total, target):
    if total == 0:
        return None
    return 1 - (total - good) / ((1 - target) * total)


def truth(args):
    sels = [selection(s) for s in args.select]
    malformed = 0
    for root, _, files in os.walk(args.logs):
        for name in files:
            if not (name.endswith(".log") or name.endswith(".log.gz")):
                continue
            for line in read_lines(os.path.join(root, name)):
                if not line:
                    continue
                p = parse(line)
                if p is None:
                    malformed += 1
                    continue
                t, elb, tg, status, ms = p
                for s in sels:
                    if not (s["from"] <= t < s["to"]) or elb != s["lb"] or (s["tg"] and tg != s["tg"]):
                        continue
                    s["at"] += 1
                    s["ag"] += 0 if status is not None and 500 <= status <= 599 else 1
                    if ms is not None:
                        s["lt"] += 1
                        s["lg"] += 1 if ms <= s["threshold_ms"] else 0
                        s["lat"].append(ms)
    out = []
    for s in sels:
        lat = sorted(s["lat"])
        p99 = lat[max(1, math.ceil(0.99 * len(lat))) - 1] / 1000 if lat else None
        out.append({
            "availability": {"good": s["ag"], "total": s["at"],
                             "budget_remaining": remaining(s["ag"], s["at"], s["avail_target"])},
            "latency": {"good": s["lg"], "total": s["lt"], "p99_seconds": p99,
                        "budget_remaining": remaining(s["lg"], s["lt"], s["lat_target"])},
        })
    json.dump({"selections": out, "malformed": malformed}, sys.stdout)


def metrics(args):
    seconds = lambda iso: int(dt.datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp())
    start, end = seconds(args.start), seconds(args.end)
    # Only the days the range touches (and the one either side: a file's name is when ALB
    # wrote it, a few minutes after its lines).
    days = set()
    for t in range(start - 86400, end + 86400, 86400):
        days.add(dt.datetime.fromtimestamp(t, dt.timezone.utc).strftime("%Y/%m/%d"))
    thresholds = [(tc, float(tc)) for tc in args.tc or []]
    series = {}  # (lb, tg or None, metric, stat) -> {minute: count}

    def add(lb, tg, metric, stat, minute):
        d = series.setdefault((lb, tg, metric, stat), {})
        d[minute] = d.get(minute, 0) + 1
    for root, _, files in os.walk(args.logs):
        if not any(day in root.replace(os.sep, "/") for day in days):
            continue
        for name in files:
            if not (name.endswith(".log") or name.endswith(".log.gz")):
                continue
            for raw in read_lines(os.path.join(root, name)):
                p = parse(raw) if raw else None
                if p is None:
                    continue
                t, elb, tg, status, ms = p
                if not (start <= t < end):
                    continue
                minute = t - t % 60
                for group in (None, tg) if tg else (None,):
                    add(elb, group, "RequestCount", "Sum", minute)
                    if status is not None and 500 <= status <= 599:
                        add(elb, group, "HTTPCode_Target_5XX_Count", "Sum", minute)
                    if ms is not None:
                        add(elb, group, "TargetResponseTime", "SampleCount", minute)
                        for text, limit in thresholds:
                            if ms <= limit * 1000:
                                add(elb, group, "TargetResponseTime", "TC(:%s)" % text, minute)
    out = []
    for (lb, tg, metric, stat), points in sorted(series.items(), key=lambda kv: tuple(str(x) for x in kv[0])):
        dims = [{"Name": "LoadBalancer", "Value": lb}]
        if tg:
            dims.append({"Name": "TargetGroup", "Value": tg})
        out.append({"namespace": "AWS/ApplicationELB", "name": metric, "dimensions": dims, "stat": stat,
                    "points": sorted(points.items())})
    json.dump({"metrics": out}, sys.stdout)


LBS = ["app/alpha-prod/1111222233334444", "app/beta-prod/aaaabbbbccccdddd"]
TGS = {LBS[0]: ["targetgroup/alpha-api/0000000000000001", "targetgroup/alpha-web/0000000000000002"],
       LBS[1]: ["targetgroup/beta-api/0000000000000003"]}
AGENTS = ['curl/8.5.0', 'Mozilla/5.0 (X11; Linux x86_64) \\"quoted\\" agent', 'back\\\\slash\\\\',
          '-', 'Go-http-client/2.0', 'a "', 'weird  double  spaces']


def line(rng, t, lb):
    kind = rng.choice(sorted(TYPES))
    tg = rng.choice(TGS[lb] + ["-"]) if rng.random() < 0.1 else rng.choice(TGS[lb])
    status, tstatus, tpt = rng.choice([
        (200, "200", None), (200, "200", None), (200, "200", None), (201, "201", None),
        (404, "404", None), (500, "500", None), (503, "503", None), (460, "-", "-1"),
        (502, "-", "-1"), (504, "-", "-1"), (101, "101", None), ("-", "-", "-1")])
    if tpt is None:
        ms = rng.choice([0, 1, 5, 999, 1000, 1001, rng.randint(1, 3000), rng.randint(1, 70000)])
        tpt = "%d.%03d" % (ms // 1000, ms % 1000)
        if rng.random() < 0.05:
            tpt += "4"  # a finer-than-millisecond time: rounds up
    ua = rng.choice(AGENTS)
    if ua == 'a "':
        ua = 'a \\"'
    arn = "-" if tg == "-" else "arn:aws:elasticloadbalancing:us-east-2:123456789012:" + tg
    frac = rng.randint(0, 999999)
    fields = [kind, "%s.%06dZ" % (t.strftime("%Y-%m-%dT%H:%M:%S"), frac), lb,
              "192.0.2.%d:%d" % (rng.randint(1, 254), rng.randint(1024, 65535)), "10.0.0.1:80",
              "0.000", tpt, "0.000", str(status), tstatus, "10", "20",
              '"GET https://example.com:443/p?q=a b HTTP/1.1"', '"%s"' % ua, "-", "-", arn,
              '"Root=1-58337262-36d228ad5d99923122bbe354"', '"-"', '"-"', "0",
              "2018-07-02T22:22:48.364000Z", '"forward"', '"-"', '"-"', '"10.0.0.1:80"',
              '"%s"' % tstatus, '"-"', '"-"', "TID_1234abcd5678ef90"]
    extra = rng.random()
    if extra < 0.6:
        fields += ['"-"', '"-"', '"-"']
    elif extra < 0.7:
        fields += ['"-"', '"-"', '"-"', '"future"', "42"]
    return " ".join(fields)


def malformed(rng, good_line):
    return rng.choice([
        good_line[: rng.randint(1, len(good_line) - 1)],
        "\x00garbage \xff line",
        " ".join(good_line.split(" ")[:12]),
        good_line.replace(" 2", " X", 1),
        "",
    ])


def gen(args):
    rng = random.Random(args.seed)
    end = dt.datetime.fromisoformat(args.end.replace("Z", "+00:00"))
    start = end - dt.timedelta(days=1)
    files = {}
    for _ in range(args.lines):
        lb = rng.choice(LBS)
        r = rng.random()
        if r < 0.05:
            t = start - dt.timedelta(seconds=rng.randint(0, 3))  # just outside, before
        elif r < 0.10:
            t = end + dt.timedelta(seconds=rng.randint(0, 3))  # at or after the end: outside
        elif r < 0.15:
            t = start + dt.timedelta(seconds=rng.randint(0, 2))  # just inside
        elif r < 0.20:
            t = end - dt.timedelta(seconds=1)  # last second inside
        else:
            t = start + dt.timedelta(seconds=rng.randint(0, 86399))
        text = line(rng, t, lb)
        if rng.random() < 0.02:
            text = malformed(rng, text)
        bucket_end = t.replace(minute=(t.minute // 5) * 5, second=0, microsecond=0) + dt.timedelta(minutes=5)
        files.setdefault((lb, bucket_end), []).append(text)
    for n, ((lb, fend), lines) in enumerate(sorted(files.items())):
        day = fend.strftime("%Y/%m/%d")
        s3 = n % 3 != 0
        gz = n % 2 == 0
        if s3:
            d = os.path.join(args.out, "AWSLogs/123456789012/elasticloadbalancing/us-east-2", day)
            name = "123456789012_elasticloadbalancing_us-east-2_%s_%s_10.0.0.1_%04d.log" % (
                lb.replace("/", "."), fend.strftime("%Y%m%dT%H%MZ"), n)
        else:
            d = os.path.join(args.out, "exported", day)
            name = "part-%05d.log" % n
        os.makedirs(d, exist_ok=True)
        data = ("\n".join(lines) + "\n").encode("utf-8", errors="surrogateescape")
        path = os.path.join(d, name + (".gz" if gz else ""))
        with (gzip.open(path, "wb") if gz else open(path, "wb")) as fh:
            fh.write(data)


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gen")
    g.add_argument("--out", required=True)
    g.add_argument("--seed", type=int, default=1)
    g.add_argument("--end", required=True)
    g.add_argument("--lines", type=int, default=20000)
    t = sub.add_parser("truth")
    t.add_argument("--logs", required=True)
    t.add_argument("--select", action="append", required=True)
    m = sub.add_parser("metrics")
    m.add_argument("--logs", required=True)
    m.add_argument("--from", dest="start", required=True)
    m.add_argument("--to", dest="end", required=True)
    m.add_argument("--tc", action="append", help="a TC(:t) threshold in seconds, as slo writes it")
    args = ap.parse_args()
    {"gen": gen, "truth": truth, "metrics": metrics}[args.cmd](args)


if __name__ == "__main__":
    main()
