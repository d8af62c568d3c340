//! The `buckets` component, and access to its buckets as teams and groups grant it.

use indexmap::IndexMap;

use crate::constructs::secure_bucket::OBJECT_LOCK_DAYS;
use crate::diagnostic::Diagnostic;
use crate::stacks::definition::{AccessLevel, BucketKey, NoncurrentVersionDays};

use super::Input;

/// Each bucket: an explicit name S3 accepts, noncurrent versions kept at least a day, and
/// an Object Lock period S3 accepts.
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
