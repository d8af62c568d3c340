//! A private network: a VPC with DNS, one private subnet and route table per AZ, and VPC
//! endpoints for the AWS services the stack talks to; no internet or NAT gateway unless
//! the props ask for NAT egress. Or an existing VPC's subnets and route tables, given as
//! values, with the same endpoints created in them.

use std::fmt;

use indexmap::IndexMap;
use ipnet::Ipv4Net;

use crate::resources::arn;
use crate::resources::ec2::{
    Egress, Eip, FlowLog, Ingress, InternetGateway, NatGateway, Route, RouteTable, SecurityGroup,
    Subnet, SubnetRouteTableAssociation, Tag, Vpc, VpcEndpoint, VpcGatewayAttachment, protocol,
};
use crate::resources::ec2::{
    FlowLogResourceType, LogDestinationType, TrafficType, VpcEndpointType,
};
use crate::resources::iam::policy::{PolicyDocument, Statement};
use crate::resources::iam::{self, Policy, Role};
use crate::resources::logs::{self, LogGroup};
use crate::sub;
use crate::template::{DeletionPolicy, Handle, Pseudo, SubPart, Value};

use super::ConstructError;
use super::encryption_key::{EncryptionKey, EncryptionKeyProps, logs_may_use};
use super::endpoint_policy::{self, EndpointPolicyProps};
use super::scope::Scope;

/// An AWS service reachable through a VPC endpoint, by the short name used in stack
/// definitions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EndpointService {
    /// `s3`: Amazon S3, through a gateway endpoint.
    S3,
    /// `sagemaker.api`: the SageMaker API (Studio, notebooks, training jobs call it).
    SagemakerApi,
    /// `sagemaker.runtime`: invoking SageMaker endpoints.
    SagemakerRuntime,
    /// `studio`: the Studio UI of a VpcOnly domain.
    Studio,
    /// `sts`: AWS STS (role sessions).
    Sts,
    /// `logs`: CloudWatch Logs.
    Logs,
    /// `monitoring`: CloudWatch metrics.
    Monitoring,
    /// `kms`: AWS KMS.
    Kms,
    /// `ecr.api`: the ECR API (image metadata, authentication).
    EcrApi,
    /// `ecr.dkr`: pulling and pushing container images.
    EcrDkr,
    /// `ssm`: Systems Manager (Session Manager, parameters).
    Ssm,
    /// `ssmmessages`: Session Manager's session channel.
    SsmMessages,
    /// `ec2messages`: the SSM agent's command channel.
    Ec2Messages,
    /// `identitystore`: the Identity Store API of IAM Identity Center (users, groups,
    /// memberships), which the onboarding functions read. The API is served through VPC
    /// endpoints: an identity store can even refuse requests that do not come through one
    /// (`NetworkConfiguration.VpceAccessRequired`,
    /// <https://docs.aws.amazon.com/singlesignon/latest/IdentityStoreAPIReference/API_NetworkConfiguration.html>).
    IdentityStore,
    /// `dynamodb`: Amazon DynamoDB, through a gateway endpoint.
    DynamoDb,
    /// `notebook`: the Jupyter of SageMaker notebook instances, opened with a presigned
    /// URL from inside the VPC.
    Notebook,
    /// `elasticfilesystem`: the Amazon EFS API, which the Studio cleanup calls to remove
    /// the mount targets (and, when told to, the file system) of the domain's home volume.
    ElasticFileSystem,
    /// `lambda`: the Lambda API, which the Studio cleanup calls to invoke itself again when
    /// a wait outlasts one run.
    Lambda,
    /// `ec2`: the Amazon EC2 API, which the Studio cleanup calls to remove the security
    /// groups SageMaker leaves in a VPC the stack created (the NFS groups of the domain's
    /// home volume).
    Ec2,
    /// `codeartifact.api`: the CodeArtifact API (authorization tokens, repository
    /// endpoints).
    CodeArtifactApi,
    /// `codeartifact.repositories`: what package managers (pip) download through.
    CodeArtifactRepositories,
}

impl EndpointService {
    /// Every service, in declaration order.
    pub const ALL: [EndpointService; 21] = [
        EndpointService::S3,
        EndpointService::SagemakerApi,
        EndpointService::SagemakerRuntime,
        EndpointService::Studio,
        EndpointService::Sts,
        EndpointService::Logs,
        EndpointService::Monitoring,
        EndpointService::Kms,
        EndpointService::EcrApi,
        EndpointService::EcrDkr,
        EndpointService::Ssm,
        EndpointService::SsmMessages,
        EndpointService::Ec2Messages,
        EndpointService::IdentityStore,
        EndpointService::DynamoDb,
        EndpointService::Notebook,
        EndpointService::ElasticFileSystem,
        EndpointService::Lambda,
        EndpointService::Ec2,
        EndpointService::CodeArtifactApi,
        EndpointService::CodeArtifactRepositories,
    ];

