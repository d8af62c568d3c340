//! Amazon EC2 and VPC resource types.

use crate::resources::arn;
use crate::template::{Handle, SubPart, Value};

cfn_properties! {
    /// A resource tag (`Key`, `Value`).
    Tag / TagBuilder ("Tag") {
        required key: Value => "Key",
        required value: Value => "Value",
    }
}

impl Tag {
    /// A tag from a key and a value; both are always set, so this cannot fail.
    pub fn new(key: &str, value: impl Into<Value>) -> Tag {
        Tag::builder()
            .key(key)
            .value(value)
            .build()
            .expect("both required properties are set")
    }
}

cfn_resource! {
    Vpc / VpcBuilder = "AWS::EC2::VPC" {
        optional cidr_block: Value => "CidrBlock",
        optional enable_dns_hostnames: bool => "EnableDnsHostnames",
        optional enable_dns_support: bool => "EnableDnsSupport",
        list tags: Tag => "Tags",
    }
}

impl Handle<Vpc> {
    /// `Ref` of a VPC: its ID.
    pub fn id(&self) -> Value {
        self.reference()
    }
    /// `Fn::GetAtt` `CidrBlock`: the VPC's primary CIDR block.
    pub fn cidr_block(&self) -> Value {
        self.attribute("CidrBlock")
    }
}

cfn_resource! {
    Subnet / SubnetBuilder = "AWS::EC2::Subnet" {
        optional availability_zone: Value => "AvailabilityZone",
        optional cidr_block: Value => "CidrBlock",
        optional map_public_ip_on_launch: bool => "MapPublicIpOnLaunch",
        list tags: Tag => "Tags",
        required vpc_id: Value => "VpcId",
    }
}

impl Handle<Subnet> {
    /// `Ref` of a subnet: its ID.
    pub fn id(&self) -> Value {
        self.reference()
    }
    /// `arn:…:ec2:<region>:<account>:subnet/<id>` (the type has no `Arn` attribute), the
    /// resource of `ec2:CreateNetworkInterface` and the value of the `ec2:Subnet` key.
    pub fn arn(&self) -> Value {
        arn::regional("ec2", [SubPart::from("subnet/"), SubPart::from(self.id())])
    }
}

cfn_resource! {
    RouteTable / RouteTableBuilder = "AWS::EC2::RouteTable" {
        list tags: Tag => "Tags",
        required vpc_id: Value => "VpcId",
    }
}

impl Handle<RouteTable> {
    /// `Ref` of a route table: its ID.
    pub fn id(&self) -> Value {
        self.reference()
    }
}

cfn_resource! {
    SubnetRouteTableAssociation / SubnetRouteTableAssociationBuilder = "AWS::EC2::SubnetRouteTableAssociation" {
        required route_table_id: Value => "RouteTableId",
        required subnet_id: Value => "SubnetId",
    }
}

cfn_resource! {
    /// The internet gateway of a VPC whose private subnets reach the internet through NAT
    /// gateways (`network.internet_egress: nat`).
    InternetGateway / InternetGatewayBuilder = "AWS::EC2::InternetGateway" {
        list tags: Tag => "Tags",
    }
}

impl Handle<InternetGateway> {
    /// `Ref` of an internet gateway: its ID.
    pub fn id(&self) -> Value {
        self.reference()
    }
}

cfn_resource! {
    /// Attaches an internet (or VPN) gateway to a VPC.
    VpcGatewayAttachment / VpcGatewayAttachmentBuilder = "AWS::EC2::VPCGatewayAttachment" {
        optional internet_gateway_id: Value => "InternetGatewayId",
        required vpc_id: Value => "VpcId",
        optional vpn_gateway_id: Value => "VpnGatewayId",
    }
}

cfn_resource! {
    /// An Elastic IP address; in a VPC (`Domain: vpc`) it needs a `DependsOn` on the
    /// gateway attachment when both are in one template.
    Eip / EipBuilder = "AWS::EC2::EIP" {
        optional domain: Value => "Domain",
        list tags: Tag => "Tags",
    }
}

impl Handle<Eip> {
    /// `Fn::GetAtt` `AllocationId`: what a NAT gateway is given.
    pub fn allocation_id(&self) -> Value {
        self.attribute("AllocationId")
    }
}

