//! Private Python packages: a CodeArtifact domain encrypted with a key of the stack, a
//! repository (`python`) that pip reads, and behind it a repository (`pypi-store`) whose
//! external connection is the public PyPI. pip never leaves the VPC: it reaches the
//! repository through the `codeartifact.api` and `codeartifact.repositories` endpoints,
//! and CodeArtifact fetches from PyPI on its side.
//!
//! The two-repository shape is the one the CloudFormation reference shows for an
//! upstream with an external connection
//! (<https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-codeartifact-repository.html>,
//! "Create a repository with an upstream repository and external connection"): CloudFormation
//! takes a single external connection per repository, and a repository with one is best
//! kept as the cache the readable repository lists in `Upstreams`.
//!
//! Both the domain's and the repositories' permissions policies admit only this account
//! (or the organization of the perimeter): no principal of another account can get a
//! token or read a package, whatever its own policies say.

use crate::resources::codeartifact::{self, Domain, PUBLIC_PYPI, Repository, actions};
use crate::resources::iam::policy::{Condition, PolicyDocument, Principal, Statement, keys};
use crate::sub;
use crate::template::{DeletionPolicy, Handle, Pseudo, Value};

use super::ConstructError;
use super::encryption_key::{EncryptionKey, EncryptionKeyProps};
use super::lifecycle_script::ScriptFragment;
use super::scope::Scope;

/// The readable repository's name.
pub const REPOSITORY_NAME: &str = "python";
/// The name of the repository connected to PyPI.
pub const UPSTREAM_NAME: &str = "pypi-store";

/// The domain's name and who may use it.
#[derive(Clone, Debug, PartialEq)]
pub struct PackageRepositoryProps {
    /// The domain's name: 2 to 50 of `a-z`, `0-9` and `-`, starting with a letter and
    /// ending with a letter or digit (the resource reference's pattern); unique in the
    /// account and region, and public in DNS (the repository host name starts with it).
    pub domain_name: String,
    /// Admit the principals of this organization (`o-…`) instead of this account only.
    pub organization_id: Option<String>,
}

/// The built domain and repositories.
#[derive(Clone, Debug)]
pub struct PackageRepository {
    /// The domain's key.
    pub key: EncryptionKey,
    /// The domain.
    pub domain: Handle<Domain>,
    /// The repository pip reads (`python`), whose upstream is [`PackageRepository::upstream`].
    pub repository: Handle<Repository>,
    /// The repository connected to the public PyPI (`pypi-store`).
    pub upstream: Handle<Repository>,
    /// The domain's name as the definition gives it: on-start scripts name it in plain
    /// text (their content is a string, not a `Fn::Sub`).
    pub domain_name: String,
}

/// Where a [`PackageRepository::pip_fragment`] runs, which decides whose pip it configures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PipTarget {
    /// A notebook instance's OnStart script, run as root: the site-wide `/etc/pip.conf`,
    /// renewed by cron before the token expires.
    NotebookInstance,
    /// A Studio app's lifecycle script, run as the space's user: that user's pip
    /// configuration, renewed at every app start.
    StudioApp,
}

const PIP_SCRIPT: &str = include_str!("scripts/pip_codeartifact.sh");

impl PackageRepository {
    /// The domain and repositories `id` in `scope`: `<id>Key`, `<id>Domain`,
    /// `<id>Repository`, `<id>PypiStore`.
    pub fn new(
        scope: &mut Scope,
        id: &str,
        props: &PackageRepositoryProps,
    ) -> Result<PackageRepository, ConstructError> {
        check_domain_name(&props.domain_name)?;
        let scope = &mut scope.child(id);
        // The domain holds copies of public packages only (nothing is granted to publish),
        // and CloudFormation deletes it with the stack: the key goes with it.
        let key = EncryptionKey::new(
            scope,
            "Packages",
            &EncryptionKeyProps {
                alias_suffix: "packages",
                description: "Encrypts the CodeArtifact domain's packages",
                via_services: &["codeartifact"],
                deletion_policy: DeletionPolicy::Delete,
            },
        )?;
        let domain = scope.add(
            "Domain",
            Domain::builder()
                .domain_name(props.domain_name.as_str())
                .encryption_key(key.key.arn())
                .permissions_policy_document(domain_policy(props))
                .build()?,
        )?;
        let upstream = scope.add(
            "PypiStore",
            Repository::builder()
                .repository_name(UPSTREAM_NAME)
                .domain_name(domain.name())
                .description("Packages of the public PyPI, fetched by CodeArtifact")
                .external_connections(PUBLIC_PYPI)
                .permissions_policy_document(repository_policy(props))
                .build()?,
        )?;
        let repository = scope.add(
            "Repository",
            Repository::builder()
                .repository_name(REPOSITORY_NAME)
                .domain_name(domain.name())
                .description("Python packages for the stack's notebooks, PyPI as upstream")
                .permissions_policy_document(repository_policy(props))
                .upstreams(upstream.name())
                .build()?,
        )?;
        Ok(PackageRepository {
            key,
            domain,
            repository,
            upstream,
            domain_name: props.domain_name.clone(),
        })
    }

