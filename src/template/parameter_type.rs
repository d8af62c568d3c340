//! The `Type` of a template parameter: the plain types, the AWS-specific types that
//! CloudFormation checks against the account (and lists in the console), and the Systems
//! Manager types whose value CloudFormation reads from Parameter Store at deploy time.
//! The types are those of the parameters section reference
//! (<https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html>)
//! and of the CloudFormation-supplied parameter types
//! (<https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-supplied-parameter-types.html>).

use std::fmt;

/// The type of a template parameter, serialized as CloudFormation spells it
/// (`String`, `List<AWS::EC2::Subnet::Id>`,
/// `AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>`, …).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ParameterType {
    /// `String`.
    String,
    /// `Number`: an integer or a float.
    Number,
    /// `List<Number>`: comma-separated numbers.
    NumberList,
    /// `CommaDelimitedList`: comma-separated strings.
    CommaDelimitedList,
    /// An AWS-specific type, e.g. `AWS::EC2::Subnet::Id`: the value must exist in the
    /// account and region.
    Aws(AwsParameterType),
    /// A list of an AWS-specific type, e.g. `List<AWS::EC2::Subnet::Id>`
    /// (CloudFormation has no list of key-pair names).
    AwsList(AwsParameterType),
    /// `AWS::SSM::Parameter::Name`: the name of a Parameter Store parameter.
    SsmParameterName,
    /// `AWS::SSM::Parameter::Value<…>`: the parameter's value is the name of a Parameter
    /// Store parameter, whose value CloudFormation reads at deploy time.
    SsmParameterValue(SsmParameterValueType),
}

impl ParameterType {
    /// `AWS::SSM::Parameter::Value<T>` of an AWS-specific type, e.g. the latest AMI ID
    /// that a public parameter names.
    pub const fn ssm_value(value_type: AwsParameterType) -> ParameterType {
        ParameterType::SsmParameterValue(SsmParameterValueType::Aws(value_type))
    }
}

impl fmt::Display for ParameterType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParameterType::String => f.write_str("String"),
            ParameterType::Number => f.write_str("Number"),
            ParameterType::NumberList => f.write_str("List<Number>"),
            ParameterType::CommaDelimitedList => f.write_str("CommaDelimitedList"),
            ParameterType::Aws(t) => f.write_str(t.as_str()),
            ParameterType::AwsList(t) => write!(f, "List<{}>", t.as_str()),
            ParameterType::SsmParameterName => f.write_str("AWS::SSM::Parameter::Name"),
            ParameterType::SsmParameterValue(t) => write!(f, "AWS::SSM::Parameter::Value<{t}>"),
        }
    }
}

/// The type of the value an `AWS::SSM::Parameter::Value<…>` parameter reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SsmParameterValueType {
    /// `String`.
    String,
    /// `List<String>` (a `StringList` parameter).
    StringList,
    /// `CommaDelimitedList`.
    CommaDelimitedList,
    /// An AWS-specific type, e.g. `AWS::EC2::Image::Id`.
    Aws(AwsParameterType),
    /// A list of an AWS-specific type, e.g. `List<AWS::EC2::Image::Id>`.
    AwsList(AwsParameterType),
}

impl fmt::Display for SsmParameterValueType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SsmParameterValueType::String => f.write_str("String"),
            SsmParameterValueType::StringList => f.write_str("List<String>"),
            SsmParameterValueType::CommaDelimitedList => f.write_str("CommaDelimitedList"),
            SsmParameterValueType::Aws(t) => f.write_str(t.as_str()),
            SsmParameterValueType::AwsList(t) => write!(f, "List<{}>", t.as_str()),
        }
    }
}

/// The AWS-specific parameter types: identifiers CloudFormation checks against the
/// account and region before it creates anything.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AwsParameterType {
    /// `AWS::EC2::AvailabilityZone::Name`.
    AvailabilityZoneName,
    /// `AWS::EC2::Image::Id`: an AMI ID.
    ImageId,
    /// `AWS::EC2::Instance::Id`.
    InstanceId,
    /// `AWS::EC2::KeyPair::KeyName`.
    KeyPairName,
    /// `AWS::EC2::SecurityGroup::GroupName`.
    SecurityGroupName,
    /// `AWS::EC2::SecurityGroup::Id`.
    SecurityGroupId,
    /// `AWS::EC2::Subnet::Id`.
    SubnetId,
    /// `AWS::EC2::Volume::Id`.
    VolumeId,
    /// `AWS::EC2::VPC::Id`.
    VpcId,
    /// `AWS::Route53::HostedZone::Id`.
    HostedZoneId,
}

