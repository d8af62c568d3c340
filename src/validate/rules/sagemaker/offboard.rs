//! SM-OFFBOARD-DUE: a user whose `offboard_after` date has passed is still listed. The
//! template carries the date as given (`OffboardAfter` of the profile's cleanup) and never
//! depends on the clock; only this warning does, through [`crate::calendar::today`] (the
//! system clock's UTC date, or `SAGESYNTH_TODAY`), so the same definition synthesizes the
//! same bytes on any day and only the advice changes.

use crate::calendar::{self, Date};

use super::super::{Context, Violation};

pub(super) fn offboard_due(cx: &Context) -> Vec<Violation> {
    due_on(cx, calendar::today)
}

/// The findings of [`offboard_due`] with `today` as the date of today (asked only when a
/// user is being offboarded, so a bad `SAGESYNTH_TODAY` troubles no other stack).
fn due_on(cx: &Context, today: impl FnOnce() -> Result<Date, String>) -> Vec<Violation> {
    let offboarding: Vec<(&str, &str, &str)> = cx
        .of_type("Custom::StudioCleanup")
        .filter(|(_, props)| props["Kind"] == "UserProfile")
        .filter_map(|(id, props)| {
            let date = props["OffboardAfter"].as_str()?;
            let user = props["UserProfileName"].as_str().unwrap_or("?");
            Some((id, user, date))
        })
        .collect();
    if offboarding.is_empty() {
        return Vec::new();
    }
    let today = match today() {
        Ok(today) => today,
        Err(e) => {
            return offboarding
                .iter()
                .map(|(id, _, _)| {
                    Violation::at(
                        id,
                        "Properties.OffboardAfter",
                        format!("cannot tell whether the date has passed: {e}"),
                    )
                })
                .collect();
        }
    };
    offboarding
        .into_iter()
        .filter_map(|(id, user, date)| {
            let due = Date::parse(date).map_or(true, |date| date < today);
            due.then(|| {
                Violation::at(
                    id,
                    "Properties.OffboardAfter",
                    format!(
                        "user `{user}` was to be offboarded after {date} (today is {today}): the entry can now be removed from studio.users; removing it deletes the profile, its apps and the spaces it owns with their EBS volumes, and keeps the user's directory on the domain's EFS home file system"
                    ),
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::json;
    use crate::template::json::Json;

    use super::*;

    fn template(dates: &[Option<&str>]) -> Json {
        let mut resources = crate::template::json::JsonMap::default();
        for (i, date) in dates.iter().enumerate() {
            let mut props = json!({"Kind": "UserProfile", "UserProfileName": format!("user-{i}")});
            if let Some(date) = date {
                props["OffboardAfter"] = json!(date);
            }
            resources.insert(
                format!("UserProfileUser{i}Cleanup"),
                json!({"Type": "Custom::StudioCleanup", "Properties": props}),
            );
        }
        resources.insert(
            "ScratchBucketCleanup",
            json!({"Type": "Custom::StudioCleanup", "Properties": {"Kind": "Bucket", "OffboardAfter": "2000-01-01"}}),
        );
        json!({ "Resources": resources })
    }

    fn at(text: &str) -> impl FnOnce() -> Result<Date, String> {
        let date = Date::parse(text).unwrap();
        move || Ok(date)
    }

    #[test]
    fn warns_the_day_after_the_date_only() {
        let t = template(&[Some("2027-01-31"), None, Some("2027-03-01")]);
        let cx = Context::new(&t, 0.into());
        assert!(
            due_on(&cx, at("2027-01-31")).is_empty(),
            "the date itself is not past"
        );
        let found = due_on(&cx, at("2027-02-01"));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            found[0].location,
            "Resources.UserProfileUser0Cleanup.Properties.OffboardAfter"
        );
        assert!(found[0].message.contains("user `user-0`"));
        assert!(found[0].message.contains("EBS volumes") && found[0].message.contains("EFS home"));
        assert_eq!(due_on(&cx, at("2027-03-02")).len(), 2);
    }

    #[test]
    fn the_registered_rule_asks_the_clock() {
        // The earliest date there is: the rule as registered finds it past whatever the
        // clock says (a SAGESYNTH_TODAY of 2000-01-01 itself aside; a bad one is a finding
        // too).
        let found = super::super::super::test_support::fire(
            "SM-OFFBOARD-DUE",
            template(&[Some("2000-01-01"), None]),
        );
        assert_eq!(found.len(), 1, "{found:?}");
    }

    #[test]
    fn asks_the_clock_only_when_someone_is_offboarded_and_says_when_it_cannot() {
        let none = template(&[None]);
        let cx = Context::new(&none, 0.into());
        assert!(due_on(&cx, || panic!("today asked without offboarding")).is_empty());
        let t = template(&[Some("2027-01-31")]);
        let cx = Context::new(&t, 0.into());
        let found = due_on(&cx, || Err("SAGESYNTH_TODAY: bad".into()));
        assert_eq!(found.len(), 1);
        assert!(found[0].message.contains("SAGESYNTH_TODAY: bad"));
    }
}
