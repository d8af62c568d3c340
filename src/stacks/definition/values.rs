//! Values of a definition that have rules of their own: names, ids, CIDRs, counts. Each
//! type checks its rule while parsing (`TryFrom`), so a bad value is reported at the value,
//! with a message that says what is expected.

use std::fmt;

use ipnet::Ipv4Net;
use serde::Deserialize;

use crate::constructs::network::EndpointService;
use crate::diagnostic::did_you_mean;
use crate::resources::sagemaker;
use crate::template::tags;

/// A tag key of the definition's `tags`, as AWS tag rules allow (see
/// [`crate::template::tags`]).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq, Hash)]
#[serde(try_from = "String")]
pub struct TagKey(pub String);

impl TryFrom<String> for TagKey {
    type Error = String;
    fn try_from(key: String) -> Result<Self, String> {
        tags::check_key(&key)
            .map(|()| TagKey(key.clone()))
            .map_err(|e| format!("`{key}` is not a valid tag key: {e}"))
    }
}

impl fmt::Display for TagKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A tag value of the definition's `tags`, as AWS tag rules allow.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(try_from = "String")]
pub struct TagValue(pub String);

impl TryFrom<String> for TagValue {
    type Error = String;
    fn try_from(value: String) -> Result<Self, String> {
        tags::check_value(&value)
            .map(|()| TagValue(value.clone()))
            .map_err(|e| format!("`{value}` is not a valid tag value: {e}"))
    }
}

/// An IAM role or user name: 1-64 of letters, digits and `+=,.@_-`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq, Hash)]
#[serde(try_from = "String")]
pub struct IamName(pub String);

impl TryFrom<String> for IamName {
    type Error = String;
    fn try_from(name: String) -> Result<Self, String> {
        let valid = !name.is_empty()
            && name.len() <= 64
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
        if valid {
            return Ok(IamName(name));
        }
        let mut message =
            format!("`{name}` is not a valid IAM name: 1 to 64 letters, digits and +=,.@_-");
        if !name.is_ascii() {
            let fits = |s: &String| s.len() <= 64;
            let keep = |c: char| c.is_ascii_alphanumeric() || "+=,.@_".contains(c);
            message.push_str(&use_instead(&ascii_spellings(&name, keep), fits));
        }
        Err(message)
    }
}

/// An IAM path: `/` or `/segment/…/`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(try_from = "String")]
pub struct IamPath(pub String);

impl TryFrom<String> for IamPath {
    type Error = String;
    fn try_from(path: String) -> Result<Self, String> {
        let valid = path == "/"
            || (path.len() <= 512
                && path.starts_with('/')
                && path.ends_with('/')
                && !path.contains("//")
                && path
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "/+=,.@_-".contains(c)));
        if valid {
            Ok(IamPath(path))
        } else {
            Err(format!(
                "`{path}` is not a valid IAM path: `/` or `/segment/…/` (letters, digits and +=,.@_-)"
            ))
        }
    }
}

/// A SageMaker notebook instance type such as `ml.t3.medium`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(try_from = "String")]
pub struct NotebookInstanceType(pub String);

impl TryFrom<String> for NotebookInstanceType {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        match text
            .strip_prefix("ml.")
            .map(|rest| InstanceType::try_from(rest.to_string()))
        {
            Some(Ok(_)) => Ok(NotebookInstanceType(text)),
            _ => Err(format!(
                "`{text}` is not a notebook instance type; expected ml.family.size such as ml.t3.medium"
            )),
        }
    }
}

/// A SageMaker instance type of jobs and endpoints (`ml.m5.xlarge`).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(try_from = "String")]
pub struct MlInstanceType(pub String);

impl TryFrom<String> for MlInstanceType {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        if crate::constructs::grants::ml::is_ml_instance_type(&text) {
            Ok(MlInstanceType(text))
        } else {
            Err(format!(
                "`{text}` is not a SageMaker instance type; expected ml.family.size such as ml.m5.xlarge"
            ))
        }
    }
}

/// An ECR repository name (`vision/train`).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(try_from = "String")]
pub struct RepositoryName(pub String);

impl TryFrom<String> for RepositoryName {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        if crate::constructs::grants::ml::is_repository_name(&text) {
            Ok(RepositoryName(text))
        } else {
            Err(format!(
                "`{text}` is not an ECR repository name: 2 to 256 lower-case letters, digits and `._-/`, starting with a letter or digit"
            ))
        }
    }
}

/// A bucket's name in the definition (`raw-data`).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq, Hash)]
#[serde(try_from = "String")]
pub struct BucketKey(pub String);

impl TryFrom<String> for BucketKey {
    type Error = String;
    fn try_from(name: String) -> Result<Self, String> {
        crate::constructs::secure_bucket::check_logical_name(&name)?;
        Ok(BucketKey(name))
    }
}

