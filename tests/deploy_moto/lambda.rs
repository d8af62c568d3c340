//! Lambda functions (`AWS::Lambda::Function`) and the permissions that let other services
//! invoke them (`AWS::Lambda::Permission`), read back with `aws lambda
//! get-function-configuration`, `get-function-concurrency`, `get-function` and `get-policy`.
//!
//! What moto 5.2.1 does with them, found by experiment (deploying the moto variant of
//! out/studio-sso-onboarding.template.json, and small templates for the cases it lacks, to
//! `moto_server`), and confirmed in its source (`LambdaFunction.create_from_cloudformation_json`
//! passes on `Code`, `Handler`, `Role`, `Runtime` and, of the optional properties, only
//! `Description`, `MemorySize`, `Publish`, `Timeout`, `VpcConfig`, `Environment` and
//! `ReservedConcurrentExecutions`):
//!
//! - Functions: the physical id is the function's name (`<stack>-<logical id>-<suffix>`
//!   without `FunctionName`); `FunctionArn` is `arn:aws:lambda:<region>:<account>:function:
//!   <name>`, which the test derives (tests/deploy_moto/events.rs), checks against moto's and
//!   uses for `Fn::GetAtt Function.Arn` elsewhere.
//! - `Runtime`, `Handler`, `Timeout`, `MemorySize`, `Description` and `Role` (the role's ARN,
//!   from `Fn::GetAtt Role.Arn`) are reported as given, and compared.
//! - `Environment.Variables` are reported as CloudFormation resolved them in the deployed
//!   variant: `Fn::GetAtt StudioDomain.DomainId` of the skipped domain is the variant's
//!   placeholder `moto-skipped-StudioDomain-DomainId`, `${Role.Arn}` inside `Fn::Sub` the
//!   role's ARN. The test resolves the variant's values the same way and compares the
//!   variables in full (no variable missing or extra).
//! - `ReservedConcurrentExecutions` is honoured: get-function-concurrency reports it (and
//!   prints nothing for a function without it, which the test then expects), get-function
//!   repeats it under `Concurrency`.
//! - `DeadLetterConfig` and `LoggingConfig` are not implemented by moto's Lambda at all
//!   (neither through CloudFormation nor through the API): get-function-configuration has no
//!   such keys. When the template sets one and moto reports nothing, the test prints "not
//!   verified"; a value moto reports is compared. The same holds for every other property
//!   moto's CloudFormation drops (`TracingConfig`, `Architectures`, `EphemeralStorage`,
//!   `SnapStart`, `Tags`, ...), except that there moto reports its own default
//!   (`TracingConfig` PassThrough, `Architectures` [x86_64], ...): exactly that default is
//!   "not verified", any other value must equal the template's.
//! - `Code.ZipFile`: moto zips the text as `index.py` (adding its own `cfnresponse.py`) and
//!   reports `CodeSize` and `CodeSha256` of that zip, whose entries carry the time of the
//!   deploy, so neither can be predicted. get-function gives `Code.Location`
//!   `https://awslambda-us-east-1-tasks.s3.us-east-1.amazonaws.com/<function>-<uuid>`, but
//!   moto stores the zip nowhere: get-object of that bucket and key from moto's endpoint
//!   answers NoSuchBucket. The test tries it, and prints "not verified" on NoSuchBucket or
//!   NoSuchKey; if moto ever serves the zip, `index.py` in it (read with Python's zipfile)
//!   is compared with the template's `ZipFile`.
//! - Permissions: describe-stack-resources lists them without a physical id. moto adds each
//!   as a statement to the function's policy (get-policy returns it as a JSON string):
//!   `Principal` `x.amazonaws.com` becomes `{"Service": ...}`, `SourceArn` a condition
//!   `ArnLike` `AWS:SourceArn`, `SourceAccount` `StringEquals` `AWS:SourceAccount`,
//!   `Resource` is the function's ARN, `Effect` Allow, `Sid` a random UUID; unlike AWS it
//!   also keeps the CloudFormation property `FunctionName` in the statement (ignored here).
//!   The test builds the statement AWS makes from each permission and requires one equal
//!   statement (Effect, Action, Principal, Resource, Condition; e.g. the rule's ARN as
//!   `AWS:SourceArn`) per permission, and no statement that no permission of the template
//!   explains. get-policy of a function without statements answers
//!   ResourceNotFoundException, which is what a function that no permission names must
//!   answer. Conditional permissions (`Condition`), and permissions with a principal other
//!   than a service, are not compared (counted, or printed as not verified); statements
//!   then left over are not differences.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde_json::{Map, Value, json};

