//! What a Studio domain's users get by default and may not exceed: idle shutdown of
//! JupyterLab and Code Editor apps, the instance types apps may run on, the size of a
//! space's volume, and lifecycle scripts that run when an app starts.
//!
//! The domain's defaults only pre-fill what a user asks for; the instance-type limit is
//! enforced in IAM (see [`instance_type_conditions`]), since a user's own `CreateApp`
//! or `UpdateSpace` request may name any type.

use crate::resources::iam::policy::{Condition, ConditionKey, SetQualifier};
use crate::resources::sagemaker::{
    AppLifecycleManagement, AppSettings, DefaultEbsStorageSettings, DefaultSpaceStorageSettings,
    IDLE_TIMEOUT_MINUTES, IdleSettings, LifecycleManagement, ResourceSpec, StudioLifecycleConfig,
    StudioLifecycleConfigAppType, UserSettingsBuilder,
};
use crate::template::{Handle, Value};

use super::ConstructError;
use super::lifecycle_script::{self, ScriptFragment};
use super::scope::Scope;

/// The app types whose settings this construct writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StudioApp {
    /// JupyterLab (`JupyterLabAppSettings`).
    JupyterLab,
    /// Code Editor (`CodeEditorAppSettings`).
    CodeEditor,
}

impl StudioApp {
    fn app_type(self) -> StudioLifecycleConfigAppType {
        match self {
            StudioApp::JupyterLab => StudioLifecycleConfigAppType::JupyterLab,
            StudioApp::CodeEditor => StudioLifecycleConfigAppType::CodeEditor,
        }
    }
}

/// One lifecycle script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StudioLifecycleScript {
    /// Its name in the definition; the configuration is `StudioLifecycle<Name>` and named
    /// by [`lifecycle_config_name`].
    pub name: String,
    /// The app type it runs in.
    pub app: StudioApp,
    /// The script's text, emitted as `Fn::Base64` of the plain text.
    pub script: String,
    /// Whether every app of its type runs it unless the user picks another.
    pub default: bool,
}

/// A domain's settings; every field's absence leaves SageMaker's own default.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StudioSettingsProps {
    /// Minutes after which an idle app is shut down; users may pick a shorter time down
    /// to the reference's minimum (60), never a longer one.
    pub idle_shutdown_minutes: Option<u32>,
    /// The instance types apps may run on; the first is the default. Empty: any.
    pub instance_types: Vec<String>,
    /// A new space's EBS volume size and the most it may grow to, in GiB.
    pub ebs_gb: Option<(u32, u32)>,
    /// Lifecycle scripts, in definition order.
    pub lifecycle_scripts: Vec<StudioLifecycleScript>,
    /// Generated work every JupyterLab and Code Editor app does at its start (package
    /// configuration, ...), run before the lifecycle script. An app runs one lifecycle
    /// configuration, so these go into each of [`Self::lifecycle_scripts`], and an app
    /// type without a default script gets a default configuration of these alone
    /// (`<id>LifecycleSagesynth<App>`).
    pub extra_on_start: Vec<ScriptFragment>,
}

/// `-` and eight hex digits of the content hash that [`lifecycle_config_name`] appends.
pub const LIFECYCLE_NAME_SUFFIX_LEN: usize = 9;

/// `<name>-<hash>`: the configuration's content cannot change in place (every property
/// of `AWS::SageMaker::StudioLifecycleConfig` is create-only), and CloudFormation cannot
/// replace a resource whose fixed name stays the same, so the name carries a hash of what
/// it depends on (`salt`: the domain name and the script), which also keeps two stacks'
/// configurations of one name apart. FNV-1a: stable on every machine and release.
pub fn lifecycle_config_name(name: &str, salt: &str) -> String {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in salt.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    format!("{name}-{hash:08x}")
}

/// The multi-valued `sagemaker:InstanceTypes`, which the Service Authorization Reference
/// lists for `CreateApp`, `CreateSpace` and `UpdateSpace` (among others).
pub const INSTANCE_TYPES: ConditionKey = ConditionKey::multi("sagemaker:InstanceTypes");

/// The condition that confines a request to `types`: every type it names is one of
/// them. `ForAllValues:StringEquals` is also true for a request that names no type, and
/// that is allowed on purpose: SageMaker then starts the app on the default of its space,
/// else of the user profile, else of the domain (the CreateApp API reference: a
/// `ResourceSpec.InstanceType` of the request overrides those defaults), and each of those
/// is confined too: a space's default is set through `CreateSpace` / `UpdateSpace` under
/// this same condition, and the profile and domain defaults are the stack's (the first
/// allowed type), which the execution role cannot change. Refusing type-less requests
/// (a `Null` check) would add nothing but the risk of refusing a client that leaves the
/// type to the default.
pub fn instance_type_conditions(types: &[String]) -> Vec<Condition> {
    vec![
        Condition::string_equals(
            INSTANCE_TYPES,
            types.iter().map(|t| Value::from(t.as_str())),
        )
        .qualified(SetQualifier::ForAllValues),
    ]
}

