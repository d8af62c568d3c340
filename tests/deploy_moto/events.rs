//! EventBridge rules (`AWS::Events::Rule`) and their targets, read back with `aws events
//! describe-rule` and `list-targets-by-rule`. Rules connect functions and queues, so the
//! ARNs of those (which the shared resolver does not compute) are resolved here, for the
//! Lambda and SQS checks too: [`resolve`].
//!
//! What moto 5.2.1 does with them, found by experiment (deploying the moto variant of
//! out/studio-sso-onboarding.template.json, and small templates for the cases it lacks, to
//! `moto_server`), and confirmed in its source (`Rule.create_from_cloudformation_json`):
//!
//! - The physical id (describe-stack-resources) is the rule's name, `<stack>-<logical
//!   id>-<suffix>` without `Name`; `Ref` gives it too. describe-rule reports `Arn`
//!   `arn:aws:events:<region>:<account>:rule/<name>` (default bus); the test derives that ARN
//!   (`rule/<bus>/<name>` on another bus), checks it against moto's and uses it to resolve
//!   `Fn::GetAtt Rule.Arn` elsewhere.
//! - `EventPattern` is stored as `json.dumps` of the template's object: describe-rule returns
//!   a JSON string, parsed here and compared with the template's pattern exactly (same keys,
//!   same lists in the same order).
//! - `State` (moto's default, as AWS's, is ENABLED), `Description`, `ScheduleExpression`,
//!   `RoleArn` and `EventBusName` (default `default`) are reported as given.
//! - `Targets` are put as given: list-targets-by-rule returns each with the template's keys
//!   (`Id`, `Arn`, `RetryPolicy`, `DeadLetterConfig`, `Input`, ...), values resolved. Each
//!   target is compared in full, matched by `Id`, no target missing or extra: `Arn` is the
//!   function's ARN, `DeadLetterConfig.Arn` the queue's ARN, `RetryPolicy` as given.
//! - Other properties (e.g. `Tags`) are not compared: listed as not verified.

use serde_json::{Value, json};

use crate::Ctx;
use crate::support::cfn::{self, compare, prop, scalar, type_of};

/// Properties compared below; others are listed as not verified.
const COMPARED: &[&str] = &[
    "Name",
    "Description",
    "EventPattern",
    "ScheduleExpression",
    "State",
    "RoleArn",
    "EventBusName",
    "Targets",
];

pub(crate) fn check_rules(ctx: &mut Ctx) {
    for (id, r, name) in ctx.created("AWS::Events::Rule") {
        let what = format!("{id} (AWS::Events::Rule {name})");
        let bus = prop(&r, "EventBusName").and_then(|b| ctx.r.resolve_str(b));
        let mut args = vec!["events", "describe-rule", "--name", &name];
        if let Some(bus) = &bus {
            args.extend(["--event-bus-name", bus]);
        }
        let rule = ctx.aws.json(&args);
        let arn = rule_arn(ctx, &name, bus.as_deref());
        check(
            ctx,
            &format!("{what}.Arn (derived)"),
            &json!(arn),
            &rule["Arn"],
        );

        for (property, default) in [
            ("Name", Some(name.as_str())),
            ("Description", None),
            ("ScheduleExpression", None),
            ("State", Some("ENABLED")),
            ("RoleArn", None),
        ] {
            let expected = prop(&r, property)
                .cloned()
                .or_else(|| default.map(|d| json!(d)));
            match expected {
                Some(v) => check(ctx, &format!("{what}.{property}"), &v, &rule[property]),
                // Not in the template: moto must not report one either.
                None => absent(ctx, &format!("{what}.{property}"), &rule[property]),
            }
        }
        let expected_bus = bus
            .as_deref()
            .map(bus_name)
            .unwrap_or("default")
            .to_string();
        check(
            ctx,
            &format!("{what}.EventBusName"),
            &json!(expected_bus),
            &rule["EventBusName"],
        );

        let pattern_what = format!("{what}.EventPattern");
        match (prop(&r, "EventPattern"), rule["EventPattern"].as_str()) {
            (Some(pattern), Some(text)) => match serde_json::from_str::<Value>(text) {
                Ok(actual) => {
                    // The template may give the pattern as an object or as a JSON string.
                    let expected = match resolve(ctx, pattern) {
                        Value::String(s) => serde_json::from_str(&s).unwrap_or(Value::String(s)),
                        other => other,
                    };
                    compare(
                        &expected,
                        &actual,
                        &pattern_what,
                        &mut ctx.tally,
                        &mut ctx.diffs,
                    );
                }
                Err(e) => ctx
                    .diffs
                    .push(format!("{pattern_what}: not JSON ({e}): {text}")),
            },
            (Some(pattern), None) => ctx.diffs.push(format!(
                "{pattern_what}: expected {pattern}, got {}",
                rule["EventPattern"]
            )),
            (None, _) => absent(ctx, &pattern_what, &rule["EventPattern"]),
        }

        check_targets(ctx, &what, &r, &name, bus.as_deref());

        for property in r["Properties"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|p| p.0)
        {
            if !COMPARED.contains(&property.as_str()) {
                ctx.gap(format!("{what}.{property}: not compared by this test"));
            }
        }
    }
}