    /// The name used in stack definitions (the service-name suffix AWS uses).
    pub fn short_name(self) -> &'static str {
        match self {
            EndpointService::S3 => "s3",
            EndpointService::SagemakerApi => "sagemaker.api",
            EndpointService::SagemakerRuntime => "sagemaker.runtime",
            EndpointService::Studio => "studio",
            EndpointService::Sts => "sts",
            EndpointService::Logs => "logs",
            EndpointService::Monitoring => "monitoring",
            EndpointService::Kms => "kms",
            EndpointService::EcrApi => "ecr.api",
            EndpointService::EcrDkr => "ecr.dkr",
            EndpointService::Ssm => "ssm",
            EndpointService::SsmMessages => "ssmmessages",
            EndpointService::Ec2Messages => "ec2messages",
            EndpointService::IdentityStore => "identitystore",
            EndpointService::DynamoDb => "dynamodb",
            EndpointService::Notebook => "notebook",
            EndpointService::ElasticFileSystem => "elasticfilesystem",
            EndpointService::Lambda => "lambda",
            EndpointService::Ec2 => "ec2",
            EndpointService::CodeArtifactApi => "codeartifact.api",
            EndpointService::CodeArtifactRepositories => "codeartifact.repositories",
        }
    }

    /// The service whose [`short_name`](Self::short_name) is `name`, if any.
    pub fn from_short_name(name: &str) -> Option<EndpointService> {
        EndpointService::ALL
            .into_iter()
            .find(|s| s.short_name() == name)
    }

    /// S3 and DynamoDB are reached through gateway endpoints on the route tables (free,
    /// and what SageMaker's and Lambda's own guidance use); everything else through an
    /// interface endpoint.
    pub fn is_gateway(self) -> bool {
        matches!(self, EndpointService::S3 | EndpointService::DynamoDb)
    }

    /// The endpoint service name. Studio's is `aws.sagemaker.<region>.studio` and the
    /// notebook instances' `aws.sagemaker.<region>.notebook` (SageMaker Developer Guide,
    /// "Connect to a Notebook Instance Through a VPC Interface Endpoint"), not
    /// `com.amazonaws.…`.
    pub fn service_name(self) -> Value {
        match self {
            EndpointService::Studio => sub!["aws.sagemaker.", Pseudo::Region, ".studio"],
            EndpointService::Notebook => sub!["aws.sagemaker.", Pseudo::Region, ".notebook"],
            other => sub!["com.amazonaws.", Pseudo::Region, ".", other.short_name()],
        }
    }

    /// Whether the service accepts a VPC endpoint policy. Where it does not, AWS allows
    /// full access through the endpoint whatever the template says, so only these
    /// endpoints get a policy (see [`super::endpoint_policy`]). PrivateLink's "Control
    /// access to VPC endpoints using endpoint policies"
    /// (<https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html>)
    /// says not every service supports one and that a service which does documents an
    /// example; each `true` below is such a page:
    /// - `s3`: "Gateway endpoints for Amazon S3", section on endpoint policies
    ///   (<https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-s3.html>);
    ///   a gateway endpoint's policy must name the principal `*` and narrow it with
    ///   conditions (the page above, "Principals for gateway endpoints").
    /// - `sagemaker.api`, `sagemaker.runtime`: "Create a VPC Endpoint Policy for
    ///   SageMaker" (<https://docs.aws.amazon.com/sagemaker/latest/dg/interface-vpc-endpoint.html#api-private-link-policy>;
    ///   not for the FIPS runtime endpoints, which these are not).
    /// - `studio`: "Create a VPC Endpoint Policy for SageMaker Studio", which must allow
    ///   `sagemaker:CreateApp` (<https://docs.aws.amazon.com/sagemaker/latest/dg/studio-interface-endpoint.html#studio-private-link-policy>).
    /// - `sts`: "Using AWS STS interface VPC endpoints"
    ///   (<https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_sts_vpce.html>).
    /// - `logs`: "Creating a VPC endpoint policy for CloudWatch Logs"
    ///   (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/cloudwatch-logs-and-interface-VPC.html#CloudWatchLogs-VPC-endpoint-policy>).
    /// - `monitoring`: "Controlling access to your CloudWatch VPC endpoint"
    ///   (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-interface-VPC.html>).
    /// - `kms`: "Controlling access to a VPC endpoint"
    ///   (<https://docs.aws.amazon.com/kms/latest/developerguide/kms-vpc-endpoint.html#vpce-policy>).
    /// - `ecr.api`, `ecr.dkr`: "Create the endpoint policy for your Amazon ECR VPC
    ///   endpoints" (<https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html#ecr-vpc-endpoint-policy>).
    /// - `ssm`: "Create an interface VPC endpoint policy" for Systems Manager
    ///   (<https://docs.aws.amazon.com/systems-manager/latest/userguide/setup-create-vpc.html#sysman-endpoint-policies>);
    ///   AWS's data-perimeter examples ship `ssm_endpoint_policy.json` for it.
    /// - `elasticfilesystem`: "Creating a VPC endpoint policy for Amazon EFS"
    ///   (<https://docs.aws.amazon.com/efs/latest/ug/efs-vpc-endpoints.html>).
    /// - `lambda`: "Creating an interface endpoint policy for Lambda"
    ///   (<https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc-endpoints.html>).
    /// - `ec2`: "Access Amazon EC2 using an interface VPC endpoint", section "Create an
    ///   endpoint policy" (<https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/interface-vpc-endpoints.html>).
    /// - `dynamodb` (gateway): "Gateway endpoints for Amazon DynamoDB", which documents
    ///   endpoint policies like S3's
    ///   (<https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-ddb.html>).
    /// - `codeartifact.api`, `codeartifact.repositories`: "Create a VPC endpoint policy
    ///   for CodeArtifact" (<https://docs.aws.amazon.com/codeartifact/latest/ug/create-vpc-endoint-policy.html>),
    ///   whose example admits the account's principals to `GetAuthorizationToken`,
    ///   `GetRepositoryEndpoint` and `ReadFromRepository`; both endpoints are the two that
    ///   "Create VPC endpoints for CodeArtifact" requires, the repositories one with private
    ///   DNS (<https://docs.aws.amazon.com/codeartifact/latest/ug/create-vpc-endpoints.html>).
    ///   pip needs no S3 endpoint for CodeArtifact: "An Amazon S3 endpoint is not needed
    ///   when using Python or Swift package formats"
    ///   (<https://docs.aws.amazon.com/codeartifact/latest/ug/create-s3-gateway-endpoint.html>),
    ///   so the S3 endpoint admits none of CodeArtifact's asset buckets.
    ///
    /// `false` for `identitystore`: no AWS page we could find documents an endpoint
    /// policy for the Identity Store endpoint, and `CreateVpcEndpoint` refuses a policy
    /// for a service that takes none, which would fail the stack's creation. Its API
    /// reads and writes users and groups of an identity store, not the stack's data.
    ///
    /// `false`: `ssmmessages` and `ec2messages`. They are the SSM Agent's channels
    /// (Session Manager's data channel; command delivery), whose actions have no resource
    /// type in the Service Authorization Reference ("Amazon Message Gateway Service",
    /// "Amazon Message Delivery Service"). No AWS page documents an endpoint policy for
    /// them — the Systems Manager page above and the data-perimeter examples cover the
    /// `ssm` endpoint only — so they keep AWS's default. An agent registers and reports
    /// its instance through `ssm`, whose policy does refuse other accounts' credentials.
    pub fn supports_policy(self) -> bool {
        !matches!(
            self,
            EndpointService::SsmMessages
                | EndpointService::Ec2Messages
                | EndpointService::IdentityStore
        )
    }

    /// Logical-ID stem, spelled as AWS spells the service.
    fn id_stem(self) -> &'static str {
        match self {
            EndpointService::S3 => "S3Gateway",
            EndpointService::SagemakerApi => "SageMakerApi",
            EndpointService::SagemakerRuntime => "SageMakerRuntime",
            EndpointService::Studio => "SageMakerStudio",
            EndpointService::Sts => "Sts",
            EndpointService::Logs => "Logs",
            EndpointService::Monitoring => "Monitoring",
            EndpointService::Kms => "Kms",
            EndpointService::EcrApi => "EcrApi",
            EndpointService::EcrDkr => "EcrDkr",
            EndpointService::Ssm => "Ssm",
            EndpointService::SsmMessages => "SsmMessages",
            EndpointService::Ec2Messages => "Ec2Messages",
            EndpointService::IdentityStore => "IdentityStore",
            EndpointService::DynamoDb => "DynamoDbGateway",
            EndpointService::Notebook => "SageMakerNotebook",
            EndpointService::ElasticFileSystem => "ElasticFileSystem",
            EndpointService::Lambda => "Lambda",
            EndpointService::Ec2 => "Ec2",
            EndpointService::CodeArtifactApi => "CodeArtifactApi",
            EndpointService::CodeArtifactRepositories => "CodeArtifactRepositories",
        }
    }

    /// The endpoint's logical ID inside its network's scope.
    pub fn local_id(self) -> String {
        format!("{}Endpoint", self.id_stem())
    }
}

