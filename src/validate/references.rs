//! Every `Ref`, `Fn::GetAtt`, `${…}` in `Fn::Sub`, condition name and `DependsOn` must
//! name something that exists, and resources must not depend on each other in a cycle.
//! The same walk finds the IAM policy variables written unescaped in `Fn::Sub` and the
//! resources each resource's properties refer to, which rules read instead of walking
//! the template again.

use std::collections::{HashMap, HashSet};

use crate::template::json::Json;

use super::Finding;
use super::rules::id;
use crate::template::MapHasher;
use crate::template::read::{self, Path, Reference, Sub, is_pseudo_parameter, section};

/// The names a reference may use, looked up for every reference of every resource: they
/// hash with the template model's cheap hasher (nothing iterates them).
struct Names<'a> {
    parameters: HashSet<&'a str, MapHasher>,
    resources: &'a ResourcePositions<'a>,
    conditions: HashSet<&'a str, MapHasher>,
}

/// What the reference pass learns besides its findings: the resources each resource's
/// Properties refer to, by position in `Resources`, in order of appearance and with
/// repeats, as [`read::references`] names them (pseudo parameters and conditions left
/// out). The rules that follow references out of a resource's properties read it here
/// instead of walking those properties again.
#[derive(Debug, Default)]
pub struct PropertyReferences(Lists);

impl PropertyReferences {
    /// The resources the Properties of the resource at `position` refer to.
    pub fn of(&self, position: usize) -> &[usize] {
        self.0.of(position)
    }
}

/// A list of resource positions for each resource, all in one vector: the pass fills
/// one resource's list before it starts the next, so a list per resource (an allocation
/// for each resource that refers to anything) is not needed.
#[derive(Debug, Default)]
struct Lists {
    items: Vec<usize>,
    /// Where each resource's list ends in `items` (it starts where the previous one's
    /// ends).
    ends: Vec<usize>,
}

impl Lists {
    fn with_capacity(resources: usize) -> Lists {
        Lists {
            items: Vec::new(),
            ends: Vec::with_capacity(resources),
        }
    }

    /// Ends the list of the resource being filled.
    fn close(&mut self) {
        self.ends.push(self.items.len());
    }

    fn len(&self) -> usize {
        self.ends.len()
    }

    fn of(&self, position: usize) -> &[usize] {
        let start = position
            .checked_sub(1)
            .map_or(0, |before| self.ends[before]);
        &self.items[start..self.ends[position]]
    }
}

/// Whether a `${…}` variable of an `Fn::Sub` names an IAM policy variable (a name with a
/// colon that is not a pseudo parameter), which CloudFormation reads as a reference.
fn is_policy_variable(name: &str) -> bool {
    // A byte search: `str::contains` with a char sets up a searcher for each name.
    name.as_bytes().contains(&b':') && !name.starts_with("AWS::")
}

fn unescaped(at: &Path, name: &str) -> Finding {
    Finding::error(
        id::SUB_UNESCAPED_VARIABLE,
        at.render(),
        format!(
            "`${{{name}}}` inside Fn::Sub is a template reference; an IAM policy variable must be written `${{!{name}}}`"
        ),
    )
}

/// Whether a section is an object of entries, which this pass walks entry by entry: an
/// entry walked alone is then at the same path, with the same intrinsics, as in a walk
/// of the whole section.
fn plain(section: Option<&Json>) -> bool {
    matches!(section, Some(value @ Json::Object(_)) if read::intrinsic(value).is_none())
}

/// [`check_with`] of a template alone, the positions of its resources made here.
#[cfg(test)]
pub fn check(template: &Json, findings: &mut Vec<Finding>) -> PropertyReferences {
    let resources = section(template, "Resources")
        .enumerate()
        .map(|(i, (id, _))| (id, i))
        .collect();
    check_with(template, &resources, findings)
}

/// The position of each resource in `Resources`, by logical ID.
pub type ResourcePositions<'a> = HashMap<&'a str, usize, MapHasher>;