/// The template's targets against list-targets-by-rule: the same ids, each target equal.
fn check_targets(ctx: &mut Ctx, what: &str, r: &Value, name: &str, bus: Option<&str>) {
    let mut args = vec!["events", "list-targets-by-rule", "--rule", name];
    if let Some(bus) = bus {
        args.extend(["--event-bus-name", bus]);
    }
    let answer = ctx.aws.json(&args);
    let actual = answer["Targets"].as_array().cloned().unwrap_or_default();
    let expected = prop(r, "Targets")
        .map(|t| resolve(ctx, t))
        .and_then(|t| t.as_array().cloned())
        .unwrap_or_default();
    let ids = |targets: &[Value]| -> Vec<String> {
        let mut ids: Vec<String> = targets.iter().filter_map(|t| scalar(&t["Id"])).collect();
        ids.sort();
        ids
    };
    let (expected_ids, actual_ids) = (ids(&expected), ids(&actual));
    if expected_ids != actual_ids || expected.len() != actual.len() {
        ctx.diffs.push(format!(
            "{what}.Targets: expected ids {expected_ids:?}, got {answer}"
        ));
        return;
    }
    for e in &expected {
        let target_id = scalar(&e["Id"]).unwrap_or_default();
        let a = actual
            .iter()
            .find(|a| scalar(&a["Id"]).as_deref() == Some(target_id.as_str()))
            .expect("ids compared above");
        compare(
            e,
            a,
            &format!("{what}.Targets[{target_id}]"),
            &mut ctx.tally,
            &mut ctx.diffs,
        );
    }
}

/// `arn:...:rule/NAME`, or `rule/BUS/NAME` for a rule on another bus than the default.
fn rule_arn(ctx: &Ctx, name: &str, bus: Option<&str>) -> String {
    let (p, r, a) = (&ctx.r.partition, &ctx.r.region, &ctx.r.account);
    match bus.map(bus_name) {
        Some(bus) if bus != "default" => format!("arn:{p}:events:{r}:{a}:rule/{bus}/{name}"),
        _ => format!("arn:{p}:events:{r}:{a}:rule/{name}"),
    }
}

/// An `EventBusName` (a name or an ARN) as the bus's name.
fn bus_name(bus: &str) -> &str {
    bus.rsplit_once(":event-bus/").map_or(bus, |(_, name)| name)
}

/// A value moto reports for a property the template does not set: nothing is right.
fn absent(ctx: &mut Ctx, what: &str, actual: &Value) {
    if actual.is_null() {
        ctx.tally.compared += 1;
    } else {
        ctx.diffs.push(format!(
            "{what}: not in the template, moto reports {actual}"
        ));
    }
}

/// Compares a template value, resolved with [`resolve`], with moto's.
pub(crate) fn check(ctx: &mut Ctx, what: &str, template_value: &Value, actual: &Value) {
    let expected = resolve(ctx, template_value);
    compare(&expected, actual, what, &mut ctx.tally, &mut ctx.diffs);
}