impl fmt::Display for EndpointService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.short_name())
    }
}

/// Whether the private subnets reach the internet, and how.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum InternetEgress {
    /// No route out: AWS services only through the endpoints (the default).
    #[default]
    None,
    /// A NAT gateway in a public subnet of each AZ, and a default route from each private
    /// route table to the gateway of its own AZ. One per AZ rather than one for the VPC:
    /// the Amazon VPC User Guide ("NAT gateways") says resources of other AZs lose internet
    /// access when a shared gateway's AZ is down, and that an AZ-independent architecture
    /// has a gateway in each AZ with routes to the gateway of the same AZ (which also
    /// avoids cross-AZ data charges). The cost is one gateway per AZ.
    Nat,
}

/// What a private network is made of.
#[derive(Clone, Debug, PartialEq)]
pub struct PrivateNetworkProps {
    /// The VPC's IPv4 range.
    pub cidr: Ipv4Net,
    /// How many AZs (one private subnet each) the network spans.
    pub availability_zones: u8,
    /// Prefix length of each subnet. Subnets are carved from the start of the VPC range
    /// in AZ order, so adding an AZ never moves an existing subnet.
    pub subnet_prefix_length: u8,
    /// The services the network reaches through VPC endpoints.
    pub endpoints: Vec<EndpointService>,
    /// Retention (days) of the VPC flow log to CloudWatch Logs; `None` for no flow log.
    pub flow_log_retention_days: Option<u16>,
    /// Who and what the endpoints admit: every endpoint whose service takes a policy gets
    /// one (see [`super::endpoint_policy`]).
    pub policies: EndpointPolicyProps,
    /// Whether the private subnets get a route to the internet (default none).
    pub internet_egress: InternetEgress,
}