/// The lifecycle configurations, and the domain's default user settings for them.
#[derive(Clone, Debug)]
pub struct StudioSettings {
    /// `StudioLifecycle<Name>` by name, in definition order.
    pub lifecycle_configs: Vec<(String, Handle<StudioLifecycleConfig>)>,
    /// The default configurations that carry [`StudioSettingsProps::extra_on_start`]
    /// alone, for app types whose definition names no default script.
    pub generated_configs: Vec<(StudioApp, Handle<StudioLifecycleConfig>)>,
    props: StudioSettingsProps,
}

/// The name of the generated default configuration of `app` (see
/// [`StudioSettingsProps::extra_on_start`]); a definition's script names are checked
/// against it.
pub fn generated_config_name(app: StudioApp) -> &'static str {
    match app {
        StudioApp::JupyterLab => "sagesynth-jupyterlab",
        StudioApp::CodeEditor => "sagesynth-code-editor",
    }
}

/// The configuration `<scope>Lifecycle<Name>` of one script, named by
/// [`lifecycle_config_name`] salted with the domain's name and the content.
fn lifecycle_config(
    scope: &mut Scope,
    name: &str,
    app: StudioApp,
    domain_name: &str,
    content: String,
) -> Result<Handle<StudioLifecycleConfig>, ConstructError> {
    let salt = format!("{domain_name}\n{content}");
    scope.add_named(
        &["lifecycle", name],
        StudioLifecycleConfig::builder()
            .studio_lifecycle_config_app_type(app.app_type())
            .studio_lifecycle_config_name(lifecycle_config_name(name, &salt))
            .studio_lifecycle_config_content(Value::base64(content))
            .build()?,
    )
}

impl StudioSettings {
    /// The lifecycle configurations `<id>Lifecycle<Name>` in the scope (`StudioLifecycle<Name>`
    /// in the Studio domain), named for the domain `domain_name`.
    pub fn new(
        scope: &mut Scope,
        id: &str,
        domain_name: &str,
        props: &StudioSettingsProps,
    ) -> Result<StudioSettings, ConstructError> {
        if let Some(minutes) = props.idle_shutdown_minutes
            && !(IDLE_TIMEOUT_MINUTES.0..=IDLE_TIMEOUT_MINUTES.1).contains(&minutes)
        {
            return Err(ConstructError::Invalid(format!(
                "idle shutdown after {minutes} minutes is outside SageMaker's {} to {}",
                IDLE_TIMEOUT_MINUTES.0, IDLE_TIMEOUT_MINUTES.1
            )));
        }
        let mut scope = scope.child(id);
        let mut lifecycle_configs = Vec::new();
        for script in &props.lifecycle_scripts {
            let content = lifecycle_script::compose(&props.extra_on_start, Some(&script.script))?
                .unwrap_or_default();
            let config =
                lifecycle_config(&mut scope, &script.name, script.app, domain_name, content)?;
            lifecycle_configs.push((script.name.clone(), config));
        }
        let mut generated_configs = Vec::new();
        for app in [StudioApp::JupyterLab, StudioApp::CodeEditor] {
            let has_default = props
                .lifecycle_scripts
                .iter()
                .any(|s| s.app == app && s.default);
            if has_default {
                continue;
            }
            if let Some(content) = lifecycle_script::compose(&props.extra_on_start, None)? {
                let config = lifecycle_config(
                    &mut scope,
                    generated_config_name(app),
                    app,
                    domain_name,
                    content,
                )?;
                generated_configs.push((app, config));
            }
        }
        Ok(StudioSettings {
            lifecycle_configs,
            generated_configs,
            props: props.clone(),
        })
    }

    /// `user_settings` with the app settings and storage defaults of these settings.
    pub fn apply(
        &self,
        mut user_settings: UserSettingsBuilder,
    ) -> Result<UserSettingsBuilder, ConstructError> {
        for app in [StudioApp::JupyterLab, StudioApp::CodeEditor] {
            if let Some(settings) = self.app_settings(app)? {
                user_settings = match app {
                    StudioApp::JupyterLab => user_settings.jupyter_lab_app_settings(settings),
                    StudioApp::CodeEditor => user_settings.code_editor_app_settings(settings),
                };
            }
        }
        if let Some((default, max)) = self.props.ebs_gb {
            user_settings = user_settings.space_storage_settings(
                DefaultSpaceStorageSettings::builder()
                    .default_ebs_storage_settings(
                        DefaultEbsStorageSettings::builder()
                            .default_ebs_volume_size_in_gb(i64::from(default))
                            .maximum_ebs_volume_size_in_gb(i64::from(max))
                            .build()?,
                    )
                    .build()?,
            );
        }
        Ok(user_settings)
    }