/// The attributes moto gives the functions, queues and rules it created, which the shared
/// resolver does not compute: (logical id, attribute, value). Each check compares the
/// derived ARN with the one moto reports, so a wrong formula fails there.
fn attributes(ctx: &Ctx) -> Vec<(String, String, String)> {
    let (p, r, a) = (&ctx.r.partition, &ctx.r.region, &ctx.r.account);
    let mut out = Vec::new();
    for (id, _, name) in ctx.created("AWS::Lambda::Function") {
        let arn = format!("arn:{p}:lambda:{r}:{a}:function:{name}");
        out.push((id, "Arn".to_string(), arn));
    }
    for (id, _, url) in ctx.created("AWS::SQS::Queue") {
        let name = queue_name(&url).to_string();
        let arn = format!("arn:{p}:sqs:{r}:{a}:{name}");
        out.push((id.clone(), "Arn".to_string(), arn));
        out.push((id.clone(), "QueueName".to_string(), name));
        out.push((id, "QueueUrl".to_string(), url));
    }
    for (id, rule, name) in ctx.created("AWS::Events::Rule") {
        let bus = prop(&rule, "EventBusName").and_then(|b| ctx.r.resolve_str(b));
        out.push((id, "Arn".to_string(), rule_arn(ctx, &name, bus.as_deref())));
    }
    out
}

/// The last path segment of a queue URL: the queue's name.
pub(crate) fn queue_name(url: &str) -> &str {
    url.rsplit('/').next().unwrap_or(url)
}

/// `v` resolved like the shared resolver does, and `Fn::GetAtt` / `${X.Attr}` of created
/// functions (`Arn`), queues (`Arn`, `QueueName`, `QueueUrl`) and rules (`Arn`) too.
pub(crate) fn resolve(ctx: &Ctx, v: &Value) -> Value {
    let attrs = attributes(ctx);
    let find = |x: &str, attr: &str| {
        attrs
            .iter()
            .find(|(id, a, _)| id == x && a == attr)
            .map(|(_, _, value)| value.clone())
    };
    fn walk(v: &Value, find: &dyn Fn(&str, &str) -> Option<String>) -> Value {
        match v {
            Value::Object(m) if m.len() == 1 && m.contains_key("Fn::GetAtt") => {
                match cfn::getatt_parts(&m["Fn::GetAtt"]) {
                    Some((x, a)) => find(&x, &a).map_or_else(|| v.clone(), |s| json!(s)),
                    None => v.clone(),
                }
            }
            Value::Object(m) if m.len() == 1 && m.contains_key("Fn::Sub") => {
                let sub = |s: &str| substitute(s, find);
                match &m["Fn::Sub"] {
                    Value::String(s) => json!({ "Fn::Sub": sub(s) }),
                    Value::Array(a) if a.len() == 2 => json!({ "Fn::Sub": [
                        a[0].as_str().map_or_else(|| a[0].clone(), |s| json!(sub(s))),
                        walk(&a[1], find),
                    ]}),
                    _ => v.clone(),
                }
            }
            Value::Object(m) => {
                Value::Object(m.iter().map(|(k, x)| (k.clone(), walk(x, find))).collect())
            }
            Value::Array(a) => Value::Array(a.iter().map(|x| walk(x, find)).collect()),
            other => other.clone(),
        }
    }
    ctx.r.resolve(&walk(v, &find))
}

/// `${X.Attr}` in an `Fn::Sub` string replaced by the attribute's value, where known.
fn substitute(s: &str, find: &dyn Fn(&str, &str) -> Option<String>) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        let inner = &rest[start + 2..start + len];
        let value = inner
            .split_once('.')
            .filter(|_| !inner.starts_with('!'))
            .and_then(|(x, a)| find(x.trim(), a.trim()));
        out.push_str(&rest[..start]);
        match value {
            Some(v) => out.push_str(&v),
            None => out.push_str(&rest[start..start + len + 1]),
        }
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    out
}

/// The template's resources of type `ty` (created or not): (logical id, resource).
pub(crate) fn of_type(ctx: &Ctx, ty: &str) -> Vec<(String, Value)> {
    cfn::resources(ctx.r.template)
        .filter(|(_, r)| type_of(r) == ty)
        .map(|(id, r)| (id.clone(), r.clone()))
        .collect()
}
