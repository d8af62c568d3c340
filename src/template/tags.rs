//! Stack-wide tags: the AWS rules their keys and values follow, which resource types take
//! tags and in which shape, and the merge of a template's tags into each resource's own.
//!
//! Tag rules (Tag Editor user guide, "Tag naming limits and requirements",
//! <https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html>): a key is 1 to
//! 128 Unicode characters and a value 0 to 256; letters, digits, spaces and `+ - = . _ : / @`;
//! keys and values are case-sensitive; the `aws:` prefix, in any case, is reserved for AWS;
//! a resource takes at most 50 user tags (tags with the `aws:` prefix, such as the
//! `aws:cloudformation:*` tags CloudFormation adds, do not count).
//!
//! The merge keeps a resource's own tags first, in their order, then adds the template's
//! tags in theirs, so the output is deterministic. A key the resource already carries with
//! another value is an error, not a precedence: constructs set tags that other statements
//! may rely on (a `Name`, a team tag an `aws:ResourceTag` condition reads), and neither a
//! silently ignored stack tag nor a silently overridden construct tag is what a reviewer
//! expects.

use std::fmt;
use std::sync::Arc;

use super::json::Text;
use super::{OrderedMap, Value, ValueMap};

/// At most this many user tags on one resource.
pub const MAX_TAGS_PER_RESOURCE: usize = 50;
/// The longest tag key, in Unicode characters.
pub const MAX_KEY_CHARS: usize = 128;
/// The longest tag value, in Unicode characters.
pub const MAX_VALUE_CHARS: usize = 256;

/// How a resource type takes tags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TagShape {
    /// `Tags` is a list of `{"Key": ..., "Value": ...}` (most types).
    KeyValueList,
    /// `Tags` is a map of key to value (`AWS::SSM::Parameter`).
    Map,
}

/// Whether and how one resource type takes tags, with the reference page that says so.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TagSupport {
    /// The resource type, e.g. `AWS::S3::Bucket`.
    pub type_name: &'static str,
    /// The shape of its `Tags` property; `None` when the type has no tags property.
    pub shape: Option<TagShape>,
    /// The CloudFormation template reference page of the type.
    pub reference: &'static str,
}

macro_rules! support {
    ($type_name:literal, $shape:expr, $page:literal) => {
        TagSupport {
            type_name: $type_name,
            shape: $shape,
            reference: concat!(
                "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/",
                $page,
                ".html"
            ),
        }
    };
}

use TagShape::{KeyValueList as LIST, Map as MAP};

