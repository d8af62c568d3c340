//! `network.existing`: a VPC that someone else owns (most often a network team), named by
//! its IDs instead of created. Each value is either written out or left to a template
//! parameter, so one template can be deployed into different VPCs:
//!
//! ```yaml
//! network:
//!   existing:
//!     vpc_id: { parameter: VpcId, default: vpc-0123456789abcdef0 }
//!     cidr: 10.40.0.0/16
//!     private_subnet_ids: { parameter: PrivateSubnetIds, count: 2 }
//!     route_table_ids: [rtb-0123456789abcdef0, rtb-0fedcba9876543210]
//! ```
//!
//! The ID rules are checked while parsing, so a bad ID is reported at itself.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};

use super::values::VpcCidr;

/// Where the environment goes in an existing VPC.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ExistingNetworkSpec {
    /// The VPC (`vpc-…`).
    pub vpc_id: Existing<VpcId>,
    /// The VPC's IPv4 range: the interface endpoints admit HTTPS from it.
    pub cidr: Existing<VpcCidr>,
    /// The private subnets (`subnet-…`), one per AZ: workloads and interface endpoints go
    /// there.
    pub private_subnet_ids: ExistingList<SubnetId>,
    /// The route tables of those subnets (`rtb-…`): gateway endpoints (S3, DynamoDB)
    /// route through them.
    pub route_table_ids: ExistingList<RouteTableId>,
}

/// One value: written out, or a template parameter (with the value as its default, if
/// given).
#[derive(Clone, Debug, PartialEq)]
pub enum Existing<T> {
    Value(T),
    Parameter(ParameterSpec<T>),
}

/// A list of values: written out, or one list parameter. A list parameter's length must
/// be known when synthesizing (each subnet is placed and granted on its own), from its
/// `default` or its `count`.
#[derive(Clone, Debug, PartialEq)]
pub enum ExistingList<T> {
    Values(Vec<T>),
    Parameter(ListParameterSpec<T>),
}

/// `{ parameter: Name, default: value }`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ParameterSpec<T> {
    /// The parameter's logical ID.
    pub parameter: String,
    pub default: Option<T>,
}

/// `{ parameter: Name, default: [values], count: n }`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ListParameterSpec<T> {
    /// The parameter's logical ID.
    pub parameter: String,
    pub default: Option<Vec<T>>,
    /// How many items the deployed value holds (1-16); the default's length if absent.
    pub count: Option<u8>,
}

impl<T> Existing<T> {
    /// The parameter's name, if the value is left to one.
    pub fn parameter_name(&self) -> Option<&str> {
        match self {
            Existing::Value(_) => None,
            Existing::Parameter(p) => Some(&p.parameter),
        }
    }
}

impl<T> ExistingList<T> {
    /// The parameter's name, if the list is left to one.
    pub fn parameter_name(&self) -> Option<&str> {
        match self {
            ExistingList::Values(_) => None,
            ExistingList::Parameter(p) => Some(&p.parameter),
        }
    }

    /// How many items the list holds when deployed, if known.
    pub fn count(&self) -> Option<usize> {
        match self {
            ExistingList::Values(values) => Some(values.len()),
            ExistingList::Parameter(p) => p
                .count
                .map(usize::from)
                .or(p.default.as_ref().map(Vec::len)),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Existing<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ExistingVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for ExistingVisitor<T> {
            type Value = Existing<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a value, or `{ parameter: Name, default: value }`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                T::deserialize(de::value::StrDeserializer::new(v)).map(Existing::Value)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                ParameterSpec::deserialize(MapAccessDeserializer::new(map)).map(Existing::Parameter)
            }
        }
        deserializer.deserialize_any(ExistingVisitor(PhantomData))
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for ExistingList<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ListVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for ListVisitor<T> {
            type Value = ExistingList<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of IDs, or `{ parameter: Name, count: n }`")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                Vec::deserialize(SeqAccessDeserializer::new(seq)).map(ExistingList::Values)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                ListParameterSpec::deserialize(MapAccessDeserializer::new(map))
                    .map(ExistingList::Parameter)
            }
        }
        deserializer.deserialize_any(ListVisitor(PhantomData))
    }
}

