//! Many definitions at once: which ones a command works on, the stacks folder listed,
//! and a batch synthesized and judged before anything is written.

use std::path::{Path, PathBuf};

use super::{
    Format, HandedOver, Handover, Kept, SynthError, Synthesis, discover, find_stack,
    synthesize_file, synthesize_file_into,
};
use crate::diagnostic::Diagnostic;
use crate::parallel;
use crate::report::ReportFormat;
use crate::stacks::{self, InputErrors};

/// Which definitions a command works on.
#[derive(Clone, Copy, Debug)]
pub enum Selection<'a> {
    /// A definition file, wherever it is (the stack is named after the file).
    File(&'a Path),
    /// `STACKS_DIR/NAME.yaml`.
    Stack(&'a str),
    /// Every `*.yaml` in the stacks folder, sorted by name; possibly none.
    All,
}

/// The definition files of `selection`.
pub fn select(stacks_dir: &Path, selection: Selection) -> Result<Vec<PathBuf>, Box<Diagnostic>> {
    Ok(match selection {
        Selection::File(path) => vec![path.to_path_buf()],
        Selection::Stack(name) => vec![find_stack(stacks_dir, name)?],
        Selection::All => discover(stacks_dir)?
            .into_iter()
            .map(|(_, path)| path)
            .collect(),
    })
}

/// A stack in the stacks folder and its description, or why its definition is invalid.
#[derive(Debug)]
pub struct Listed {
    pub name: String,
    /// The definition's `description` (empty without one).
    pub description: Result<String, InputErrors>,
}

/// Every stack in `stacks_dir`, sorted by name, with its description.
pub fn list(stacks_dir: &Path) -> Result<Vec<Listed>, Box<Diagnostic>> {
    Ok(discover(stacks_dir)?
        .into_iter()
        .map(|(name, path)| {
            let description = stacks::load_file(&path, &path.display().to_string())
                .map(|stack| stack.definition.description.unwrap_or_default());
            Listed { name, description }
        })
        .collect())
}

/// Every selected definition synthesized and validated, before anything is written;
/// each template kept ([`Kept`]) or handed over ([`HandedOver`]) as [`Synthesis`] says.
#[derive(Debug)]
pub struct Batch<T = Kept> {
    /// The definitions that could be built, in the order given (each may break rules).
    pub syntheses: Vec<Synthesis<T>>,
    /// The definitions that could not, in the order given.
    pub errors: Vec<SynthError>,
}

impl<T> Default for Batch<T> {
    fn default() -> Self {
        Batch {
            syntheses: Vec::new(),
            errors: Vec::new(),
        }
    }
}

/// Why a batch is not written, the worse first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Failure {
    /// A definition could not be built because of a bug (a construct refused it), or a
    /// template breaks a rule.
    RuleBroken,
    /// A definition is wrong.
    Input,
}

/// Synthesizes every file in `paths`; one that fails does not stop the others, so every
/// problem is reported at once.
/// The definitions are independent: they are synthesized side by side on the machine's
/// cores ([`parallel::map_alongside`]), and reported in the order of `paths`.
pub fn synthesize_all(paths: &[PathBuf], format: Format) -> Batch {
    gather(paths, |path| synthesize_file(path, format))
}

/// [`synthesize_all`], handing each template over as [`super::synthesize_into`] does:
/// the batch keeps what validation found, and the handover has every text.
pub fn synthesize_all_into(
    paths: &[PathBuf],
    format: Format,
    handover: &dyn Handover,
) -> Batch<HandedOver> {
    gather(paths, |path| synthesize_file_into(path, format, handover))
}

fn gather<T: Send>(
    paths: &[PathBuf],
    synthesize: impl Fn(&PathBuf) -> Result<Synthesis<T>, SynthError> + Sync,
) -> Batch<T> {
    let mut batch = Batch::default();
    let ((), results) = parallel::map_alongside(|| (), paths.iter().collect(), synthesize);
    for result in results {
        match result {
            Ok(s) => batch.syntheses.push(s),
            Err(e) => batch.errors.push(e),
        }
    }
    batch
}

