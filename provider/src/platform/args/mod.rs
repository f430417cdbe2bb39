//! The component's arguments, grouped as a platform team thinks about them, and their validation.
//!
//! Every group and every field is optional except `environment` and `environmentSuffix`; [`Settings`] is what
//! validation resolves them to (defaults filled in), so the builders never see an `Option` that has a default.
//! Every rule here runs in Construct before any child is registered, so bad input never reaches AWS.

mod alarms;
mod database;
mod deployment;
mod hardening;
mod load_balancer;
mod rules;
mod service;
mod waf;

#[cfg(test)]
mod tests;

pub use alarms::{AlarmArgs, AlarmSettings, TopicEncryption};
pub use database::{DEFAULT_INSTANCE_CLASS, DatabaseArgs, DatabaseSettings, MAX_READERS};
pub use deployment::{DeploymentArgs, DeploymentSettings, DeploymentStrategy};
pub use hardening::{
    ACCESS_LOG_PREFIX, AccessLogArgs, AccessLogSettings, FlowLogArgs, FlowLogSettings,
};
pub use load_balancer::{LoadBalancerArgs, LoadBalancerSettings};
pub use service::{DEFAULT_PATH_PATTERNS, RESERVED_ENV, ServiceArgs, ServiceSettings, spot_tasks};
pub use waf::{DEFAULT_MANAGED_RULE_GROUPS, KNOWN_MANAGED_RULE_GROUPS, WafArgs, WafSettings};

use alarms::alarm_settings;
use database::database_settings;
use deployment::deployment_settings;
use hardening::flow_log_settings;
use load_balancer::load_balancer_settings;
use service::service_settings;
use waf::waf_settings;

use super::PlatformArgs;
use crate::resource::Failures;

/// Everything the builders need, defaults filled in.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    pub service: ServiceSettings,
    pub deployment: DeploymentSettings,
    pub load_balancer: LoadBalancerSettings,
    pub waf: WafSettings,
    pub database: DatabaseSettings,
    pub alarms: AlarmSettings,
    /// `None` when VPC flow logs are off.
    pub flow_logs: Option<FlowLogSettings>,
    /// Whether instances launched in the public subnets get a public IP address by default.
    pub map_public_ip_on_launch: bool,
}

/// Validates the groups and resolves their defaults; failures name the property (`service.cpu`).
pub fn settings(a: &PlatformArgs, f: &mut Failures) -> Settings {
    fn group<T: Clone + Default>(g: &Option<T>) -> T {
        g.clone().unwrap_or_default()
    }
    Settings {
        service: service_settings(&group(&a.service), f),
        deployment: deployment_settings(&group(&a.deployment), f),
        load_balancer: load_balancer_settings(&group(&a.load_balancer), f),
        waf: waf_settings(&group(&a.waf), f),
        database: database_settings(&group(&a.database), f),
        alarms: alarm_settings(&group(&a.alarms), f),
        flow_logs: flow_log_settings(&group(&a.flow_logs), f),
        map_public_ip_on_launch: a.map_public_ip_on_launch.unwrap_or(false),
    }
}
