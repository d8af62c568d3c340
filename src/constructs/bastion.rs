//! A bastion host managed through Session Manager: in a private subnet, no inbound rule,
//! no public IP, IMDSv2 only, root volume encrypted with a key of its own, AMI from a
//! public SSM parameter. Sessions use the stack's Session document
//! ([`super::session_manager`]): recorded, encrypted, ended when idle; the instance role
//! holds only what the SSM Agent needs for them (not `AmazonSSMManagedInstanceCore`,
//! which reads every parameter of the account).

use crate::resources::ec2::{
    BlockDeviceMapping, Ebs, Instance, MetadataOptions, SecurityGroup, Tag,
};
use crate::resources::ec2::{HttpEndpoint, HttpTokens, VolumeType};
use crate::resources::iam::{self, InstanceProfile, ManagedPolicy, Policy, Role};
use crate::sub;
use crate::template::{AwsParameterType, ParameterType};
use crate::template::{DeletionPolicy, Handle, Parameter, ParameterHandle, Pseudo};

use super::ConstructError;
use super::encryption_key::{EncryptionKey, EncryptionKeyProps};
use super::network::PrivateNetwork;
use super::scope::Scope;
use super::session_manager::{SessionProps, Sessions};

/// The operating system of the bastion, which decides how people reach it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BastionOs {
    /// Windows Server, reached with RDP through Fleet Manager (a browser in the VPC).
    Windows,
    /// Amazon Linux 2023, reached with a Session Manager shell.
    Linux,
}

impl BastionOs {
    /// The public SSM parameter that names the latest AMI.
    pub fn ami_parameter(self) -> &'static str {
        match self {
            BastionOs::Windows => {
                "/aws/service/ami-windows-latest/Windows_Server-2022-English-Full-Base"
            }
            BastionOs::Linux => {
                "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
            }
        }
    }

    /// The root device of the AMIs above.
    fn root_device(self) -> &'static str {
        match self {
            BastionOs::Windows => "/dev/sda1",
            BastionOs::Linux => "/dev/xvda",
        }
    }

    /// The smallest root volume the AMI above boots from.
    pub fn minimum_root_volume_gb(self) -> u32 {
        match self {
            BastionOs::Windows => 30,
            BastionOs::Linux => 8,
        }
    }

    /// The root volume size when the definition names none: room for the OS's updates.
    pub fn default_root_volume_gb(self) -> u32 {
        match self {
            BastionOs::Windows => 50,
            BastionOs::Linux => 20,
        }
    }
}

/// What can be chosen about a bastion; everything else (no inbound rule, IMDSv2,
/// encryption) is fixed.
#[derive(Clone, Debug, PartialEq)]
pub struct BastionProps {
    /// The operating system (and so the AMI and how it is reached).
    pub os: BastionOs,
    /// The EC2 instance type, e.g. `t3.medium`.
    pub instance_type: String,
    /// The encrypted gp3 root volume's size, at least [`BastionOs::minimum_root_volume_gb`].
    pub root_volume_gb: u32,
    /// The session preferences (idle timeout, maximum duration, log retention).
    pub sessions: SessionProps,
}

/// A bastion's resources, for the constructs that grant it access or open a port to it.
#[derive(Clone, Debug)]
pub struct Bastion {
    /// The instance, in the network's first subnet.
    pub instance: Handle<Instance>,
    /// The instance's role: Session Manager, plus what other constructs grant it.
    pub role: Handle<Role>,
    /// Its security group: no inbound rule, HTTPS out.
    pub security_group: Handle<SecurityGroup>,
    /// The template parameter holding the public SSM parameter that names the AMI.
    pub image_parameter: ParameterHandle,
    /// The root volume's key (`<id>VolumeKey`, used only through EC2).
    pub volume_key: EncryptionKey,
    /// The session key, log group and Session document.
    pub sessions: Sessions,
    /// `ssm:StartSession` with the stack's document only, for the people who connect.
    pub operator_policy: Handle<ManagedPolicy>,
}

