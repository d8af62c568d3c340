"""Studio teardown for CloudFormation (sagesynth; why and what: constructs/studio_cleanup.rs
and docs/teardown.md). The Delete of a Custom::StudioCleanup empties what it references,
so that CloudFormation can delete it next; Create does nothing, and so does Update except
the one that adds OffboardAfter to a UserProfile cleanup (offboarding: the profile's apps
and its private spaces' apps go, spaces and profile stay).

The resource's Kind picks a step from KINDS (Delete) or UPDATES (Update). A step is
called until it returns True; False means it waits (for what: state["waiting"]), with
state["again"] when it can go on at once; Failure is a reason for CloudFormation.
- UserProfile: the profile's apps, its spaces' apps, then those spaces.
- Domain: the same for each profile tagged OwnershipTagKey, then those profiles (an
  untagged one is not this stack's: FAILED); then the home file system's mount targets,
  and with HomeStorageOnDelete=delete the file system.
- NfsGroups: the security groups SageMaker made in VpcId for a home volume's NFS traffic
  (NFS_PREFIXES + domain ID, tagged DOMAIN_TAG with the domain's ARN) whose domain no
  longer exists: their rules first (each names the other), then the groups; a group
  still in use (DependencyViolation, while network interfaces detach) is tried again.
- Bucket: every version and delete marker of BucketName, a ListObjectVersions page per
  DeleteObjects, then one more pass; a refused key is FAILED with its reason.

A run polls every POLL_SECONDS and, near its end, re-invokes the function asynchronously
with the event and its state; FAILED is reported at DEADLINE_SECONDS, before the
resource's ServiceTimeout (3600 s).
"""
import json
import time
import urllib.request

import boto3
from botocore.exceptions import ClientError

KINDS = {}
UPDATES = {}  # Kind -> fn(props, old) giving the step an Update runs, or None
POLL_SECONDS = 15
MARGIN_SECONDS = 60  # of a run, kept for the hand-over to the next one
DEADLINE_SECONDS = 3300  # the custom resource's ServiceTimeout is 3600
NOT_FOUND = {"ResourceNotFound", "FileSystemNotFound", "MountTargetNotFound", "NoSuchBucket",
             "InvalidGroup.NotFound", "InvalidPermission.NotFound"}
NFS_PREFIXES = ("security-group-for-inbound-nfs-", "security-group-for-outbound-nfs-")
DOMAIN_TAG = "ManagedByAmazonSageMakerResource"
BATCH = 1000  # the most keys one DeleteObjects takes, and ListObjectVersions' largest page
PAGES_PER_STEP = 20  # of a bucket, between two checks of the run's remaining time
STATE = "SagesynthCleanup"
clock, sleep = time.time, time.sleep  # tests replace these
_clients = {}


class Failure(Exception):
    """A reason to report FAILED to CloudFormation."""


def aws(name):
    if name not in _clients:
        _clients[name] = boto3.client(name)
    return _clients[name]


def put(request):  # tests replace this
    with urllib.request.urlopen(request, timeout=30) as answer:
        return answer.status


def log(**fields):
    print(json.dumps(fields, sort_keys=True, default=str))


def kind(name):
    def register(step):
        KINDS[name] = step
        return step
    return register


def on_update(name):
    def register(pick):
        UPDATES[name] = pick
        return pick
    return register


def call(service, op, missing_ok=False, **kw):
    """One API call; None when missing_ok and the resource is already gone."""
    try:
        return getattr(aws(service), op)(**kw)
    except ClientError as e:
        if missing_ok and e.response.get("Error", {}).get("Code") in NOT_FOUND:
            return None
        raise


def pages(service, op, key, token="NextToken", next_token="NextToken", **kw):
    """Every item of a paginated list call; nothing when its resource is gone."""
    while True:
        answer = call(service, op, missing_ok=True, **kw)
        if answer is None:
            return
        yield from answer.get(key, [])
        if not answer.get(next_token):
            return
        kw[token] = answer[next_token]


def app_key(app):
    owner = app.get("SpaceName") or app.get("UserProfileName")
    return f"{app['AppType']}/{app['AppName']} of {owner}"