impl<T> Batch<T> {
    /// Every template of every definition: each stack's own, then its children.
    pub fn templates(&self) -> Vec<&Synthesis<T>> {
        self.syntheses.iter().flat_map(Synthesis::all).collect()
    }

    /// Why nothing may be written, if anything stops the batch.
    pub fn failure(&self) -> Option<Failure> {
        let errors = self.errors.iter().map(|e| match e {
            SynthError::Input(_) => Failure::Input,
            SynthError::Construct { .. } => Failure::RuleBroken,
        });
        let rules = self
            .syntheses
            .iter()
            .filter(|s| s.breaks_a_rule())
            .map(|_| Failure::RuleBroken);
        errors.chain(rules).max()
    }

    /// The findings report in `format`, or `None` when there is nothing to say: no
    /// findings, in the default text format, and not asked for in a file. The definitions
    /// that could not be built are the report's errors.
    pub fn report(&self, format: ReportFormat, to_file: bool) -> Option<String> {
        let templates = self.templates();
        let has_findings = templates.iter().any(|s| !s.findings.is_empty());
        let errors: Vec<String> = self.errors.iter().map(ToString::to_string).collect();
        (has_findings || format != ReportFormat::Text || to_file)
            .then(|| super::report_run(format, &templates, &errors))
    }

    /// The first definition that produces more than one template (which stdout cannot
    /// hold).
    pub fn multi_template(&self) -> Option<&Synthesis<T>> {
        self.syntheses.iter().find(|s| !s.children.is_empty())
    }

    /// The names of the files `--out` writes, in `format`: every template's, in order.
    pub fn file_names(&self, format: Format) -> Vec<String> {
        self.templates()
            .iter()
            .map(|s| s.file_name(format))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::FoundResource;
    use crate::validate::Finding;

    fn shipped() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("stacks")
    }

    /// A stacks folder holding the given definitions.
    fn stacks(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        dir
    }

    const VALID: &str = "description: a test stack\nnetwork:\n  cidr: 10.20.0.0/16\n";
    /// Valid YAML, but not a definition.
    const INVALID: &str = "netwrk:\n  cidr: 10.20.0.0/16\n";

    #[test]
    fn a_multi_template_definition_is_named_and_writes_every_file() {
        let batch = synthesize_all(&[shipped().join("studio-multi-account.yaml")], Format::Json);
        let s = batch.multi_template().expect("a StackSet member");
        assert_eq!(s.name, "studio-multi-account");
        assert_eq!(
            batch.file_names(Format::Json),
            [
                "studio-multi-account.template.json",
                "studio-multi-account.member.template.json"
            ]
        );
    }

    #[test]
    fn a_selection_names_files_a_stack_or_every_definition() {
        let dir = stacks(&[("b.yaml", VALID), ("a.yaml", VALID), ("notes.txt", "")]);
        let all = select(dir.path(), Selection::All).unwrap();
        assert_eq!(all, [dir.path().join("a.yaml"), dir.path().join("b.yaml")]);
        let one = select(dir.path(), Selection::Stack("b")).unwrap();
        assert_eq!(one, [dir.path().join("b.yaml")]);
        let elsewhere = Path::new("elsewhere/c.yaml");
        let file = select(Path::new("no-such-dir"), Selection::File(elsewhere)).unwrap();
        assert_eq!(file, [elsewhere]);
        let e = select(dir.path(), Selection::Stack("c")).unwrap_err();
        assert!(e.to_string().contains("unknown stack `c`"), "{e}");
        let empty = tempfile::tempdir().unwrap();
        assert!(select(empty.path(), Selection::All).unwrap().is_empty());
    }

