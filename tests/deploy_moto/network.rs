//! VPCs, subnets and VPC endpoints.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::support::cfn::prop;
use crate::support::moto::policy_document;
use crate::{Ctx, is_true, strings};

pub(crate) fn check_vpcs(ctx: &mut Ctx) {
    for (id, r, vpc_id) in ctx.created("AWS::EC2::VPC") {
        let what = format!("{id} (AWS::EC2::VPC)");
        let vpc = ctx
            .aws
            .json(&["ec2", "describe-vpcs", "--vpc-ids", &vpc_id])["Vpcs"][0]
            .clone();
        if let Some(cidr) = prop(&r, "CidrBlock") {
            ctx.check(&format!("{what}.CidrBlock"), cidr, &vpc["CidrBlock"]);
        }
        for (property, attribute, moto_default) in [
            ("EnableDnsSupport", "enableDnsSupport", true),
            ("EnableDnsHostnames", "enableDnsHostnames", false),
        ] {
            let Some(v) = prop(&r, property) else {
                continue;
            };
            let expected = is_true(Some(&ctx.r.resolve(v)));
            let answer = ctx.aws.json(&[
                "ec2",
                "describe-vpc-attribute",
                "--vpc-id",
                &vpc_id,
                "--attribute",
                attribute,
            ]);
            let key = format!("{}{}", property[..1].to_uppercase(), &property[1..]);
            let actual = answer[&key]["Value"].as_bool();
            if actual == Some(expected) {
                ctx.tally.compared += 1;
            } else if actual == Some(moto_default) {
                // moto's CloudFormation VPC passes only CidrBlock and InstanceTenancy on.
                ctx.gap(format!(
                    "{what}.{property}={expected}: moto ignores it (reports {moto_default})"
                ));
            } else {
                ctx.diffs.push(format!(
                    "{what}.{property}: expected {expected}, got {answer}"
                ));
            }
        }
    }
}

pub(crate) fn check_subnets(ctx: &mut Ctx) {
    for (id, r, subnet_id) in ctx.created("AWS::EC2::Subnet") {
        let what = format!("{id} (AWS::EC2::Subnet)");
        let subnet = ctx
            .aws
            .json(&["ec2", "describe-subnets", "--subnet-ids", &subnet_id])["Subnets"][0]
            .clone();
        for key in ["CidrBlock", "AvailabilityZone", "VpcId"] {
            if let Some(v) = prop(&r, key) {
                ctx.check(&format!("{what}.{key}"), v, &subnet[key]);
            }
        }
        let public = is_true(
            prop(&r, "MapPublicIpOnLaunch")
                .map(|v| ctx.r.resolve(v))
                .as_ref(),
        );
        ctx.check(
            &format!("{what}.MapPublicIpOnLaunch"),
            &json!(public),
            &subnet["MapPublicIpOnLaunch"],
        );
    }
    if !ctx
        .created("AWS::EC2::SubnetRouteTableAssociation")
        .is_empty()
    {
        ctx.gap(
            "AWS::EC2::SubnetRouteTableAssociation: moto does not show the associations in \
             describe-route-tables"
                .to_string(),
        );
    }
}

pub(crate) fn check_vpc_endpoints(ctx: &mut Ctx) {
    let endpoints = ctx.created("AWS::EC2::VPCEndpoint");
    if endpoints.is_empty() {
        return;
    }
    let mut args = vec!["ec2", "describe-vpc-endpoints", "--vpc-endpoint-ids"];
    args.extend(endpoints.iter().map(|(_, _, p)| p.as_str()));
    let answer = ctx.aws.json(&args);
    let by_id: BTreeMap<String, Value> = answer["VpcEndpoints"]
        .as_array()
        .expect("VpcEndpoints")
        .iter()
        .map(|e| {
            (
                e["VpcEndpointId"].as_str().unwrap_or("").to_string(),
                e.clone(),
            )
        })
        .collect();
    for (id, r, vpce) in endpoints {
        let what = format!("{id} (AWS::EC2::VPCEndpoint {vpce})");
        let Some(e) = by_id.get(&vpce) else {
            ctx.diffs
                .push(format!("{what}: not found by describe-vpc-endpoints"));
            continue;
        };
        // CloudFormation's default endpoint type is Gateway.
        let ty = prop(&r, "VpcEndpointType")
            .cloned()
            .unwrap_or(json!("Gateway"));
        ctx.check(
            &format!("{what}.VpcEndpointType"),
            &ty,
            &e["VpcEndpointType"],
        );
        // ServiceName is e.g. Fn::Sub "com.amazonaws.${AWS::Region}.sagemaker.api".
        if let Some(v) = prop(&r, "ServiceName") {
            ctx.check(&format!("{what}.ServiceName"), v, &e["ServiceName"]);
        }
        if let Some(v) = prop(&r, "VpcId") {
            ctx.check(&format!("{what}.VpcId"), v, &e["VpcId"]);
        }
        // Absent means false, in the template and in moto's answer.
        let dns = is_true(
            prop(&r, "PrivateDnsEnabled")
                .map(|v| ctx.r.resolve(v))
                .as_ref(),
        );
        let dns_actual = e["PrivateDnsEnabled"].as_bool().unwrap_or(false);
        ctx.check(
            &format!("{what}.PrivateDnsEnabled"),
            &json!(dns),
            &json!(dns_actual),
        );
        ctx.check_set(
            &format!("{what}.SubnetIds"),
            prop(&r, "SubnetIds"),
            strings(&e["SubnetIds"], ""),
        );
        ctx.check_set(
            &format!("{what}.RouteTableIds"),
            prop(&r, "RouteTableIds"),
            strings(&e["RouteTableIds"], ""),
        );
        ctx.check_set(
            &format!("{what}.SecurityGroupIds"),
            prop(&r, "SecurityGroupIds"),
            strings(&e["Groups"], "GroupId"),
        );
        if let Some(doc) = prop(&r, "PolicyDocument") {
            let actual = policy_document(&e["PolicyDocument"]);
            ctx.check(&format!("{what}.PolicyDocument"), doc, &actual);
        }
    }
}