/// An EC2 ID: the prefix, a hyphen, and 8 or 17 lower-case hexadecimal digits (the short
/// and the long ID formats).
fn ec2_id(text: &str, prefix: &str, what: &str) -> Result<(), String> {
    let valid = text.strip_prefix(prefix).is_some_and(|hex| {
        (hex.len() == 8 || hex.len() == 17)
            && hex
                .chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
    });
    if valid {
        Ok(())
    } else {
        Err(format!(
            "`{text}` is not a {what} ID: `{prefix}` and 8 or 17 lower-case hexadecimal digits"
        ))
    }
}

macro_rules! ec2_id_type {
    ($(#[$meta:meta])* $name:ident, $prefix:literal, $what:literal) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
        #[serde(try_from = "String")]
        pub struct $name(pub String);

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(text: String) -> Result<Self, String> {
                ec2_id(&text, $prefix, $what).map(|()| $name(text))
            }
        }
    };
}

ec2_id_type!(
    /// `vpc-…`.
    VpcId,
    "vpc-",
    "VPC"
);
ec2_id_type!(
    /// `subnet-…`.
    SubnetId,
    "subnet-",
    "subnet"
);
ec2_id_type!(
    /// `rtb-…`.
    RouteTableId,
    "rtb-",
    "route table"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_take_the_short_and_the_long_format_with_their_own_prefix() {
        assert!(VpcId::try_from("vpc-0123abcd".to_string()).is_ok());
        assert!(VpcId::try_from("vpc-0123456789abcdef0".to_string()).is_ok());
        assert!(SubnetId::try_from("subnet-0123456789abcdef0".to_string()).is_ok());
        assert!(RouteTableId::try_from("rtb-0123abcd".to_string()).is_ok());
        assert_eq!(
            SubnetId::try_from("vpc-0123abcd".to_string()).unwrap_err(),
            "`vpc-0123abcd` is not a subnet ID: `subnet-` and 8 or 17 lower-case hexadecimal digits"
        );
        for bad in [
            "vpc-0123ABCD",
            "vpc-0123abc",
            "vpc-0123abcdg",
            "vpc-",
            "0123abcd",
        ] {
            assert!(VpcId::try_from(bad.to_string()).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_value_is_written_out_or_a_parameter() {
        let v: Existing<VpcId> = serde_yaml_ng::from_str("vpc-0123abcd").unwrap();
        assert_eq!(v, Existing::Value(VpcId("vpc-0123abcd".into())));
        let p: Existing<VpcId> = serde_yaml_ng::from_str("{ parameter: Vpc }").unwrap();
        assert_eq!(
            p,
            Existing::Parameter(ParameterSpec {
                parameter: "Vpc".into(),
                default: None
            })
        );
        assert!(serde_yaml_ng::from_str::<Existing<VpcId>>("{ parameter: V, x: 1 }").is_err());
        assert!(serde_yaml_ng::from_str::<Existing<VpcId>>("subnet-0123abcd").is_err());
    }

    #[test]
    fn a_list_parameter_knows_its_length_from_count_or_default() {
        let l: ExistingList<SubnetId> =
            serde_yaml_ng::from_str("[subnet-0123abcd, subnet-0123abce]").unwrap();
        assert_eq!(l.count(), Some(2));
        let l: ExistingList<SubnetId> =
            serde_yaml_ng::from_str("{ parameter: S, count: 3 }").unwrap();
        assert_eq!(l.count(), Some(3));
        let l: ExistingList<SubnetId> =
            serde_yaml_ng::from_str("{ parameter: S, default: [subnet-0123abcd] }").unwrap();
        assert_eq!(l.count(), Some(1));
        let l: ExistingList<SubnetId> = serde_yaml_ng::from_str("{ parameter: S }").unwrap();
        assert_eq!(l.count(), None);
    }
}
