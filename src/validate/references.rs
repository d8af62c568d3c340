//! Every `Ref`, `Fn::GetAtt`, `${…}` in `Fn::Sub`, condition name and `DependsOn` must
//! name something that exists, and resources must not depend on each other in a cycle.

use std::collections::{HashMap, HashSet};

use crate::template::json::Json;

use super::Finding;
use super::rules::id;
use crate::template::MapHasher;
use crate::template::read::{self, Path, Reference, is_pseudo_parameter, section};

/// The names a reference may use, looked up for every reference of every resource: they
/// hash with the template model's cheap hasher (nothing iterates them).
struct Names<'a> {
    parameters: HashSet<&'a str, MapHasher>,
    resources: HashMap<&'a str, usize, MapHasher>,
    conditions: HashSet<&'a str, MapHasher>,
}

pub fn check(template: &Json, findings: &mut Vec<Finding>) {
    let resource_ids: Vec<&str> = section(template, "Resources").map(|(k, _)| k).collect();
    let names = Names {
        parameters: section(template, "Parameters").map(|(k, _)| k).collect(),
        resources: resource_ids
            .iter()
            .enumerate()
            .map(|(i, k)| (*k, i))
            .collect(),
        conditions: section(template, "Conditions").map(|(k, _)| k).collect(),
    };
    // Edges of the dependency graph, by resource index.
    let mut edges: Vec<Vec<usize>> = vec![Vec::new(); resource_ids.len()];

    // One path for the whole pass, its steps pushed and popped around each value: a
    // path per value was an allocation per resource where nothing is wrong.
    let mut path = Path::default();
    for (id, resource) in section(template, "Resources") {
        let from = names.resources[id];
        if let Some(condition) = resource.get("Condition").and_then(Json::as_str)
            && !names.conditions.contains(condition)
        {
            findings.push(Finding::error(
                id::CFN_CONDITION_UNDEFINED,
                format!("Resources.{id}.Condition"),
                format!("condition `{condition}` is not defined"),
            ));
        }
        let depends_on: &[Json] = match resource.get("DependsOn") {
            Some(one @ Json::String(_)) => std::slice::from_ref(one),
            Some(Json::Array(items)) => items,
            _ => &[],
        };
        for target in depends_on.iter().filter_map(Json::as_str) {
            match names.resources.get(target) {
                Some(&to) => edges[from].push(to),
                None => findings.push(Finding::error(
                    id::CFN_DEPENDSON_UNDEFINED,
                    format!("Resources.{id}.DependsOn"),
                    format!("DependsOn names `{target}`, which is not a resource of this template"),
                )),
            }
        }
        for key in ["Properties", "Metadata"] {
            if let Some(value) = resource.get(key) {
                walk(
                    value,
                    &mut path,
                    ["Resources", id, key],
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
            &mut path,
            ["Outputs", id],
            &names,
            &mut |_| {},
            findings,
        );
    }
    for (id, condition) in section(template, "Conditions") {
        walk(
            condition,
            &mut path,
            ["Conditions", id],
            &names,
            &mut |_| {},
            findings,
        );
    }

    if let Some(cycle) = find_cycle(&edges) {
        let path: Vec<&str> = cycle.iter().map(|&i| resource_ids[i]).collect();
        findings.push(Finding::error(
            id::CFN_DEPENDENCY_CYCLE,
            format!("Resources.{}", path[0]),
            format!(
                "resources depend on each other in a cycle: {}",
                path.join(" → ")
            ),
        ));
    }
}

/// Checks every reference in `value` (at `keys`, walked with `path`, which is empty
/// before and after) and reports each resource it depends on.
fn walk<'a, const N: usize>(
    value: &'a Json,
    path: &mut Path<'a>,
    keys: [&'a str; N],
    names: &Names,
    depends: &mut dyn FnMut(usize),
    findings: &mut Vec<Finding>,
) {
    path.extend(keys);
    read::each_reference(value, path, &mut |at, reference| match reference {
        Reference::Ref(target) => {
            if let Some(&i) = names.resources.get(target) {
                depends(i);
            } else if !names.parameters.contains(target) && !is_pseudo_parameter(target) {
                findings.push(Finding::error(
                    id::CFN_REF_UNRESOLVED,
                    at.render(),
                    format!(
                        "`{target}` is not a parameter, resource or pseudo parameter of this template"
                    ),
                ));
            }
        }
        Reference::GetAtt { resource, .. } => match names.resources.get(resource) {
            Some(&i) => depends(i),
            None => findings.push(Finding::error(
                id::CFN_GETATT_UNRESOLVED,
                at.render(),
                format!("`{resource}` is not a resource of this template"),
            )),
        },
        Reference::Condition(condition) => {
            if !names.conditions.contains(condition) {
                findings.push(Finding::error(
                    id::CFN_CONDITION_UNDEFINED,
                    at.render(),
                    format!("condition `{condition}` is not defined"),
                ));
            }
        }
    });
    path.clear();
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
    use crate::json;

    fn findings(t: Json) -> Vec<Finding> {
        let mut f = Vec::new();
        check(&t, &mut f);
        f
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
