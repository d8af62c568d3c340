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

/// What the parent holds for one chunk of users: the nested stack whose child template
/// [`child_template`] composes.
#[derive(Clone, Debug)]
pub struct UserChunk {
    /// The file-name suffix: `users-001`.
    pub suffix: String,
    /// The position in the definition of the chunk's first user.
    pub first: usize,
    /// Whether the child has outputs (the presigned-URL commands of its users who are not
    /// being offboarded).
    pub has_outputs: bool,
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

/// How many nested stacks `users` users take.
pub fn chunk_count(users: usize) -> usize {
    users.div_ceil(USERS_PER_STACK)
}

/// The position in the definition of chunk `i`'s (0-based) first user.
pub fn chunk_first(i: usize) -> usize {
    i * USERS_PER_STACK
}

/// The users of chunk `i` (0-based) of `users`.
fn chunk_users(users: &[String], i: usize) -> &[String] {
    let first = chunk_first(i);
    &users[first..users.len().min(first + USERS_PER_STACK)]
}

/// Adds one nested stack per chunk to the scope (`<id>001`, `<id>002`, …; the shipped
/// stacks use the id `StudioUsers`, see [`chunk_stack_id`]). Each child holds its
/// profiles' cleanup resources, served by the parent's cleanup function; each nested
/// stack depends on the domain's cleanup and on what the function calls through, so that
/// its profiles are emptied and deleted before them. The children themselves are
/// composed by [`child_template`]: they depend on nothing of the parent's, so that a run
/// composes them side by side with it.
pub fn new(
    parent: &mut Scope,
    id: &str,
    domain: &Handle<Domain>,
    cleanup: &StudioCleanup,
    props: &NestedUsersProps,
) -> Result<Vec<UserChunk>, ConstructError> {
    let mut chunks = Vec::new();
    for i in 0..chunk_count(props.users.len()) {
        let k = i + 1;
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
            first: chunk_first(i),
            has_outputs: output_users(props, chunk_users(props.users, i))
                .next()
                .is_some(),
            stack,
        });
    }
    Ok(chunks)
}

/// The template of chunk `i` (0-based) of `props.users`: its two parameters, each user's
/// profile and profile cleanup and, with presigned URLs, each user's command output; and
/// the logical IDs of the profiles, in the order of the users. `tags` are the parent's:
/// the children are part of the stack and carry its tags as the parent does.
pub fn child_template(
    tags: &Tags,
    i: usize,
    props: &NestedUsersProps,
) -> Result<(Template, Vec<LogicalId>), ConstructError> {
    let users = chunk_users(props.users, i);
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
            output_users(props, users),
            presigned,
        )?;
    }
    let ids = profiles
        .values()
        .map(|profile| profile.logical_id().clone())
        .collect();
    Ok((child, ids))
}

/// The users of `users` (a chunk's) whose child has a presigned-URL command output for
/// them: with presigned URLs, every user not being offboarded; none without.
fn output_users<'a>(
    props: &'a NestedUsersProps,
    users: &'a [String],
) -> impl Iterator<Item = &'a str> {
    users
        .iter()
        .filter(|user| props.presigned_url.is_some() && !props.offboarded.contains_key(*user))
        .map(String::as_str)
}

/// One parent output per chunk: the nested stack's ID, where its users' commands are.
pub fn outputs(parent: &mut Scope, chunks: &[UserChunk]) -> Result<(), ConstructError> {
    for chunk in chunks {
        parent.template_mut().add_output(
            LogicalId::new(format!("{}StackId", chunk.stack.logical_id()))?,
            Output::new(chunk.stack.stack_id()).description(format!(
                "Nested stack of Studio user profiles from user {} on (at most {USERS_PER_STACK}, in definition order){}",
                chunk.first + 1,
                if chunk.has_outputs {
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
