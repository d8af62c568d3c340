//! The `buckets` component, and access to its buckets as teams and groups grant it.

use indexmap::IndexMap;

use crate::constructs::secure_bucket::OBJECT_LOCK_DAYS;
use crate::diagnostic::Diagnostic;
use crate::stacks::definition::{AccessLevel, BucketKey, NoncurrentVersionDays};

use super::Input;

/// Each bucket: an explicit name S3 accepts, noncurrent versions kept at least a day, an
/// Object Lock period S3 accepts, and `empty_on_delete` only where it can work.
pub(super) fn check(input: &Input, problems: &mut Vec<Diagnostic>) {
    let source = input.source;
    for (bucket, spec) in &input.def.buckets {
        let path = format!("buckets.{bucket}");
        if let Some(name) = &spec.bucket_name
            && let Err(why) = crate::constructs::secure_bucket::check_explicit_name(name)
        {
            problems.push(source.error_at_value(&format!("{path}.bucket_name"), why));
        }
        if spec.noncurrent_version_days == Some(NoncurrentVersionDays::Days(0)) {
            problems.push(
                source
                    .error_at_value(
                        &format!("{path}.noncurrent_version_days"),
                        "0 days would delete every old version at once",
                    )
                    .expected("1 or more days, or `never` to keep every version"),
            );
        }
        let (min, max) = OBJECT_LOCK_DAYS;
        if let Some(lock) = &spec.object_lock
            && !(min..=max).contains(&lock.days)
        {
            problems.push(
                source
                    .error_at_value(
                        &format!("{path}.object_lock.days"),
                        format!("{} days is not an Object Lock period S3 accepts", lock.days),
                    )
                    .expected(format!(
                        "{min} to {max} days (S3 Object Lock's default retention, at most 100 years)"
                    )),
            );
        }
        if spec.empty_on_delete {
            check_empty_on_delete(input, &path, spec, problems);
        } else if spec.retain == Some(false) {
            problems.push(
                source
                    .error_at_value(&format!("{path}.retain"), "a bucket that is not retained must be emptied before CloudFormation can delete it, or the stack's deletion fails while it holds objects")
                    .help("add `empty_on_delete: true` to delete every object with the stack, or drop `retain: false` to keep the bucket"),
            );
        }
    }
}

/// The stack's cleanup empties the bucket: it contradicts `retain`, cannot delete locked
/// versions, and runs on the function a Studio domain brings.
fn check_empty_on_delete(
    input: &Input,
    path: &str,
    spec: &crate::stacks::definition::BucketSpec,
    problems: &mut Vec<Diagnostic>,
) {
    let at = format!("{path}.empty_on_delete");
    let source = input.source;
    if spec.retain == Some(true) {
        problems.push(
            source
                .error_at_value(&at, "`empty_on_delete` deletes every object when the stack is deleted, and `retain: true` keeps them")
                .help("choose one: drop `retain` to let the stack's deletion delete the data, or drop `empty_on_delete` to keep it"),
        );
    }
    if spec.object_lock.is_some() {
        problems.push(
            source
                .error_at_value(&at, "an Object Lock bucket cannot be emptied: its locked versions may not be deleted until their lock ends")
                .help("drop `empty_on_delete`: the bucket and its objects are then kept when the stack is deleted"),
        );
    }
    if input.def.studio.is_none() {
        problems.push(
            source
                .error_at_value(&at, "the bucket is emptied by the stack's cleanup function, which only a stack with a `studio` domain has")
                .help("drop `empty_on_delete` (the bucket is then kept when the stack is deleted), or empty it yourself before deleting the stack"),
        );
    }
}

