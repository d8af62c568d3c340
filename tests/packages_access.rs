//! Reading packages from the ml-platform stack's CodeArtifact repository, evaluated over
//! the policies of the shipped template: the roles that run notebooks (a team notebook's)
//! and Studio apps (the domain's execution role) get a token for the stack's domain, the
//! repository's endpoint and its packages, and the STS bearer token CodeArtifact's token
//! needs. Each denial row differs from an allowed one in one thing: publishing, another
//! repository, another domain, or a bearer token for another service or none named.

mod support;

use serde_json::Value as Json;
use support::iam_eval::{ACCOUNT_ID, Evaluator, REGION};
use support::stacks;

const DOMAIN: &str = "ml-platform";
const NOTEBOOK_ROLE: &str = "ResearchNotebookRole";
const STUDIO_ROLE: &str = "StudioExecutionRole";
const BEARER: &str = "sts:GetServiceBearerToken";
const SERVICE: &str = "sts:AWSServiceName";

fn codeartifact(resource: &str) -> String {
    format!("arn:aws:codeartifact:{REGION}:{ACCOUNT_ID}:{resource}")
}

fn domain() -> String {
    codeartifact(&format!("domain/{DOMAIN}"))
}

fn repository(name: &str) -> String {
    codeartifact(&format!("repository/{DOMAIN}/{name}"))
}

fn evaluator(t: &Json) -> Evaluator<'_> {
    let studio_domain = format!("arn:aws:sagemaker:{REGION}:{ACCOUNT_ID}:domain/d-abc123");
    Evaluator::new(t)
        .with_attribute("StudioDomain", "DomainArn", &studio_domain)
        .with_attribute("StudioDomain", "DomainId", "d-abc123")
}

#[test]
fn notebook_and_studio_roles_read_packages_from_this_repository() {
    let t = stacks::shipped_template("ml-platform");
    let e = evaluator(&t);
    for role in [NOTEBOOK_ROLE, STUDIO_ROLE] {
        e.assert_allowed(role, "codeartifact:GetAuthorizationToken", &domain(), &[]);
        e.assert_allowed(
            role,
            BEARER,
            "*",
            &[(SERVICE, "codeartifact.amazonaws.com")],
        );
        for action in [
            "codeartifact:GetRepositoryEndpoint",
            "codeartifact:ReadFromRepository",
        ] {
            e.assert_allowed(role, action, &repository("python"), &[]);
        }
    }
}

#[test]
fn no_role_publishes_or_reads_another_repository_or_domain() {
    let t = stacks::shipped_template("ml-platform");
    let e = evaluator(&t);
    for role in [NOTEBOOK_ROLE, STUDIO_ROLE] {
        for action in [
            "codeartifact:PublishPackageVersion",
            "codeartifact:PutPackageMetadata",
            "codeartifact:DeletePackageVersions",
        ] {
            e.assert_denied(role, action, &repository("python"), &[]);
        }
        // The PyPI cache is read through `python` only; another repository not at all.
        for other in ["pypi-store", "internal"] {
            e.assert_denied(
                role,
                "codeartifact:ReadFromRepository",
                &repository(other),
                &[],
            );
        }
        let other_domain = codeartifact("domain/another-team");
        e.assert_denied(
            role,
            "codeartifact:GetAuthorizationToken",
            &other_domain,
            &[],
        );
    }
}

#[test]
fn the_bearer_token_is_for_codeartifact_only() {
    let t = stacks::shipped_template("ml-platform");
    let e = evaluator(&t);
    for role in [NOTEBOOK_ROLE, STUDIO_ROLE] {
        e.assert_denied(role, BEARER, "*", &[]);
        e.assert_denied(role, BEARER, "*", &[(SERVICE, "sts.amazonaws.com")]);
    }
}

/// Without `packages` no role holds any of it: studio-private (Studio) and
/// team-notebooks (notebooks) name neither CodeArtifact nor the bearer token.
#[test]
fn stacks_without_packages_grant_nothing_of_codeartifact() {
    for stack in ["studio-private", "team-notebooks"] {
        let text = stacks::shipped_template(stack).to_string();
        assert!(!text.contains("codeartifact:"), "{stack}");
        assert!(!text.contains(BEARER), "{stack}");
    }
}
