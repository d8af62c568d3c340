//! Studio user profiles in nested stacks (`split: nested`), for domains with more users
//! than one template holds.
//!
//! The users are cut, in definition order, into chunks of [`USERS_PER_STACK`]. Chunk `k`
//! is the child template `NAME.users-kkk.template.json`: a `DomainId` parameter, one
//! profile per user and, with presigned URLs, each user's command output. The parent
//! holds one `AWS::CloudFormation::Stack` per chunk (`StudioUsers001`, …) whose
//! `TemplateURL` is the child's file name, relative to the parent (what
//! `aws cloudformation package` uploads and rewrites to an S3 URL), and an output with
//! the nested stack's ID, where each user's command can be read.
//!
//! Chunks are filled in definition order, so appending users changes only the last chunk
//! (or adds one) and never moves a profile. Inserting or removing a user elsewhere moves
//! every later user into a neighbouring chunk, which CloudFormation carries out as a
//! delete in one nested stack and a create in another: append new users at the end.

use indexmap::IndexMap;

use crate::calendar::Date;
use crate::parallel;
use crate::resources::cloudformation::Stack;
use crate::resources::sagemaker::Domain;
use crate::template::FileExtension;
use crate::template::ParameterType;
use crate::template::{Handle, LogicalId, Output, Parameter, Tags, Template, Value};

use super::presigned_url::{self, PresignedUrlProps};
use super::scope::Scope;
use super::studio_cleanup::{self, StudioCleanup};
use super::{ConstructError, id, studio};

/// Profiles per nested stack. Each profile brings two resources (the profile and its
/// cleanup) and (with presigned URLs) one output, so a child holds 200 of the 500
/// resources and 100 of the 200 outputs CloudFormation allows, two parameters, and about
/// 150 KB of the 1 MB body. The parent
/// gets one nested stack and one output per chunk: the 10,000 users a definition may list
/// make 100 of each, well within its limits next to the domain's own resources.
pub const USERS_PER_STACK: usize = 100;

/// The name of the parameter that carries the domain ID into each child.
pub const DOMAIN_ID_PARAMETER: &str = "DomainId";
/// The name of the parameter that carries the Studio cleanup function's ARN into each
/// child, whose profiles' cleanup resources it serves.
pub const CLEANUP_PARAMETER: &str = "CleanupServiceToken";

/// A child template and what the parent needs to know about it.
#[derive(Clone, Debug)]
pub struct UserChunk {
    /// The file-name suffix: `users-001`.
    pub suffix: String,
    /// The user profiles of this chunk: each user's position in the definition and the
    /// logical ID of their profile in the child (what its origin is recorded for).
    pub profiles: Vec<(usize, LogicalId)>,
    /// The child template: the chunk's user profiles (and their presigned-URL outputs).
    pub template: Template,
    /// The parent's nested stack for this chunk.
    pub stack: Handle<Stack>,
}

/// What `build` needs to know.
pub struct NestedUsersProps<'a> {
    /// The parent stack's name (child files are `NAME.users-kkk.template.EXT`).
    pub stack_name: &'a str,
    /// The extension of the files written.
    pub extension: FileExtension,
    /// Every user-profile name, in definition order: [`USERS_PER_STACK`] per child.
    pub users: &'a [String],
    /// Users being offboarded (see `StudioDomainProps::offboarded`): their cleanup
    /// carries the date, and they get no presigned-URL command.
    pub offboarded: &'a IndexMap<String, Date>,
    /// With presigned URLs, each user's command goes in their chunk's outputs.
    pub presigned_url: Option<PresignedUrlProps>,
}

/// The suffix of chunk `k` (1-based): three digits, so that the hundredth chunk sorts
/// after the first and names never change width as users are added.
pub fn chunk_suffix(k: usize) -> String {
    format!("users-{k:03}")
}

/// The parent's logical ID of chunk `k`'s nested stack.
pub fn chunk_stack_id(k: usize) -> LogicalId {
    id(&format!("StudioUsers{k:03}"))
}