impl fmt::Display for BucketKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A team's name: lower-case letters, digits and hyphens (it names a notebook).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq, Hash)]
#[serde(try_from = "String")]
pub struct TeamName(pub String);

/// A short lower-case name that becomes part of resource names (a team's notebook, an
/// account's entries): 1 to 32 lower-case letters, digits and hyphens, as SageMaker allows.
fn short_lower_case_name(name: String, what: &str) -> Result<String, String> {
    let valid = name.len() <= 32
        && sagemaker::is_valid_name(&name)
        && !name.bytes().any(|b| b.is_ascii_uppercase());
    if valid {
        Ok(name)
    } else {
        Err(format!(
            "`{name}` is not a valid {what} name: 1 to 32 lower-case letters, digits and hyphens"
        ))
    }
}

impl TryFrom<String> for TeamName {
    type Error = String;
    fn try_from(name: String) -> Result<Self, String> {
        short_lower_case_name(name, "team").map(TeamName)
    }
}

impl fmt::Display for TeamName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An identity store id.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(try_from = "String")]
pub struct IdentityStoreId(pub String);

/// The pattern AWS documents for identity store ids.
pub const IDENTITY_STORE_ID_PATTERN: &str =
    "^d-[0-9a-f]{10}$|^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$";

fn is_uuid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && [8, 4, 4, 4, 12].iter().zip(&parts).all(|(n, p)| {
            p.len() == *n
                && p.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
}

impl TryFrom<String> for IdentityStoreId {
    type Error = String;
    fn try_from(id: String) -> Result<Self, String> {
        let short = id.strip_prefix("d-").is_some_and(|rest| {
            rest.len() == 10
                && rest
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        });
        if short || is_uuid(&id) {
            Ok(IdentityStoreId(id))
        } else {
            Err(format!(
                "`{id}` is not an identity store id such as d-1234567890"
            ))
        }
    }
}

/// An e-mail address alarm notifications go to: `local@domain`, the local part of letters,
/// digits and ``.!#$%&'*+/=?^_`{|}~-`` (no leading, trailing or doubled dot), the domain of
/// at least two DNS labels ending in a top-level domain of letters. SNS would accept the
/// subscription of a mistyped address and send its confirmation nowhere, so a mistake is
/// caught here.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(try_from = "String")]
pub struct EmailAddress(pub String);

fn is_dns_label(label: &str) -> bool {
    (1..=63).contains(&label.len())
        && !label.starts_with('-')
        && !label.ends_with('-')
        && label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

impl TryFrom<String> for EmailAddress {
    type Error = String;
    fn try_from(address: String) -> Result<Self, String> {
        let valid = address.len() <= 254
            && address.split_once('@').is_some_and(|(local, domain)| {
                let labels: Vec<&str> = domain.split('.').collect();
                (1..=64).contains(&local.len())
                    && !local.starts_with('.')
                    && !local.ends_with('.')
                    && !local.contains("..")
                    && local
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || ".!#$%&'*+/=?^_`{|}~-".contains(c))
                    && labels.len() >= 2
                    && labels.iter().all(|l| is_dns_label(l))
                    && labels.last().is_some_and(|tld| {
                        tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic())
                    })
            });
        if valid {
            Ok(EmailAddress(address))
        } else {
            Err(format!(
                "`{address}` is not an e-mail address such as ml-admins@example.com"
            ))
        }
    }
}

/// The AWS access portal URL of an IAM Identity Center instance, where users sign in and
/// open the Studio application: `https://d-xxxxxxxxxx.awsapps.com/start` (the identity
/// store's directory id) or, once customized, `https://<subdomain>.awsapps.com/start`
/// (IAM Identity Center user guide, "Customizing the AWS access portal URL").
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(try_from = "String")]
pub struct AccessPortalUrl(pub String);

impl TryFrom<String> for AccessPortalUrl {
    type Error = String;
    fn try_from(url: String) -> Result<Self, String> {
        let valid = url
            .strip_prefix("https://")
            .and_then(|rest| rest.strip_suffix(".awsapps.com/start"))
            .is_some_and(|subdomain| {
                is_dns_label(subdomain) && subdomain.bytes().all(|b| !b.is_ascii_uppercase())
            });
        if valid {
            Ok(AccessPortalUrl(url))
        } else {
            Err(format!(
                "`{url}` is not an AWS access portal URL such as https://d-1234567890.awsapps.com/start or https://my-company.awsapps.com/start"
            ))
        }
    }
}

/// An Identity Center group's display name, as synced from the directory.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq, Hash)]
#[serde(try_from = "String")]
pub struct GroupName(pub String);

