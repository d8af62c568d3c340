//! Typed builders, one per CloudFormation resource type (and per nested property type),
//! grouped one file per AWS service. Property names and shapes follow the CloudFormation
//! resource reference. Every builder has the same shape (as in aws-sdk-rust): `X::builder()`,
//! one method per property (list properties append one item per call), and `build()`,
//! which fails when a required property is missing.

#![warn(missing_docs)]

use std::fmt;

/// A required property was not set on a builder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MissingProperty {
    /// The resource or property type, e.g. `AWS::S3::Bucket`.
    pub type_name: &'static str,
    /// The CloudFormation name of the missing property, e.g. `BucketEncryption`.
    pub property: &'static str,
}

impl fmt::Display for MissingProperty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} needs the property `{}`",
            self.type_name, self.property
        )
    }
}

impl std::error::Error for MissingProperty {}

/// Declares a property bag (a resource's properties or a nested property type) and its
/// builder. Each field is `required`, `optional` or `list`, with the Rust type its setter
/// accepts (anything convertible into a template `Value`) and the CloudFormation name.
macro_rules! cfn_properties {
    (
        $(#[$meta:meta])*
        $name:ident / $builder:ident ($type_name:expr) {
            $( $(#[$fmeta:meta])* $kind:ident $field:ident : $ty:ty => $prop:literal ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq)]
        pub struct $name {
            properties: $crate::template::ValueMap,
        }

        #[doc = concat!("Builder for [`", stringify!($name), "`].")]
        #[derive(Clone)]
        #[must_use]
        pub struct $builder {
            /// The value of each property, in the order they are declared (see
            /// `NAMES`). Boxed: each setter takes and returns the builder by value, and
            /// a pointer moves in a register where the values themselves (some hundreds
            /// of bytes) were copied at every call of a chain.
            fields: Box<[Option<$crate::template::Value>; 0 $( + cfn_properties!(@one $field) )*]>,
        }

        /// Each field by its name, as a derived `Debug` of one field per property was.
        impl ::std::fmt::Debug for $builder {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                let mut out = f.debug_struct(stringify!($builder));
                for (name, value) in Self::NAMES.iter().zip(self.fields.iter()) {
                    out.field(name, value);
                }
                out.finish()
            }
        }

        impl Default for $builder {
            fn default() -> Self {
                $builder { fields: Box::new(::std::array::from_fn(|_| None)) }
            }
        }

        impl $name {
            #[doc = concat!("A builder for `", $type_name, "` with no property set.")]
            pub fn builder() -> $builder {
                $builder::default()
            }
        }

        impl $builder {
            /// The fields' names, in declaration order: a field's place in `fields`.
            const NAMES: &'static [&'static str] = &[$( stringify!($field) ),*];

            $( cfn_properties!(@setter $kind $(#[$fmeta])* $field : $ty => $prop); )*

            /// The properties, in the order the type declares them (the order the template
            /// writes them in).
            ///
            /// # Errors
            ///
            /// [`MissingProperty`](crate::resources::MissingProperty) naming the first
            /// required property that was not set.
            pub fn build(self) -> Result<$name, $crate::resources::MissingProperty> {
                let mut fields = self.fields;
                // Sized once for the properties set, and one more for the `Tags` the
                // template merges into a resource: no regrowth while it is filled.
                let count = 1 + fields.iter().filter(|field| field.is_some()).count();
                let mut properties = $crate::template::ValueMap::with_capacity(count);
                $( cfn_properties!(@collect $kind fields properties $field $prop $type_name); )*
                Ok($name { properties })
            }
        }

        impl From<$name> for $crate::template::Value {
            fn from(value: $name) -> Self {
                $crate::template::Value::Map(value.properties)
            }
        }
    };
    (@setter list $(#[$fmeta:meta])* $field:ident : $ty:ty => $prop:literal) => {
        #[doc = concat!("Appends one item to `", $prop, "`; call it once per item.")]
        $(#[$fmeta])*
        pub fn $field(mut self, item: impl Into<$ty>) -> Self {
            let item = $crate::template::Value::from(item.into());
            let field = &mut self.fields[cfn_properties!(@index $field)];
            match field {
                Some($crate::template::Value::List(items)) => items.push(item),
                _ => *field = Some($crate::template::Value::List(vec![item])),
            }
            self
        }
    };
    (@setter required $(#[$fmeta:meta])* $field:ident : $ty:ty => $prop:literal) => {
        #[doc = concat!("Sets `", $prop, "` (required: `build()` fails without it).")]
        $(#[$fmeta])*
        pub fn $field(mut self, value: impl Into<$ty>) -> Self {
            self.fields[cfn_properties!(@index $field)] = Some($crate::template::Value::from(value.into()));
            self
        }
    };
    (@setter $kind:ident $(#[$fmeta:meta])* $field:ident : $ty:ty => $prop:literal) => {
        #[doc = concat!("Sets `", $prop, "` (optional: left out of the template when not set).")]
        $(#[$fmeta])*
        pub fn $field(mut self, value: impl Into<$ty>) -> Self {
            self.fields[cfn_properties!(@index $field)] = Some($crate::template::Value::from(value.into()));
            self
        }
    };
    (@collect required $fields:ident $props:ident $field:ident $prop:literal $type_name:expr) => {
        match $fields[cfn_properties!(@index $field)].take() {
            Some(v) => { $props.push_unique($crate::template::json::Text::const_new($prop), v); }
            None => return Err($crate::resources::MissingProperty { type_name: $type_name, property: $prop }),
        }
    };
    (@collect $kind:ident $fields:ident $props:ident $field:ident $prop:literal $type_name:expr) => {
        if let Some(v) = $fields[cfn_properties!(@index $field)].take() {
            $props.push_unique($crate::template::json::Text::const_new($prop), v);
        }
    };
    (@one $field:ident) => { 1 };
    // The place of a field in `fields`, found when the code is compiled.
    (@index $field:ident) => {
        const { $crate::resources::field_index(Self::NAMES, stringify!($field)) }
    };
}

/// The place of `name` in `names`, for `cfn_properties!`: evaluated at compile time, so a
/// name not among them (which the macro never asks for) would fail the build, not a run.
pub(crate) const fn field_index(names: &[&str], name: &str) -> usize {
    let mut i = 0;
    while i < names.len() {
        if crate::template::const_str_eq(names[i], name) {
            return i;
        }
        i += 1;
    }
    panic!("not a field of this builder")
}

/// Declares a resource type: its property bag and builder, plus the `Resource` impl.
macro_rules! cfn_resource {
    (
        $(#[$meta:meta])*
        $name:ident / $builder:ident = $type_name:literal { $($body:tt)* }
    ) => {
        cfn_properties! {
            $(#[$meta])*
            #[doc = ""]
            #[doc = concat!("The CloudFormation resource type `", $type_name, "`.")]
            $name / $builder ($type_name) { $($body)* }
        }

        impl $crate::template::Resource for $name {
            const TYPE: &'static str = $type_name;
            fn into_properties(self) -> $crate::template::ValueMap {
                self.properties
            }
        }
    };
}

/// Declares the allowed values of an enumerated property (those the CloudFormation
/// resource reference lists as "Allowed values") as an enum in the shape of
/// aws-sdk-rust's: one variant per value, `as_str()`, `values()`, `Display`, and a
/// conversion into a template `Value`, so that a builder setter can take the enum
/// (`optional status: VersioningStatus => "Status"`) and a value outside the list cannot
/// be written. Variants are named after the values in UpperCamelCase, as aws-sdk-rust
/// names them (`aws:kms` → `AwsKms`, `SERVICE_MANAGED` → `ServiceManaged`).
macro_rules! cfn_enum {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $value:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $(
                $(#[$vmeta])*
                #[doc = ""]
                #[doc = concat!("Written `", $value, "` in the template.")]
                $variant,
            )+
        }

        impl $name {
            /// Every variant, in the order of [`Self::values`].
            pub const ALL: &'static [$name] = &[$( $name::$variant, )+];

            /// The value as CloudFormation spells it.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $value, )+
                }
            }

            /// Every allowed value, in the order of the resource reference.
            pub const fn values() -> &'static [&'static str] {
                &[$( $value, )+]
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::convert::AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl ::std::convert::From<$name> for $crate::template::Value {
            fn from(value: $name) -> Self {
                $crate::template::Value::String($crate::template::json::Text::const_new(value.as_str()))
            }
        }
    };
}

/// Test helper: `Enum` has exactly the allowed values `[...]` (written from the resource
/// reference, in its order), and each variant spells, displays and serializes as its value.
#[cfg(test)]
macro_rules! assert_allowed_values {
    ($name:ty, [$($value:literal),+ $(,)?]) => {{
        let expected: &[&str] = &[$($value),+];
        assert_eq!(<$name>::values(), expected, "{}", stringify!($name));
        assert_eq!(<$name>::ALL.len(), expected.len(), "{}", stringify!($name));
        for (variant, value) in <$name>::ALL.iter().zip(expected) {
            assert_eq!(variant.as_str(), *value);
            assert_eq!(variant.to_string(), *value);
            assert_eq!(
                $crate::template::Value::from(*variant),
                $crate::template::Value::from(*value)
            );
        }
    }};
}

pub mod arn;
pub mod cloudformation;
pub mod cloudtrail;
pub mod cloudwatch;
pub mod codeartifact;
pub mod dynamodb;
pub mod ec2;
pub mod ecr;
pub mod efs;
pub mod events;
pub mod iam;
pub mod kms;
pub mod lambda;
pub mod logs;
pub mod s3;
pub mod sagemaker;
pub mod secretsmanager;
pub mod sns;
pub mod sqs;
pub mod ssm;
pub mod sso;
