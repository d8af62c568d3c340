//! AWS Secrets Manager resource types.

use crate::template::{Handle, Value};

cfn_properties! {
    /// `AWS::SecretsManager::Secret.GenerateSecretString`: a value generated at deploy
    /// time, never written into the template.
    GenerateSecretString / GenerateSecretStringBuilder ("AWS::SecretsManager::Secret.GenerateSecretString") {
        optional exclude_characters: Value => "ExcludeCharacters",
        optional generate_string_key: Value => "GenerateStringKey",
        optional password_length: i64 => "PasswordLength",
        optional require_each_included_type: bool => "RequireEachIncludedType",
        optional secret_string_template: Value => "SecretStringTemplate",
    }
}

cfn_resource! {
    Secret / SecretBuilder = "AWS::SecretsManager::Secret" {
        optional description: Value => "Description",
        optional generate_secret_string: GenerateSecretString => "GenerateSecretString",
        optional kms_key_id: Value => "KmsKeyId",
        optional name: Value => "Name",
    }
}

impl Handle<Secret> {
    /// `Ref` of a secret: its ARN.
    pub fn arn(&self) -> Value {
        self.reference()
    }
}

/// Secrets Manager actions.
pub mod actions {
    use crate::resources::iam::policy::Action;

    /// Reads the secret's value.
    pub const GET_SECRET_VALUE: Action = Action::new("secretsmanager:GetSecretValue");
    /// Reads the secret's metadata (not its value).
    pub const DESCRIBE_SECRET: Action = Action::new("secretsmanager:DescribeSecret");

    /// Reading a secret's value and its metadata.
    pub const READ: &[Action] = &[GET_SECRET_VALUE, DESCRIBE_SECRET];
}
