//! The `presigned_url` component: a domain and a bastion to issue URLs for and from,
//! durations CreatePresignedDomainUrl accepts, and (when people open their own profiles)
//! profile names an IAM user name can equal.

use crate::constructs::presigned_url::{EXPIRES_IN_SECONDS, SESSION_EXPIRATION_SECONDS};
use crate::diagnostic::Diagnostic;
use crate::stacks::definition::IssuerName;

use super::Input;

pub(super) fn check(input: &Input, problems: &mut Vec<Diagnostic>) {
    let Some(presigned) = &input.def.presigned_url else {
        return;
    };
    if input.def.studio.is_none() || input.def.bastion.is_none() {
        problems.push(
            input.source
                .error_at_key("presigned_url", "`presigned_url` needs a `studio` and a `bastion` component")
                .help("the URL is issued from the bastion for the domain's user profiles; add both components"),
        );
    }
    let ranges = [
        (
            "presigned_url.expires_in_seconds",
            presigned.expires_in_seconds,
            EXPIRES_IN_SECONDS,
        ),
        (
            "presigned_url.session_expiration_seconds",
            presigned.session_expiration_seconds,
            SESSION_EXPIRATION_SECONDS,
        ),
    ];
    for (path, value, (min, max)) in ranges {
        if !(min..=max).contains(&value) {
            problems.push(
                input
                    .source
                    .error_at_value(path, format!("{value} seconds is out of range"))
                    .expected(format!(
                        "{min} to {max} seconds (CreatePresignedDomainUrl's limits)"
                    )),
            );
        }
    }
    if presigned.issuer == IssuerName::People {
        own_profile_names(input, problems);
    }
}

/// People open the profile named like their IAM user (`${aws:username}` in the ARN), and
/// SageMaker authorizes user-profile ARNs with the name lower-cased (see
/// `constructs::grants::sagemaker`), while `aws:username` keeps the case the user was
/// created with: a profile with capitals could be opened by nobody, or only by a user
/// whose name differs from it. Lower-case names make the two one string.
fn own_profile_names(input: &Input, problems: &mut Vec<Diagnostic>) {
    let Some(studio) = &input.def.studio else {
        return;
    };
    for (i, user) in studio.users.iter().map(|u| &u.name).enumerate() {
        if user.0.bytes().any(|b| b.is_ascii_uppercase()) {
            problems.push(
                input
                    .source
                    .error_at_value(
                        &format!("studio.users[{i}]"),
                        format!(
                            "user `{user}` has capitals, but each person opens the profile named like their IAM user"
                        ),
                    )
                    .expected("a lower-case profile name (the IAM user's name, in lower case)")
                    .help(format!(
                        "write `{}`, and name the IAM user the same",
                        user.0.to_ascii_lowercase()
                    )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fields, messages, run};
    use super::*;

    const STUDIO_AND_BASTION: &str = "studio: {}\nbastion: {}\n";

    #[test]
    fn the_limits_themselves_pass() {
        let (min, _) = EXPIRES_IN_SECONDS;
        let (_, max) = SESSION_EXPIRATION_SECONDS;
        let text = format!(
            "{STUDIO_AND_BASTION}presigned_url: {{ expires_in_seconds: {min}, session_expiration_seconds: {max} }}\n"
        );
        assert!(run(&text, check).is_empty());
    }

    #[test]
    fn presigned_url_needs_studio_and_bastion() {
        let problems = run("studio: {}\npresigned_url: {}\n", check);
        assert_eq!(
            messages(&problems),
            ["`presigned_url` needs a `studio` and a `bastion` component"]
        );
    }

    #[test]
    fn people_need_lower_case_profile_names_the_bastion_does_not() {
        let text = "studio: { users: [alice, Bob] }\nbastion: {}\npresigned_url: {}\n";
        let problems = run(text, check);
        assert_eq!(fields(&problems), ["studio.users[1]"]);
        assert_eq!(
            messages(&problems),
            [
                "user `Bob` has capitals, but each person opens the profile named like their IAM user"
            ]
        );
        assert_eq!(
            problems[0].help.as_deref(),
            Some("write `bob`, and name the IAM user the same")
        );
        let shared = text.replace("presigned_url: {}", "presigned_url: { issuer: bastion }");
        assert!(run(&shared, check).is_empty());
    }

    #[test]
    fn durations_out_of_range_are_reported_in_field_order() {
        let text = format!(
            "{STUDIO_AND_BASTION}presigned_url: {{ session_expiration_seconds: 1, expires_in_seconds: 301 }}\n"
        );
        let problems = run(&text, check);
        assert_eq!(
            fields(&problems),
            [
                "presigned_url.expires_in_seconds",
                "presigned_url.session_expiration_seconds"
            ]
        );
        assert_eq!(
            messages(&problems),
            ["301 seconds is out of range", "1 seconds is out of range"]
        );
    }
}
