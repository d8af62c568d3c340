//! Scopes: where a construct puts its resources. Every construct is created the same way,
//! `X::new(scope, id, &props)`: the scope owns the template, a logical-ID prefix and the
//! origin (the source path, e.g. `studio.users[1]`, that resources added through it come
//! from); the id makes the construct unique in its scope, so the same construct can be
//! instantiated twice in one template.
//!
//! The root scope has no prefix, and the shipped stacks give their single constructs the
//! ids that reproduce the logical IDs their templates have always had (a changed logical
//! ID replaces the resource on the next deploy). A construct that is the only one of its
//! kind in a scope may take [`ONLY`] as its id: it then adds nothing to the IDs (buckets
//! excepted: their id is also their name, which log prefixes and Sids are made from).
//!
//! ```
//! use sagesynth::constructs::network::{EndpointService, InternetEgress, PrivateNetwork, PrivateNetworkProps};
//! use sagesynth::constructs::endpoint_policy::EndpointPolicyProps;
//! use sagesynth::constructs::scope::{ONLY, Scope};
//! use sagesynth::constructs::secure_bucket::{
//!     LogBucket, LogBucketProps, SecureBucket, SecureBucketProps,
//! };
//! use sagesynth::resources::iam::{self, Role};
//! use sagesynth::template::Template;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut template = Template::new();
//! let mut scope = Scope::root(&mut template);
//!
//! // The only network: ONLY adds nothing to its IDs, which are those the shipped stacks have.
//! let cidr = "10.0.0.0/16".parse()?;
//! let network = PrivateNetwork::new(
//!     &mut scope,
//!     ONLY,
//!     &PrivateNetworkProps {
//!         cidr,
//!         availability_zones: 2,
//!         subnet_prefix_length: PrivateNetworkProps::default_subnet_prefix(cidr),
//!         endpoints: vec![EndpointService::S3],
//!         flow_log_retention_days: None,
//!         policies: EndpointPolicyProps::default(),
//!         internet_egress: InternetEgress::None,
//!     },
//! )?;
//! assert_eq!(network.vpc.resource().map(|v| v.logical_id().as_str()), Some("Vpc"));
//!
//! // The same construct twice: the ids keep the two apart.
//! let mut logs = LogBucket::new(&mut scope, "access-logs", &LogBucketProps::default())?;
//! let raw = SecureBucket::new(&mut scope, "raw", &mut logs, &SecureBucketProps::default())?;
//! let curated = SecureBucket::new(
//!     &mut scope,
//!     "curated",
//!     &mut logs,
//!     &SecureBucketProps::default(),
//! )?;
//! assert_eq!(raw.bucket.logical_id().as_str(), "RawBucket");
//! assert_eq!(curated.bucket.logical_id().as_str(), "CuratedBucket");
//!
//! // Resources of a child scope carry its id as a prefix.
//! let mut team = scope.child("team-a");
//! let role = team.add(
//!     "Role",
//!     Role::builder()
//!         .assume_role_policy_document(iam::service_trust_policy(iam::Service::SageMakerStudio))
//!         .build()?,
//! )?;
//! assert_eq!(role.logical_id().as_str(), "TeamARole");
//!
//! // Grants add statements to the role's inline policy `Grants`.
//! raw.grant_read(&mut team.grants_for(&role))?;
//! curated.grant_read_write(&mut team.grants_for(&role))?;
//!
//! let json = serde_json::to_value(&template)?;
//! let policies = &json["Resources"]["TeamARole"]["Properties"]["Policies"];
//! assert_eq!(policies[0]["PolicyName"], "Grants");
//! # Ok(())
//! # }
//! ```

use crate::template::{
    ConditionName, Handle, InvalidLogicalId, LogicalId, Output, PASCAL_CASE_ROOM, Parameter,
    ParameterHandle, Resource, ResourceEntry, SourcePath, Tags, Template, Value, pascal_case,
    push_pascal_case,
};

use super::ConstructError;

/// The id of the only construct of its kind in a scope (CDK's `Default`): it adds nothing
/// to the logical IDs of its resources.
pub const ONLY: &str = "";

/// A place in a template: the template, a logical-ID prefix and the origin recorded for
/// every resource added through it. See the module documentation.
pub struct Scope<'t> {
    template: &'t mut Template,
    prefix: String,
    origin: SourcePath,
}

