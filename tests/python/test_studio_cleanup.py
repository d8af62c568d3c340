"""Unit tests of the Studio teardown function (src/constructs/functions/studio_cleanup.py),
the code behind every Custom::StudioCleanup resource, with SageMaker, EFS, EC2, S3, Lambda
and the CloudFormation response stubbed: no network, no credentials.

moto implements no SageMaker apps, spaces or profiles (shared MOTO-NOTES), and app states
change over time, which botocore's Stubber (a fixed list of answers) cannot play. So the
services are a small simulated world, and every request the function makes is first
checked against botocore's own model of the operation (`validate_parameters`): an
unknown parameter, a missing required one or a wrong type fails the test as the real API
would refuse it. App and space states are those of the SageMaker API reference (AppStatus:
Deleted | Deleting | Failed | InService | Pending; SpaceStatus: Deleting | Failed |
InService | Pending | Updating | Update_Failed | Delete_Failed); mount-target states those
of the EFS API reference (creating | available | updating | deleting | deleted | error).
"""

import importlib.util
import json
import sys
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.validate import validate_parameters

sys.dont_write_bytecode = True  # keep src/ free of __pycache__

HERE = Path(__file__).resolve().parent
FUNCTION = HERE.parents[1] / "src" / "constructs" / "functions" / "studio_cleanup.py"
DOMAIN = "d-abcdefghij12"
FS = "fs-0123456789abcdef0"
ACCOUNT = "111122223333"
FUNCTION_ARN = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:stack-StudioCleanupFunction-abc"
TAG = "sagesynth:identitystore-user-id"
BUCKET = "stack-resultsbucket-1a2b3c4d5e6f"
VPC = "vpc-0a1b2c3d4e5f60718"
PAGE = 2  # every list answers at most this many items, so pagination is always exercised