def live_apps(domain, state, **where):
    """Asks every app of `where` that is not deleted to stop and be deleted; returns what
    is still not deleted. An app that is Failed after DeleteApp succeeded did not delete."""
    waiting = []
    for app in pages("sagemaker", "list_apps", "Apps", DomainIdEquals=domain, **where):
        status, key = app.get("Status"), app_key(app)
        if status == "Deleted":
            continue
        if status == "Failed" and key in state["asked"]:
            ids = {k: app[k] for k in ("DomainId", "AppType", "AppName", "SpaceName", "UserProfileName") if app.get(k)}
            about = call("sagemaker", "describe_app", missing_ok=True, **ids) or {}
            raise Failure(f"app {key} did not delete: {about.get('FailureReason', 'no reason given')}")
        if status != "Deleting":
            target = {"SpaceName": app["SpaceName"]} if app.get("SpaceName") else {"UserProfileName": app["UserProfileName"]}
            try:
                call("sagemaker", "delete_app", missing_ok=True, DomainId=domain, AppType=app["AppType"],
                     AppName=app["AppName"], **target)
                state["asked"].append(key)
                log(action="DeleteApp", app=key, status=status)
            except ClientError as e:
                if e.response.get("Error", {}).get("Code") != "ResourceInUse":
                    raise
                # Pending: SageMaker refuses until the app is up; asked again next poll.
        waiting.append(f"app {key} ({status})")
    return waiting


def owned_spaces(domain, profile):
    for space in pages("sagemaker", "list_spaces", "Spaces", DomainIdEquals=domain):
        if space.get("OwnershipSettingsSummary", {}).get("OwnerUserProfileName") == profile:
            yield space


def empty_profile(domain, profile, state):
    """Deletes the profile's apps, the apps of the spaces it owns and those spaces; True
    when none of them is left."""
    waiting = []
    for space in owned_spaces(domain, profile):
        name, status = space["SpaceName"], space.get("Status")
        apps = live_apps(domain, state, SpaceNameEquals=name)
        if status == "Delete_Failed":
            raise Failure(f"space {name} of {profile} did not delete (Delete_Failed)")
        if not apps and status != "Deleting":
            call("sagemaker", "delete_space", missing_ok=True, DomainId=domain, SpaceName=name)
            log(action="DeleteSpace", space=name, owner=profile)
        waiting += apps + [f"space {name} ({status})"]
    waiting += live_apps(domain, state, UserProfileNameEquals=profile)
    state["waiting"] = ", ".join(waiting)
    return not waiting


@kind("UserProfile")
def user_profile(props, state):
    return empty_profile(props["DomainId"], props["UserProfileName"], state)


def close_profile(domain, profile, state):
    """Deletes the profile's own apps and those of its private spaces; True when none is
    left. Shared spaces it owns keep their apps: other users work in them."""
    waiting = []
    for space in owned_spaces(domain, profile):
        if space.get("SpaceSharingSettingsSummary", {}).get("SharingType") != "Shared":
            waiting += live_apps(domain, state, SpaceNameEquals=space["SpaceName"])
    waiting += live_apps(domain, state, UserProfileNameEquals=profile)
    state["waiting"] = ", ".join(waiting)
    if not waiting:
        log(action="OffboardedProfile", profile=profile)
    return not waiting


@on_update("UserProfile")
def offboard(props, old):
    if not props.get("OffboardAfter") or old.get("OffboardAfter"):
        return None
    return lambda props, state: close_profile(props["DomainId"], props["UserProfileName"], state)


def owned(domain, profile, tag, arn_prefix):
    arn = f"{arn_prefix}:user-profile/{domain}/{profile}"
    tags = pages("sagemaker", "list_tags", "Tags", ResourceArn=arn)
    return any(t.get("Key") == tag for t in tags)


@kind("Domain")
def domain_step(props, state):
    domain, tag = props["DomainId"], props.get("OwnershipTagKey")
    profiles = list(pages("sagemaker", "list_user_profiles", "UserProfiles", DomainIdEquals=domain))
    strangers = [p["UserProfileName"] for p in profiles
                 if not tag or not owned(domain, p["UserProfileName"], tag, state["arn_prefix"])]
    if strangers:
        raise Failure(f"domain {domain} still has profiles this stack did not create (no {tag or 'ownership'} tag): "
                      f"{', '.join(sorted(strangers))}; delete them, then delete the stack again")
    waiting = []
    for p in profiles:
        name, status = p["UserProfileName"], p.get("Status")
        if status == "Delete_Failed":
            raise Failure(f"profile {name} did not delete (Delete_Failed)")
        what = status
        if status != "Deleting":
            if empty_profile(domain, name, state):
                call("sagemaker", "delete_user_profile", missing_ok=True, DomainId=domain, UserProfileName=name)
                log(action="DeleteUserProfile", profile=name)
            else:
                what = state["waiting"]
        waiting.append(f"profile {name} ({what})")
    if waiting:
        state["waiting"] = ", ".join(waiting)
        return False
    return home_storage(props, state)


