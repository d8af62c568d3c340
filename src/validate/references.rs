//! Every `Ref`, `Fn::GetAtt`, `${…}` in `Fn::Sub`, condition name and `DependsOn` must
//! name something that exists, and resources must not depend on each other in a cycle.

use std::collections::{HashMap, HashSet};

use serde_json::Value as Json;

use super::{Finding, section};

const PSEUDO: [&str; 8] = [
    "AWS::AccountId",
    "AWS::NotificationARNs",
    "AWS::NoValue",
    "AWS::Partition",
    "AWS::Region",
    "AWS::StackId",
    "AWS::StackName",
    "AWS::URLSuffix",
];

struct Names<'a> {
    parameters: HashSet<&'a str>,
    resources: HashMap<&'a str, usize>,
    conditions: HashSet<&'a str>,
}

pub fn check(template: &Json, findings: &mut Vec<Finding>) {
    let resource_ids: Vec<&str> = section(template, "Resources")
        .map(|(k, _)| k.as_str())
        .collect();
    let names = Names {
        parameters: section(template, "Parameters")
            .map(|(k, _)| k.as_str())
            .collect(),
        resources: resource_ids
            .iter()
            .enumerate()
            .map(|(i, k)| (*k, i))
            .collect(),
        conditions: section(template, "Conditions")
            .map(|(k, _)| k.as_str())
            .collect(),
    };
    // Edges of the dependency graph, by resource index.
    let mut edges: Vec<Vec<usize>> = vec![Vec::new(); resource_ids.len()];

    for (id, resource) in section(template, "Resources") {
        let from = names.resources[id.as_str()];
        let location = format!("Resources.{id}");
        if let Some(condition) = resource.get("Condition").and_then(Json::as_str)
            && !names.conditions.contains(condition)
        {
            findings.push(Finding::error(
                "CFN-CONDITION-UNDEFINED",
                format!("{location}.Condition"),
                format!("condition `{condition}` is not defined"),
            ));
        }
        let depends_on: Vec<&str> = match resource.get("DependsOn") {
            Some(Json::String(s)) => vec![s.as_str()],
            Some(Json::Array(items)) => items.iter().filter_map(Json::as_str).collect(),
            _ => Vec::new(),
        };
        for target in depends_on {
            match names.resources.get(target) {
                Some(&to) => edges[from].push(to),
                None => findings.push(Finding::error(
                    "CFN-DEPENDSON-UNDEFINED",
                    format!("{location}.DependsOn"),
                    format!("DependsOn names `{target}`, which is not a resource of this template"),
                )),
            }
        }
        for key in ["Properties", "Metadata"] {
            if let Some(value) = resource.get(key) {
                walk(
                    value,
                    &mut Location::new(["Resources", id.as_str(), key]),
                    &names,
                    &mut |to| edges[from].push(to),
                    findings,
                );
            }
        }
    }
    for (id, output) in section(template, "Outputs") {
        walk(
            output,
            &mut Location::new(["Outputs", id.as_str()]),
            &names,
            &mut |_| {},
            findings,
        );
    }
    for (id, condition) in section(template, "Conditions") {
        walk(
            condition,
            &mut Location::new(["Conditions", id.as_str()]),
            &names,
            &mut |_| {},
            findings,
        );
    }

    if let Some(cycle) = find_cycle(&edges) {
        let path: Vec<&str> = cycle.iter().map(|&i| resource_ids[i]).collect();
        findings.push(Finding::error(
            "CFN-DEPENDENCY-CYCLE",
            format!("Resources.{}", path[0]),
            format!(
                "resources depend on each other in a cycle: {}",
                path.join(" → ")
            ),
        ));
    }
}

/// One step of a path into the template: a key or a list index.
#[derive(Clone, Copy)]
pub(crate) enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// Where the walk is (`Resources.A.Properties.X[0].Ref`), kept as steps and formatted
/// only when a finding is reported: formatting it at every node made the walk's cost
/// grow with the depth of every value.
pub(crate) struct Location<'a>(Vec<Step<'a>>);

impl<'a> Location<'a> {
    pub(crate) fn new<const N: usize>(keys: [&'a str; N]) -> Self {
        Location(keys.into_iter().map(Step::Key).collect())
    }

    /// The location with `step` appended, for as long as `f` runs.
    pub(crate) fn with<R>(&mut self, step: Step<'a>, f: impl FnOnce(&mut Self) -> R) -> R {
        self.0.push(step);
        let r = f(self);
        self.0.pop();
        r
    }

    pub(crate) fn render(&self) -> String {
        let mut out = String::new();
        for step in &self.0 {
            match step {
                Step::Key(k) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(k);
                }
                Step::Index(i) => {
                    out.push('[');
                    out.push_str(&i.to_string());
                    out.push(']');
                }
            }
        }
        out
    }
}