cfn_resource! {
    /// A NAT gateway in a public subnet.
    NatGateway / NatGatewayBuilder = "AWS::EC2::NatGateway" {
        required allocation_id: Value => "AllocationId",
        required subnet_id: Value => "SubnetId",
        list tags: Tag => "Tags",
    }
}

impl Handle<NatGateway> {
    /// `Ref` of a NAT gateway: its ID.
    pub fn id(&self) -> Value {
        self.reference()
    }
}

cfn_resource! {
    /// A route of a route table, to exactly one target.
    Route / RouteBuilder = "AWS::EC2::Route" {
        optional destination_cidr_block: Value => "DestinationCidrBlock",
        optional gateway_id: Value => "GatewayId",
        optional nat_gateway_id: Value => "NatGatewayId",
        required route_table_id: Value => "RouteTableId",
    }
}

cfn_properties! {
    /// An inline inbound rule of `AWS::EC2::SecurityGroup`.
    Ingress / IngressBuilder ("AWS::EC2::SecurityGroup.Ingress") {
        optional cidr_ip: Value => "CidrIp",
        optional description: Value => "Description",
        optional from_port: i64 => "FromPort",
        required ip_protocol: Value => "IpProtocol",
        optional source_security_group_id: Value => "SourceSecurityGroupId",
        optional to_port: i64 => "ToPort",
    }
}

cfn_properties! {
    /// An inline outbound rule of `AWS::EC2::SecurityGroup`.
    Egress / EgressBuilder ("AWS::EC2::SecurityGroup.Egress") {
        optional cidr_ip: Value => "CidrIp",
        optional description: Value => "Description",
        optional destination_security_group_id: Value => "DestinationSecurityGroupId",
        optional from_port: i64 => "FromPort",
        required ip_protocol: Value => "IpProtocol",
        optional to_port: i64 => "ToPort",
    }
}

cfn_resource! {
    SecurityGroup / SecurityGroupBuilder = "AWS::EC2::SecurityGroup" {
        required group_description: Value => "GroupDescription",
        list security_group_egress: Egress => "SecurityGroupEgress",
        list security_group_ingress: Ingress => "SecurityGroupIngress",
        list tags: Tag => "Tags",
        optional vpc_id: Value => "VpcId",
    }
}

impl Handle<SecurityGroup> {
    /// The group's ID (`Fn::GetAtt GroupId`; `Ref` gives the ID too, but only in a VPC).
    pub fn group_id(&self) -> Value {
        self.attribute("GroupId")
    }
    /// `arn:…:ec2:<region>:<account>:security-group/<id>`.
    pub fn arn(&self) -> Value {
        arn::regional(
            "ec2",
            [
                SubPart::from("security-group/"),
                SubPart::from(self.group_id()),
            ],
        )
    }
}

cfn_resource! {
    /// A standalone inbound rule; needed for rules that name their own group, which an
    /// inline rule cannot do without a circular reference.
    SecurityGroupIngress / SecurityGroupIngressBuilder = "AWS::EC2::SecurityGroupIngress" {
        optional cidr_ip: Value => "CidrIp",
        optional description: Value => "Description",
        optional from_port: i64 => "FromPort",
        required group_id: Value => "GroupId",
        required ip_protocol: Value => "IpProtocol",
        optional source_security_group_id: Value => "SourceSecurityGroupId",
        optional to_port: i64 => "ToPort",
    }
}

cfn_resource! {
    /// A standalone outbound rule (see [`SecurityGroupIngress`]).
    SecurityGroupEgress / SecurityGroupEgressBuilder = "AWS::EC2::SecurityGroupEgress" {
        optional cidr_ip: Value => "CidrIp",
        optional description: Value => "Description",
        optional destination_security_group_id: Value => "DestinationSecurityGroupId",
        optional from_port: i64 => "FromPort",
        required group_id: Value => "GroupId",
        required ip_protocol: Value => "IpProtocol",
        optional to_port: i64 => "ToPort",
    }
}

cfn_enum! {
    /// `VpcEndpointType` of `AWS::EC2::VPCEndpoint`
    /// (<https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-vpcendpoint.html>).
    VpcEndpointType {
        /// A network interface in the subnets, reached through private DNS.
        Interface => "Interface",
        /// A route-table target (S3 and DynamoDB).
        Gateway => "Gateway",
        GatewayLoadBalancer => "GatewayLoadBalancer",
        ServiceNetwork => "ServiceNetwork",
        Resource => "Resource",
        Tunnel => "Tunnel",
    }
}