/// An existing VPC the environment is placed in instead of a VPC of its own: every value
/// is a literal ID or a `Ref` of a template parameter. The endpoints are created in its
/// subnets and on its route tables; routing, gateways and the subnets themselves stay
/// with whoever owns the VPC.
#[derive(Clone, Debug, PartialEq)]
pub struct ExistingNetworkProps {
    /// The VPC's ID.
    pub vpc_id: Value,
    /// The VPC's IPv4 range: the interface endpoints admit HTTPS from it.
    pub cidr: Value,
    /// The private subnets the workloads and interface endpoints go into, one per AZ.
    pub subnet_ids: Vec<Value>,
    /// The route tables of those subnets: gateway endpoints (S3, DynamoDB) route here.
    pub route_table_ids: Vec<Value>,
    /// The services the network reaches through VPC endpoints.
    pub endpoints: Vec<EndpointService>,
    /// Retention (days) of a flow log of the VPC written by this stack; `None` for none.
    pub flow_log_retention_days: Option<u16>,
    /// Who and what the endpoints admit.
    pub policies: EndpointPolicyProps,
}

/// Retention periods CloudWatch Logs accepts.
pub const LOG_RETENTION_DAYS: [u16; 22] = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// Prefix length of the public subnets that hold the NAT gateways: the smallest subnet a
/// VPC may have, since each holds one gateway's interface.
pub const PUBLIC_SUBNET_PREFIX: u8 = 28;

impl PrivateNetworkProps {
    /// The default subnet size: four bits smaller than the VPC (a /16 gives /20 subnets
    /// of 4,091 usable addresses each), never smaller than /28.
    pub fn default_subnet_prefix(cidr: Ipv4Net) -> u8 {
        (cidr.prefix_len() + 4).min(28)
    }

    /// The CIDR of the subnet in the `index`-th AZ, or `None` if the VPC is too small.
    pub fn subnet_cidr(&self, index: u8) -> Option<Ipv4Net> {
        self.cidr
            .subnets(self.subnet_prefix_length)
            .ok()?
            .nth(usize::from(index))
    }

    /// The CIDR of the public (NAT) subnet of the `index`-th AZ: /28s carved from the end
    /// of the VPC range, backwards, so that neither adding an AZ nor growing the private
    /// subnets moves one. `None` if it would overlap a private subnet.
    pub fn public_subnet_cidr(&self, index: u8) -> Option<Ipv4Net> {
        let from_end = self
            .cidr
            .subnets(PUBLIC_SUBNET_PREFIX)
            .ok()?
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .nth(usize::from(index))?;
        let last_private = self.subnet_cidr(self.availability_zones.checked_sub(1)?)?;
        (last_private.broadcast() < from_end.network()).then_some(from_end)
    }
}

/// The VPC a network's resources go into: the network's own, or an existing one.
#[derive(Clone, Debug)]
pub struct NetworkVpc {
    id: Value,
    resource: Option<Handle<Vpc>>,
}

impl NetworkVpc {
    /// The VPC's ID: a `Ref` of the network's VPC, or the existing VPC's ID (a literal or
    /// a parameter's `Ref`).
    pub fn id(&self) -> Value {
        self.id.clone()
    }

