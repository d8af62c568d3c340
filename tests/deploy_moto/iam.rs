//! IAM roles (trust policy, inline and managed policies), managed policies, instance
//! profiles.

use serde_json::{Value, json};

use crate::support::cfn::{self, prop, referenced_resource, type_of};
use crate::support::moto::policy_document;
use crate::{Ctx, strings};

pub(crate) fn check_roles(ctx: &mut Ctx) {
    let template = ctx.r.template;
    // Policies attached to roles by separate resources: (role logical id, resource).
    let attaching = |ty: &str| -> Vec<(String, Value)> {
        let mut out = Vec::new();
        for (pid, r) in cfn::resources(template).filter(|(_, r)| type_of(r) == ty) {
            for role in prop(r, "Roles")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(x) = referenced_resource(role, "") {
                    out.push((x, json!({"id": pid, "resource": r})));
                }
            }
        }
        out
    };
    let policy_resources = attaching("AWS::IAM::Policy");
    let managed_resources = attaching("AWS::IAM::ManagedPolicy");

    for (id, r, role_name) in ctx.created("AWS::IAM::Role") {
        let what = format!("{id} (AWS::IAM::Role {role_name})");
        let role = ctx
            .aws
            .json(&["iam", "get-role", "--role-name", &role_name])["Role"]
            .clone();
        if let Some(v) = prop(&r, "RoleName") {
            ctx.check(&format!("{what}.RoleName"), v, &role["RoleName"]);
        }
        let path = prop(&r, "Path").cloned().unwrap_or(json!("/"));
        ctx.check(&format!("{what}.Path"), &path, &role["Path"]);
        if let Some(v) = prop(&r, "Description") {
            ctx.check(&format!("{what}.Description"), v, &role["Description"]);
        }
        // The trust policy in full: statement count, principals (services), actions.
        if let Some(doc) = prop(&r, "AssumeRolePolicyDocument") {
            let actual = policy_document(&role["AssumeRolePolicyDocument"]);
            ctx.check(&format!("{what}.AssumeRolePolicyDocument"), doc, &actual);
        }

        // Inline policies: the role's Policies plus AWS::IAM::Policy resources naming it.
        let mut inline: Vec<(Value, Value)> = prop(&r, "Policies")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|p| (p["PolicyName"].clone(), p["PolicyDocument"].clone()))
            .collect();
        for (_, p) in policy_resources.iter().filter(|(role, _)| *role == id) {
            let props = &p["resource"]["Properties"];
            inline.push((props["PolicyName"].clone(), props["PolicyDocument"].clone()));
        }
        let names = ctx
            .aws
            .json(&["iam", "list-role-policies", "--role-name", &role_name]);
        let names_template = json!(inline.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>());
        ctx.check_set(
            &format!("{what} inline policy names"),
            Some(&names_template),
            strings(&names["PolicyNames"], ""),
        );
        for (name, doc) in &inline {
            let Some(name) = ctx.r.resolve_str(name) else {
                ctx.tally.unresolved += 1;
                continue;
            };
            let got = ctx.aws.run(&[
                "iam",
                "get-role-policy",
                "--role-name",
                &role_name,
                "--policy-name",
                &name,
            ]);
            if !got.status.success() {
                continue; // already reported by the names comparison
            }
            let got: Value = serde_json::from_slice(&got.stdout).expect("get-role-policy JSON");
            let mut actual = policy_document(&got["PolicyDocument"]);
            if drop_null_list_items(&mut actual) {
                ctx.gap(format!(
                    "{what} policy {name}: moto keeps `Fn::If … AWS::NoValue` list items as null \
                     (CloudFormation drops them); compared without them"
                ));
            }
            ctx.check(&format!("{what} policy {name}"), doc, &actual);
        }

        // Managed policies: ManagedPolicyArns (e.g. Fn::Sub
        // "arn:${AWS::Partition}:iam::aws:policy/AmazonSSMManagedInstanceCore") plus
        // AWS::IAM::ManagedPolicy resources naming the role.
        let from_property: Vec<Value> = prop(&r, "ManagedPolicyArns")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let from_resources: Vec<Value> = managed_resources
            .iter()
            .filter(|(role, _)| *role == id)
            .map(|(_, p)| json!({"Ref": p["id"]}))
            .collect();
        let attached = ctx.aws.json(&[
            "iam",
            "list-attached-role-policies",
            "--role-name",
            &role_name,
        ]);
        let mut attached = strings(&attached["AttachedPolicies"], "PolicyArn");
        attached.sort();
        let resolve_all = |ctx: &Ctx, values: &[Value]| -> Option<Vec<String>> {
            values.iter().map(|v| ctx.r.resolve_str(v)).collect()
        };
        let what_managed = format!("{what} managed policies");
        match (
            resolve_all(ctx, &from_property),
            resolve_all(ctx, &from_resources),
        ) {
            (Some(property_arns), Some(mut resource_arns)) => {
                let mut all: Vec<String> = property_arns
                    .iter()
                    .chain(&resource_arns)
                    .cloned()
                    .collect();
                all.sort();
                resource_arns.sort();
                if all == attached {
                    ctx.tally.compared += all.len().max(1);
                } else if !property_arns.is_empty() && resource_arns == attached {
                    // moto's CloudFormation Role does not attach ManagedPolicyArns. Check
                    // instead that each ARN names an existing policy.
                    ctx.gap(format!(
                        "{what}.ManagedPolicyArns: moto does not attach them (checked instead \
                         that each ARN names an existing policy)"
                    ));
                    for arn in property_arns {
                        let out = ctx.aws.run(&["iam", "get-policy", "--policy-arn", &arn]);
                        if out.status.success() {
                            ctx.tally.compared += 1;
                        } else {
                            ctx.diffs.push(format!(
                                "{what}: managed policy {arn} does not exist: {}",
                                String::from_utf8_lossy(&out.stderr).trim()
                            ));
                        }
                    }
                } else {
                    ctx.diffs.push(format!(
                        "{what_managed}: expected {all:?}, got {attached:?}"
                    ));
                }
            }
            _ => {
                let all: Vec<Value> = from_property
                    .iter()
                    .chain(&from_resources)
                    .cloned()
                    .collect();
                ctx.check_set(&what_managed, Some(&json!(all)), attached);
            }
        }
    }
}

