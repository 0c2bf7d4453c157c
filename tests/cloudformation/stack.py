"""Deploys the otwatch template to a moto server and reports what it made.

Run by tests/cloudformation.rs with .venv-moto/bin/python; prints one JSON
document and leaves the checks to the Rust test.

    stack.py ENDPOINT deploy TEMPLATE STACK SENSOR RETENTION EMAIL OTHER_GROUP
        The server must start with INITIAL_NO_AUTH_ACTION_COUNT=3: the
        first three calls create an administrator, whose keys deploy the
        stack. The stack's role trusts only the EC2 service, so a fresh user
        gets the role's one policy, the stack's managed policy, as its only
        grant: its keys are the sensor's. The alarms, which moto's
        CloudFormation does not create, are put through the API from the
        template's definitions.
        The administrator also makes another group, OTHER_GROUP, with a
        stream "s": a group the sensor must not write to.
    stack.py ENDPOINT probe GROUP OTHER_GROUP  (the sensor's keys in the environment)
        Calls outside the policy; prints each call's action and the
        server's error message (null if the call succeeded).
    stack.py ENDPOINT read GROUP  (the administrator's keys in the environment)
        GROUP's retention (null if the group does not exist) and every
        stream with its messages, oldest first.
    stack.py ENDPOINT delete GROUP  (the administrator's keys in the environment)
"""

import json
import re
import sys

import boto3
from botocore.exceptions import ClientError

REGION = "us-east-1"


def client(endpoint, service, key=None, secret=None):
    kw = {}
    if key:
        kw = {"aws_access_key_id": key, "aws_secret_access_key": secret}
    return boto3.client(service, endpoint_url=endpoint, region_name=REGION, **kw)


def keys(iam, user):
    k = iam.create_access_key(UserName=user)["AccessKey"]
    return {"key": k["AccessKeyId"], "secret": k["SecretAccessKey"]}


def resolve(value, names):
    """Ref and Fn::Sub of the template, with the stack's values."""
    if isinstance(value, list):
        return [resolve(v, names) for v in value]
    if isinstance(value, dict):
        if set(value) == {"Ref"}:
            return names[value["Ref"]]
        if set(value) == {"Fn::Sub"}:
            return re.sub(r"\$\{([^}!]+)\}", lambda m: names[m.group(1)], value["Fn::Sub"])
        return {k: resolve(v, names) for k, v in value.items()}
    return value


