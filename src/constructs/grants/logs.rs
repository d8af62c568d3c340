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

#[cfg(test)]
mod tests {
    use crate::constructs::grants::testing::{fixture, getatt, granted, refused};
    use crate::resources::logs::actions;
    use serde_json::json;

    #[test]
    fn write_is_on_the_streams_of_the_group() {
        assert_eq!(
            granted(fixture().log_group.grant_write()),
            json!([{"Sid": "FunctionLogsWrite", "Effect": "Allow",
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                    "Resource": [getatt("FunctionLogs", "Arn")]}])
        );
    }

    #[test]
    fn bad_input_is_an_error() {
        let err = refused(
            fixture()
                .log_group
                .grant_write()
                .only([&actions::CREATE_LOG_GROUP]),
        );
        assert!(
            err.contains("`logs:CreateLogGroup` is not an action of this grant"),
            "{err}"
        );
    }
}