/// Walks a value, checking each intrinsic and reporting each resource it depends on.
fn walk<'a>(
    value: &'a Json,
    location: &mut Location<'a>,
    names: &Names,
    depends: &mut dyn FnMut(usize),
    findings: &mut Vec<Finding>,
) {
    match value {
        Json::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                location.with(Step::Index(i), |here| {
                    walk(item, here, names, depends, findings)
                });
            }
        }
        Json::Object(map) => {
            if map.len() == 1 {
                let (key, arg) = map.iter().next().expect("one entry");
                let intrinsic = location.with(Step::Key(key), |here| {
                    intrinsic(key, arg, here, names, depends, findings)
                });
                if intrinsic {
                    return;
                }
            }
            for (k, v) in map {
                location.with(Step::Key(k), |here| walk(v, here, names, depends, findings));
            }
        }
        _ => {}
    }
}

/// Checks `{key: arg}` when `key` is an intrinsic; true when its argument needs no
/// further walk (`here` is the location of `key`).
fn intrinsic<'a>(
    key: &'a str,
    arg: &'a Json,
    here: &mut Location<'a>,
    names: &Names,
    depends: &mut dyn FnMut(usize),
    findings: &mut Vec<Finding>,
) -> bool {
    match key {
        "Ref" => {
            if let Some(target) = arg.as_str() {
                check_ref(target, here, names, depends, findings);
            }
            true
        }
        "Fn::GetAtt" => {
            let target = match arg {
                Json::Array(parts) => parts.first().and_then(Json::as_str),
                Json::String(s) => s.split('.').next(),
                _ => None,
            };
            if let Some(target) = target {
                check_getatt(target, here, names, depends, findings);
            }
            true
        }
        "Fn::Sub" => {
            let (text, vars) = match arg {
                Json::String(s) => (s.as_str(), None),
                Json::Array(parts) => (
                    parts.first().and_then(Json::as_str).unwrap_or(""),
                    parts.get(1).and_then(Json::as_object),
                ),
                _ => ("", None),
            };
            if let Some(vars) = vars {
                for (k, v) in vars {
                    here.with(Step::Index(1), |at| {
                        at.with(Step::Key(k), |at| walk(v, at, names, depends, findings))
                    });
                }
            }
            for variable in sub_variables(text) {
                if vars.is_some_and(|m| m.contains_key(variable)) {
                    continue;
                }
                match variable.split_once('.') {
                    Some((target, _)) => check_getatt(target, here, names, depends, findings),
                    None => check_ref(variable, here, names, depends, findings),
                }
            }
            true
        }
        "Fn::If" => {
            if let Some(condition) = arg.get(0).and_then(Json::as_str)
                && !names.conditions.contains(condition)
            {
                findings.push(Finding::error(
                    "CFN-CONDITION-UNDEFINED",
                    here.render(),
                    format!("condition `{condition}` is not defined"),
                ));
            }
            false
        }
        "Condition" => {
            if let Some(condition) = arg.as_str()
                && !names.conditions.contains(condition)
            {
                findings.push(Finding::error(
                    "CFN-CONDITION-UNDEFINED",
                    here.render(),
                    format!("condition `{condition}` is not defined"),
                ));
            }
            true
        }
        _ => false,
    }
}

fn check_ref(
    target: &str,
    location: &Location,
    names: &Names,
    depends: &mut dyn FnMut(usize),
    findings: &mut Vec<Finding>,
) {
    if let Some(&i) = names.resources.get(target) {
        depends(i);
    } else if !names.parameters.contains(target) && !PSEUDO.contains(&target) {
        findings.push(Finding::error(
            "CFN-REF-UNRESOLVED",
            location.render(),
            format!("`{target}` is not a parameter, resource or pseudo parameter of this template"),
        ));
    }
}

fn check_getatt(
    target: &str,
    location: &Location,
    names: &Names,
    depends: &mut dyn FnMut(usize),
    findings: &mut Vec<Finding>,
) {
    match names.resources.get(target) {
        Some(&i) => depends(i),
        None => findings.push(Finding::error(
            "CFN-GETATT-UNRESOLVED",
            location.render(),
            format!("`{target}` is not a resource of this template"),
        )),
    }
}

/// The variable names in an `Fn::Sub` string; `${!Literal}` is not a variable.
pub(crate) fn sub_variables(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        let name = &after[..end];
        if !name.starts_with('!') {
            out.push(name.trim());
        }
        rest = &after[end + 1..];
    }
    out
}

