//! The component's arguments, grouped as a platform team thinks about them, and their validation.
//!
//! Every group and every field is optional except `environment` and `environmentSuffix`; [`Settings`] is what
//! validation resolves them to (defaults filled in), so the builders never see an `Option` that has a default.
//! Every rule here runs in Construct before any child is registered, so bad input never reaches AWS.

mod alarms;
mod database;
mod deployment;
mod load_balancer;
mod rules;
mod service;
mod waf;

#[cfg(test)]
mod tests;

pub use alarms::{AlarmArgs, AlarmSettings};
pub use database::{DEFAULT_INSTANCE_CLASS, DatabaseArgs, DatabaseSettings, MAX_READERS};
pub use deployment::{DeploymentArgs, DeploymentSettings, DeploymentStrategy};
pub use load_balancer::{LoadBalancerArgs, LoadBalancerSettings};
pub use service::{DEFAULT_PATH_PATTERNS, RESERVED_ENV, ServiceArgs, ServiceSettings, spot_tasks};
pub use waf::{DEFAULT_MANAGED_RULE_GROUPS, KNOWN_MANAGED_RULE_GROUPS, WafArgs, WafSettings};

use alarms::alarm_settings;
use database::database_settings;
use deployment::deployment_settings;
use load_balancer::load_balancer_settings;
use service::service_settings;
use waf::waf_settings;

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
}

/// Validates the groups and resolves their defaults; failures name the property (`service.cpu`).
pub fn settings(
    service: Option<&ServiceArgs>,
    deployment: Option<&DeploymentArgs>,
    load_balancer: Option<&LoadBalancerArgs>,
    waf: Option<&WafArgs>,
    database: Option<&DatabaseArgs>,
    alarms: Option<&AlarmArgs>,
    f: &mut Failures,
) -> Settings {
    Settings {
        service: service_settings(&service.cloned().unwrap_or_default(), f),
        deployment: deployment_settings(&deployment.cloned().unwrap_or_default(), f),
        load_balancer: load_balancer_settings(&load_balancer.cloned().unwrap_or_default(), f),
        waf: waf_settings(&waf.cloned().unwrap_or_default(), f),
        database: database_settings(&database.cloned().unwrap_or_default(), f),
        alarms: alarm_settings(&alarms.cloned().unwrap_or_default(), f),
    }
}