/// Every resource type the constructs emit (and those the ML components are about to),
/// sorted by name. Checked against each type's reference page (the `Tags` entry, its
/// type) and against the resource provider schemas cfn-lint bundles
/// (`tests/tag_support.rs`), which are newer than the archived pages for
/// `AWS::EC2::VPCEndpoint`, `AWS::Events::Rule` and
/// `AWS::SageMaker::NotebookInstanceLifecycleConfig` (tags added since).
///
/// None of the emitted types has a create-only `Tags` in the schemas, but the reference
/// pages of `AWS::SageMaker::Domain` and `AWS::SageMaker::UserProfile` say a `Tags` update
/// requires replacement; `synth diff` reports such a change as a possible replacement
/// (`src/diff/interruption.json`, `page_says_replacement`). `AWS::SageMaker::StudioLifecycleConfig`
/// has a create-only `Tags` in the schema, which `replacement.json` carries once a
/// shipped stack emits the type.
pub const TAG_SUPPORT: &[TagSupport] = &[
    support!(
        "AWS::CloudFormation::Stack",
        Some(LIST),
        "aws-resource-cloudformation-stack"
    ),
    support!(
        "AWS::CloudFormation::StackSet",
        Some(LIST),
        "aws-resource-cloudformation-stackset"
    ),
    support!(
        "AWS::CloudTrail::Trail",
        Some(LIST),
        "aws-resource-cloudtrail-trail"
    ),
    support!(
        "AWS::CloudWatch::Alarm",
        Some(LIST),
        "aws-resource-cloudwatch-alarm"
    ),
    support!(
        "AWS::CodeArtifact::Domain",
        Some(LIST),
        "aws-resource-codeartifact-domain"
    ),
    support!(
        "AWS::CodeArtifact::Repository",
        Some(LIST),
        "aws-resource-codeartifact-repository"
    ),
    support!(
        "AWS::DynamoDB::Table",
        Some(LIST),
        "aws-resource-dynamodb-table"
    ),
    support!("AWS::EC2::EIP", Some(LIST), "aws-resource-ec2-eip"),
    support!("AWS::EC2::FlowLog", Some(LIST), "aws-resource-ec2-flowlog"),
    support!(
        "AWS::EC2::Instance",
        Some(LIST),
        "aws-resource-ec2-instance"
    ),
    support!(
        "AWS::EC2::InternetGateway",
        Some(LIST),
        "aws-resource-ec2-internetgateway"
    ),
    support!(
        "AWS::EC2::NatGateway",
        Some(LIST),
        "aws-resource-ec2-natgateway"
    ),
    support!("AWS::EC2::Route", None, "aws-resource-ec2-route"),
    support!(
        "AWS::EC2::RouteTable",
        Some(LIST),
        "aws-resource-ec2-routetable"
    ),
    support!(
        "AWS::EC2::SecurityGroup",
        Some(LIST),
        "aws-resource-ec2-securitygroup"
    ),
    support!(
        "AWS::EC2::SecurityGroupEgress",
        None,
        "aws-resource-ec2-securitygroupegress"
    ),
    support!(
        "AWS::EC2::SecurityGroupIngress",
        None,
        "aws-resource-ec2-securitygroupingress"
    ),
    support!("AWS::EC2::Subnet", Some(LIST), "aws-resource-ec2-subnet"),
    support!(
        "AWS::EC2::SubnetRouteTableAssociation",
        None,
        "aws-resource-ec2-subnetroutetableassociation"
    ),
    support!("AWS::EC2::VPC", Some(LIST), "aws-resource-ec2-vpc"),
    support!(
        "AWS::EC2::VPCEndpoint",
        Some(LIST),
        "aws-resource-ec2-vpcendpoint"
    ),
    support!(
        "AWS::EC2::VPCGatewayAttachment",
        None,
        "aws-resource-ec2-vpcgatewayattachment"
    ),
    support!(
        "AWS::ECR::Repository",
        Some(LIST),
        "aws-resource-ecr-repository"
    ),
    support!("AWS::Events::Rule", Some(LIST), "aws-resource-events-rule"),
    support!("AWS::IAM::Group", None, "aws-resource-iam-group"),
    support!(
        "AWS::IAM::InstanceProfile",
        None,
        "aws-resource-iam-instanceprofile"
    ),
    support!(
        "AWS::IAM::ManagedPolicy",
        None,
        "aws-resource-iam-managedpolicy"
    ),
    support!("AWS::IAM::Policy", None, "aws-resource-iam-policy"),
    support!("AWS::IAM::Role", Some(LIST), "aws-resource-iam-role"),
    support!("AWS::IAM::User", Some(LIST), "aws-resource-iam-user"),
    support!("AWS::KMS::Alias", None, "aws-resource-kms-alias"),
    support!("AWS::KMS::Key", Some(LIST), "aws-resource-kms-key"),
    support!(
        "AWS::Lambda::Function",
        Some(LIST),
        "aws-resource-lambda-function"
    ),
    support!(
        "AWS::Lambda::Permission",
        None,
        "aws-resource-lambda-permission"
    ),
    support!(
        "AWS::Logs::LogGroup",
        Some(LIST),
        "aws-resource-logs-loggroup"
    ),
    support!("AWS::S3::Bucket", Some(LIST), "aws-resource-s3-bucket"),
    support!(
        "AWS::S3::BucketPolicy",
        None,
        "aws-resource-s3-bucketpolicy"
    ),
    support!(
        "AWS::SNS::Subscription",
        None,
        "aws-resource-sns-subscription"
    ),
    support!("AWS::SNS::Topic", Some(LIST), "aws-resource-sns-topic"),
    support!(
        "AWS::SNS::TopicPolicy",
        None,
        "aws-resource-sns-topicpolicy"
    ),
    support!("AWS::SQS::Queue", Some(LIST), "aws-resource-sqs-queue"),
    support!(
        "AWS::SQS::QueuePolicy",
        None,
        "aws-resource-sqs-queuepolicy"
    ),
    support!(
        "AWS::SSM::Document",
        Some(LIST),
        "aws-resource-ssm-document"
    ),
    support!(
        "AWS::SSM::Parameter",
        Some(MAP),
        "aws-resource-ssm-parameter"
    ),
    support!(
        "AWS::SSO::ApplicationAssignment",
        None,
        "aws-resource-sso-applicationassignment"
    ),
    support!(
        "AWS::SageMaker::AppImageConfig",
        Some(LIST),
        "aws-resource-sagemaker-appimageconfig"
    ),
    support!(
        "AWS::SageMaker::Domain",
        Some(LIST),
        "aws-resource-sagemaker-domain"
    ),
    support!(
        "AWS::SageMaker::Image",
        Some(LIST),
        "aws-resource-sagemaker-image"
    ),
    support!(
        "AWS::SageMaker::ImageVersion",
        None,
        "aws-resource-sagemaker-imageversion"
    ),
    support!(
        "AWS::SageMaker::NotebookInstance",
        Some(LIST),
        "aws-resource-sagemaker-notebookinstance"
    ),
    support!(
        "AWS::SageMaker::NotebookInstanceLifecycleConfig",
        Some(LIST),
        "aws-resource-sagemaker-notebookinstancelifecycleconfig"
    ),
    support!(
        "AWS::SageMaker::Space",
        Some(LIST),
        "aws-resource-sagemaker-space"
    ),
    support!(
        "AWS::SageMaker::StudioLifecycleConfig",
        Some(LIST),
        "aws-resource-sagemaker-studiolifecycleconfig"
    ),
    support!(
        "AWS::SageMaker::UserProfile",
        Some(LIST),
        "aws-resource-sagemaker-userprofile"
    ),
    support!(
        "AWS::SecretsManager::Secret",
        Some(LIST),
        "aws-resource-secretsmanager-secret"
    ),
    // AWS defines one property of a custom resource, ServiceToken; the others go to its
    // provider as they are written, so a `Tags` here would tag nothing and would make every
    // tag change an update the provider runs. No provider schema exists to check this
    // against (tests/tags.rs skips `Custom::` types there).
    support!(
        "Custom::StudioCleanup",
        None,
        "aws-resource-cloudformation-customresource"
    ),
];

