//! Amazon DynamoDB resource types.

use crate::template::{Handle, Value};

cfn_properties! {
    /// `AWS::DynamoDB::Table.AttributeDefinition`.
    AttributeDefinition / AttributeDefinitionBuilder ("AWS::DynamoDB::Table.AttributeDefinition") {
        required attribute_name: Value => "AttributeName",
        required attribute_type: Value => "AttributeType",
    }
}

cfn_properties! {
    /// `AWS::DynamoDB::Table.KeySchema`.
    KeySchema / KeySchemaBuilder ("AWS::DynamoDB::Table.KeySchema") {
        required attribute_name: Value => "AttributeName",
        required key_type: Value => "KeyType",
    }
}

cfn_properties! {
    /// `AWS::DynamoDB::Table.PointInTimeRecoverySpecification`.
    PointInTimeRecoverySpecification / PointInTimeRecoverySpecificationBuilder ("AWS::DynamoDB::Table.PointInTimeRecoverySpecification") {
        optional point_in_time_recovery_enabled: bool => "PointInTimeRecoveryEnabled",
    }
}

cfn_properties! {
    /// `AWS::DynamoDB::Table.SSESpecification`.
    SseSpecification / SseSpecificationBuilder ("AWS::DynamoDB::Table.SSESpecification") {
        optional kms_master_key_id: Value => "KMSMasterKeyId",
        required sse_enabled: bool => "SSEEnabled",
        optional sse_type: Value => "SSEType",
    }
}

cfn_resource! {
    Table / TableBuilder = "AWS::DynamoDB::Table" {
        list attribute_definitions: AttributeDefinition => "AttributeDefinitions",
        optional billing_mode: Value => "BillingMode",
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
    pub fn arn(&self) -> Value {
        self.attribute("Arn")
    }
}

/// DynamoDB actions.
pub mod actions {
    use crate::resources::iam::policy::Action;

    pub const GET_ITEM: Action = Action::new("dynamodb:GetItem");
    pub const BATCH_GET_ITEM: Action = Action::new("dynamodb:BatchGetItem");
    pub const CONDITION_CHECK_ITEM: Action = Action::new("dynamodb:ConditionCheckItem");
    pub const DESCRIBE_TABLE: Action = Action::new("dynamodb:DescribeTable");
    pub const QUERY: Action = Action::new("dynamodb:Query");
    pub const SCAN: Action = Action::new("dynamodb:Scan");
    pub const BATCH_WRITE_ITEM: Action = Action::new("dynamodb:BatchWriteItem");
    pub const PUT_ITEM: Action = Action::new("dynamodb:PutItem");
    pub const UPDATE_ITEM: Action = Action::new("dynamodb:UpdateItem");
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