def home_storage(props, state):
    """Mount targets of the domain's home file system, then (delete) the file system."""
    fs = props.get("HomeEfsFileSystemId")
    if not fs:
        return True
    waiting = []
    for t in pages("efs", "describe_mount_targets", "MountTargets", token="Marker", next_token="NextMarker",
                   FileSystemId=fs):
        if t.get("LifeCycleState") not in ("deleting", "deleted"):
            call("efs", "delete_mount_target", missing_ok=True, MountTargetId=t["MountTargetId"])
            log(action="DeleteMountTarget", mount_target=t["MountTargetId"], subnet=t.get("SubnetId"))
        if t.get("LifeCycleState") != "deleted":
            waiting.append(f"mount target {t['MountTargetId']} of {fs}")
    if waiting:
        state["waiting"] = ", ".join(waiting)
        return False
    if props.get("HomeStorageOnDelete") == "delete":
        call("efs", "delete_file_system", missing_ok=True, FileSystemId=fs)
        log(action="DeleteFileSystem", file_system=fs)
    else:
        log(action="KeepFileSystem", file_system=fs)
    return True


@kind("NfsGroups")
def nfs_groups(props, state):
    """SageMaker's NFS groups in the VPC whose domain is gone: rules revoked, then deleted.
    True when none is left. A group of a domain that still exists waits while the domain
    is Deleting and fails otherwise: that domain is not being deleted."""
    vpc = props["VpcId"]
    found = pages("ec2", "describe_security_groups", "SecurityGroups",
                  Filters=[{"Name": "vpc-id", "Values": [vpc]},
                           {"Name": "group-name", "Values": [p + "*" for p in NFS_PREFIXES]}])
    groups, waiting = [], []
    for g in found:
        if g.get("VpcId") != vpc or not g.get("GroupName", "").startswith(NFS_PREFIXES):
            continue  # the filters already say so; never act on a group they let through by mistake
        arn = next((t.get("Value") for t in g.get("Tags", []) if t.get("Key") == DOMAIN_TAG), None)
        if not arn or ":domain/" not in arn:
            continue  # named like SageMaker's, but not tagged by it: not ours to delete
        domain = arn.rsplit("/", 1)[1]
        about = call("sagemaker", "describe_domain", missing_ok=True, DomainId=domain)
        if about is not None:
            status = about.get("Status")
            if status != "Deleting":
                raise Failure(f"security group {g['GroupId']} ({g['GroupName']}) belongs to domain {domain}, "
                              f"which still exists ({status}) in VPC {vpc}; delete that domain, then delete "
                              "the stack again")
            waiting.append(f"domain {domain} (Deleting) of {g['GroupId']}")
            continue
        groups.append(g)
    for g in groups:  # every rule first: each group's rules name the other group
        if g.get("IpPermissions"):
            call("ec2", "revoke_security_group_ingress", missing_ok=True, GroupId=g["GroupId"],
                 IpPermissions=g["IpPermissions"])
        if g.get("IpPermissionsEgress"):
            call("ec2", "revoke_security_group_egress", missing_ok=True, GroupId=g["GroupId"],
                 IpPermissions=g["IpPermissionsEgress"])
    for g in groups:
        try:
            call("ec2", "delete_security_group", missing_ok=True, GroupId=g["GroupId"])
            log(action="DeleteSecurityGroup", group=g["GroupId"], name=g["GroupName"], vpc=vpc)
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") != "DependencyViolation":
                raise
            waiting.append(f"security group {g['GroupId']} ({g['GroupName']}, still in use)")
    state["waiting"] = ", ".join(waiting)
    return not waiting