/// Access to buckets, as teams and groups grant it: every bucket is defined, every list
/// is non-empty and names each level once. `who` names the grantee in messages; `path`
/// is where the grants are written.
pub(super) fn check_access(
    input: &Input,
    who: &str,
    path: &str,
    access: &IndexMap<BucketKey, Vec<AccessLevel>>,
    problems: &mut Vec<Diagnostic>,
) {
    let source = input.source;
    for (bucket, levels) in access {
        let at = format!("{path}.{bucket}");
        if !input.def.buckets.contains_key(bucket) {
            let known: Vec<&str> = input.def.buckets.keys().map(|b| b.0.as_str()).collect();
            let d = source.error_at_key(
                &at,
                format!("{who} grants access to `{bucket}`, which is not in `buckets`"),
            );
            problems.push(
                match crate::diagnostic::did_you_mean(&bucket.0, known.iter().copied()) {
                    Some(close) => d.help(format!("did you mean `{close}`?")),
                    None => d.help(format!("add `{bucket}: {{}}` under `buckets`")),
                },
            );
        }
        if levels.is_empty() {
            problems.push(
                source
                    .error_at_value(&at, "an empty access list grants nothing")
                    .help("remove the entry, or list read, write, delete or list"),
            );
        }
        let mut distinct = levels.clone();
        distinct.sort();
        distinct.dedup();
        if distinct.len() != levels.len() {
            problems.push(source.error_at_value(&at, "an access level is listed twice"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fields, messages, run};
    use super::*;

    #[test]
    fn buckets_with_defaults_pass() {
        let text = "buckets: { raw-data: {}, results: { noncurrent_version_days: 1 } }\n";
        assert!(run(text, check).is_empty());
        let text = "buckets:\n  raw-data: { retain: true, noncurrent_version_days: never, object_lock: { days: 36500 } }\n  results: { object_lock: { days: 1 } }\n";
        assert!(run(text, check).is_empty());
    }

    #[test]
    fn an_object_lock_period_s3_refuses_is_reported_at_the_days() {
        for days in [0, 36_501] {
            let problems = run(
                &format!("buckets: {{ raw-data: {{ object_lock: {{ days: {days} }} }} }}\n"),
                check,
            );
            assert_eq!(
                messages(&problems),
                [format!(
                    "{days} days is not an Object Lock period S3 accepts"
                )]
            );
            assert_eq!(fields(&problems), ["buckets.raw-data.object_lock.days"]);
            assert_eq!(
                problems[0].expected.as_deref(),
                Some("1 to 36500 days (S3 Object Lock's default retention, at most 100 years)")
            );
        }
    }

    #[test]
    fn empty_on_delete_is_refused_where_it_cannot_work() {
        let studio = "studio: { auth: iam, users: [a] }\n";
        let ok = format!("buckets: {{ results: {{ empty_on_delete: true }} }}\n{studio}");
        assert!(run(&ok, check).is_empty());
        for (bucket, why) in [
            (
                "{ empty_on_delete: true, retain: true }",
                "`retain: true` keeps them",
            ),
            (
                "{ empty_on_delete: true, object_lock: { days: 1 } }",
                "an Object Lock bucket cannot be emptied",
            ),
        ] {
            let problems = run(
                &format!("buckets: {{ results: {bucket} }}\n{studio}"),
                check,
            );
            assert_eq!(fields(&problems), ["buckets.results.empty_on_delete"]);
            assert!(messages(&problems)[0].contains(why), "{problems:?}");
        }
        let problems = run("buckets: { results: { empty_on_delete: true } }\n", check);
        assert!(messages(&problems)[0].contains("only a stack with a `studio` domain has"));
        let with_false =
            format!("buckets: {{ results: {{ empty_on_delete: true, retain: false }} }}\n{studio}");
        assert!(run(&with_false, check).is_empty());
    }

    #[test]
    fn a_bucket_not_retained_must_be_emptied() {
        let problems = run("buckets: { results: { retain: false } }\n", check);
        assert_eq!(fields(&problems), ["buckets.results.retain"]);
        assert!(
            messages(&problems)[0].starts_with("a bucket that is not retained must be emptied")
        );
    }

    #[test]
    fn zero_noncurrent_days_is_refused() {
        let problems = run(
            "buckets: { raw-data: { noncurrent_version_days: 0 } }\n",
            check,
        );
        assert_eq!(
            messages(&problems),
            ["0 days would delete every old version at once"]
        );
        assert_eq!(
            fields(&problems),
            ["buckets.raw-data.noncurrent_version_days"]
        );
    }

    #[test]
    fn an_explicit_name_s3_refuses_is_reported_at_the_name() {
        let problems = run(
            "buckets: { raw-data: { bucket_name: Not_A_Bucket } }\n",
            check,
        );
        assert_eq!(fields(&problems), ["buckets.raw-data.bucket_name"]);
    }

    fn team_access(access: &str) -> Vec<Diagnostic> {
        let text = format!("buckets: {{ raw-data: {{}} }}\nteams:\n  eng:\n    access: {access}\n");
        run(&text, |input, problems| {
            let access = &input.def.teams.values().next().unwrap().access;
            check_access(input, "team `eng`", "teams.eng.access", access, problems);
        })
    }

    #[test]
    fn access_to_a_defined_bucket_passes() {
        assert!(team_access("{ raw-data: [read, list] }").is_empty());
    }

    #[test]
    fn access_to_an_unknown_bucket_suggests_the_closest() {
        let problems = team_access("{ raw-dat: [read] }");
        assert_eq!(
            messages(&problems),
            ["team `eng` grants access to `raw-dat`, which is not in `buckets`"]
        );
        assert_eq!(
            problems[0].help.as_deref(),
            Some("did you mean `raw-data`?")
        );
        let problems = team_access("{ zzz: [read] }");
        assert_eq!(
            problems[0].help.as_deref(),
            Some("add `zzz: {}` under `buckets`")
        );
    }

    #[test]
    fn an_empty_or_repeating_access_list_is_refused() {
        assert_eq!(
            messages(&team_access("{ raw-data: [] }")),
            ["an empty access list grants nothing"]
        );
        let problems = team_access("{ raw-data: [read, list, read] }");
        assert_eq!(messages(&problems), ["an access level is listed twice"]);
        assert_eq!(fields(&problems), ["teams.eng.access.raw-data"]);
    }
}