/// A cycle in the graph, if any (iterative three-colour DFS: O(V + E)).
fn find_cycle(edges: &[Vec<usize>]) -> Option<Vec<usize>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Colour {
        White,
        Grey,
        Black,
    }
    let mut colour = vec![Colour::White; edges.len()];
    for root in 0..edges.len() {
        if colour[root] != Colour::White {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
        colour[root] = Colour::Grey;
        while let Some(top) = stack.last_mut() {
            let node = top.0;
            if let Some(&to) = edges[node].get(top.1) {
                top.1 += 1;
                match colour[to] {
                    Colour::White => {
                        colour[to] = Colour::Grey;
                        stack.push((to, 0));
                    }
                    Colour::Grey => {
                        let start = stack
                            .iter()
                            .position(|(n, _)| *n == to)
                            .expect("grey nodes are on the stack");
                        let mut cycle: Vec<usize> =
                            stack[start..].iter().map(|(n, _)| *n).collect();
                        cycle.push(to);
                        return Some(cycle);
                    }
                    Colour::Black => {}
                }
            } else {
                colour[node] = Colour::Black;
                stack.pop();
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn findings(t: Json) -> Vec<Finding> {
        let mut f = Vec::new();
        check(&t, &mut f);
        f
    }

    #[test]
    fn sub_variables_skip_literals() {
        assert_eq!(
            sub_variables("a${X}b${!aws:username}${Y.Arn}"),
            vec!["X", "Y.Arn"]
        );
    }

    #[test]
    fn reports_each_kind_of_dangling_reference() {
        let t = json!({"Resources": {
            "A": {"Type": "T", "DependsOn": "Nope", "Properties": {
                "P": {"Ref": "Missing"},
                "Q": {"Fn::GetAtt": ["Gone", "Arn"]},
                "R": {"Fn::Sub": "${AWS::Region}-${Absent}-${B.Arn}-${!Literal}"},
                "S": {"Fn::Sub": ["${Var}", {"Var": {"Ref": "AlsoMissing"}}]},
                "U": {"Fn::If": ["NoCondition", 1, 2]}
            }},
            "B": {"Type": "T"}
        }});
        let rules: Vec<&str> = findings(t).iter().map(|f| f.rule).collect();
        assert_eq!(
            rules,
            vec![
                "CFN-DEPENDSON-UNDEFINED",
                "CFN-REF-UNRESOLVED",
                "CFN-GETATT-UNRESOLVED",
                "CFN-REF-UNRESOLVED",
                "CFN-REF-UNRESOLVED",
                "CFN-CONDITION-UNDEFINED"
            ]
        );
    }

    #[test]
    fn locations_name_the_path_to_the_intrinsic() {
        let t = json!({"Resources": {
            "A": {"Type": "T", "Properties": {
                "L": [{"Ref": "X"}, {"K": {"Fn::GetAtt": ["Gone", "Arn"]}}],
                "S": {"Fn::Sub": ["${Var}", {"Var": {"Ref": "Y"}}]},
                "U": {"Fn::If": ["NoCondition", {"Ref": "Z"}, 2]}
            }}
        }, "Outputs": {"O": {"Value": {"Fn::Sub": "${W}"}}}});
        let locations: Vec<String> = findings(t).into_iter().map(|f| f.location).collect();
        assert_eq!(
            locations,
            vec![
                "Resources.A.Properties.L[0].Ref",
                "Resources.A.Properties.L[1].K.Fn::GetAtt",
                "Resources.A.Properties.S.Fn::Sub[1].Var.Ref",
                "Resources.A.Properties.U.Fn::If",
                "Resources.A.Properties.U.Fn::If[1].Ref",
                "Outputs.O.Value.Fn::Sub",
            ]
        );
    }

    #[test]
    fn finds_cycles_through_refs_and_depends_on() {
        let t = json!({"Resources": {
            "A": {"Type": "T", "Properties": {"P": {"Ref": "B"}}},
            "B": {"Type": "T", "DependsOn": ["C"]},
            "C": {"Type": "T", "Properties": {"P": {"Fn::Sub": "${A.Arn}"}}}
        }});
        let f = findings(t);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].rule, "CFN-DEPENDENCY-CYCLE");
        assert!(f[0].message.contains("A → B → C → A"), "{}", f[0].message);
    }

    #[test]
    fn accepts_a_clean_template() {
        let t = json!({"Parameters": {"P": {"Type": "String"}}, "Resources": {
            "A": {"Type": "T", "Properties": {"X": {"Ref": "P"}, "Y": {"Ref": "AWS::Region"}}},
            "B": {"Type": "T", "DependsOn": "A", "Properties": {"Z": {"Fn::GetAtt": ["A", "Arn"]}}}
        }, "Outputs": {"O": {"Value": {"Ref": "B"}}}});
        assert!(findings(t).is_empty());
    }
}
