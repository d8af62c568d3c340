//! SageMaker rules: notebook instances, Studio domains and lifecycle configurations.

mod offboard;
mod reach;

use crate::template::json::Json;

use super::{Context, Equivalents, Rule, Severity, Violation, list, target};
use crate::resources::sagemaker::MAX_LIFECYCLE_CONTENT;

const NOTEBOOK: &[&str] = &["AWS::SageMaker::NotebookInstance"];
const IDENTITY_POLICIES: &[&str] = super::IDENTITY_POLICY_TYPES;
const DOMAIN: &[&str] = &["AWS::SageMaker::Domain"];
const LIFECYCLE: &[&str] = &["AWS::SageMaker::NotebookInstanceLifecycleConfig"];

pub static RULES: &[Rule] = &[
    Rule {
        id: "SM-NOTEBOOK-IN-VPC",
        severity: Severity::Error,
        rationale: "A notebook outside a VPC cannot be kept off the internet or reached only privately.",
        checks: "Notebook instances have a SubnetId (and so live in a VPC).",
        fix: "Place the notebook in a private subnet of the stack's network.",
        applies_to: NOTEBOOK,
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &[],
        },
        check: notebook_in_vpc,
    },
    Rule {
        id: "SM-NOTEBOOK-KMS",
        severity: Severity::Error,
        rationale: "The notebook's volume holds data and credentials; it should use a key the account controls.",
        checks: "Notebook instances have a KmsKeyId.",
        fix: "Set KmsKeyId to the stack's customer-managed key.",
        applies_to: NOTEBOOK,
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &["CKV_AWS_187"],
        },
        check: notebook_kms,
    },
    Rule {
        id: "SM-NOTEBOOK-NO-DIRECT-INTERNET",
        severity: Severity::Error,
        rationale: "Direct internet access bypasses the VPC's controls for code that runs arbitrary user input.",
        checks: "Notebook instances have DirectInternetAccess Disabled.",
        fix: "Set DirectInternetAccess: Disabled and give the VPC the endpoints the notebook needs.",
        applies_to: NOTEBOOK,
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &[],
        },
        check: notebook_no_internet,
    },
    Rule {
        id: "SM-NOTEBOOK-NO-ROOT",
        severity: Severity::Error,
        rationale: "With root access a user can undo the lifecycle configuration's controls.",
        checks: "Notebook instances have RootAccess Disabled.",
        fix: "Set RootAccess: Disabled (lifecycle scripts still run as root).",
        applies_to: NOTEBOOK,
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &[],
        },
        check: notebook_no_root,
    },
    Rule {
        id: "SM-NOTEBOOK-SHARED-IDENTITY",
        severity: Severity::Warning,
        rationale: "Notebooks on one execution role are one principal to IAM: each can assume the role under another's session name, so CloudTrail's notebook name for a call is the caller's claim, and one notebook's user can act as another.",
        checks: "No execution role (RoleArn) is used by more than one notebook instance.",
        fix: "Give each notebook its own role (`notebooks.identity: role-per-notebook`, the default); keep a shared role only as a suppression whose reason accepts the risk.",
        applies_to: &["AWS::SageMaker::NotebookInstance", "AWS::IAM::Role"],
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &[],
        },
        check: notebook_shared_identity,
    },
    Rule {
        id: "SM-DOMAIN-VPC-ONLY",
        severity: Severity::Error,
        rationale: "In PublicInternetOnly mode Studio apps reach the internet around the VPC.",
        checks: "Domains have AppNetworkAccessType VpcOnly.",
        fix: "Set AppNetworkAccessType: VpcOnly (the studio construct does) with the endpoints Studio needs.",
        applies_to: DOMAIN,
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &[],
        },
        check: domain_vpc_only,
    },
    Rule {
        id: "SM-TEARDOWN-CLEANUP",
        severity: Severity::Error,
        rationale: "CloudFormation cannot delete a user profile that still has apps, nor a domain that still has profiles made outside the stack, and leaves the domain's home EFS mount targets holding the network: without a cleanup that runs first, removing a user or deleting the stack fails (cloudformation-coverage-roadmap issues 1754 and 1085).",
        checks: "Every AWS::SageMaker::UserProfile is referenced (Ref or Fn::GetAtt) by the properties of a Custom::StudioCleanup, and every AWS::SageMaker::Domain by one whose Kind is Domain, so that CloudFormation deletes, and so runs, the cleanup before it.",
        fix: "Build the domain and profiles with the studio construct (constructs::studio_cleanup adds the cleanups), or reference the resource from a Custom::StudioCleanup.",
        applies_to: &[
            "AWS::SageMaker::UserProfile",
            "AWS::SageMaker::Domain",
            "Custom::StudioCleanup",
        ],
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &[],
        },
        check: teardown_cleanup,
    },
    Rule {
        id: "SM-OFFBOARD-DUE",
        severity: Severity::Warning,
        rationale: "An offboarded user's profile is closed but keeps its spaces and their EBS volumes, which cost money and hold data nobody reaches; once the agreed date has passed the entry should go, and whoever removes it should know what that deletes.",
        checks: "Custom::StudioCleanup resources of Kind UserProfile whose OffboardAfter date (the definition's offboard_after) is before today (UTC, or SAGESYNTH_TODAY when set). The template never depends on the date; only this warning does.",
        fix: "Copy what must be kept out of the user's private spaces, then remove the user's entry from studio.users: the profile's cleanup deletes its apps and the spaces it owns (EBS volumes), then CloudFormation deletes the profile; the user's EFS home directory stays with the file system. Or move offboard_after to a later date.",
        applies_to: &["Custom::StudioCleanup"],
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &[],
        },
        check: offboard::offboard_due,
    },
    Rule {
        id: "SM-DOMAIN-KMS",
        severity: Severity::Error,
        rationale: "The domain's EFS home volumes hold every user's work; they should use a key the account controls.",
        checks: "Domains have a KmsKeyId.",
        fix: "Set KmsKeyId to a customer-managed key with rotation.",
        applies_to: DOMAIN,
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &["CKV_AWS_187"],
        },
        check: domain_kms,
    },
    Rule {
        id: "SM-DOMAIN-SECURITY-GROUPS",
        severity: Severity::Error,
        rationale: "Without default security groups, Studio apps get the VPC's default group, which nobody reviewed.",
        checks: "Domains list at least one security group in DefaultUserSettings.SecurityGroups.",
        fix: "Give the domain the Studio security group (NFS and app ports from itself).",
        applies_to: DOMAIN,
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &[],
        },
        check: domain_security_groups,
    },
    Rule {
        id: "SM-PRESIGNED-OWN-PROFILE",
        severity: Severity::Warning,
        rationale: "A principal that may create presigned Studio URLs for profiles other than its own (a bastion's instance role, a shared role) lets whoever uses it open Studio as anyone, and CloudTrail records only that principal.",
        checks: "Every statement allowing sagemaker:CreatePresignedDomainUrl names user profiles only as user-profile/<domain>/${aws:username}, the calling IAM user's own profile.",
        fix: "Let people create URLs for their own profile (`presigned_url.issuer: people`, the default); keep the shared flow (`issuer: bastion`) only with a suppression that says why.",
        applies_to: IDENTITY_POLICIES,
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &[],
        },
        check: presigned_own_profile,
    },
    Rule {
        id: "SM-STUDIO-UNREACHABLE",
        severity: Severity::Warning,
        rationale: "A Studio domain whose users have no way in costs its network, key and file system and helps nobody; it is a definition that forgot its entrance (the presigned-URL grant, or the bastion inside the VPC its grant requires).",
        checks: "For every IAM-auth AWS::SageMaker::Domain with user profiles (in the template, or nested stacks given its id): some identity policy allows sagemaker:CreatePresignedDomainUrl; and when every such grant is confined to the VPC (aws:SourceVpce or aws:SourceVpc) and the domain's VPC is one the template creates, the template also has a way into it (an EC2 instance such as the bastion, a client VPN endpoint, a VPN gateway or transit gateway attachment). SSO domains are entered through the IAM Identity Center access portal and are not judged.",
        fix: "Add `presigned_url:` to the definition, with the `bastion:` it needs: each person then creates a URL for their own profile on the bastion (in an existing VPC your network reaches, `network.existing`, the grant alone would do). Or use `auth: sso` with `onboarding`: people sign in through the access portal.",
        applies_to: DOMAIN,
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &[],
        },
        check: reach::studio_unreachable,
    },
    Rule {
        id: "SM-STUDIO-IDLE-SHUTDOWN",
        severity: Severity::Warning,
        rationale: "A JupyterLab or Code Editor app runs, and is billed, until someone stops it: an app left open over a weekend costs its instance's price for every hour. Studio's idle shutdown stops apps whose kernels and terminals have been idle for a set time.",
        checks: "Every domain's DefaultUserSettings.JupyterLabAppSettings and CodeEditorAppSettings have AppLifecycleManagement.IdleSettings with LifecycleManagement ENABLED and an IdleTimeoutInMinutes.",
        fix: "Set `studio.idle_shutdown_minutes` (60 to 525600); users may then choose a shorter time, never a longer one. Keep apps running only with a suppression that says why.",
        applies_to: DOMAIN,
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &[],
        },
        check: studio_idle_shutdown,
    },
    Rule {
        id: "SM-NOTEBOOK-IDLE-STOP",
        severity: Severity::Warning,
        rationale: "A notebook instance runs, and is billed, until someone stops it; SageMaker has no idle stop of its own for notebook instances, so only its lifecycle configuration can stop it when idle.",
        checks: "Every notebook instance has a LifecycleConfigName that refers to a lifecycle configuration of the template whose OnStart script stops the instance on idle: sagesynth's idle-stop part with a limit for this notebook's name, or a script that calls StopNotebookInstance (stop_notebook_instance, aws sagemaker stop-notebook-instance).",
        fix: "Set `idle_stop_minutes` on the notebook (10 to 10080); keep it running only with a suppression that says why (a notebook of the shared role cannot stop itself).",
        applies_to: &[
            "AWS::SageMaker::NotebookInstance",
            "AWS::SageMaker::NotebookInstanceLifecycleConfig",
        ],
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &[],
        },
        check: notebook_idle_stop,
    },
    Rule {
        id: "SM-LIFECYCLE-SHEBANG",
        severity: Severity::Error,
        rationale: "SageMaker runs the script as an executable: without #!/bin/bash on the very first line it fails or runs under another shell.",
        checks: "Every OnCreate/OnStart script starts with `#!/bin/bash` followed by a newline.",
        fix: "Make `#!/bin/bash` the first line of the script, with nothing before it.",
        applies_to: LIFECYCLE,
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &[],
        },
        check: lifecycle_shebang,
    },
    Rule {
        id: "SM-LIFECYCLE-SIZE",
        severity: Severity::Error,
        rationale: "SageMaker rejects a lifecycle script whose base64 Content is over 16,384 characters.",
        checks: "The base64 form of every OnCreate/OnStart script is at most 16,384 characters.",
        fix: "Shorten the script, or have it fetch a longer one from S3.",
        applies_to: LIFECYCLE,
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &[],
        },
        check: lifecycle_size,
    },
];