def load():
    spec = importlib.util.spec_from_file_location("studio_cleanup", FUNCTION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def error(code, op):
    return ClientError({"Error": {"Code": code, "Message": f"simulated {code}"}}, op)


class World:
    """SageMaker, EFS and Lambda as the function sees them. `tick()` is one poll interval:
    apps and spaces being deleted move on, pending apps come up."""

    def __init__(self):
        self.apps = []  # dicts as ListApps answers them, plus "_rounds", "_fails", "_pending_rounds"
        self.spaces = []
        self.profiles = []  # {"UserProfileName", "Status", "_tags"}
        self.mount_targets = []
        self.file_systems = {FS}
        self.calls = []
        self.denied = set()  # operation names answered AccessDenied
        self.invocations = []
        self.domain_exists = True
        self.bucket = {}  # (Key, VersionId) -> "version" | "marker"; None: no such bucket
        self.s3_page = PAGE
        self.refused = set()  # keys DeleteObjects answers with an error (as Object Lock would)
        self.write_while_emptying = []  # keys written after the first DeleteObjects
        self.security_groups = []  # dicts as DescribeSecurityGroups answers them, plus "_in_use"
        self.domains = {}  # DescribeDomain: domain id -> {"Status", "_rounds"}; absent: gone

    # helpers for the tests
    def app(self, owner, status, name="default", app_type="JupyterLab", space=False, rounds=1, fails=False):
        app = {"DomainId": DOMAIN, "AppType": app_type, "AppName": name, "Status": status,
               "_rounds": rounds, "_fails": fails, "_pending_rounds": 0}
        app["SpaceName" if space else "UserProfileName"] = owner
        self.apps.append(app)
        return app

    def space(self, name, owner, status="InService", sharing="Private"):
        self.spaces.append({"DomainId": DOMAIN, "SpaceName": name, "Status": status,
                            "OwnershipSettingsSummary": {"OwnerUserProfileName": owner},
                            "SpaceSharingSettingsSummary": {"SharingType": sharing}, "_rounds": 1})

    def profile(self, name, tagged, status="InService"):
        tags = [{"Key": TAG, "Value": "user-1"}] if tagged else [{"Key": "team", "Value": "x"}]
        self.profiles.append({"DomainId": DOMAIN, "UserProfileName": name, "Status": status, "_tags": tags,
                              "_rounds": 1})

    def mount_target(self, mt_id, state="available"):
        self.mount_targets.append({"MountTargetId": mt_id, "FileSystemId": FS, "SubnetId": "subnet-1",
                                   "LifeCycleState": state, "OwnerId": ACCOUNT, "_rounds": 1})

    def nfs_pair(self, domain, vpc=VPC, tagged=True):
        """The two groups SageMaker makes for a domain's home volume, each with rules naming
        the other (as public clean-up scripts report them); returns their IDs."""
        ids = [f"sg-in{domain[-4:]}{vpc[-2:]}", f"sg-out{domain[-4:]}{vpc[-2:]}"]
        arn = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:domain/{domain}"
        for group_id, other, way in ((ids[0], ids[1], "inbound"), (ids[1], ids[0], "outbound")):
            rule = [{"IpProtocol": "tcp", "FromPort": 2049, "ToPort": 2049,
                     "UserIdGroupPairs": [{"GroupId": other, "UserId": ACCOUNT}]}]
            self.security_group(group_id, f"security-group-for-{way}-nfs-{domain}", vpc,
                                tags=[{"Key": "ManagedByAmazonSageMakerResource", "Value": arn}] if tagged else [],
                                ingress=rule, egress=rule)
        return ids

    def security_group(self, group_id, name, vpc=VPC, tags=(), ingress=(), egress=(), in_use=0):
        self.security_groups.append({"GroupId": group_id, "GroupName": name, "VpcId": vpc, "OwnerId": ACCOUNT,
                                     "Description": name, "Tags": list(tags), "IpPermissions": list(ingress),
                                     "IpPermissionsEgress": list(egress), "_in_use": in_use})

    def group_ids(self):
        return sorted(g["GroupId"] for g in self.security_groups)

    def names(self, op):
        return [kw for name, kw in self.calls if name == op]

    def tick(self):
        for app in self.apps:
            if app["Status"] == "Deleting":
                app["_rounds"] -= 1
                if app["_rounds"] < 0:
                    app["Status"] = "Failed" if app["_fails"] else "Deleted"
            elif app["Status"] == "Pending":
                app["_pending_rounds"] -= 1
                if app["_pending_rounds"] < 0:
                    app["Status"] = "InService"
        for group in self.security_groups:
            group["_in_use"] = max(0, group["_in_use"] - 1)
        for domain, about in list(self.domains.items()):
            if about["Status"] == "Deleting":
                about["_rounds"] -= 1
                if about["_rounds"] < 0:
                    del self.domains[domain]
        for group in (self.spaces, self.profiles, self.mount_targets):
            for item in list(group):
                state_key = "LifeCycleState" if "LifeCycleState" in item else "Status"
                if item[state_key] in ("Deleting", "deleting"):
                    item["_rounds"] -= 1
                    if item["_rounds"] < 0:
                        group.remove(item)

    # the services
    def _page(self, items, token):
        start = int(token or 0)
        page = [{k: v for k, v in i.items() if not k.startswith("_")} for i in items[start:start + PAGE]]
        more = str(start + PAGE) if start + PAGE < len(items) else None
        return page, more

    def _domain(self, op):
        if not self.domain_exists:
            raise error("ResourceNotFound", op)

    def list_apps(self, DomainIdEquals, NextToken=None, UserProfileNameEquals=None, SpaceNameEquals=None, **_):
        self._domain("ListApps")
        assert DomainIdEquals == DOMAIN
        apps = [a for a in self.apps
                if (UserProfileNameEquals is None or a.get("UserProfileName") == UserProfileNameEquals)
                and (SpaceNameEquals is None or a.get("SpaceName") == SpaceNameEquals)]
        page, more = self._page(apps, NextToken)
        return {"Apps": page, **({"NextToken": more} if more else {})}

    def delete_app(self, DomainId, AppType, AppName, UserProfileName=None, SpaceName=None):
        app = next(a for a in self.apps if a["AppName"] == AppName and a["AppType"] == AppType
                   and a.get("UserProfileName") == UserProfileName and a.get("SpaceName") == SpaceName)
        if app["Status"] == "Pending":
            raise error("ResourceInUse", "DeleteApp")
        app["Status"] = "Deleting"
        return {}

    def describe_app(self, **kw):
        return {"Status": "Failed", "FailureReason": "simulated: the app's volume could not be detached"}

    def list_spaces(self, DomainIdEquals, NextToken=None, **_):
        self._domain("ListSpaces")
        page, more = self._page(self.spaces, NextToken)
        return {"Spaces": page, **({"NextToken": more} if more else {})}

    def delete_space(self, DomainId, SpaceName):
        space = next(s for s in self.spaces if s["SpaceName"] == SpaceName)
        assert not [a for a in self.apps if a.get("SpaceName") == SpaceName and a["Status"] != "Deleted"], \
            "a space is deleted only when it has no app left"
        space["Status"] = "Deleting"
        return {}

    def list_user_profiles(self, DomainIdEquals, NextToken=None, **_):
        self._domain("ListUserProfiles")
        page, more = self._page(self.profiles, NextToken)
        return {"UserProfiles": page, **({"NextToken": more} if more else {})}

    def list_tags(self, ResourceArn, NextToken=None, **_):
        name = ResourceArn.rsplit("/", 1)[1]
        assert ResourceArn == f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:user-profile/{DOMAIN}/{name}"
        profile = next(p for p in self.profiles if p["UserProfileName"] == name)
        return {"Tags": profile["_tags"]}

    def delete_user_profile(self, DomainId, UserProfileName):
        assert not [a for a in self.apps if a.get("UserProfileName") == UserProfileName and a["Status"] != "Deleted"]
        assert not [s for s in self.spaces if s["OwnershipSettingsSummary"]["OwnerUserProfileName"] == UserProfileName]
        next(p for p in self.profiles if p["UserProfileName"] == UserProfileName)["Status"] = "Deleting"
        return {}

    def describe_mount_targets(self, FileSystemId, Marker=None, **_):
        if FileSystemId not in self.file_systems:
            raise error("FileSystemNotFound", "DescribeMountTargets")
        page, more = self._page(self.mount_targets, Marker)
        return {"MountTargets": page, **({"NextMarker": more} if more else {})}

    def delete_mount_target(self, MountTargetId):
        next(m for m in self.mount_targets if m["MountTargetId"] == MountTargetId)["LifeCycleState"] = "deleting"
        return {}

    def delete_file_system(self, FileSystemId):
        assert not self.mount_targets, "EFS refuses to delete a file system that has mount targets"
        self.file_systems.discard(FileSystemId)
        return {}

    def list_object_versions(self, Bucket, MaxKeys, KeyMarker=None, VersionIdMarker=None, **_):
        assert Bucket == BUCKET
        if self.bucket is None:
            raise error("NoSuchBucket", "ListObjectVersions")
        after = (KeyMarker or "", VersionIdMarker or "")
        rest = sorted(k for k in self.bucket if KeyMarker is None or k > after)
        page, more = rest[:min(MaxKeys, self.s3_page)], len(rest) > min(MaxKeys, self.s3_page)
        answer = {"IsTruncated": more,
                  "Versions": [{"Key": k, "VersionId": v, "IsLatest": False} for k, v in page
                               if self.bucket[(k, v)] == "version"],
                  "DeleteMarkers": [{"Key": k, "VersionId": v, "IsLatest": True} for k, v in page
                                    if self.bucket[(k, v)] == "marker"]}
        if more:
            answer.update(NextKeyMarker=page[-1][0], NextVersionIdMarker=page[-1][1])
        return answer

    def delete_objects(self, Bucket, Delete):
        assert Bucket == BUCKET and len(Delete["Objects"]) <= 1000, "DeleteObjects takes at most 1,000 keys"
        errors = []
        for o in Delete["Objects"]:
            key = (o["Key"], o["VersionId"])
            if o["Key"] in self.refused:
                errors.append({"Key": o["Key"], "VersionId": o["VersionId"], "Code": "AccessDenied",
                               "Message": "simulated: locked by Object Lock"})
            else:
                self.bucket.pop(key, None)
        for k in self.write_while_emptying:
            self.bucket[(k, "late")] = "version"
        self.write_while_emptying = []
        return {"Errors": errors} if errors else {}

    def describe_domain(self, DomainId):
        if DomainId not in self.domains:
            raise error("ResourceNotFound", "DescribeDomain")
        return {"DomainId": DomainId, "Status": self.domains[DomainId]["Status"]}

    def describe_security_groups(self, Filters, NextToken=None, **_):
        import fnmatch
        wanted = {f["Name"]: f["Values"] for f in Filters}
        assert set(wanted) <= {"vpc-id", "group-name"}
        groups = [g for g in self.security_groups
                  if g["VpcId"] in wanted.get("vpc-id", [g["VpcId"]])
                  and any(fnmatch.fnmatchcase(g["GroupName"], v) for v in wanted.get("group-name", ["*"]))]
        page, more = self._page(groups, NextToken)
        return {"SecurityGroups": page, **({"NextToken": more} if more else {})}

    def _group(self, group_id, op):
        group = next((g for g in self.security_groups if g["GroupId"] == group_id), None)
        if group is None:
            raise error("InvalidGroup.NotFound", op)
        return group

    def _revoke(self, key, GroupId, IpPermissions, op):
        group = self._group(GroupId, op)
        for rule in IpPermissions:
            if rule not in group[key]:
                raise error("InvalidPermission.NotFound", op)
            group[key].remove(rule)
        return {"Return": True}

    def revoke_security_group_ingress(self, GroupId, IpPermissions):
        return self._revoke("IpPermissions", GroupId, IpPermissions, "RevokeSecurityGroupIngress")

    def revoke_security_group_egress(self, GroupId, IpPermissions):
        return self._revoke("IpPermissionsEgress", GroupId, IpPermissions, "RevokeSecurityGroupEgress")

    def delete_security_group(self, GroupId):
        group = self._group(GroupId, "DeleteSecurityGroup")
        named_by = [g["GroupId"] for g in self.security_groups
                    for rule in g["IpPermissions"] + g["IpPermissionsEgress"]
                    for pair in rule.get("UserIdGroupPairs", []) if pair.get("GroupId") == GroupId]
        if named_by or group["_in_use"]:
            raise error("DependencyViolation", "DeleteSecurityGroup")
        self.security_groups.remove(group)
        return {"Return": True, "GroupId": GroupId}

    def invoke(self, FunctionName, InvocationType, Payload):
        assert FunctionName == FUNCTION_ARN and InvocationType == "Event"
        self.invocations.append(json.loads(Payload))
        return {"StatusCode": 202}


class Client:
    """One service of the world; each request is validated against botocore's model."""

    def __init__(self, service, world):
        self.model = boto3.client(service, region_name="us-east-1", aws_access_key_id="x",
                                  aws_secret_access_key="x").meta.service_model
        self.ops = {self._snake(op): op for op in self.model.operation_names}
        self.world = world

    @staticmethod
    def _snake(name):
        from botocore import xform_name
        return xform_name(name)

    def __getattr__(self, name):
        op = self.model.operation_model(self.ops[name])

        def call(**kw):
            validate_parameters(kw, op.input_shape)
            self.world.calls.append((name, kw))
            if name in self.world.denied:
                raise error("AccessDeniedException", op.name)
            return getattr(self.world, name)(**kw)
        return call


class Context:
    """A run's Lambda context; its remaining time follows the simulated clock."""
    invoked_function_arn = FUNCTION_ARN
    now = None  # the fixture's clock

    def __init__(self, seconds=900):
        self.end = Context.now[0] + seconds

    def get_remaining_time_in_millis(self):
        return (self.end - Context.now[0]) * 1000


@pytest.fixture
def run():
    """(world, fn, responses): fn(event, context) runs the handler in the world."""
    world = World()
    module = load()
    responses = []
    now = [1_000_000.0]
    module._clients.update({name: Client(service, world) for name, service in
                            (("sagemaker", "sagemaker"), ("efs", "efs"), ("lambda", "lambda"), ("s3", "s3"),
                             ("ec2", "ec2"))})
    module.clock = lambda: now[0]

    def sleep(seconds):
        now[0] += seconds
        world.tick()
    module.sleep = sleep

    def put(request):
        assert request.get_method() == "PUT" and request.get_header("Content-type") == ""
        responses.append(json.loads(request.data))
        return 200
    module.put = put
    module.now = now
    Context.now = now
    return world, module, responses


def event(request_type, kind="UserProfile", **props):
    base = {"ServiceToken": FUNCTION_ARN, "ServiceTimeout": "3600", "Kind": kind, "DomainId": DOMAIN}
    if kind == "UserProfile":
        base["UserProfileName"] = "alice"
    base.update(props)
    e = {"RequestType": request_type, "ResponseURL": "https://cloudformation-custom-resource-response-useast1"
         ".s3.amazonaws.com/arn%3Aaws%3Acloudformation/resp?X-Amz-Signature=x",
         "StackId": f"arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/s/1", "RequestId": "a1b2c3d4-0000",
         "LogicalResourceId": "UserProfileAliceCleanup", "ResourceType": "Custom::StudioCleanup",
         "ResourceProperties": base}
    if request_type != "Create":
        e["PhysicalResourceId"] = "UserProfileAliceCleanup-a1b2c3d4"
    return e


@pytest.mark.parametrize("request_type", ["Create", "Update"])
def test_create_and_update_answer_success_and_touch_nothing(run, request_type):
    world, fn, responses = run
    world.app("alice", "InService")
    e = event(request_type)
    if request_type == "Update":
        e["OldResourceProperties"] = dict(e["ResourceProperties"], DomainId="d-old")
    fn.handler(e, Context())
    assert world.calls == []
    assert [r["Status"] for r in responses] == ["SUCCESS"]
    # The physical id never changes on update (a new one would make CloudFormation send a
    # Delete for the old one, which would empty the profile).
    expected = "UserProfileAliceCleanup-a1b2c3d4"
    assert responses[0]["PhysicalResourceId"] == expected


def offboarding(old=None, **new):
    """The Update event of alice's cleanup: `new` and `old` extra properties."""
    e = event("Update", **new)
    e["OldResourceProperties"] = dict(event("Update")["ResourceProperties"], **(old or {}))
    return e


def test_offboarding_deletes_the_users_apps_and_keeps_spaces_and_profile(run):
    world, fn, responses = run
    world.space("alice-private", "alice")
    world.space("alice-shared", "alice", sharing="Shared")
    world.space("bob-private", "bob")
    own = world.app("alice", "InService", name="lab")
    pending = world.app("alice", "Pending", name="starting")
    private = world.app("alice-private", "InService", space=True, app_type="CodeEditor")
    shared = world.app("alice-shared", "InService", space=True)
    bobs = world.app("bob-private", "InService", space=True)
    bob_own = world.app("bob", "InService")
    fn.handler(offboarding(OffboardAfter="2027-01-31"), Context())
    assert [r["Status"] for r in responses] == ["SUCCESS"], responses
    assert responses[0]["PhysicalResourceId"] == "UserProfileAliceCleanup-a1b2c3d4"
    assert own["Status"] == pending["Status"] == private["Status"] == "Deleted"
    assert shared["Status"] == "InService", "a shared space's apps serve other users"
    assert bobs["Status"] == bob_own["Status"] == "InService"
    assert world.names("delete_space") == [] and world.names("delete_user_profile") == []
    assert [s["SpaceName"] for s in world.spaces] == ["alice-private", "alice-shared", "bob-private"]


@pytest.mark.parametrize("old, new", [
    ({"OffboardAfter": "2027-01-31"}, {"OffboardAfter": "2027-03-31"}),  # the date moved
    ({"OffboardAfter": "2027-01-31"}, {}),  # offboarding called off
    ({}, {}),  # any other update
])
def test_other_updates_touch_nothing(run, old, new):
    world, fn, responses = run
    world.app("alice", "InService")
    fn.handler(offboarding(old=old, **new), Context())
    assert world.calls == []
    assert [r["Status"] for r in responses] == ["SUCCESS"]


def test_offboarding_waits_across_runs_and_reports_a_stuck_app(run):
    world, fn, responses = run
    app = world.app("alice", "InService", rounds=3)
    fn.handler(offboarding(OffboardAfter="2027-01-31"), Context(seconds=80))
    assert responses == [] and len(world.invocations) == 1
    carried = world.invocations[0]
    assert carried["RequestType"] == "Update" and carried["ResourceProperties"]["OffboardAfter"] == "2027-01-31"
    fn.handler(carried, Context(seconds=900))
    assert [r["Status"] for r in responses] == ["SUCCESS"] and app["Status"] == "Deleted"
    world.app("alice", "InService", name="stuck", fails=True)
    fn.handler(offboarding(OffboardAfter="2027-01-31"), Context())
    assert responses[-1]["Status"] == "FAILED" and "JupyterLab/stuck of alice did not delete" in responses[-1]["Reason"]


def test_apps_in_every_state(run):
    world, fn, responses = run
    in_service = world.app("alice", "InService", name="lab")
    pending = world.app("alice", "Pending", name="starting")
    deleting = world.app("alice", "Deleting", name="going", rounds=2)
    deleted = world.app("alice", "Deleted", name="gone")
    failed = world.app("alice", "Failed", name="broken")
    other = world.app("bob", "InService", name="bobs")
    fn.handler(event("Delete"), Context())
    assert [r["Status"] for r in responses] == ["SUCCESS"], responses
    asked = {c["AppName"] for c in world.names("delete_app")}
    assert asked == {"lab", "starting", "broken"}, "Deleting and Deleted apps are waited for, not deleted again"
    # Pending was refused once (ResourceInUse) and asked again once it was up.
    assert [c["AppName"] for c in world.names("delete_app")].count("starting") == 2
    for app in (in_service, pending, deleting, deleted, failed):
        assert app["Status"] == "Deleted"
    assert other["Status"] == "InService", "another profile's app is left alone"


def test_owned_spaces_lose_their_apps_first_then_are_deleted(run):
    world, fn, responses = run
    world.space("alice-space", "alice")
    world.space("bob-space", "bob")
    space_app = world.app("alice-space", "InService", space=True, app_type="CodeEditor")
    world.app("bob-space", "InService", space=True)
    fn.handler(event("Delete"), Context())
    assert [r["Status"] for r in responses] == ["SUCCESS"], responses
    assert space_app["Status"] == "Deleted"
    assert world.names("delete_app")[0] == {"DomainId": DOMAIN, "AppType": "CodeEditor", "AppName": "default",
                                            "SpaceName": "alice-space"}
    assert [c["SpaceName"] for c in world.names("delete_space")] == ["alice-space"]
    assert [s["SpaceName"] for s in world.spaces] == ["bob-space"]


def test_every_page_is_read(run):
    world, fn, responses = run
    apps = [world.app("alice", "InService", name=f"app{i}") for i in range(5)]
    world.app("alice-late", "InService")
    fn.handler(event("Delete"), Context())
    assert [r["Status"] for r in responses] == ["SUCCESS"]
    assert all(a["Status"] == "Deleted" for a in apps)
    tokens = [c.get("NextToken") for c in world.names("list_apps")[:3]]
    assert tokens == [None, "2", "4"]


def test_a_wait_longer_than_one_run_goes_on_in_the_next(run):
    world, fn, responses = run
    app = world.app("alice", "InService", rounds=3)
    # A run with 80 s left polls once (15 s + the 60 s margin) and then hands over.
    fn.handler(event("Delete"), Context(seconds=80))
    assert responses == [], "no answer yet: the app is still deleting"
    assert len(world.invocations) == 1
    carried = world.invocations[0]
    assert carried["RequestType"] == "Delete" and carried["ResponseURL"].startswith("https://")
    assert carried["SagesynthCleanup"]["runs"] == 1 and carried["SagesynthCleanup"]["asked"]
    fn.handler(carried, Context(seconds=80))
    fn.handler(world.invocations[-1], Context(seconds=900))
    assert [r["Status"] for r in responses] == ["SUCCESS"]
    assert app["Status"] == "Deleted"
    assert len(world.names("delete_app")) == 1, "the app was asked once, across runs"


def test_an_app_that_does_not_delete_is_reported_not_timed_out(run):
    world, fn, responses = run
    world.app("alice", "InService", name="stuck", fails=True)
    fn.handler(event("Delete"), Context())
    assert [r["Status"] for r in responses] == ["FAILED"]
    reason = responses[0]["Reason"]
    assert "JupyterLab/stuck of alice did not delete" in reason and "could not be detached" in reason


def test_access_denied_is_reported(run):
    world, fn, responses = run
    world.app("alice", "InService")
    world.denied.add("delete_app")
    fn.handler(event("Delete"), Context())
    assert responses[0]["Status"] == "FAILED"
    assert responses[0]["Reason"] == "DeleteApp: AccessDeniedException: simulated AccessDeniedException"


def test_the_deadline_answers_before_the_service_timeout(run):
    world, fn, responses = run
    world.app("alice", "InService", rounds=10_000)
    e = event("Delete")
    fn.handler(e, Context(seconds=900))
    while not responses:
        fn.handler(world.invocations[-1], Context(seconds=900))
    assert responses[0]["Status"] == "FAILED"
    assert responses[0]["Reason"].startswith("still not deleted after 55 minutes: app JupyterLab/default of alice")
    elapsed = fn.now[0] - 1_000_000.0
    assert 3300 < elapsed < 3600


def test_unknown_kind_fails_clearly(run):
    world, fn, responses = run
    fn.handler(event("Delete", kind="Queue"), Context())
    assert responses[0]["Status"] == "FAILED"
    assert "unknown Kind 'Queue'; known: Bucket, Domain, NfsGroups, UserProfile" in responses[0]["Reason"]


def test_a_domain_that_is_gone_leaves_nothing_to_do(run):
    world, fn, responses = run
    world.domain_exists = False
    world.file_systems.clear()
    fn.handler(event("Delete", kind="Domain", HomeEfsFileSystemId=FS, HomeStorageOnDelete="retain",
                     OwnershipTagKey=TAG), Context())
    assert [r["Status"] for r in responses] == ["SUCCESS"]


def domain_event(storage, tag=TAG):
    props = {"HomeEfsFileSystemId": FS, "HomeStorageOnDelete": storage}
    if tag:
        props["OwnershipTagKey"] = tag
    return event("Delete", kind="Domain", **props)


def test_domain_removes_onboarded_profiles_and_keeps_the_home_file_system(run):
    world, fn, responses = run
    world.profile("carol", tagged=True)
    world.app("carol", "InService")
    world.space("carol-space", "carol")
    for i in range(3):
        world.mount_target(f"fsmt-{i:017d}")
    fn.handler(domain_event("retain"), Context())
    assert [r["Status"] for r in responses] == ["SUCCESS"], responses
    assert world.profiles == [] and world.spaces == []
    assert [c["UserProfileName"] for c in world.names("delete_user_profile")] == ["carol"]
    assert len(world.names("delete_mount_target")) == 3 and world.mount_targets == []
    assert world.names("delete_file_system") == [] and FS in world.file_systems


def test_domain_deletes_the_home_file_system_when_told_to(run):
    world, fn, responses = run
    world.mount_target("fsmt-00000000000000001")
    fn.handler(domain_event("delete"), Context())
    assert [r["Status"] for r in responses] == ["SUCCESS"]
    assert world.names("delete_file_system") == [{"FileSystemId": FS}]
    order = [name for name, _ in world.calls if name.startswith("delete_")]
    assert order == ["delete_mount_target", "delete_file_system"]


def test_domain_refuses_a_profile_it_did_not_create(run):
    world, fn, responses = run
    world.profile("carol", tagged=True)
    world.profile("stranger", tagged=False)
    world.mount_target("fsmt-00000000000000001")
    fn.handler(domain_event("retain"), Context())
    assert responses[0]["Status"] == "FAILED"
    assert "profiles this stack did not create" in responses[0]["Reason"] and "stranger" in responses[0]["Reason"]
    assert not world.names("delete_user_profile"), "nothing is deleted once a stranger is found"
    assert not world.names("delete_mount_target"), "the home stays mounted while the domain cannot go"


def test_an_iam_domain_deletes_no_profile(run):
    world, fn, responses = run
    world.profile("dave", tagged=True)
    fn.handler(domain_event("retain", tag=None), Context())
    assert responses[0]["Status"] == "FAILED"
    assert "dave" in responses[0]["Reason"]
    assert not world.names("delete_user_profile")


def bucket_event():
    e = event("Delete", kind="Bucket", BucketName=BUCKET)
    del e["ResourceProperties"]["DomainId"]
    return e


def fill(world, objects, versions_each=2, markers=True):
    for i in range(objects):
        for v in range(versions_each):
            world.bucket[(f"results/{i:05d}.csv", f"v{v}")] = "version"
        if markers:
            world.bucket[(f"results/{i:05d}.csv", "zz-marker")] = "marker"


def test_bucket_loses_every_version_and_delete_marker_page_by_page(run):
    world, fn, responses = run
    fill(world, 5)  # 10 versions and 5 delete markers, in pages of PAGE
    fn.handler(bucket_event(), Context())
    assert [r["Status"] for r in responses] == ["SUCCESS"], responses
    assert world.bucket == {}
    lists = world.names("list_object_versions")
    # Pages follow the markers S3 returned; the last pass finds nothing.
    assert lists[0] == {"Bucket": BUCKET, "MaxKeys": 1000}
    assert lists[1]["KeyMarker"] == "results/00000.csv" and lists[1]["VersionIdMarker"] == "v1"
    assert lists[-1] == {"Bucket": BUCKET, "MaxKeys": 1000}
    deleted = [o for c in world.names("delete_objects") for o in c["Delete"]["Objects"]]
    assert len(deleted) == 15 and {"Key": "results/00004.csv", "VersionId": "zz-marker"} in deleted
    assert all(c["Delete"]["Quiet"] for c in world.names("delete_objects"))


def test_bucket_deletes_in_batches_of_a_thousand(run):
    world, fn, responses = run
    world.s3_page = 1000  # S3's own page size
    fill(world, 1250, versions_each=2, markers=False)
    fn.handler(bucket_event(), Context())
    assert [r["Status"] for r in responses] == ["SUCCESS"]
    assert [len(c["Delete"]["Objects"]) for c in world.names("delete_objects")] == [1000, 1000, 500]
    assert world.bucket == {}


def test_bucket_written_to_while_emptying_is_listed_again(run):
    world, fn, responses = run
    fill(world, 1, versions_each=1, markers=False)
    world.write_while_emptying = ["late.csv"]
    fn.handler(bucket_event(), Context())
    assert [r["Status"] for r in responses] == ["SUCCESS"]
    assert world.bucket == {}
    assert len(world.names("delete_objects")) == 2


def test_bucket_that_refuses_a_delete_is_reported(run):
    world, fn, responses = run
    fill(world, 3, versions_each=1, markers=False)
    world.refused = {"results/00001.csv"}
    fn.handler(bucket_event(), Context())
    assert [r["Status"] for r in responses] == ["FAILED"]
    reason = responses[0]["Reason"]
    assert reason.startswith(f"bucket {BUCKET}: S3 refused to delete 1 of 2 versions")
    assert "results/00001.csv (v0): AccessDenied: simulated: locked by Object Lock" in reason


def test_bucket_access_denied_is_reported(run):
    world, fn, responses = run
    fill(world, 1)
    world.denied.add("list_object_versions")
    fn.handler(bucket_event(), Context())
    assert responses[0]["Status"] == "FAILED"
    assert responses[0]["Reason"].startswith("ListObjectVersions: AccessDeniedException")


def test_bucket_already_gone_is_done(run):
    world, fn, responses = run
    world.bucket = None
    fn.handler(bucket_event(), Context())
    assert [r["Status"] for r in responses] == ["SUCCESS"]
    assert world.names("delete_objects") == []


def test_a_large_bucket_goes_on_in_the_next_run(run):
    world, fn, responses = run
    fill(world, 60, versions_each=1, markers=False)  # 30 pages of PAGE: more than one step
    # Every DeleteObjects takes a simulated second, so a run with 90 s left stops after
    # one step (20 pages) and hands the rest to the next run, which goes on where it stopped.
    real_delete = world.delete_objects

    def slow_delete(**kw):
        fn.now[0] += 1
        return real_delete(**kw)
    world.delete_objects = slow_delete
    fn.handler(bucket_event(), Context(seconds=90))
    assert responses == [] and len(world.invocations) == 1
    carried = world.invocations[0]["SagesynthCleanup"]["bucket"]
    assert carried["deleted"] == 40 and carried["markers"]["KeyMarker"] == "results/00039.csv"
    while not responses:
        fn.handler(world.invocations[-1], Context(seconds=90))
    assert [r["Status"] for r in responses] == ["SUCCESS"]
    assert world.bucket == {}
    assert world.invocations, "the emptying was handed over to another run"


def nfs_event():
    e = event("Delete", kind="NfsGroups", VpcId=VPC)
    del e["ResourceProperties"]["DomainId"]  # it cannot name the domain: the domain depends on it
    e["LogicalResourceId"] = "StudioNfsGroupsCleanup"
    return e


def test_nfs_groups_of_a_deleted_domain_lose_their_rules_then_go(run):
    world, fn, responses = run
    ours = world.nfs_pair(DOMAIN)
    world.security_group("sg-team", "team-notebooks")  # this VPC, another name
    world.security_group("sg-lookalike", f"security-group-for-inbound-nfs-{DOMAIN}x")  # no SageMaker tag
    others = world.nfs_pair("d-otheraccount9", vpc="vpc-0ffffffffffffff99")  # another VPC
    fn.handler(nfs_event(), Context())
    assert [r["Status"] for r in responses] == ["SUCCESS"], responses
    assert world.group_ids() == sorted(["sg-team", "sg-lookalike"] + others)
    deleted = [kw["GroupId"] for kw in world.names("delete_security_group")]
    assert sorted(deleted) == sorted(ours)
    # Every rule of both groups went before the first deletion (each names the other).
    order = [name for name, _ in world.calls]
    first_delete = order.index("delete_security_group")
    assert order.count("revoke_security_group_ingress") == 2 == order.count("revoke_security_group_egress")
    assert max(i for i, n in enumerate(order) if n.startswith("revoke_")) < first_delete
    touched = {kw["GroupId"] for name, kw in world.calls if "GroupId" in kw}
    assert touched == set(ours)
    assert [kw["DomainId"] for kw in world.names("describe_domain")] == [DOMAIN, DOMAIN]


def test_no_nfs_groups_is_done_at_once(run):
    world, fn, responses = run
    world.security_group("sg-team", "team-notebooks")
    fn.handler(nfs_event(), Context())
    assert [r["Status"] for r in responses] == ["SUCCESS"]
    assert world.names("delete_security_group") == [] and world.group_ids() == ["sg-team"]


def test_nfs_groups_wait_while_their_domain_is_deleting(run):
    world, fn, responses = run
    world.nfs_pair(DOMAIN)
    world.domains[DOMAIN] = {"Status": "Deleting", "_rounds": 3}
    fn.handler(nfs_event(), Context())
    assert [r["Status"] for r in responses] == ["SUCCESS"]
    assert world.security_groups == []
    assert fn.now[0] - 1_000_000.0 >= 3 * fn.POLL_SECONDS, "it waited for the domain"
    assert len(world.names("describe_domain")) > 2


def test_nfs_groups_of_a_domain_that_is_not_being_deleted_fail_clearly(run):
    world, fn, responses = run
    ours = world.nfs_pair(DOMAIN)
    world.domains[DOMAIN] = {"Status": "InService", "_rounds": 0}
    fn.handler(nfs_event(), Context())
    assert responses[0]["Status"] == "FAILED"
    assert f"belongs to domain {DOMAIN}, which still exists (InService) in VPC {VPC}" in responses[0]["Reason"]
    assert world.group_ids() == sorted(ours)
    assert not [n for n, _ in world.calls if n.startswith(("revoke_", "delete_"))]


def test_nfs_group_still_in_use_is_tried_again(run):
    world, fn, responses = run
    ours = world.nfs_pair(DOMAIN)
    world.security_groups[0]["_in_use"] = 2  # network interfaces still detaching
    fn.handler(nfs_event(), Context())
    assert [r["Status"] for r in responses] == ["SUCCESS"]
    assert world.security_groups == []
    deletes = [kw["GroupId"] for kw in world.names("delete_security_group")]
    assert deletes.count(ours[0]) == 3 and deletes.count(ours[1]) == 1


def test_nfs_group_in_use_until_the_deadline_fails_with_its_name(run):
    world, fn, responses = run
    ours = world.nfs_pair(DOMAIN)
    world.security_groups[1]["_in_use"] = 10_000
    fn.handler(nfs_event(), Context(seconds=900))
    while not responses:
        fn.handler(world.invocations[-1], Context(seconds=900))
    assert responses[0]["Status"] == "FAILED"
    assert responses[0]["Reason"] == (f"still not deleted after 55 minutes: security group {ours[1]} "
                                      f"(security-group-for-outbound-nfs-{DOMAIN}, still in use)")
    assert world.invocations, "the wait went on in later runs"


def test_nfs_group_deletion_refused_fails_with_the_reason(run):
    world, fn, responses = run
    world.nfs_pair(DOMAIN)
    world.denied.add("delete_security_group")
    fn.handler(nfs_event(), Context())
    assert responses[0]["Status"] == "FAILED"
    assert responses[0]["Reason"] == "DeleteSecurityGroup: AccessDeniedException: simulated AccessDeniedException"
