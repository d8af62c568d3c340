//! What a Studio domain's users get by default and may not exceed: idle shutdown of
//! JupyterLab and Code Editor apps, the instance types apps may run on, the size of a
//! space's volume, lifecycle scripts that run when an app starts, and the custom images
//! apps may run on.
//!
//! The domain's defaults only pre-fill what a user asks for; the instance-type limit is
//! enforced in IAM (see [`instance_type_conditions`]), since a user's own `CreateApp`
//! or `UpdateSpace` request may name any type.

use crate::resources::iam::policy::{
    Condition, ConditionKey, PolicyDocument, SetQualifier, Statement,
};
use crate::resources::iam::{self, Policy, Role};
use crate::resources::sagemaker::{
    AppImageConfig, AppImageSettings, AppLifecycleManagement, AppSettings, CustomImage,
    DefaultEbsStorageSettings, DefaultSpaceStorageSettings, IDLE_TIMEOUT_MINUTES, IdleSettings,
    Image, ImageVersion, LifecycleManagement, ResourceSpec, StudioLifecycleConfig,
    StudioLifecycleConfigAppType, UserSettingsBuilder, is_valid_image_name,
};
use crate::resources::{arn, ecr};
use crate::template::{Handle, Pseudo, Sub, SubPart, Value};

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

/// Which image of an ECR repository an image version is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImageReference {
    /// A tag, which the repository may later point at another image.
    Tag(String),
    /// A digest (`sha256:…`): exactly one image.
    Digest(String),
}

/// One custom image, from an ECR repository of this account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StudioImage {
    /// The SageMaker image name (see [`is_studio_image_name`]), unique in the account and
    /// region.
    pub name: String,
    /// The app type that runs it.
    pub app: StudioApp,
    /// The repository's name.
    pub repository: String,
    /// The tag or digest of the image in it.
    pub reference: ImageReference,
    /// Whether apps of its type start on it unless the user picks another.
    pub default: bool,
}

impl StudioImage {
    /// `<account>.dkr.ecr.<region>.<url suffix>/<repository>:<tag>` (or `@<digest>`): the
    /// image version's `BaseImage`.
    fn uri(&self) -> Value {
        let reference = match &self.reference {
            ImageReference::Tag(tag) => format!(":{tag}"),
            ImageReference::Digest(digest) => format!("@{digest}"),
        };
        Sub::from_parts(vec![
            SubPart::from(Pseudo::AccountId),
            SubPart::from(".dkr.ecr."),
            SubPart::from(Pseudo::Region),
            SubPart::from("."),
            SubPart::from(Pseudo::UrlSuffix),
            SubPart::from(format!("/{}{reference}", self.repository)),
        ])
        .into_value()
    }
}

/// Whether `name` may name a Studio image here: SageMaker's image-name rule
/// ([`crate::resources::sagemaker::IMAGE_NAME_PATTERN`]) in lower case, because the image
/// ARN a domain's `DefaultResourceSpec.SageMakerImageArn` takes allows only lower case.
pub fn is_studio_image_name(name: &str) -> bool {
    is_valid_image_name(name) && !name.bytes().any(|b| b.is_ascii_uppercase())
}

/// The name of an image's app image configuration: the image's, with `.` written `-`
/// (app image configuration names take no dots: `^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}`).
pub fn app_image_config_name(image: &str) -> String {
    image.replace('.', "-")
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
    /// Custom images, in definition order.
    pub images: Vec<StudioImage>,
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
    /// The custom images' resources, in definition order.
    pub images: Vec<StudioImageResources>,
    props: StudioSettingsProps,
}

/// What one custom image is made of: `<id>Image<Name>`, its `Version`, `Config` and `Role`.
#[derive(Clone, Debug)]
pub struct StudioImageResources {
    /// The image.
    pub image: Handle<Image>,
    /// Its one version, the definition's container image.
    pub version: Handle<ImageVersion>,
    /// How apps of its type run it.
    pub config: Handle<AppImageConfig>,
    /// The role SageMaker reads the container image with.
    pub role: Handle<Role>,
}

impl StudioSettings {
    /// The ARNs of the custom images and of their versions, which `CreateApp` requests of
    /// the domain's users may name (see `sagemaker:ImageArns` / `sagemaker:ImageVersionArns`).
    pub fn image_arns(&self) -> (Vec<Value>, Vec<Value>) {
        self.images
            .iter()
            .map(|i| (i.version.image_arn(), i.version.arn()))
            .unzip()
    }
}