    /// The VPC resource, when the network created it.
    pub fn resource(&self) -> Option<&Handle<Vpc>> {
        self.resource.as_ref()
    }
}

/// A private subnet: one the network created, or one of an existing VPC.
#[derive(Clone, Debug)]
pub struct NetworkSubnet {
    id: Value,
}

impl NetworkSubnet {
    /// The subnet's ID.
    pub fn id(&self) -> Value {
        self.id.clone()
    }

    /// `arn:…:ec2:<region>:<account>:subnet/<id>`, built from the ID with `Fn::Sub`
    /// whatever the ID is (the subnet type has no `Arn` attribute): the resource of
    /// `ec2:CreateNetworkInterface` and the value of the `ec2:Subnet` key.
    pub fn arn(&self) -> Value {
        arn::regional("ec2", [SubPart::from("subnet/"), SubPart::from(self.id())])
    }
}

/// The built network, with the values the constructs that attach to it need.
#[derive(Clone, Debug)]
pub struct PrivateNetwork {
    /// The VPC.
    pub vpc: NetworkVpc,
    /// The VPC's range (a literal or a parameter's `Ref`), for security-group rules that
    /// admit the whole network.
    pub cidr: Value,
    /// One private subnet per AZ, in AZ order.
    pub subnets: Vec<NetworkSubnet>,
    /// The subnets' route tables' IDs (the S3 gateway endpoint routes here).
    pub route_tables: Vec<Value>,
    /// The interface endpoints' security group (HTTPS from the VPC); `None` when every
    /// endpoint is a gateway.
    pub endpoint_security_group: Option<Handle<SecurityGroup>>,
    endpoints: IndexMap<EndpointService, Handle<VpcEndpoint>>,
}

/// What the endpoints of a network need, created or existing.
struct Placement<'a> {
    vpc: NetworkVpc,
    cidr: Value,
    subnets: Vec<NetworkSubnet>,
    route_tables: Vec<Value>,
    endpoints: &'a [EndpointService],
    policies: &'a EndpointPolicyProps,
    flow_log_retention_days: Option<u16>,
}

impl PrivateNetwork {
    /// The network `id` in `scope`: `<id>Vpc`, `<id>PrivateSubnetAz1`, … (the shipped
    /// stacks have one network, built with [`super::scope::ONLY`]).
    pub fn new(
        scope: &mut Scope,
        id: &str,
        props: &PrivateNetworkProps,
    ) -> Result<PrivateNetwork, ConstructError> {
        let scope = &mut scope.child(id);
        let vpc = scope.add(
            "Vpc",
            Vpc::builder()
                .cidr_block(props.cidr.to_string())
                .enable_dns_hostnames(true)
                .enable_dns_support(true)
                .tags(Tag::new("Name", sub![Pseudo::StackName, "-vpc"]))
                .build()?,
        )?;

        let (subnets, route_tables) = private_subnets(scope, &vpc, props)?;
        if props.internet_egress == InternetEgress::Nat {
            nat_egress(scope, &vpc, props, &route_tables)?;
        }

        attach(
            scope,
            Placement {
                vpc: NetworkVpc {
                    id: vpc.id(),
                    resource: Some(vpc),
                },
                cidr: props.cidr.to_string().into(),
                subnets: subnets
                    .iter()
                    .map(|s| NetworkSubnet { id: s.id() })
                    .collect(),
                route_tables: route_tables.iter().map(Handle::<RouteTable>::id).collect(),
                endpoints: &props.endpoints,
                policies: &props.policies,
                flow_log_retention_days: props.flow_log_retention_days,
            },
        )
    }

    /// The network `id` in `scope` placed in an existing VPC: the endpoints (and their
    /// security group, and the flow log if asked for) are the only network resources
    /// created.
    pub fn existing(
        scope: &mut Scope,
        id: &str,
        props: &ExistingNetworkProps,
    ) -> Result<PrivateNetwork, ConstructError> {
        if props.subnet_ids.is_empty() {
            return Err(ConstructError::Invalid(
                "an existing network needs at least one private subnet".into(),
            ));
        }
        let scope = &mut scope.child(id);
        attach(
            scope,
            Placement {
                vpc: NetworkVpc {
                    id: props.vpc_id.clone(),
                    resource: None,
                },
                cidr: props.cidr.clone(),
                subnets: props
                    .subnet_ids
                    .iter()
                    .map(|id| NetworkSubnet { id: id.clone() })
                    .collect(),
                route_tables: props.route_table_ids.clone(),
                endpoints: &props.endpoints,
                policies: &props.policies,
                flow_log_retention_days: props.flow_log_retention_days,
            },
        )
    }

    /// The endpoint of `service`, if the network has one.
    pub fn endpoint(&self, service: EndpointService) -> Option<&Handle<VpcEndpoint>> {
        self.endpoints.get(&service)
    }

