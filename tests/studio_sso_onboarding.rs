//! The studio-sso-onboarding stack: an SSO domain whose profiles come from group
//! membership, the event rules, and the least privilege of the functions.

mod support;

use serde_json::{Value as Json, json};
use support::stacks::{self, definition};

/// The shipped definition's name.
const NAME: &str = "studio-sso-onboarding";

/// `text` as the definition `stacks/studio-sso-onboarding.yaml`, as JSON.
fn template(text: &str) -> Json {
    let s = stacks::synthesize(NAME, text);
    // Suppressed findings (the Studio cleanup's dead-letter exemption, with its reason in
    // the template) are not findings.
    assert!(
        s.findings
            .iter()
            .all(|f| f.rule == "CFN-LIMIT-INLINE-BODY" || f.suppressed.is_some()),
        "{:?}",
        s.findings
    );
    stacks::json(&s)
}

fn statements<'a>(t: &'a Json, role: &str) -> &'a Vec<Json> {
    t["Resources"][role]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
        .as_array()
        .unwrap()
}

fn sid<'a>(statements: &'a [Json], sid: &str) -> &'a Json {
    statements
        .iter()
        .find(|s| s["Sid"] == sid)
        .unwrap_or_else(|| panic!("no {sid}"))
}

#[test]
fn the_domain_is_sso_and_vpc_only_with_no_profiles_of_its_own() {
    let t = template(&definition(NAME));
    let d = &t["Resources"]["StudioDomain"]["Properties"];
    assert_eq!(d["AuthMode"], "SSO");
    assert_eq!(d["AppNetworkAccessType"], "VpcOnly");
    assert_eq!(d["KmsKeyId"], json!({"Fn::GetAtt": ["StudioKey", "Arn"]}));
    let types: Vec<&str> = t["Resources"]
        .as_object()
        .unwrap()
        .values()
        .map(|r| r["Type"].as_str().unwrap())
        .collect();
    assert!(!types.contains(&"AWS::SageMaker::UserProfile"));
    assert!(
        t["Description"]
            .as_str()
            .unwrap()
            .contains("Identity Center home region")
    );
    // Every group has an id (the definition check requires it), and the stack assigns it.
    for (group, id) in [
        ("MlResearchers", "9a6749d5-1234-4abc-8def-0123456789ab"),
        ("MlAuditors", "4b2f77c1-5678-4def-9abc-fedcba987654"),
    ] {
        assert_eq!(
            t["Resources"][format!("{group}DomainAssignment")]["Properties"],
            json!({
                "ApplicationArn": {"Fn::GetAtt": ["StudioDomain", "SingleSignOnApplicationArn"]},
                "PrincipalId": id,
                "PrincipalType": "GROUP"
            })
        );
    }
    assert_eq!(
        t["Parameters"]["IdentityStoreId"]["Default"],
        "d-1234567890"
    );
}