fn missing(
    cx: &Context,
    kind: &str,
    prop: &str,
    ok: fn(&Json) -> bool,
    message: &str,
) -> Vec<Violation> {
    cx.of_type(kind)
        .filter(|(_, p)| !ok(&p[prop]))
        .map(|(id, _)| Violation::at(id, &format!("Properties.{prop}"), message))
        .collect()
}

fn notebook_in_vpc(cx: &Context) -> Vec<Violation> {
    missing(
        cx,
        NOTEBOOK[0],
        "SubnetId",
        |v| !v.is_null(),
        "the notebook is not in a subnet",
    )
}
fn notebook_kms(cx: &Context) -> Vec<Violation> {
    missing(
        cx,
        NOTEBOOK[0],
        "KmsKeyId",
        |v| !v.is_null(),
        "the notebook volume has no KMS key",
    )
}
fn notebook_no_internet(cx: &Context) -> Vec<Violation> {
    missing(
        cx,
        NOTEBOOK[0],
        "DirectInternetAccess",
        |v| v == "Disabled",
        "direct internet access is not Disabled",
    )
}
fn notebook_no_root(cx: &Context) -> Vec<Violation> {
    missing(
        cx,
        NOTEBOOK[0],
        "RootAccess",
        |v| v == "Disabled",
        "root access is not Disabled",
    )
}
/// Notebook instances grouped by execution role: the role's logical ID when RoleArn
/// points at a role of the template, else the literal RoleArn; in template order.
fn notebooks_by_role<'a>(cx: &'a Context) -> Vec<(String, bool, Vec<&'a str>)> {
    let mut groups: Vec<(String, bool, Vec<&'a str>)> = Vec::new();
    for (id, p) in cx.of_type(NOTEBOOK[0]) {
        let (role, in_template) = match target(&p["RoleArn"]) {
            Some(role) => (role.to_string(), true),
            None => (p["RoleArn"].to_string(), false),
        };
        match groups.iter_mut().find(|(r, _, _)| *r == role) {
            Some((_, _, notebooks)) => notebooks.push(id),
            None => groups.push((role, in_template, vec![id])),
        }
    }
    groups
}

fn notebook_shared_identity(cx: &Context) -> Vec<Violation> {
    notebooks_by_role(cx)
        .into_iter()
        .filter(|(_, _, notebooks)| notebooks.len() > 1)
        .map(|(role, in_template, notebooks)| {
            let message = format!(
                "notebooks {} share execution role {role}: any of them can assume it under another's session name, so no call is tied to one notebook",
                notebooks.join(", ")
            );
            if in_template {
                Violation::at(&role, "", message)
            } else {
                Violation::at(notebooks[0], "Properties.RoleArn", message)
            }
        })
        .collect()
}

fn domain_vpc_only(cx: &Context) -> Vec<Violation> {
    missing(
        cx,
        DOMAIN[0],
        "AppNetworkAccessType",
        |v| v == "VpcOnly",
        "the domain is not VpcOnly",
    )
}
/// What the cleanup resources' properties reference, by position in the template: any
/// of them, and those of kind `Domain` (read from the reference pass's index, not walked
/// again: a child of a split run holds a hundred cleanups).
fn cleaned_up(cx: &Context) -> (Vec<bool>, Vec<bool>) {
    let mut any = vec![false; cx.resource_count()];
    let mut domains = vec![false; any.len()];
    for (at, _, p) in cx.of_type_at("Custom::StudioCleanup") {
        let domain = p["Kind"].as_str() == Some("Domain");
        for to in cx.property_references(at) {
            any[to] = true;
            domains[to] |= domain;
        }
    }
    (any, domains)
}

fn teardown_cleanup(cx: &Context) -> Vec<Violation> {
    let (any, domains) = cleaned_up(cx);
    let profiles = cx
        .of_type_at("AWS::SageMaker::UserProfile")
        .filter(|&(at, _, _)| !any[at])
        .map(|(_, id, _)| {
            Violation::at(
                id,
                "",
                "no Custom::StudioCleanup references this profile: its apps make its deletion fail",
            )
        });
    let without = cx
        .of_type_at(DOMAIN[0])
        .filter(|&(at, _, _)| !domains[at])
        .map(|(_, id, _)| {
            Violation::at(
                id,
                "",
                "no Custom::StudioCleanup of Kind Domain references this domain: onboarded profiles and its home EFS mount targets make the stack's deletion fail",
            )
        });
    profiles.chain(without).collect()
}

fn domain_kms(cx: &Context) -> Vec<Violation> {
    missing(
        cx,
        DOMAIN[0],
        "KmsKeyId",
        |v| !v.is_null(),
        "the domain has no KMS key",
    )
}
fn domain_security_groups(cx: &Context) -> Vec<Violation> {
    cx.of_type(DOMAIN[0])
        .filter(|(_, p)| list(&p["DefaultUserSettings"]["SecurityGroups"]).is_empty())
        .map(|(id, _)| {
            Violation::at(
                id,
                "Properties.DefaultUserSettings.SecurityGroups",
                "no default security group",
            )
        })
        .collect()
}

/// Whether a statement's resource is `…:user-profile/<domain>/${aws:username}`: a literal
/// string, or an Fn::Sub text where the variable is escaped (`${!aws:username}`).
fn is_own_profile(resource: &Json) -> bool {
    let text = resource
        .as_str()
        .or_else(|| resource.get("Fn::Sub").and_then(Json::as_str));
    text.is_some_and(|t| {
        t.contains(":user-profile/")
            && (t.ends_with("/${aws:username}") || t.ends_with("/${!aws:username}"))
    })
}

fn presigned_own_profile(cx: &Context) -> Vec<Violation> {
    cx.identity_allows("sagemaker:CreatePresignedDomainUrl")
        .filter(|(_, s)| s.not_resource || !s.resources.iter().all(|r| is_own_profile(r)))
        .map(|(doc, s)| {
            Violation::at(
                doc.resource,
                &format!("{}.Statement[{}]", doc.path, s.index),
                "presigned Studio URLs for user profiles other than the caller's own: whoever uses this principal can open Studio as any of them",
            )
        })
        .collect()
}

/// The app settings of a domain's defaults that idle shutdown is read from.
const IDLE_APPS: &[&str] = &["JupyterLabAppSettings", "CodeEditorAppSettings"];

fn studio_idle_shutdown(cx: &Context) -> Vec<Violation> {
    let mut out = Vec::new();
    for (id, p) in cx.of_type(DOMAIN[0]) {
        for app in IDLE_APPS {
            let idle = &p["DefaultUserSettings"][*app]["AppLifecycleManagement"]["IdleSettings"];
            let enabled =
                idle["LifecycleManagement"] == "ENABLED" && !idle["IdleTimeoutInMinutes"].is_null();
            if !enabled {
                out.push(Violation::at(
                    id,
                    &format!("Properties.DefaultUserSettings.{app}"),
                    format!(
                        "{app}: no idle shutdown; an idle app keeps running until someone stops it"
                    ),
                ));
            }
        }
    }
    out
}

/// The logical ID of the lifecycle configuration a notebook's `LifecycleConfigName`
/// refers to (`Ref` or `Fn::GetAtt`), if it refers to one.
fn referenced_config(name: &Json) -> Option<&str> {
    name.get("Fn::GetAtt")
        .and_then(|a| a.get(0))
        .or_else(|| name.get("Ref"))
        .and_then(Json::as_str)
}

/// Whether an OnStart script stops notebook `name` on idle: sagesynth's idle-stop part
/// with a branch for the name, or a hand-written call of StopNotebookInstance.
fn stops_on_idle(script: &str, name: Option<&str>) -> bool {
    if script.contains("# --- idle stop (generated) ---") {
        return name.is_some_and(|n| script.contains(&format!("\n  {n}) minutes=")));
    }
    [
        "StopNotebookInstance",
        "stop_notebook_instance",
        "stop-notebook-instance",
    ]
    .iter()
    .any(|call| script.contains(call))
}

fn notebook_idle_stop(cx: &Context) -> Vec<Violation> {
    let mut out = Vec::new();
    for (id, p) in cx.of_type(NOTEBOOK[0]) {
        let name = p["NotebookInstanceName"].as_str();
        let config = referenced_config(&p["LifecycleConfigName"])
            .and_then(|c| cx.resource(c))
            .filter(|r| r["Type"] == LIFECYCLE[0]);
        let stops = config.is_some_and(|c| {
            scripts(&c["Properties"]).iter().any(|(path, text, _)| {
                path.starts_with("Properties.OnStart")
                    && text.as_deref().is_some_and(|t| stops_on_idle(t, name))
            })
        });
        if !stops {
            out.push(Violation::at(
                id,
                "Properties.LifecycleConfigName",
                "no lifecycle configuration of this template stops the notebook when idle: it runs until someone stops it",
            ));
        }
    }
    out
}

/// Each script of a lifecycle configuration: (path, script text if known, base64 length).
fn scripts(p: &Json) -> Vec<(String, Option<String>, usize)> {
    let mut out = Vec::new();
    for hook in ["OnCreate", "OnStart"] {
        for (i, entry) in list(&p[hook]).iter().enumerate() {
            let path = format!("Properties.{hook}[{i}].Content");
            let content = &entry["Content"];
            if let Some(text) = content.get("Fn::Base64").and_then(Json::as_str) {
                out.push((path, Some(text.to_string()), text.len().div_ceil(3) * 4));
            } else if let Some(encoded) = content.as_str() {
                out.push((path, base64_decode(encoded), encoded.len()));
            }
        }
    }
    out
}

fn lifecycle_shebang(cx: &Context) -> Vec<Violation> {
    let mut out = Vec::new();
    for (id, p) in cx.of_type(LIFECYCLE[0]) {
        for (path, text, _) in scripts(p) {
            match text {
                Some(t) if t.starts_with("#!/bin/bash\n") => {}
                Some(t) => out.push(Violation::at(
                    id,
                    &path,
                    format!(
                        "the script starts with {:?}, not `#!/bin/bash` and a newline",
                        t.lines().next().unwrap_or("")
                    ),
                )),
                None => out.push(Violation::at(id, &path, "the Content is not valid base64")),
            }
        }
    }
    out
}

fn lifecycle_size(cx: &Context) -> Vec<Violation> {
    let mut out = Vec::new();
    for (id, p) in cx.of_type(LIFECYCLE[0]) {
        for (path, _, len) in scripts(p) {
            if len > MAX_LIFECYCLE_CONTENT || len == 0 {
                out.push(Violation::at(
                    id,
                    &path,
                    format!(
                        "{len} base64 characters; SageMaker accepts 1 to {MAX_LIFECYCLE_CONTENT}"
                    ),
                ));
            }
        }
    }
    out
}

/// Standard base64 (with padding) to text; `None` if it is not valid base64 of UTF-8.
fn base64_decode(encoded: &str) -> Option<String> {
    let mut bits: u32 = 0;
    let mut count = 0;
    let mut bytes = Vec::with_capacity(encoded.len() * 3 / 4);
    for c in encoded.trim_end_matches('=').bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(v);
        count += 6;
        if count >= 8 {
            count -= 8;
            bytes.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::assert_rule;
    use super::*;
    use crate::json;
    use crate::template::json::Json as Value;

    fn notebook(changes: Json) -> Json {
        let mut p = json!({"InstanceType": "ml.t3.medium", "RoleArn": "arn", "SubnetId": "subnet-1", "KmsKeyId": "k",
            "DirectInternetAccess": "Disabled", "RootAccess": "Disabled"});
        for (k, v) in changes.as_object().unwrap() {
            if v.is_null() {
                p.as_object_mut().unwrap().shift_remove(k);
            } else {
                p[k] = v.clone();
            }
        }
        json!({"Resources": {"N": {"Type": "AWS::SageMaker::NotebookInstance", "Properties": p}}})
    }

    #[test]
    fn a_domain_without_idle_shutdown_of_either_app_is_reported() {
        let idle = json!({"AppLifecycleManagement": {"IdleSettings": {
            "LifecycleManagement": "ENABLED", "IdleTimeoutInMinutes": 120}}});
        let domain = |jupyter: Value, editor: Value| {
            json!({"Resources": {"D": {"Type": "AWS::SageMaker::Domain", "Properties": {
                "DefaultUserSettings": {"JupyterLabAppSettings": jupyter, "CodeEditorAppSettings": editor}}}}})
        };
        let good = domain(idle.clone(), idle.clone());
        assert_rule(
            "SM-STUDIO-IDLE-SHUTDOWN",
            good.clone(),
            domain(idle.clone(), json!({})),
            "Resources.D.Properties.DefaultUserSettings.CodeEditorAppSettings",
        );
        let mut disabled = idle.clone();
        disabled["AppLifecycleManagement"]["IdleSettings"]["LifecycleManagement"] =
            json!("DISABLED");
        assert_rule(
            "SM-STUDIO-IDLE-SHUTDOWN",
            good.clone(),
            domain(disabled, idle.clone()),
            "Resources.D.Properties.DefaultUserSettings.JupyterLabAppSettings",
        );
        let mut no_timeout = idle.clone();
        no_timeout["AppLifecycleManagement"]["IdleSettings"]
            .as_object_mut()
            .unwrap()
            .shift_remove("IdleTimeoutInMinutes");
        assert_rule(
            "SM-STUDIO-IDLE-SHUTDOWN",
            good,
            domain(idle, no_timeout),
            "Resources.D.Properties.DefaultUserSettings.CodeEditorAppSettings",
        );
    }

    #[test]
    fn a_notebook_whose_lifecycle_config_does_not_stop_it_is_reported() {
        let template = |script: &str, config_ref: Value| {
            json!({"Resources": {
                "N": {"Type": "AWS::SageMaker::NotebookInstance", "Properties": {
                    "NotebookInstanceName": "team-a", "LifecycleConfigName": config_ref}},
                "C": {"Type": "AWS::SageMaker::NotebookInstanceLifecycleConfig", "Properties": {
                    "OnStart": [{"Content": {"Fn::Base64": script}}]}}
            }})
        };
        let by_getatt = json!({"Fn::GetAtt": ["C", "NotebookInstanceLifecycleConfigName"]});
        let generated = "#!/bin/bash\n# --- idle stop (generated) ---\ncase \"$name\" in\n  team-a) minutes=60 ;;\nesac\n";
        let other_notebook = generated.replace("team-a)", "team-b)");
        let at = "Resources.N.Properties.LifecycleConfigName";
        assert_rule(
            "SM-NOTEBOOK-IDLE-STOP",
            template(generated, by_getatt.clone()),
            template(&other_notebook, by_getatt.clone()),
            at,
        );
        assert_rule(
            "SM-NOTEBOOK-IDLE-STOP",
            template(generated, by_getatt.clone()),
            template("#!/bin/bash\necho no stop\n", by_getatt.clone()),
            at,
        );
        let hand_written = "#!/bin/bash\npython3 -c 'import boto3; boto3.client(\"sagemaker\").stop_notebook_instance(NotebookInstanceName=\"team-a\")'\n";
        assert_rule(
            "SM-NOTEBOOK-IDLE-STOP",
            template(hand_written, json!({"Ref": "C"})),
            template(hand_written, Value::Null),
            at,
        );
    }

    #[test]
    fn every_profile_and_domain_has_a_cleanup_that_references_it() {
        let cleanup = |kind: &str, props: Value| {
            let mut p = json!({"ServiceToken": {"Fn::GetAtt": ["F", "Arn"]}, "Kind": kind});
            for (k, v) in props.as_object().unwrap() {
                p[k] = v.clone();
            }
            json!({"Type": "Custom::StudioCleanup", "Properties": p})
        };
        let template = |profile_cleanup: Value, domain_cleanup: Value| {
            json!({"Resources": {
                "D": {"Type": "AWS::SageMaker::Domain", "Properties": {}},
                "P": {"Type": "AWS::SageMaker::UserProfile", "Properties": {"DomainId": {"Fn::GetAtt": ["D", "DomainId"]}}},
                "PC": profile_cleanup,
                "DC": domain_cleanup,
            }})
        };
        let good_profile = cleanup(
            "UserProfile",
            json!({"DomainId": {"Fn::GetAtt": ["D", "DomainId"]}, "UserProfileArn": {"Fn::GetAtt": ["P", "UserProfileArn"]}}),
        );
        let good_domain = cleanup(
            "Domain",
            json!({"DomainId": {"Fn::GetAtt": ["D", "DomainId"]}}),
        );
        assert_rule(
            "SM-TEARDOWN-CLEANUP",
            template(good_profile.clone(), good_domain.clone()),
            template(
                cleanup(
                    "UserProfile",
                    json!({"DomainId": {"Fn::GetAtt": ["D", "DomainId"]}, "UserProfileName": "p"}),
                ),
                good_domain,
            ),
            "Resources.P",
        );
        // A profile's cleanup references the domain too, but only a Domain cleanup counts.
        assert_rule(
            "SM-TEARDOWN-CLEANUP",
            template(
                good_profile.clone(),
                cleanup(
                    "Domain",
                    json!({"DomainId": {"Fn::GetAtt": ["D", "DomainId"]}}),
                ),
            ),
            template(
                good_profile,
                cleanup("Domain", json!({"DomainId": "d-literal"})),
            ),
            "Resources.D",
        );
    }

    #[test]
    fn notebook_rules() {
        assert_rule(
            "SM-NOTEBOOK-IN-VPC",
            notebook(json!({})),
            notebook(json!({"SubnetId": null})),
            "Resources.N.Properties.SubnetId",
        );
        assert_rule(
            "SM-NOTEBOOK-KMS",
            notebook(json!({})),
            notebook(json!({"KmsKeyId": null})),
            "Resources.N.Properties.KmsKeyId",
        );
        assert_rule(
            "SM-NOTEBOOK-NO-DIRECT-INTERNET",
            notebook(json!({})),
            notebook(json!({"DirectInternetAccess": "Enabled"})),
            "Resources.N.Properties.DirectInternetAccess",
        );
        assert_rule(
            "SM-NOTEBOOK-NO-ROOT",
            notebook(json!({})),
            notebook(json!({"RootAccess": null})),
            "Resources.N.Properties.RootAccess",
        );
    }

    #[test]
    fn notebooks_sharing_a_role() {
        let with_roles = |a: &str, b: &str| {
            let mut t = notebook(json!({"RoleArn": {"Fn::GetAtt": [a, "Arn"]}}));
            let other = t["Resources"]["N"].clone();
            t["Resources"]["M"] = other;
            t["Resources"]["M"]["Properties"]["RoleArn"] = json!({"Fn::GetAtt": [b, "Arn"]});
            for role in [a, b] {
                t["Resources"][role] = json!({"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {}}});
            }
            t
        };
        assert_rule(
            "SM-NOTEBOOK-SHARED-IDENTITY",
            with_roles("RoleN", "RoleM"),
            with_roles("Shared", "Shared"),
            "Resources.Shared",
        );
        // A role from outside the template, by its ARN.
        let mut literal = notebook(json!({"RoleArn": "arn:aws:iam::1:role/r"}));
        literal["Resources"]["M"] = literal["Resources"]["N"].clone();
        assert_rule(
            "SM-NOTEBOOK-SHARED-IDENTITY",
            notebook(json!({"RoleArn": "arn:aws:iam::1:role/r"})),
            literal,
            "Resources.N.Properties.RoleArn",
        );
    }

    fn domain(changes: Json) -> Json {
        let mut p = json!({"AuthMode": "IAM", "AppNetworkAccessType": "VpcOnly", "KmsKeyId": "k", "DomainName": "d",
            "DefaultUserSettings": {"ExecutionRole": "arn", "SecurityGroups": ["sg-1"]}});
        for (k, v) in changes.as_object().unwrap() {
            p[k] = v.clone();
        }
        json!({"Resources": {"D": {"Type": "AWS::SageMaker::Domain", "Properties": p}}})
    }

    #[test]
    fn domain_rules() {
        assert_rule(
            "SM-DOMAIN-VPC-ONLY",
            domain(json!({})),
            domain(json!({"AppNetworkAccessType": "PublicInternetOnly"})),
            "Resources.D.Properties.AppNetworkAccessType",
        );
        assert_rule(
            "SM-DOMAIN-KMS",
            domain(json!({})),
            domain(json!({"KmsKeyId": null})),
            "Resources.D.Properties.KmsKeyId",
        );
        assert_rule(
            "SM-DOMAIN-SECURITY-GROUPS",
            domain(json!({})),
            domain(json!({"DefaultUserSettings": {"ExecutionRole": "arn"}})),
            "Resources.D.Properties.DefaultUserSettings.SecurityGroups",
        );
    }

    fn presigning_policy(resource: Json) -> Json {
        json!({"Resources": {"P": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
        "PolicyDocument": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "sagemaker:DescribeDomain", "Resource": "*"},
            {"Effect": "Allow", "Action": ["sagemaker:CreatePresignedDomainUrl"], "Resource": [resource]}
        ]}}}}})
    }

    #[test]
    fn presigned_urls_only_for_the_callers_own_profile() {
        let profiles = "arn:${AWS::Partition}:sagemaker:${AWS::Region}:${AWS::AccountId}:user-profile/${StudioDomain.DomainId}";
        let own = json!({"Fn::Sub": format!("{profiles}/${{!aws:username}}")});
        for shared in [
            json!({"Fn::Sub": format!("{profiles}/*")}),
            json!({"Fn::Sub": format!("{profiles}/data-scientist-1")}),
            json!("*"),
        ] {
            assert_rule(
                "SM-PRESIGNED-OWN-PROFILE",
                presigning_policy(own.clone()),
                presigning_policy(shared),
                "Resources.P.Properties.PolicyDocument.Statement[1]",
            );
        }
        // A literal ARN with the variable unescaped is the caller's own profile too.
        assert!(
            super::super::test_support::fire(
                "SM-PRESIGNED-OWN-PROFILE",
                presigning_policy(json!(
                    "arn:aws:sagemaker:eu-west-1:111122223333:user-profile/d-1/${aws:username}"
                ))
            )
            .is_empty()
        );
    }

    fn lifecycle(content: Json) -> Json {
        json!({"Resources": {"L": {"Type": "AWS::SageMaker::NotebookInstanceLifecycleConfig", "Properties": {"OnStart": [{"Content": content}]}}}})
    }

    #[test]
    fn lifecycle_rules() {
        assert_rule(
            "SM-LIFECYCLE-SHEBANG",
            lifecycle(json!({"Fn::Base64": "#!/bin/bash\nset -euo pipefail\n"})),
            lifecycle(json!({"Fn::Base64": "\n#!/bin/bash\nset -e\n"})),
            "Resources.L.Properties.OnStart[0].Content",
        );
        // A literal base64 Content is decoded: "#!/bin/bash\necho" and "echo hi".
        assert_rule(
            "SM-LIFECYCLE-SHEBANG",
            lifecycle(json!("IyEvYmluL2Jhc2gKZWNobw==")),
            lifecycle(json!("ZWNobyBoaQ==")),
            "Resources.L.Properties.OnStart[0].Content",
        );
        assert_rule(
            "SM-LIFECYCLE-SIZE",
            lifecycle(json!({"Fn::Base64": format!("#!/bin/bash\n{}", "x".repeat(12_000))})),
            lifecycle(json!({"Fn::Base64": format!("#!/bin/bash\n{}", "x".repeat(12_300))})),
            "Resources.L.Properties.OnStart[0].Content",
        );
    }

    #[test]
    fn decodes_base64() {
        assert_eq!(
            base64_decode("IyEvYmluL2Jhc2gKZWNobw==").as_deref(),
            Some("#!/bin/bash\necho")
        );
        assert_eq!(base64_decode("not base64!"), None);
    }
}