pub(crate) fn check_managed_policies(ctx: &mut Ctx) {
    // moto's physical id of an AWS::IAM::ManagedPolicy is its ARN (as Ref gives on AWS).
    for (id, r, arn) in ctx.created("AWS::IAM::ManagedPolicy") {
        let what = format!("{id} (AWS::IAM::ManagedPolicy {arn})");
        let policy = ctx.aws.json(&["iam", "get-policy", "--policy-arn", &arn])["Policy"].clone();
        for (property, key) in [
            ("ManagedPolicyName", "PolicyName"),
            ("Description", "Description"),
        ] {
            if let Some(v) = prop(&r, property) {
                ctx.check(&format!("{what}.{property}"), v, &policy[key]);
            }
        }
        let path = prop(&r, "Path").cloned().unwrap_or(json!("/"));
        ctx.check(&format!("{what}.Path"), &path, &policy["Path"]);
        // The document in full; e.g. an `aws:SourceVpce` condition must hold the ids of
        // the endpoints this stack created.
        if let Some(doc) = prop(&r, "PolicyDocument") {
            let version = policy["DefaultVersionId"]
                .as_str()
                .unwrap_or("v1")
                .to_string();
            let answer = ctx.aws.json(&[
                "iam",
                "get-policy-version",
                "--policy-arn",
                &arn,
                "--version-id",
                &version,
            ]);
            let actual = policy_document(&answer["PolicyVersion"]["Document"]);
            ctx.check(&format!("{what}.PolicyDocument"), doc, &actual);
        }
        // Attachments: exactly the roles, users and groups the template names.
        let entities = ctx
            .aws
            .json(&["iam", "list-entities-for-policy", "--policy-arn", &arn]);
        for (property, list, key) in [
            ("Roles", "PolicyRoles", "RoleName"),
            ("Users", "PolicyUsers", "UserName"),
            ("Groups", "PolicyGroups", "GroupName"),
        ] {
            ctx.check_set(
                &format!("{what}.{property}"),
                prop(&r, property),
                strings(&entities[list], key),
            );
        }
    }
}

pub(crate) fn check_instance_profiles(ctx: &mut Ctx) {
    for (id, r, name) in ctx.created("AWS::IAM::InstanceProfile") {
        let what = format!("{id} (AWS::IAM::InstanceProfile {name})");
        let p = ctx.aws.json(&[
            "iam",
            "get-instance-profile",
            "--instance-profile-name",
            &name,
        ]);
        ctx.check_set(
            &format!("{what}.Roles"),
            prop(&r, "Roles"),
            strings(&p["InstanceProfile"]["Roles"], "RoleName"),
        );
    }
}

/// Removes null items from every list in `v`; whether there were any.
fn drop_null_list_items(v: &mut Value) -> bool {
    match v {
        Value::Array(items) => {
            let before = items.len();
            items.retain(|i| !i.is_null());
            let mut dropped = items.len() != before;
            for i in items {
                dropped |= drop_null_list_items(i);
            }
            dropped
        }
        Value::Object(map) => map
            .values_mut()
            .fold(false, |acc, x| drop_null_list_items(x) | acc),
        _ => false,
    }
}