    /// Every endpoint, in the order the props listed them.
    pub fn endpoints(&self) -> impl Iterator<Item = (EndpointService, &Handle<VpcEndpoint>)> {
        self.endpoints.iter().map(|(s, h)| (*s, h))
    }
}

/// The endpoints, their security group and the flow log, in a VPC created or existing.
fn attach(scope: &mut Scope, placement: Placement) -> Result<PrivateNetwork, ConstructError> {
    let needs_interface_endpoints = placement.endpoints.iter().any(|e| !e.is_gateway());
    let endpoint_security_group = if needs_interface_endpoints {
        Some(endpoint_security_group(
            scope,
            &placement.vpc,
            &placement.cidr,
        )?)
    } else {
        None
    };

    let mut endpoints = IndexMap::new();
    for &service in placement.endpoints {
        let endpoint = endpoint(service, &placement, endpoint_security_group.as_ref())?;
        endpoints.insert(service, scope.add(&service.local_id(), endpoint)?);
    }

    if let Some(days) = placement.flow_log_retention_days {
        flow_log(scope, &placement.vpc, days)?;
    }

    Ok(PrivateNetwork {
        vpc: placement.vpc,
        cidr: placement.cidr,
        subnets: placement.subnets,
        route_tables: placement.route_tables,
        endpoint_security_group,
        endpoints,
    })
}

/// The internet gateway, one public subnet with a NAT gateway per AZ, and the default
/// route of each private route table to the NAT gateway of its AZ. The public subnets
/// give no public address to what is launched in them: only the NAT gateways' Elastic
/// IPs face the internet.
fn nat_egress(
    scope: &mut Scope,
    vpc: &Handle<Vpc>,
    props: &PrivateNetworkProps,
    private_route_tables: &[Handle<RouteTable>],
) -> Result<(), ConstructError> {
    let gateway = scope.add(
        "InternetGateway",
        InternetGateway::builder()
            .tags(Tag::new("Name", sub![Pseudo::StackName, "-igw"]))
            .build()?,
    )?;
    let attachment = scope.add(
        "InternetGatewayAttachment",
        VpcGatewayAttachment::builder()
            .vpc_id(vpc.id())
            .internet_gateway_id(gateway.id())
            .build()?,
    )?;
    let public_routes = scope.add(
        "PublicRouteTable",
        RouteTable::builder()
            .vpc_id(vpc.id())
            .tags(Tag::new("Name", sub![Pseudo::StackName, "-public"]))
            .build()?,
    )?;
    // A route to an internet gateway needs the attachment first (AWS::EC2::Route,
    // example "Add a Route"); so do the Elastic IPs and NAT gateways (AWS::EC2::EIP
    // `Domain`; AWS::EC2::NatGateway's example).
    let default_route = scope.add(
        "PublicDefaultRoute",
        Route::builder()
            .route_table_id(public_routes.id())
            .destination_cidr_block("0.0.0.0/0")
            .gateway_id(gateway.id())
            .build()?,
    )?;
    scope.entry(&default_route).depends_on(&attachment);
    for (az, private_routes) in (0..props.availability_zones).zip(private_route_tables) {
        let cidr = props.public_subnet_cidr(az).ok_or_else(|| {
            ConstructError::Invalid(format!(
                "{} has no room for a /{PUBLIC_SUBNET_PREFIX} public subnet per AZ after {} private subnets of /{}",
                props.cidr, props.availability_zones, props.subnet_prefix_length
            ))
        })?;
        let suffix = format!("Az{}", az + 1);
        let subnet = add_subnet(scope, vpc, "Public", az, &cidr.to_string())?;
        scope.add(
            &format!("PublicSubnet{suffix}RouteTableAssociation"),
            SubnetRouteTableAssociation::builder()
                .route_table_id(public_routes.id())
                .subnet_id(subnet.id())
                .build()?,
        )?;
        let address = scope.add(
            &format!("NatAddress{suffix}"),
            Eip::builder()
                .domain("vpc")
                .tags(Tag::new(
                    "Name",
                    sub![Pseudo::StackName, format!("-nat-az{}", az + 1)],
                ))
                .build()?,
        )?;
        scope.entry(&address).depends_on(&attachment);
        let nat = scope.add(
            &format!("NatGateway{suffix}"),
            NatGateway::builder()
                .allocation_id(address.allocation_id())
                .subnet_id(subnet.id())
                .tags(Tag::new(
                    "Name",
                    sub![Pseudo::StackName, format!("-nat-az{}", az + 1)],
                ))
                .build()?,
        )?;
        scope.entry(&nat).depends_on(&attachment);
        scope.add(
            &format!("PrivateDefaultRoute{suffix}"),
            Route::builder()
                .route_table_id(private_routes.id())
                .destination_cidr_block("0.0.0.0/0")
                .nat_gateway_id(nat.id())
                .build()?,
        )?;
    }
    Ok(())
}