use crate::Ctx;
use crate::events::{check, of_type, resolve};
use crate::support::cfn::{Tally, compare, prop, scalar};
use crate::support::moto::policy_document;
use crate::support::{find_tool, run_bounded};

/// moto's values for properties its CloudFormation drops: that answer is a known gap.
fn moto_default(property: &str) -> Option<Value> {
    Some(match property {
        "TracingConfig" => json!({"Mode": "PassThrough"}),
        "Architectures" => json!(["x86_64"]),
        "EphemeralStorage" => json!({"Size": 512}),
        "SnapStart" => json!({"ApplyOn": "None", "OptimizationStatus": "Off"}),
        "PackageType" => json!("Zip"),
        "Layers" => json!([]),
        _ => return None,
    })
}

/// Properties moto reports under the same key as the template's, and applies.
const SAME_KEY: &[&str] = &[
    "Runtime",
    "Handler",
    "Timeout",
    "MemorySize",
    "Role",
    "Description",
    "Environment",
];

pub(crate) fn check_functions(ctx: &mut Ctx) {
    for (id, r, name) in ctx.created("AWS::Lambda::Function") {
        let what = format!("{id} (AWS::Lambda::Function {name})");
        let config = ctx.aws.json(&[
            "lambda",
            "get-function-configuration",
            "--function-name",
            &name,
        ]);
        let arn = json!({"Fn::GetAtt": [id, "Arn"]});
        check(
            ctx,
            &format!("{what}.Arn (derived)"),
            &arn,
            &config["FunctionArn"],
        );
        let function_name = prop(&r, "FunctionName").cloned().unwrap_or(json!(name));
        check(
            ctx,
            &format!("{what}.FunctionName"),
            &function_name,
            &config["FunctionName"],
        );

        for (property, value) in r["Properties"].as_object().into_iter().flatten() {
            let p = property.as_str();
            let path = format!("{what}.{p}");
            match p {
                "FunctionName" | "ReservedConcurrentExecutions" => {}
                "Code" => check_code(ctx, &what, value, &name),
                _ if SAME_KEY.contains(&p) => check(ctx, &path, value, &config[p]),
                "VpcConfig" => {
                    // AWS and moto add the VpcId the subnets are in.
                    let mut actual = config[p].clone();
                    if let Some(m) = actual.as_object_mut() {
                        m.remove("VpcId");
                    }
                    check(ctx, &path, value, &actual);
                }
                _ => dropped_by_moto(ctx, &path, value, &config[p]),
            }
        }

        let concurrency = ctx.aws.json(&[
            "lambda",
            "get-function-concurrency",
            "--function-name",
            &name,
        ]);
        let actual = &concurrency["ReservedConcurrentExecutions"];
        let path = format!("{what}.ReservedConcurrentExecutions");
        match prop(&r, "ReservedConcurrentExecutions") {
            Some(v) => check(ctx, &path, v, actual),
            None if actual.is_null() => ctx.tally.compared += 1,
            None => ctx.diffs.push(format!(
                "{path}: not in the template, moto reports {actual}"
            )),
        }
    }
}

/// A property moto's CloudFormation does not pass on: nothing, or moto's own default, is a
/// gap; a value equal to the template's counts; anything else is a difference.
fn dropped_by_moto(ctx: &mut Ctx, path: &str, value: &Value, actual: &Value) {
    let expected = resolve(ctx, value);
    let mut tally = Tally::default();
    let mut diffs = Vec::new();
    compare(&expected, actual, path, &mut tally, &mut diffs);
    let property = path.rsplit('.').next().unwrap_or(path);
    if diffs.is_empty() {
        ctx.tally.compared += tally.compared;
        ctx.tally.unresolved += tally.unresolved;
    } else if actual.is_null() {
        ctx.gap(format!(
            "{path}: moto does not implement it (get-function-configuration reports nothing)"
        ));
    } else if moto_default(property).as_ref() == Some(actual) {
        ctx.gap(format!(
            "{path}: moto's CloudFormation drops it (reports its default {actual})"
        ));
    } else {
        ctx.diffs.extend(diffs);
    }
}

