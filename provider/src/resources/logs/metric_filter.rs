//! `orderapi:logs:MetricFilter` — a metric filter on a log group: a filter pattern and the metric it publishes
//! (how metrics are derived from structured logs).
//!
//! # Identity
//!
//! Metric filters carry no tags, so they cannot carry the ownership and identity tags. Their identity is their
//! content: the name is unique within the log group, and a filter with this name whose definition (pattern and
//! transformation) equals the one this create writes is the orphan of this create (a create whose answer was lost,
//! or a crash right after the call), or indistinguishable from it: putting the same definition again changes
//! nothing. It is adopted unless the engine records it (then it is the filter a replacement replaces, a conflict
//! like any other unique name). A same-named filter with another definition is a conflict (someone else's filter,
//! which the upsert would silently overwrite). The limit: a program changed between a crashed create and its retry
//! finds its own orphan with the old definition and reports the conflict; delete that filter and run again.
//!
//! The create is a single `PutMetricFilter` call (an upsert), sent with the SDK's retry off through
//! [`create_once`], which looks before repeating it, so a lost answer never puts it twice (moto appends a
//! duplicate on every put). Replacements delete first (`DELETE_BEFORE_REPLACE`), so the engine never creates a
//! filter beside its own predecessor.

use std::collections::BTreeMap;

use aws_sdk_cloudwatchlogs::types::{
    MetricFilter as AwsMetricFilter, MetricTransformation, StandardUnit,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::check_log_group_name;
use crate::error::{ResourceError, aws_error};
use crate::lifecycle::{Found, conflict, create_once, delete_and_wait};
use crate::no_retry;
use crate::resource::{CheckContext, CheckFailure, Context, CustomResource, Failures};

/// The units CloudWatch metrics accept (`StandardUnit`).
pub const UNITS: &[&str] = &[
    "Seconds",
    "Microseconds",
    "Milliseconds",
    "Bytes",
    "Kilobytes",
    "Megabytes",
    "Gigabytes",
    "Terabytes",
    "Bits",
    "Kilobits",
    "Megabits",
    "Gigabits",
    "Terabits",
    "Percent",
    "Count",
    "Bytes/Second",
    "Kilobytes/Second",
    "Megabytes/Second",
    "Gigabytes/Second",
    "Terabytes/Second",
    "Bits/Second",
    "Kilobits/Second",
    "Megabits/Second",
    "Gigabits/Second",
    "Terabits/Second",
    "Count/Second",
    "None",
];

/// Inputs of a metric filter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MetricFilterInputs {
    /// The log group the filter reads. Changing it replaces the filter.
    pub log_group_name: String,
    /// Filter name (1-512 characters, no `:` or `*`), unique within the log group. Defaults to the resource name
    /// plus a random suffix. Changing it replaces the filter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Which log events count, in CloudWatch Logs filter syntax (0-1024 characters), e.g.
    /// `{ $.level = "ERROR" }` for JSON logs. Empty matches every event.
    pub filter_pattern: String,
    /// The metric published for matching events.
    pub metric_transformation: MetricFilterTransformation,
}

/// How matching log events become a CloudWatch metric.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MetricFilterTransformation {
    /// Metric name (1-255 characters, no `:`, `*` or `$`).
    pub metric_name: String,
    /// Metric namespace (1-255 characters, no `:`, `*` or `$`; `AWS/` is reserved), e.g. `OrderApi`.
    pub metric_namespace: String,
    /// What to publish per matching event: a number (e.g. `1` to count events) or a field of the event
    /// (`$.latencyMs` for JSON logs, `$latency` for space-delimited ones); at most 100 characters.
    pub metric_value: String,
    /// The value published when an event does not match (e.g. `0`); not allowed together with dimensions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_value: Option<f64>,
    /// The metric's unit, e.g. `Count` or `Milliseconds` (default `None`, CloudWatch's name for no unit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Up to 3 dimensions: dimension name → event field (`$.customerTier`). Avoid high-cardinality fields: each
    /// combination is a separate custom metric.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimensions: Option<BTreeMap<String, String>>,
}

/// Outputs of a metric filter (everything about it is an input).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MetricFilterOutputs {}

