//! Amazon EFS: no resource type of the stacks' own (SageMaker creates the Studio domain's
//! home file system), only the actions the Studio cleanup performs on it.

/// Actions and their resource types from the Service Authorization Reference, "Actions,
/// resources, and condition keys for Amazon Elastic File System"
/// (<https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticfilesystem.html>):
/// each on the `file-system` resource
/// (`arn:${Partition}:elasticfilesystem:${Region}:${Account}:file-system/${FileSystemId}`).
pub mod actions {
    use crate::resources::iam::policy::Action;

    /// Lists a file system's mount targets.
    pub const DESCRIBE_MOUNT_TARGETS: Action =
        Action::new("elasticfilesystem:DescribeMountTargets");
    /// Deletes a mount target. The EFS API reference (`DeleteMountTarget`) adds that the
    /// caller also needs `ec2:DeleteNetworkInterface` on the mount target's network
    /// interface.
    pub const DELETE_MOUNT_TARGET: Action = Action::new("elasticfilesystem:DeleteMountTarget");
    /// Deletes a file system (which must have no mount target left) and its data.
    pub const DELETE_FILE_SYSTEM: Action = Action::new("elasticfilesystem:DeleteFileSystem");
}