/// `Code.ZipFile` against `index.py` in the zip get-function points to, when moto serves it.
fn check_code(ctx: &mut Ctx, what: &str, code: &Value, name: &str) {
    let Some(zip_file) = code.get("ZipFile") else {
        ctx.gap(format!(
            "{what}.Code: only ZipFile code is compared by this test"
        ));
        return;
    };
    let path = format!("{what}.Code.ZipFile");
    let expected = resolve(ctx, zip_file);
    let function = ctx
        .aws
        .json(&["lambda", "get-function", "--function-name", name]);
    let location = function["Code"]["Location"].as_str().unwrap_or_default();
    let Some((bucket, key)) = s3_location(location) else {
        ctx.diffs.push(format!(
            "{path}: get-function reports no S3 Code.Location: {}",
            function["Code"]
        ));
        return;
    };
    let dir = tempfile::tempdir().expect("creating a temporary directory");
    let file = dir.path().join("code.zip");
    let file_arg = file.to_str().expect("temporary path is UTF-8");
    let out = ctx.aws.run(&[
        "s3api",
        "get-object",
        "--bucket",
        &bucket,
        "--key",
        &key,
        file_arg,
    ]);
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        match ["NoSuchBucket", "NoSuchKey"]
            .into_iter()
            .find(|code| stderr.contains(&format!("({code})")))
        {
            Some(code) => ctx.gap(format!(
                "{path}: moto does not store the zip where get-function's Code.Location \
                 points (get-object: {code})"
            )),
            None => ctx.diffs.push(format!(
                "{path}: get-object of {location} failed ({}): {}",
                out.status,
                stderr.trim()
            )),
        }
        return;
    }
    match index_py(&file) {
        Ok(Some(text)) => match expected.as_str() {
            Some(e) if e == text => ctx.tally.compared += 1,
            // The first differing line, not two copies of the whole file.
            Some(e) => {
                let lines = |s: &str| -> Vec<String> { s.lines().map(str::to_string).collect() };
                let (want, got) = (lines(e), lines(&text));
                let n = (0..want.len().max(got.len())).find(|&i| want.get(i) != got.get(i));
                ctx.diffs.push(match n {
                    Some(i) => format!(
                        "{path}: index.py differs at line {}: expected {:?}, got {:?}",
                        i + 1,
                        want.get(i),
                        got.get(i)
                    ),
                    None => format!("{path}: index.py differs in line endings or final newline"),
                });
            }
            None => compare(
                &expected,
                &json!(text),
                &path,
                &mut ctx.tally,
                &mut ctx.diffs,
            ),
        },
        Ok(None) => ctx.gap(format!(
            "{path}: no python3 to read index.py from the zip moto serves"
        )),
        Err(e) => ctx.diffs.push(format!("{path}: {e}")),
    }
}

/// `https://BUCKET.s3.REGION.amazonaws.com/KEY` (or path-style) -> (BUCKET, KEY).
fn s3_location(url: &str) -> Option<(String, String)> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let (host, path) = rest.split_once('/')?;
    let path = path.split('?').next().unwrap_or(path);
    match host.split_once(".s3.") {
        Some((bucket, _)) if !bucket.is_empty() => Some((bucket.to_string(), path.to_string())),
        _ => {
            let (bucket, key) = path.split_once('/')?;
            Some((bucket.to_string(), key.to_string()))
        }
    }
}

