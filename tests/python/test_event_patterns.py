"""The EventBridge rules of the studio-sso-onboarding template, evaluated against sample
events with a local matcher that follows EventBridge's event-pattern semantics.

A rule whose pattern matches nothing deploys fine and then silently never fires: these
tests make that a failure. They read every AWS::Events::Rule of
out/studio-sso-onboarding.template.json (or of the template named by the environment
variable SAGESYNTH_SSO_TEMPLATE, relative paths from the repository root) and check that
the rules of both functions (handlers index.onboard and index.offboard) match every sample
hint event (events/added-*, removed-*, hint-*: any source, any user, group or membership
change), no unrelated or failed call (events/other-*, failed-*), and that each function
has its schedule. A missing template is a failure, not a skip.

The matcher implements the subset of the pattern language the stacks use, per
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html and
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html :
- every leaf of a pattern is a non-empty array; the field matches when its value, or any
  element of it when the event holds an array, matches any entry of the array;
- nested objects match nested event objects (all keys must match, a missing key or a
  non-object value does not match, except `exists: false` below);
- entries: exact strings, numbers (compared by value), booleans and null (a present null;
  a missing field never equals null); {"prefix": "s"}; {"anything-but": v | [v, ...] |
  {"prefix": "s"}} (a missing field does not match); {"exists": true | false} (leaf
  values only: an object is not an existing leaf).
Not supported, and rejected with UnsupportedPattern rather than guessed: numeric, cidr,
suffix, wildcard, equals-ignore-case, prefix/anything-but with an operator inside (other
than anything-but/prefix), $or, and CloudFormation intrinsics inside a pattern.
Invalid patterns (a bare scalar where an array is required, an empty array, an operator
object with other than one key) raise InvalidPattern.
"""

import json
import os
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
EVENTS = HERE / "events"
TEMPLATE_VAR = "SAGESYNTH_SSO_TEMPLATE"
DEFAULT_TEMPLATE = ROOT / "out" / "studio-sso-onboarding.template.json"

SUPPORTED = {"prefix", "anything-but", "exists"}
KNOWN_UNSUPPORTED = {"numeric", "cidr", "suffix", "wildcard", "equals-ignore-case"}


class UnsupportedPattern(Exception):
    pass


class InvalidPattern(Exception):
    pass


_MISSING = object()


def _scalar(v):
    return v is None or isinstance(v, (str, bool, int, float))


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _operator(entry, path):
    if len(entry) != 1:
        raise InvalidPattern(f"{path}: an operator object has exactly one key, got {sorted(entry)}")
    (op, arg), = entry.items()
    if op not in SUPPORTED:
        known = "known but unsupported" if op in KNOWN_UNSUPPORTED else "unknown"
        raise UnsupportedPattern(f"{path}: operator {op!r} ({known}) is not supported by this matcher")
    return op, arg


def validate(pattern, path="$"):
    """Raise InvalidPattern / UnsupportedPattern for anything outside the supported subset,
    wherever it is: matching must never succeed by short-circuiting past it."""
    if not isinstance(pattern, dict) or not pattern:
        raise InvalidPattern(f"{path}: a pattern is a non-empty JSON object")
    for key, sub in pattern.items():
        where = f"{path}.{key}"
        if key.startswith("$") or key == "Ref" or key.startswith("Fn::"):
            raise UnsupportedPattern(f"{where}: {key!r} is not supported (CloudFormation intrinsic or $or)")
        if isinstance(sub, dict):
            validate(sub, where)
            continue
        if not isinstance(sub, list):
            raise InvalidPattern(f"{where}: a pattern leaf must be an array, got {sub!r}")
        if not sub:
            raise InvalidPattern(f"{where}: an empty array matches nothing")
        for entry in sub:
            if not isinstance(entry, dict):
                if not _scalar(entry):
                    raise InvalidPattern(f"{where}: {entry!r} is not a valid pattern value")
                continue
            op, arg = _operator(entry, where)
            if op == "exists" and not isinstance(arg, bool):
                raise InvalidPattern(f"{where}: exists takes true or false")
            if op == "prefix" and not isinstance(arg, str):
                raise UnsupportedPattern(f"{where}: prefix {arg!r} (only a string prefix is supported)")
            if op == "anything-but":
                if isinstance(arg, dict):
                    inner, inner_arg = _operator(arg, where + ".anything-but")
                    if inner != "prefix" or not isinstance(inner_arg, str):
                        raise UnsupportedPattern(f"{where}: anything-but {{{inner!r}: ...}} is not supported")
                elif not (arg if isinstance(arg, list) else [arg]) or not all(
                        _scalar(x) and x is not None for x in (arg if isinstance(arg, list) else [arg])):
                    raise InvalidPattern(f"{where}: anything-but needs a value or a list of values")


