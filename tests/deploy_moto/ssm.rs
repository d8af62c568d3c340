//! SSM parameters (`AWS::SSM::Parameter`), read back with `aws ssm get-parameter`.
//!
//! moto 5.2.1 creates them under their `Name` (the physical id) and keeps `Type`, `Value`
//! and `Description` (reported by describe-parameters, not get-parameter); the multi-account member template publishes the domain id and each
//! enabled group's execution-role ARN this way, for the central functions to read.
//! `Value` is resolved like any template value: a role ARN from moto's role, the domain id
//! as the placeholder of the moto variant (moto skips the domain).

use serde_json::json;

use crate::Ctx;
use crate::support::cfn::prop;

pub(crate) fn check_parameters(ctx: &mut Ctx) {
    for (id, r, name) in ctx.created("AWS::SSM::Parameter") {
        let what = format!("{id} (AWS::SSM::Parameter {name})");
        let answer = ctx.aws.json(&["ssm", "get-parameter", "--name", &name]);
        let p = &answer["Parameter"];
        ctx.check(
            &format!("{what}.Name"),
            prop(&r, "Name").unwrap_or(&json!(null)),
            &p["Name"],
        );
        for (key, reported) in [("Type", "Type"), ("Value", "Value")] {
            if let Some(v) = prop(&r, key) {
                ctx.check(&format!("{what}.{key}"), v, &p[reported]);
            }
        }
        if let Some(v) = prop(&r, "Description") {
            let filter = format!("Key=Name,Values={name}");
            let described =
                ctx.aws
                    .json(&["ssm", "describe-parameters", "--parameter-filters", &filter]);
            ctx.check(
                &format!("{what}.Description"),
                v,
                &described["Parameters"][0]["Description"],
            );
        }
    }
}
