"""The whole story on one machine (run by scripts/demo, with the emulator's Python): a bad
`checkout` deployment burns the error budget, the emulator's CloudWatch evaluates the alarms
`slo apply` made and the page composite fires, `slo serve` correlates it with the deployment and
the logs and notifies e-mail (SNS) and Slack once, the deployment is rolled back, the errors
stop, and the resolved notice follows.

    demo.py --endpoint URL --slo BIN --logs DIR [--check]

With --check it runs headless and exits 0 only when exactly one page and one resolved notice
reached each channel, both naming the bad deployment, the fallback never paged, and the
dashboard showed the page firing (from CloudWatch's composites). With --screenshots DIR and
Chromium on the PATH, the dashboard is photographed at 1400 and 375 px while the page fires.
"""
import argparse
import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

import boto3

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
REGION, ACCOUNT = "us-east-1", "123456789012"
TOPIC = "arn:aws:sns:%s:%s:slo-alerts" % (REGION, ACCOUNT)
SHOP_LB = "app/shop-prod/50dc6c495c0c9188"
CHECKOUT_TG = "targetgroup/checkout-prod/73e2d6bc24d8a067"
# The example's logs hold two clean days here: the first is the last 24 hours of history, the
# second feeds the minutes to come, both moved to end and start now.
EXAMPLE_DAY = dt.datetime(2026, 11, 13, tzinfo=dt.timezone.utc)
ERROR_SHARE = 0.1  # of checkout's requests, while the bad deployment serves
# The example's quiet hours have a handful of requests a minute; the demo's page must not
# depend on the time of day it runs at, so its traffic is the example's twenty times over.
SCALE = 20
BAD = "arn:aws:ecs:%s:%s:service-deployment/prod/checkout/bad-1-4-3" % (REGION, ACCOUNT)
IMAGE = "%s.dkr.ecr.%s.amazonaws.com/checkout:1.4.3" % (ACCOUNT, REGION)


def say(text):
    print("demo: %s" % text, flush=True)


