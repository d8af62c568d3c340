//! The diff as text for a terminal (with colour when asked) or as Markdown for a
//! pull-request comment. Intrinsics are shown the way a reader writes them (`!Ref X`,
//! `!GetAtt X.Arn`, `!Sub "…"`), long values are cut.

use std::fmt::Write;

use crate::template::json::Json;

use super::{ChangeKind, Impact, PropertyChange, ResourceChange, TemplateDiff, teardown};

const MAX_VALUE_CHARS: usize = 120;

/// Old and new value as a reviewer reads them. Two long values that differ are both
/// shown from a little before their first difference, so that a change deep inside a
/// long string (a function's code, an embedded template) is visible, not cut away.
pub fn readable_pair(old: &Option<Json>, new: &Option<Json>) -> (String, String) {
    let (Some(o), Some(n)) = (old, new) else {
        return (value(old), value(new));
    };
    let (o, n) = (full_text(o), full_text(n));
    let (oc, nc): (Vec<char>, Vec<char>) = (o.chars().collect(), n.chars().collect());
    if oc.len() <= MAX_VALUE_CHARS && nc.len() <= MAX_VALUE_CHARS {
        return (o, n);
    }
    let first_difference = oc.iter().zip(&nc).take_while(|(a, b)| a == b).count();
    let start = first_difference.saturating_sub(CONTEXT_CHARS);
    let window = |chars: &[char]| {
        let shown: String = chars.iter().skip(start).take(MAX_VALUE_CHARS).collect();
        let before = if start > 0 { "…" } else { "" };
        let after = if chars.len() > start + MAX_VALUE_CHARS {
            "…"
        } else {
            ""
        };
        format!("{before}{shown}{after}")
    };
    (window(&oc), window(&nc))
}

/// How much of the common part is kept before the first difference.
const CONTEXT_CHARS: usize = 40;

/// A value as a reviewer reads it.
pub fn readable(v: &Json) -> String {
    let text = full_text(v);
    if text.chars().count() > MAX_VALUE_CHARS {
        let cut: String = text.chars().take(MAX_VALUE_CHARS).collect();
        format!("{cut}…")
    } else {
        text
    }
}

/// A value in reading form, uncut.
fn full_text(v: &Json) -> String {
    match v {
        Json::Object(m) if m.len() == 1 => {
            let (k, arg) = m.iter().next().expect("one entry");
            match (k.as_str(), arg) {
                ("Ref", Json::String(t)) => format!("!Ref {t}"),
                ("Fn::GetAtt", Json::Array(p)) if p.len() == 2 => {
                    format!(
                        "!GetAtt {}.{}",
                        p[0].as_str().unwrap_or("?"),
                        p[1].as_str().unwrap_or("?")
                    )
                }
                ("Fn::Sub", Json::String(s)) => format!("!Sub {s:?}"),
                _ => serde_json::to_string(v).unwrap_or_default(),
            }
        }
        Json::String(s) => format!("{s:?}"),
        other => serde_json::to_string(other).unwrap_or_default(),
    }
}

/// `+` for a key only the new template has, `-` for one only the old has, `~` otherwise.
fn other_mark(old: &Option<Json>, new: &Option<Json>) -> char {
    match (old, new) {
        (None, Some(_)) => '+',
        (Some(_), None) => '-',
        _ => '~',
    }
}

fn value(v: &Option<Json>) -> String {
    v.as_ref().map_or_else(|| "(absent)".to_string(), readable)
}

fn impact_word(i: Impact) -> &'static str {
    match i {
        Impact::Replacement => "REPLACEMENT",
        Impact::MaybeReplacement => "may replace",
        Impact::Interruption => "interruption",
        Impact::InPlace => "in place (not checked)",
        Impact::NoInterruption => "no interruption",
    }
}

/// The update label of a property change, with the replaced resource that causes it.
fn impact_note(p: &PropertyChange) -> String {
    match &p.because_replaced {
        Some(cause) => format!("{}, because {cause} is replaced", impact_word(p.impact)),
        None => impact_word(p.impact).to_string(),
    }
}