/// The reference findings, and the `Fn::Sub` variables of `Resources` and `Outputs` that
/// name IAM policy variables (SUB-UNESCAPED-VARIABLE): both read the same intrinsics, so
/// one walk finds both. Unescaped variables are reported in document order, as one walk
/// of each section would report them; the parts of a resource that references are not
/// looked for in (its attributes other than Properties and Metadata) are walked for them
/// alone. `resources` is the position of each resource by logical ID, which the rule
/// pack's context has made already: one map of a template's IDs, not two.
pub fn check_with<'a>(
    template: &'a Json,
    resources: &'a ResourcePositions<'a>,
    findings: &mut Vec<Finding>,
) -> PropertyReferences {
    debug_assert!(
        section(template, "Resources")
            .enumerate()
            .all(|(i, (id, _))| resources.get(id) == Some(&i)),
        "the positions are those of the template's resources"
    );
    let resource_count = resources.len();
    let names = Names {
        parameters: section(template, "Parameters").map(|(k, _)| k).collect(),
        resources,
        conditions: section(template, "Conditions").map(|(k, _)| k).collect(),
    };
    let plain_resources = plain(template.get("Resources"));
    let mut pass = Pass {
        names,
        // One path for the whole pass, its steps pushed and popped around each value:
        // a path per value was an allocation per resource where nothing is wrong.
        path: Path::default(),
        // Edges of the dependency graph, by resource index.
        edges: Lists::with_capacity(resource_count),
        property_references: Lists::with_capacity(resource_count),
    };
    for (id, resource) in section(template, "Resources") {
        pass.resource(id, resource, plain_resources, findings);
    }
    let Pass {
        names,
        mut path,
        edges,
        property_references,
    } = pass;
    if !plain_resources && let Some(resources) = template.get("Resources") {
        unescaped_variables(resources, &mut path, ["Resources"], findings);
    }
    let plain_outputs = plain(template.get("Outputs"));
    let mut in_outputs = Vec::new();
    for (id, output) in section(template, "Outputs") {
        walk(
            output,
            &mut path,
            ["Outputs", id],
            &names,
            &mut |_, _| {},
            findings,
            plain_outputs.then_some(&mut in_outputs),
        );
    }
    findings.append(&mut in_outputs);
    if !plain_outputs && let Some(outputs) = template.get("Outputs") {
        unescaped_variables(outputs, &mut path, ["Outputs"], findings);
    }
    for (id, condition) in section(template, "Conditions") {
        walk(
            condition,
            &mut path,
            ["Conditions", id],
            &names,
            &mut |_, _| {},
            findings,
            None,
        );
    }

    if let Some(cycle) = find_cycle(&edges) {
        let resource_ids: Vec<&str> = section(template, "Resources").map(|(k, _)| k).collect();
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
    PropertyReferences(property_references)
}

/// The state of the reference pass while it goes through the resources.
struct Pass<'a> {
    names: Names<'a>,
    path: Path<'a>,
    edges: Lists,
    property_references: Lists,
}

impl<'a> Pass<'a> {
    /// Checks one resource's references and records its edges and property references;
    /// with `unescaped` (its section is walked entry by entry), reports the unescaped
    /// variables of all its attributes in their order.
    fn resource(
        &mut self,
        id: &'a str,
        resource: &'a Json,
        unescaped: bool,
        findings: &mut Vec<Finding>,
    ) {
        let Pass {
            names,
            path,
            edges,
            property_references,
        } = self;
        // The attributes read here, found in one pass over the resource's keys.
        let (mut condition, mut depends_on, mut properties, mut metadata) =
            (None, None, None, None);
        if let Json::Object(attributes) = resource {
            for (key, value) in attributes {
                match key.as_str() {
                    "Condition" => condition = Some(value),
                    "DependsOn" => depends_on = Some(value),
                    "Properties" => properties = Some(value),
                    "Metadata" => metadata = Some(value),
                    _ => {}
                }
            }
        }
        if let Some(condition) = condition.and_then(Json::as_str)
            && !names.conditions.contains(condition)
        {
            findings.push(Finding::error(
                id::CFN_CONDITION_UNDEFINED,
                format!("Resources.{id}.Condition"),
                format!("condition `{condition}` is not defined"),
            ));
        }
        let depends_on: &[Json] = match depends_on {
            Some(one @ Json::String(_)) => std::slice::from_ref(one),
            Some(Json::Array(items)) => items,
            _ => &[],
        };
        for target in depends_on.iter().filter_map(Json::as_str) {
            match names.resources.get(target) {
                Some(&to) => edges.items.push(to),
                None => findings.push(Finding::error(
                    id::CFN_DEPENDSON_UNDEFINED,
                    format!("Resources.{id}.DependsOn"),
                    format!("DependsOn names `{target}`, which is not a resource of this template"),
                )),
            }
        }
        // The unescaped variables of the Properties and of the Metadata, put in the
        // order of the resource's keys below (usually none: no allocation).
        let mut in_properties = Vec::new();
        let mut in_metadata = Vec::new();
        if let Some(value) = properties {
            walk(
                value,
                path,
                ["Resources", id, "Properties"],
                names,
                &mut |to, named| {
                    edges.items.push(to);
                    if named {
                        property_references.items.push(to);
                    }
                },
                findings,
                Some(&mut in_properties),
            );
        }
        property_references.close();
        if let Some(value) = metadata {
            walk(
                value,
                path,
                ["Resources", id, "Metadata"],
                names,
                &mut |to, _| edges.items.push(to),
                findings,
                Some(&mut in_metadata),
            );
        }
        edges.close();
        if unescaped {
            match resource {
                Json::Object(attributes) if read::intrinsic(resource).is_none() => {
                    for (key, value) in attributes {
                        match key.as_str() {
                            "Properties" => findings.append(&mut in_properties),
                            "Metadata" => findings.append(&mut in_metadata),
                            key => {
                                unescaped_variables(value, path, ["Resources", id, key], findings);
                            }
                        }
                    }
                }
                _ => unescaped_variables(resource, path, ["Resources", id], findings),
            }
        }
    }
}

