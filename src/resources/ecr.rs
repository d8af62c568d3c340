//! Amazon ECR action names (no ECR resource types are built here yet).

/// ECR actions: pulling an image (Service Authorization Reference, "Actions, resources,
/// and condition keys for Amazon Elastic Container Registry").
pub mod actions {
    use crate::resources::iam::policy::Action;

    /// A registry token; no resource-level permissions (`*` only).
    pub const GET_AUTHORIZATION_TOKEN: Action = Action::new("ecr:GetAuthorizationToken");
    /// Reads an image manifest; on a repository.
    pub const BATCH_GET_IMAGE: Action = Action::new("ecr:BatchGetImage");
    /// A layer's download URL; on a repository.
    pub const GET_DOWNLOAD_URL_FOR_LAYER: Action = Action::new("ecr:GetDownloadUrlForLayer");
    /// Whether layers exist; on a repository.
    pub const BATCH_CHECK_LAYER_AVAILABILITY: Action =
        Action::new("ecr:BatchCheckLayerAvailability");
    /// What pulling an image from a repository needs.
    pub const PULL: &[Action] = &[
        BATCH_GET_IMAGE,
        GET_DOWNLOAD_URL_FOR_LAYER,
        BATCH_CHECK_LAYER_AVAILABILITY,
    ];
}