/// Adds one nested stack per chunk to the scope (`<id>001`, `<id>002`, …; the shipped
/// stacks use the id `StudioUsers`, see [`chunk_stack_id`]), and returns the child
/// templates. Each child holds its profiles' cleanup resources, served by the parent's
/// cleanup function; each nested stack depends on the domain's cleanup and on what the
/// function calls through, so that its profiles are emptied and deleted before them.
pub fn new(
    parent: &mut Scope,
    id: &str,
    domain: &Handle<Domain>,
    cleanup: &StudioCleanup,
    props: &NestedUsersProps,
) -> Result<Vec<UserChunk>, ConstructError> {
    // The children's templates do not depend on each other or on the parent: they are
    // composed side by side, and then joined to the parent in order.
    let tags = parent.template().tags().clone();
    let chunked: Vec<(usize, &[String])> =
        props.users.chunks(USERS_PER_STACK).enumerate().collect();
    let ((), templates) = parallel::map_alongside(
        || (),
        chunked,
        |(i, users)| child_template(&tags, users, props).map(|built| (i, built)),
    );
    let mut chunks = Vec::new();
    for built in templates {
        let (i, (child, profiles)) = built?;
        let k = i + 1;
        let first = i * USERS_PER_STACK;
        let suffix = chunk_suffix(k);
        let stack = parent.child(id).add(
            &format!("{k:03}"),
            Stack::builder()
                .template_url(format!(
                    "{}.{suffix}.template.{}",
                    props.stack_name, props.extension
                ))
                .parameters(Value::map([
                    (DOMAIN_ID_PARAMETER, domain.domain_id()),
                    (CLEANUP_PARAMETER, cleanup.function.arn()),
                ]))
                .build()?,
        )?;
        cleanup.nested_stack_needs(parent, &stack);
        // cfn-lint W3002 warns that a local TemplateURL works only through
        // `aws cloudformation package`: that is the intended way to deploy this template
        // (package uploads each child and rewrites the URL), so the warning is silenced
        // here, on these resources only.
        parent.entry(&stack).metadata(
            "cfn-lint",
            Value::map([(
                "config",
                Value::map([("ignore_checks", Value::list([Value::from("W3002")]))]),
            )]),
        );
        chunks.push(UserChunk {
            suffix,
            profiles: profiles
                .into_iter()
                .enumerate()
                .map(|(j, profile)| (first + j, profile))
                .collect(),
            template: child,
            stack,
        });
    }
    Ok(chunks)
}

/// The template of one chunk of users: its two parameters, each user's profile and
/// profile cleanup and, with presigned URLs, each user's command output; and the logical
/// IDs of the profiles, in the order of `users`.
fn child_template(
    tags: &Tags,
    users: &[String],
    props: &NestedUsersProps,
) -> Result<(Template, Vec<LogicalId>), ConstructError> {
    // The children are part of the stack: they carry its tags as the parent does.
    let mut child = Template::new();
    // Each user brings a profile and its cleanup, and at most one output.
    child.reserve(2 * users.len(), users.len());
    child.set_tags(tags)?;
    child.set_description(&format!(
        "Studio user profiles {} to {} of stack {}, in a stack nested in it",
        users[0],
        users[users.len() - 1],
        props.stack_name
    ));
    let mut child_scope = Scope::root(&mut child);
    let domain_id = child_scope
        .add_parameter(
            DOMAIN_ID_PARAMETER,
            Parameter::new(ParameterType::String)
                .description("The Studio domain's ID, passed by the parent stack"),
        )?
        .value();
    let service_token = child_scope
        .add_parameter(
            CLEANUP_PARAMETER,
            Parameter::new(ParameterType::String)
                .description("The Studio cleanup function's ARN, passed by the parent stack"),
        )?
        .value();
    let profiles = studio::user_profiles(&mut child_scope, &domain_id, users)?;
    for (user, profile) in &profiles {
        studio_cleanup::profile_cleanup(
            &mut child_scope,
            &service_token,
            &domain_id,
            user,
            profile,
            props.offboarded.get(user).copied(),
        )?;
    }
    if let Some(presigned) = &props.presigned_url {
        presigned_url::user_outputs(
            &mut child_scope,
            &domain_id,
            users
                .iter()
                .filter(|u| !props.offboarded.contains_key(*u))
                .map(String::as_str),
            presigned,
        )?;
    }
    let ids = profiles
        .values()
        .map(|profile| profile.logical_id().clone())
        .collect();
    Ok((child, ids))
}

/// One parent output per chunk: the nested stack's ID, where its users' commands are.
pub fn outputs(parent: &mut Scope, chunks: &[UserChunk]) -> Result<(), ConstructError> {
    for chunk in chunks {
        let first = chunk.profiles.first().map_or(0, |(i, _)| *i);
        parent.template_mut().add_output(
            LogicalId::new(format!("{}StackId", chunk.stack.logical_id()))?,
            Output::new(chunk.stack.stack_id()).description(format!(
                "Nested stack of Studio user profiles from user {} on (at most {USERS_PER_STACK}, in definition order){}",
                first + 1,
                if chunk.template.outputs().next().is_some() {
                    "; its outputs hold their presigned-URL commands"
                } else {
                    ""
                }
            )),
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes_and_ids_keep_their_width() {
        assert_eq!(chunk_suffix(1), "users-001");
        assert_eq!(chunk_suffix(100), "users-100");
        assert_eq!(chunk_stack_id(12).as_str(), "StudioUsers012");
    }
}