    /// The on-start fragment that points pip at the readable repository with a token of
    /// the running role (which needs [`grant_read`](PackageRepository::grant_read)), for
    /// the notebook and Studio lifecycle scripts ([`super::lifecycle_script`]).
    pub fn pip_fragment(&self, target: PipTarget) -> Result<ScriptFragment, ConstructError> {
        // The names go into shell scripts unquoted: only the reference's characters.
        check_domain_name(&self.domain_name)?;
        let target = match target {
            PipTarget::NotebookInstance => "notebook-instance",
            PipTarget::StudioApp => "studio-app",
        };
        ScriptFragment::new(
            "pip through CodeArtifact",
            PIP_SCRIPT
                .replace("@TARGET@", target)
                .replace("@DOMAIN@", &self.domain_name)
                .replace("@REPOSITORY@", REPOSITORY_NAME),
        )
    }

    /// The pip index URL of the readable repository,
    /// `https://<domain>-<account>.d.codeartifact.<region>.amazonaws.com/pypi/python/simple/`
    /// (the form `aws codeartifact login --tool pip` writes, "Configure and use pip with
    /// CodeArtifact", <https://docs.aws.amazon.com/codeartifact/latest/ug/python-configure-pip.html>).
    /// pip also needs a token: `aws codeartifact get-authorization-token`, which the
    /// [`grant_read`](PackageRepository::grant_read) grant allows.
    pub fn pip_index_url(&self) -> Value {
        sub![
            "https://",
            self.domain.name(),
            "-",
            self.domain.owner(),
            ".d.codeartifact.",
            Pseudo::Region,
            ".amazonaws.com/pypi/",
            self.repository.name(),
            "/simple/"
        ]
    }
}

/// The resource reference's pattern for domain names, `[a-z][a-z0-9\-]{0,48}[a-z0-9]`.
pub fn check_domain_name(name: &str) -> Result<(), ConstructError> {
    let bytes = name.as_bytes();
    let valid = (2..=50).contains(&bytes.len())
        && bytes[0].is_ascii_lowercase()
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
        && bytes[bytes.len() - 1] != b'-';
    if valid {
        Ok(())
    } else {
        Err(ConstructError::Invalid(format!(
            "`{name}` is not a CodeArtifact domain name: 2 to 50 of a-z, 0-9 and `-`, starting with a letter, not ending with `-`"
        )))
    }
}

/// Who the policies admit: this account's root (IAM policies of the account then decide),
/// or anyone of the organization.
fn admitted(props: &PackageRepositoryProps, sid: &str) -> Statement {
    let statement = Statement::allow().sid(sid);
    match &props.organization_id {
        Some(org) => statement
            .principal(Principal::anyone())
            .condition(Condition::string_equals(
                keys::PRINCIPAL_ORG_ID,
                [Value::from(org.as_str())],
            )),
        None => statement.principal(Principal::this_account()),
    }
}

/// Tokens for the domain's repositories. The resource is the domain the policy is set on
/// ("Domain policies", `*` stands for it:
/// <https://docs.aws.amazon.com/codeartifact/latest/ug/domain-policies.html>).
fn domain_policy(props: &PackageRepositoryProps) -> PolicyDocument {
    PolicyDocument::new().statement(
        admitted(props, "TokensForTrustedPrincipals")
            .actions([&actions::GET_AUTHORIZATION_TOKEN])
            .any_resource(),
    )
}

