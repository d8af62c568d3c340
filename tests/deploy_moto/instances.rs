//! EC2 instances and their EBS volumes.

use serde_json::{Value, json};

use crate::support::cfn::{prop, scalar};
use crate::{Ctx, strings};

pub(crate) fn check_instances(ctx: &mut Ctx) {
    for (id, r, instance_id) in ctx.created("AWS::EC2::Instance") {
        let what = format!("{id} (AWS::EC2::Instance {instance_id})");
        let answer = ctx
            .aws
            .json(&["ec2", "describe-instances", "--instance-ids", &instance_id]);
        let i = answer["Reservations"][0]["Instances"][0].clone();
        // ImageId: the AMI moto resolved from the (variant's) SSM parameter.
        for key in ["ImageId", "InstanceType", "SubnetId"] {
            if let Some(v) = prop(&r, key) {
                ctx.check(&format!("{what}.{key}"), v, &i[key]);
            }
        }
        if let Some(v) = prop(&r, "IamInstanceProfile") {
            let arn = i["IamInstanceProfile"]["Arn"].as_str().unwrap_or("");
            match ctx.r.resolve_str(v) {
                Some(name) if arn.ends_with(&format!("/{name}")) => ctx.tally.compared += 1,
                Some(name) => ctx.diffs.push(format!(
                    "{what}.IamInstanceProfile: expected {name}, got {arn:?}"
                )),
                None => ctx.tally.unresolved += 1,
            }
        }
        if let Some(v) = prop(&r, "SecurityGroupIds") {
            let actual = strings(&i["SecurityGroups"], "GroupId");
            if actual.is_empty() {
                // moto's CloudFormation Instance reads only `SecurityGroups`.
                ctx.gap(format!("{what}.SecurityGroupIds: moto ignores them"));
            } else {
                ctx.check_set(&format!("{what}.SecurityGroupIds"), Some(v), actual);
            }
        }
        if let Some(options) = prop(&r, "MetadataOptions").and_then(Value::as_object) {
            for (key, v) in options {
                let expected = ctx.r.resolve(v);
                let actual = &i["MetadataOptions"][key];
                if scalar(&expected) == scalar(actual) {
                    ctx.tally.compared += 1;
                } else {
                    // moto's CloudFormation Instance does not pass MetadataOptions on.
                    ctx.gap(format!(
                        "{what}.MetadataOptions.{key}={expected}: moto ignores it (reports {actual})"
                    ));
                }
            }
        }
        check_block_devices(ctx, &what, &r, &i);
    }
}

fn check_block_devices(ctx: &mut Ctx, what: &str, r: &Value, instance: &Value) {
    let Some(mappings) = prop(r, "BlockDeviceMappings").and_then(Value::as_array) else {
        return;
    };
    for m in mappings {
        let Some(ebs) = m.get("Ebs") else {
            continue;
        };
        let device = m
            .get("DeviceName")
            .and_then(|d| ctx.r.resolve_str(d))
            .unwrap_or_default();
        let w = format!("{what}.BlockDeviceMappings[{device}]");
        let found = instance["BlockDeviceMappings"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|a| a["DeviceName"] == json!(device));
        let Some(actual) = found else {
            ctx.diffs
                .push(format!("{w}: no such device on the instance"));
            continue;
        };
        if let Some(v) = ebs.get("DeleteOnTermination") {
            ctx.check(
                &format!("{w}.DeleteOnTermination"),
                v,
                &actual["Ebs"]["DeleteOnTermination"],
            );
        }
        let volume_id = actual["Ebs"]["VolumeId"].as_str().unwrap_or("").to_string();
        let volumes = ctx
            .aws
            .json(&["ec2", "describe-volumes", "--volume-ids", &volume_id]);
        let volume = &volumes["Volumes"][0];
        for (property, key) in [
            ("Encrypted", "Encrypted"),
            ("VolumeType", "VolumeType"),
            ("VolumeSize", "Size"),
            ("Iops", "Iops"),
            ("Throughput", "Throughput"),
        ] {
            if let Some(v) = ebs.get(property) {
                ctx.check(&format!("{w}.{property}"), v, &volume[key]);
            }
        }
    }
}
