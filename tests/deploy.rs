//! The CloudWatch deployment files in `deploy/cloudwatch/` are valid JSON
//! and agree with the code: the IAM policy allows exactly the calls the
//! shipper makes, on its own group only; the dashboard and the alarms use
//! only metrics the sensor emits; the log widgets read the sensor's group
//! and streams of logs that exist.

mod common;

use common::repo;
use otwatch::output::cloudwatch::{Metrics, IAM_ACTIONS, NAMESPACE};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

fn json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
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
fn the_iam_policy_allows_the_shippers_calls_on_its_group_only() {
    let p = json(&repo().join("deploy/cloudwatch/iam-policy.json"));
    assert_eq!(p["Version"], "2012-10-17");
    let mut actions = BTreeSet::new();
    for st in p["Statement"].as_array().unwrap() {
        assert_eq!(st["Effect"], "Allow");
        for a in st["Action"].as_array().unwrap() {
            let a = a.as_str().unwrap();
            assert!(!a.contains('*'), "{a}: no wildcard actions");
            actions.insert(a.to_string());
        }
        let r = st["Resource"].as_str().unwrap();
        assert!(
            r.starts_with("arn:aws:logs:@REGION@:@ACCOUNT@:log-group:@GROUP@"),
            "{r}: only the sensor's own group"
        );
    }
    let wanted: BTreeSet<String> = IAM_ACTIONS.iter().map(|s| s.to_string()).collect();
    assert_eq!(actions, wanted);
}

#[test]
fn the_alarms_watch_metrics_the_sensor_emits() {
    let names = emitted();
    let dir = repo().join("deploy/cloudwatch/alarms");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let path = e.unwrap().path();
        let a = json(&path);
        assert_eq!(a["Namespace"], NAMESPACE, "{}", path.display());
        let metric = a["MetricName"].as_str().unwrap();
        assert!(
            names.contains(metric),
            "{}: {metric} is not emitted",
            path.display()
        );
        assert_eq!(a["Dimensions"][0]["Name"], "Sensor", "{}", path.display());
        for key in [
            "AlarmName",
            "Statistic",
            "ComparisonOperator",
            "TreatMissingData",
        ] {
            assert!(a[key].is_string(), "{}: {key}", path.display());
        }
        for key in ["Period", "EvaluationPeriods", "Threshold"] {
            assert!(a[key].is_number(), "{}: {key}", path.display());
        }
        n += 1;
    }
    assert!(n >= 4);
}

#[test]
fn the_dashboard_uses_emitted_metrics_and_the_sensors_streams() {
    let d = json(&repo().join("deploy/cloudwatch/dashboard.json"));
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
                        continue;
                    }
                    // "." repeats the cell above, as in CloudWatch.
                    if row[0] != "." {
                        ns = row[0].as_str().unwrap();
                    }
                    assert_eq!(ns, NAMESPACE);
                    let name = row[1].as_str().unwrap();
                    assert!(names.contains(name), "{name} is not emitted");
                }
            }
            "log" => {
                log_widgets += 1;
                let q = p["query"].as_str().unwrap();
                assert!(q.starts_with("SOURCE '@GROUP@' | "), "{q}");
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