cfn_resource! {
    VpcEndpoint / VpcEndpointBuilder = "AWS::EC2::VPCEndpoint" {
        optional policy_document: Value => "PolicyDocument",
        optional private_dns_enabled: bool => "PrivateDnsEnabled",
        list route_table_ids: Value => "RouteTableIds",
        list security_group_ids: Value => "SecurityGroupIds",
        optional service_name: Value => "ServiceName",
        list subnet_ids: Value => "SubnetIds",
        optional vpc_endpoint_type: VpcEndpointType => "VpcEndpointType",
        required vpc_id: Value => "VpcId",
    }
}

impl Handle<VpcEndpoint> {
    /// `Ref` of an endpoint: its ID (`vpce-…`), the value `aws:SourceVpce` is compared with.
    pub fn id(&self) -> Value {
        self.reference()
    }
}

cfn_enum! {
    /// `VolumeType` of `AWS::EC2::Instance.Ebs` (<https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-ec2-instance-ebs.html>).
    VolumeType {
        Gp2 => "gp2",
        Gp3 => "gp3",
        Io1 => "io1",
        Io2 => "io2",
        Sc1 => "sc1",
        St1 => "st1",
        Standard => "standard",
    }
}

cfn_properties! {
    /// `AWS::EC2::Instance.Ebs`.
    Ebs / EbsBuilder ("AWS::EC2::Instance.Ebs") {
        optional delete_on_termination: bool => "DeleteOnTermination",
        optional encrypted: bool => "Encrypted",
        optional kms_key_id: Value => "KmsKeyId",
        optional volume_size: i64 => "VolumeSize",
        optional volume_type: VolumeType => "VolumeType",
    }
}

cfn_properties! {
    /// `AWS::EC2::Instance.BlockDeviceMapping`.
    BlockDeviceMapping / BlockDeviceMappingBuilder ("AWS::EC2::Instance.BlockDeviceMapping") {
        required device_name: Value => "DeviceName",
        optional ebs: Ebs => "Ebs",
    }
}

cfn_enum! {
    /// `HttpEndpoint` of `AWS::EC2::Instance.MetadataOptions`: whether the instance
    /// metadata service answers at all
    /// (<https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-ec2-instance-metadataoptions.html>).
    HttpEndpoint {
        Disabled => "disabled",
        Enabled => "enabled",
    }
}

cfn_enum! {
    /// `HttpTokens` of `AWS::EC2::Instance.MetadataOptions`: `required` is IMDSv2 only
    /// (<https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-ec2-instance-metadataoptions.html>).
    HttpTokens {
        Optional => "optional",
        Required => "required",
    }
}

cfn_enum! {
    /// `InstanceMetadataTags` of `AWS::EC2::Instance.MetadataOptions`: whether instance
    /// tags are readable from the metadata service
    /// (<https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-ec2-instance-metadataoptions.html>).
    InstanceMetadataTags {
        Disabled => "disabled",
        Enabled => "enabled",
    }
}

cfn_properties! {
    /// `AWS::EC2::Instance.MetadataOptions`.
    MetadataOptions / MetadataOptionsBuilder ("AWS::EC2::Instance.MetadataOptions") {
        optional http_endpoint: HttpEndpoint => "HttpEndpoint",
        optional http_put_response_hop_limit: i64 => "HttpPutResponseHopLimit",
        optional http_tokens: HttpTokens => "HttpTokens",
        optional instance_metadata_tags: InstanceMetadataTags => "InstanceMetadataTags",
    }
}

cfn_resource! {
    Instance / InstanceBuilder = "AWS::EC2::Instance" {
        list block_device_mappings: BlockDeviceMapping => "BlockDeviceMappings",
        optional iam_instance_profile: Value => "IamInstanceProfile",
        optional image_id: Value => "ImageId",
        optional instance_type: Value => "InstanceType",
        optional metadata_options: MetadataOptions => "MetadataOptions",
        optional monitoring: bool => "Monitoring",
        list security_group_ids: Value => "SecurityGroupIds",
        optional subnet_id: Value => "SubnetId",
        list tags: Tag => "Tags",
    }
}

