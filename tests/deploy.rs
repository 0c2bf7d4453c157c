//! The CloudFormation template `deploy/cloudformation/otwatch.json` agrees
//! with the code: the sensor's policy allows exactly the calls the shipper
//! makes, on the stack's own log group only, and is the role's only grant;
//! the dashboard and the alarms use only metrics the sensor emits; the log
//! widgets read the stack's group and streams of logs that exist.
//! (`tests/cloudformation.rs` lints and deploys it.)

mod common;

use common::repo;
use otwatch::output::cloudwatch::{Metrics, IAM_ACTIONS, IAM_ACTIONS_REQUIRED, NAMESPACE};
use serde_json::{json, Value};
use std::collections::BTreeSet;

fn template() -> Value {
    let path = repo().join("deploy/cloudformation/otwatch.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The template's resources of one type, by logical id.
fn resources<'a>(t: &'a Value, kind: &str) -> Vec<(&'a str, &'a Value)> {
    t["Resources"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["Type"] == kind)
        .map(|(id, r)| (id.as_str(), r))
        .collect()
}

/// An `Fn::Sub` string with the values of a deployment in place of its
/// variables; every variable must be one of them.
fn sub(v: &Value) -> String {
    let s = v["Fn::Sub"]
        .as_str()
        .unwrap_or_else(|| panic!("{v}: not an Fn::Sub string"));
    let out = [
        ("${AWS::Partition}", "aws"),
        ("${AWS::Region}", "eu-west-1"),
        ("${AWS::AccountId}", "123456789012"),
        ("${SensorName}", "sensor-1"),
        ("${LogGroup}", "plant-a"),
    ]
    .iter()
    .fold(s.to_string(), |s, (var, value)| s.replace(var, value));
    assert!(!out.contains("${"), "unknown variable in {s}");
    out
}

/// The metric names the sensor's Embedded Metric Format records declare.
fn emitted() -> BTreeSet<String> {
    let m = Metrics {
        by_rule: vec![(1, 1)],
        ..Metrics::default()
    };
    m.emf("s")
        .iter()
        .flat_map(|r| {
            let v: Value = serde_json::from_str(r).unwrap();
            v["_aws"]["CloudWatchMetrics"][0]["Metrics"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["Name"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn the_policy_allows_the_shippers_calls_on_the_stacks_group_only() {
    let t = template();
    assert_eq!(resources(&t, "AWS::Logs::LogGroup").len(), 1);
    // The managed policy is the only grant: no inline policies, no other
    // policies attached to the role.
    assert!(resources(&t, "AWS::IAM::Policy").is_empty());
    let roles = resources(&t, "AWS::IAM::Role");
    assert_eq!(roles.len(), 1);
    let (role, r) = roles[0];
    for key in ["Policies", "ManagedPolicyArns", "PermissionsBoundary"] {
        assert!(r["Properties"].get(key).is_none(), "{role}: {key}");
    }
    let policies = resources(&t, "AWS::IAM::ManagedPolicy");
    assert_eq!(policies.len(), 1);
    let p = &policies[0].1["Properties"];
    assert_eq!(p["Roles"], json!([{"Ref": role}]));
    assert!(p.get("Users").is_none() && p.get("Groups").is_none());

    let doc = &p["PolicyDocument"];
    assert_eq!(doc["Version"], "2012-10-17");
    let group = "arn:aws:logs:eu-west-1:123456789012:log-group:plant-a";
    let mut actions = BTreeSet::new();
    for st in doc["Statement"].as_array().unwrap() {
        assert_eq!(st["Effect"], "Allow");
        assert!(st.get("NotAction").is_none() && st.get("NotResource").is_none());
        for a in st["Action"].as_array().unwrap() {
            let a = a.as_str().unwrap();
            assert!(!a.contains('*'), "{a}: no wildcard actions");
            actions.insert(a.to_string());
        }
        for r in st["Resource"].as_array().unwrap() {
            let r = sub(r);
            assert!(
                r == group || r == format!("{group}:*"),
                "{r}: only the sensor's own group"
            );
        }
    }
    let wanted: BTreeSet<String> = IAM_ACTIONS.iter().map(|s| s.to_string()).collect();
    assert_eq!(actions, wanted);
}

#[test]
fn the_alarms_watch_metrics_the_sensor_emits() {
    let t = template();
    let names = emitted();
    let topics = resources(&t, "AWS::SNS::Topic");
    assert_eq!(topics.len(), 1);
    let alarms = resources(&t, "AWS::CloudWatch::Alarm");
    for (id, r) in &alarms {
        let a = &r["Properties"];
        assert_eq!(a["Namespace"], NAMESPACE, "{id}");
        let metric = a["MetricName"].as_str().unwrap();
        assert!(names.contains(metric), "{id}: {metric} is not emitted");
        assert_eq!(
            a["Dimensions"],
            json!([{"Name": "Sensor", "Value": {"Ref": "SensorName"}}]),
            "{id}"
        );
        assert!(
            sub(&a["AlarmName"]).starts_with("otwatch-sensor-1-"),
            "{id}"
        );
        assert_eq!(a["AlarmActions"], json!([{"Ref": topics[0].0}]), "{id}");
        for key in ["Statistic", "ComparisonOperator", "TreatMissingData"] {
            assert!(a[key].is_string(), "{id}: {key}");
        }
        for key in ["Period", "EvaluationPeriods", "Threshold"] {
            assert!(a[key].is_number(), "{id}: {key}");
        }
    }
    assert!(alarms.len() >= 5);
}

#[test]
fn the_dashboard_uses_emitted_metrics_and_the_stacks_streams() {
    let t = template();
    let dashboards = resources(&t, "AWS::CloudWatch::Dashboard");
    assert_eq!(dashboards.len(), 1);
    let body = sub(&dashboards[0].1["Properties"]["DashboardBody"]);
    let d: Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"));
    let names = emitted();
    let logs: BTreeSet<&str> = otwatch::output::LOG_NAMES.iter().copied().collect();
    let (mut metric_widgets, mut log_widgets) = (0, 0);
    for w in d["widgets"].as_array().unwrap() {
        let p = &w["properties"];
        match w["type"].as_str().unwrap() {
            "metric" => {
                metric_widgets += 1;
                let mut ns = "";
                for m in p["metrics"].as_array().unwrap() {
                    let row = m.as_array().unwrap();
                    if let Some(expr) = row[0].get("expression") {
                        let e = expr.as_str().unwrap();
                        assert!(e.contains(&format!("{{{NAMESPACE},Sensor,Sid}}")));
                        assert!(e.contains("MetricName=\"AlertsByRule\""));
                        assert!(e.contains("Sensor=\"sensor-1\""));
                        continue;
                    }
                    // "." repeats the cell above, as in CloudWatch.
                    if row[0] != "." {
                        ns = row[0].as_str().unwrap();
                    }
                    assert_eq!(ns, NAMESPACE);
                    let name = row[1].as_str().unwrap();
                    assert!(names.contains(name), "{name} is not emitted");
                    if row[2] != "." {
                        assert_eq!(row[2..4], [json!("Sensor"), json!("sensor-1")]);
                    }
                }
            }
            "log" => {
                log_widgets += 1;
                let q = p["query"].as_str().unwrap();
                assert!(q.starts_with("SOURCE 'plant-a' | "), "{q}");
                // Streams named in filters are logs otwatch writes.
                for part in q.split("@logStream like /\\/").skip(1) {
                    let log = part.split('$').next().unwrap();
                    assert!(logs.contains(log), "{log} in {q}");
                }
            }
            "text" => {}
            t => panic!("unexpected widget type {t}"),
        }
    }
    assert!(metric_widgets >= 5 && log_widgets >= 5);
}

#[test]
fn the_outputs_name_what_the_sensor_and_the_cloud_team_need() {
    let t = template();
    let o = &t["Outputs"];
    assert_eq!(o["LogGroupName"]["Value"], json!({"Ref": "LogGroup"}));
    assert_eq!(
        o["RoleArn"]["Value"],
        json!({"Fn::GetAtt": [resources(&t, "AWS::IAM::Role")[0].0, "Arn"]})
    );
    assert_eq!(
        o["PolicyArn"]["Value"],
        json!({"Ref": resources(&t, "AWS::IAM::ManagedPolicy")[0].0})
    );
    assert_eq!(
        o["TopicArn"]["Value"],
        json!({"Ref": resources(&t, "AWS::SNS::Topic")[0].0})
    );
}

/// The metric filters count alert events by a severity the alert log
/// writes in its `severity` column, per sensor.
#[test]
fn the_metric_filters_read_the_alert_logs_severity() {
    let t = template();
    let filters = resources(&t, "AWS::Logs::MetricFilter");
    assert_eq!(filters.len(), 2);
    let severities: Vec<&str> = otwatch::event::Severity::ALL
        .iter()
        .map(|s| s.name())
        .collect();
    // The alert log writes the column, with those names.
    let dir = tempfile::tempdir().unwrap();
    let o = common::analyze(
        dir.path(),
        &[],
        &[repo().join("pcaps/attacks/attack-new-client.pcap")],
    );
    assert!(o.status.success());
    let rows = common::read_json_log(&dir.path().join("alert.log"));
    assert!(!rows.is_empty());
    for r in &rows {
        let s = r["severity"]
            .as_str()
            .unwrap_or_else(|| panic!("no severity: {r}"));
        assert!(severities.contains(&s), "{s}");
    }
    for (id, f) in filters {
        let p = &f["Properties"];
        assert_eq!(p["LogGroupName"], json!({"Ref": "LogGroup"}), "{id}");
        let pattern = p["FilterPattern"].as_str().unwrap();
        let value = pattern
            .strip_prefix("{ $.severity = \"")
            .and_then(|s| s.strip_suffix("\" }"))
            .unwrap_or_else(|| panic!("{id}: {pattern}"));
        assert!(
            severities.contains(&value),
            "{id}: {value} is not a severity"
        );
        let m = &p["MetricTransformations"][0];
        assert_eq!(sub(&m["MetricNamespace"]), "otwatch/logs/sensor-1", "{id}");
        assert_eq!(m["MetricValue"], "1", "{id}");
    }
}

/// The stand-alone policies of `deploy/iam/`: all the shipper's calls, or
/// the two it cannot go without, on one group only.
#[test]
fn the_iam_policies_grant_the_shippers_calls_on_one_group() {
    for (file, wanted) in [
        ("otwatch-ship.json", &IAM_ACTIONS[..]),
        (
            "otwatch-ship-existing-group.json",
            &IAM_ACTIONS_REQUIRED[..],
        ),
    ] {
        let path = repo().join("deploy/iam").join(file);
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(doc["Version"], "2012-10-17");
        let mut actions = BTreeSet::new();
        for st in doc["Statement"].as_array().unwrap() {
            assert_eq!(st["Effect"], "Allow");
            for a in st["Action"].as_array().unwrap() {
                actions.insert(a.as_str().unwrap().to_string());
            }
            let group = "arn:aws:logs:REGION:ACCOUNT:log-group:GROUP";
            for r in st["Resource"].as_array().unwrap() {
                let r = r.as_str().unwrap();
                assert!(r == group || r == format!("{group}:*"), "{file}: {r}");
            }
        }
        let wanted: BTreeSet<String> = wanted.iter().map(|s| s.to_string()).collect();
        assert_eq!(actions, wanted, "{file}");
    }
    assert!(IAM_ACTIONS_REQUIRED.iter().all(|a| IAM_ACTIONS.contains(a)));
}