def _equal(expected, value):
    if expected is None or value is None:
        return expected is None and value is None
    if isinstance(expected, bool) or isinstance(value, bool):
        return isinstance(expected, bool) and isinstance(value, bool) and expected == value
    if _is_number(expected) or _is_number(value):
        return _is_number(expected) and _is_number(value) and float(expected) == float(value)
    return expected == value


def _entry_matches(entry, value):
    """One (validated) entry against one present, scalar event value."""
    if not isinstance(entry, dict):
        return _equal(entry, value)
    (op, arg), = entry.items()
    if op == "prefix":
        return isinstance(value, str) and value.startswith(arg)
    # anything-but
    if isinstance(arg, dict):
        return isinstance(value, str) and not value.startswith(arg["prefix"])
    return not any(_equal(x, value) for x in (arg if isinstance(arg, list) else [arg]))


def _leaf_matches(entries, value):
    present = value is not _MISSING and not isinstance(value, dict)
    values = [v for v in (value if isinstance(value, list) else [value])
              if not isinstance(v, (dict, list))] if present else []
    for entry in entries:
        if isinstance(entry, dict) and "exists" in entry:
            if present == entry["exists"]:
                return True
        elif any(_entry_matches(entry, v) for v in values):
            return True
    return False


def _match(pattern, event):
    for key, sub in pattern.items():
        value = event.get(key, _MISSING) if isinstance(event, dict) else _MISSING
        if isinstance(sub, dict):
            if not _match(sub, value if isinstance(value, dict) else {}):
                return False
        elif not _leaf_matches(sub, value):
            return False
    return True


def matches(pattern, event):
    """True when `event` matches the EventBridge `pattern` (see the module docstring)."""
    validate(pattern)
    return _match(pattern, event)


# ---------------------------------------------------------------------------------------
# Template and sample events
# ---------------------------------------------------------------------------------------

def template_path():
    override = os.environ.get(TEMPLATE_VAR)
    return (ROOT / override) if override else DEFAULT_TEMPLATE


def load_template():
    path = template_path()
    if not path.is_file():
        pytest.fail(f"{path} does not exist: generate it with `cargo run -- --all --out out` "
                    f"(or point {TEMPLATE_VAR} at a template); the event-pattern tests must not pass "
                    "vacuously", pytrace=False)
    return json.loads(path.read_text())


def rules_of(template):
    """{logical id: (pattern, handler of the target function)} of every AWS::Events::Rule."""
    resources = template.get("Resources", {})
    rules = {}
    for name, res in resources.items():
        props = res.get("Properties", {})
        if res.get("Type") != "AWS::Events::Rule" or "ScheduleExpression" in props:
            continue
        pattern = props.get("EventPattern")
        if isinstance(pattern, str):
            pattern = json.loads(pattern)
        if not isinstance(pattern, dict):
            raise UnsupportedPattern(f"{name}: EventPattern is {pattern!r}, not a JSON object")
        handlers = set()
        for target in props.get("Targets", []):
            arn = target.get("Arn")
            if not (isinstance(arn, dict) and "Fn::GetAtt" in arn):
                raise UnsupportedPattern(f"{name}: target Arn {arn!r} is not Fn::GetAtt of a function")
            function = resources[arn["Fn::GetAtt"][0]]
            handlers.add(function.get("Properties", {}).get("Handler"))
        rules[name] = (pattern, handlers, props)
    return rules


def samples(prefix):
    files = sorted(EVENTS.glob(f"{prefix}-*.json"))
    assert files, f"no sample events {prefix}-*.json in {EVENTS}"
    return {f.stem: json.loads(f.read_text()) for f in files}


def rules_matching_nothing(rules, events):
    """Names of the rules whose pattern matches none of the events."""
    return sorted(name for name, (pattern, *_) in rules.items()
                  if not any(matches(pattern, e) for e in events.values()))