#[test]
fn rules_match_membership_changes_and_deliver_with_retries_and_a_dead_letter_queue() {
    let t = template(&definition(NAME));
    // Both functions get every hint, matched on eventSource and eventName only.
    let pattern = json!({
        "detail-type": ["AWS API Call via CloudTrail"],
        "detail": {
            "eventSource": ["sso-directory.amazonaws.com", "identitystore.amazonaws.com", "identitystore-scim.amazonaws.com"],
            "eventName": ["AddMemberToGroup", "CreateGroupMembership", "DeleteGroup", "DeleteGroupMembership",
                "DeleteUser", "DisableUser", "EnableUser", "PatchGroup", "PatchUser", "PutUser",
                "RemoveMemberFromGroup", "UpdateUser"],
            "errorCode": [{"exists": false}]
        }
    });
    for (rule, function) in [
        ("OnboardingRule", "OnboardingFunction"),
        ("OffboardingRule", "OffboardingFunction"),
        ("OnboardingSchedule", "OnboardingFunction"),
        ("OffboardingSchedule", "OffboardingFunction"),
    ] {
        let p = &t["Resources"][rule]["Properties"];
        if rule.ends_with("Schedule") {
            assert_eq!(p["ScheduleExpression"], "rate(1 hour)");
            assert!(p.get("EventPattern").is_none());
        } else {
            assert_eq!(p["EventPattern"], pattern);
        }
        let target = &p["Targets"][0];
        assert_eq!(target["Arn"], json!({"Fn::GetAtt": [function, "Arn"]}));
        assert_eq!(
            target["DeadLetterConfig"]["Arn"],
            json!({"Fn::GetAtt": ["OnboardingDeadLetterQueue", "Arn"]})
        );
        assert!(
            target["RetryPolicy"]["MaximumRetryAttempts"]
                .as_i64()
                .unwrap()
                > 0
        );
        let permission = &t["Resources"][rule
            .replace("Rule", "InvokePermission")
            .replace("Schedule", "SchedulePermission")]["Properties"];
        assert_eq!(permission["Principal"], "events.amazonaws.com");
        assert_eq!(
            permission["SourceArn"],
            json!({"Fn::GetAtt": [rule, "Arn"]})
        );
    }
    let queue = &t["Resources"]["OnboardingDeadLetterQueue"]["Properties"];
    // Encrypted with the onboarding key, whose policy lets EventBridge rules of this
    // account use it (else the rules could not park events in the queue).
    assert_eq!(
        queue["KmsMasterKeyId"],
        json!({"Fn::GetAtt": ["OnboardingKey", "Arn"]})
    );
    let key_policy = &t["Resources"]["OnboardingKey"]["Properties"]["KeyPolicy"]["Statement"];
    let events = key_policy
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["Principal"]["Service"] == json!(["events.amazonaws.com"]))
        .expect("a key statement for EventBridge");
    assert_eq!(
        events["Action"],
        json!(["kms:GenerateDataKey", "kms:Decrypt"])
    );
    assert!(events["Condition"]["StringEquals"]["aws:SourceAccount"].is_object());
    let queue_policy = &t["Resources"]["OnboardingDeadLetterQueuePolicy"]["Properties"]["PolicyDocument"]
        ["Statement"][0];
    assert_eq!(
        queue_policy["Condition"],
        json!({"ArnEquals": {"aws:SourceArn": [{"Fn::GetAtt": ["OnboardingRule", "Arn"]}, {"Fn::GetAtt": ["OffboardingRule", "Arn"]}, {"Fn::GetAtt": ["OnboardingSchedule", "Arn"]}, {"Fn::GetAtt": ["OffboardingSchedule", "Arn"]}]}})
    );
}

