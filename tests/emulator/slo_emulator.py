"""moto, with what slo needs and moto lacks (see tests/emulator/README.md).

1. A Smithy RPC v2 CBOR front for CloudWatch: the current aws-sdk-cloudwatch speaks it, moto
   speaks awsJson1_0. Requests are translated to JSON (driven by botocore's service model, so
   timestamps and blobs convert correctly), answered, and translated back.
2. GetMetricData computed from moto's stored datapoints, with the statistics moto lacks
   (pNN, pNN.N, TC(a:b), PR(a:b): lower bound exclusive, upper inclusive), the namespace and
   the exact dimension set respected, MaxDatapoints and NextToken.
3. Composite alarms: PutCompositeAlarm, and composites in DescribeAlarms, DeleteAlarms and the
   tagging calls.
4. ECS deployment state, settable from tests (moto never changes a deployment's state, keeps
   no events, drops deploymentConfiguration and lacks the service-deployment APIs):
     POST /_slo/ecs/state {"cluster": "prod", "service": "checkout", "deployments": [...],
                           "events": [...], "serviceDeployments": [...],
                           "serviceRevisions": [...]}
   DescribeServices answers with those deployments and events and the deploymentConfiguration
   given at CreateService/UpdateService; ListServiceDeployments and DescribeServiceDeployments
   answer from serviceDeployments (paged), DescribeServiceRevisions from serviceRevisions
   (AWS's JSON field names; timestamps in epoch seconds).
5. Fault injection and call counting, for resilience tests:
     POST /_slo/faults  {"action": "GetMetricData", "kind": "throttle"|"error"|"delay"|"denied",
                         "count": 2, "delay_ms": 300}
     GET  /_slo/calls   {"GetMetricData": 3, ...}
   POST /moto-api/reset clears moto and all of the above.
7. Alarm evaluation as CloudWatch's documentation describes it (evaluation.py), off unless
   `--evaluate` or POST /_slo/evaluate asks for it; per-minute metrics bulk-loaded through
   POST /_slo/metrics; the clock set through POST /_slo/clock; SNS actions published.
6. CloudWatch's query protocol (older boto3 and AWS CLIs): the operations above answered over
   it too, the form read and the XML written from botocore's model, so every client sees the
   same CloudWatch (tests/emulator/test_protocols.py checks CBOR, JSON and query alike).
"""
import argparse
import base64
import datetime as dt
import gzip
import io
import json
import math
import os
import re
import threading
import time
import traceback
import uuid
from collections import Counter

import botocore.session
import cbor2
import athena
import evaluation
import mute_rules
from moto.cloudwatch.models import MetricAggregatedDatum, MetricDatum, cloudwatch_backends
from moto.core import DEFAULT_ACCOUNT_ID
from moto.s3.models import s3_backends
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.sns.models import sns_backends
from werkzeug.serving import run_simple
from werkzeug.wrappers import Request, Response

CW_PREFIX = "GraniteServiceVersion20100801"
ECS_PREFIX = "AmazonEC2ContainerServiceV20141113"
ATHENA_PREFIX = "AmazonAthena"
LOGS_PREFIX = "Logs_20140328"
CBOR_PATH = re.compile(r"^/service/(?P<service>[^/]+)/operation/(?P<op>[^/]+)$")
CW_MODEL = botocore.session.Session().get_service_model("cloudwatch")
CW_XMLNS = "http://monitoring.amazonaws.com/doc/2010-08-01/"
MAX_DATAPOINTS = 100_800
MAX_QUERIES = 500


class ApiError(Exception):
    def __init__(self, code, message, status=400):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


# ---------------------------------------------------------------- shape-driven conversion

def epoch(value):
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return value.timestamp()
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    raise ApiError("ValidationError", "bad timestamp %r" % (value,))


def to_json(value, shape):
    """A decoded CBOR value → what the awsJson1_0 protocol carries."""
    if value is None or shape is None:
        return value
    t = shape.type_name
    if t == "structure":
        return {k: to_json(v, shape.members.get(k)) for k, v in value.items()}
    if t == "list":
        return [to_json(v, shape.member) for v in value]
    if t == "map":
        return {k: to_json(v, shape.value) for k, v in value.items()}
    if t == "timestamp":
        return epoch(value.value if isinstance(value, cbor2.CBORTag) else value)
    if t == "blob":
        return base64.b64encode(value).decode() if isinstance(value, (bytes, bytearray)) else value
    return value


def to_cbor(value, shape):
    """An awsJson1_0 value → what Smithy RPC v2 CBOR carries (timestamps are tag 1)."""
    if value is None or shape is None:
        return value
    t = shape.type_name
    if t == "structure":
        return {k: to_cbor(v, shape.members[k]) for k, v in value.items() if k in shape.members}
    if t == "list":
        return [to_cbor(v, shape.member) for v in value]
    if t == "map":
        return {k: to_cbor(v, shape.value) for k, v in value.items()}
    if t == "timestamp":
        return cbor2.CBORTag(1, epoch(value))
    if t in ("double", "float"):
        return float(value)
    if t in ("integer", "long"):
        return int(value)
    if t == "boolean":
        return value if isinstance(value, bool) else str(value).lower() == "true"
    if t == "blob":
        return base64.b64decode(value) if isinstance(value, str) else value
    return value


def from_query(form, shape, prefix=""):
    """An awsQuery form (`AlarmNames.member.1=…`, `Tags.member.1.Key=…`) → the awsJson1_0
    value of `shape`, by the query protocol's rules: list items under `.member.N` (or the
    member's own name; flattened lists directly under `.N`), map entries under `.entry.N.key`
    and `.value`, scalars as text. None when the form holds nothing under `prefix`."""
    t = shape.type_name
    if t == "structure":
        out = {}
        for name, member in shape.members.items():
            key = member.serialization.get("name", name)
            value = from_query(form, member, "%s.%s" % (prefix, key) if prefix else key)
            if value is not None:
                out[name] = value
        if prefix and not out and not any(k.startswith(prefix + ".") for k in form):
            return None
        return out
    if t in ("list", "map"):
        if t == "list":
            item = shape.member.serialization.get("name", "member")
            base = prefix if shape.serialization.get("flattened") else "%s.%s" % (prefix, item)
        else:
            base = prefix if shape.serialization.get("flattened") else "%s.entry" % prefix
        items, i = [], 1
        while any(k == "%s.%d" % (base, i) or k.startswith("%s.%d." % (base, i)) for k in form):
            at = "%s.%d" % (base, i)
            if t == "list":
                items.append(from_query(form, shape.member, at))
            else:
                items.append((from_query(form, shape.key, at + ".key"),
                              from_query(form, shape.value, at + ".value")))
            i += 1
        if not items and form.get(prefix) is None:
            return None
        return items if t == "list" else dict(items)
    text = form.get(prefix)
    if text is None:
        return None
    if t in ("integer", "long"):
        return int(text)
    if t in ("double", "float"):
        return float(text)
    if t == "boolean":
        return text.lower() == "true"
    return text