/// The text of `index.py` in a zip file, read with Python's zipfile (moto is a Python
/// package, so Python is there wherever moto is). `None` without `python3`.
fn index_py(zip: &Path) -> Result<Option<String>, String> {
    let Some(python) = find_tool("python3") else {
        return Ok(None);
    };
    let code = "import sys, zipfile\n\
                sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read('index.py'))\n";
    let mut cmd = Command::new(python);
    cmd.arg("-c").arg(code).arg(zip);
    let out = run_bounded(&mut cmd, Duration::from_secs(60));
    if !out.status.success() {
        return Err(format!(
            "cannot read index.py from the zip moto serves: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    String::from_utf8(out.stdout)
        .map(Some)
        .map_err(|e| format!("index.py is not UTF-8: {e}"))
}

/// Properties of a permission that the expected statement is built from.
const PERMISSION_PROPERTIES: &[&str] = &[
    "Action",
    "FunctionName",
    "Principal",
    "SourceArn",
    "SourceAccount",
];

pub(crate) fn check_permissions(ctx: &mut Ctx) {
    // Function name -> the statements its permissions must have made: (what, statement).
    // Every function of the stack: one without permissions must have no policy.
    let mut by_function: BTreeMap<String, Vec<(String, Value)>> = ctx
        .created("AWS::Lambda::Function")
        .into_iter()
        .map(|(_, _, name)| (name, Vec::new()))
        .collect();
    // False when a permission is not compared: then a statement no compared permission
    // explains may be its, and is not a difference.
    let mut complete = true;
    for (id, r) in of_type(ctx, "AWS::Lambda::Permission") {
        let what = format!("{id} (AWS::Lambda::Permission)");
        if r.get("Condition").is_some() {
            // Whether moto created it depends on a condition this test does not evaluate.
            ctx.tally.unresolved += 1;
            complete = false;
            continue;
        }
        for property in r["Properties"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|p| p.0)
        {
            if !PERMISSION_PROPERTIES.contains(&property.as_str()) {
                ctx.gap(format!("{what}.{property}: not compared by this test"));
            }
        }
        let function = prop(&r, "FunctionName").map(|f| resolve(ctx, f));
        let Some(function) = function.as_ref().and_then(scalar) else {
            ctx.tally.unresolved += 1;
            complete = false;
            continue;
        };
        // A name, or an ARN (`...:function:NAME`, perhaps with a qualifier).
        let name = match function.split_once(":function:") {
            Some((_, rest)) => rest.split(':').next().unwrap_or(rest).to_string(),
            None => function.clone(),
        };
        let (p, region, account) = (&ctx.r.partition, &ctx.r.region, &ctx.r.account);
        let function_arn = format!("arn:{p}:lambda:{region}:{account}:function:{name}");

        let principal = prop(&r, "Principal").map(|v| resolve(ctx, v));
        let principal = match principal.as_ref().and_then(scalar) {
            Some(s) if s.ends_with(".amazonaws.com") => json!({ "Service": s }),
            _ => {
                ctx.gap(format!(
                    "{what}.Principal: only service principals are compared by this test"
                ));
                complete = false;
                continue;
            }
        };
        let mut statement = Map::new();
        statement.insert("Effect".into(), json!("Allow"));
        statement.insert(
            "Action".into(),
            prop(&r, "Action").map_or(Value::Null, |v| resolve(ctx, v)),
        );
        statement.insert("Principal".into(), principal);
        statement.insert("Resource".into(), json!(function_arn));
        let mut condition = Map::new();
        if let Some(v) = prop(&r, "SourceArn") {
            condition.insert(
                "ArnLike".into(),
                json!({ "AWS:SourceArn": resolve(ctx, v) }),
            );
        }
        if let Some(v) = prop(&r, "SourceAccount") {
            condition.insert(
                "StringEquals".into(),
                json!({ "AWS:SourceAccount": resolve(ctx, v) }),
            );
        }
        if !condition.is_empty() {
            statement.insert("Condition".into(), Value::Object(condition));
        }
        by_function
            .entry(name)
            .or_default()
            .push((what, Value::Object(statement)));
    }

    for (name, permissions) in by_function {
        let out = ctx
            .aws
            .run(&["lambda", "get-policy", "--function-name", &name]);
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            // moto's (and AWS's) answer for a function without a policy.
            if permissions.is_empty() && stderr.contains("(ResourceNotFoundException)") {
                ctx.tally.compared += 1;
                continue;
            }
            for (what, _) in &permissions {
                ctx.diffs.push(format!(
                    "{what}: get-policy of {name} failed ({}): {}",
                    out.status,
                    stderr.trim()
                ));
            }
            if permissions.is_empty() {
                ctx.diffs.push(format!(
                    "function {name}: get-policy failed ({}): {}",
                    out.status,
                    stderr.trim()
                ));
            }
            continue;
        }
        let answer: Value = serde_json::from_slice(&out.stdout).expect("get-policy JSON");
        let policy = policy_document(&answer["Policy"]);
        // Without the random Sid and moto's leftover FunctionName.
        let mut statements: Vec<Value> = policy["Statement"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .map(|mut s| {
                if let Some(m) = s.as_object_mut() {
                    m.remove("Sid");
                    m.remove("FunctionName");
                }
                s
            })
            .collect();
        for (what, expected) in permissions {
            let matching = statements.iter().position(|s| {
                let mut diffs = Vec::new();
                compare(&expected, s, "", &mut Tally::default(), &mut diffs);
                diffs.is_empty()
            });
            match matching {
                Some(i) => {
                    let actual = statements.remove(i);
                    compare(
                        &expected,
                        &actual,
                        &format!("{what} statement in the policy of {name}"),
                        &mut ctx.tally,
                        &mut ctx.diffs,
                    );
                }
                None => ctx.diffs.push(format!(
                    "{what}: no statement {expected} in the policy of {name}: {policy}"
                )),
            }
        }
        for s in statements {
            if !complete {
                ctx.tally.unresolved += 1;
                continue;
            }
            ctx.diffs.push(format!(
                "function {name}: policy statement {s} comes from no permission of the template"
            ));
        }
    }
}
