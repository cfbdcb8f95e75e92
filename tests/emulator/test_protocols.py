"""The emulator's CloudWatch answers alike over every protocol a client may speak.

boto3 picks one protocol per service from the model's `protocols` list; to test each, a copy
of botocore's CloudWatch model with `protocols` narrowed to one is loaded through the data
path (botocore's `AWS_DATA_PATH`). For each of Smithy RPC v2 CBOR (the Rust SDK), JSON (boto3
1.44+, AWS CLI v2) and query (older boto3, the AWS CLI v1, tools pinning them) this runs:

1. what a user checks after `slo apply`: the composite `slo:<service>:<objective>:page` is
   listed, `set_alarm_state` on it sticks and shows in `describe_alarm_history`, the
   dashboard `slo-<service>` is listed;
2. one scenario — composites put, described, tagged, set, deleted; metric alarms with the
   fields moto drops (`EvaluationWindow`); dashboards; `GetMetricData` with `p99` and `TC`;
   alarm mute rules put, got, listed, tagged, refused and deleted; a throttled call — whose answers, normalised (request ids and times left out), must be the
   same for every protocol.

    python test_protocols.py --endpoint http://127.0.0.1:PORT --service checkout \
        --objective availability
Exit 0 when every check holds; the first failure is printed with the protocol it came from.
"""
import argparse
import copy
import datetime as dt
import gzip
import json
import os
import sys
import tempfile
import urllib.request

import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError

PROTOCOLS = ("smithy-rpc-v2-cbor", "json", "query")


def model_dir(protocol):
    """A data path holding botocore's CloudWatch model that speaks only `protocol`."""
    base = botocore.session.Session().get_component("data_loader")
    model = copy.deepcopy(base.load_service_model("cloudwatch", "service-2"))
    model["metadata"]["protocols"] = [protocol]
    model["metadata"]["protocol"] = protocol
    root = tempfile.mkdtemp(prefix="cw-%s-" % protocol)
    version = model["metadata"]["apiVersion"]
    os.makedirs(os.path.join(root, "cloudwatch", version))
    with open(os.path.join(root, "cloudwatch", version, "service-2.json"), "w") as f:
        json.dump(model, f)
    return root


def client(endpoint, protocol, service="cloudwatch"):
    session = botocore.session.Session()
    if service == "cloudwatch":
        session.set_config_variable("data_path", model_dir(protocol))
    c = session.create_client(
        service, region_name="us-east-1", endpoint_url=endpoint,
        aws_access_key_id="test", aws_secret_access_key="test",
        config=Config(retries={"total_max_attempts": 1}))
    if service == "cloudwatch":
        spoken = c.meta.service_model.protocol
        assert spoken == protocol, "the client speaks %s, not %s" % (spoken, protocol)
    return c


def control(endpoint, path, body):
    req = urllib.request.Request(endpoint + path, data=json.dumps(body).encode(), method="POST")
    with urllib.request.urlopen(req) as r:
        return r.read()


