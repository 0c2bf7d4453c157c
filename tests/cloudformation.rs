//! The CloudFormation template `deploy/cloudformation/otwatch.json`:
//! `cfn-lint` accepts it, and deployed to a private moto server it makes the
//! log group with its retention, the sensor's role and policy, the topic
//! (with its e-mail subscription) and the dashboard; the alarms, which
//! moto's CloudFormation does not create, are put through the API from the
//! template. otwatch, holding the stack's policy as its only grant, ships
//! into the group the stack made, and is refused everything else.
//!
//! moto enforces IAM here: `INITIAL_NO_AUTH_ACTION_COUNT` lets the helper
//! create an administrator, and every later call is checked against the
//! caller's policies. `tests/cloudformation/moto_iam.py` makes moto check
//! CloudWatch Logs calls against the group and stream they name (moto
//! itself checks them against "*"). `tests/cloudformation/stack.py`
//! (boto3, from the same venv) deploys and reads back.

mod common;

use common::moto::{counter, venv, Moto};
use common::*;
use otwatch::output::cloudwatch::IAM_ACTIONS;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};

const TEMPLATE: &str = "deploy/cloudformation/otwatch.json";
const STACK: &str = "otwatch-sensor-1";
const SENSOR: &str = "sensor-1";
const GROUP: &str = "otwatch-sensor-1";
const OTHER_GROUP: &str = "another-team";
const EMAIL: &str = "soc@example.com";
const ACCOUNT: &str = "123456789012";
const REGION: &str = "us-east-1";

#[test]
fn cfn_lint_accepts_the_template() {
    let o = Command::new(venv("cfn-lint"))
        .arg(repo().join(TEMPLATE))
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "cfn-lint {TEMPLATE}:\n{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Access keys: (id, secret).
type Keys = (String, String);

fn keys(v: &Value) -> Keys {
    (
        v["key"].as_str().unwrap().to_string(),
        v["secret"].as_str().unwrap().to_string(),
    )
}

/// The moto server with IAM enforced and the stack deployed.
struct Site {
    moto: Moto,
    facts: Value,
    admin: Keys,
    sensor: Keys,
}

impl Site {
    fn deploy() -> Site {
        let moto = Moto::start_with(|| {
            let mut c = Command::new(venv("python"));
            c.arg(repo().join("tests/cloudformation/moto_iam.py"))
                // The helper's first three calls make the administrator.
                .env("INITIAL_NO_AUTH_ACTION_COUNT", "3");
            c
        });
        let template = repo().join(TEMPLATE).display().to_string();
        let facts = helper(
            &moto,
            None,
            &["deploy", &template, STACK, SENSOR, "30", EMAIL, OTHER_GROUP],
        );
        let (admin, sensor) = (keys(&facts["admin"]), keys(&facts["sensor"]));
        Site {
            moto,
            facts,
            admin,
            sensor,
        }
    }

    fn read(&self, group: &str) -> Value {
        helper(&self.moto, Some(&self.admin), &["read", group])
    }

    /// `otwatch analyze` with the sensor's keys, shipping to `group`.
    fn analyze(&self, dir: &Path, group: &str, flags: &[&str]) -> Output {
        self.analyze_as(&self.sensor, dir, group, flags)
    }

    /// A user `user` whose only grant is `actions` on the stack's group (a
    /// user that exists gets the new grant in its place, and no keys).
    fn grant(&self, user: &str, actions: &[&str]) -> Value {
        let mut args = vec!["grant", user, GROUP];
        args.extend_from_slice(actions);
        helper(&self.moto, Some(&self.admin), &args)
    }

    /// `otwatch ship` with `keys`, from `run`'s spool into the stack's
    /// group.
    fn ship(&self, keys: &Keys, run: &Path, flags: &[&str]) -> Output {
        as_user(keys)
            .arg("ship")
            .args(flags)
            .args([
                "--cloudwatch-group",
                GROUP,
                "--cloudwatch-stream-prefix",
                SENSOR,
            ])
            .arg("--cloudwatch-endpoint")
            .arg(self.moto.url())
            .arg("--spool-dir")
            .arg(run.join("spool"))
            .output()
            .unwrap()
    }

    /// `otwatch analyze` with `keys`, shipping to `group`.
    fn analyze_as(&self, keys: &Keys, dir: &Path, group: &str, flags: &[&str]) -> Output {
        let mut c = as_user(keys);
        c.args(["analyze", "--quiet", "--out"])
            .arg(dir.join("logs"))
            .args(["--cloudwatch-group", group, "--cloudwatch-endpoint"])
            .arg(self.moto.url())
            .args(["--cloudwatch-stream-prefix", SENSOR, "--spool-dir"])
            .arg(dir.join("spool"))
            .args(flags)
            .arg(pcap("plant-anomalies.pcap"));
        c.output().unwrap()
    }
}

/// otwatch with `keys` as its only AWS credentials, in the test's region.
fn as_user(keys: &Keys) -> Command {
    let mut c = otwatch();
    c.env("AWS_REGION", REGION)
        .env("AWS_ACCESS_KEY_ID", &keys.0)
        .env("AWS_SECRET_ACCESS_KEY", &keys.1)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL");
    c
}

/// Runs `tests/cloudformation/stack.py ENDPOINT ARGS...` with `keys` (or
/// none); returns the JSON it prints.
fn helper(moto: &Moto, keys: Option<&Keys>, args: &[&str]) -> Value {
    let mut c = Command::new(venv("python"));
    c.arg(repo().join("tests/cloudformation/stack.py"))
        .arg(moto.url())
        .args(args)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL");
    if let Some((id, secret)) = keys {
        c.env("AWS_ACCESS_KEY_ID", id)
            .env("AWS_SECRET_ACCESS_KEY", secret);
    }
    let o = c.output().unwrap();
    assert!(
        o.status.success(),
        "stack.py {args:?}:\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "stack.py {args:?}: {e}\n{}",
            String::from_utf8_lossy(&o.stdout)
        )
    })
}