impl Handle<Instance> {
    /// `Ref` of an instance: its ID (`i-…`).
    pub fn id(&self) -> Value {
        self.reference()
    }
}

cfn_enum! {
    /// `LogDestinationType` of `AWS::EC2::FlowLog` (<https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-flowlog.html>).
    LogDestinationType {
        CloudWatchLogs => "cloud-watch-logs",
        S3 => "s3",
        KinesisDataFirehose => "kinesis-data-firehose",
    }
}

cfn_enum! {
    /// `ResourceType` of `AWS::EC2::FlowLog`: what `ResourceId` names
    /// (<https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-flowlog.html>).
    FlowLogResourceType {
        NetworkInterface => "NetworkInterface",
        Subnet => "Subnet",
        Vpc => "VPC",
        TransitGateway => "TransitGateway",
        TransitGatewayAttachment => "TransitGatewayAttachment",
        RegionalNatGateway => "RegionalNatGateway",
    }
}

cfn_enum! {
    /// `TrafficType` of `AWS::EC2::FlowLog`: accepted, rejected or all traffic
    /// (<https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-flowlog.html>).
    TrafficType {
        Accept => "ACCEPT",
        All => "ALL",
        Reject => "REJECT",
    }
}

cfn_resource! {
    FlowLog / FlowLogBuilder = "AWS::EC2::FlowLog" {
        optional deliver_logs_permission_arn: Value => "DeliverLogsPermissionArn",
        optional log_destination_type: LogDestinationType => "LogDestinationType",
        optional log_group_name: Value => "LogGroupName",
        optional max_aggregation_interval: i64 => "MaxAggregationInterval",
        required resource_id: Value => "ResourceId",
        required resource_type: FlowLogResourceType => "ResourceType",
        list tags: Tag => "Tags",
        optional traffic_type: TrafficType => "TrafficType",
    }
}

/// The network-interface actions Lambda and SageMaker perform with an execution role to
/// place a function, job or model in a VPC (AWS Lambda Developer Guide, "Giving Lambda
/// functions access to resources in an Amazon VPC"; SageMaker Developer Guide, the
/// execution role permissions of each create call with a private VPC). Resource types and
/// condition keys from the Service Authorization Reference for Amazon EC2.
pub mod actions {
    use crate::resources::iam::policy::Action;

    /// Creates a network interface: on `network-interface/*`, and on the subnet and the
    /// security groups it is created with.
    pub const CREATE_NETWORK_INTERFACE: Action = Action::new("ec2:CreateNetworkInterface");
    /// Deletes a network interface (resource `network-interface`; keys `ec2:Subnet`,
    /// `ec2:Vpc`).
    pub const DELETE_NETWORK_INTERFACE: Action = Action::new("ec2:DeleteNetworkInterface");
    /// Lets another account attach an interface: SageMaker's own account, for the
    /// instances of a job in the customer's subnets (resource `network-interface`; keys
    /// `ec2:Subnet`, `ec2:Vpc`).
    pub const CREATE_NETWORK_INTERFACE_PERMISSION: Action =
        Action::new("ec2:CreateNetworkInterfacePermission");
    /// Withdraws that permission (as [`CREATE_NETWORK_INTERFACE_PERMISSION`]).
    pub const DELETE_NETWORK_INTERFACE_PERMISSION: Action =
        Action::new("ec2:DeleteNetworkInterfacePermission");
    /// Adds secondary private addresses to an interface (as [`DELETE_NETWORK_INTERFACE`]).
    pub const ASSIGN_PRIVATE_IP_ADDRESSES: Action = Action::new("ec2:AssignPrivateIpAddresses");
    /// Removes secondary private addresses (as [`DELETE_NETWORK_INTERFACE`]).
    pub const UNASSIGN_PRIVATE_IP_ADDRESSES: Action = Action::new("ec2:UnassignPrivateIpAddresses");
    /// Lists interfaces: no resource-level permissions.
    pub const DESCRIBE_NETWORK_INTERFACES: Action = Action::new("ec2:DescribeNetworkInterfaces");
    /// Lists subnets: no resource-level permissions.
    pub const DESCRIBE_SUBNETS: Action = Action::new("ec2:DescribeSubnets");
    /// Lists VPCs: no resource-level permissions.
    pub const DESCRIBE_VPCS: Action = Action::new("ec2:DescribeVpcs");
    /// Lists DHCP option sets: no resource-level permissions.
    pub const DESCRIBE_DHCP_OPTIONS: Action = Action::new("ec2:DescribeDhcpOptions");
    /// Lists security groups: no resource-level permissions.
    pub const DESCRIBE_SECURITY_GROUPS: Action = Action::new("ec2:DescribeSecurityGroups");
    /// Removes inbound rules of a group (resource `security-group`; keys include
    /// `ec2:Vpc`).
    pub const REVOKE_SECURITY_GROUP_INGRESS: Action = Action::new("ec2:RevokeSecurityGroupIngress");
    /// Removes outbound rules of a group (as [`REVOKE_SECURITY_GROUP_INGRESS`]).
    pub const REVOKE_SECURITY_GROUP_EGRESS: Action = Action::new("ec2:RevokeSecurityGroupEgress");
    /// Deletes a group (as [`REVOKE_SECURITY_GROUP_INGRESS`]).
    pub const DELETE_SECURITY_GROUP: Action = Action::new("ec2:DeleteSecurityGroup");
}

