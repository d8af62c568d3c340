//! Grants on CloudWatch Logs log groups.

use crate::resources::logs::{LogGroup, actions};
use crate::template::Handle;

use super::grant::{Grant, default_sid};

impl Handle<LogGroup> {
    /// `logs:CreateLogStream`, `logs:PutLogEvents` on the group's streams (Sid
    /// `<LogGroup>Write`). The resource is the group's `Arn` attribute, which
    /// CloudFormation returns as `arn:…:log-group:<name>:*`, so it matches the group's
    /// log streams (`…:log-group:<name>:log-stream:<stream>`) and nothing outside the
    /// group. The group itself is not created or described: it is in the template.
    pub fn grant_write(&self) -> Grant {
        Grant::new(format!("write to log group `{}`", self.logical_id())).statement(
            default_sid(self.logical_id(), "Write"),
            actions::WRITE_TO_GROUP,
            [self.arn()],
        )
    }
}