/// `ecr:GetAuthorizationToken` (no resource-level permissions: `*` only) and the pulls of
/// the image's repository of this account, nothing else. The CreateImage API reference
/// says only that the role "enables Amazon SageMaker to perform tasks on your behalf"; the
/// one task of an image that reaches outside SageMaker is reading its container image
/// from ECR.
fn image_role_policy(image: &StudioImage) -> PolicyDocument {
    PolicyDocument::new()
        .statement(
            Statement::allow()
                .sid("RegistryToken")
                .actions([&ecr::actions::GET_AUTHORIZATION_TOKEN])
                .any_resource(),
        )
        .statement(
            Statement::allow()
                .sid("PullImage")
                .actions(ecr::actions::PULL)
                .resource(arn::regional(
                    "ecr",
                    [SubPart::from(format!("repository/{}", image.repository))],
                )),
        )
}

/// The image, its role, its one version (after the image: the version names the image by
/// name, which makes no dependency) and its app image configuration.
fn custom_image(
    scope: &mut Scope,
    image: &StudioImage,
) -> Result<StudioImageResources, ConstructError> {
    let name = image.name.as_str();
    if !is_studio_image_name(name) {
        return Err(ConstructError::Invalid(format!(
            "`{name}` is not a Studio image name (lower-case letters and digits, single `-` or `.` between them, at most 63)"
        )));
    }
    if !crate::constructs::grants::ml::is_repository_name(&image.repository) {
        return Err(ConstructError::Invalid(format!(
            "`{}` of image `{name}` is not an ECR repository name",
            image.repository
        )));
    }
    let role =
        scope.add_named(
            &["image", name, "role"],
            Role::builder()
                .description(format!("Reads the container image of Studio image {name}"))
                .assume_role_policy_document(PolicyDocument::new().statement(
                    iam::Service::SageMakerStudio.statement(&[&iam::actions::ASSUME_ROLE]),
                ))
                .policies(Policy::new("PullImage", image_role_policy(image)))
                .build()?,
        )?;
    let sm_image = scope.add_named(
        &["image", name],
        Image::builder()
            .image_name(name)
            .image_role_arn(role.arn())
            .build()?,
    )?;
    let version = scope.add_named(
        &["image", name, "version"],
        ImageVersion::builder()
            .base_image(image.uri())
            .image_name(name)
            .build()?,
    )?;
    scope.entry(&version).depends_on(&sm_image);
    let settings = AppImageConfig::builder().app_image_config_name(app_image_config_name(name));
    let config = scope.add_named(
        &["image", name, "config"],
        match image.app {
            StudioApp::JupyterLab => settings.jupyter_lab_app_image_config(AppImageSettings),
            StudioApp::CodeEditor => settings.code_editor_app_image_config(AppImageSettings),
        }
        .build()?,
    )?;
    Ok(StudioImageResources {
        image: sm_image,
        version,
        config,
        role,
    })
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
        let images = props
            .images
            .iter()
            .map(|image| custom_image(&mut scope, image))
            .collect::<Result<_, _>>()?;
        Ok(StudioSettings {
            lifecycle_configs,
            generated_configs,
            images,
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
        for (image, resources) in self.props.images.iter().zip(&self.images) {
            if image.app != app {
                continue;
            }
            builder = builder.custom_images(
                CustomImage::builder()
                    .app_image_config_name(resources.config.name())
                    .image_name(image.name.as_str())
                    // Pins the stack's version, and makes the domain wait for it.
                    .image_version_number(resources.version.version())
                    .build()?,
            );
            any = true;
            if image.default {
                spec = spec
                    .sage_maker_image_arn(resources.version.image_arn())
                    .sage_maker_image_version_arn(resources.version.arn());
                has_spec = true;
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
    fn the_construct_refuses_bad_image_names_and_repositories() {
        for (name, repository) in [("Torch", "research/torch"), ("torch", "Research")] {
            let mut t = Template::new();
            let mut scope = Scope::root(&mut t);
            let props = StudioSettingsProps {
                images: vec![StudioImage {
                    name: name.into(),
                    app: StudioApp::JupyterLab,
                    repository: repository.into(),
                    reference: ImageReference::Tag("1".into()),
                    default: false,
                }],
                ..StudioSettingsProps::default()
            };
            assert!(
                StudioSettings::new(&mut scope, "Studio", "domain", &props).is_err(),
                "{name} {repository}"
            );
        }
    }

    #[test]
    fn studio_image_names_are_lower_case_and_their_configs_take_no_dots() {
        assert!(is_studio_image_name("team-torch.v2"));
        assert!(!is_studio_image_name("Team-torch"));
        assert!(!is_studio_image_name("team--torch"));
        assert_eq!(app_image_config_name("team-torch.v2"), "team-torch-v2");
        assert!(crate::resources::sagemaker::is_valid_name(
            &app_image_config_name(&format!("{}.b", "a".repeat(61)))
        ));
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