def iso8601(value):
    return dt.datetime.fromtimestamp(epoch(value), dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def to_xml(value, shape, name):
    """An awsJson1_0 value of `shape` → the query protocol's XML element `name`."""
    if value is None:
        return ""
    t = shape.type_name
    if t == "structure":
        inner = "".join(to_xml(v, shape.members[k], shape.members[k].serialization.get("name", k))
                        for k, v in value.items() if k in shape.members)
        return "<%s>%s</%s>" % (name, inner, name)
    if t == "list":
        item = shape.member.serialization.get("name", "member")
        if shape.serialization.get("flattened"):
            return "".join(to_xml(v, shape.member, name) for v in value)
        return "<%s>%s</%s>" % (name, "".join(to_xml(v, shape.member, item) for v in value), name)
    if t == "map":
        entries = "".join("<entry>%s%s</entry>" % (to_xml(k, shape.key, "key"), to_xml(v, shape.value, "value"))
                          for k, v in value.items())
        return "<%s>%s</%s>" % (name, entries, name)
    if t == "timestamp":
        text = iso8601(value)
    elif t == "boolean":
        text = "true" if value is True or str(value).lower() == "true" else "false"
    elif t == "blob":
        text = value if isinstance(value, str) else base64.b64encode(value).decode()
    else:
        text = str(value)
    return "<%s>%s</%s>" % (name, xml_escape(text), name)


def xml_escape(text):
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def query_response(op, opm, out):
    """The query protocol's answer: `<OpResponse><OpResult>…</OpResult><ResponseMetadata>`."""
    result = ""
    if opm.output_shape is not None:
        wrapper = opm.output_shape.serialization.get("resultWrapper", op + "Result")
        result = to_xml(out, opm.output_shape, wrapper)
    return ('<%sResponse xmlns="%s">%s<ResponseMetadata><RequestId>%s</RequestId>'
            "</ResponseMetadata></%sResponse>") % (op, CW_XMLNS, result, uuid.uuid4(), op)


# ---------------------------------------------------------------- statistics

STAT = re.compile(r"^(?P<kind>p|TC|PR|TM|WM|TS)\(?(?P<arg>[^)]*)\)?$")


def percentile(sorted_values, p):
    """Nearest rank: the ceil(p/100 * n)-th smallest value."""
    n = len(sorted_values)
    rank = min(n, max(1, math.ceil(p / 100.0 * n)))
    return sorted_values[rank - 1]


def bounds(arg, values):
    """`a:b`, `:b`, `a:`, with absolute values or percentages, → (low, high)."""
    low, _, high = arg.partition(":")

    def resolve(text, default):
        text = text.strip()
        if not text:
            return default
        if text.endswith("%"):
            return percentile(values, float(text[:-1])) if values else default
        return float(text)

    return resolve(low, -math.inf), resolve(high, math.inf)


def statistic(stat, points):
    """One statistic over one period's datapoints; None when it has no value."""
    raw = sorted(p.value for p in points if isinstance(p, MetricDatum))
    agg = [p for p in points if isinstance(p, MetricAggregatedDatum)]
    count = len(raw) + sum(a.sample_count for a in agg)
    if count == 0:
        return None
    total = sum(raw) + sum(a.sum for a in agg)
    if stat == "SampleCount":
        return float(count)
    if stat == "Sum":
        return total
    if stat == "Average":
        return total / count
    if stat == "Minimum":
        return min(raw + [a.min for a in agg])
    if stat == "Maximum":
        return max(raw + [a.max for a in agg])
    m = re.fullmatch(r"p(\d{1,2}(\.\d+)?|100)", stat)
    if m:
        return percentile(raw, float(m.group(1))) if raw else None
    m = re.fullmatch(r"(TC|PR)\(([^)]*)\)", stat)
    if m and ":" in m.group(2):
        low, high = bounds(m.group(2), raw)
        inside = sum(1 for v in raw if low < v <= high)
        if m.group(1) == "TC":
            return float(inside)
        return 100.0 * inside / len(raw) if raw else None
    raise ApiError("InvalidParameterValue", "The statistic %s is not supported by the emulator." % stat)


def same_dimensions(stored, wanted):
    return sorted((d.name, d.value) for d in stored) == sorted((d["Name"], d["Value"]) for d in wanted or [])


# ---------------------------------------------------------------- the application

def slack_page(received):
    """The Slack sink's page: each Block Kit message as Slack would show it, newest first."""
    def esc(text):
        return xml_escape(str(text))

    def mrkdwn(text):
        # Slack's entities back to text, then escaped for HTML; links shown as label (url).
        text = re.sub(r"<([^|>]+)\|([^>]+)>", lambda m: "%s (%s)" % (m.group(2), m.group(1)), str(text))
        text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
        return esc(text).replace("\n", "<br>")
    items = []
    for r in reversed(received):
        body = r["body"]
        parts = []
        for b in body.get("blocks") or []:
            if b.get("type") == "header":
                parts.append("<h3>%s</h3>" % esc(b["text"]["text"]))
            elif b.get("type") == "section":
                parts.append("<p>%s</p>" % mrkdwn(b["text"]["text"]))
            elif b.get("type") == "context":
                parts.append("<p class=ctx>%s</p>" % " · ".join(mrkdwn(e.get("text", "")) for e in b.get("elements", [])))
        if not parts:
            parts.append("<p>%s</p>" % mrkdwn(body.get("text", "")))
        when = dt.datetime.fromtimestamp(r["at"], dt.timezone.utc).strftime("%H:%M:%S UTC")
        items.append("<article><time>%s</time>%s</article>" % (when, "".join(parts)))
    return ("<!doctype html><meta charset=utf-8><meta http-equiv=refresh content=5><title>Slack sink</title>"
            "<style>body{font:15px system-ui;max-width:760px;margin:2em auto}article{border-left:4px solid #4a154b;"
            "padding:.2em 1em;margin:1em 0;background:#f8f8f8}time{color:#666;font-size:.8em}.ctx{color:#555;font-size:.85em}"
            "</style><h1>Slack sink</h1><p>%d message(s) received at /_slo/slack</p>%s") % (len(received), "".join(items))


class BulkSeries:
    """One statistic of one metric, per minute, as prefix sums over a contiguous range."""

    def __init__(self):
        self.points = {}
        self.start = None
        self.sums = None
        self.counts = None

    def add(self, points):
        for t, v in points:
            minute = int(t) // 60 * 60
            self.points[minute] = self.points.get(minute, 0.0) + float(v)
        self.sums = None

    def build(self):
        self.start = min(self.points) if self.points else 0
        end = max(self.points) + 60 if self.points else 0
        sums, counts, total, count = [0.0], [0], 0.0, 0
        for minute in range(self.start, end, 60):
            if minute in self.points:
                total += self.points[minute]
                count += 1
            sums.append(total)
            counts.append(count)
        self.sums, self.counts = sums, counts

    def window(self, lo, hi):
        """The sum over minutes in [lo, hi); None when no minute there has a datapoint."""
        if self.sums is None:
            self.build()
        n = len(self.sums) - 1

        def index(t):
            return max(0, min(n, (int(t) - self.start + 59) // 60))
        a, b = index(lo), index(hi)
        if self.counts[b] - self.counts[a] == 0:
            return None
        return self.sums[b] - self.sums[a]


class Emulator:
    def __init__(self, evaluate=False):
        self.moto = DomainDispatcherApplication(create_backend_app)
        self.lock = threading.Lock()
        # One evaluation at a time: the minute loop and the control endpoint share the engine.
        self.evaluating_lock = threading.Lock()
        self.evaluate_by_default = evaluate
        self.reset()

    def reset(self):
        with self.lock:
            self.faults = []
            self.calls = Counter()
            self.pages = {}
            self.composites = {}  # (region, name) -> alarm dict
            self.metric_extras = {}  # (region, name) -> fields moto does not keep
            self.metric_filters = {}  # (region, log group, filter name) -> filter
            self.history = []  # composite alarm state changes, oldest first
            self.published = []  # every SNS Publish request, as sent
            self.tags = {}  # arn -> {key: value}
            self.mute_rules = {}  # (region, name) -> PutAlarmMuteRule's parameters (+ arn, times)
            self.ecs = {}  # (cluster name, service name) -> state overlay
            self.engine = evaluation.Engine()
            self.evaluate_every_minute = self.evaluate_by_default
            self.clock_offset = 0.0  # the emulator's now is time.time() + this
            self.bulk = {}  # (namespace, name, dims, stat) -> BulkSeries
            self.raw_index = {}  # (region, namespace, name, dims) -> [(t, datum)], from moto's data
            self.raw_indexed = {}  # region -> how many of moto's datapoints are indexed
            self.actions = []  # every alarm action run: {"alarm", "state", "at", "topics"}
            self.slack = []  # every Slack webhook message received at /_slo/slack/…
            self.athena = athena.Athena(s3_objects)  # tables and queries, run in DuckDB

    # -- WSGI ----------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        # Read the body once and hand every reader its own copy: parsing an awsQuery form for
        # `Action` consumes wsgi.input, and moto would then wait for a body that never comes.
        body = read_body(environ)
        environ["wsgi.input"] = io.BytesIO(body)
        req = Request(environ)

        def to_moto(environ, start_response):
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
            return self.moto(environ, start_response)

        if req.path.startswith("/_slo/"):
            return self.control(req)(environ, start_response)
        if req.path == "/moto-api/reset":
            self.reset()
            return to_moto(environ, start_response)
        m = CBOR_PATH.match(req.path)
        if m and req.method == "POST":
            return self.cbor(req, m.group("op"))(environ, start_response)
        target = req.headers.get("X-Amz-Target", "")
        if target.startswith(LOGS_PREFIX + "."):
            op = target.split(".", 1)[1]
            fault = self.fault(op)
            if fault:
                return self.json_error(*fault)(environ, start_response)
            if op in LOGS_OPS:
                return self.logs_json(req, op)(environ, start_response)
            return to_moto(environ, start_response)
        if target.startswith(ECS_PREFIX + "."):
            op = target.split(".", 1)[1]
            fault = self.fault(op)
            if fault:
                return self.json_error(*fault)(environ, start_response)
            if op in ECS_OPS:
                return self.ecs_json(req, op)(environ, start_response)
            return to_moto(environ, start_response)
        if not target and service_of(req) == "s3":
            # S3's REST calls named as its API names them, for /_slo/calls (benchmarks count
            # what a report costs in requests).
            op = s3_operation(req)
            if op:
                with self.lock:
                    self.calls[op] += 1
        if not target and service_of(req) == "athena":
            # botocore's newer Athena model speaks REST-JSON; the Rust SDK speaks JSON 1.1.
            routed = athena_route(req)
            if routed:
                op, params = routed
                fault = self.fault(op)
                if fault:
                    return self.json_error(*fault)(environ, start_response)
                return self.athena_json(req, op, params)(environ, start_response)
        if target.startswith(ATHENA_PREFIX + "."):
            op = target.split(".", 1)[1]
            fault = self.fault(op)
            if fault:
                return self.json_error(*fault)(environ, start_response)
            return self.athena_json(req, op)(environ, start_response)
        if target.startswith(CW_PREFIX + "."):
            op = target.split(".", 1)[1]
            fault = self.fault(op)
            if fault:
                return self.json_error(*fault)(environ, start_response)
            if op in OWN_OPS:
                return self.json_own(req, op)(environ, start_response)
        else:
            action = req.values.get("Action") or target.split(".")[-1]
            if action and service_of(req) == "monitoring":
                # CloudWatch over the query protocol (older boto3 and AWS CLIs, tools pinning
                # them): the same operations, answered in XML.
                fault = self.fault(action)
                if fault:
                    return self.xml_error(*fault)(environ, start_response)
                if action in OWN_OPS:
                    return self.query(req, action)(environ, start_response)
                return to_moto(environ, start_response)
            if action:
                fault = self.fault(action)
                if fault:
                    return self.xml_error(*fault)(environ, start_response)
            if action == "Publish":
                # SQS subscribers get only the `default` text: tests read what was published.
                with self.lock:
                    self.published.append({k: req.values.get(k) for k in
                                           ("TopicArn", "Subject", "Message", "MessageStructure",
                                            "MessageGroupId", "MessageDeduplicationId")})
        return to_moto(environ, start_response)

    def control(self, req):
        if req.path == "/_slo/health":
            return Response("ok")
        if req.path == "/_slo/published":
            with self.lock:
                return Response(json.dumps(self.published), content_type="application/json")
        if req.path == "/_slo/calls":
            with self.lock:
                return Response(json.dumps(dict(self.calls)), content_type="application/json")
        if req.path == "/_slo/ecs/state" and req.method == "POST":
            state = json.loads(req.get_data() or b"{}")
            if not state.get("cluster") or not state.get("service"):
                return Response('{"error": "need cluster and service"}', 400)
            key = (short_name(state["cluster"]), short_name(state["service"]))
            with self.lock:
                current = self.ecs.setdefault(key, {})
                for field in ("deployments", "events", "serviceDeployments", "serviceRevisions"):
                    if field in state:
                        current[field] = state[field]
            return Response("{}", content_type="application/json")
        if req.path.startswith("/_slo/slack"):
            if req.method == "POST":
                try:
                    body = json.loads(req.get_data() or b"{}")
                except ValueError:
                    return Response('{"error": "not JSON"}', 400)
                with self.lock:
                    self.slack.append({"at": self.now(), "path": req.path, "body": body})
                return Response("ok")
            with self.lock:
                received = list(self.slack)
            if req.path.endswith(".json") or "json" in req.headers.get("Accept", ""):
                return Response(json.dumps(received), content_type="application/json")
            return Response(slack_page(received), content_type="text/html; charset=utf-8")
        if req.path == "/_slo/clock" and req.method == "POST":
            body = json.loads(req.get_data() or b"{}")
            with self.lock:
                self.clock_offset = 0.0 if body.get("now") is None else float(body["now"]) - time.time()
            return Response(json.dumps({"now": self.now()}), content_type="application/json")
        if req.path == "/_slo/metrics" and req.method == "POST":
            body = json.loads(req.get_data() or b"{}")
            loaded = self.load_metrics(body.get("metrics") or [])
            return Response(json.dumps({"datapoints": loaded}), content_type="application/json")
        if req.path == "/_slo/evaluate" and req.method == "POST":
            body = json.loads(req.get_data() or b"{}")
            if "enabled" in body:
                with self.lock:
                    self.evaluate_every_minute = bool(body["enabled"])
                return Response(json.dumps({"enabled": self.evaluate_every_minute}), content_type="application/json")
            start = body.get("from", self.now())
            end = body.get("to", start)
            region = body.get("region", "us-east-1")
            out = self.evaluate_range(region, int(start) // 60 * 60, int(end) // 60 * 60)
            return Response(json.dumps(out), content_type="application/json")
        if req.path == "/_slo/actions":
            with self.lock:
                return Response(json.dumps(self.actions), content_type="application/json")
        if req.path == "/_slo/faults" and req.method == "POST":
            rule = json.loads(req.get_data() or b"{}")
            if rule.get("kind") not in ("throttle", "error", "delay", "denied") or not rule.get("action"):
                return Response('{"error": "need action and kind: throttle, error, delay or denied"}', 400)
            rule["count"] = int(rule.get("count", 1))
            with self.lock:
                self.faults.append(rule)
            return Response("{}", content_type="application/json")
        return Response('{"error": "unknown control path"}', 404)

    def fault(self, action):
        """Counts the call; returns (status, code, message) if a fault rule answers it."""
        with self.lock:
            self.calls[action] += 1
            for rule in self.faults:
                if rule["action"] == action and rule["count"] > 0:
                    rule["count"] -= 1
                    kind = rule["kind"]
                    break
            else:
                return None
        if kind == "delay":
            time.sleep(rule.get("delay_ms", 1000) / 1000.0)
            return None
        if kind == "throttle":
            return 400, "Throttling", "Rate exceeded"
        if kind == "denied":
            return 400, "AccessDeniedException", "User: arn:aws:sts::%s:assumed-role/slo is not authorized to perform: %s" % (DEFAULT_ACCOUNT_ID, action)
        return rule.get("status", 500), "InternalFailure", "injected failure"

    # -- protocols -----------------------------------------------------------------------
    def cbor(self, req, op):
        fault = self.fault(op)
        if fault:
            return self.cbor_error(*fault)
        try:
            opm = CW_MODEL.operation_model(op)
        except Exception:
            return self.cbor_error(400, "UnknownOperationException", "unknown operation %s" % op)
        body = req.get_data()
        try:
            if "gzip" in req.headers.get("Content-Encoding", ""):
                # PutMetricData carries the requestCompression trait: the SDK gzips its body.
                body = gzip.decompress(body)
            params = to_json(cbor2.loads(body) if body else {}, opm.input_shape)
        except Exception as e:  # a request we cannot read is the client's fault
            return self.cbor_error(400, "SerializationException", "cannot decode the request: %s" % e)
        try:
            if op in OWN_OPS:
                out = OWN_OPS[op](self, region_of(req), params)
            else:
                out = self.forward_json(req, op, params)
        except ApiError as e:
            return self.cbor_error(e.status, e.code, e.message)
        except Exception as e:
            traceback.print_exc()
            return self.cbor_error(500, "InternalFailure", "emulator error: %r" % e)
        payload = to_cbor(out or {}, opm.output_shape) if opm.output_shape else {}
        return Response(cbor2.dumps(payload), 200, headers={"smithy-protocol": "rpc-v2-cbor"},
                        content_type="application/cbor")

    def forward_json(self, req, op, params, prefix=CW_PREFIX, content_type="application/x-amz-json-1.0"):
        """Asks moto, in its JSON protocol, on behalf of `req` (same host, signature, region)."""
        return self.call_moto(dict(req.environ), op, params, prefix, content_type)

    def call_moto(self, environ, op, params, prefix=CW_PREFIX, content_type="application/x-amz-json-1.0"):
        """One JSON call to moto with `environ` as the base request; returns its answer as a
        dict, or raises ApiError with moto's code and message."""
        data = json.dumps(params).encode()
        environ.update({
            "PATH_INFO": "/", "QUERY_STRING": "", "REQUEST_METHOD": "POST",
            "CONTENT_TYPE": content_type, "CONTENT_LENGTH": str(len(data)),
            "HTTP_X_AMZ_TARGET": "%s.%s" % (prefix, op), "wsgi.input": io.BytesIO(data),
        })
        environ.pop("HTTP_SMITHY_PROTOCOL", None)
        environ.pop("HTTP_CONTENT_ENCODING", None)  # the JSON body is not compressed
        captured = {}

        def start(status, headers, exc_info=None):
            captured["status"] = int(status.split()[0])

        body = b"".join(self.moto(environ, start))
        status = captured.get("status", 500)
        if status >= 300:
            code, message = parse_error(body)
            raise ApiError(code, message, status)
        return json.loads(body) if body.strip() else {}

    def json_own(self, req, op):
        try:
            params = json.loads(req.get_data() or b"{}")
            out = OWN_OPS[op](self, region_of(req), params)
        except ApiError as e:
            return self.json_error(e.status, e.code, e.message)
        return Response(json.dumps(out or {}, default=epoch), 200,
                        content_type="application/x-amz-json-1.0")

    def query(self, req, op):
        opm = CW_MODEL.operation_model(op)
        form = {k: v for k, v in req.values.items() if k not in ("Action", "Version")}
        try:
            params = from_query(form, opm.input_shape) if opm.input_shape else {}
            out = OWN_OPS[op](self, region_of(req), params)
        except ApiError as e:
            return self.xml_error(e.status, e.code, e.message)
        except Exception as e:
            traceback.print_exc()
            return self.xml_error(500, "InternalFailure", "emulator error: %r" % e)
        return Response(query_response(op, opm, out or {}), 200, content_type="text/xml")

    @staticmethod
    def cbor_error(status, code, message):
        return Response(cbor2.dumps({"__type": code, "message": message}), status,
                        headers={"smithy-protocol": "rpc-v2-cbor"}, content_type="application/cbor")

    @staticmethod
    def json_error(status, code, message):
        return Response(json.dumps({"__type": code, "message": message}), status,
                        content_type="application/x-amz-json-1.0")

    @staticmethod
    def xml_error(status, code, message):
        xml = ('<ErrorResponse xmlns="%s"><Error><Type>%s</Type><Code>%s</Code><Message>%s</Message>'
               "</Error><RequestId>%s</RequestId></ErrorResponse>") % (
                   CW_XMLNS, "Receiver" if status >= 500 else "Sender", code, xml_escape(message), uuid.uuid4())
        return Response(xml, status, content_type="text/xml")

    # -- alarm evaluation (evaluation.py: the rules, from AWS's documentation) ------------------
    def now(self):
        return time.time() + self.clock_offset

    def load_metrics(self, metrics):
        """Per-minute values of one statistic each, e.g. {"namespace": "AWS/ApplicationELB",
        "name": "RequestCount", "dimensions": [{"Name": "LoadBalancer", "Value": "…"}],
        "stat": "Sum", "points": [[epoch, value], …]}: kept as prefix sums, so a window of any
        length is read at once. Only statistics that add up across minutes (Sum, SampleCount,
        TC(…)) may be loaded so."""
        n = 0
        with self.lock:
            for m in metrics:
                key = (m["namespace"], m["name"], evaluation.dims_of(m.get("dimensions")), m["stat"])
                self.bulk.setdefault(key, BulkSeries()).add(m["points"])
                n += len(m["points"])
        return n

    def metric_source(self, region):
        backend = cloudwatch_backends[DEFAULT_ACCOUNT_ID][region]
        with self.lock:
            done = self.raw_indexed.get(region, 0)
            for d in backend.metric_data[done:]:
                key = (region, d.namespace, d.name, tuple(sorted((x.name, x.value) for x in d.dimensions)))
                self.raw_index.setdefault(key, []).append((epoch(d.timestamp), d))
            self.raw_indexed[region] = len(backend.metric_data)
            bulk, raw = dict(self.bulk), self.raw_index

        def source(namespace, name, dims, stat, lo, hi):
            series = bulk.get((namespace, name, dims, stat))
            if series is not None:
                return series.window(lo, hi)
            points = [d for t, d in raw.get((region, namespace, name, dims), []) if lo <= t < hi]
            return statistic(stat, points) if points else None
        return source

    def evaluate_range(self, region, start, end):
        """Evaluates every alarm at each minute from `start` to `end` (epoch seconds, both
        included), as CloudWatch does once a minute; records state changes in the history and
        runs the actions. Returns what changed and what ran."""
        with self.evaluating_lock:
            alarms = {a["AlarmName"]: a for a in self.describe_alarms(region, {"AlarmTypes": ["MetricAlarm"]})["MetricAlarms"]}
            with self.lock:
                composites = {n: a for (r, n), a in self.composites.items() if r == region}
            source = self.metric_source(region)
            changes, actions = [], []
            for now in range(start, end + 1, 60):
                ch, ac = self.engine.tick(alarms, composites, source, now)
                previous = {name: old for name, old, _, _ in ch}
                for name, old, new, reason in ch:
                    changes.append({"alarm": name, "from": old, "to": new, "at": now, "reason": reason})
                    self.record_change(region, name, old, new, reason, now, name in composites)
                for name, state in ac:
                    actions.append(self.run_action(region, alarms.get(name) or composites.get(name), state,
                                                   previous.get(name), now))
            # Metric alarms' states live in moto: write back the ones that changed.
            backend = cloudwatch_backends[DEFAULT_ACCOUNT_ID][region]
            for name in {c["alarm"] for c in changes if c["alarm"] in alarms}:
                if name in backend.alarms:
                    backend.set_alarm_state(name, "evaluated by the emulator", "{}", alarms[name]["StateValue"])
            return {"changes": changes, "actions": actions}

    def record_change(self, region, name, old, new, reason, at, composite):
        with self.lock:
            if composite:
                alarm = self.composites.get((region, name))
                if alarm:
                    alarm.update(StateValue=new, StateReason=reason, StateUpdatedTimestamp=at)
            self.history.append({
                "AlarmName": name, "AlarmType": "CompositeAlarm" if composite else "MetricAlarm",
                "Timestamp": at, "HistoryItemType": "StateUpdate",
                "HistorySummary": "Alarm updated from %s to %s" % (old, new),
                "HistoryData": json.dumps({"version": "1.0", "oldState": {"stateValue": old},
                                           "newState": {"stateValue": new, "stateReason": reason}}),
            })

    def run_action(self, region, alarm, state, old, at):
        """An alarm's actions for `state`: each SNS topic gets the alarm's state-change message,
        in the shape CloudWatch sends ("Amazon SNS notification for alarms")."""
        field = {"ALARM": "AlarmActions", "OK": "OKActions"}.get(state, "InsufficientDataActions")
        topics = [a for a in alarm.get(field) or [] if ":sns:" in a]
        stamp = dt.datetime.fromtimestamp(at, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000+0000")
        message = {
            "AlarmName": alarm["AlarmName"], "AlarmDescription": alarm.get("AlarmDescription"),
            "AWSAccountId": DEFAULT_ACCOUNT_ID, "NewStateValue": state,
            "NewStateReason": "evaluated by the emulator", "StateChangeTime": stamp,
            "Region": region, "AlarmArn": alarm.get("AlarmArn"),
            "OldStateValue": old,
            "AlarmActions": alarm.get("AlarmActions") or [], "OKActions": alarm.get("OKActions") or [],
            "InsufficientDataActions": alarm.get("InsufficientDataActions") or [],
        }
        if "AlarmRule" in alarm:
            message["AlarmRule"] = alarm["AlarmRule"]
        subject = '%s: "%s" in %s' % (state, alarm["AlarmName"], region)[:100]
        muted_by = self.muted_by(region, alarm["AlarmName"], at)
        if muted_by:
            # A mute rule mutes actions; the state change itself stands ("Alarm mute rules").
            record = {"alarm": alarm["AlarmName"], "state": state, "at": at, "topics": [], "muted_by": muted_by}
            with self.lock:
                self.actions.append(record)
            return record
        for topic in topics:
            try:
                sns_backends[DEFAULT_ACCOUNT_ID][region].publish(json.dumps(message), arn=topic, subject=subject)
            except Exception as e:  # a missing topic loses the action, as in AWS
                print("alarm action to %s failed: %r" % (topic, e))
                continue
            with self.lock:
                self.published.append({"TopicArn": topic, "Subject": subject, "Message": json.dumps(message),
                                       "MessageStructure": None})
        record = {"alarm": alarm["AlarmName"], "state": state, "at": at, "topics": topics}
        with self.lock:
            self.actions.append(record)
        return record

    def minute_loop(self):
        """With evaluation on, every alarm is evaluated once a minute at the emulator's clock."""
        while True:
            time.sleep(60 - time.time() % 60 + 1)
            if not self.evaluate_every_minute:
                continue
            try:
                now = int(self.now()) // 60 * 60
                for region in list(cloudwatch_backends[DEFAULT_ACCOUNT_ID].keys()):
                    if cloudwatch_backends[DEFAULT_ACCOUNT_ID][region].alarms or any(r == region for r, _ in self.composites):
                        self.evaluate_range(region, now, now)
            except Exception:
                traceback.print_exc()

    # -- CloudWatch operations moto lacks or gets wrong ----------------------------------------
    def get_metric_data(self, region, params):
        token = params.get("NextToken")
        if token:
            with self.lock:
                page = self.pages.pop(token, None)
            if page is None:
                raise ApiError("InvalidNextToken", "The NextToken is not valid.")
            return page
        queries = params.get("MetricDataQueries") or []
        if not queries or len(queries) > MAX_QUERIES:
            raise ApiError("ValidationError", "MetricDataQueries must hold 1 to %d queries." % MAX_QUERIES)
        start, end = epoch(params["StartTime"]), epoch(params["EndTime"])
        if end <= start:
            raise ApiError("ValidationError", "The parameter StartTime must be less than the parameter EndTime.")
        descending = params.get("ScanBy", "TimestampDescending") == "TimestampDescending"
        limit = int(params.get("MaxDatapoints") or MAX_DATAPOINTS)
        backend = cloudwatch_backends[DEFAULT_ACCOUNT_ID][region]
        results = []
        for q in queries:
            if q.get("ReturnData") is False:
                continue
            if "MetricStat" not in q:
                # Metric math is not evaluated here (nor by moto); say so rather than lie.
                results.append({"Id": q["Id"], "Label": q.get("Label", q["Id"]), "Timestamps": [],
                                "Values": [], "StatusCode": "Complete",
                                "Messages": [{"Code": "Unsupported", "Value": "metric math is not evaluated by the emulator"}]})
                continue
            ms = q["MetricStat"]
            metric, period = ms["Metric"], int(ms["Period"])
            if period <= 0 or (period < 60 and period not in (1, 5, 10, 20, 30)) or (period >= 60 and period % 60):
                raise ApiError("ValidationError", "The parameter MetricDataQueries.member.Period must be 1, 5, 10, 20, 30, or a multiple of 60.")
            with self.lock:
                bulk = self.bulk.get((metric["Namespace"], metric["MetricName"],
                                      evaluation.dims_of(metric.get("Dimensions")), ms["Stat"]))
            if bulk is not None:
                # Loaded through /_slo/metrics: per-minute values of this very statistic.
                series = [(t, bulk.window(t, t + period)) for t in range(int(start), int(end), period)]
                series = [(t, v) for t, v in series if v is not None]
                if descending:
                    series.reverse()
                results.append({"Id": q["Id"], "Label": q.get("Label", metric["MetricName"]),
                                "Timestamps": [t for t, _ in series], "Values": [v for _, v in series],
                                "StatusCode": "Complete"})
                continue
            buckets = {}
            for d in backend.metric_data:
                if d.namespace != metric["Namespace"] or d.name != metric["MetricName"]:
                    continue
                if not same_dimensions(d.dimensions, metric.get("Dimensions")):
                    continue
                t = epoch(d.timestamp)
                if start <= t < end:
                    buckets.setdefault(int(start + ((t - start) // period) * period), []).append(d)
            series = []
            for t in sorted(buckets, reverse=descending):
                v = statistic(ms["Stat"], buckets[t])
                if v is not None:
                    series.append((t, v))
            results.append({"Id": q["Id"], "Label": q.get("Label", metric["MetricName"]),
                            "Timestamps": [t for t, _ in series], "Values": [v for _, v in series],
                            "StatusCode": "Complete"})
        return self.paginate(results, limit)

    def paginate(self, results, limit):
        """At most `limit` datapoints per answer; the rest behind NextToken."""
        pages, current, room = [], [], limit
        for r in results:
            ts, vs = r["Timestamps"], r["Values"]
            while True:
                take = min(room, len(ts))
                part = dict(r, Timestamps=ts[:take], Values=vs[:take])
                current.append(part)
                room -= take
                ts, vs = ts[take:], vs[take:]
                if not ts:
                    break
                part["StatusCode"] = "PartialData"
                pages.append(current)
                current, room = [], limit
        pages.append(current)
        answers = [{"MetricDataResults": p, "Messages": []} for p in pages]
        with self.lock:
            for i in range(len(answers) - 1):
                token = uuid.uuid4().hex
                answers[i]["NextToken"] = token
                self.pages[token] = answers[i + 1]
        return answers[0]

    def put_composite_alarm(self, region, params):
        name = params["AlarmName"]
        arn = "arn:aws:cloudwatch:%s:%s:alarm:%s" % (region, DEFAULT_ACCOUNT_ID, name)
        now = time.time()
        with self.lock:
            old = self.composites.get((region, name), {})
            alarm = {
                "AlarmName": name, "AlarmArn": arn,
                "AlarmDescription": params.get("AlarmDescription"),
                "AlarmRule": params["AlarmRule"],
                "ActionsEnabled": params.get("ActionsEnabled", True),
                "AlarmActions": params.get("AlarmActions", []),
                "OKActions": params.get("OKActions", []),
                "InsufficientDataActions": params.get("InsufficientDataActions", []),
                "ActionsSuppressor": params.get("ActionsSuppressor"),
                "ActionsSuppressorWaitPeriod": params.get("ActionsSuppressorWaitPeriod"),
                "ActionsSuppressorExtensionPeriod": params.get("ActionsSuppressorExtensionPeriod"),
                "StateValue": old.get("StateValue", "INSUFFICIENT_DATA"),
                "StateReason": old.get("StateReason", "Unchecked: Initial alarm creation"),
                "StateUpdatedTimestamp": old.get("StateUpdatedTimestamp", now),
                "AlarmConfigurationUpdatedTimestamp": now,
            }
            self.composites[(region, name)] = {k: v for k, v in alarm.items() if v is not None}
            if params.get("Tags"):
                self.tags.setdefault(arn, {}).update({t["Key"]: t["Value"] for t in params["Tags"]})
        return {}

    # Metric-alarm fields moto drops; DescribeAlarms returns them as AWS does.
    EXTRA_FIELDS = ("EvaluationWindow",)

    def put_metric_alarm(self, region, params):
        extras = {k: params[k] for k in self.EXTRA_FIELDS if k in params}
        out = self.forward_moto_json(region, "PutMetricAlarm",
                                     {k: v for k, v in params.items() if k not in self.EXTRA_FIELDS})
        with self.lock:
            # A put replaces the whole configuration: fields it leaves out are back to default.
            self.metric_extras[(region, params["AlarmName"])] = extras
        return out

    def describe_alarms(self, region, params):
        types = params.get("AlarmTypes") or ["MetricAlarm"]
        out = {"MetricAlarms": [], "CompositeAlarms": []}
        if "MetricAlarm" in types:
            metric_params = {k: v for k, v in params.items() if k not in ("AlarmTypes", "NextToken", "MaxRecords")}
            out["MetricAlarms"] = self.forward_moto_json(region, "DescribeAlarms", metric_params).get("MetricAlarms", [])
            with self.lock:
                for a in out["MetricAlarms"]:
                    a.update(self.metric_extras.get((region, a["AlarmName"]), {}))
        if "CompositeAlarm" in types:
            names, prefix = params.get("AlarmNames"), params.get("AlarmNamePrefix")
            with self.lock:
                out["CompositeAlarms"] = [
                    a for (r, n), a in sorted(self.composites.items())
                    if r == region and (not names or n in names) and (not prefix or n.startswith(prefix))
                ]
        return out

    def delete_alarms(self, region, params):
        names = params.get("AlarmNames") or []
        with self.lock:
            composite = [n for n in names if (region, n) in self.composites]
            for n in composite:
                arn = self.composites.pop((region, n))["AlarmArn"]
                self.tags.pop(arn, None)
        rest = [n for n in names if n not in composite]
        with self.lock:
            for n in rest:
                self.metric_extras.pop((region, n), None)
        if rest:
            self.forward_moto_json(region, "DeleteAlarms", {"AlarmNames": rest})
        return {}

    # -- alarm mute rules (mute_rules.py: the rules, from the API reference) -----------------
    def alarm_exists(self, region, name):
        with self.lock:
            if (region, name) in self.composites:
                return True
        return name in cloudwatch_backends[DEFAULT_ACCOUNT_ID][region].alarms

    def put_alarm_mute_rule(self, region, params):
        name = params.get("Name") or ""
        if not 1 <= len(name) <= 255:
            raise ApiError("InvalidParameterValue", "Name must be 1 to 255 characters")
        schedule = (params.get("Rule") or {}).get("Schedule") or {}
        try:
            mute_rules.parse_expression(schedule.get("Expression"))
            mute_rules.duration_seconds(schedule.get("Duration"))
        except mute_rules.Invalid as e:
            raise ApiError("InvalidParameterValue", str(e))
        targets = (params.get("MuteTargets") or {}).get("AlarmNames") or []
        if len(targets) > 100:
            raise ApiError("InvalidParameterValue", "MuteTargets.AlarmNames holds at most 100 alarms")
        missing = [t for t in targets if not self.alarm_exists(region, t)]
        if missing:
            raise ApiError("ResourceNotFound", "alarms not found: %s" % ", ".join(missing), 404)
        arn = "arn:aws:cloudwatch:%s:%s:alarm-mute-rule:%s" % (region, DEFAULT_ACCOUNT_ID, name)
        rule = {
            "Name": name, "AlarmMuteRuleArn": arn, "Description": params.get("Description"),
            "Rule": {"Schedule": {k: schedule[k] for k in ("Expression", "Duration", "Timezone") if schedule.get(k)}},
            "MuteTargets": {"AlarmNames": targets},
            "StartDate": epoch(params["StartDate"]) if params.get("StartDate") is not None else None,
            "ExpireDate": epoch(params["ExpireDate"]) if params.get("ExpireDate") is not None else None,
            "LastUpdatedTimestamp": time.time(),
            "MuteType": "ONE_TIME" if schedule["Expression"].startswith("at(") else "RECURRING",
        }
        with self.lock:
            self.mute_rules[(region, name)] = rule
            if params.get("Tags"):
                self.tags.setdefault(arn, {}).update({t["Key"]: t["Value"] for t in params["Tags"]})
        return {}

    def mute_rule(self, region, name):
        with self.lock:
            rule = self.mute_rules.get((region, name))
        if rule is None:
            raise ApiError("ResourceNotFound", "alarm mute rule %s does not exist" % name, 404)
        return rule

    def get_alarm_mute_rule(self, region, params):
        rule = self.mute_rule(region, params.get("AlarmMuteRuleName"))
        out = {k: v for k, v in rule.items() if v is not None}
        out["Status"] = mute_rules.status(rule, self.now())
        return out

    def list_alarm_mute_rules(self, region, params):
        now = self.now()
        with self.lock:
            rules = [r for (reg, _), r in sorted(self.mute_rules.items()) if reg == region]
        if params.get("AlarmName"):
            rules = [r for r in rules if params["AlarmName"] in r["MuteTargets"]["AlarmNames"]]
        summaries = [{k: v for k, v in {
            "AlarmMuteRuleArn": r["AlarmMuteRuleArn"], "ExpireDate": r["ExpireDate"],
            "Status": mute_rules.status(r, now), "MuteType": r["MuteType"],
            "LastUpdatedTimestamp": r["LastUpdatedTimestamp"]}.items() if v is not None} for r in rules]
        if params.get("Statuses"):
            summaries = [x for x in summaries if x["Status"] in params["Statuses"]]
        return {"AlarmMuteRuleSummaries": summaries}

    def delete_alarm_mute_rule(self, region, params):
        rule = self.mute_rule(region, params.get("AlarmMuteRuleName"))
        with self.lock:
            self.mute_rules.pop((region, rule["Name"]), None)
            self.tags.pop(rule["AlarmMuteRuleArn"], None)
        return {}

    def muted_by(self, region, alarm_name, at):
        """The mute rule silencing `alarm_name`'s actions at `at`, if any."""
        with self.lock:
            rules = [r for (reg, _), r in self.mute_rules.items()
                     if reg == region and alarm_name in r["MuteTargets"]["AlarmNames"]]
        return next((r["Name"] for r in rules if mute_rules.muted(r, at)), None)

    def list_tags_for_resource(self, region, params):
        arn = params["ResourceARN"]
        with self.lock:
            if arn in self.tags or any(a["AlarmArn"] == arn for a in self.composites.values()) \
                    or any(r["AlarmMuteRuleArn"] == arn for r in self.mute_rules.values()):
                return {"Tags": [{"Key": k, "Value": v} for k, v in sorted(self.tags.get(arn, {}).items())]}
        return self.forward_moto_json(region, "ListTagsForResource", params)

    def tag_resource(self, region, params):
        arn = params["ResourceARN"]
        with self.lock:
            if any(a["AlarmArn"] == arn for a in self.composites.values()) \
                    or any(r["AlarmMuteRuleArn"] == arn for r in self.mute_rules.values()):
                self.tags.setdefault(arn, {}).update({t["Key"]: t["Value"] for t in params.get("Tags", [])})
                return {}
        return self.forward_moto_json(region, "TagResource", params)

    def set_alarm_state(self, region, params):
        with self.lock:
            alarm = self.composites.get((region, params["AlarmName"]))
            if alarm:
                self.engine.seen.add(params["AlarmName"])
                old = alarm.get("StateValue")
                now = time.time()
                alarm.update(StateValue=params["StateValue"], StateReason=params["StateReason"],
                             StateUpdatedTimestamp=now)
                if old != params["StateValue"]:
                    self.history.append({
                        "AlarmName": alarm["AlarmName"], "AlarmType": "CompositeAlarm", "Timestamp": now,
                        "HistoryItemType": "StateUpdate",
                        "HistorySummary": "Alarm updated from %s to %s" % (old, params["StateValue"]),
                        "HistoryData": json.dumps({"version": "1.0", "oldState": {"stateValue": old},
                                                   "newState": {"stateValue": params["StateValue"]}}),
                    })
                return {}
        return self.forward_moto_json(region, "SetAlarmState", params)

    def describe_alarm_history(self, region, params):
        """Composite alarms' state changes (kept here, as their states are); newest first, as
        AWS answers by default."""
        start, end = epoch(params.get("StartDate", 0)), epoch(params.get("EndDate", 4e9))
        name = params.get("AlarmName")
        with self.lock:
            items = [h for h in self.history if start <= h["Timestamp"] <= end and (not name or h["AlarmName"] == name)]
        return {"AlarmHistoryItems": list(reversed(items))}

    def forward_moto_json(self, region, op, params):
        """Calls moto's CloudWatch from inside the emulator (no original request to copy)."""
        environ = {
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "wsgi.url_scheme": "http",
            "HTTP_HOST": "monitoring.%s.amazonaws.com" % region,
            "HTTP_AUTHORIZATION": "AWS4-HMAC-SHA256 Credential=test/20260101/%s/monitoring/aws4_request, SignedHeaders=host, Signature=0" % region,
            "wsgi.errors": None, "wsgi.version": (1, 0), "wsgi.multithread": True,
            "wsgi.multiprocess": False, "wsgi.run_once": False,
        }
        return self.call_moto(environ, op, params)

    # -- CloudWatch Logs: filter patterns moto treats as match-all -------------------------------
    def logs_json(self, req, op):
        try:
            params = json.loads(req.get_data() or b"{}")
            out = LOGS_OPS[op](self, req, params)
        except ApiError as e:
            return self.json_error(e.status, e.code, e.message)
        except Exception as e:
            traceback.print_exc()
            return self.json_error(500, "ServiceUnavailableException", "emulator error: %r" % e)
        return Response(json.dumps(out, default=epoch), 200, content_type="application/x-amz-json-1.1")

    def log_group_exists(self, req, name):
        groups = self.forward_json(req, "DescribeLogGroups", {"logGroupNamePrefix": name},
                                   LOGS_PREFIX, "application/x-amz-json-1.1").get("logGroups", [])
        return any(g.get("logGroupName") == name for g in groups)

    def logs_put_metric_filter(self, req, params):
        """Kept here: moto appends a second filter for a name that exists instead of replacing
        it, and never checks that the log group exists."""
        group, name = params["logGroupName"], params["filterName"]
        if not self.log_group_exists(req, group):
            raise ApiError("ResourceNotFoundException", "The specified log group does not exist.")
        regexes = sum(1 for (r, g, n), f in self.metric_filters.items()
                      if r == region_of(req) and g == group and n != name and "%" in f["filterPattern"])
        if "%" in params.get("filterPattern", "") and regexes >= 5:
            raise ApiError("LimitExceededException", "at most 5 filters with regular expressions per log group")
        with self.lock:
            self.metric_filters[(region_of(req), group, name)] = {
                "filterName": name, "logGroupName": group,
                "filterPattern": params.get("filterPattern", ""),
                "metricTransformations": params.get("metricTransformations", []),
                "creationTime": int(time.time() * 1000),
            }
        return {}

    def logs_describe_metric_filters(self, req, params):
        prefix, group = params.get("filterNamePrefix"), params.get("logGroupName")
        with self.lock:
            found = [f for (r, g, n), f in sorted(self.metric_filters.items())
                     if r == region_of(req) and (not group or g == group) and (not prefix or n.startswith(prefix))]
        limit = min(int(params.get("limit") or 50), 50)
        start = int(params.get("nextToken") or 0)
        out = {"metricFilters": found[start:start + limit]}
        if start + limit < len(found):
            out["nextToken"] = str(start + limit)
        return out

    def logs_delete_metric_filter(self, req, params):
        key = (region_of(req), params["logGroupName"], params["filterName"])
        with self.lock:
            if key not in self.metric_filters:
                raise ApiError("ResourceNotFoundException", "The specified metric filter does not exist.")
            del self.metric_filters[key]
        return {}

    def logs_filter_log_events(self, req, params):
        """Every event of the group in the time range from moto, filtered here; paged by an
        offset token, `limit` events a page (default and at most 10,000, as AWS)."""
        name = params.get("logGroupName") or params.get("logGroupIdentifier")
        groups = self.forward_json(req, "DescribeLogGroups", {"logGroupNamePrefix": name},
                                   LOGS_PREFIX, "application/x-amz-json-1.1").get("logGroups", [])
        if not any(g.get("logGroupName") == name for g in groups):
            raise ApiError("ResourceNotFoundException", "The specified log group does not exist.")
        base = {k: v for k, v in params.items() if k not in ("filterPattern", "nextToken", "limit")}
        events, token = [], None
        while True:
            page = self.forward_json(req, "FilterLogEvents", dict(base, **({"nextToken": token} if token else {})),
                                     LOGS_PREFIX, "application/x-amz-json-1.1")
            events.extend(page.get("events", []))
            token = page.get("nextToken")
            if not token or not page.get("events"):
                break
        match = pattern_matcher(params.get("filterPattern"))
        events = [e for e in events if match(e.get("message", ""))]
        events.sort(key=lambda e: (e.get("timestamp", 0), e.get("eventId", "")))
        limit = min(int(params.get("limit") or 10000), 10000)
        start = int(params.get("nextToken") or 0)
        out = {"events": events[start:start + limit], "searchedLogStreams": []}
        if start + limit < len(events):
            out["nextToken"] = str(start + limit)
        return out

    # -- Athena: queries run in DuckDB over the emulator's S3 (athena.py) ---------------------
    def athena_json(self, req, op, params=None):
        try:
            if params is None:
                params = json.loads(req.get_data() or b"{}")
            with self.lock:
                out = self.athena_op(op, params)
        except ApiError as e:
            return self.json_error(e.status, e.code, e.message)
        except Exception as e:
            traceback.print_exc()
            return self.json_error(500, "InternalServerException", "emulator error: %r" % e)
        return Response(json.dumps(out), 200, content_type="application/x-amz-json-1.1")

    def athena_op(self, op, params):
        a = self.athena
        if op == "StartQueryExecution":
            if not params.get("QueryString"):
                raise ApiError("InvalidRequestException", "QueryString is required")
            return {"QueryExecutionId": a.start(params)}
        if op == "GetQueryExecution":
            out = a.status(params.get("QueryExecutionId", ""))
            if out is None:
                raise ApiError("InvalidRequestException", "QueryExecution %s was not found" % params.get("QueryExecutionId"))
            return {"QueryExecution": out}
        if op == "GetQueryResults":
            qid = params.get("QueryExecutionId", "")
            ex = a.executions.get(qid)
            if ex is None:
                raise ApiError("InvalidRequestException", "QueryExecution %s was not found" % qid)
            if ex["state"] != "SUCCEEDED" or ex["polls"] > 0:
                raise ApiError("InvalidRequestException", "Query has not yet finished. Current state: %s" % ("RUNNING" if ex["polls"] > 0 else ex["state"]))
            limit = int(params.get("MaxResults") or 1000)
            if not 1 <= limit <= 1000:
                raise ApiError("InvalidRequestException", "MaxResults must be between 1 and 1000")
            return a.results(qid, params.get("NextToken"), limit)
        if op == "GetTableMetadata":
            t = a.tables.get((params.get("DatabaseName"), params.get("TableName")))
            if t is None:
                raise ApiError("MetadataException", "Table %s not found in database %s" % (params.get("TableName"), params.get("DatabaseName")))
            return {"TableMetadata": t.metadata()}
        raise ApiError("InvalidRequestException", "the emulator does not know Athena's %s" % op)

    # -- ECS: deployment state moto does not keep -----------------------------------------------
    def ecs_json(self, req, op):
        try:
            params = json.loads(req.get_data() or b"{}")
            out = ECS_OPS[op](self, req, params)
        except ApiError as e:
            return self.json_error(e.status, e.code, e.message)
        except Exception as e:
            traceback.print_exc()
            return self.json_error(500, "ServerException", "emulator error: %r" % e)
        return Response(json.dumps(out, default=epoch), 200, content_type="application/x-amz-json-1.1")

    def ecs_forward(self, req, op, params):
        return self.forward_json(req, op, params, ECS_PREFIX, "application/x-amz-json-1.1")

    def ecs_create_or_update_service(self, req, params):
        op = "CreateService" if "serviceName" in params else "UpdateService"
        out = self.ecs_forward(req, op, params)
        if "deploymentConfiguration" in params:
            name = params.get("serviceName") or params.get("service")
            key = (short_name(params.get("cluster", "default")), short_name(name))
            with self.lock:
                self.ecs.setdefault(key, {})["deploymentConfiguration"] = params["deploymentConfiguration"]
        if "service" in out:
            self.overlay(out["service"])
        return out

    def ecs_describe_services(self, req, params):
        out = self.ecs_forward(req, "DescribeServices", params)
        for svc in out.get("services", []):
            self.overlay(svc)
        return out

    def overlay(self, svc):
        key = (short_name(svc.get("clusterArn", "default")), svc.get("serviceName", ""))
        with self.lock:
            state = dict(self.ecs.get(key, {}))
        for field in ("deployments", "events", "deploymentConfiguration"):
            if field in state:
                svc[field] = state[field]

    def service_deployments(self, cluster, service):
        with self.lock:
            return list(self.ecs.get((short_name(cluster), short_name(service)), {}).get("serviceDeployments", []))

    def ecs_list_service_deployments(self, req, params):
        if not params.get("service"):
            raise ApiError("InvalidParameterException", "service is required")
        found = self.service_deployments(params.get("cluster", "default"), params["service"])
        statuses = params.get("status")
        created = params.get("createdAt") or {}
        brief_keys = ("serviceDeploymentArn", "serviceArn", "clusterArn", "startedAt", "createdAt",
                      "finishedAt", "targetServiceRevisionArn", "status", "statusReason")
        out = []
        for d in found:
            if statuses and d.get("status") not in statuses:
                continue
            t = d.get("createdAt")
            if t is not None and "after" in created and epoch(t) < epoch(created["after"]):
                continue
            if t is not None and "before" in created and epoch(t) > epoch(created["before"]):
                continue
            out.append({k: d[k] for k in brief_keys if k in d})
        # Paged as ECS pages it: maxResults (default 20, at most 100) and an opaque nextToken.
        limit = min(int(params.get("maxResults") or 20), 100)
        start = int(params.get("nextToken") or 0)
        page = {"serviceDeployments": out[start:start + limit]}
        if start + limit < len(out):
            page["nextToken"] = str(start + limit)
        return page

    def ecs_describe_service_revisions(self, req, params):
        wanted = params.get("serviceRevisionArns") or []
        if len(wanted) > 20:
            raise ApiError("InvalidParameterException", "at most 20 service revision ARNs")
        with self.lock:
            everything = [r for st in self.ecs.values() for r in st.get("serviceRevisions", [])]
        by_arn = {r.get("serviceRevisionArn"): r for r in everything}
        return {
            "serviceRevisions": [by_arn[a] for a in wanted if a in by_arn],
            "failures": [{"arn": a, "reason": "MISSING"} for a in wanted if a not in by_arn],
        }

    def ecs_describe_service_deployments(self, req, params):
        wanted = params.get("serviceDeploymentArns") or []
        if len(wanted) > 20:
            raise ApiError("InvalidParameterException", "at most 20 service deployment ARNs")
        with self.lock:
            everything = [d for st in self.ecs.values() for d in st.get("serviceDeployments", [])]
        by_arn = {d.get("serviceDeploymentArn"): d for d in everything}
        return {
            "serviceDeployments": [by_arn[a] for a in wanted if a in by_arn],
            "failures": [{"arn": a, "reason": "MISSING"} for a in wanted if a not in by_arn],
        }


# ---------------------------------------------------------------- CloudWatch Logs filter patterns

def pattern_matcher(pattern):
    """A CloudWatch Logs filter pattern for unstructured events, as a predicate: terms are
    ANDed (case-sensitive), `?term`s ORed, `-term` excluded, "quoted phrases" kept whole,
    `%regex%` a regular expression. Empty: every event."""
    pattern = (pattern or "").strip()
    if not pattern:
        return lambda m: True
    if len(pattern) > 1 and pattern.startswith("%") and pattern.endswith("%"):
        rx = re.compile(pattern[1:-1])
        return lambda m: rx.search(m) is not None
    terms = re.findall(r'([?-]?)(?:"([^"]*)"|(\S+))', pattern)
    required, optional, excluded = [], [], []
    for prefix, quoted, bare in terms:
        text = quoted if quoted else bare
        {"?": optional, "-": excluded}.get(prefix, required).append(text)

    def matches(message):
        if any(t not in message for t in required):
            return False
        if optional and not any(t in message for t in optional):
            return False
        return not any(t in message for t in excluded)
    return matches


ECS_OPS = {
    "CreateService": Emulator.ecs_create_or_update_service,
    "UpdateService": Emulator.ecs_create_or_update_service,
    "DescribeServices": Emulator.ecs_describe_services,
    "ListServiceDeployments": Emulator.ecs_list_service_deployments,
    "DescribeServiceDeployments": Emulator.ecs_describe_service_deployments,
    "DescribeServiceRevisions": Emulator.ecs_describe_service_revisions,
}


LOGS_OPS = {
    "FilterLogEvents": Emulator.logs_filter_log_events,
    "PutMetricFilter": Emulator.logs_put_metric_filter,
    "DescribeMetricFilters": Emulator.logs_describe_metric_filters,
    "DeleteMetricFilter": Emulator.logs_delete_metric_filter,
}


ATHENA_ROUTES = [
    ("POST", re.compile(r"^/query-executions$"), "StartQueryExecution", ()),
    ("GET", re.compile(r"^/query-executions/(?P<QueryExecutionId>[^/]+)$"), "GetQueryExecution", ()),
    ("GET", re.compile(r"^/query-executions/(?P<QueryExecutionId>[^/]+)/results$"), "GetQueryResults",
     ("NextToken", "MaxResults")),
    ("GET", re.compile(r"^/data-catalogs/(?P<CatalogName>[^/]+)/databases/(?P<DatabaseName>[^/]+)/tables/(?P<TableName>[^/]+)$"),
     "GetTableMetadata", ("WorkGroup",)),
]


def athena_route(req):
    """Athena over REST-JSON (botocore's model): the operation, and its input from the body,
    the path and the query string."""
    for method, path, op, query in ATHENA_ROUTES:
        m = path.match(req.path)
        if m and req.method == method:
            params = json.loads(req.get_data() or b"{}") if method == "POST" else {}
            params.update(m.groupdict())
            params.update({k: req.args[k] for k in query if k in req.args})
            return op, params
    return None


def s3_operation(req):
    """The S3 operation a path-style REST request is: ListObjectsV2, GetObject, HeadObject,
    PutObject, CreateBucket, … (None for others)."""
    parts = req.path.lstrip("/").split("/", 1)
    has_key = len(parts) == 2 and parts[1] != ""
    if req.method == "GET":
        if has_key:
            return "GetObject"
        return "ListObjectsV2" if req.args.get("list-type") == "2" else "ListObjects"
    if req.method == "HEAD":
        return "HeadObject" if has_key else "HeadBucket"
    if req.method == "PUT":
        return "PutObject" if has_key else "CreateBucket"
    return None


def s3_objects(bucket, prefix):
    """(key, bytes) of the emulator's S3 objects under `prefix`, in key order."""
    partition, account = s3_backends.bucket_accounts.get(bucket, ("aws", DEFAULT_ACCOUNT_ID))
    b = s3_backends[account][partition].buckets.get(bucket)
    if b is None:
        return []
    return [(k, b.keys[k].value) for k in sorted(b.keys.keys()) if k.startswith(prefix)]


def read_body(environ):
    """The request body, read in full (Content-Length, or to the end for a chunked request)."""
    stream = environ.get("wsgi.input")
    if stream is None:
        return b""
    length = environ.get("CONTENT_LENGTH")
    if length:
        return stream.read(int(length))
    if environ.get("HTTP_TRANSFER_ENCODING", "").lower() == "chunked" or environ.get("wsgi.input_terminated"):
        return stream.read()
    return b""


def short_name(name_or_arn):
    """`arn:aws:ecs:…:cluster/prod` → `prod`; `arn:…:service/prod/checkout` → `checkout`."""
    return str(name_or_arn).rsplit("/", 1)[-1]


OWN_OPS = {
    "GetMetricData": Emulator.get_metric_data,
    "PutCompositeAlarm": Emulator.put_composite_alarm,
    "PutMetricAlarm": Emulator.put_metric_alarm,
    "DescribeAlarms": Emulator.describe_alarms,
    "DeleteAlarms": Emulator.delete_alarms,
    "ListTagsForResource": Emulator.list_tags_for_resource,
    "TagResource": Emulator.tag_resource,
    "SetAlarmState": Emulator.set_alarm_state,
    "DescribeAlarmHistory": Emulator.describe_alarm_history,
    "PutAlarmMuteRule": Emulator.put_alarm_mute_rule,
    "GetAlarmMuteRule": Emulator.get_alarm_mute_rule,
    "ListAlarmMuteRules": Emulator.list_alarm_mute_rules,
    "DeleteAlarmMuteRule": Emulator.delete_alarm_mute_rule,
}


def service_of(req):
    """The service a SigV4-signed request is for (`monitoring`, `sns`, …)."""
    m = re.search(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/", req.headers.get("Authorization", ""))
    return m.group(1) if m else ""


def region_of(req):
    m = re.search(r"Credential=[^/]+/\d{8}/([^/]+)/", req.headers.get("Authorization", ""))
    return m.group(1) if m else "us-east-1"


def parse_error(body):
    try:
        e = json.loads(body)
        code = e.get("__type") or e.get("code") or "InternalFailure"
        return code.split("#")[-1], e.get("message") or e.get("Message") or ""
    except ValueError:
        text = body.decode("utf-8", "replace")
        code = re.search(r"<Code>(.*?)</Code>", text)
        msg = re.search(r"<Message>(.*?)</Message>", text, re.S)
        return (code.group(1) if code else "InternalFailure"), (msg.group(1) if msg else text[:200])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--evaluate", action="store_true",
                    help="evaluate alarms every minute, as CloudWatch does (off unless asked for: "
                         "tests that set states by hand keep them)")
    ap.add_argument("--exit-with-parent", action="store_true",
                    help="stop when the process that started us ends (tests use this)")
    args = ap.parse_args()
    if args.exit_with_parent:
        parent = os.getppid()

        def watch():
            while os.getppid() == parent:
                time.sleep(0.5)
            os._exit(0)

        threading.Thread(target=watch, daemon=True).start()
    app = Emulator(evaluate=args.evaluate)
    threading.Thread(target=app.minute_loop, daemon=True).start()
    run_simple("127.0.0.1", args.port, app, threaded=True, use_reloader=False)


if __name__ == "__main__":
    main()