#[test]
fn functions_may_pass_only_the_group_roles_and_only_to_sagemaker() {
    let t = template(&definition(NAME));
    for role in ["OnboardingFunctionRole", "OffboardingFunctionRole"] {
        let s = statements(&t, role);
        let pass = sid(s, "PassOnlyTheGroupRolesToSageMaker");
        assert_eq!(
            pass["Resource"],
            json!([{"Fn::GetAtt": ["MlResearchersExecutionRole", "Arn"]}, {"Fn::GetAtt": ["MlAuditorsExecutionRole", "Arn"]}])
        );
        assert_eq!(
            pass["Condition"],
            json!({"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}})
        );
        let identity = sid(s, "ReadUsersAndGroupsOfThisIdentityStore");
        assert_eq!(
            identity["Resource"][0],
            json!({"Fn::Sub": "arn:${AWS::Partition}:identitystore::${AWS::AccountId}:identitystore/${IdentityStoreId}"})
        );
        let profiles = sid(s, "ReadProfilesOfThisDomain");
        assert_eq!(
            profiles["Resource"],
            json!([{"Fn::Sub": "arn:${AWS::Partition}:sagemaker:${AWS::Region}:${AWS::AccountId}:user-profile/${StudioDomain.DomainId}/*"}])
        );
        let logs = sid(s, "WriteOwnLogs");
        assert_eq!(
            logs["Resource"],
            json!([{"Fn::GetAtt": [role.replace("Role", "Logs"), "Arn"]}])
        );
        // No Resource "*" except the List and Describe calls, which have no resource-level
        // permissions, and no wildcard actions.
        for st in s {
            for a in st["Action"].as_array().unwrap() {
                assert!(!a.as_str().unwrap().ends_with('*'), "{role}: {a}");
            }
            if st["Resource"] == json!(["*"]) {
                assert!(
                    [
                        "ListCallsHaveNoResourceScope",
                        "ListProfilesHasNoResourceScope",
                        "PublishOnlyOnboardingMetrics",
                        "OnboardingFunctionsSecurityGroupDescribeNetworkInterfaces"
                    ]
                    .contains(&st["Sid"].as_str().unwrap()),
                    "{role}: {st}"
                );
            }
        }
    }
    // Only offboarding deletes profiles, apps or spaces; onboarding removes only the
    // offboarding date of a returning user's profile.
    let on = serde_json::to_string(statements(&t, "OnboardingFunctionRole")).unwrap();
    for delete in [
        "sagemaker:DeleteUserProfile",
        "sagemaker:DeleteApp",
        "sagemaker:DeleteSpace",
    ] {
        assert!(!on.contains(delete), "onboarding may call {delete}");
    }
    let untag = sid(
        statements(&t, "OnboardingFunctionRole"),
        "RemoveOnlyTheOffboardingDateOfOwnedProfiles",
    );
    assert_eq!(
        untag["Condition"]["ForAllValues:StringEquals"]["aws:TagKeys"],
        "sagesynth:offboard-after"
    );
    let mark = sid(
        statements(&t, "OffboardingFunctionRole"),
        "MarkOnlyOwnedProfilesForOffboardingOrQuarantine",
    );
    assert_eq!(
        mark["Condition"]["ForAllValues:StringEquals"]["aws:TagKeys"],
        json!(["sagesynth:offboard-after", "sagesynth:quarantined"])
    );
    assert_eq!(
        mark["Condition"]["Null"]["aws:ResourceTag/sagesynth:identitystore-user-id"],
        "false"
    );
    let off = serde_json::to_string(statements(&t, "OffboardingFunctionRole")).unwrap();
    assert!(!off.contains("CreateUserProfile"));
}

#[test]
fn inline_mapping_lists_groups_in_precedence_order() {
    let t = template(&definition(NAME));
    let env = &t["Resources"]["OnboardingFunction"]["Properties"]["Environment"]["Variables"];
    assert_eq!(env["MAPPING_MODE"], "inline");
    assert_eq!(
        env["GROUP_ROLES"],
        json!({"Fn::Sub": "[{\"group\": \"ml-researchers\", \"group_id\": \"9a6749d5-1234-4abc-8def-0123456789ab\", \"role_arn\": \"${MlResearchersExecutionRole.Arn}\"}, {\"group\": \"ml-auditors\", \"group_id\": \"4b2f77c1-5678-4def-9abc-fedcba987654\", \"role_arn\": \"${MlAuditorsExecutionRole.Arn}\"}]"})
    );
    assert_eq!(
        env["DOMAIN_ID"],
        json!({"Fn::GetAtt": ["StudioDomain", "DomainId"]})
    );
    let f = &t["Resources"]["OnboardingFunction"]["Properties"];
    assert_eq!(f["Runtime"], "python3.13");
    assert_eq!(f["Handler"], "index.onboard");
    assert_eq!(
        t["Resources"]["OffboardingFunction"]["Properties"]["Handler"],
        "index.offboard"
    );
    assert_eq!(
        f["Code"]["ZipFile"].as_str().unwrap(),
        std::fs::read_to_string(
            support::manifest_dir().join("src/constructs/functions/studio_sso_onboarding.py")
        )
        .unwrap()
    );
}

/// The rule-pack findings of `text` other than the size warning and suppressed ones, as
/// (rule, location).
fn findings(text: &str) -> Vec<(String, String)> {
    stacks::synthesize(NAME, text)
        .findings
        .iter()
        .filter(|f| f.rule != "CFN-LIMIT-INLINE-BODY" && f.suppressed.is_none())
        .map(|f| (f.rule.to_string(), f.location.clone()))
        .collect()
}

/// The shipped definition with `endpoints` as its endpoint list.
fn with_endpoints(endpoints: &str) -> String {
    let text = definition(NAME);
    let start = text
        .find("  endpoints: [")
        .expect("the definition lists its endpoints");
    let end = start + text[start..].find('\n').unwrap();
    format!(
        "{}  endpoints: [{endpoints}]{}",
        &text[..start],
        &text[end..]
    )
}

#[test]
fn functions_run_in_the_private_subnets_and_reach_only_the_endpoints() {
    let t = template(&definition(NAME));
    let group = json!({"Fn::GetAtt": ["OnboardingFunctionsSecurityGroup", "GroupId"]});
    for function in ["OnboardingFunction", "OffboardingFunction"] {
        assert_eq!(
            t["Resources"][function]["Properties"]["VpcConfig"],
            json!({"SecurityGroupIds": [group],
                   "SubnetIds": [{"Ref": "PrivateSubnetAz1"}, {"Ref": "PrivateSubnetAz2"}]}),
            "{function}"
        );
    }
    // No inbound rule; the one way out is HTTPS to the interface endpoints' group.
    let sg = &t["Resources"]["OnboardingFunctionsSecurityGroup"]["Properties"];
    assert!(sg.get("SecurityGroupIngress").is_none(), "{sg}");
    let egress = sg["SecurityGroupEgress"].as_array().unwrap();
    assert_eq!(egress.len(), 1, "{sg}");
    assert_eq!(
        egress[0]["DestinationSecurityGroupId"],
        json!({"Fn::GetAtt": ["EndpointSecurityGroup", "GroupId"]})
    );
    assert_eq!(
        (
            &egress[0]["IpProtocol"],
            &egress[0]["FromPort"],
            &egress[0]["ToPort"]
        ),
        (&json!("tcp"), &json!(443), &json!(443))
    );
    assert!(egress[0].get("CidrIp").is_none());
    // The Identity Store API is reached through its own endpoint.
    assert_eq!(
        t["Resources"]["IdentityStoreEndpoint"]["Properties"]["ServiceName"],
        json!({"Fn::Sub": "com.amazonaws.${AWS::Region}.identitystore"})
    );
    let interfaces = json!({"Fn::Sub": "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:network-interface/*"});
    let subnets = json!([
        {"Fn::Sub": "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:subnet/${PrivateSubnetAz1}"},
        {"Fn::Sub": "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:subnet/${PrivateSubnetAz2}"}
    ]);
    for role in ["OnboardingFunctionRole", "OffboardingFunctionRole"] {
        // No AWS-managed policy (AWSLambdaVPCAccessExecutionRole would allow it all on *).
        assert!(
            t["Resources"][role]["Properties"]
                .get("ManagedPolicyArns")
                .is_none(),
            "{role}"
        );
        let s = statements(&t, role);
        let create = sid(s, "OnboardingFunctionsSecurityGroupCreateNetworkInterfaces");
        assert_eq!(create["Action"], json!(["ec2:CreateNetworkInterface"]));
        let mut on = vec![interfaces.clone()];
        on.extend(subnets.as_array().unwrap().iter().cloned());
        on.push(json!({"Fn::Sub": "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:security-group/${OnboardingFunctionsSecurityGroup.GroupId}"}));
        assert_eq!(create["Resource"], json!(on), "{role}");
        assert!(create.get("Condition").is_none());
        let manage = sid(s, "OnboardingFunctionsSecurityGroupManageNetworkInterfaces");
        assert_eq!(manage["Resource"], json!([interfaces]));
        assert_eq!(
            manage["Condition"],
            json!({"ArnEquals": {"ec2:Subnet": subnets}})
        );
        // Every ec2 action is one of these three statements'.
        let ec2: Vec<&Json> = s
            .iter()
            .filter(|st| st["Action"].to_string().contains("\"ec2:"))
            .collect();
        assert_eq!(ec2.len(), 3, "{role}: {ec2:?}");
    }
}

#[test]
fn a_network_without_the_functions_endpoints_is_refused() {
    for (endpoints, missing) in [
        (
            "s3, sagemaker.api, sagemaker.runtime, studio, sts, logs, monitoring",
            "identitystore",
        ),
        (
            "s3, sagemaker.runtime, studio, sts, logs, identitystore, monitoring",
            "sagemaker.api",
        ),
        (
            "s3, sagemaker.api, sagemaker.runtime, studio, sts, logs, identitystore",
            "monitoring",
        ),
    ] {
        let found = findings(&with_endpoints(endpoints));
        for function in ["OnboardingFunction", "OffboardingFunction"] {
            assert!(
                found.contains(&(
                    "ENV-FUNCTION-ENDPOINTS".to_string(),
                    format!("Resources.{function}.Properties.VpcConfig")
                )),
                "{missing}: {found:?}"
            );
        }
    }
    let message: Vec<String> = stacks::synthesize(
        NAME,
        &with_endpoints("s3, sagemaker.api, sagemaker.runtime, studio, sts, logs, monitoring"),
    )
    .findings
    .iter()
    .filter(|f| f.rule == "ENV-FUNCTION-ENDPOINTS")
    .map(|f| f.message.clone())
    .collect();
    assert!(
        message
            .iter()
            .all(|m| m.ends_with("has no endpoint for: identitystore")),
        "{message:?}"
    );
}

#[test]
fn dynamodb_mapping_adds_a_table_the_functions_may_only_read() {
    let text = with_endpoints(
        "s3, sagemaker.api, sagemaker.runtime, studio, sts, logs, identitystore, monitoring, dynamodb",
    )
    .replace("mapping: inline", "mapping: dynamodb");
    let t = template(&text);
    // The table is reached through the DynamoDB gateway endpoint on the route tables,
    // whose addresses are outside the VPC: HTTPS out to any address, no internet route.
    assert_eq!(
        t["Resources"]["DynamoDbGatewayEndpoint"]["Properties"]["RouteTableIds"],
        json!([{"Ref": "PrivateRouteTableAz1"}, {"Ref": "PrivateRouteTableAz2"}])
    );
    let egress =
        &t["Resources"]["OnboardingFunctionsSecurityGroup"]["Properties"]["SecurityGroupEgress"];
    assert_eq!(egress.as_array().unwrap().len(), 1);
    assert_eq!(egress[0]["CidrIp"], "0.0.0.0/0");
    assert_eq!(egress[0]["FromPort"], 443);
    // Without the endpoint the functions could not read the table.
    let found = findings(&text.replace(", dynamodb]", "]"));
    assert!(
        found
            .iter()
            .any(|(rule, _)| rule == "ENV-FUNCTION-ENDPOINTS"),
        "{found:?}"
    );
    let table = &t["Resources"]["GroupRoleMappingTable"]["Properties"];
    assert_eq!(table["BillingMode"], "PAY_PER_REQUEST");
    assert_eq!(
        table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"],
        true
    );
    assert_eq!(table["SSESpecification"]["SSEEnabled"], true);
    let env = &t["Resources"]["OnboardingFunction"]["Properties"]["Environment"]["Variables"];
    assert_eq!(
        env["MAPPING_TABLE"],
        json!({"Ref": "GroupRoleMappingTable"})
    );
    assert!(env.get("GROUP_ROLES").is_none());
    let read = sid(statements(&t, "OnboardingFunctionRole"), "ReadTheMapping");
    assert_eq!(read["Action"], json!(["dynamodb:GetItem", "dynamodb:Scan"]));
    // The seeding commands, one per group, in precedence order.
    let seed = t["Outputs"]["MapMlResearchers"]["Value"]["Fn::Sub"]
        .as_str()
        .unwrap();
    assert!(
        seed.starts_with(
            "aws dynamodb put-item --region ${AWS::Region} --table-name ${GroupRoleMappingTable}"
        ),
        "{seed}"
    );
    assert!(
        seed.contains(r#""precedence": {"N": "1"}"#)
            && seed.contains("${MlResearchersExecutionRole.Arn}"),
        "{seed}"
    );
    // Keyed by the group id, which the functions look up (never by the display name).
    assert!(
        seed.contains(
            r#"--item '{"group_id": {"S": "9a6749d5-1234-4abc-8def-0123456789ab"}, "group": {"S": "ml-researchers"}"#
        ),
        "{seed}"
    );
    assert_eq!(
        table["KeySchema"],
        json!([{"AttributeName": "group_id", "KeyType": "HASH"}])
    );
}

#[test]
fn trail_create_adds_a_validated_multi_region_trail_with_its_own_bucket() {
    let text = definition(NAME).replace("trail: existing", "trail: create");
    let t = template(&text);
    let trail = &t["Resources"]["ManagementEventsTrail"];
    assert_eq!(trail["DependsOn"], "CloudtrailLogsBucketPolicy");
    let p = &trail["Properties"];
    assert_eq!(p["IsMultiRegionTrail"], true);
    assert_eq!(p["EnableLogFileValidation"], true);
    assert_eq!(p["IsLogging"], true);
    assert_eq!(p["S3BucketName"], json!({"Ref": "CloudtrailLogsBucket"}));
    // CloudTrail may write only this trail's files, only under AWSLogs/<account>/.
    let statements =
        t["Resources"]["CloudtrailLogsBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
            .as_array()
            .unwrap();
    let write = statements
        .iter()
        .find(|s| s["Sid"] == "CloudTrailWritesLogFiles")
        .unwrap();
    assert_eq!(
        write["Resource"],
        json!([{"Fn::Sub": "${CloudtrailLogsBucket.Arn}/AWSLogs/${AWS::AccountId}/*"}])
    );
    assert_eq!(
        write["Condition"]["StringEquals"]["aws:SourceArn"],
        json!({"Fn::Sub": "arn:${AWS::Partition}:cloudtrail:${AWS::Region}:${AWS::AccountId}:trail/${AWS::StackName}-management-events"})
    );
    assert_eq!(
        t["Resources"]["CloudtrailLogsBucket"]["DeletionPolicy"],
        "RetainExceptOnCreate"
    );
    // By default the stack relies on an existing trail.
    let without = template(&definition(NAME));
    assert!(without["Resources"].get("ManagementEventsTrail").is_none());
}