impl TryFrom<String> for GroupName {
    type Error = String;
    fn try_from(name: String) -> Result<Self, String> {
        let valid = !name.is_empty()
            && name.len() <= 128
            && name.chars().any(|c| c.is_ascii_alphanumeric())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || " ._-@".contains(c));
        if valid {
            Ok(GroupName(name))
        } else {
            Err(format!(
                "`{name}` is not a supported group name: 1 to 128 letters, digits, spaces and ._-@"
            ))
        }
    }
}

impl fmt::Display for GroupName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An Identity Store group id (a UUID, optionally prefixed with 10 hex digits and `-`).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(try_from = "String")]
pub struct GroupId(pub String);

impl TryFrom<String> for GroupId {
    type Error = String;
    fn try_from(id: String) -> Result<Self, String> {
        let lower = id.to_ascii_lowercase();
        let uuid = match lower.split_once('-') {
            Some((prefix, rest)) if prefix.len() == 10 && is_uuid(rest) => true,
            _ => is_uuid(&lower),
        };
        if uuid {
            Ok(GroupId(id))
        } else {
            Err(format!(
                "`{id}` is not an Identity Store group id (a UUID, e.g. 9a6749d5-1234-4abc-8def-0123456789ab)"
            ))
        }
    }
}

/// A VPC CIDR: a network address (no host bits) with a prefix AWS accepts for a VPC.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(try_from = "String")]
pub struct VpcCidr(pub Ipv4Net);

impl TryFrom<String> for VpcCidr {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        let address = text.split('/').next().unwrap_or("");
        if address
            .split('.')
            .any(|octet| octet.len() > 1 && octet.starts_with('0'))
        {
            let cleaned: Vec<String> = address
                .split('.')
                .map(|o| o.trim_start_matches('0').to_string())
                .map(|o| if o.is_empty() { "0".to_string() } else { o })
                .collect();
            let prefix = text
                .split_once('/')
                .map_or(String::new(), |(_, p)| format!("/{p}"));
            return Err(format!(
                "`{text}` has leading zeros, which some tools read as octal; did you mean `{}{prefix}`?",
                cleaned.join(".")
            ));
        }
        let net: Ipv4Net = text.parse().map_err(|_| {
            format!("`{text}` is not an IPv4 CIDR block; expected a network address and prefix such as 10.20.0.0/16")
        })?;
        if net.network() != net.addr() {
            return Err(format!(
                "`{text}` has host bits set; did you mean `{}`?",
                net.trunc()
            ));
        }
        if !(16..=24).contains(&net.prefix_len()) {
            return Err(format!(
                "`{text}` has a /{} prefix; a VPC takes /16 to /24 here (/24 leaves room for two /28 subnets at most)",
                net.prefix_len()
            ));
        }
        Ok(VpcCidr(net))
    }
}

/// `noncurrent_version_days`: how many days a noncurrent object version is kept, or
/// `never` to keep them all. Whether a number of days is acceptable (not 0) is judged with
/// the whole definition, so that every such problem is reported at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoncurrentVersionDays {
    Days(u32),
    Never,
}

impl<'de> Deserialize<'de> for NoncurrentVersionDays {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = NoncurrentVersionDays;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number of days (1 or more) or `never`")
            }
            fn visit_u64<E: serde::de::Error>(self, days: u64) -> Result<Self::Value, E> {
                u32::try_from(days)
                    .map(NoncurrentVersionDays::Days)
                    .map_err(|_| {
                        E::custom(format!(
                            "{days} days is more than the {} this field holds",
                            u32::MAX
                        ))
                    })
            }
            fn visit_i64<E: serde::de::Error>(self, days: i64) -> Result<Self::Value, E> {
                match u64::try_from(days) {
                    Ok(days) => self.visit_u64(days),
                    Err(_) => Err(E::custom(format!(
                        "{days} days: expected a number of days (1 or more) or `never`"
                    ))),
                }
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Self::Value, E> {
                if text == "never" {
                    return Ok(NoncurrentVersionDays::Never);
                }
                let mut message = format!("`{text}` is neither a number of days nor `never`");
                if let Some(close) = did_you_mean(text, ["never"]) {
                    message.push_str(&format!("; did you mean `{close}`?"));
                }
                Err(E::custom(message))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// A public IPv4 or IPv6 range people connect from, for `aws:SourceIp`: a network address
/// (no host bits) outside the private, loopback and link-local ranges, because
/// `aws:SourceIp` only ever holds public addresses (IAM User Guide, "AWS global condition
/// context keys": requests through a VPC endpoint carry no `aws:SourceIp` at all).
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(try_from = "String")]
pub struct SourceIpRange(pub ipnet::IpNet);

impl TryFrom<String> for SourceIpRange {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        let net: ipnet::IpNet = text.parse().map_err(|_| {
            format!("`{text}` is not a CIDR range; expected e.g. 203.0.113.0/24 or 2001:db8::/48")
        })?;
        if net.network() != net.addr() {
            return Err(format!(
                "`{text}` has host bits set; did you mean `{}`?",
                net.trunc()
            ));
        }
        let not_public = match net {
            ipnet::IpNet::V4(v4) => {
                let a = v4.network();
                a.is_private()
                    || a.is_loopback()
                    || a.is_link_local()
                    || a.is_unspecified()
                    || v4.prefix_len() < 8
            }
            ipnet::IpNet::V6(v6) => {
                let a = v6.network();
                let first = a.segments()[0];
                a.is_loopback()
                    || a.is_unspecified()
                    || (first & 0xfe00) == 0xfc00
                    || (first & 0xffc0) == 0xfe80
                    || v6.prefix_len() < 16
            }
        };
        if not_public {
            return Err(format!(
                "`{text}` is not a public range people connect from: aws:SourceIp holds public addresses only (requests through the VPC's endpoints carry none); private, loopback and link-local ranges, and ranges wider than /8 (IPv4) or /16 (IPv6), are refused"
            ));
        }
        Ok(SourceIpRange(net))
    }
}