    /// One app type's settings, or none when nothing is set for it.
    fn app_settings(&self, app: StudioApp) -> Result<Option<AppSettings>, ConstructError> {
        let mut builder = AppSettings::builder();
        let mut any = false;
        if let Some(minutes) = self.props.idle_shutdown_minutes {
            builder = builder.app_lifecycle_management(
                AppLifecycleManagement::builder()
                    .idle_settings(
                        IdleSettings::builder()
                            .idle_timeout_in_minutes(i64::from(minutes))
                            .lifecycle_management(LifecycleManagement::Enabled)
                            .max_idle_timeout_in_minutes(i64::from(minutes))
                            .min_idle_timeout_in_minutes(i64::from(IDLE_TIMEOUT_MINUTES.0))
                            .build()?,
                    )
                    .build()?,
            );
            any = true;
        }
        let mut spec = ResourceSpec::builder();
        let mut has_spec = false;
        if let Some(first) = self.props.instance_types.first() {
            spec = spec.instance_type(first.as_str());
            has_spec = true;
        }
        for (script, (_, config)) in self
            .props
            .lifecycle_scripts
            .iter()
            .zip(&self.lifecycle_configs)
        {
            if script.app != app {
                continue;
            }
            builder = builder.lifecycle_config_arns(config.arn());
            any = true;
            if script.default {
                spec = spec.lifecycle_config_arn(config.arn());
                has_spec = true;
            }
        }
        for (generated, config) in &self.generated_configs {
            if *generated == app {
                builder = builder.lifecycle_config_arns(config.arn());
                spec = spec.lifecycle_config_arn(config.arn());
                has_spec = true;
                any = true;
            }
        }
        if has_spec {
            builder = builder.default_resource_spec(spec.build()?);
            any = true;
        }
        Ok(any.then(|| builder.build()).transpose()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::Template;

    fn settings(extra: Vec<ScriptFragment>) -> serde_json::Value {
        let mut t = Template::new();
        let mut scope = Scope::root(&mut t);
        let props = StudioSettingsProps {
            lifecycle_scripts: vec![StudioLifecycleScript {
                name: "setup".into(),
                app: StudioApp::JupyterLab,
                script: "#!/bin/bash\necho setup\n".into(),
                default: true,
            }],
            extra_on_start: extra,
            ..StudioSettingsProps::default()
        };
        let settings = StudioSettings::new(&mut scope, "Studio", "domain", &props).unwrap();
        let user = settings
            .apply(crate::resources::sagemaker::UserSettings::builder().execution_role("r"))
            .unwrap();
        let mut json = serde_json::to_value(&t).unwrap();
        json["UserSettings"] = serde_json::to_value(Value::from(user.build().unwrap())).unwrap();
        json
    }

    fn content(json: &serde_json::Value, id: &str) -> String {
        json["Resources"][id]["Properties"]["StudioLifecycleConfigContent"]["Fn::Base64"]
            .as_str()
            .unwrap()
            .to_string()
    }

    #[test]
    fn extra_content_runs_in_every_script_and_by_default_where_no_script_does() {
        let plain = settings(Vec::new());
        assert_eq!(
            content(&plain, "StudioLifecycleSetup"),
            "#!/bin/bash\necho setup\n"
        );
        assert_eq!(plain["Resources"].as_object().unwrap().len(), 1);
        assert!(plain["UserSettings"]["CodeEditorAppSettings"].is_null());

        let extra = settings(vec![ScriptFragment::new("pip", "echo pip").unwrap()]);
        let setup = content(&extra, "StudioLifecycleSetup");
        let pip = setup.find("echo pip").unwrap();
        assert!(pip < setup.find("echo setup").unwrap(), "{setup}");
        let editor = content(&extra, "StudioLifecycleSagesynthCodeEditor");
        assert!(
            editor.contains("echo pip") && !editor.contains("setup"),
            "{editor}"
        );
        assert!(extra["Resources"]["StudioLifecycleSagesynthJupyterlab"].is_null());
        let code_editor = &extra["UserSettings"]["CodeEditorAppSettings"];
        assert_eq!(
            code_editor["DefaultResourceSpec"]["LifecycleConfigArn"],
            code_editor["LifecycleConfigArns"][0]
        );
        assert_eq!(
            code_editor["LifecycleConfigArns"][0]["Fn::GetAtt"][0],
            "StudioLifecycleSagesynthCodeEditor"
        );
        assert_ne!(
            plain["Resources"]["StudioLifecycleSetup"]["Properties"]["StudioLifecycleConfigName"],
            extra["Resources"]["StudioLifecycleSetup"]["Properties"]["StudioLifecycleConfigName"],
            "new content, new name (the content is create-only)"
        );
    }
}