    #[test]
    fn the_listing_has_descriptions_and_marks_invalid_definitions() {
        let dir = stacks(&[
            ("good.yaml", VALID),
            ("bad.yaml", INVALID),
            ("bare.yaml", "network:\n  cidr: 10.20.0.0/16\n"),
        ]);
        let listed = list(dir.path()).unwrap();
        let names: Vec<&str> = listed.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["bad", "bare", "good"]);
        assert!(listed[0].description.is_err());
        assert_eq!(listed[1].description.as_deref().unwrap(), "");
        assert_eq!(listed[2].description.as_deref().unwrap(), "a test stack");
        assert!(list(&dir.path().join("missing")).is_err());
    }

    #[test]
    fn a_batch_reports_every_failure_and_the_worst_decides() {
        let dir = stacks(&[("good.yaml", VALID), ("bad.yaml", INVALID)]);
        let paths = select(dir.path(), Selection::All).unwrap();
        let batch = synthesize_all(&paths, Format::Json);
        assert_eq!(batch.syntheses.len(), 1, "the good one is still built");
        assert_eq!(batch.errors.len(), 1);
        assert_eq!(batch.failure(), Some(Failure::Input));
        let good = synthesize_all(&paths[1..], Format::Json);
        assert_eq!(good.failure(), None);
        assert_eq!(good.file_names(Format::Json), ["good.template.json"]);
        assert!(good.multi_template().is_none());
    }

    /// Collects what a run hands over, in the order handed.
    #[derive(Default)]
    struct Collect(std::sync::Mutex<Vec<(String, String)>>);

    impl Handover for Collect {
        fn hand_over(&self, file_name: String, body: String) {
            self.0.lock().unwrap().push((file_name, body));
        }
    }

    #[test]
    fn a_batch_that_hands_its_templates_over_keeps_what_validation_found_of_each() {
        let paths = [
            shipped().join("studio-multi-account.yaml"),
            shipped().join("team-notebooks.yaml"),
        ];
        let kept = synthesize_all(&paths, Format::MinifiedJson);
        let collect = Collect::default();
        let handed = synthesize_all_into(&paths, Format::MinifiedJson, &collect);
        let handed_over = collect.0.into_inner().unwrap();
        let names = kept.file_names(Format::MinifiedJson);
        assert_eq!(handed.file_names(Format::MinifiedJson), names);
        assert_eq!(
            handed_over.len(),
            names.len(),
            "each template handed over once"
        );
        let mut texts: std::collections::HashMap<String, String> =
            handed_over.into_iter().collect();
        for (k, h) in kept.templates().into_iter().zip(handed.templates()) {
            // What the report shows of a resource a finding names is its type in the
            // template and its origin, as the kept template and origins have them.
            for (id, found) in &k.found_resources {
                let expected = FoundResource {
                    type_name: k.model().resource(id).map(|r| r.type_name),
                    origin: k.origins().get(id).cloned(),
                };
                assert_eq!(found, &expected, "{id}");
            }
            let name = k.file_name(Format::MinifiedJson);
            assert_eq!(texts.remove(&name).as_deref(), Some(k.body()), "{name}");
            assert_eq!(h.findings, k.findings, "{name}");
            assert_eq!(h.found_resources, k.found_resources, "{name}");
            assert_eq!(
                (h.resource_count, h.body_len),
                (k.model().resources().count(), k.body().len()),
                "{name}"
            );
        }
        assert!(
            kept.templates()
                .iter()
                .any(|s| s.found_resources.values().any(|r| r.origin.is_some())),
            "some finding names a resource of the definition"
        );
        assert_eq!(
            handed.report(ReportFormat::Json, true),
            kept.report(ReportFormat::Json, true)
        );
    }

    #[test]
    fn a_template_that_breaks_a_rule_fails_the_batch_and_is_reported() {
        // A stack without a finding: every shipped one has a warning (a body over the
        // 51,200 bytes `deploy --template-file` sends inline) or a suppressed finding.
        let dir = stacks(&[("good.yaml", VALID)]);
        let mut batch = synthesize_all(&[dir.path().join("good.yaml")], Format::Json);
        assert_eq!(batch.failure(), None);
        assert_eq!(
            batch.report(ReportFormat::Text, false),
            None,
            "nothing to say"
        );
        assert!(
            batch.report(ReportFormat::Text, true).is_some(),
            "a file is always written"
        );
        assert!(batch.report(ReportFormat::Json, false).is_some());
        let broken = Finding::error(
            "ENV-STUDIO-ENDPOINTS",
            "Resources.StudioDomain",
            "no studio endpoint",
        );
        batch.syntheses[0].findings.push(broken);
        assert_eq!(batch.failure(), Some(Failure::RuleBroken));
        assert!(batch.report(ReportFormat::Text, false).is_some());
    }
}