/// What the table says of `type_name`; `None` for a type it does not list.
pub fn support(type_name: &str) -> Option<&'static TagSupport> {
    // The table is sorted by type name (tested below).
    TAG_SUPPORT
        .binary_search_by(|s| s.type_name.cmp(type_name))
        .ok()
        .map(|i| &TAG_SUPPORT[i])
}

/// [`support`] as the compiler can evaluate it: for a type known when compiling, such as
/// a builder's [`super::Resource::TYPE`], the table is read once in the build, not for
/// every resource added (a binary search of some 270 instructions a resource: 44.89 →
/// 44.24 M instructions at 1,000 users).
pub const fn support_of(type_name: &str) -> Option<&'static TagSupport> {
    let mut i = 0;
    while i < TAG_SUPPORT.len() {
        if super::const_str_eq(TAG_SUPPORT[i].type_name, type_name) {
            return Some(&TAG_SUPPORT[i]);
        }
        i += 1;
    }
    None
}

/// Characters a tag key or value may hold besides letters, digits and spaces.
const PUNCTUATION: &[char] = &['+', '-', '=', '.', '_', ':', '/', '@'];

fn allowed_characters(text: &str) -> Result<(), String> {
    match text
        .chars()
        .find(|c| !(c.is_alphanumeric() || *c == ' ' || PUNCTUATION.contains(c)))
    {
        Some(c) => Err(format!(
            "`{c}` is not allowed: letters, digits, spaces and `+ - = . _ : / @`"
        )),
        None => Ok(()),
    }
}

fn reserved(text: &str) -> bool {
    text.get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case("aws:"))
}

/// Checks a tag key against the AWS tag rules.
///
/// # Errors
///
/// Why the key breaks them.
pub fn check_key(key: &str) -> Result<(), String> {
    let n = key.chars().count();
    if n == 0 || n > MAX_KEY_CHARS {
        return Err(format!(
            "a tag key has 1 to {MAX_KEY_CHARS} characters, this one {n}"
        ));
    }
    if reserved(key) {
        return Err("the `aws:` prefix (in any case) is reserved for AWS".into());
    }
    allowed_characters(key)
}