@kind("Bucket")
def bucket_step(props, state):
    """Up to PAGES_PER_STEP pages of the bucket's versions and delete markers, each page
    deleted in one DeleteObjects; where the listing stopped is kept in state, so the next
    step (or run) goes on from there. True once a whole pass found nothing."""
    name = props["BucketName"]
    progress = state.setdefault("bucket", {"found": 0, "deleted": 0, "markers": {}})
    for _ in range(PAGES_PER_STEP):
        answer = call("s3", "list_object_versions", missing_ok=True, Bucket=name, MaxKeys=BATCH,
                      **progress["markers"])
        if answer is None:  # the bucket is gone already
            return True
        entries = [{"Key": v["Key"], "VersionId": v["VersionId"]}
                   for v in answer.get("Versions", []) + answer.get("DeleteMarkers", [])]
        for start in range(0, len(entries), BATCH):
            delete_versions(name, entries[start:start + BATCH])
        progress["found"] += len(entries)
        progress["deleted"] += len(entries)
        if answer.get("IsTruncated"):
            progress["markers"] = {"KeyMarker": answer["NextKeyMarker"],
                                   "VersionIdMarker": answer["NextVersionIdMarker"]}
            continue
        if not progress["found"]:
            log(action="EmptiedBucket", bucket=name, deleted=progress["deleted"])
            return True
        # A pass that deleted something is followed by one that must find nothing.
        progress.update(found=0, markers={})
        break
    state["waiting"] = f"bucket {name}: {progress['deleted']} versions and delete markers deleted so far"
    state["again"] = True  # more to list: no need to wait for anything
    return False


def delete_versions(bucket, entries):
    answer = call("s3", "delete_objects", Bucket=bucket, Delete={"Objects": entries, "Quiet": True})
    errors = answer.get("Errors", [])
    log(action="DeleteObjects", bucket=bucket, asked=len(entries), refused=len(errors))
    if errors:
        shown = "; ".join(f"{e.get('Key')} ({e.get('VersionId')}): {e.get('Code')}: {e.get('Message')}"
                          for e in errors[:5])
        raise Failure(f"bucket {bucket}: S3 refused to delete {len(errors)} of {len(entries)} versions: {shown}")


def physical_id(event):
    return event.get("PhysicalResourceId") or f"{event['LogicalResourceId']}-{event['RequestId'][:8]}"


def respond(event, status, reason):
    body = {"Status": status, "Reason": reason[:1500], "PhysicalResourceId": physical_id(event),
            "StackId": event["StackId"], "RequestId": event["RequestId"],
            "LogicalResourceId": event["LogicalResourceId"]}
    data = json.dumps(body).encode()
    put(urllib.request.Request(event["ResponseURL"], data=data, method="PUT",
                               headers={"Content-Type": "", "Content-Length": str(len(data))}))
    log(action="Respond", status=status, reason=body["Reason"], resource=event["LogicalResourceId"])
    return body


def hand_over(event, context):
    aws("lambda").invoke(FunctionName=context.invoked_function_arn, InvocationType="Event",
                         Payload=json.dumps(event).encode())
    log(action="Reinvoke", resource=event["LogicalResourceId"], runs=event[STATE]["runs"],
        waiting=event[STATE].get("waiting"))


def handler(event, context):
    state = event.setdefault(STATE, {"started": clock(), "runs": 0, "asked": []})
    state["runs"] += 1
    # arn:partition:lambda:region:account:function:name -> the SageMaker ARN prefix
    fields = context.invoked_function_arn.split(":")
    part, region, account = fields[1], fields[3], fields[4]
    state["arn_prefix"] = f"arn:{part}:sagemaker:{region}:{account}"
    try:
        props = event.get("ResourceProperties", {})
        step = None
        if event["RequestType"] == "Update" and props.get("Kind") in UPDATES:
            step = UPDATES[props["Kind"]](props, event.get("OldResourceProperties", {}))
        if event["RequestType"] != "Delete" and step is None:
            return respond(event, "SUCCESS", f"nothing to do on {event['RequestType']}")
        if step is None:
            step = KINDS.get(props.get("Kind"))
        if step is None:
            raise Failure(f"unknown Kind {props.get('Kind')!r}; known: {', '.join(sorted(KINDS))}")
        while not step(props, state):
            if clock() - state["started"] > DEADLINE_SECONDS:
                raise Failure(f"still not deleted after {DEADLINE_SECONDS // 60} minutes: {state.get('waiting')}")
            if context.get_remaining_time_in_millis() / 1000 < POLL_SECONDS + MARGIN_SECONDS:
                state.pop("again", None)
                return hand_over(event, context)
            if not state.pop("again", False):
                sleep(POLL_SECONDS)
        return respond(event, "SUCCESS", "cleaned up" if event["RequestType"] == "Delete" else "apps deleted")
    except Failure as e:
        return respond(event, "FAILED", str(e))
    except ClientError as e:
        err = e.response.get("Error", {})
        return respond(event, "FAILED", f"{e.operation_name}: {err.get('Code')}: {err.get('Message')}")
    except Exception as e:  # anything else still answers CloudFormation, never a timeout
        return respond(event, "FAILED", f"{type(e).__name__}: {e}")