/// Reading the repository the policy is set on, and nothing else (publishing stays with
/// the account's administrators): "Repository policies",
/// <https://docs.aws.amazon.com/codeartifact/latest/ug/repo-policies.html>, where the
/// resource is implied and written `*`.
fn repository_policy(props: &PackageRepositoryProps) -> PolicyDocument {
    PolicyDocument::new().statement(
        admitted(props, "ReadForTrustedPrincipals")
            .actions(codeartifact::actions::READ_REPOSITORY)
            .any_resource(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::Template;

    fn build(props: &PackageRepositoryProps) -> serde_json::Value {
        let mut template = Template::new();
        let mut scope = Scope::root(&mut template);
        PackageRepository::new(&mut scope, "Packages", props).unwrap();
        serde_json::to_value(&template).unwrap()
    }

    fn props() -> PackageRepositoryProps {
        PackageRepositoryProps {
            domain_name: "studio-private".into(),
            organization_id: None,
        }
    }

    #[test]
    fn the_domain_is_encrypted_with_the_stacks_key() {
        let t = build(&props());
        let domain = &t["Resources"]["PackagesDomain"];
        assert_eq!(domain["Type"], "AWS::CodeArtifact::Domain");
        assert_eq!(domain["Properties"]["DomainName"], "studio-private");
        assert_eq!(
            domain["Properties"]["EncryptionKey"],
            serde_json::json!({"Fn::GetAtt": ["PackagesPackagesKey", "Arn"]})
        );
        assert_eq!(
            t["Resources"]["PackagesPackagesKey"]["Type"],
            "AWS::KMS::Key"
        );
    }

    #[test]
    fn pip_reads_a_repository_whose_upstream_is_connected_to_pypi() {
        let t = build(&props());
        let store = &t["Resources"]["PackagesPypiStore"]["Properties"];
        assert_eq!(
            store["ExternalConnections"],
            serde_json::json!(["public:pypi"])
        );
        assert!(store.get("Upstreams").is_none());
        let repo = &t["Resources"]["PackagesRepository"]["Properties"];
        assert_eq!(repo["RepositoryName"], "python");
        assert!(repo.get("ExternalConnections").is_none());
        assert_eq!(
            repo["Upstreams"],
            serde_json::json!([{"Fn::GetAtt": ["PackagesPypiStore", "Name"]}])
        );
        assert_eq!(
            repo["DomainName"],
            serde_json::json!({"Fn::GetAtt": ["PackagesDomain", "Name"]})
        );
    }

    #[test]
    fn policies_admit_this_account_only_and_never_publishing() {
        let t = build(&props());
        let root = serde_json::json!({"AWS": [{"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}]});
        let domain = &t["Resources"]["PackagesDomain"]["Properties"]["PermissionsPolicyDocument"];
        assert_eq!(domain["Statement"][0]["Principal"], root);
        assert_eq!(
            domain["Statement"][0]["Action"],
            serde_json::json!(["codeartifact:GetAuthorizationToken"])
        );
        for repo in ["PackagesRepository", "PackagesPypiStore"] {
            let policy = &t["Resources"][repo]["Properties"]["PermissionsPolicyDocument"];
            assert_eq!(policy["Statement"][0]["Principal"], root, "{repo}");
            assert_eq!(
                policy["Statement"][0]["Action"],
                serde_json::json!([
                    "codeartifact:GetRepositoryEndpoint",
                    "codeartifact:ReadFromRepository"
                ]),
                "{repo}"
            );
        }
        assert!(!t.to_string().contains("Publish"));
    }

    #[test]
    fn an_organization_is_admitted_by_its_id() {
        let t = build(&PackageRepositoryProps {
            organization_id: Some("o-abcde12345".into()),
            ..props()
        });
        let statement = &t["Resources"]["PackagesDomain"]["Properties"]["PermissionsPolicyDocument"]
            ["Statement"][0];
        assert_eq!(statement["Principal"], serde_json::json!({"AWS": ["*"]}));
        assert_eq!(
            statement["Condition"],
            serde_json::json!({"StringEquals": {"aws:PrincipalOrgID": "o-abcde12345"}})
        );
    }

    #[test]
    fn the_pip_index_url_names_domain_owner_region_and_repository() {
        let mut template = Template::new();
        let mut scope = Scope::root(&mut template);
        let packages = PackageRepository::new(&mut scope, "Packages", &props()).unwrap();
        assert_eq!(
            serde_json::to_value(packages.pip_index_url()).unwrap(),
            serde_json::json!({"Fn::Sub": "https://${PackagesDomain.Name}-${PackagesDomain.Owner}.d.codeartifact.${AWS::Region}.amazonaws.com/pypi/${PackagesRepository.Name}/simple/"})
        );
    }

    /// Runs the composed fragment with `aws` and `pip` replaced by scripts that record
    /// their arguments, in a scratch folder standing for the instance.
    fn run_fragment(target: PipTarget, arn: &str) -> (std::process::Output, tempfile::TempDir) {
        let mut template = Template::new();
        let mut scope = Scope::root(&mut template);
        let packages = PackageRepository::new(&mut scope, "Packages", &props()).unwrap();
        let script = crate::constructs::lifecycle_script::compose(
            &[packages.pip_fragment(target).unwrap()],
            None,
        )
        .unwrap()
        .unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let bin = dir.join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        let fake = |name: &str, body: &str| {
            let path = bin.join(name);
            std::fs::write(&path, format!("#!/bin/bash\n{body}\n")).unwrap();
            std::process::Command::new("chmod")
                .arg("+x")
                .arg(&path)
                .status()
                .unwrap();
        };
        let log = dir.join("calls");
        fake(
            "aws",
            &format!("echo \"aws $*\" >>{}; echo tok-123", log.display()),
        );
        fake("pip", &format!("echo \"pip $*\" >>{}", log.display()));
        fake("logger", "cat >/dev/null");
        let metadata = dir.join("resource-metadata.json");
        std::fs::write(
            &metadata,
            format!("{{\"ResourceArn\": \"{arn}\", \"ResourceName\": \"n\"}}"),
        )
        .unwrap();
        let out = std::process::Command::new("bash")
            .arg("-c")
            .arg(&script)
            .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
            .env("HOME", dir)
            .env("PIP_INDEX_METADATA", &metadata)
            .env("PIP_INDEX_REFRESHER", dir.join("refresher"))
            .env("PIP_INDEX_CRON_FILE", dir.join("cron"))
            .env("PIP_INDEX_CONF", dir.join("pip.conf"))
            .output()
            .unwrap();
        (out, tmp)
    }

    #[test]
    fn the_notebook_fragment_writes_the_site_pip_conf_and_renews_it_by_cron() {
        let arn = "arn:aws:sagemaker:eu-west-1:123456789012:notebook-instance/n";
        let (out, tmp) = run_fragment(PipTarget::NotebookInstance, arn);
        let dir = tmp.path();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let conf = std::fs::read_to_string(dir.join("pip.conf")).unwrap();
        assert_eq!(
            conf,
            "[global]\nindex-url = https://aws:tok-123@studio-private-123456789012.d.codeartifact.eu-west-1.amazonaws.com/pypi/python/simple/\n"
        );
        let calls = std::fs::read_to_string(dir.join("calls")).unwrap();
        assert_eq!(
            calls,
            "aws codeartifact get-authorization-token --region eu-west-1 --domain studio-private --domain-owner 123456789012 --duration-seconds 43200 --query authorizationToken --output text\n"
        );
        let cron = std::fs::read_to_string(dir.join("cron")).unwrap();
        assert!(cron.starts_with("17 */6 * * * root "), "{cron}");
        assert!(
            cron.contains(&dir.join("refresher").display().to_string()),
            "{cron}"
        );
    }

    #[test]
    fn the_studio_fragment_sets_the_users_pip_index() {
        let arn = "arn:aws:sagemaker:us-east-1:123456789012:app/d-abc/u/jupyterlab/default";
        let (out, tmp) = run_fragment(PipTarget::StudioApp, arn);
        let dir = tmp.path();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let calls = std::fs::read_to_string(dir.join("calls")).unwrap();
        assert!(
            calls.ends_with("pip config --user set global.index-url https://aws:tok-123@studio-private-123456789012.d.codeartifact.us-east-1.amazonaws.com/pypi/python/simple/\n"),
            "{calls}"
        );
        assert!(!dir.join("cron").exists() && !dir.join("pip.conf").exists());
    }

    #[test]
    fn the_fragment_fails_the_start_without_a_readable_arn() {
        let (out, tmp) = run_fragment(PipTarget::StudioApp, "not-an-arn");
        let dir = tmp.path();
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read the region"));
        assert!(!dir.join("calls").exists(), "no token was asked for");
    }

    #[test]
    fn domain_names_follow_the_reference_pattern() {
        for good in ["ab", "studio-private", "a1"] {
            assert!(check_domain_name(good).is_ok(), "{good}");
        }
        for bad in ["a", "1abc", "Abc", "abc-", "a_b", &"a".repeat(51)] {
            assert!(check_domain_name(bad).is_err(), "{bad}");
        }
        let mut template = Template::new();
        let mut scope = Scope::root(&mut template);
        let err = PackageRepository::new(
            &mut scope,
            "Packages",
            &PackageRepositoryProps {
                domain_name: "Bad".into(),
                organization_id: None,
            },
        )
        .unwrap_err();
        assert!(err.to_string().contains("not a CodeArtifact domain name"));
    }
}