/// Checks a tag value against the AWS tag rules.
///
/// # Errors
///
/// Why the value breaks them.
pub fn check_value(value: &str) -> Result<(), String> {
    let n = value.chars().count();
    if n > MAX_VALUE_CHARS {
        return Err(format!(
            "a tag value has at most {MAX_VALUE_CHARS} characters, this one {n}"
        ));
    }
    if reserved(value) {
        return Err("the `aws:` prefix (in any case) is reserved for AWS".into());
    }
    allowed_characters(value)
}

/// Tags for every resource of a template, in the order they are written; every key and
/// value follows the AWS tag rules (checked on insert).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tags(OrderedMap<String, String>);

impl Tags {
    /// No tags.
    pub fn new() -> Tags {
        Tags::default()
    }

    /// Adds (or replaces) the tag `key`.
    ///
    /// # Errors
    ///
    /// The key or value breaks the AWS tag rules, or the tags would exceed
    /// [`MAX_TAGS_PER_RESOURCE`].
    pub fn insert(&mut self, key: &str, value: &str) -> Result<(), String> {
        check_key(key).map_err(|e| format!("tag key `{key}`: {e}"))?;
        check_value(value).map_err(|e| format!("value of tag `{key}`: {e}"))?;
        if !self.0.contains_key(key) && self.0.len() == MAX_TAGS_PER_RESOURCE {
            return Err(format!(
                "tag `{key}` is one more than the {MAX_TAGS_PER_RESOURCE} tags a resource takes"
            ));
        }
        self.0.insert(key.to_string(), value.to_string());
        Ok(())
    }

    /// The tags, built from `(key, value)` pairs.
    ///
    /// # Errors
    ///
    /// As [`Tags::insert`].
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Tags, String> {
        let mut tags = Tags::new();
        for (k, v) in pairs {
            tags.insert(k, v)?;
        }
        Ok(tags)
    }

    /// The value of `key`, if set.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    /// Every `(key, value)`, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// How many tags.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Why the template's tags could not be merged into a resource.
#[derive(Clone, Debug, PartialEq)]
pub enum TagError {
    /// The resource type is not in [`TAG_SUPPORT`]: whether it takes tags is not known,
    /// and guessing would either miss it or write an invalid property.
    UnknownType {
        /// The resource type.
        type_name: String,
    },
    /// The resource already carries the key with another value.
    Clash {
        /// The tag key.
        key: String,
        /// The value the resource carries, as JSON.
        resource_value: String,
        /// The value of the template's tag.
        template_value: String,
    },
    /// The resource's own tags and the template's together are too many.
    TooMany {
        /// How many tags the merge would give.
        count: usize,
    },
    /// The resource's `Tags` property does not have the shape its type takes.
    Malformed {
        /// What was found instead.
        found: String,
    },
}

impl fmt::Display for TagError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TagError::UnknownType { type_name } => write!(
                f,
                "whether {type_name} takes tags is not recorded (src/template/tags.rs, TAG_SUPPORT)"
            ),
            TagError::Clash {
                key,
                resource_value,
                template_value,
            } => write!(
                f,
                "the tag `{key}` is already set to {resource_value} by the construct, not `{template_value}`"
            ),
            TagError::TooMany { count } => write!(
                f,
                "{count} tags, more than the {MAX_TAGS_PER_RESOURCE} a resource takes"
            ),
            TagError::Malformed { found } => {
                write!(f, "its Tags property is not in its type's shape: {found}")
            }
        }
    }
}

impl std::error::Error for TagError {}