/// A retention period CloudWatch Logs accepts.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
// Read as any whole number (`i64`), so that a value out of range gets this type's message
// with the allowed values, not serde's "expected u16".
#[serde(try_from = "i64")]
pub struct RetentionDays(pub u16);

impl TryFrom<i64> for RetentionDays {
    type Error = String;
    fn try_from(days: i64) -> Result<Self, String> {
        use crate::constructs::network::LOG_RETENTION_DAYS;
        if let Some(allowed) = u16::try_from(days)
            .ok()
            .filter(|d| LOG_RETENTION_DAYS.contains(d))
        {
            return Ok(RetentionDays(allowed));
        }
        let closest = LOG_RETENTION_DAYS
            .iter()
            .min_by_key(|d| i64::from(**d).abs_diff(days))
            .copied()
            .unwrap_or(365);
        Err(format!(
            "{days} days is not a CloudWatch Logs retention period; the closest is {closest} (allowed: {})",
            LOG_RETENTION_DAYS.map(|d| d.to_string()).join(", ")
        ))
    }
}

/// Number of AZs with a private subnet.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
// Read as any whole number (`i64`), so that 300 or -1 gets the real range, 2 to 6, and
// not serde's "expected u8".
#[serde(try_from = "i64")]
pub struct AzCount(pub u8);

impl TryFrom<i64> for AzCount {
    type Error = String;
    fn try_from(n: i64) -> Result<Self, String> {
        if let Some(n) = u8::try_from(n).ok().filter(|n| (2..=6).contains(n)) {
            Ok(AzCount(n))
        } else {
            Err(format!(
                "{n} availability zones: expected 2 to 6 (Studio needs subnets in at least two AZs)"
            ))
        }
    }
}

/// An endpoint by short name.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(try_from = "String")]
pub struct EndpointName(pub EndpointService);

impl TryFrom<String> for EndpointName {
    type Error = String;
    fn try_from(name: String) -> Result<Self, String> {
        if let Some(service) = EndpointService::from_short_name(&name) {
            return Ok(EndpointName(service));
        }
        let known: Vec<&str> = EndpointService::ALL
            .iter()
            .map(|s| s.short_name())
            .collect();
        let mut message = format!("unknown endpoint `{name}`");
        if let Some(close) = did_you_mean(&name, known.iter().copied()) {
            message.push_str(&format!("; did you mean `{close}`?"));
        }
        message.push_str(&format!(" (known: {})", known.join(", ")));
        Err(message)
    }
}