/// Checks every reference in `value` (at `keys`, walked with `path`, which is empty
/// before and after) and reports each resource it depends on, with whether
/// [`read::references`] names it; with `unescaped`, collects there the IAM policy
/// variables of its `Fn::Sub` strings, in the same walk.
fn walk<'a, const N: usize>(
    value: &'a Json,
    path: &mut Path<'a>,
    keys: [&'a str; N],
    names: &Names,
    depends: &mut dyn FnMut(usize, bool),
    findings: &mut Vec<Finding>,
    mut unescaped: Option<&mut Vec<Finding>>,
) {
    let mut judge = |at: &Path<'a>, reference: Reference<'a>| {
        let named = || reference.logical_name().is_some_and(|n| !n.is_empty());
        match reference {
            Reference::Ref(target) => {
                if let Some(&i) = names.resources.get(target) {
                    depends(i, named());
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
                Some(&i) => depends(i, named()),
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
        }
    };
    path.extend(keys);
    read::intrinsics(value, path, &mut |at, function, arg| {
        if function == "Fn::Sub" {
            // The variables read once for both questions, in the order of
            // `read::references_of` (which skips the bound ones).
            let sub = Sub::from_argument(arg);
            for variable in read::sub_variables(sub.text) {
                if let Some(out) = unescaped.as_deref_mut()
                    && is_policy_variable(variable)
                {
                    out.push(self::unescaped(at, variable));
                }
                if sub.binding(variable).is_none() {
                    judge(at, read::sub_reference(variable));
                }
            }
        } else {
            read::references_of(function, arg, &mut |reference| judge(at, reference));
        }
    });
    path.clear();
}

/// The IAM policy variables of the `Fn::Sub` strings in `value` (at `keys`), for the
/// parts of a template the reference walk does not cover.
fn unescaped_variables<'a, const N: usize>(
    value: &'a Json,
    path: &mut Path<'a>,
    keys: [&'a str; N],
    findings: &mut Vec<Finding>,
) {
    path.extend(keys);
    read::intrinsics(value, path, &mut |at, function, arg| {
        if function == "Fn::Sub" {
            for name in read::sub_variables(Sub::from_argument(arg).text) {
                if is_policy_variable(name) {
                    findings.push(unescaped(at, name));
                }
            }
        }
    });
    path.clear();
}

/// A cycle in the graph, if any (iterative three-colour DFS: O(V + E)).
fn find_cycle(edges: &Lists) -> Option<Vec<usize>> {
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
            if let Some(&to) = edges.of(node).get(top.1) {
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

    /// SUB-UNESCAPED-VARIABLE as one walk of each whole section finds it: what the
    /// pass, which walks a resource attribute by attribute, must report, in this order.
    fn unescaped_by_sections(template: &Json) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for name in ["Resources", "Outputs"] {
            if let Some(value) = template.get(name) {
                read::intrinsics(value, &mut Path::new([name]), &mut |at, function, arg| {
                    if function == "Fn::Sub" {
                        for variable in read::sub_variables(Sub::from_argument(arg).text) {
                            if is_policy_variable(variable) {
                                out.push((at.render(), variable.to_string()));
                            }
                        }
                    }
                });
            }
        }
        out
    }

    fn unescaped_found(template: &Json) -> Vec<(String, String)> {
        findings(template.clone())
            .into_iter()
            .filter(|f| f.rule == id::SUB_UNESCAPED_VARIABLE)
            .map(|f| {
                let variable = f.message[3..f.message.find('}').unwrap()].to_string();
                (f.location, variable)
            })
            .collect()
    }

    #[test]
    fn unescaped_variables_come_in_document_order_from_every_part_of_a_resource() {
        let sub = |v: &str| json!({"Fn::Sub": format!("x/${{{v}}}/${{!aws:ok}}/${{AWS::Region}}")});
        let t = json!({"Resources": {
            "A": {"Type": "T",
                "Metadata": {"M": sub("aws:m")},
                "UpdatePolicy": {"U": sub("aws:u")},
                "Properties": {"P": [sub("aws:p1"), {"Fn::Sub": ["${aws:p2}-${V}", {"V": sub("aws:bound")}]}]}},
            "B": {"Fn::Sub": "${aws:whole}"},
            "C": [sub("aws:listed")],
            "D": {"Type": "T", "Properties": {"Ref": sub("aws:hidden")}}
        }, "Outputs": {"O": {"Value": sub("aws:o")}}});
        let expected = unescaped_by_sections(&t);
        assert_eq!(
            expected.iter().map(|(_, v)| v.as_str()).collect::<Vec<_>>(),
            [
                "aws:m",
                "aws:u",
                "aws:p1",
                "aws:p2",
                "aws:bound",
                "aws:whole",
                "aws:listed",
                "aws:o"
            ]
        );
        assert_eq!(unescaped_found(&t), expected);
        // Sections that are intrinsics themselves (a lone resource named `Ref`) are
        // walked as a whole, as CloudFormation reads them.
        for t in [
            json!({"Resources": {"Ref": {"Type": "T", "Properties": {"P": sub("aws:r")}}}, "Outputs": {"Fn::Sub": "${aws:o}"}}),
            json!({"Resources": [sub("aws:listed")], "Outputs": [sub("aws:listed")]}),
        ] {
            assert_eq!(unescaped_found(&t), unescaped_by_sections(&t), "{t:?}");
        }
    }

    #[test]
    fn property_references_are_those_read_references_names() {
        let t = json!({"Parameters": {"P": {"Type": "String"}}, "Resources": {
            "A": {"Type": "T", "Properties": {
                "X": [{"Ref": "B"}, {"Ref": "P"}, {"Ref": "AWS::Region"}, {"Fn::GetAtt": ["C", "Arn"]}],
                "Y": {"Fn::Sub": ["${B}-${C.Arn}-${V}", {"V": {"Ref": "C"}}]},
                "Z": {"Fn::If": ["Nope", {"Ref": "B"}, {"Ref": "Missing"}]}
            }, "Metadata": {"M": {"Ref": "C"}}, "DependsOn": "C"},
            "B": {"Type": "T", "Metadata": {"M": {"Ref": "A"}}},
            "C": {"Type": "T", "Properties": {"Q": {"Ref": "B"}}}
        }});
        let mut f = Vec::new();
        let index = check(&t, &mut f);
        let ids: Vec<&str> = section(&t, "Resources").map(|(k, _)| k).collect();
        for (at, (_, resource)) in section(&t, "Resources").enumerate() {
            let mut expected: Vec<&str> = Vec::new();
            if let Some(p) = resource.get("Properties") {
                read::each_reference(p, &mut Path::default(), &mut |_, r| {
                    if let Some(name) = r.logical_name().filter(|n| ids.contains(n)) {
                        expected.push(name);
                    }
                });
            }
            let found: Vec<&str> = index.of(at).iter().map(|&i| ids[i]).collect();
            assert_eq!(found, expected, "{}", ids[at]);
        }
        assert_eq!(
            index.of(0).iter().map(|&i| ids[i]).collect::<Vec<_>>(),
            ["B", "C", "B", "C", "C", "B"]
        );
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
