//! The `deployment` group: how new revisions reach production.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::rules::range;
use crate::resource::Failures;

/// How the service rolls out a new task definition.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeploymentStrategy {
    /// ECS native blue/green: the new revision starts in the green target group, the production listener rule
    /// shifts all traffic to it at once, then the old revision stays for the bake time (rollback is instant).
    #[default]
    BlueGreen,
    /// Like blue/green, but first `canaryPercent` of traffic for `canaryBakeTimeMinutes`, then the rest.
    Canary,
    /// Like blue/green, but traffic moves in steps of `linearStepPercent`, waiting `linearStepBakeTimeMinutes`.
    Linear,
    /// ECS rolling update behind the blue target group (no traffic shifting).
    Rolling,
}

impl DeploymentStrategy {
    /// The value ECS's `deploymentConfiguration.strategy` takes.
    pub fn ecs_value(self) -> &'static str {
        match self {
            DeploymentStrategy::BlueGreen => "BLUE_GREEN",
            DeploymentStrategy::Canary => "CANARY",
            DeploymentStrategy::Linear => "LINEAR",
            DeploymentStrategy::Rolling => "ROLLING",
        }
    }
}

/// How new revisions reach production.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(rename = "Deployment")]
pub struct DeploymentArgs {
    /// `BLUE_GREEN` (default), `CANARY`, `LINEAR` or `ROLLING`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<DeploymentStrategy>,
    /// Minutes the old revision stays ready after traffic moved, for instant rollback (default 10, 0-1440).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bake_time_minutes: Option<i32>,
    /// `CANARY`: percent of traffic the new revision gets first (default 10, 0.1-100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canary_percent: Option<f64>,
    /// `CANARY`: minutes at the canary percentage (default 5, 0-1440).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canary_bake_time_minutes: Option<i32>,
    /// `LINEAR`: percent of traffic moved per step (default 10, 3-100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linear_step_percent: Option<f64>,
    /// `LINEAR`: minutes between steps (default 5, 0-1440).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linear_step_bake_time_minutes: Option<i32>,
    /// Roll back automatically when the 5xx error-rate alarm fires during a deployment (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollback_on_alarm: Option<bool>,
}

/// The resolved deployment settings.
#[derive(Clone, Debug, PartialEq)]
pub struct DeploymentSettings {
    pub strategy: DeploymentStrategy,
    pub bake_time_minutes: i32,
    pub canary_percent: f64,
    pub canary_bake_time_minutes: i32,
    pub linear_step_percent: f64,
    pub linear_step_bake_time_minutes: i32,
    pub rollback_on_alarm: bool,
}

pub(super) fn deployment_settings(a: &DeploymentArgs, f: &mut Failures) -> DeploymentSettings {
    let s = DeploymentSettings {
        strategy: a.strategy.unwrap_or_default(),
        bake_time_minutes: a.bake_time_minutes.unwrap_or(10),
        canary_percent: a.canary_percent.unwrap_or(10.0),
        canary_bake_time_minutes: a.canary_bake_time_minutes.unwrap_or(5),
        linear_step_percent: a.linear_step_percent.unwrap_or(10.0),
        linear_step_bake_time_minutes: a.linear_step_bake_time_minutes.unwrap_or(5),
        rollback_on_alarm: a.rollback_on_alarm.unwrap_or(true),
    };
    range(
        f,
        "deployment.bakeTimeMinutes",
        s.bake_time_minutes,
        0,
        1440,
        "the bake time",
    );
    range(
        f,
        "deployment.canaryBakeTimeMinutes",
        s.canary_bake_time_minutes,
        0,
        1440,
        "the canary bake time",
    );
    range(
        f,
        "deployment.linearStepBakeTimeMinutes",
        s.linear_step_bake_time_minutes,
        0,
        1440,
        "the step bake time",
    );
    f.require(
        (0.1..=100.0).contains(&s.canary_percent),
        "deployment.canaryPercent",
        format!("must be 0.1-100, got {}", s.canary_percent),
    );
    f.require(
        (3.0..=100.0).contains(&s.linear_step_percent),
        "deployment.linearStepPercent",
        format!("must be 3-100, got {}", s.linear_step_percent),
    );
    let strategy_fields = [
        (
            a.canary_percent.is_some(),
            "deployment.canaryPercent",
            DeploymentStrategy::Canary,
        ),
        (
            a.canary_bake_time_minutes.is_some(),
            "deployment.canaryBakeTimeMinutes",
            DeploymentStrategy::Canary,
        ),
        (
            a.linear_step_percent.is_some(),
            "deployment.linearStepPercent",
            DeploymentStrategy::Linear,
        ),
        (
            a.linear_step_bake_time_minutes.is_some(),
            "deployment.linearStepBakeTimeMinutes",
            DeploymentStrategy::Linear,
        ),
    ];
    for (given, property, needs) in strategy_fields {
        f.require(
            !given || s.strategy == needs,
            property,
            format!("applies only to strategy {}", needs.ecs_value()),
        );
    }
    s
}