/// The private subnets and their route tables, in AZ order.
type SubnetsAndRouteTables = (Vec<Handle<Subnet>>, Vec<Handle<RouteTable>>);

/// `<Kind>SubnetAz<n>` in AZ `az`, named `<stack>-<kind>-az<n>`; never maps public IPs on
/// launch (a public subnet holds only NAT gateways, which carry their own Elastic IP).
fn add_subnet(
    scope: &mut Scope,
    vpc: &Handle<Vpc>,
    kind: &str,
    az: u8,
    cidr: &str,
) -> Result<Handle<Subnet>, ConstructError> {
    scope.add(
        &format!("{kind}SubnetAz{}", az + 1),
        Subnet::builder()
            .vpc_id(vpc.id())
            .availability_zone(Value::availability_zone(u32::from(az)))
            .cidr_block(cidr.to_string())
            .map_public_ip_on_launch(false)
            .tags(Tag::new(
                "Name",
                sub![
                    Pseudo::StackName,
                    format!("-{}-az{}", kind.to_lowercase(), az + 1)
                ],
            ))
            .build()?,
    )
}

/// One private subnet and route table per AZ (`PrivateSubnetAz1`, `PrivateRouteTableAz1`,
/// and their association), carved from the VPC range in AZ order.
fn private_subnets(
    scope: &mut Scope,
    vpc: &Handle<Vpc>,
    props: &PrivateNetworkProps,
) -> Result<SubnetsAndRouteTables, ConstructError> {
    let mut subnets = Vec::new();
    let mut route_tables = Vec::new();
    for az in 0..props.availability_zones {
        let cidr = props.subnet_cidr(az).ok_or_else(|| {
            ConstructError::Invalid(format!(
                "{} cannot hold {} subnets of /{}",
                props.cidr, props.availability_zones, props.subnet_prefix_length
            ))
        })?;
        let suffix = format!("Az{}", az + 1);
        let subnet = add_subnet(scope, vpc, "Private", az, &cidr.to_string())?;
        let route_table = scope.add(
            &format!("PrivateRouteTable{suffix}"),
            RouteTable::builder()
                .vpc_id(vpc.id())
                .tags(Tag::new(
                    "Name",
                    sub![Pseudo::StackName, format!("-private-az{}", az + 1)],
                ))
                .build()?,
        )?;
        scope.add(
            &format!("PrivateSubnet{suffix}RouteTableAssociation"),
            SubnetRouteTableAssociation::builder()
                .route_table_id(route_table.id())
                .subnet_id(subnet.id())
                .build()?,
        )?;
        subnets.push(subnet);
        route_tables.push(route_table);
    }

    Ok((subnets, route_tables))
}

/// The interface endpoints' group: HTTPS from the VPC in, nothing out.
fn endpoint_security_group(
    scope: &mut Scope,
    vpc: &NetworkVpc,
    cidr: &Value,
) -> Result<Handle<SecurityGroup>, ConstructError> {
    scope.add(
        "EndpointSecurityGroup",
        SecurityGroup::builder()
            .group_description("Interface VPC endpoints: HTTPS from inside the VPC only")
            .vpc_id(vpc.id())
            .security_group_ingress(
                Ingress::builder()
                    .description("HTTPS from the VPC to the endpoints")
                    .ip_protocol(protocol::TCP)
                    .from_port(443)
                    .to_port(443)
                    .cidr_ip(cidr.clone())
                    .build()?,
            )
            .security_group_egress(deny_all_egress()?)
            .build()?,
    )
}

/// The endpoint of one service: a gateway on the route tables (S3), or an interface in
/// every subnet with private DNS.
fn endpoint(
    service: EndpointService,
    placement: &Placement,
    security_group: Option<&Handle<SecurityGroup>>,
) -> Result<VpcEndpoint, ConstructError> {
    let builder = VpcEndpoint::builder()
        .vpc_id(placement.vpc.id())
        .service_name(service.service_name());
    let builder =
        match endpoint_policy::for_service(service, placement.endpoints, placement.policies) {
            Some(policy) => builder.policy_document(policy),
            None => builder,
        };
    if service.is_gateway() {
        let mut b = builder.vpc_endpoint_type(VpcEndpointType::Gateway);
        for rt in &placement.route_tables {
            b = b.route_table_ids(rt.clone());
        }
        return Ok(b.build()?);
    }
    let sg = security_group.ok_or_else(|| {
        ConstructError::Invalid(format!(
            "the {service} interface endpoint needs the endpoint security group"
        ))
    })?;
    let mut b = builder
        .vpc_endpoint_type(VpcEndpointType::Interface)
        .private_dns_enabled(true)
        .security_group_ids(sg.group_id());
    for subnet in &placement.subnets {
        b = b.subnet_ids(subnet.id());
    }
    Ok(b.build()?)
}