def clean(value):
    """An answer without what differs from call to call (request ids, times, ARNs' regions are
    kept), numbers as floats."""
    if isinstance(value, dict):
        return {k: clean(v) for k, v in sorted(value.items())
                if k not in ("ResponseMetadata", "StateUpdatedTimestamp", "AlarmConfigurationUpdatedTimestamp",
                             "StateTransitionedTimestamp", "Timestamp", "LastModified", "StateReasonData",
                             "HistoryData", "StateReason", "creationTime")}
    if isinstance(value, list):
        return [clean(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, dt.datetime):
        return "time"
    return value


def user_checks(cw, service, objective, protocol):
    page = "slo:%s:%s:page" % (service, objective)
    composites = cw.describe_alarms(AlarmTypes=["CompositeAlarm"])["CompositeAlarms"]
    names = [a["AlarmName"] for a in composites]
    assert page in names, "%s: describe_alarms(AlarmTypes=[CompositeAlarm]) lists %s" % (protocol, names)
    metric_only = cw.describe_alarms()
    assert not metric_only.get("CompositeAlarms"), "%s: composites listed by default" % protocol
    assert metric_only["MetricAlarms"], "%s: no metric alarms after slo apply" % protocol
    reason = "set by %s" % protocol
    cw.set_alarm_state(AlarmName=page, StateValue="ALARM", StateReason=reason)
    [alarm] = cw.describe_alarms(AlarmNames=[page], AlarmTypes=["CompositeAlarm"])["CompositeAlarms"]
    assert alarm["StateValue"] == "ALARM", "%s: set_alarm_state did not stick: %s" % (protocol, alarm)
    assert alarm["StateReason"] == reason, alarm
    history = cw.describe_alarm_history(AlarmName=page)["AlarmHistoryItems"]
    assert history and history[0]["HistoryItemType"] == "StateUpdate", "%s: %s" % (protocol, history)
    assert "to ALARM" in history[0]["HistorySummary"], history[0]
    cw.set_alarm_state(AlarmName=page, StateValue="OK", StateReason=reason)
    dashboards = [d["DashboardName"] for d in cw.list_dashboards()["DashboardEntries"]]
    assert "slo-%s" % service in dashboards, "%s: list_dashboards: %s" % (protocol, dashboards)


def scenario(cw, endpoint, protocol):
    """The same calls for every protocol; names carry no protocol, so answers can be compared
    (the emulator is reset before each run)."""
    out = []
    now = dt.datetime.now(dt.timezone.utc).replace(second=0, microsecond=0)
    lb = [{"Name": "LoadBalancer", "Value": "app/p/0123456789abcdef"}]
    cw.put_metric_data(Namespace="AWS/ApplicationELB", MetricData=[
        {"MetricName": "TargetResponseTime", "Dimensions": lb, "Timestamp": now - dt.timedelta(minutes=2),
         "Value": v, "Unit": "Seconds"} for v in (0.1, 0.2, 0.3, 0.4, 2.0)])
    cw.put_metric_alarm(
        AlarmName="p:m", Namespace="AWS/ApplicationELB", MetricName="TargetResponseTime",
        Dimensions=lb, Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=1.0,
        ComparisonOperator="GreaterThanThreshold", TreatMissingData="notBreaching",
        # botocore's query serializer drops empty structures, so `{"SlidingWindow": {}}` cannot
        # be said over query by any botocore client: the window with a field is used here.
        EvaluationWindow={"WallClockWindow": {"Timezone": "Asia/Tokyo"}},
        Tags=[{"Key": "managed-by", "Value": "slo"}])
    cw.put_composite_alarm(
        AlarmName="p:c", AlarmRule='ALARM("p:m") OR ALARM("p:other")',
        AlarmActions=["arn:aws:sns:us-east-1:123456789012:t"], ActionsSuppressor="p:m",
        ActionsSuppressorWaitPeriod=120, ActionsSuppressorExtensionPeriod=60,
        Tags=[{"Key": "managed-by", "Value": "slo"}])
    out.append(("describe metric", cw.describe_alarms(AlarmNames=["p:m"])))
    out.append(("describe composite", cw.describe_alarms(AlarmNames=["p:c"], AlarmTypes=["CompositeAlarm"])))
    out.append(("describe both", cw.describe_alarms(AlarmNamePrefix="p:", AlarmTypes=["CompositeAlarm", "MetricAlarm"])))
    arn = cw.describe_alarms(AlarmNames=["p:c"], AlarmTypes=["CompositeAlarm"])["CompositeAlarms"][0]["AlarmArn"]
    cw.tag_resource(ResourceARN=arn, Tags=[{"Key": "team", "Value": "shop"}])
    out.append(("tags", cw.list_tags_for_resource(ResourceARN=arn)))
    cw.set_alarm_state(AlarmName="p:c", StateValue="ALARM", StateReason="test")
    cw.set_alarm_state(AlarmName="p:c", StateValue="OK", StateReason="test")
    out.append(("history", cw.describe_alarm_history(AlarmName="p:c")))
    out.append(("composite state", cw.describe_alarms(AlarmNames=["p:c"], AlarmTypes=["CompositeAlarm"])))
    body = json.dumps({"widgets": [{"type": "text", "x": 0, "y": 0, "width": 6, "height": 2,
                                     "properties": {"markdown": "hi"}}]})
    out.append(("put dashboard", cw.put_dashboard(DashboardName="slo-p", DashboardBody=body)))
    out.append(("list dashboards", [d["DashboardName"] for d in cw.list_dashboards()["DashboardEntries"]]))
    out.append(("get dashboard", json.loads(cw.get_dashboard(DashboardName="slo-p")["DashboardBody"])))
    out.append(("metric data", cw.get_metric_data(
        StartTime=now - dt.timedelta(minutes=10), EndTime=now,
        MetricDataQueries=[
            {"Id": "p", "MetricStat": {"Metric": {"Namespace": "AWS/ApplicationELB", "MetricName": "TargetResponseTime",
                                                  "Dimensions": lb}, "Period": 60, "Stat": "p99"}},
            {"Id": "tc", "MetricStat": {"Metric": {"Namespace": "AWS/ApplicationELB", "MetricName": "TargetResponseTime",
                                                   "Dimensions": lb}, "Period": 60, "Stat": "TC(:1)"}},
        ])["MetricDataResults"]))
    # CloudWatch Logs speaks JSON only: its metric filters are the same call whatever
    # CloudWatch's protocol, and belong to the same story.
    logs = client(endpoint, protocol, "logs")
    logs.create_log_group(logGroupName="/ecs/p")
    logs.put_metric_filter(logGroupName="/ecs/p", filterName="slo-p-panics", filterPattern="panic",
                           metricTransformations=[{"metricName": "p-panics", "metricNamespace": "slo/logs",
                                                   "metricValue": "1"}])
    out.append(("metric filters", logs.describe_metric_filters(filterNamePrefix="slo-")["metricFilters"]))
    logs.delete_metric_filter(logGroupName="/ecs/p", filterName="slo-p-panics")
    # Alarm mute rules (maintenance windows): put, got, listed, tagged, refused, deleted.
    cw.put_alarm_mute_rule(
        Name="slo-p-0", Description="weekly", MuteTargets={"AlarmNames": ["p:c", "p:m"]},
        Rule={"Schedule": {"Expression": "cron(0 2 * * SUN)", "Duration": "PT2H", "Timezone": "Europe/Berlin"}},
        ExpireDate=dt.datetime(2099, 1, 1, tzinfo=dt.timezone.utc),
        Tags=[{"Key": "managed-by", "Value": "slo"}])
    mute = cw.get_alarm_mute_rule(AlarmMuteRuleName="slo-p-0")
    out.append(("get mute rule", {k: v for k, v in mute.items() if k not in ("LastUpdatedTimestamp", "Status")}))
    out.append(("list mute rules", [(r["AlarmMuteRuleArn"], r["MuteType"]) for r in
                                    cw.list_alarm_mute_rules(AlarmName="p:c")["AlarmMuteRuleSummaries"]]))
    out.append(("mute rule tags", cw.list_tags_for_resource(ResourceARN=mute["AlarmMuteRuleArn"])))
    try:
        cw.put_alarm_mute_rule(Name="slo-p-1", MuteTargets={"AlarmNames": ["p:nope"]},
                               Rule={"Schedule": {"Expression": "at(2099-01-01T00:00)", "Duration": "PT1H"}})
        out.append(("mute unknown alarm", "no error"))
    except ClientError as e:
        out.append(("mute unknown alarm", e.response["Error"]["Code"]))
    cw.delete_alarm_mute_rule(AlarmMuteRuleName="slo-p-0")
    out.append(("mute rules after delete", cw.list_alarm_mute_rules()["AlarmMuteRuleSummaries"]))
    control(endpoint, "/_slo/faults", {"action": "DescribeAlarms", "kind": "throttle", "count": 1})
    try:
        cw.describe_alarms()
        out.append(("throttled", "no error"))
    except ClientError as e:
        out.append(("throttled", (e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"])))
    cw.delete_alarms(AlarmNames=["p:c", "p:m"])
    cw.delete_dashboards(DashboardNames=["slo-p"])
    out.append(("after delete", cw.describe_alarms(AlarmNamePrefix="p:", AlarmTypes=["CompositeAlarm", "MetricAlarm"])))
    return [(what, clean(answer)) for what, answer in out]


def check_answers(a):
    """What the answers must say, beyond being alike."""
    [metric] = a["describe metric"]["MetricAlarms"]
    assert metric["EvaluationWindow"] == {"WallClockWindow": {"Timezone": "Asia/Tokyo"}}, metric
    [composite] = a["describe composite"]["CompositeAlarms"]
    assert composite["AlarmRule"] == 'ALARM("p:m") OR ALARM("p:other")', composite
    assert (composite["ActionsSuppressor"], composite["ActionsSuppressorWaitPeriod"],
            composite["ActionsSuppressorExtensionPeriod"]) == ("p:m", 120.0, 60.0), composite
    assert composite["AlarmActions"] == ["arn:aws:sns:us-east-1:123456789012:t"], composite
    both = a["describe both"]
    assert len(both["MetricAlarms"]) == 1 and len(both["CompositeAlarms"]) == 1, both
    assert a["tags"]["Tags"] == [{"Key": "managed-by", "Value": "slo"}, {"Key": "team", "Value": "shop"}]
    summaries = [h["HistorySummary"] for h in a["history"]["AlarmHistoryItems"]]
    assert summaries == ["Alarm updated from ALARM to OK", "Alarm updated from INSUFFICIENT_DATA to ALARM"], summaries
    assert a["composite state"]["CompositeAlarms"][0]["StateValue"] == "OK"
    assert a["list dashboards"] == ["slo-p"]
    [f] = a["metric filters"]
    assert (f["filterName"], f["filterPattern"]) == ("slo-p-panics", "panic"), f
    p99, tc = a["metric data"]
    assert p99["Values"] == [2.0] and tc["Values"] == [4.0], a["metric data"]
    mute = a["get mute rule"]
    assert mute["Rule"]["Schedule"] == {"Expression": "cron(0 2 * * SUN)", "Duration": "PT2H",
                                        "Timezone": "Europe/Berlin"}, mute
    assert mute["MuteTargets"]["AlarmNames"] == ["p:c", "p:m"] and mute["MuteType"] == "RECURRING", mute
    assert a["list mute rules"] == [["arn:aws:cloudwatch:us-east-1:123456789012:alarm-mute-rule:slo-p-0", "RECURRING"]] \
        or a["list mute rules"] == [("arn:aws:cloudwatch:us-east-1:123456789012:alarm-mute-rule:slo-p-0", "RECURRING")], a["list mute rules"]
    assert a["mute rule tags"]["Tags"] == [{"Key": "managed-by", "Value": "slo"}], a["mute rule tags"]
    assert a["mute unknown alarm"] == "ResourceNotFound", a["mute unknown alarm"]
    assert a["mute rules after delete"] == [], a["mute rules after delete"]
    assert tuple(a["throttled"]) == ("Throttling", 400), a["throttled"]
    assert a["after delete"] == {"CompositeAlarms": [], "MetricAlarms": []}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--service", required=True)
    ap.add_argument("--objective", required=True)
    args = ap.parse_args()
    for protocol in PROTOCOLS:
        user_checks(client(args.endpoint, protocol), args.service, args.objective, protocol)
        print("after slo apply, over %s: composites, set_alarm_state, history and dashboards as expected" % protocol)
    control(args.endpoint, "/moto-api/reset", {})
    transcripts = {}
    for protocol in PROTOCOLS:
        control(args.endpoint, "/moto-api/reset", {})
        transcripts[protocol] = scenario(client(args.endpoint, protocol), args.endpoint, protocol)
    reference = transcripts[PROTOCOLS[1]]
    for protocol, got in transcripts.items():
        for (what, want), (_, have) in zip(reference, got):
            if want != have:
                print("%s differs over %s from json:\n  json: %s\n  %s: %s" % (
                    what, protocol, json.dumps(want, sort_keys=True), protocol, json.dumps(have, sort_keys=True)))
                sys.exit(1)
    for what, answer in reference:
        print("%-18s %s" % (what, json.dumps(answer, sort_keys=True)[:160]))
    check_answers(dict(reference))
    print("every protocol answered alike: %s" % ", ".join(PROTOCOLS))


if __name__ == "__main__":
    main()
