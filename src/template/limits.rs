//! CloudFormation's quotas on one template: entries per section, the description and the
//! size of the body. (A logical ID's form is [`super::is_valid_logical_id`].)

/// Resources one template may declare.
pub const MAX_RESOURCES: usize = 500;
/// Parameters one template may declare.
pub const MAX_PARAMETERS: usize = 200;
/// Outputs one template may declare.
pub const MAX_OUTPUTS: usize = 200;
/// Mappings one template may declare.
pub const MAX_MAPPINGS: usize = 200;
/// The sections with a quota on their entries, with the quota.
pub const SECTION_QUOTAS: [(&str, usize); 4] = [
    ("Resources", MAX_RESOURCES),
    ("Parameters", MAX_PARAMETERS),
    ("Mappings", MAX_MAPPINGS),
    ("Outputs", MAX_OUTPUTS),
];
/// The template's `Description`, in bytes.
pub const MAX_DESCRIPTION_BYTES: usize = 1024;
/// Largest template body CloudFormation accepts (through S3).
pub const MAX_BODY_BYTES: usize = 1_000_000;
/// Largest body `aws cloudformation deploy --template-file` sends inline, without `--s3-bucket`.
pub const MAX_INLINE_BODY_BYTES: usize = 51_200;
