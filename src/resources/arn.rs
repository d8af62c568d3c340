//! ARNs built with `Fn::Sub` and pseudo parameters, so no partition, region or account
//! is ever written into a template.

use crate::template::{Pseudo, Sub, SubPart, Value};

/// `arn:${AWS::Partition}:<service>:${AWS::Region}:${AWS::AccountId}:<resource…>`.
pub fn regional(service: &str, resource: impl IntoIterator<Item = SubPart>) -> Value {
    let mut sub = Sub::from_parts(vec![
        SubPart::from("arn:"),
        SubPart::from(Pseudo::Partition),
        SubPart::from(format!(":{service}:")),
        SubPart::from(Pseudo::Region),
        SubPart::from(":"),
        SubPart::from(Pseudo::AccountId),
        SubPart::from(":"),
    ]);
    for part in resource {
        sub.push(part);
    }
    sub.into_value()
}

/// `arn:${AWS::Partition}:<service>::${AWS::AccountId}:<resource…>` (IAM and other
/// global services).
pub fn global(service: &str, resource: impl IntoIterator<Item = SubPart>) -> Value {
    let mut sub = Sub::from_parts(vec![
        SubPart::from("arn:"),
        SubPart::from(Pseudo::Partition),
        SubPart::from(format!(":{service}::")),
        SubPart::from(Pseudo::AccountId),
        SubPart::from(":"),
    ]);
    for part in resource {
        sub.push(part);
    }
    sub.into_value()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regional_arn_uses_pseudo_parameters() {
        let v = regional("sagemaker", [SubPart::from("domain/d-123")]);
        assert_eq!(
            serde_json::to_string(&v).unwrap(),
            r#"{"Fn::Sub":"arn:${AWS::Partition}:sagemaker:${AWS::Region}:${AWS::AccountId}:domain/d-123"}"#
        );
    }

    #[test]
    fn global_arn_has_no_region() {
        let v = global("iam", [SubPart::from("root")]);
        assert_eq!(
            serde_json::to_string(&v).unwrap(),
            r#"{"Fn::Sub":"arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}"#
        );
    }
}