def http(endpoint, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(endpoint + path, data=data, method="POST" if data is not None else "GET",
                                 headers={"Accept": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        raw = r.read()
    try:
        return json.loads(raw or b"{}")
    except ValueError:
        return raw.decode()


class Story:
    def __init__(self, args):
        self.args = args
        self.endpoint = args.endpoint
        self.start = int(time.time()) // 60 * 60
        self.shift = self.start - int((EXAMPLE_DAY + dt.timedelta(days=1)).timestamp())
        self.bad_from = self.start - 10 * 60
        self.bad_until = None  # the minute the rollback finished
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.problems = []  # found while the story ran; the verdict names them
        env = dict(os.environ, AWS_ENDPOINT_URL=args.endpoint, AWS_REGION=REGION, AWS_ACCESS_KEY_ID="test",
                   AWS_SECRET_ACCESS_KEY="test", AWS_EC2_METADATA_DISABLED="true")
        env.pop("AWS_PROFILE", None)
        self.env = env
        kw = dict(endpoint_url=args.endpoint, region_name=REGION, aws_access_key_id="test",
                  aws_secret_access_key="test")
        self.sns, self.sqs, self.ecs, self.logs = (boto3.client(s, **kw) for s in ("sns", "sqs", "ecs", "logs"))

    # -- the world before the story ------------------------------------------------------------
    def example_metrics(self):
        """Two days of the example's per-minute request counts (times SCALE), moved to end a day
        from now."""
        out = subprocess.run(
            [sys.executable, os.path.join(ROOT, "tests/tools/alb_oracle.py"), "metrics", "--logs", self.args.logs,
             "--from", EXAMPLE_DAY.isoformat(), "--to", (EXAMPLE_DAY + dt.timedelta(days=2)).isoformat()],
            check=True, capture_output=True, text=True).stdout
        series = {}
        for m in json.loads(out)["metrics"]:
            if m["name"] != "RequestCount":
                continue
            dims = tuple((d["Name"], d["Value"]) for d in m["dimensions"])
            series[dims] = {t + self.shift: v * SCALE for t, v in m["points"]}
        return series

    def minute_metrics(self, minute):
        """Every metric of one minute: requests as the example had them, 5xx while the bad
        deployment serves (on the target group and the load balancer)."""
        out = []
        bad = self.bad_from <= minute and (self.bad_until is None or minute < self.bad_until)
        for dims, points in self.requests.items():
            v = points.get(minute)
            if not v:
                continue
            dimensions = [{"Name": n, "Value": x} for n, x in dims]
            out.append({"namespace": "AWS/ApplicationELB", "name": "RequestCount", "dimensions": dimensions,
                        "stat": "Sum", "points": [[minute, v]]})
            if bad and dims[0][1] == SHOP_LB and (len(dims) == 1 or dims[1][1] == CHECKOUT_TG):
                checkout = self.requests.get(((("LoadBalancer", SHOP_LB), ("TargetGroup", CHECKOUT_TG))), {})
                errors = round(ERROR_SHARE * checkout.get(minute, 0))
                if errors:
                    out.append({"namespace": "AWS/ApplicationELB", "name": "HTTPCode_Target_5XX_Count",
                                "dimensions": dimensions, "stat": "Sum", "points": [[minute, errors]]})
        return out

    def seed(self):
        say("seeding the emulator: topic, e-mail queue, ECS service and deployments, 24 h of metrics, logs")
        self.sns.create_topic(Name="slo-alerts")
        queue = self.sqs.create_queue(QueueName="slo-email")["QueueUrl"]
        queue_arn = self.sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self.sns.subscribe(TopicArn=TOPIC, Protocol="sqs", Endpoint=queue_arn)
        self.ecs.create_cluster(clusterName="prod")
        for service in ("checkout", "catalog"):
            self.ecs.register_task_definition(family=service, containerDefinitions=[
                {"name": "app", "image": "%s.dkr.ecr.%s.amazonaws.com/%s:1.4.2" % (ACCOUNT, REGION, service), "memory": 512}])
            self.ecs.create_service(cluster="prod", serviceName=service, taskDefinition=service, desiredCount=2)
        self.set_deployments(rolled_back=False)
        self.requests = self.example_metrics()
        history = []
        for minute in range(self.start - 86400, self.start + 60, 60):
            history.extend(self.minute_metrics(minute))
        http(self.endpoint, "/_slo/metrics", {"metrics": history})
        self.logs.create_log_group(logGroupName="/ecs/checkout")
        self.logs.create_log_stream(logGroupName="/ecs/checkout", logStreamName="app/app/1-4-3")
        self.log_errors(range(self.bad_from, self.start + 60, 60))

    def set_deployments(self, rolled_back):
        arn = lambda i: "arn:aws:ecs:%s:%s:service-deployment/prod/checkout/%s" % (REGION, ACCOUNT, i)
        revision = lambda i: "arn:aws:ecs:%s:%s:service-revision/prod/checkout/%s" % (REGION, ACCOUNT, i)
        base = {"serviceArn": "arn:aws:ecs:%s:%s:service/prod/checkout" % (REGION, ACCOUNT),
                "clusterArn": "arn:aws:ecs:%s:%s:cluster/prod" % (REGION, ACCOUNT)}
        clean_at = self.start - 3 * 86400
        deployments = [dict(base, serviceDeploymentArn=arn("clean-1-4-2"), createdAt=clean_at, startedAt=clean_at,
                            finishedAt=clean_at + 300, status="SUCCESSFUL",
                            targetServiceRevision={"arn": revision("r-1-4-2")})]
        bad = dict(base, serviceDeploymentArn=BAD, createdAt=self.bad_from, startedAt=self.bad_from,
                   status="IN_PROGRESS", targetServiceRevision={"arn": revision("r-1-4-3")},
                   deploymentConfiguration={"strategy": "ROLLING"})
        if rolled_back:
            bad.update(status="ROLLBACK_SUCCESSFUL", finishedAt=self.bad_until,
                       statusReason="rolled back by the operator after the SLO page",
                       rollback={"reason": "rolled back by the operator", "startedAt": self.bad_until - 60,
                                 "serviceRevisionArn": revision("r-1-4-2")})
        deployments.append(bad)
        revisions = [
            {"serviceRevisionArn": revision("r-1-4-2"), "containerImages": [
                {"containerName": "app", "image": IMAGE.replace("1.4.3", "1.4.2"), "imageDigest": "sha256:1111"}]},
            {"serviceRevisionArn": revision("r-1-4-3"), "containerImages": [
                {"containerName": "app", "image": IMAGE, "imageDigest": "sha256:2222"}]},
        ]
        http(self.endpoint, "/_slo/ecs/state", {"cluster": "prod", "service": "checkout",
                                                 "serviceDeployments": deployments, "serviceRevisions": revisions})

    def log_errors(self, minutes):
        events = []
        for minute in minutes:
            for k in range(3):
                events.append({"timestamp": (minute + 10 + 15 * k) * 1000,
                               "message": "ERROR [req-%d-%d] TimeoutException: card-gateway did not answer within 3000 ms"
                                          % (minute // 60 % 100000, k)})
        if events:
            self.logs.put_log_events(logGroupName="/ecs/checkout", logStreamName="app/app/1-4-3", logEvents=events)

    def feed(self):
        """Each minute's metrics as the minute starts (ALB's, a little early: the story is
        shorter so), and the service's error lines while the bad deployment serves."""
        minute = self.start + 60
        while not self.stop.is_set():
            wait = minute - time.time()
            if wait > 0 and self.stop.wait(wait):
                return
            with self.lock:
                metrics = self.minute_metrics(minute)
                bad = self.bad_from <= minute and self.bad_until is None
            http(self.endpoint, "/_slo/metrics", {"metrics": metrics})
            if bad:
                self.log_errors([minute])
            minute += 60

    # -- the story -----------------------------------------------------------------------------
    def run(self):
        self.seed()
        spec = os.path.join(HERE, "demo-slo")
        applied = subprocess.run([self.args.slo, "apply", spec, "--yes"], env=self.env, capture_output=True, text=True)
        if applied.returncode != 0:
            say("slo apply failed:\n%s" % applied.stderr)
            return 2
        say("slo apply: %s" % applied.stdout.strip().splitlines()[-1])
        state = tempfile.mkdtemp(prefix="slo-demo-state-")
        env = dict(self.env, SLACK_WEBHOOK_URL=self.endpoint + "/_slo/slack/T0DEMO/B0DEMO/demo")
        serve = subprocess.Popen(
            [self.args.slo, "serve", spec, "--state", state, "--listen", "127.0.0.1:%d" % self.args.serve_port,
             "--refresh", "20s", "--notify-every", "5s", "--heartbeat-every", "30s"],
            env=env, stdout=open(os.path.join(state, "serve.log"), "w"), stderr=subprocess.STDOUT)
        feeder = threading.Thread(target=self.feed, daemon=True)
        feeder.start()
        try:
            return self.watch(serve)
        finally:
            self.stop.set()
            serve.send_signal(signal.SIGTERM)
            try:
                serve.wait(30)
            except subprocess.TimeoutExpired:
                serve.kill()
            say("slo serve's log: %s" % os.path.join(state, "serve.log"))

    def watch(self, serve):
        # The heartbeat first, then CloudWatch's evaluation: the fallback composite must see
        # slo serve alive before it judges.
        deadline = time.time() + 60
        while http(self.endpoint, "/_slo/calls").get("PutMetricData", 0) < 1:
            if time.time() > deadline or serve.poll() is not None:
                say("slo serve did not put its heartbeat")
                return 1
            time.sleep(1)
        http(self.endpoint, "/_slo/evaluate", {"enabled": True})
        say("alarm evaluation is on, every minute; the bad deployment started 10 minutes ago")
        say("dashboard:      http://127.0.0.1:%d/" % self.args.serve_port)
        say("Slack:          %s/_slo/slack" % self.endpoint)
        say("e-mail (SNS):   %s/_slo/published" % self.endpoint)
        page = self.wait_for("[PAGE] checkout", 300)
        if page is None:
            say("no page reached both channels in 5 minutes")
            return self.verdict()
        self.dashboard()
        say("paged on both channels; rolling the deployment back %s" % ("now" if self.args.check else "in a minute"))
        if not self.args.check:
            time.sleep(60)
        with self.lock:
            self.bad_until = (int(time.time()) // 60 + 1) * 60
        self.set_deployments(rolled_back=True)
        say("rolled back (ECS: ROLLBACK_SUCCESSFUL); errors stop at %s" % stamp(self.bad_until))
        if self.wait_for("[RESOLVED] checkout", 420) is None:
            say("no resolved notice reached both channels in 7 minutes")
            return self.verdict()
        if self.args.check:
            time.sleep(20)  # nothing more may arrive
            return self.verdict()
        say("the story is told; the service keeps running — Ctrl-C to stop")
        self.verdict()
        while serve.poll() is None:
            time.sleep(5)
        return 0

    def dashboard(self):
        # slo serve reads the composites at each refresh (every 20 s here): its overview must
        # say the page fires, from CloudWatch, not only from its replay.
        url = "http://127.0.0.1:%d/" % self.args.serve_port
        deadline = time.time() + 90
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(url, timeout=10) as r:
                    page = r.read().decode()
            except OSError:
                page = ""
            if "alerting now" in page and "page firing since" in page:
                say("the dashboard shows the page firing (from the composites)")
                break
            time.sleep(2)
        else:
            self.problems.append("the dashboard never showed the page firing")
            return
        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        if not (self.args.screenshots and chromium):
            return
        os.makedirs(self.args.screenshots, exist_ok=True)
        for width in (1400, 375):
            shot = os.path.join(os.path.abspath(self.args.screenshots), "serve-%d.png" % width)
            with tempfile.TemporaryDirectory() as profile:
                subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                                "--no-first-run", "--user-data-dir=" + profile, "--window-size=%d,2400" % width,
                                "--screenshot=" + shot, url], capture_output=True, timeout=120)
            say("screenshot:     %s" % shot)

    def messages(self):
        sns = [p for p in http(self.endpoint, "/_slo/published") if p.get("TopicArn") == TOPIC]
        slack = http(self.endpoint, "/_slo/slack.json")
        return sns, slack

    def wait_for(self, prefix, seconds):
        deadline = time.time() + seconds
        while time.time() < deadline:
            sns, slack = self.messages()
            in_sns = [p for p in sns if (p.get("Subject") or "").startswith(prefix)]
            in_slack = [m for m in slack if (m["body"].get("text") or "").startswith(prefix)]
            if in_sns and in_slack:
                return in_sns, in_slack
            time.sleep(2)
        return None

    def verdict(self):
        sns, slack = self.messages()
        say("%d SNS message(s), %d Slack message(s):" % (len(sns), len(slack)))
        for p in sns:
            say("  SNS    %s" % p.get("Subject"))
        for m in slack:
            say("  Slack  %s" % m["body"].get("text"))
        problems = list(self.problems)
        for kind in ("[PAGE] checkout", "[RESOLVED] checkout"):
            in_sns = [p for p in sns if (p.get("Subject") or "").startswith(kind)]
            in_slack = [m for m in slack if (m["body"].get("text") or "").startswith(kind)]
            if len(in_sns) != 1 or len(in_slack) != 1:
                problems.append("%s: %d on SNS, %d on Slack (want one each)" % (kind, len(in_sns), len(in_slack)))
                continue
            email = json.loads(in_sns[0]["Message"])["email"]
            blocks = json.dumps(in_slack[0]["body"])
            for channel, text in (("e-mail", email), ("Slack", blocks)):
                if "bad-1-4-3" not in text and "1.4.3" not in text:
                    problems.append("%s %s does not name the bad deployment" % (kind, channel))
            if kind.startswith("[PAGE]"):
                say("the page's e-mail:\n%s" % "\n".join("    " + l for l in email.splitlines()))
        others = [p for p in sns if (p.get("Subject") or "").startswith(("[PAGE]", "[TICKET]", "[RESOLVED]"))
                  and "checkout" not in p["Subject"]]
        fallback = [p for p in sns if "fallback" in (p.get("Subject") or "") and p["Subject"].startswith("ALARM")]
        if others:
            problems.append("other services notified: %s" % [p["Subject"] for p in others])
        if fallback:
            problems.append("the fallback composite paged although slo serve was up")
        for p in problems:
            say("FAIL: %s" % p)
        if not problems:
            say("ok: one page and one resolved notice on each channel, naming the bad deployment")
        return 1 if problems else 0


def stamp(t):
    return dt.datetime.fromtimestamp(t, dt.timezone.utc).strftime("%H:%M UTC")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--slo", required=True)
    ap.add_argument("--logs", required=True)
    ap.add_argument("--serve-port", type=int, default=8080)
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--screenshots", help="where the dashboard's screenshots go")
    args = ap.parse_args()
    started = time.time()
    code = Story(args).run()
    say("%s in %.0f s" % ("passed" if code == 0 else "failed", time.time() - started))
    return code


if __name__ == "__main__":
    sys.exit(main())