/// `text` with every run of characters that `keep` refuses as one hyphen, and none at
/// either end.
fn hyphenated(text: &str, keep: impl Fn(char) -> bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if keep(c) && c != '-' {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// ASCII spellings of a name with other characters, the likeliest first: the German
/// convention for umlauts (`jürgen` → `juergen`, which is how such a name is spelled where
/// only ASCII fits: e-mail addresses, passports' machine-readable zone), then the letters
/// without their marks (`jurgen`, `zoe` for `zoë`, `bjorn` for `björn`), by `deunicode`,
/// which also transcribes other scripts. Nothing is transliterated silently: a name is an
/// identity (a profile, an IAM user), and whether `jürgen` is `juergen` or `jurgen`, and
/// whether that is already someone else, only the author of the definition knows.
/// `keep` says which ASCII characters the name may hold besides hyphens.
pub fn ascii_spellings(name: &str, keep: impl Fn(char) -> bool) -> Vec<String> {
    let umlauts: String = name
        .chars()
        .flat_map(|c| {
            let pair = match c {
                'ä' => "ae",
                'ö' => "oe",
                'ü' => "ue",
                'Ä' => "Ae",
                'Ö' => "Oe",
                'Ü' => "Ue",
                _ => "",
            };
            if pair.is_empty() {
                vec![c]
            } else {
                pair.chars().collect()
            }
        })
        .collect();
    let mut out: Vec<String> = Vec::new();
    for spelling in [umlauts.as_str(), name] {
        let ascii = hyphenated(&deunicode::deunicode(spelling), &keep);
        if !ascii.is_empty() && !out.contains(&ascii) {
            out.push(ascii);
        }
    }
    out
}

/// `; use `a` or `b`` for the spellings that are valid names, or nothing.
fn use_instead(spellings: &[String], valid: impl Fn(&String) -> bool) -> String {
    let valid: Vec<String> = spellings
        .iter()
        .filter(|s| valid(s))
        .map(|s| format!("`{s}`"))
        .collect();
    if valid.is_empty() {
        String::new()
    } else {
        format!("; use {}", valid.join(" or "))
    }
}

/// A stack's `name`: what the file name would otherwise be, so it follows the same rule
/// (lower-case letters, digits and hyphens; it becomes the default domain name).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(try_from = "String")]
pub struct StackName(pub String);

impl TryFrom<String> for StackName {
    type Error = String;
    fn try_from(name: String) -> Result<Self, String> {
        if crate::stacks::load::is_valid_stack_name(&name) {
            Ok(StackName(name))
        } else {
            Err(format!(
                "`{name}` is not a valid stack name: lower-case letters, digits and hyphens, starting and ending with a letter or digit, at most 63 characters"
            ))
        }
    }
}

/// A name that follows SageMaker's rule for domains, user profiles and notebook instances.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq, Hash)]
#[serde(try_from = "String")]
pub struct SageMakerName(pub String);

impl TryFrom<String> for SageMakerName {
    type Error = String;
    fn try_from(name: String) -> Result<Self, String> {
        if sagemaker::is_valid_name(&name) {
            return Ok(SageMakerName(name));
        }
        let rule = format!(
            "1 to 63 letters, digits and hyphens, starting and ending with a letter or digit (pattern {})",
            sagemaker::NAME_PATTERN
        );
        if !name.is_ascii() {
            let fits = |s: &String| sagemaker::is_valid_name(s);
            return Err(format!(
                "`{name}` has characters SageMaker names cannot hold: {rule}{}",
                use_instead(&ascii_spellings(&name, |c| c.is_ascii_alphanumeric()), fits)
            ));
        }
        let suggestion: String = hyphenated(&name, |c| c.is_ascii_alphanumeric())
            .chars()
            .take(63)
            .collect();
        let mut message = format!("`{name}` is not a valid SageMaker name: {rule}");
        if sagemaker::is_valid_name(&suggestion) {
            message.push_str(&format!("; for example `{suggestion}`"));
        }
        Err(message)
    }
}

impl fmt::Display for SageMakerName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An EC2 instance type such as `t3.medium`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(try_from = "String")]
pub struct InstanceType(pub String);

impl TryFrom<String> for InstanceType {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        let valid = text.split_once('.').is_some_and(|(family, size)| {
            family.starts_with(|c: char| c.is_ascii_lowercase())
                && !size.is_empty()
                && family
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && size
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
        if valid {
            Ok(InstanceType(text))
        } else {
            Err(format!(
                "`{text}` is not an EC2 instance type; expected family.size such as t3.medium"
            ))
        }
    }
}

/// A Studio account's name in the definition: lower-case letters, digits and hyphens.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq, Hash)]
#[serde(try_from = "String")]
pub struct AccountKey(pub String);

impl TryFrom<String> for AccountKey {
    type Error = String;
    fn try_from(name: String) -> Result<Self, String> {
        short_lower_case_name(name, "account").map(AccountKey)
    }
}

impl fmt::Display for AccountKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A 12-digit AWS account id (the definition's text is kept as written, leading zeros too).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq, Hash)]
#[serde(try_from = "String")]
pub struct AccountId(pub String);

impl TryFrom<String> for AccountId {
    type Error = String;
    fn try_from(id: String) -> Result<Self, String> {
        if id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()) {
            Ok(AccountId(id))
        } else {
            Err(format!(
                "`{id}` is not an AWS account id: 12 digits, such as \"111111111111\""
            ))
        }
    }
}

/// An organizational unit id (`ou-ab12-cdef3456`) or the organization root (`r-ab12`).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq, Hash)]
#[serde(try_from = "String")]
pub struct OrganizationalUnitId(pub String);

fn lower_alnum(s: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
}

impl TryFrom<String> for OrganizationalUnitId {
    type Error = String;
    fn try_from(id: String) -> Result<Self, String> {
        // The patterns AWS Organizations documents: ^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$ and
        // ^r-[0-9a-z]{4,32}$.
        let valid = match id.strip_prefix("ou-").map(|rest| rest.split_once('-')) {
            Some(Some((root, unit))) => lower_alnum(root, 4, 32) && lower_alnum(unit, 8, 32),
            Some(None) => false,
            None => id.strip_prefix("r-").is_some_and(|r| lower_alnum(r, 4, 32)),
        };
        if valid {
            Ok(OrganizationalUnitId(id))
        } else {
            Err(format!(
                "`{id}` is not an organizational unit id (ou-ab12-cdef3456) or a root id (r-ab12)"
            ))
        }
    }
}

/// An organization id (`o-` and 10 to 32 lower-case letters or digits).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(try_from = "String")]
pub struct OrganizationId(pub String);

impl TryFrom<String> for OrganizationId {
    type Error = String;
    fn try_from(id: String) -> Result<Self, String> {
        if id
            .strip_prefix("o-")
            .is_some_and(|r| lower_alnum(r, 10, 32))
        {
            Ok(OrganizationId(id))
        } else {
            Err(format!(
                "`{id}` is not an organization id (o- and 10 to 32 lower-case letters or digits)"
            ))
        }
    }
}

/// The ARN of an IAM role or user, or an `ArnLike` pattern of them:
/// `arn:<partition>:iam::<12 digits>:role/<path and name>` (or `:user/`), where the
/// path and name may hold `*` (e.g. the roles of an Identity Center permission set,
/// `role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_Admin_*`).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(try_from = "String")]
pub struct PrincipalArnPattern(pub String);

impl TryFrom<String> for PrincipalArnPattern {
    type Error = String;
    fn try_from(arn: String) -> Result<Self, String> {
        let valid = (|| {
            let rest = arn.strip_prefix("arn:")?;
            let (partition, rest) = rest.split_once(":iam::")?;
            if !matches!(partition, "aws" | "aws-cn" | "aws-us-gov") {
                return None;
            }
            let (account, rest) = rest.split_once(':')?;
            if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let name = rest
                .strip_prefix("role/")
                .or_else(|| rest.strip_prefix("user/"))?;
            (!name.is_empty()
                && name != "*"
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-/*".contains(&b)))
            .then_some(())
        })();
        match valid {
            Some(()) => Ok(PrincipalArnPattern(arn)),
            None => Err(format!(
                "`{arn}` is not an IAM role or user ARN (arn:aws:iam::<account>:role/<name>, `*` allowed in the name but not as the whole name)"
            )),
        }
    }
}

/// An AWS Region name such as `eu-west-1` or `us-gov-west-1`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq, Hash)]
#[serde(try_from = "String")]
pub struct RegionName(pub String);

impl TryFrom<String> for RegionName {
    type Error = String;
    fn try_from(name: String) -> Result<Self, String> {
        let parts: Vec<&str> = name.split('-').collect();
        let valid = (3..=4).contains(&parts.len())
            && parts[..parts.len() - 1]
                .iter()
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
            && parts[parts.len() - 1].len() == 1
            && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
            && parts[0].len() == 2;
        if valid {
            Ok(RegionName(name))
        } else {
            Err(format!(
                "`{name}` is not an AWS Region name such as eu-west-1"
            ))
        }
    }
}

impl fmt::Display for RegionName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused<T: TryFrom<String, Error = String>>(text: &str) -> String {
        match T::try_from(text.to_string()) {
            Ok(_) => panic!("`{text}` was accepted"),
            Err(message) => message,
        }
    }

    fn accepted<T: TryFrom<String, Error = String>>(text: &str) -> bool {
        T::try_from(text.to_string()).is_ok()
    }

    #[test]
    fn tag_keys_and_values() {
        assert!(accepted::<TagKey>("cost-center") && accepted::<TagValue>(""));
        assert_eq!(
            refused::<TagKey>("aws:owner"),
            "`aws:owner` is not a valid tag key: the `aws:` prefix (in any case) is reserved for AWS"
        );
        assert!(refused::<TagValue>("a;b").contains("`;` is not allowed"));
    }

    #[test]
    fn noncurrent_version_days_are_a_number_or_never() {
        let parse = |text: &str| serde_yaml_ng::from_str::<NoncurrentVersionDays>(text);
        assert_eq!(parse("30").unwrap(), NoncurrentVersionDays::Days(30));
        assert_eq!(parse("0").unwrap(), NoncurrentVersionDays::Days(0));
        assert_eq!(parse("never").unwrap(), NoncurrentVersionDays::Never);
        let message = |text: &str| parse(text).unwrap_err().to_string();
        assert!(
            message("Never").starts_with(
                "`Never` is neither a number of days nor `never`; did you mean `never`?"
            ),
            "{}",
            message("Never")
        );
        assert!(
            message("forever").starts_with("`forever` is neither a number of days nor `never`")
        );
        assert!(
            message("-1").starts_with("-1 days: expected a number of days (1 or more) or `never`")
        );
        assert!(message("4294967296").contains("more than the 4294967295"));
        assert!(
            message("true").contains("expected a number of days (1 or more) or `never`"),
            "{}",
            message("true")
        );
    }

    #[test]
    fn vpc_cidrs_are_network_addresses_of_16_to_24() {
        assert_eq!(
            VpcCidr::try_from("10.20.0.0/16".to_string())
                .unwrap()
                .0
                .prefix_len(),
            16
        );
        assert!(accepted::<VpcCidr>("192.168.1.0/24"));
        assert_eq!(
            refused::<VpcCidr>("10.20.0.1/16"),
            "`10.20.0.1/16` has host bits set; did you mean `10.20.0.0/16`?"
        );
        assert!(refused::<VpcCidr>("010.20.0.0/16").contains("did you mean `10.20.0.0/16`?"));
        assert!(refused::<VpcCidr>("10.0.0.0/8").contains("a /8 prefix"));
        assert!(refused::<VpcCidr>("10.0.0.0").contains("not an IPv4 CIDR block"));
    }

    #[test]
    fn counts_and_retention_take_the_values_aws_allows() {
        assert!(AzCount::try_from(2).is_ok() && AzCount::try_from(6).is_ok());
        assert!(AzCount::try_from(1).is_err() && AzCount::try_from(7).is_err());
        assert!(AzCount::try_from(-1).is_err() && AzCount::try_from(258).is_err());
        assert!(RetentionDays::try_from(65_901).is_err());
        assert!(RetentionDays::try_from(365).is_ok());
        let e = RetentionDays::try_from(364).unwrap_err();
        assert!(
            e.starts_with("364 days is not a CloudWatch Logs retention period; the closest is 365")
        );
    }

    #[test]
    fn endpoints_are_known_short_names_with_a_suggestion() {
        assert_eq!(
            EndpointName::try_from("sagemaker.api".to_string())
                .unwrap()
                .0,
            EndpointService::SagemakerApi
        );
        assert!(refused::<EndpointName>("sagemaker.apj").contains("did you mean `sagemaker.api`?"));
    }

    #[test]
    fn sagemaker_names_suggest_a_valid_spelling() {
        assert!(accepted::<SageMakerName>("data-scientist-1"));
        assert!(
            refused::<SageMakerName>("data_scientist").ends_with("; for example `data-scientist`")
        );
        assert!(!refused::<SageMakerName>("___").contains("for example"));
    }

    #[test]
    fn names_with_other_letters_are_refused_with_their_ascii_spellings() {
        assert_eq!(
            refused::<SageMakerName>("jürgen"),
            "`jürgen` has characters SageMaker names cannot hold: 1 to 63 letters, digits and hyphens, starting and ending with a letter or digit (pattern ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$); use `juergen` or `jurgen`"
        );
        // Without an umlaut there is one spelling; other scripts are transcribed.
        assert!(refused::<SageMakerName>("zoë").ends_with("; use `zoe`"));
        assert!(refused::<SageMakerName>("björn.ß").ends_with("; use `bjoern-ss` or `bjorn-ss`"));
        assert!(refused::<SageMakerName>("李").ends_with("; use `Li`"));
        assert!(!refused::<SageMakerName>("—").contains("; use"));
        // IAM users keep the punctuation IAM allows.
        assert!(
            refused::<IamName>("jürgen.müller@example")
                .ends_with("; use `juergen.mueller@example` or `jurgen.muller@example`")
        );
    }

    #[test]
    fn stack_names_are_lower_case_sagemaker_names() {
        assert!(accepted::<StackName>("studio-private"));
        assert!(
            refused::<StackName>("Studio_Private")
                .starts_with("`Studio_Private` is not a valid stack name")
        );
    }

    #[test]
    fn iam_names_and_paths() {
        assert!(accepted::<SourceIpRange>("203.0.113.0/24"));
        assert!(accepted::<SourceIpRange>("198.51.100.7/32"));
        assert!(accepted::<SourceIpRange>("2001:db8:1234::/48"));
        assert!(
            refused::<SourceIpRange>("203.0.113.1/24").contains("did you mean `203.0.113.0/24`?")
        );
        for private in [
            "10.0.0.0/8",
            "192.168.1.0/24",
            "172.16.0.0/12",
            "127.0.0.1/32",
            "fd00::/8",
            "0.0.0.0/0",
            "::/0",
        ] {
            assert!(
                refused::<SourceIpRange>(private).contains("not a public range"),
                "{private}"
            );
        }
        assert!(refused::<SourceIpRange>("office").contains("not a CIDR range"));
        assert!(accepted::<IamName>("notebook+role=1,a.b@c_d-e"));
        assert!(refused::<IamName>(&"a".repeat(65)).contains("not a valid IAM name"));
        assert!(accepted::<IamPath>("/") && accepted::<IamPath>("/team/a/"));
        assert!(!accepted::<IamPath>("/team") && !accepted::<IamPath>("/a//b/"));
    }

    #[test]
    fn instance_types_are_family_dot_size() {
        assert!(
            accepted::<InstanceType>("t3.medium") && accepted::<InstanceType>("m7i-flex.large")
        );
        assert!(!accepted::<InstanceType>("t3") && !accepted::<InstanceType>("T3.medium"));
        assert!(accepted::<NotebookInstanceType>("ml.t3.medium"));
        assert!(!accepted::<NotebookInstanceType>("t3.medium"));
    }

    #[test]
    fn short_names_are_lower_case_and_at_most_32() {
        assert!(accepted::<TeamName>("engineers") && accepted::<AccountKey>("research-1"));
        assert_eq!(
            refused::<TeamName>("Engineers"),
            "`Engineers` is not a valid team name: 1 to 32 lower-case letters, digits and hyphens"
        );
        assert!(refused::<AccountKey>(&"a".repeat(33)).contains("valid account name"));
    }

    #[test]
    fn email_addresses_and_access_portal_urls() {
        assert!(accepted::<EmailAddress>("ml-admins@example.com"));
        assert!(accepted::<EmailAddress>(
            "first.last+alarms@corp.example.co"
        ));
        for refused in [
            "ml-admins",
            "ml-admins@",
            "@example.com",
            "a..b@example.com",
            ".a@example.com",
            "a@example",
            "a@-example.com",
            "a b@example.com",
            "a@example.c0m",
        ] {
            assert!(!accepted::<EmailAddress>(refused), "{refused}");
        }
        assert!(refused::<EmailAddress>("ops").contains("not an e-mail address"));
        assert!(accepted::<AccessPortalUrl>(
            "https://d-1234567890.awsapps.com/start"
        ));
        assert!(accepted::<AccessPortalUrl>(
            "https://my-company.awsapps.com/start"
        ));
        for refused in [
            "http://d-1234567890.awsapps.com/start",
            "https://d-1234567890.awsapps.com/",
            "https://d-1234567890.awsapps.com/start/#/",
            "https://evil.example.com/.awsapps.com/start",
            "https://My-Company.awsapps.com/start",
            "https://-x.awsapps.com/start",
        ] {
            assert!(!accepted::<AccessPortalUrl>(refused), "{refused}");
        }
    }

    #[test]
    fn identity_center_ids() {
        assert!(accepted::<IdentityStoreId>("d-1234567890"));
        assert!(accepted::<IdentityStoreId>(
            "9a6749d5-1234-4abc-8def-0123456789ab"
        ));
        assert!(!accepted::<IdentityStoreId>("d-123456789"));
        assert!(accepted::<GroupId>("9A6749D5-1234-4ABC-8DEF-0123456789AB"));
        assert!(accepted::<GroupId>(
            "1234567890-9a6749d5-1234-4abc-8def-0123456789ab"
        ));
        assert!(!accepted::<GroupId>("9a6749d5-1234-4abc-8def"));
        assert!(accepted::<GroupName>("ML Researchers@corp.example"));
        assert!(!accepted::<GroupName>("---") && !accepted::<GroupName>("a/b"));
    }

    #[test]
    fn organization_ids_and_regions() {
        assert!(accepted::<AccountId>("011111111111"));
        assert!(!accepted::<AccountId>("11111111111"));
        assert!(accepted::<OrganizationalUnitId>("ou-abcd-12345678"));
        assert!(accepted::<OrganizationalUnitId>("r-abcd"));
        assert!(!accepted::<OrganizationalUnitId>("ou-abcd"));
        assert!(!accepted::<OrganizationalUnitId>("ou-ABCD-12345678"));
        assert!(accepted::<OrganizationId>("o-abcde12345"));
        assert!(!accepted::<OrganizationId>("o-abc"));
        assert!(accepted::<PrincipalArnPattern>(
            "arn:aws:iam::111122223333:role/deploy"
        ));
        assert!(accepted::<PrincipalArnPattern>(
            "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_Admin_*"
        ));
        assert!(accepted::<PrincipalArnPattern>(
            "arn:aws-us-gov:iam::111122223333:user/ops"
        ));
        for refused in [
            "arn:aws:iam::111122223333:role/*",
            "arn:aws:iam::*:role/deploy",
            "arn:aws:iam::111122223333:root",
            "arn:aws:sts::111122223333:assumed-role/x/y",
            "arn:aws:iam::111122223333:role/",
            "deploy",
        ] {
            assert!(!accepted::<PrincipalArnPattern>(refused), "{refused}");
        }
        assert!(accepted::<RegionName>("eu-west-1") && accepted::<RegionName>("us-gov-west-1"));
        assert!(!accepted::<RegionName>("euwest1") && !accepted::<RegionName>("eu-west-10"));
    }

    #[test]
    fn bucket_keys_follow_the_secure_bucket_rule() {
        assert!(accepted::<BucketKey>("raw-data"));
        assert!(!accepted::<BucketKey>("Raw Data"));
    }
}
