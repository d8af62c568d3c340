//! The `bastion` component: in the network, with a root volume its AMI can boot from.

use crate::constructs::bastion::BastionOs;
use crate::constructs::session_manager::{IDLE_TIMEOUT_MINUTES, MAX_DURATION_MINUTES};
use crate::diagnostic::Diagnostic;

use super::{Input, require_network};

pub(super) fn check(input: &Input, problems: &mut Vec<Diagnostic>) {
    let Some(bastion) = &input.def.bastion else {
        return;
    };
    require_network(input, "bastion", problems);
    if let Some(size) = bastion.root_volume_gb {
        let os = BastionOs::from(bastion.os);
        let min = os.minimum_root_volume_gb();
        if !(min..=16384).contains(&size) {
            problems.push(
                input
                    .source
                    .error_at_value(
                        "bastion.root_volume_gb",
                        format!("a {size} GiB root volume is out of range"),
                    )
                    .expected(format!("{min} to 16384 GiB for this AMI")),
            );
        }
    }
    let minutes = [
        (
            "bastion.idle_session_timeout_minutes",
            bastion.idle_session_timeout_minutes,
            IDLE_TIMEOUT_MINUTES,
            "an idle session timeout",
        ),
        (
            "bastion.max_session_duration_minutes",
            bastion.max_session_duration_minutes,
            MAX_DURATION_MINUTES,
            "a maximum session duration",
        ),
    ];
    for (field, value, (lo, hi), what) in minutes {
        if let Some(v) = value.filter(|v| !(lo..=hi).contains(v)) {
            problems.push(
                input
                    .source
                    .error_at_value(field, format!("{what} of {v} minutes is out of range"))
                    .expected(format!("{lo} to {hi} minutes (Session Manager's limits)")),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fields, messages, run};
    use super::*;

    const NETWORK: &str = "network: { cidr: 10.0.0.0/16 }\n";

    #[test]
    fn the_smallest_volume_of_the_os_passes() {
        let min = BastionOs::Linux.minimum_root_volume_gb();
        let text = format!("{NETWORK}bastion: {{ os: linux, root_volume_gb: {min} }}\n");
        assert!(run(&text, check).is_empty());
    }

    #[test]
    fn a_volume_smaller_than_the_ami_is_refused() {
        let min = BastionOs::Windows.minimum_root_volume_gb();
        let size = min - 1;
        let text = format!("{NETWORK}bastion: {{ root_volume_gb: {size} }}\n");
        let problems = run(&text, check);
        assert_eq!(
            messages(&problems),
            [format!("a {size} GiB root volume is out of range")]
        );
        assert_eq!(fields(&problems), ["bastion.root_volume_gb"]);
        assert_eq!(
            problems[0].expected,
            Some(format!("{min} to 16384 GiB for this AMI"))
        );
    }

    #[test]
    fn a_volume_beyond_16_tib_is_refused() {
        let text = format!("{NETWORK}bastion: {{ root_volume_gb: 16385 }}\n");
        assert_eq!(fields(&run(&text, check)), ["bastion.root_volume_gb"]);
    }

    #[test]
    fn session_minutes_are_within_session_managers_limits() {
        let ok = format!(
            "{NETWORK}bastion: {{ idle_session_timeout_minutes: 60, max_session_duration_minutes: 1440 }}\n"
        );
        assert!(run(&ok, check).is_empty());
        let bad = format!(
            "{NETWORK}bastion: {{ idle_session_timeout_minutes: 0, max_session_duration_minutes: 1441 }}\n"
        );
        assert_eq!(
            fields(&run(&bad, check)),
            [
                "bastion.idle_session_timeout_minutes",
                "bastion.max_session_duration_minutes"
            ]
        );
    }
}