/// All traffic of the VPC logged to a CloudWatch log group of the stack, delivered by a
/// role only the flow-logs service of this account may assume.
fn flow_log(
    scope: &mut Scope,
    vpc: &NetworkVpc,
    retention_days: u16,
) -> Result<(), ConstructError> {
    // The flow log is the network's audit trail: its own key, named after the scope so two
    // networks in one template get two aliases; key and group outlive the stack.
    let alias_suffix = kebab(scope.logical_id("FlowLog")?.as_str());
    let key = EncryptionKey::with_users(
        scope,
        "FlowLog",
        &EncryptionKeyProps {
            alias_suffix: &alias_suffix,
            description: "Encrypts the VPC flow log group",
            via_services: &[],
            // The group is kept with the same policy: a rolled-back first creation
            // deletes it, and with it everything the key could have encrypted.
            deletion_policy: DeletionPolicy::RetainExceptOnCreate,
        },
        [logs_may_use()],
    )?;
    let group = scope.add(
        "VpcFlowLogGroup",
        LogGroup::builder()
            .retention_in_days(i64::from(retention_days))
            .kms_key_id(key.key.arn())
            .build()?,
    )?;
    scope
        .entry(&group)
        .retain(DeletionPolicy::RetainExceptOnCreate);
    let trust = iam::service_trust_policy(iam::Service::VpcFlowLogs);
    let delivery = PolicyDocument::new()
        .statement(
            Statement::allow()
                .sid("WriteFlowLogs")
                .actions([
                    &logs::actions::CREATE_LOG_STREAM,
                    &logs::actions::PUT_LOG_EVENTS,
                    &logs::actions::DESCRIBE_LOG_STREAMS,
                ])
                .resource(group.arn()),
        )
        .statement(
            Statement::allow()
                .sid("FindLogGroupHasNoResourceScope")
                .actions([&logs::actions::DESCRIBE_LOG_GROUPS])
                .any_resource(),
        );
    let role = scope.add(
        "VpcFlowLogRole",
        Role::builder()
            .description("Delivers the VPC flow log to its log group")
            .assume_role_policy_document(trust)
            .policies(Policy::new("DeliverFlowLogs", delivery))
            .build()?,
    )?;
    scope.add(
        "VpcFlowLog",
        FlowLog::builder()
            .resource_id(vpc.id())
            .resource_type(FlowLogResourceType::Vpc)
            .traffic_type(TrafficType::All)
            .log_destination_type(LogDestinationType::CloudWatchLogs)
            .log_group_name(group.name())
            .deliver_logs_permission_arn(role.arn())
            .build()?,
    )?;
    Ok(())
}

/// `FlowLog` → `flow-log`: a logical ID as the lower-case, hyphenated words of an alias.
fn kebab(id: &str) -> String {
    let mut out = String::new();
    for (i, c) in id.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('-');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// The one outbound rule of groups whose members call AWS APIs: HTTPS to anywhere, which
/// in a VPC without an internet route means the interface endpoints and S3 through the
/// gateway endpoint (whose addresses are not in the VPC's range).
pub fn https_out() -> Result<Egress, ConstructError> {
    Ok(Egress::builder()
        .description("HTTPS to the VPC endpoints and to S3 through the gateway endpoint; the VPC has no internet route")
        .ip_protocol(protocol::TCP)
        .from_port(443)
        .to_port(443)
        .cidr_ip("0.0.0.0/0")
        .build()?)
}

/// The egress rule that replaces a security group's default allow-all egress when the
/// group should send nothing of its own: a rule that can never match (ICMP type 252
/// code 86 to the broadcast address), the form AWS CDK uses for the same purpose.
fn deny_all_egress() -> Result<Egress, ConstructError> {
    Ok(Egress::builder()
        .description("No outbound traffic: endpoints only answer connections")
        .ip_protocol("icmp")
        .from_port(252)
        .to_port(86)
        .cidr_ip("255.255.255.255/32")
        .build()?)
}

/// A two-AZ `10.0.0.0/16` network with `endpoints`, no flow-log retention and default
/// endpoint policies: what the constructs' unit tests place their resources in.
#[cfg(test)]
pub(crate) fn test_network(scope: &mut Scope, endpoints: Vec<EndpointService>) -> PrivateNetwork {
    PrivateNetwork::new(
        scope,
        super::scope::ONLY,
        &PrivateNetworkProps {
            cidr: "10.0.0.0/16".parse().unwrap(),
            availability_zones: 2,
            subnet_prefix_length: 20,
            endpoints,
            flow_log_retention_days: None,
            policies: EndpointPolicyProps::default(),
            internet_egress: InternetEgress::None,
        },
    )
    .unwrap()
}
