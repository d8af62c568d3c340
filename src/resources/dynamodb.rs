//! Amazon DynamoDB resource types.

use crate::template::{Handle, Value};

cfn_enum! {
    /// `AttributeType` of `AWS::DynamoDB::Table.AttributeDefinition`: binary, number or
    /// string (<https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-dynamodb-table-attributedefinition.html>).
    AttributeType {
        B => "B",
        N => "N",
        S => "S",
    }
}

cfn_properties! {
    /// `AWS::DynamoDB::Table.AttributeDefinition`.
    AttributeDefinition / AttributeDefinitionBuilder ("AWS::DynamoDB::Table.AttributeDefinition") {
        required attribute_name: Value => "AttributeName",
        required attribute_type: AttributeType => "AttributeType",
    }
}

cfn_enum! {
    /// `KeyType` of `AWS::DynamoDB::Table.KeySchema`: partition (`HASH`) or sort
    /// (`RANGE`) key (<https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-dynamodb-table-keyschema.html>).
    KeyType {
        Hash => "HASH",
        Range => "RANGE",
    }
}

cfn_properties! {
    /// `AWS::DynamoDB::Table.KeySchema`.
    KeySchema / KeySchemaBuilder ("AWS::DynamoDB::Table.KeySchema") {
        required attribute_name: Value => "AttributeName",
        required key_type: KeyType => "KeyType",
    }
}

cfn_properties! {
    /// `AWS::DynamoDB::Table.PointInTimeRecoverySpecification`.
    PointInTimeRecoverySpecification / PointInTimeRecoverySpecificationBuilder ("AWS::DynamoDB::Table.PointInTimeRecoverySpecification") {
        optional point_in_time_recovery_enabled: bool => "PointInTimeRecoveryEnabled",
    }
}

cfn_enum! {
    /// `SSEType` of `AWS::DynamoDB::Table.SSESpecification`: a KMS key is the only choice
    /// (<https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-dynamodb-table-ssespecification.html>).
    SseType {
        Kms => "KMS",
    }
}

cfn_properties! {
    /// `AWS::DynamoDB::Table.SSESpecification`.
    SseSpecification / SseSpecificationBuilder ("AWS::DynamoDB::Table.SSESpecification") {
        optional kms_master_key_id: Value => "KMSMasterKeyId",
        required sse_enabled: bool => "SSEEnabled",
        optional sse_type: SseType => "SSEType",
    }
}

cfn_enum! {
    /// `BillingMode` of `AWS::DynamoDB::Table`: on demand, or provisioned capacity
    /// (<https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-dynamodb-table.html>).
    BillingMode {
        PayPerRequest => "PAY_PER_REQUEST",
        Provisioned => "PROVISIONED",
    }
}

cfn_resource! {
    Table / TableBuilder = "AWS::DynamoDB::Table" {
        list attribute_definitions: AttributeDefinition => "AttributeDefinitions",
        optional billing_mode: BillingMode => "BillingMode",
        list key_schema: KeySchema => "KeySchema",
        optional point_in_time_recovery_specification: PointInTimeRecoverySpecification => "PointInTimeRecoverySpecification",
        optional sse_specification: SseSpecification => "SSESpecification",
    }
}

impl Handle<Table> {
    /// `Ref` of a table: its name.
    pub fn name(&self) -> Value {
        self.reference()
    }
    /// `Fn::GetAtt` `Arn`: the table's ARN.
    pub fn arn(&self) -> Value {
        self.attribute("Arn")
    }
}

/// DynamoDB actions.
pub mod actions {
    use crate::resources::iam::policy::Action;

    /// Reads one item by key.
    pub const GET_ITEM: Action = Action::new("dynamodb:GetItem");
    /// Reads up to 100 items by key, from one or more tables.
    pub const BATCH_GET_ITEM: Action = Action::new("dynamodb:BatchGetItem");
    /// Checks a condition on an item inside a transaction.
    pub const CONDITION_CHECK_ITEM: Action = Action::new("dynamodb:ConditionCheckItem");
    /// Reads the table's schema and status (SDK clients call it).
    pub const DESCRIBE_TABLE: Action = Action::new("dynamodb:DescribeTable");
    /// Reads the items of one partition key.
    pub const QUERY: Action = Action::new("dynamodb:Query");
    /// Reads every item of the table.
    pub const SCAN: Action = Action::new("dynamodb:Scan");
    /// Puts or deletes up to 25 items in one request.
    pub const BATCH_WRITE_ITEM: Action = Action::new("dynamodb:BatchWriteItem");
    /// Creates or replaces one item.
    pub const PUT_ITEM: Action = Action::new("dynamodb:PutItem");
    /// Changes attributes of one item (creating it if absent).
    pub const UPDATE_ITEM: Action = Action::new("dynamodb:UpdateItem");
    /// Deletes one item.
    pub const DELETE_ITEM: Action = Action::new("dynamodb:DeleteItem");

    /// Reading items of a table (no streams, no export, no PartiQL).
    pub const READ_DATA: &[Action] = &[
        GET_ITEM,
        BATCH_GET_ITEM,
        QUERY,
        SCAN,
        CONDITION_CHECK_ITEM,
        DESCRIBE_TABLE,
    ];
    /// Writing items of a table (with `READ_DATA`, what read-write means).
    pub const WRITE_DATA: &[Action] = &[PUT_ITEM, UPDATE_ITEM, DELETE_ITEM, BATCH_WRITE_ITEM];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_have_the_allowed_values_of_the_resource_reference() {
        assert_allowed_values!(AttributeType, ["B", "N", "S"]);
        assert_allowed_values!(KeyType, ["HASH", "RANGE"]);
        assert_allowed_values!(SseType, ["KMS"]);
        assert_allowed_values!(BillingMode, ["PAY_PER_REQUEST", "PROVISIONED"]);
    }

    #[test]
    fn table_serializes_enums_as_their_values() {
        let table = Table::builder()
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name("group")
                    .attribute_type(AttributeType::S)
                    .build()
                    .unwrap(),
            )
            .billing_mode(BillingMode::PayPerRequest)
            .key_schema(
                KeySchema::builder()
                    .attribute_name("group")
                    .key_type(KeyType::Hash)
                    .build()
                    .unwrap(),
            )
            .sse_specification(
                SseSpecification::builder()
                    .sse_enabled(true)
                    .sse_type(SseType::Kms)
                    .build()
                    .unwrap(),
            )
            .build()
            .unwrap();
        assert_eq!(
            serde_json::to_value(Value::Map(crate::template::Resource::into_properties(
                table
            )))
            .unwrap(),
            serde_json::json!({
                "AttributeDefinitions": [{"AttributeName": "group", "AttributeType": "S"}],
                "BillingMode": "PAY_PER_REQUEST",
                "KeySchema": [{"AttributeName": "group", "KeyType": "HASH"}],
                "SSESpecification": {"SSEEnabled": true, "SSEType": "KMS"}
            })
        );
    }
}