fn lines(dir: &Path, log: &str) -> Vec<Value> {
    std::fs::read_to_string(dir.join("logs").join(format!("{log}.log")))
        .unwrap()
        .lines()
        .map(|l| Value::String(l.to_string()))
        .collect()
}

/// The group's alert and notice streams hold exactly `run`'s local alert
/// and notice lines, in order, and there are some.
fn delivered(streams: &Value, run: &Path) {
    for log in ["alert", "notice"] {
        let local = lines(run, log);
        assert!(!local.is_empty(), "no {log} in the capture");
        assert_eq!(
            streams[format!("{SENSOR}/{log}")],
            Value::Array(local),
            "{log}"
        );
    }
}

fn group_arn(group: &str) -> String {
    format!("arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{group}")
}

/// What the stack made, read back through the API.
fn check_the_stack(f: &Value) {
    assert_eq!(f["status"], "CREATE_COMPLETE");
    let out = &f["outputs"];
    assert_eq!(out["LogGroupName"], GROUP);
    let policy_arn = out["PolicyArn"].as_str().unwrap();
    let topic = out["TopicArn"].as_str().unwrap();
    assert!(out["RoleArn"].as_str().unwrap().contains(":role/"), "{out}");
    assert!(policy_arn.contains(":policy/"), "{out}");

    assert_eq!(f["log_group"]["logGroupName"], GROUP);
    assert_eq!(f["log_group"]["retentionInDays"], 30);

    // The role: assumed by EC2 instances, through the instance profile,
    // with the managed policy as its only grant.
    assert_eq!(
        f["role"]["trust"]["Statement"],
        json!([{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole"}])
    );
    assert_eq!(f["role"]["attached"], json!([policy_arn]));
    assert_eq!(f["role"]["inline"], json!([]));
    assert_eq!(
        f["role"]["instance_profiles"],
        json!([out["InstanceProfileName"]])
    );

    // The policy: the shipper's calls on the stack's group only.
    let statements = f["policy"]["Statement"].as_array().unwrap();
    assert_eq!(statements.len(), 1, "{}", f["policy"]);
    let st = &statements[0];
    assert_eq!(st["Effect"], "Allow");
    let actions: BTreeSet<&str> = st["Action"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(actions, IAM_ACTIONS.into_iter().collect());
    assert_eq!(
        st["Resource"],
        json!([group_arn(GROUP), format!("{}:*", group_arn(GROUP))])
    );

    assert!(f["topics"].as_array().unwrap().contains(&json!(topic)));
    assert_eq!(
        f["subscriptions"],
        json!([{"Protocol": "email", "Endpoint": EMAIL}])
    );

    // The dashboard, with the stack's values in place of the template's.
    assert!(f["dashboards"]
        .as_array()
        .unwrap()
        .contains(&json!(format!("otwatch-{SENSOR}"))));
    let body = f["dashboard_body"].as_str().unwrap();
    assert!(!body.contains("${"), "{body}");
    let d: Value = serde_json::from_str(body).unwrap();
    let widgets = d["widgets"].as_array().unwrap();
    for w in widgets {
        let p = &w["properties"];
        match w["type"].as_str().unwrap() {
            "metric" => {
                assert_eq!(p["region"], REGION);
                for row in p["metrics"].as_array().unwrap() {
                    if row[2] == "Sensor" {
                        assert_eq!(row[3], SENSOR, "{row}");
                    } else if let Some(e) = row[0].get("expression") {
                        assert!(e
                            .as_str()
                            .unwrap()
                            .contains(&format!("Sensor=\"{SENSOR}\"")));
                    }
                }
            }
            "log" => {
                assert_eq!(p["region"], REGION);
                let q = p["query"].as_str().unwrap();
                assert!(q.starts_with(&format!("SOURCE '{GROUP}' | ")), "{q}");
            }
            _ => {}
        }
    }

    // The alarms, put from the template: each watches this sensor and
    // notifies the stack's topic.
    let alarms = f["alarms"].as_array().unwrap();
    assert_eq!(alarms.len(), 5, "{alarms:?}");
    for a in alarms {
        assert!(
            a["AlarmName"]
                .as_str()
                .unwrap()
                .starts_with(&format!("otwatch-{SENSOR}-")),
            "{a}"
        );
        assert_eq!(
            a["Dimensions"],
            json!([{"Name": "Sensor", "Value": SENSOR}])
        );
        assert_eq!(a["AlarmActions"], json!([topic]), "{a}");
    }

    // The sensor's keys hold the stack's policy and nothing else.
    assert_eq!(
        f["sensor_grants"],
        json!({"inline": [], "attached": [policy_arn], "groups": []})
    );
}

#[test]
fn the_stack_deploys_and_its_policy_is_all_the_sensor_needs_and_gets() {
    let site = Site::deploy();
    check_the_stack(&site.facts);
    let tmp = tempfile::tempdir().unwrap();

    // Shipping to the stack's group: every alert and notice arrives.
    let run = tmp.path().join("run");
    let o = site.analyze(&run, GROUP, &[]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert_eq!(counter(&err, "parked"), 0, "{err}");
    let group = site.read(GROUP);
    assert_eq!(group["retention"], 30);
    let streams = &group["streams"];
    delivered(streams, &run);
    let metrics = streams[format!("{SENSOR}/metrics")].as_array().unwrap();
    assert!(!metrics.is_empty());
    for m in metrics {
        let m: Value = serde_json::from_str(m.as_str().unwrap()).unwrap();
        assert_eq!(m["Sensor"], SENSOR);
    }

    // A vanished group is made again, with its retention: the policy
    // covers CreateLogGroup and PutRetentionPolicy too.
    helper(&site.moto, Some(&site.admin), &["delete", GROUP]);
    let again = tmp.path().join("again");
    let o = site.analyze(&again, GROUP, &["--cloudwatch-retention", "7"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert_eq!(counter(&err, "parked"), 0, "{err}");
    let group = site.read(GROUP);
    assert_eq!(group["retention"], 7);
    assert_eq!(
        group["streams"][format!("{SENSOR}/alert")],
        Value::Array(lines(&again, "alert"))
    );

    // Shipping to another team's group is refused: nothing is sent, the
    // batches are parked, the group is untouched.
    let other = tmp.path().join("other");
    let o = site.analyze(&other, OTHER_GROUP, &[]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(counter(&err, "events sent"), 0, "{err}");
    assert!(counter(&err, "parked") > 0, "{err}");
    assert!(err.contains("403"), "{err}");
    assert_eq!(
        site.read(OTHER_GROUP),
        json!({"retention": null, "streams": {"s": []}})
    );

    // Every call outside the policy is refused by IAM, by its action.
    let probes = helper(
        &site.moto,
        Some(&site.sensor),
        &["probe", GROUP, OTHER_GROUP],
    );
    for p in probes.as_array().unwrap() {
        let action = p["action"].as_str().unwrap();
        let refusal = p["refusal"]
            .as_str()
            .unwrap_or_else(|| panic!("{action} was allowed with the sensor's keys"));
        assert!(
            refusal.contains("AccessDenied")
                && refusal.contains(&format!("not authorized to perform: {action}")),
            "{action}: {refusal}"
        );
    }
}

/// A group a cloud team made, and a policy that grants the sensor only
/// CreateLogStream and PutLogEvents on it: CreateLogGroup (and so the
/// retention) is refused by IAM, otwatch says so once and ships every
/// alert and notice; the team's retention stays.
#[test]
fn a_sensor_that_may_only_put_ships_into_a_group_made_for_it() {
    let site = Site::deploy();
    let put_only = keys(&site.grant("putter", &otwatch::output::cloudwatch::IAM_ACTIONS_REQUIRED));
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    let o = site.analyze_as(&put_only, &run, GROUP, &["--cloudwatch-retention", "7"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("CreateLogGroup on otwatch-sensor-1 refused (access denied)"),
        "{err}"
    );
    assert_eq!(counter(&err, "parked"), 0, "{err}");
    let group = site.read(GROUP);
    assert_eq!(group["retention"], 30, "the team's retention stays");
    delivered(&group["streams"], &run);
}

/// PutLogEvents refused: the run parks its events (parked.jsonl); once
/// the grant is fixed, `otwatch ship --parked` delivers them, each once
/// (a second `ship --parked` has nothing to send).
#[test]
fn parked_events_are_delivered_by_ship_parked_once_allowed() {
    let site = Site::deploy();
    let parker = keys(&site.grant("parker", &["logs:CreateLogStream"]));
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    let o = site.analyze_as(&parker, &run, GROUP, &[]);
    let err = String::from_utf8_lossy(&o.stderr);
    let parked = counter(&err, "parked");
    assert!(parked > 0, "{err}");
    assert_eq!(counter(&err, "events sent"), 0, "{err}");
    assert!(run.join("spool/parked.jsonl").exists());

    site.grant("parker", &["logs:CreateLogStream", "logs:PutLogEvents"]);
    let ship = || site.ship(&parker, &run, &["--parked"]);
    let o = ship();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains(&format!("{parked} parked events spooled again")),
        "{err}"
    );
    assert_eq!(counter(&err, "events sent"), parked, "{err}");
    assert_eq!(counter(&err, "parked"), 0, "{err}");
    assert!(!run.join("spool/parked.jsonl").exists());
    let group = site.read(GROUP);
    delivered(&group["streams"], &run);
    // Again: nothing parked is left, nothing is sent twice.
    let o = ship();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("0 parked events spooled again"), "{err}");
    assert_eq!(counter(&err, "events sent"), 0, "{err}");
    assert_eq!(site.read(GROUP), group);
}

/// A refused batch that cannot be set aside (here `parked.jsonl` is a
/// directory, as a full disk would refuse it) stays in the spool: nothing
/// is dropped, and once the grant is fixed a plain `ship` delivers it.
#[test]
fn a_batch_that_cannot_be_parked_stays_in_the_spool() {
    let site = Site::deploy();
    let user = keys(&site.grant("keeper", &["logs:CreateLogStream"]));
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    std::fs::create_dir_all(run.join("spool/parked.jsonl")).unwrap();
    let o = site.analyze_as(&user, &run, GROUP, &["--cloudwatch-drain", "3"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(counter(&err, "parked"), 0, "{err}");
    assert!(counter(&err, "left in the spool") > 0, "{err}");
    assert!(err.contains("could not be set aside"), "{err}");
    assert_eq!(o.status.code(), Some(1), "{err}");

    std::fs::remove_dir(run.join("spool/parked.jsonl")).unwrap();
    site.grant("keeper", &["logs:CreateLogStream", "logs:PutLogEvents"]);
    let o = site.ship(&user, &run, &[]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    let group = site.read(GROUP);
    delivered(&group["streams"], &run);
}