fn headline(r: &ResourceChange) -> (char, String) {
    let loss = match &r.kind {
        _ if !r.data_loss => "",
        ChangeKind::Modified(_) if !r.replaces() => " — DATA LOSS if replaced",
        _ => " — DATA LOSS",
    };
    match &r.kind {
        ChangeKind::Added => ('+', format!("{} ({}) added", r.id, r.type_name)),
        ChangeKind::Removed => ('-', format!("{} ({}) removed{loss}", r.id, r.type_name)),
        ChangeKind::Renamed { from } => (
            '~',
            format!(
                "{} ({}) renamed from {from}: CloudFormation deletes {from} and creates {}{loss}",
                r.id, r.type_name, r.id
            ),
        ),
        ChangeKind::Modified(_) => {
            let what = if r.replaces() {
                "REPLACED"
            } else if r.interrupts() {
                "modified, with interruption"
            } else {
                "modified"
            };
            ('~', format!("{} ({}) {what}{loss}", r.id, r.type_name))
        }
    }
}

/// What a removal's cleanup does, as lines under the resource: what it deletes first and
/// what is kept, or that nothing empties it.
fn teardown_lines(r: &ResourceChange) -> Vec<String> {
    let Some(t) = &r.teardown else {
        return Vec::new();
    };
    let Some(cleanup) = &t.cleanup else {
        return vec![
            "no Studio cleanup references it: CloudFormation's delete fails while it has apps \
             or spaces"
                .to_string(),
        ];
    };
    let when = match t.when {
        teardown::When::BeforeDeletion => "first,",
        teardown::When::ThisDeploy => "on this deploy,",
    };
    let mut lines = vec![format!("{when} {cleanup} deletes {}", t.deletes.join("; "))];
    if !t.kept.is_empty() {
        lines.push(format!("kept: {}", t.kept.join("; ")));
    }
    lines
}

fn summary(d: &TemplateDiff) -> String {
    let count = |f: &dyn Fn(&ResourceChange) -> bool| d.resources.iter().filter(|r| f(r)).count();
    format!(
        "{} added, {} removed, {} modified, {} replaced, {} interrupted, {} with data-loss risk",
        count(&|r| matches!(r.kind, ChangeKind::Added)),
        count(&|r| matches!(r.kind, ChangeKind::Removed)),
        count(&|r| matches!(r.kind, ChangeKind::Modified(_) | ChangeKind::Renamed { .. })),
        count(&|r| r.replaces() || matches!(r.kind, ChangeKind::Renamed { .. })),
        count(&|r| r.interrupts()),
        count(&|r| r.data_loss)
    )
}

