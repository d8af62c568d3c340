//! Grants on DynamoDB tables: reading items, and reading and writing them.
//!
//! The statements name the table's ARN only: querying a secondary index needs
//! `table/<name>/index/*` as well, which no table of these stacks has.

use crate::resources::dynamodb::{Table, actions};
use crate::template::Handle;

use super::grant::{Grant, default_sid};

impl Handle<Table> {
    /// `dynamodb:GetItem`, `BatchGetItem`, `Query`, `Scan`, `ConditionCheckItem`,
    /// `DescribeTable` on the table (Sid `<Table>ReadData`).
    ///
    /// A reader of single items by key narrows it:
    /// `.only([&dynamodb::actions::GET_ITEM])`.
    pub fn grant_read_data(&self) -> Grant {
        Grant::new(format!("read items of table `{}`", self.logical_id())).statement(
            default_sid(self.logical_id(), "ReadData"),
            actions::READ_DATA,
            [self.arn()],
        )
    }

    /// The actions of [`Handle::grant_read_data`] and `dynamodb:PutItem`, `UpdateItem`,
    /// `DeleteItem`, `BatchWriteItem`, in one statement on the table (Sid
    /// `<Table>ReadWriteData`).
    pub fn grant_read_write_data(&self) -> Grant {
        let all: Vec<_> = actions::READ_DATA
            .iter()
            .chain(actions::WRITE_DATA)
            .cloned()
            .collect();
        Grant::new(format!(
            "read and write items of table `{}`",
            self.logical_id()
        ))
        .statement(
            default_sid(self.logical_id(), "ReadWriteData"),
            &all,
            [self.arn()],
        )
    }
}

#[cfg(test)]
mod tests {
    use crate::constructs::grants::testing::{fixture, getatt, granted, refused};
    use crate::resources::dynamodb::actions;
    use serde_json::json;

    #[test]
    fn read_and_read_write() {
        let table = fixture().table;
        assert_eq!(
            granted(table.grant_read_data()),
            json!([{"Sid": "MappingTableReadData", "Effect": "Allow",
                    "Action": ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:Scan",
                               "dynamodb:ConditionCheckItem", "dynamodb:DescribeTable"],
                    "Resource": [getatt("MappingTable", "Arn")]}])
        );
        assert_eq!(
            granted(table.grant_read_write_data()),
            json!([{"Sid": "MappingTableReadWriteData", "Effect": "Allow",
                    "Action": ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:Scan",
                               "dynamodb:ConditionCheckItem", "dynamodb:DescribeTable",
                               "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
                               "dynamodb:BatchWriteItem"],
                    "Resource": [getatt("MappingTable", "Arn")]}])
        );
    }

    #[test]
    fn reading_single_items_narrows_to_get_item() {
        assert_eq!(
            granted(
                fixture()
                    .table
                    .grant_read_data()
                    .only([&actions::GET_ITEM])
                    .sid("ReadTheMapping")
            ),
            json!([{"Sid": "ReadTheMapping", "Effect": "Allow", "Action": ["dynamodb:GetItem"],
                    "Resource": [getatt("MappingTable", "Arn")]}])
        );
    }

    #[test]
    fn bad_input_is_an_error() {
        let err = refused(fixture().table.grant_read_data().only([&actions::PUT_ITEM]));
        assert!(
            err.contains("`dynamodb:PutItem` is not an action of this grant"),
            "{err}"
        );
    }
}