pub struct MetricFilter;

/// The id of a filter: `<logGroupName>:<name>` (log group names cannot contain `:`).
pub fn filter_id(log_group_name: &str, name: &str) -> String {
    format!("{log_group_name}:{name}")
}

fn split_id(id: &str) -> Result<(&str, &str), ResourceError> {
    id.split_once(':').ok_or_else(|| {
        ResourceError::Internal(format!(
            "'{id}' is not a metric filter id (<logGroupName>:<filterName>)"
        ))
    })
}

/// Whether `s` is an event field reference (`$.a.b`, `$field`).
fn is_field_reference(s: &str) -> bool {
    s.len() > 1 && s.starts_with('$')
}

impl MetricFilterTransformation {
    fn to_aws(&self) -> Result<MetricTransformation, ResourceError> {
        MetricTransformation::builder()
            .metric_name(&self.metric_name)
            .metric_namespace(&self.metric_namespace)
            .metric_value(&self.metric_value)
            .set_default_value(self.default_value)
            .set_unit(self.unit.as_deref().map(StandardUnit::from))
            .set_dimensions(
                self.dimensions
                    .as_ref()
                    .map(|d| d.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
            )
            .build()
            .map_err(|e| {
                ResourceError::Internal(format!("cannot build the metric transformation: {e}"))
            })
    }

    fn from_aws(t: &MetricTransformation) -> Self {
        MetricFilterTransformation {
            metric_name: t.metric_name().to_string(),
            metric_namespace: t.metric_namespace().to_string(),
            metric_value: t.metric_value().to_string(),
            default_value: t.default_value(),
            // AWS reports `None` for a filter put without a unit; check applies the same default.
            unit: Some(
                t.unit()
                    .map(|u| u.as_str().to_string())
                    .unwrap_or_else(|| "None".into()),
            ),
            dimensions: t
                .dimensions()
                .filter(|d| !d.is_empty())
                .map(|d| d.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
        }
    }
}

impl MetricFilter {
    /// The live filter `name` on `log_group`, or `None` (also when the log group is gone). CloudWatch Logs holds
    /// one filter per name; when an emulator lists several (moto appends on every put instead of replacing), the
    /// last one put is the live one.
    async fn describe(
        ctx: &Context,
        log_group: &str,
        name: &str,
    ) -> Result<Option<AwsMetricFilter>, ResourceError> {
        let mut token: Option<String> = None;
        let mut last = None;
        loop {
            let out = match ctx
                .aws
                .logs
                .describe_metric_filters()
                .log_group_name(log_group)
                .filter_name_prefix(name)
                .set_next_token(token.clone())
                .send()
                .await
                .map_err(|e| aws_error("logs:DescribeMetricFilters", e))
            {
                Ok(out) => out,
                Err(e) if e.is_not_found() => return Ok(None),
                Err(e) => return Err(e),
            };
            if let Some(f) = out.metric_filters().iter().rev().find(|f| {
                f.filter_name() == Some(name) && f.log_group_name().is_none_or(|g| g == log_group)
            }) {
                last = Some(f.clone());
            }
            match out.next_token() {
                Some(t) if !t.is_empty() && token.as_deref() != Some(t) => {
                    token = Some(t.to_string())
                }
                _ => return Ok(last),
            }
        }
    }

    /// The declared inputs of a live filter.
    fn inputs_of(log_group: &str, name: &str, f: &AwsMetricFilter) -> Option<MetricFilterInputs> {
        Some(MetricFilterInputs {
            log_group_name: log_group.to_string(),
            name: Some(name.to_string()),
            filter_pattern: f.filter_pattern().unwrap_or_default().to_string(),
            metric_transformation: MetricFilterTransformation::from_aws(
                f.metric_transformations().first()?,
            ),
        })
    }

    /// Puts the filter. `once`: the create's call, without the SDK's automatic retry (see the module docs).
    async fn put(
        ctx: &Context,
        inputs: &MetricFilterInputs,
        once: bool,
    ) -> Result<(), ResourceError> {
        let req = ctx
            .aws
            .logs
            .put_metric_filter()
            .log_group_name(&inputs.log_group_name)
            .filter_name(inputs.name.as_deref().unwrap_or_default())
            .filter_pattern(&inputs.filter_pattern)
            .metric_transformations(inputs.metric_transformation.to_aws()?);
        let sent = if once {
            req.customize()
                .config_override(no_retry!(aws_sdk_cloudwatchlogs))
                .send()
                .await
        } else {
            req.send().await
        };
        sent.map_err(|e| aws_error("logs:PutMetricFilter", e))?;
        Ok(())
    }
}

/// Validates a metric name or namespace: 1-255 characters, none of `:`, `*`, `$`.
fn check_metric_name(property: &str, value: &str, f: &mut Failures) {
    f.require(
        (1..=255).contains(&value.chars().count()),
        property,
        "must be 1-255 characters",
    );
    f.require(
        !value.contains([':', '*', '$']) && !value.chars().any(char::is_control),
        property,
        format!("'{value}' must not contain ':', '*', '$' or control characters"),
    );
}

impl CustomResource for MetricFilter {
    const TOKEN: &'static str = "orderapi:logs:MetricFilter";
    const DESCRIPTION: &'static str = "A CloudWatch Logs metric filter: a filter pattern on a log group and the \
        CloudWatch metric its matching events publish.";
    const REPLACE_ON_CHANGES: &'static [&'static str] = &["logGroupName", "name"];
    /// Filter names are unique per log group; a replacement (e.g. `pulumi up --replace`) keeps the name.
    const DELETE_BEFORE_REPLACE: bool = true;
    type Inputs = MetricFilterInputs;
    type Outputs = MetricFilterOutputs;

    fn check(
        ctx: &CheckContext,
        mut inputs: MetricFilterInputs,
    ) -> Result<MetricFilterInputs, Vec<CheckFailure>> {
        let mut f = Failures::default();
        check_log_group_name("logGroupName", &inputs.log_group_name, &mut f);
        let name = inputs.name.get_or_insert_with(|| {
            ctx.autoname(128)
                .chars()
                .map(|c| if matches!(c, ':' | '*') { '-' } else { c })
                .collect()
        });
        f.require(
            (1..=512).contains(&name.chars().count()),
            "name",
            "must be 1-512 characters",
        );
        f.require(
            !name.contains([':', '*']),
            "name",
            format!("'{name}' must not contain ':' or '*'"),
        );
        f.require(
            inputs.filter_pattern.chars().count() <= 1024,
            "filterPattern",
            "must be at most 1024 characters",
        );
        let t = &mut inputs.metric_transformation;
        check_metric_name("metricTransformation.metricName", &t.metric_name, &mut f);
        check_metric_name(
            "metricTransformation.metricNamespace",
            &t.metric_namespace,
            &mut f,
        );
        f.require(
            !t.metric_namespace.starts_with("AWS/"),
            "metricTransformation.metricNamespace",
            "namespaces starting with AWS/ are reserved for AWS services",
        );
        f.require(
            (1..=100).contains(&t.metric_value.chars().count())
                && (t.metric_value.trim().parse::<f64>().is_ok_and(f64::is_finite)
                    || is_field_reference(&t.metric_value)),
            "metricTransformation.metricValue",
            format!(
                "'{}' must be a number (e.g. 1) or an event field such as $.latencyMs, at most 100 characters",
                t.metric_value
            ),
        );
        if let Some(v) = t.default_value {
            f.require(
                v.is_finite(),
                "metricTransformation.defaultValue",
                "must be a finite number",
            );
        }
        let unit = t.unit.get_or_insert_with(|| "None".to_string());
        f.require(
            UNITS.contains(&unit.as_str()),
            "metricTransformation.unit",
            format!("'{unit}' is not a CloudWatch unit; use one of {UNITS:?}"),
        );
        if t.dimensions.as_ref().is_some_and(BTreeMap::is_empty) {
            t.dimensions = None;
        }
        if let Some(dims) = &t.dimensions {
            f.require(
                dims.len() <= 3,
                "metricTransformation.dimensions",
                format!("at most 3 dimensions (got {})", dims.len()),
            );
            f.require(
                t.default_value.is_none(),
                "metricTransformation.defaultValue",
                "CloudWatch Logs does not allow a default value on a metric with dimensions; remove defaultValue \
                 or the dimensions",
            );
            for (k, v) in dims {
                f.require(
                    (1..=255).contains(&k.chars().count())
                        && !k.contains([':', '*', '$'])
                        && !k.chars().any(char::is_control),
                    "metricTransformation.dimensions",
                    format!(
                        "dimension name '{k}' must be 1-255 characters without ':', '*' or '$'"
                    ),
                );
                f.require(
                    (1..=255).contains(&v.chars().count()) && is_field_reference(v),
                    "metricTransformation.dimensions",
                    format!(
                        "dimension '{k}' must name an event field such as $.customerTier (got '{v}'), at most \
                         255 characters"
                    ),
                );
            }
        }
        f.finish(inputs)
    }

    async fn create(
        ctx: &Context,
        inputs: &MetricFilterInputs,
    ) -> Result<(String, MetricFilterOutputs), ResourceError> {
        let name = inputs.name.clone().unwrap_or_default();
        let id = filter_id(&inputs.log_group_name, &name);
        let what = format!(
            "a metric filter named '{name}' on log group '{}'",
            inputs.log_group_name
        );
        create_once(
            ctx,
            &format!("metric filter {id}"),
            || async {
                let Some(existing) = Self::describe(ctx, &inputs.log_group_name, &name).await?
                else {
                    return Ok(None);
                };
                if Self::inputs_of(&inputs.log_group_name, &name, &existing).as_ref() != Some(inputs)
                {
                    return Err(ResourceError::Conflict(format!(
                        "{what} already exists with another definition (metric filters carry no tags, so its \
                         owner is unknown; writing ours would overwrite it); choose another name, or delete or \
                         import that filter"
                    )));
                }
                // Its content is this create's: classify it as an object carrying this resource's identity.
                match ctx.found(&id, &ctx.tags(None)) {
                    Found::Orphan => {
                        ctx.adopting("metric filter", &id);
                        Ok(Some(()))
                    }
                    other => Err(conflict(&what, &other)),
                }
            },
            || Self::put(ctx, inputs, true),
        )
        .await?;
        Ok((id, MetricFilterOutputs {}))
    }

    async fn read(
        ctx: &Context,
        id: &str,
        _: Option<&MetricFilterInputs>,
    ) -> Result<Option<(MetricFilterInputs, MetricFilterOutputs)>, ResourceError> {
        let (log_group, name) = split_id(id)?;
        let Some(live) = Self::describe(ctx, log_group, name).await? else {
            return Ok(None);
        };
        Ok(Self::inputs_of(log_group, name, &live).map(|i| (i, MetricFilterOutputs {})))
    }

    async fn update(
        ctx: &Context,
        _: &str,
        _: &MetricFilterInputs,
        _: &MetricFilterOutputs,
        new: &MetricFilterInputs,
    ) -> Result<MetricFilterOutputs, ResourceError> {
        // PutMetricFilter replaces the filter's pattern and transformation in place.
        Self::put(ctx, new, false).await?;
        Ok(MetricFilterOutputs {})
    }

    async fn delete(
        ctx: &Context,
        id: &str,
        _: &MetricFilterInputs,
        _: &MetricFilterOutputs,
    ) -> Result<(), ResourceError> {
        let (log_group, name) = split_id(id)?;
        // Deleted when no longer listed; each round deletes again (OperationAbortedException: another change to
        // the log group is in flight).
        delete_and_wait(
            ctx,
            &format!("metric filter {id}"),
            || async {
                ctx.aws
                    .logs
                    .delete_metric_filter()
                    .log_group_name(log_group)
                    .filter_name(name)
                    .send()
                    .await
                    .map_err(|e| aws_error("logs:DeleteMetricFilter", e))
            },
            || async { Ok(Self::describe(ctx, log_group, name).await?.is_some()) },
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_split_at_the_first_colon() {
        let id = filter_id("/ecs/orders", "errors");
        assert_eq!(split_id(&id).expect("id"), ("/ecs/orders", "errors"));
        assert!(split_id("nocolon").is_err());
    }
}