/// Text for a terminal; `colour` adds ANSI colours (red for removals, replacements and
/// data loss, green for additions).
pub fn render_text(d: &TemplateDiff, colour: bool) -> String {
    let paint = |code: &str, s: &str| {
        if colour {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    };
    let mut out = String::new();
    if d.is_empty() {
        out.push_str("no changes\n");
        return out;
    }
    for r in &d.resources {
        let (mark, line) = headline(r);
        let danger = r.data_loss
            || r.replaces()
            || matches!(r.kind, ChangeKind::Removed | ChangeKind::Renamed { .. });
        let code = if danger {
            "31"
        } else if mark == '+' {
            "32"
        } else {
            "33"
        };
        let _ = writeln!(out, "{}", paint(code, &format!("{mark} {line}")));
        for line in teardown_lines(r) {
            let _ = writeln!(out, "    {line}");
        }
        if let ChangeKind::Modified(props) = &r.kind {
            for p in props {
                let note = impact_note(p);
                let note = match p.impact {
                    Impact::Replacement => paint("31", &note),
                    Impact::Interruption => paint("33", &note),
                    _ => note,
                };
                let (old, new) = readable_pair(&p.old, &p.new);
                let _ = if p.because_replaced.is_some() {
                    writeln!(
                        out,
                        "    {}: {old} (a new value at deploy time)  [{note}]",
                        p.path
                    )
                } else {
                    writeln!(out, "    {}: {old} → {new}  [{note}]", p.path)
                };
            }
        }
    }
    for (k, o, n) in &d.other {
        let _ = match (o, n) {
            (None, Some(n)) => writeln!(out, "{}", paint("32", &format!("+ {k}: {}", readable(n)))),
            (Some(o), None) => writeln!(out, "{}", paint("31", &format!("- {k}: {}", readable(o)))),
            _ => writeln!(out, "~ {k}: {} → {}", value(o), value(n)),
        };
    }
    let _ = writeln!(out, "\n{}", summary(d));
    out
}

/// Markdown for a pull-request comment.
pub fn render_markdown(d: &TemplateDiff) -> String {
    let mut out = String::new();
    if d.is_empty() {
        out.push_str("No changes.\n");
        return out;
    }
    let _ = writeln!(out, "**{}**\n", summary(d));
    if d.resources.iter().any(|r| r.data_loss || r.replaces()) {
        out.push_str("> [!WARNING]\n> This change replaces resources or risks data loss; review the rows marked below.\n\n");
    }
    out.push_str("| | resource | type | change |\n|---|---|---|---|\n");
    for r in &d.resources {
        let (mark, line) = headline(r);
        let flag = if r.data_loss {
            "⚠️ data loss"
        } else if r.replaces() {
            "⚠️ replacement"
        } else if r.interrupts() {
            "⏸️ interruption"
        } else {
            ""
        };
        let mut change = line
            .split_once(") ")
            .map_or(line.as_str(), |(_, rest)| rest)
            .to_string();
        for line in teardown_lines(r) {
            change.push_str("<br>");
            change.push_str(&line);
        }
        let _ = writeln!(
            out,
            "| {mark} {flag} | `{}` | `{}` | {} |",
            r.id,
            r.type_name,
            change.replace('|', "\\|")
        );
    }
    let details: Vec<&ResourceChange> = d
        .resources
        .iter()
        .filter(|r| matches!(r.kind, ChangeKind::Modified(_)))
        .collect();
    if !details.is_empty() {
        out.push_str("\n| resource | property | old | new | update |\n|---|---|---|---|---|\n");
        for r in details {
            if let ChangeKind::Modified(props) = &r.kind {
                for p in props {
                    let (old, mut new) = readable_pair(&p.old, &p.new);
                    if p.because_replaced.is_some() {
                        new = format!("{new} (a new value at deploy time)");
                    }
                    let _ = writeln!(
                        out,
                        "| `{}` | `{}` | `{}` | `{}` | {} |",
                        r.id,
                        p.path,
                        old.replace('|', "\\|").replace('`', "'"),
                        new.replace('|', "\\|").replace('`', "'"),
                        impact_note(p)
                    );
                }
            }
        }
    }
    if !d.other.is_empty() {
        out.push_str("\n| | section | old | new |\n|---|---|---|---|\n");
        for (k, o, n) in &d.other {
            let cell = |v: &Option<Json>| {
                v.as_ref().map_or_else(String::new, |v| {
                    format!("`{}`", readable(v).replace('|', "\\|"))
                })
            };
            let _ = writeln!(
                out,
                "| {} | `{k}` | {} | {} |",
                other_mark(o, n),
                cell(o),
                cell(n)
            );
        }
    }
    out
}

#[cfg(test)]
mod pair_tests {
    use super::*;
    use crate::json;

    #[test]
    fn long_values_are_shown_around_their_first_difference() {
        let base = "x".repeat(500);
        let old = Some(json!(format!("{base}OLD tail")));
        let new = Some(json!(format!("{base}NEW tail")));
        let (o, n) = readable_pair(&old, &new);
        assert!(o.starts_with('…') && n.starts_with('…'), "{o} / {n}");
        assert!(
            o.contains("OLD tail") && n.contains("NEW tail"),
            "{o} / {n}"
        );
        // Cut to the window either way.
        assert!(o.chars().count() <= MAX_VALUE_CHARS + 2);
        // Short values and one-sided changes are shown whole, as before.
        assert_eq!(
            readable_pair(&Some(json!("a")), &Some(json!("b"))),
            ("\"a\"".to_string(), "\"b\"".to_string())
        );
        assert_eq!(
            readable_pair(&None, &Some(json!({"Ref": "X"}))),
            ("(absent)".to_string(), "!Ref X".to_string())
        );
        // A long value that differs early starts at the beginning.
        let (o, _) = readable_pair(
            &Some(json!(format!("A{base}"))),
            &Some(json!(format!("B{base}"))),
        );
        assert!(o.starts_with("\"A") && o.ends_with('…'), "{o}");
    }
}