impl AwsParameterType {
    /// Every AWS-specific type.
    pub const ALL: &'static [AwsParameterType] = &[
        AwsParameterType::AvailabilityZoneName,
        AwsParameterType::ImageId,
        AwsParameterType::InstanceId,
        AwsParameterType::KeyPairName,
        AwsParameterType::SecurityGroupName,
        AwsParameterType::SecurityGroupId,
        AwsParameterType::SubnetId,
        AwsParameterType::VolumeId,
        AwsParameterType::VpcId,
        AwsParameterType::HostedZoneId,
    ];

    /// The type as CloudFormation spells it.
    pub const fn as_str(self) -> &'static str {
        match self {
            AwsParameterType::AvailabilityZoneName => "AWS::EC2::AvailabilityZone::Name",
            AwsParameterType::ImageId => "AWS::EC2::Image::Id",
            AwsParameterType::InstanceId => "AWS::EC2::Instance::Id",
            AwsParameterType::KeyPairName => "AWS::EC2::KeyPair::KeyName",
            AwsParameterType::SecurityGroupName => "AWS::EC2::SecurityGroup::GroupName",
            AwsParameterType::SecurityGroupId => "AWS::EC2::SecurityGroup::Id",
            AwsParameterType::SubnetId => "AWS::EC2::Subnet::Id",
            AwsParameterType::VolumeId => "AWS::EC2::Volume::Id",
            AwsParameterType::VpcId => "AWS::EC2::VPC::Id",
            AwsParameterType::HostedZoneId => "AWS::Route53::HostedZone::Id",
        }
    }
}

impl fmt::Display for AwsParameterType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_spelled_as_the_parameters_reference_spells_them() {
        // Expected strings copied from the CloudFormation parameter-type documentation.
        let cases = [
            (ParameterType::String, "String"),
            (ParameterType::Number, "Number"),
            (ParameterType::NumberList, "List<Number>"),
            (ParameterType::CommaDelimitedList, "CommaDelimitedList"),
            (
                ParameterType::Aws(AwsParameterType::KeyPairName),
                "AWS::EC2::KeyPair::KeyName",
            ),
            (
                ParameterType::AwsList(AwsParameterType::SubnetId),
                "List<AWS::EC2::Subnet::Id>",
            ),
            (
                ParameterType::AwsList(AwsParameterType::SecurityGroupId),
                "List<AWS::EC2::SecurityGroup::Id>",
            ),
            (ParameterType::SsmParameterName, "AWS::SSM::Parameter::Name"),
            (
                ParameterType::SsmParameterValue(SsmParameterValueType::String),
                "AWS::SSM::Parameter::Value<String>",
            ),
            (
                ParameterType::SsmParameterValue(SsmParameterValueType::StringList),
                "AWS::SSM::Parameter::Value<List<String>>",
            ),
            (
                ParameterType::SsmParameterValue(SsmParameterValueType::CommaDelimitedList),
                "AWS::SSM::Parameter::Value<CommaDelimitedList>",
            ),
            (
                ParameterType::ssm_value(AwsParameterType::ImageId),
                "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>",
            ),
            (
                ParameterType::SsmParameterValue(SsmParameterValueType::AwsList(
                    AwsParameterType::SubnetId,
                )),
                "AWS::SSM::Parameter::Value<List<AWS::EC2::Subnet::Id>>",
            ),
        ];
        for (parameter_type, expected) in cases {
            assert_eq!(parameter_type.to_string(), expected);
        }
    }

    #[test]
    fn aws_specific_types_are_the_documented_ones() {
        let names: Vec<&str> = AwsParameterType::ALL.iter().map(|t| t.as_str()).collect();
        assert_eq!(
            names,
            [
                "AWS::EC2::AvailabilityZone::Name",
                "AWS::EC2::Image::Id",
                "AWS::EC2::Instance::Id",
                "AWS::EC2::KeyPair::KeyName",
                "AWS::EC2::SecurityGroup::GroupName",
                "AWS::EC2::SecurityGroup::Id",
                "AWS::EC2::Subnet::Id",
                "AWS::EC2::Volume::Id",
                "AWS::EC2::VPC::Id",
                "AWS::Route53::HostedZone::Id",
            ]
        );
    }
}