/// Named protocol values for security-group rules.
pub mod protocol {
    /// TCP (`IpProtocol` also takes the number, 6).
    pub const TCP: &str = "tcp";
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(v: impl Into<Value>) -> serde_json::Value {
        serde_json::to_value(v.into()).unwrap()
    }

    #[test]
    fn enums_have_the_allowed_values_of_the_resource_reference() {
        assert_allowed_values!(
            VpcEndpointType,
            [
                "Interface",
                "Gateway",
                "GatewayLoadBalancer",
                "ServiceNetwork",
                "Resource",
                "Tunnel"
            ]
        );
        assert_allowed_values!(
            VolumeType,
            ["gp2", "gp3", "io1", "io2", "sc1", "st1", "standard"]
        );
        assert_allowed_values!(HttpEndpoint, ["disabled", "enabled"]);
        assert_allowed_values!(HttpTokens, ["optional", "required"]);
        assert_allowed_values!(InstanceMetadataTags, ["disabled", "enabled"]);
        assert_allowed_values!(
            LogDestinationType,
            ["cloud-watch-logs", "s3", "kinesis-data-firehose"]
        );
        assert_allowed_values!(
            FlowLogResourceType,
            [
                "NetworkInterface",
                "Subnet",
                "VPC",
                "TransitGateway",
                "TransitGatewayAttachment",
                "RegionalNatGateway"
            ]
        );
        assert_allowed_values!(TrafficType, ["ACCEPT", "ALL", "REJECT"]);
    }

    #[test]
    fn builders_serialize_enums_as_their_values() {
        let endpoint = VpcEndpoint::builder()
            .vpc_endpoint_type(VpcEndpointType::Gateway)
            .vpc_id("vpc-1")
            .build()
            .unwrap();
        assert_eq!(
            json(Value::Map(crate::template::Resource::into_properties(
                endpoint
            ))),
            serde_json::json!({"VpcEndpointType": "Gateway", "VpcId": "vpc-1"})
        );
        let metadata = MetadataOptions::builder()
            .http_endpoint(HttpEndpoint::Enabled)
            .http_tokens(HttpTokens::Required)
            .instance_metadata_tags(InstanceMetadataTags::Disabled)
            .build()
            .unwrap();
        assert_eq!(
            json(metadata),
            serde_json::json!({
                "HttpEndpoint": "enabled",
                "HttpTokens": "required",
                "InstanceMetadataTags": "disabled"
            })
        );
        let ebs = Ebs::builder().volume_type(VolumeType::Gp3).build().unwrap();
        assert_eq!(json(ebs), serde_json::json!({"VolumeType": "gp3"}));
        let flow_log = FlowLog::builder()
            .log_destination_type(LogDestinationType::CloudWatchLogs)
            .resource_id("vpc-1")
            .resource_type(FlowLogResourceType::Vpc)
            .traffic_type(TrafficType::All)
            .build()
            .unwrap();
        assert_eq!(
            json(Value::Map(crate::template::Resource::into_properties(
                flow_log
            ))),
            serde_json::json!({
                "LogDestinationType": "cloud-watch-logs",
                "ResourceId": "vpc-1",
                "ResourceType": "VPC",
                "TrafficType": "ALL"
            })
        );
    }
}
