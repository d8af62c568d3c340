//! CloudFormation's quotas (`template::limits`): counts per section, logical-ID form,
//! description and body size. What to do about a template over a quota depends on how it
//! was built, so the pipeline adds that advice to these findings.

use crate::template::json::Json;

use super::rules::id;
use super::{BodySize, Finding};
use crate::template::is_valid_logical_id;
use crate::template::json_text;
use crate::template::limits::{
    MAX_BODY_BYTES, MAX_DESCRIPTION_BYTES, MAX_INLINE_BODY_BYTES, SECTION_QUOTAS,
};
use crate::template::read::section;

/// `inline` says whether the template may be deployed inline (`--template-file`): a
/// nested stack's child or a StackSet member never is, its inline-size finding is
/// dropped by the pipeline, so the `--minify` hint (a second serialization of the whole
/// template) is not computed for it.
pub fn check(template: &Json, body: BodySize, inline: bool, findings: &mut Vec<Finding>) {
    let body_len = body.bytes;
    for (name, max) in SECTION_QUOTAS {
        let count = section(template, name).count();
        if count > max {
            findings.push(Finding::error(
                id::CFN_LIMIT_COUNT,
                name,
                format!(
                    "{count} entries in {name}; CloudFormation allows at most {max} per template"
                ),
            ));
        }
        for (key, _) in section(template, name) {
            if !is_valid_logical_id(key) {
                findings.push(Finding::error(
                    id::CFN_LOGICAL_ID,
                    format!("{name}.{key}"),
                    "a logical ID is 1 to 255 ASCII letters and digits",
                ));
            }
        }
    }
    if section(template, "Resources").next().is_none() {
        findings.push(Finding::error(
            id::CFN_NO_RESOURCES,
            "Resources",
            "a template needs at least one resource; add a component such as `network`",
        ));
    }
    if let Some(description) = template.get("Description").and_then(Json::as_str)
        && description.len() > MAX_DESCRIPTION_BYTES
    {
        findings.push(Finding::error(
            id::CFN_LIMIT_DESCRIPTION,
            "Description",
            format!(
                "the description is {} bytes; at most {MAX_DESCRIPTION_BYTES}",
                description.len()
            ),
        ));
    }
    if body_len > MAX_BODY_BYTES {
        findings.push(Finding::error(
            id::CFN_LIMIT_BODY,
            "template",
            format!(
                "the template is {body_len} bytes; CloudFormation accepts at most {MAX_BODY_BYTES}"
            ),
        ));
    } else if body_len > MAX_INLINE_BODY_BYTES {
        findings.push(Finding::warning(
            id::CFN_LIMIT_INLINE_BODY,
            "template",
            format!(
                "the template is {body_len} bytes, over the {MAX_INLINE_BODY_BYTES} that `aws cloudformation deploy --template-file` sends inline; deploy with `--s3-bucket`{}",
                if inline {
                    minify_hint(template, body)
                } else {
                    String::new()
                }
            ),
        ));
    }
}

/// `--minify` as a way under the inline limit, when it is one: the minified body (the
/// bytes `--minify` writes, JSON without whitespace and a final newline), as the printer
/// counted it or else measured, is named only when it fits and is smaller than the body
/// judged (a body already minified has no smaller form).
fn minify_hint(template: &Json, body: BodySize) -> String {
    let minified = body
        .minified
        .unwrap_or_else(|| json_text::compact_len(template) + 1);
    if minified <= MAX_INLINE_BODY_BYTES && minified < body.bytes {
        format!(", or write it with `--minify` ({minified} bytes, which fits)")
    } else {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    #[test]
    fn counts_and_sizes() {
        let resources: crate::template::json::JsonMap = (0..501)
            .map(|i| (format!("R{i}"), json!({"Type": "T"})))
            .collect();
        let t = json!({"Resources": resources, "Outputs": {"Bad-Id": {"Value": "x"}}});
        let mut f = Vec::new();
        check(&t, 60_000.into(), true, &mut f);
        let rules: Vec<&str> = f.iter().map(|f| f.rule).collect();
        assert_eq!(
            rules,
            vec!["CFN-LIMIT-COUNT", "CFN-LOGICAL-ID", "CFN-LIMIT-INLINE-BODY"]
        );
        let mut f = Vec::new();
        check(
            &json!({"Resources": {"A": {"Type": "T"}}}),
            1_000_001.into(),
            true,
            &mut f,
        );
        assert_eq!(f[0].rule, "CFN-LIMIT-BODY");
    }

    #[test]
    fn the_inline_limit_suggests_minify_only_when_the_minified_body_fits() {
        let t = json!({"Resources": {"A": {"Type": "T"}}});
        let minified = serde_json::to_string(&t).unwrap().len() + 1;
        let mut f = Vec::new();
        check(&t, 60_000.into(), true, &mut f);
        assert!(
            f[0].message.ends_with(&format!(
                "deploy with `--s3-bucket`, or write it with `--minify` ({minified} bytes, which fits)"
            )),
            "{}",
            f[0].message
        );
        // A template that is never deployed inline gets the finding (its suppressions
        // must still match it) without the hint the pipeline drops with it.
        let mut f = Vec::new();
        check(&t, 60_000.into(), false, &mut f);
        assert_eq!(f[0].rule, "CFN-LIMIT-INLINE-BODY");
        assert!(
            f[0].message.ends_with("deploy with `--s3-bucket`"),
            "{}",
            f[0].message
        );
        // The minified size the printer counted is the one named, and only when it is
        // smaller than the body.
        let counted = |minified| BodySize {
            bytes: 60_000,
            minified: Some(minified),
        };
        let mut f = Vec::new();
        check(&t, counted(50_000), true, &mut f);
        assert!(
            f[0].message
                .ends_with("or write it with `--minify` (50000 bytes, which fits)"),
            "{}",
            f[0].message
        );
        for minified in [60_000, 51_201] {
            let mut f = Vec::new();
            check(&t, counted(minified), true, &mut f);
            assert!(
                f[0].message.ends_with("deploy with `--s3-bucket`"),
                "{}",
                f[0].message
            );
        }
        // Too big even minified.
        let big: crate::template::json::JsonMap = (0..100)
            .map(|i| {
                (
                    format!("R{i}"),
                    json!({"Type": "T", "Description": "x".repeat(600)}),
                )
            })
            .collect();
        let t = json!({"Resources": big});
        assert!(serde_json::to_string(&t).unwrap().len() > MAX_INLINE_BODY_BYTES);
        let mut f = Vec::new();
        check(&t, 70_000.into(), true, &mut f);
        assert!(
            f[0].message.ends_with("deploy with `--s3-bucket`"),
            "{}",
            f[0].message
        );
    }
}