impl<'t> Scope<'t> {
    /// The scope of a whole template: no prefix, the root origin.
    pub fn root(template: &'t mut Template) -> Scope<'t> {
        Scope {
            template,
            prefix: String::new(),
            origin: SourcePath::root(),
        }
    }

    /// The scope of the construct `id` inside this one: the logical IDs it makes start
    /// with this scope's prefix followed by `id` in PascalCase (`research-net` →
    /// `ResearchNet`); [`ONLY`] adds nothing.
    pub fn child(&mut self, id: &str) -> Scope<'_> {
        Scope {
            prefix: format!("{}{}", self.prefix, pascal_case(id)),
            origin: self.origin.clone(),
            template: self.template,
        }
    }

    /// The same place, recording `origin` for the resources added through it.
    pub fn at(&mut self, origin: SourcePath) -> Scope<'_> {
        Scope {
            prefix: self.prefix.clone(),
            origin,
            template: self.template,
        }
    }

    /// The logical ID `local` gets in this scope: the prefix followed by `local` (itself
    /// PascalCase). An empty `local` names the construct itself (the prefix alone).
    pub fn logical_id(&self, local: &str) -> Result<LogicalId, InvalidLogicalId> {
        LogicalId::new(format!("{}{local}", self.prefix))
    }

    /// The logical ID of words derived from names (`["notebook", name]` →
    /// `<prefix>NotebookTeamA`), as [`LogicalId::from_words`] joins them.
    pub fn logical_id_from_words<S: AsRef<str>>(
        &self,
        words: &[S],
    ) -> Result<LogicalId, InvalidLogicalId> {
        let mut id = String::with_capacity(
            self.prefix.len()
                + words.iter().map(|w| w.as_ref().len()).sum::<usize>()
                + PASCAL_CASE_ROOM,
        );
        // The prefix is PascalCase too (see `child`).
        id.push_str(&self.prefix);
        for word in words {
            push_pascal_case(&mut id, word.as_ref());
        }
        LogicalId::from_alphanumeric(id)
    }

    /// Adds `resource` under the logical ID `local` of this scope, recording this scope's
    /// origin for it.
    pub fn add<R: Resource>(
        &mut self,
        local: &str,
        resource: R,
    ) -> Result<Handle<R>, ConstructError> {
        let id = self.logical_id(local)?;
        self.add_as(id, resource)
    }

    /// Adds `resource` under the logical ID of `words` in this scope (see
    /// [`Scope::logical_id_from_words`]).
    pub fn add_named<R: Resource, S: AsRef<str>>(
        &mut self,
        words: &[S],
        resource: R,
    ) -> Result<Handle<R>, ConstructError> {
        let id = self.logical_id_from_words(words)?;
        self.add_as(id, resource)
    }

    /// Adds `resource` under `owner`'s logical ID followed by `suffix` (PascalCase): a
    /// resource that belongs to another and is named after it (the cleanup of the profile
    /// `UserProfileAlice` is `UserProfileAliceCleanup`). The owner's ID holds its scope's
    /// prefix already, and its words were made PascalCase once, for it; doing that again
    /// for every profile's cleanup cost some 490 instructions a user (40.54 → 40.05 M at
    /// 1,000 users).
    pub fn add_after<R: Resource, O: Resource>(
        &mut self,
        owner: &Handle<O>,
        suffix: &str,
        resource: R,
    ) -> Result<Handle<R>, ConstructError> {
        let owner = owner.logical_id().as_str();
        let mut id = String::with_capacity(owner.len() + suffix.len());
        id.push_str(owner);
        id.push_str(suffix);
        let id = LogicalId::from_alphanumeric(id)?;
        self.add_as(id, resource)
    }

    fn add_as<R: Resource>(
        &mut self,
        id: LogicalId,
        resource: R,
    ) -> Result<Handle<R>, ConstructError> {
        let handle = self.template.add(id, resource)?;
        if !self.origin.is_root() {
            self.template
                .set_origin(handle.logical_id(), self.origin.clone());
        }
        Ok(handle)
    }

    /// Tags every resource of the template that takes tags, those already added and those
    /// added later, in the shape each type takes them (see [`Template::set_tags`]): tags
    /// apply to a whole template, as cost allocation reads them, not to one construct.
    pub fn tags(&mut self, tags: &Tags) -> Result<(), ConstructError> {
        Ok(self.template.set_tags(tags)?)
    }

    /// Adds a template parameter under the logical ID `local` of this scope.
    pub fn add_parameter(
        &mut self,
        local: &str,
        parameter: Parameter,
    ) -> Result<ParameterHandle, ConstructError> {
        let id = self.logical_id(local)?;
        Ok(self.template.add_parameter(id, parameter)?)
    }

    /// Adds a condition under the logical ID `local` of this scope.
    pub fn add_condition(
        &mut self,
        local: &str,
        expression: Value,
    ) -> Result<ConditionName, ConstructError> {
        let id = self.logical_id(local)?;
        Ok(self.template.add_condition(id, expression)?)
    }

    /// Adds an output under the logical ID of `words` in this scope.
    pub fn add_output<S: AsRef<str>>(
        &mut self,
        words: &[S],
        output: Output,
    ) -> Result<(), ConstructError> {
        let id = self.logical_id_from_words(words)?;
        Ok(self.template.add_output(id, output)?)
    }

    /// The stored entry of a resource of this template (DependsOn, policies, metadata).
    pub fn entry<R: Resource>(&mut self, handle: &Handle<R>) -> &mut ResourceEntry {
        self.template.entry(handle)
    }

    /// Records a more precise origin for one resource than the scope's (an endpoint of
    /// `network.endpoints[2]` inside the network built for `network`).
    pub fn record_origin<R: Resource>(&mut self, handle: &Handle<R>, origin: SourcePath) {
        self.template.set_origin(handle.logical_id(), origin);
    }

    /// Records that the rule-pack check `rule` (and its equivalents in cfn-lint and
    /// checkov) does not fit `handle`'s resource, with the reason a reviewer reads; the
    /// pipeline writes it into the resource's Metadata.
    pub fn exempt<R: Resource>(&mut self, handle: &Handle<R>, rule: &str, reason: &str) {
        self.template.exempt(handle.logical_id(), rule, reason);
    }

    /// The origin recorded for what is added through this scope.
    pub fn origin(&self) -> &SourcePath {
        &self.origin
    }

    /// The template, to read what is already there.
    pub fn template(&self) -> &Template {
        self.template
    }

    /// The template, for what a scope does not wrap (the description, its metadata).
    pub fn template_mut(&mut self) -> &mut Template {
        self.template
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::ec2::Vpc;

    fn vpc() -> Vpc {
        Vpc::builder().cidr_block("10.0.0.0/16").build().unwrap()
    }

    #[test]
    fn child_scopes_prefix_logical_ids_and_root_adds_nothing() {
        let mut t = Template::new();
        let mut root = Scope::root(&mut t);
        assert_eq!(root.add("Vpc", vpc()).unwrap().logical_id().as_str(), "Vpc");
        let mut research = root.child("research-net");
        assert_eq!(
            research.add("Vpc", vpc()).unwrap().logical_id().as_str(),
            "ResearchNetVpc"
        );
        let mut only = root.child(ONLY);
        let err = only.add("Vpc", vpc()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "logical ID `Vpc` is used twice in Resources"
        );
        let ids: Vec<&str> = t.resources().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids, ["Vpc", "ResearchNetVpc"]);
    }

    #[test]
    fn a_resource_added_after_another_is_named_after_it() {
        let mut t = Template::new();
        let mut root = Scope::root(&mut t);
        let mut research = root.child("research-net");
        let owner = research.add_named(&["vpc", "data-lake"], vpc()).unwrap();
        let after = research.add_after(&owner, "Copy", vpc()).unwrap();
        assert_eq!(after.logical_id().as_str(), "ResearchNetVpcDataLakeCopy");
        // The same name twice is refused as any repeated ID is.
        let err = research.add_after(&owner, "Copy", vpc()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "logical ID `ResearchNetVpcDataLakeCopy` is used twice in Resources"
        );
    }

    #[test]
    fn the_scope_records_the_origin_of_what_it_adds() {
        let mut t = Template::new();
        let mut root = Scope::root(&mut t);
        root.add("Untracked", vpc()).unwrap();
        let mut network = root.at(SourcePath::field("network"));
        let a = network.add("A", vpc()).unwrap();
        let mut nested = network.child("Inner");
        let b = nested.add("B", vpc()).unwrap();
        nested.record_origin(&b, SourcePath::field("network").then("endpoints").at(2));
        assert_eq!(t.origin(a.logical_id()).unwrap().to_string(), "network");
        assert_eq!(
            t.origin(b.logical_id()).unwrap().to_string(),
            "network.endpoints[2]"
        );
        let recorded: Vec<String> = t.origins().map(|(id, _)| id.to_string()).collect();
        assert_eq!(recorded, ["A", "InnerB"]);
    }

    #[test]
    fn a_construct_id_that_is_not_alphanumeric_is_an_error_not_a_panic() {
        let mut t = Template::new();
        let mut root = Scope::root(&mut t);
        let err = root.child(ONLY).add("", vpc()).unwrap_err();
        assert!(err.to_string().contains("not a valid logical ID"), "{err}");
    }
}
