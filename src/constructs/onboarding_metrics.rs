//! The custom metrics the onboarding functions publish and the onboarding alarms watch: one
//! place for the names, so a renamed metric cannot leave an alarm watching nothing.

/// The CloudWatch namespace of every onboarding metric (also the value of the
/// `cloudwatch:namespace` condition on the functions' `PutMetricData` grant).
pub const NAMESPACE: &str = "sagesynth/Onboarding";

/// The dimension every onboarding metric carries; its value is the stack's name, so two
/// stacks in one account and Region alarm on their own functions only.
pub const STACK_DIMENSION: &str = "StackName";

/// Drift: how many users a run had to fix (a profile created, re-mapped, quarantined or
/// offboarded). Non-zero after a scheduled reconciliation means an event was missed.
pub const PROFILES_FIXED: &str = "ProfilesFixed";

/// How many profiles a run found owned by another Identity Store user than the current
/// holder of their user name (a deleted user's name reused) and left quarantined.
pub const PROFILES_QUARANTINED: &str = "ProfilesQuarantined";