def rule_for(rules, handler):
    found = [name for name, (_, handlers, _) in rules.items() if handler in handlers]
    assert found, f"no AWS::Events::Rule targets a function with handler {handler}"
    return found


# ---------------------------------------------------------------------------------------
# The template's rules
# ---------------------------------------------------------------------------------------

def hints():
    """Every sample event both functions must receive: members added or removed, users
    deleted or disabled, SCIM group patches (events/added-*, removed-*, hint-*)."""
    return {**samples("added"), **samples("removed"), **samples("hint")}


def test_both_functions_rules_match_every_hint_event():
    rules = rules_of(load_template())
    for handler in ("index.onboard", "index.offboard"):
        for name in rule_for(rules, handler):
            pattern = rules[name][0]
            missed = [e for e, ev in hints().items() if not matches(pattern, ev)]
            assert not missed, f"{name} does not match the hint events {missed}: {json.dumps(pattern)}"


def test_the_scim_patch_group_sample_is_shaped_as_aws_documents_scim_records():
    """eventSource identitystore-scim.amazonaws.com, the SCIM body under
    requestParameters.httpBody with personal values hidden, and a tenantId (the CreateUser
    example of https://docs.aws.amazon.com/singlesignon/latest/userguide/scim-logging-using-cloudtrail.html;
    the PatchOp body from https://docs.aws.amazon.com/singlesignon/latest/developerguide/patchgroup.html)."""
    detail = samples("hint")["hint-scim-patch-group"]["detail"]
    assert detail["eventSource"] == "identitystore-scim.amazonaws.com"
    assert detail["eventName"] == "PatchGroup"
    body = detail["requestParameters"]["httpBody"]
    assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:PatchOp"]
    assert "tenantId" in detail["requestParameters"]
    assert "HIDDEN_DUE_TO_SECURITY_REASONS" in json.dumps(body)


def test_no_rule_matches_unrelated_identity_store_events_or_failed_calls():
    rules = rules_of(load_template())
    assert rules, "the template has no AWS::Events::Rule"
    for name, (pattern, *_) in rules.items():
        hits = [e for e, ev in {**samples("other"), **samples("failed")}.items() if matches(pattern, ev)]
        assert not hits, f"{name} matches unrelated events {hits}"


def test_every_rule_of_the_template_matches_some_sample_event():
    assert rules_matching_nothing(rules_of(load_template()), hints()) == []


def test_each_function_has_a_schedule_that_runs_its_full_reconciliation():
    template = load_template()
    resources = template["Resources"]
    scheduled = {}
    for name, res in resources.items():
        props = res.get("Properties", {})
        if res.get("Type") == "AWS::Events::Rule" and "ScheduleExpression" in props:
            assert props["ScheduleExpression"] == "rate(1 hour)", name
            for target in props["Targets"]:
                scheduled[resources[target["Arn"]["Fn::GetAtt"][0]]["Properties"]["Handler"]] = name
    assert sorted(scheduled) == ["index.offboard", "index.onboard"]


def test_rules_listen_on_the_default_bus_and_are_enabled():
    """AWS service events (CloudTrail ones included) reach only the default event bus."""
    for name, (_, _, props) in rules_of(load_template()).items():
        assert props.get("EventBusName", "default") == "default", f"{name} is on another event bus"
        assert props.get("State", "ENABLED") == "ENABLED", f"{name} is not enabled"


# ---------------------------------------------------------------------------------------
# The matcher itself
# ---------------------------------------------------------------------------------------

def test_a_pattern_that_matches_nothing_is_reported():
    events = {**samples("added"), **samples("removed")}
    typo = {"source": ["aws.sso-directoy"], "detail-type": ["AWS API Call via CloudTrail"]}
    wrong_type = {"source": ["aws.identitystore"], "detail-type": ["Identity Store API Call"]}
    good = {"source": ["aws.identitystore"], "detail": {"eventName": ["CreateGroupMembership"]}}
    rules = {"Typo": (typo, set(), {}), "WrongType": (wrong_type, set(), {}), "Good": (good, set(), {})}
    assert rules_matching_nothing(rules, events) == ["Typo", "WrongType"]