def deploy(endpoint, template_path, stack, sensor, retention, email, other_group):
    anonymous = client(endpoint, "iam", "bootstrap", "bootstrap")
    anonymous.create_user(UserName="deployer")
    anonymous.put_user_policy(
        UserName="deployer",
        PolicyName="administrator",
        PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
        ),
    )
    admin = keys(anonymous, "deployer")

    def c(service):
        return client(endpoint, service, admin["key"], admin["secret"])

    with open(template_path) as f:
        body = f.read()
    cfn = c("cloudformation")
    params = {"SensorName": sensor, "RetentionInDays": retention, "AlarmEmail": email}
    cfn.create_stack(
        StackName=stack,
        TemplateBody=body,
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in params.items()],
        Capabilities=["CAPABILITY_IAM"],
    )
    cfn.get_waiter("stack_create_complete").wait(StackName=stack, WaiterConfig={"Delay": 1})
    s = cfn.describe_stacks(StackName=stack)["Stacks"][0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in s.get("Outputs", [])}

    logs = c("logs")
    group = outputs["LogGroupName"]
    groups = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
    log_group = next((g for g in groups if g["logGroupName"] == group), None)

    iam = c("iam")
    role_name = outputs["RoleArn"].rsplit("/", 1)[1]
    role = iam.get_role(RoleName=role_name)["Role"]
    attached = [p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"]]
    inline = iam.list_role_policies(RoleName=role_name)["PolicyNames"]
    policy = iam.get_policy(PolicyArn=outputs["PolicyArn"])["Policy"]
    document = iam.get_policy_version(PolicyArn=policy["Arn"], VersionId=policy["DefaultVersionId"])[
        "PolicyVersion"
    ]["Document"]
    if isinstance(document, str):
        document = json.loads(document)
    profiles = [p["InstanceProfileName"] for p in iam.list_instance_profiles_for_role(RoleName=role_name)["InstanceProfiles"]]

    sns = c("sns")
    topic = outputs["TopicArn"]
    topics = [t["TopicArn"] for t in sns.list_topics()["Topics"]]
    subscriptions = [
        {"Protocol": x["Protocol"], "Endpoint": x["Endpoint"]}
        for x in sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    ]

    cw = c("cloudwatch")
    dashboard_name = f"otwatch-{sensor}"
    dashboards = [d["DashboardName"] for d in cw.list_dashboards()["DashboardEntries"]]
    dashboard = cw.get_dashboard(DashboardName=dashboard_name)["DashboardBody"]

    template = json.loads(body)
    names = {"SensorName": sensor, "AlarmTopic": topic, "LogGroup": group, "AWS::Region": REGION}
    for r in template["Resources"].values():
        if r["Type"] == "AWS::CloudWatch::Alarm":
            cw.put_metric_alarm(**resolve(r["Properties"], names))
    alarms = cw.describe_alarms()["MetricAlarms"]

    logs.create_log_group(logGroupName=other_group)
    logs.create_log_stream(logGroupName=other_group, logStreamName="s")

    iam.create_user(UserName="sensor")
    iam.attach_user_policy(UserName="sensor", PolicyArn=outputs["PolicyArn"])
    sensor_keys = keys(iam, "sensor")
    grants = {
        "inline": iam.list_user_policies(UserName="sensor")["PolicyNames"],
        "attached": [p["PolicyArn"] for p in iam.list_attached_user_policies(UserName="sensor")["AttachedPolicies"]],
        "groups": [g["GroupName"] for g in iam.list_groups_for_user(UserName="sensor")["Groups"]],
    }

    return {
        "admin": admin,
        "sensor": sensor_keys,
        "sensor_grants": grants,
        "status": s["StackStatus"],
        "outputs": outputs,
        "log_group": log_group,
        "role": {
            "trust": role["AssumeRolePolicyDocument"],
            "attached": attached,
            "inline": inline,
            "instance_profiles": profiles,
        },
        "policy": document,
        "topics": topics,
        "subscriptions": subscriptions,
        "dashboards": dashboards,
        "dashboard_body": dashboard,
        "alarms": [
            {
                k: a.get(k)
                for k in [
                    "AlarmName",
                    "Namespace",
                    "MetricName",
                    "Dimensions",
                    "Statistic",
                    "Period",
                    "EvaluationPeriods",
                    "Threshold",
                    "ComparisonOperator",
                    "TreatMissingData",
                    "AlarmActions",
                ]
            }
            for a in alarms
        ],
    }


def refusal(call):
    try:
        call()
        return None
    except ClientError as e:
        # moto answers IAM refusals of JSON-protocol services with an XML
        # body that botocore leaves unparsed in the message.
        return e.response["Error"]["Message"]


def probe(endpoint, group, other):
    logs = client(endpoint, "logs")
    event = [{"timestamp": 1_700_000_000_000, "message": "not the sensor's"}]
    calls = [
        ("logs:DescribeLogGroups", lambda: logs.describe_log_groups()),
        ("logs:DeleteLogGroup", lambda: logs.delete_log_group(logGroupName=group)),
        ("logs:DeleteRetentionPolicy", lambda: logs.delete_retention_policy(logGroupName=group)),
        ("logs:GetLogEvents", lambda: logs.get_log_events(logGroupName=group, logStreamName="s")),
        ("logs:CreateLogGroup", lambda: logs.create_log_group(logGroupName=other)),
        ("logs:PutRetentionPolicy", lambda: logs.put_retention_policy(logGroupName=other, retentionInDays=1)),
        ("logs:CreateLogStream", lambda: logs.create_log_stream(logGroupName=other, logStreamName="s2")),
        (
            "logs:PutLogEvents",
            lambda: logs.put_log_events(logGroupName=other, logStreamName="s", logEvents=event),
        ),
    ]
    return [{"action": action, "refusal": refusal(call)} for action, call in calls]


def grant(endpoint, user, group, *actions):
    """A user whose only grant is `actions` on `group` (both ARN forms):
    what a cloud team gives a sensor for a group it made itself. A user
    that exists gets the new grant in place of the old one (and no keys)."""
    iam = client(endpoint, "iam")
    arn = f"arn:aws:logs:{REGION}:123456789012:log-group:{group}"
    existing = [u["UserName"] for u in iam.list_users()["Users"]]
    if user not in existing:
        iam.create_user(UserName=user)
    iam.put_user_policy(
        UserName=user,
        PolicyName="ship-only",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": [arn, arn + ":*"]}],
            }
        ),
    )
    return None if user in existing else keys(iam, user)


def read(endpoint, group):
    logs = client(endpoint, "logs")
    groups = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
    found = [g for g in groups if g["logGroupName"] == group]
    if not found:
        return {"retention": None, "streams": {}}
    out = {}
    for s in logs.describe_log_streams(logGroupName=group)["logStreams"]:
        name = s["logStreamName"]
        msgs, token = [], None
        while True:
            kw = {"nextToken": token} if token else {}
            page = logs.get_log_events(
                logGroupName=group, logStreamName=name, startFromHead=True, **kw
            )
            msgs += [e["message"] for e in page["events"]]
            if not page["events"] or page["nextForwardToken"] == token:
                break
            token = page["nextForwardToken"]
        out[name] = msgs
    return {"retention": found[0].get("retentionInDays"), "streams": out}


def main():
    endpoint, command, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    if command == "deploy":
        result = deploy(endpoint, *args)
    elif command == "probe":
        result = probe(endpoint, *args)
    elif command == "grant":
        result = grant(endpoint, *args)
    elif command == "read":
        result = read(endpoint, *args)
    elif command == "delete":
        client(endpoint, "logs").delete_log_group(logGroupName=args[0])
        result = None
    else:
        sys.exit(f"unknown command {command}")
    json.dump(result, sys.stdout, default=str)


if __name__ == "__main__":
    main()