/// The resource's own tags as `(key, value)` pairs, whatever the shape.
fn own_tags(shape: TagShape, tags: Option<&Value>) -> Result<Vec<(String, Value)>, TagError> {
    let malformed = |v: &Value| TagError::Malformed {
        found: serde_json::to_string(v).expect("a value always serializes"),
    };
    match (shape, tags) {
        (_, None) => Ok(Vec::new()),
        (TagShape::KeyValueList, Some(Value::List(items))) => items
            .iter()
            .map(|item| match item {
                Value::Map(m) => match (m.get("Key"), m.get("Value")) {
                    (Some(Value::String(k)), Some(v)) => Ok((k.to_string(), v.clone())),
                    _ => Err(malformed(item)),
                },
                _ => Err(malformed(item)),
            })
            .collect(),
        (TagShape::Map, Some(Value::Map(m))) => {
            Ok(m.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
        }
        (_, Some(other)) => Err(malformed(other)),
    }
}

/// A template's tags already written in both shapes, for the resources that set no tags
/// of their own (nearly all): they share one written value instead of a list or map
/// built, or even copied, per resource (a copy of three tags is some twenty allocations,
/// for each of thousands of resources).
#[derive(Clone, Debug, PartialEq)]
pub struct Prepared {
    tags: Tags,
    key_value_list: Arc<Value>,
    map: Arc<Value>,
}

impl Default for Prepared {
    fn default() -> Prepared {
        Prepared::new(Tags::new())
    }
}

impl Prepared {
    /// `tags` in both shapes, as [`merge`] writes them into a resource without tags.
    pub fn new(tags: Tags) -> Prepared {
        let key_value_list = Value::List(
            tags.iter()
                .map(|(k, v)| Value::map([("Key", Value::from(k)), ("Value", Value::from(v))]))
                .collect(),
        );
        let map = Value::Map(
            tags.iter()
                .map(|(k, v)| (Text::from(k), Value::from(v)))
                .collect(),
        );
        Prepared {
            tags,
            key_value_list: Arc::new(key_value_list),
            map: Arc::new(map),
        }
    }

    /// The tags.
    pub fn tags(&self) -> &Tags {
        &self.tags
    }

    /// The tags of a resource of `type_name` with `properties`: when it has no `Tags` of
    /// its own, the template's tags in its type's shape, shared, for the caller to write
    /// after its properties (`None` for a type without tags); otherwise they are merged
    /// into `properties` by [`merge`], and `None`. `known` is the type's entry in
    /// [`TAG_SUPPORT`] when the caller looked it up already ([`support_of`]).
    ///
    /// # Errors
    ///
    /// See [`TagError`].
    pub fn share(
        &self,
        type_name: &str,
        known: Option<&'static TagSupport>,
        properties: &mut ValueMap,
    ) -> Result<Option<Arc<Value>>, TagError> {
        if self.tags.is_empty() || properties.contains_key("Tags") {
            merge(type_name, properties, &self.tags)?;
            return Ok(None);
        }
        // No tags of the resource's own: nothing can clash, and the template's tags are
        // at most the 50 a resource takes.
        let support =
            known
                .or_else(|| support(type_name))
                .ok_or_else(|| TagError::UnknownType {
                    type_name: type_name.to_string(),
                })?;
        Ok(match support.shape {
            None => None,
            Some(TagShape::KeyValueList) => Some(Arc::clone(&self.key_value_list)),
            Some(TagShape::Map) => Some(Arc::clone(&self.map)),
        })
    }
}

/// Merges `tags` into the properties of a resource of `type_name`: its own tags first,
/// then the new keys in order. A type without tags is left alone.
///
/// # Errors
///
/// See [`TagError`].
pub fn merge(type_name: &str, properties: &mut ValueMap, tags: &Tags) -> Result<(), TagError> {
    if tags.is_empty() {
        return Ok(());
    }
    let support = support(type_name).ok_or_else(|| TagError::UnknownType {
        type_name: type_name.to_string(),
    })?;
    let Some(shape) = support.shape else {
        return Ok(());
    };
    let mut merged = own_tags(shape, properties.get("Tags"))?;
    for (key, value) in tags.iter() {
        match merged.iter().find(|(k, _)| k == key) {
            Some((_, v)) if *v == Value::from(value) => {}
            Some((_, v)) => {
                return Err(TagError::Clash {
                    key: key.to_string(),
                    resource_value: serde_json::to_string(v).expect("a value always serializes"),
                    template_value: value.to_string(),
                });
            }
            None => merged.push((key.to_string(), Value::from(value))),
        }
    }
    let count = merged.iter().filter(|(k, _)| !reserved(k)).count();
    if count > MAX_TAGS_PER_RESOURCE {
        return Err(TagError::TooMany { count });
    }
    let written = match shape {
        TagShape::KeyValueList => Value::List(
            merged
                .into_iter()
                .map(|(k, v)| Value::map([("Key", Value::from(k.as_str())), ("Value", v)]))
                .collect(),
        ),
        TagShape::Map => Value::Map(
            merged
                .into_iter()
                .map(|(k, v)| (Text::from(k), v))
                .collect(),
        ),
    };
    properties.insert(Text::const_new("Tags"), written);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(pairs: &[(&str, &str)]) -> Tags {
        Tags::from_pairs(pairs.iter().copied()).unwrap()
    }

    #[test]
    fn the_table_is_sorted_unique_and_cites_a_reference_page() {
        for w in TAG_SUPPORT.windows(2) {
            assert!(
                w[0].type_name < w[1].type_name,
                "{} then {}",
                w[0].type_name,
                w[1].type_name
            );
        }
        for s in TAG_SUPPORT {
            // Every custom type is described by the one page of custom resources.
            let page = match s.type_name.strip_prefix("Custom::") {
                Some(_) => "cloudformation-customresource".to_string(),
                None => s.type_name.to_lowercase().replace("::", "-")[4..].to_string(),
            };
            assert!(
                s.reference.ends_with(&format!("aws-resource-{page}.html")),
                "{}: {}",
                s.type_name,
                s.reference
            );
        }
    }

    #[test]
    fn the_table_knows_the_shapes_that_differ() {
        assert_eq!(
            support("AWS::SSM::Parameter").unwrap().shape,
            Some(TagShape::Map)
        );
        assert_eq!(
            support("AWS::S3::Bucket").unwrap().shape,
            Some(TagShape::KeyValueList)
        );
        assert_eq!(support("AWS::IAM::ManagedPolicy").unwrap().shape, None);
        assert_eq!(support("AWS::KMS::Alias").unwrap().shape, None);
        assert!(support("AWS::Made::Up").is_none());
    }

    #[test]
    fn keys_and_values_follow_the_aws_rules() {
        assert!(check_key("cost-center").is_ok());
        assert!(check_key("team:owner/a.b_c=d+e@f g").is_ok());
        assert!(check_key("Kostenstelle-ü").is_ok());
        assert!(check_key(&"k".repeat(128)).is_ok());
        assert!(
            check_key(&"k".repeat(129))
                .unwrap_err()
                .contains("1 to 128")
        );
        assert!(check_key("").unwrap_err().contains("1 to 128"));
        assert!(check_key("aws:owner").unwrap_err().contains("reserved"));
        assert!(check_key("AWS:owner").unwrap_err().contains("reserved"));
        assert!(
            check_key("owner!")
                .unwrap_err()
                .contains("`!` is not allowed")
        );
        assert!(check_value("").is_ok());
        assert!(check_value(&"v".repeat(256)).is_ok());
        assert!(
            check_value(&"v".repeat(257))
                .unwrap_err()
                .contains("at most 256")
        );
        assert!(check_value("Aws:x").unwrap_err().contains("reserved"));
        assert!(check_value("a,b").unwrap_err().contains("`,`"));
    }

    #[test]
    fn at_most_fifty_tags_are_accepted() {
        let mut t = Tags::new();
        for i in 0..50 {
            t.insert(&format!("k{i}"), "v").unwrap();
        }
        t.insert("k0", "again").unwrap();
        assert_eq!(
            t.insert("k50", "v").unwrap_err(),
            "tag `k50` is one more than the 50 tags a resource takes"
        );
    }

    #[test]
    fn merge_keeps_the_resources_tags_first_and_adds_the_rest_in_order() {
        let mut props = ValueMap::default();
        props.insert(
            Text::from("Tags"),
            Value::list([Value::map([
                ("Key", Value::from("Name")),
                ("Value", Value::from("vpc")),
            ])]),
        );
        merge(
            "AWS::EC2::VPC",
            &mut props,
            &tags(&[("owner", "ml"), ("Name", "vpc")]),
        )
        .unwrap();
        let json = serde_json::to_value(Value::Map(props)).unwrap();
        assert_eq!(
            json["Tags"],
            serde_json::json!([{"Key": "Name", "Value": "vpc"}, {"Key": "owner", "Value": "ml"}])
        );
    }

    #[test]
    fn merge_writes_a_map_where_the_type_takes_one_and_nothing_where_it_takes_none() {
        let mut props = ValueMap::default();
        merge("AWS::SSM::Parameter", &mut props, &tags(&[("owner", "ml")])).unwrap();
        assert_eq!(
            serde_json::to_value(Value::Map(props)).unwrap(),
            serde_json::json!({"Tags": {"owner": "ml"}})
        );
        let mut props = ValueMap::default();
        merge("AWS::KMS::Alias", &mut props, &tags(&[("owner", "ml")])).unwrap();
        assert!(props.is_empty());
    }

    #[test]
    fn a_clash_an_unknown_type_and_too_many_tags_are_errors() {
        let mut props = ValueMap::default();
        props.insert(
            Text::from("Tags"),
            Value::list([Value::map([
                ("Key", Value::from("Name")),
                ("Value", Value::from("vpc")),
            ])]),
        );
        let err = merge("AWS::EC2::VPC", &mut props, &tags(&[("Name", "other")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the tag `Name` is already set to \"vpc\" by the construct, not `other`"
        );
        let err = merge(
            "AWS::Made::Up",
            &mut ValueMap::default(),
            &tags(&[("a", "b")]),
        )
        .unwrap_err();
        assert!(matches!(err, TagError::UnknownType { .. }), "{err}");
        let many: Vec<String> = (0..50).map(|i| format!("k{i}")).collect();
        let many = Tags::from_pairs(many.iter().map(|k| (k.as_str(), "v"))).unwrap();
        let err = merge("AWS::EC2::VPC", &mut props, &many).unwrap_err();
        assert_eq!(err, TagError::TooMany { count: 51 });
    }

    /// What the template writes for a resource whose tags [`Prepared::share`] returns:
    /// the shared tags as its last property.
    fn share_and_write(
        prepared: &Prepared,
        type_name: &str,
        properties: &mut ValueMap,
    ) -> Result<(), TagError> {
        if let Some(tags) = prepared.share(type_name, support_of(type_name), properties)? {
            properties.insert(Text::const_new("Tags"), Value::clone(&tags));
        }
        Ok(())
    }

    #[test]
    fn the_table_read_when_compiling_says_what_the_table_says() {
        for entry in TAG_SUPPORT {
            assert_eq!(support_of(entry.type_name), Some(entry));
            assert_eq!(support(entry.type_name), Some(entry));
            // A prefix, or the name with a character more, is another type.
            let name = entry.type_name;
            assert_eq!(support_of(&name[..name.len() - 1]), None, "{name}");
            assert_eq!(support_of(&format!("{name}s")), None, "{name}");
        }
        assert_eq!(support_of("AWS::Made::Up"), None);
        const BUCKET: Option<&TagSupport> = support_of("AWS::S3::Bucket");
        assert_eq!(BUCKET.and_then(|s| s.shape), Some(TagShape::KeyValueList));
    }

    #[test]
    fn prepared_tags_merge_as_merge_does() {
        let template = tags(&[("owner", "ml"), ("env", "prod")]);
        let prepared = Prepared::new(template.clone());
        let own = Value::list([Value::map([
            ("Key", Value::from("Name")),
            ("Value", Value::from("vpc")),
        ])]);
        for type_name in [
            "AWS::EC2::VPC",
            "AWS::SSM::Parameter",
            "AWS::KMS::Alias",
            "Custom::StudioCleanup",
        ] {
            for own_tags in [None, Some(own.clone())] {
                let mut expected = ValueMap::default();
                expected.insert(Text::from("A"), Value::from("a"));
                if let Some(t) = &own_tags {
                    expected.insert(Text::from("Tags"), t.clone());
                }
                let mut got = expected.clone();
                let expected_result = merge(type_name, &mut expected, &template);
                assert_eq!(
                    share_and_write(&prepared, type_name, &mut got),
                    expected_result
                );
                assert_eq!(got, expected, "{type_name}, own tags {own_tags:?}");
            }
        }
        let err =
            share_and_write(&prepared, "AWS::Made::Up", &mut ValueMap::default()).unwrap_err();
        assert!(matches!(err, TagError::UnknownType { .. }), "{err}");
        let mut props = ValueMap::default();
        share_and_write(&Prepared::default(), "AWS::Made::Up", &mut props).unwrap();
        assert!(props.is_empty());
    }

    #[test]
    fn no_tags_change_nothing_even_for_an_unknown_type() {
        let mut props = ValueMap::default();
        merge("AWS::Made::Up", &mut props, &Tags::new()).unwrap();
        assert!(props.is_empty());
    }
}