EVENT = {
    "source": "aws.identitystore",
    "detail-type": "AWS API Call via CloudTrail",
    "resources": ["arn:a", "arn:b"],
    "detail": {"eventSource": "identitystore.amazonaws.com", "eventName": "CreateGroupMembership",
               "readOnly": False, "count": 5, "nothing": None,
               "requestParameters": {"groupId": "g-1", "memberId": {"userId": "u-1"}}},
}


@pytest.mark.parametrize("pattern, expected", [
    ({"source": ["aws.identitystore"]}, True),
    ({"source": ["aws.sso-directory", "aws.identitystore"]}, True),
    ({"source": ["aws.sso-directory"]}, False),
    ({"source": ["AWS.IDENTITYSTORE"]}, False),  # exact, case-sensitive
    ({"detail": {"eventName": ["CreateGroupMembership"], "readOnly": [False]}}, True),
    ({"detail": {"readOnly": ["false"]}}, False),  # types must agree
    ({"detail": {"count": [5.0]}}, True),
    ({"detail": {"count": ["5"]}}, False),
    ({"detail": {"nothing": [None]}}, True),
    ({"detail": {"absent": [None]}}, False),
    ({"resources": ["arn:b"]}, True),  # any element of an event array
    ({"detail": {"requestParameters": {"memberId": {"userId": ["u-1"]}}}}, True),
    ({"detail": {"requestParameters": {"memberId": {"userId": ["u-2"]}}}}, False),
    ({"detail": {"requestParameters": ["x"]}}, False),  # an object is not a leaf value
    ({"detail": {"eventSource": [{"prefix": "identitystore."}]}}, True),
    ({"detail": {"eventSource": [{"prefix": "sso"}]}}, False),
    ({"detail": {"eventName": [{"anything-but": "DeleteGroupMembership"}]}}, True),
    ({"detail": {"eventName": [{"anything-but": ["CreateGroupMembership", "X"]}]}}, False),
    ({"detail": {"eventName": [{"anything-but": {"prefix": "Create"}}]}}, False),
    ({"detail": {"absent": [{"anything-but": "x"}]}}, False),  # needs the field
    ({"detail": {"errorCode": [{"exists": False}]}}, True),
    ({"detail": {"errorCode": [{"exists": True}]}}, False),
    ({"detail": {"eventName": [{"exists": True}]}}, True),
    ({"detail": {"requestParameters": [{"exists": True}]}}, False),  # leaves only
    ({"nowhere": {"errorCode": [{"exists": False}]}}, True),
    ({"nowhere": {"errorCode": [{"exists": True}]}}, False),
    ({"source": ["aws.identitystore"], "detail": {"eventName": ["DeleteGroupMembership"]}}, False),
    ({"source": ["x", {"prefix": "aws."}]}, True),
])
def test_matcher_semantics(pattern, expected):
    assert matches(pattern, EVENT) is expected


@pytest.mark.parametrize("pattern", [
    {"detail": {"count": [{"numeric": [">", 1]}]}},
    {"source": [{"suffix": "store"}]},
    {"source": [{"wildcard": "aws.*"}]},
    {"source": [{"equals-ignore-case": "AWS.IDENTITYSTORE"}]},
    {"source": [{"cidr": "10.0.0.0/8"}]},
    {"source": [{"prefix": {"equals-ignore-case": "AWS."}}]},
    {"source": [{"anything-but": {"suffix": "x"}}]},
    {"$or": [{"source": ["a"]}, {"source": ["b"]}]},
    {"source": [{"Fn::Sub": "aws.${AWS::Region}"}]},
    {"detail": {"Ref": "Param"}},
    {"source": [{"some-new-operator": 1}]},
    {"source": ["aws.identitystore", {"suffix": "store"}]},  # even after a matching entry
])
def test_unsupported_constructs_fail_loudly(pattern):
    with pytest.raises(UnsupportedPattern):
        matches(pattern, EVENT)


@pytest.mark.parametrize("pattern", [
    {"source": "aws.identitystore"},
    {"source": []},
    {},
    {"source": [{"prefix": "a", "exists": True}]},
    {"detail": {"errorCode": [{"exists": "no"}]}},
    {"source": [["nested"]]},
])
def test_invalid_patterns_are_rejected(pattern):
    with pytest.raises(InvalidPattern):
        matches(pattern, EVENT)