impl Bastion {
    /// The bastion `id` in `scope` (`Bastion` in the shipped stacks): the instance is
    /// `<id>`, its parts `<id>SecurityGroup`, `<id>Role`, `<id>InstanceProfile`,
    /// `<id>VolumeKey`, the session parts `<id>SessionKey`, `<id>SessionLogs`,
    /// `<id>SessionDocument`, `<id>OperatorPolicy`, and the AMI parameter `<id>ImageId`.
    pub fn new(
        scope: &mut Scope,
        id: &str,
        network: &PrivateNetwork,
        props: &BastionProps,
    ) -> Result<Bastion, ConstructError> {
        let scope = &mut scope.child(id);
        let owner = scope.logical_id("")?.to_string();
        let subnet = network
            .subnets
            .first()
            .ok_or_else(|| ConstructError::Invalid("the network has no subnet".into()))?;

        let image_parameter = scope.add_parameter(
            "ImageId",
            Parameter::new(ParameterType::ssm_value(AwsParameterType::ImageId))
                .description("Public SSM parameter naming the bastion's AMI")
                .default_value(props.os.ami_parameter()),
        )?;

        let security_group = scope.add(
            "SecurityGroup",
            SecurityGroup::builder()
                .group_description("Bastion: no inbound rule; reached only through Session Manager")
                .vpc_id(network.vpc.id())
                .security_group_egress(super::network::https_out()?)
                .build()?,
        )?;

        let sessions = Sessions::new(scope, &owner, &props.sessions)?;
        let role = scope.add(
            "Role",
            Role::builder()
                .description("Bastion instance: the SSM Agent's Session Manager calls, plus what other constructs attach")
                .assume_role_policy_document(iam::service_trust_policy(iam::Service::Ec2))
                .policies(Policy::new("SessionManagerAgent", sessions.agent_policy()))
                .build()?,
        )?;
        // EBS encryption: the caller of RunInstances (CloudFormation with the deployer's
        // credentials) needs the key through EC2, including kms:CreateGrant; the instance
        // role does not (Amazon EBS user guide, "Requirements for Amazon EBS encryption").
        let volume_key = EncryptionKey::new(
            scope,
            "Volume",
            &EncryptionKeyProps {
                alias_suffix: &format!("{}-volume", owner.to_ascii_lowercase()),
                description: "Bastion root volume, used only through EC2",
                via_services: &["ec2"],
                // The root volume is deleted with the instance (DeleteOnTermination), so
                // nothing the key encrypts outlives the stack.
                deletion_policy: DeletionPolicy::Delete,
            },
        )?;
        let profile = scope.add(
            "InstanceProfile",
            InstanceProfile::builder().roles(role.name()).build()?,
        )?;

        let instance = scope.add(
            "",
            Instance::builder()
                .image_id(image_parameter.value())
                .instance_type(props.instance_type.as_str())
                .subnet_id(subnet.id())
                .security_group_ids(security_group.group_id())
                .iam_instance_profile(profile.name())
                .metadata_options(
                    MetadataOptions::builder()
                        .http_endpoint(HttpEndpoint::Enabled)
                        .http_tokens(HttpTokens::Required)
                        .http_put_response_hop_limit(1)
                        .build()?,
                )
                .block_device_mappings(
                    BlockDeviceMapping::builder()
                        .device_name(props.os.root_device())
                        .ebs(
                            Ebs::builder()
                                .encrypted(true)
                                .kms_key_id(volume_key.key.arn())
                                .volume_type(VolumeType::Gp3)
                                .volume_size(i64::from(props.root_volume_gb))
                                .delete_on_termination(true)
                                .build()?,
                        )
                        .build()?,
                )
                .tags(Tag::new("Name", sub![Pseudo::StackName, "-bastion"]))
                .build()?,
        )?;

        let operator_policy = sessions.operator_policy(scope, &instance, props.os)?;

        Ok(Bastion {
            instance,
            role,
            security_group,
            image_parameter,
            volume_key,
            sessions,
            operator_policy,
        })
    }
}
