//! `orderapi:cloudwatch:MetricAlarm` — a CloudWatch alarm on one metric or on a metric-math expression.
//! PutMetricAlarm is an upsert, so a repeated create call makes no second alarm; alarm names are unique per region,
//! and a create that finds the alarm it is about to write adopts it only when it is the orphan of an interrupted
//! create of this resource (see [`crate::lifecycle`]): anything else would be silently overwritten, so it is a
//! conflict.

use std::collections::BTreeMap;

use aws_sdk_cloudwatch::types::{
    ComparisonOperator, Dimension, Metric, MetricAlarm as AwsAlarm, MetricDataQuery, MetricStat,
    Statistic,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{CloudWatchTags, check_tags, cw_tags, is_arn, is_valid_period, live_tags};
use crate::error::{ResourceError, aws_error};
use crate::lifecycle::{Found, conflict, create_once, delete_and_wait};
use crate::resource::{CheckContext, CheckFailure, Context, CustomResource, Failures};
use crate::resources::tags;

/// The statistics of a single-metric alarm.
pub const STATISTICS: &[&str] = &["SampleCount", "Average", "Sum", "Minimum", "Maximum"];
/// The comparison operators of a static-threshold alarm.
pub const COMPARISON_OPERATORS: &[&str] = &[
    "GreaterThanOrEqualToThreshold",
    "GreaterThanThreshold",
    "LessThanThreshold",
    "LessThanOrEqualToThreshold",
];
/// How an alarm treats missing data points.
pub const TREAT_MISSING_DATA: &[&str] = &["missing", "notBreaching", "breaching", "ignore"];

/// A metric: namespace, name and dimensions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AlarmMetric {
    /// The metric's namespace, e.g. `AWS/ApplicationELB`.
    pub namespace: String,
    /// The metric's name, e.g. `HTTPCode_Target_5XX_Count`.
    pub metric_name: String,
    /// The metric's dimensions (at most 30), name to value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimensions: Option<BTreeMap<String, String>>,
}

/// A metric with the period and statistic a metric-math query reads it with.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AlarmMetricStat {
    /// The metric.
    pub metric: AlarmMetric,
    /// Granularity in seconds: 10, 20, 30 or a multiple of 60.
    pub period: i32,
    /// Statistic: SampleCount, Average, Sum, Minimum, Maximum or a percentile such as `p99`.
    pub stat: String,
}

/// One query of a metric-math alarm: either a metric (`metricStat`) or an `expression` over other queries.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AlarmQuery {
    /// Short id other expressions refer to; starts with a lowercase letter, then letters, digits and `_`.
    pub id: String,
    /// A metric-math expression, e.g. `100 * errors / requests`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
    /// The metric this query reads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric_stat: Option<AlarmMetricStat>,
    /// Human-readable label of the query.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Whether the alarm evaluates this query; exactly one query has `true` (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_data: Option<bool>,
}

/// Inputs of a metric alarm.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MetricAlarmInputs {
    /// Alarm name (1-255 characters). Defaults to the resource name plus a random suffix. Changing it replaces
    /// the alarm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alarm_name: Option<String>,
    /// What the alarm means (at most 1024 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alarm_description: Option<String>,
    /// Single-metric alarm: the metric's namespace (with `metricName`, `period` and a statistic).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Single-metric alarm: the metric's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric_name: Option<String>,
    /// Single-metric alarm: the metric's dimensions (at most 30), name to value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimensions: Option<BTreeMap<String, String>>,
    /// Single-metric alarm: SampleCount, Average, Sum, Minimum or Maximum (or use `extendedStatistic`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statistic: Option<String>,
    /// Single-metric alarm: a percentile `pNN` or `pNN.NN`, e.g. `p99` (instead of `statistic`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extended_statistic: Option<String>,
    /// Single-metric alarm: seconds per data point: 10, 20, 30 or a multiple of 60.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<i32>,
    /// Metric-math alarm: the queries (at most 20), exactly one with `returnData: true`. Not with `metricName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics: Option<Vec<AlarmQuery>>,
    /// The value the statistic is compared with.
    pub threshold: f64,
    /// GreaterThanOrEqualToThreshold, GreaterThanThreshold, LessThanThreshold or LessThanOrEqualToThreshold.
    pub comparison_operator: String,
    /// How many recent periods are evaluated (at least 1).
    pub evaluation_periods: i32,
    /// How many of the evaluated periods must breach to alarm (1..=evaluationPeriods; default evaluationPeriods).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datapoints_to_alarm: Option<i32>,
    /// missing (default), notBreaching, breaching or ignore.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub treat_missing_data: Option<String>,
    /// Whether the actions run on state changes (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actions_enabled: Option<bool>,
    /// ARNs (at most 5, e.g. SNS topics) notified when the alarm goes to ALARM.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alarm_actions: Option<Vec<String>>,
    /// ARNs (at most 5) notified when the alarm goes to OK.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ok_actions: Option<Vec<String>>,
    /// ARNs (at most 5) notified when the alarm goes to INSUFFICIENT_DATA.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insufficient_data_actions: Option<Vec<String>>,
    /// Tags, in addition to the provider's default tags and the `ManagedBy` ownership tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
}

/// Outputs of a metric alarm.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MetricAlarmOutputs {
    /// The alarm's ARN.
    pub arn: String,
    /// Every tag on the alarm, including the provider's default and ownership tags.
    pub tags_all: BTreeMap<String, String>,
}

pub struct MetricAlarm;

fn is_percentile(s: &str) -> bool {
    let Some(num) = s.strip_prefix('p') else {
        return false;
    };
    let (int, frac) = num.split_once('.').unwrap_or((num, ""));
    let digits = |x: &str| x.chars().all(|c| c.is_ascii_digit());
    !int.is_empty()
        && int.len() <= 2
        && digits(int)
        && frac.len() <= 2
        && digits(frac)
        && !(num.contains('.') && frac.is_empty())
        && num.parse::<f64>().is_ok_and(|v| v > 0.0 && v < 100.0)
}

fn is_query_id(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && id.len() <= 255
}

fn check_dimensions(property: &str, dims: Option<&BTreeMap<String, String>>, f: &mut Failures) {
    let Some(dims) = dims else { return };
    f.require(dims.len() <= 30, property, "at most 30 dimensions");
    for (k, v) in dims {
        f.require(
            (1..=255).contains(&k.len()) && (1..=1024).contains(&v.len()),
            property,
            format!("dimension '{k}': names are 1-255 and values 1-1024 characters"),
        );
    }
}

fn dimensions(dims: Option<&BTreeMap<String, String>>) -> Vec<Dimension> {
    dims.into_iter()
        .flatten()
        .map(|(k, v)| Dimension::builder().name(k).value(v).build())
        .collect()
}

fn dimension_map(dims: &[Dimension]) -> Option<BTreeMap<String, String>> {
    (!dims.is_empty()).then(|| {
        dims.iter()
            .map(|d| {
                (
                    d.name().unwrap_or_default().to_string(),
                    d.value().unwrap_or_default().to_string(),
                )
            })
            .collect()
    })
}

fn non_empty(v: &[String]) -> Option<Vec<String>> {
    (!v.is_empty()).then(|| v.to_vec())
}

impl MetricAlarm {
    /// PutMetricAlarm with every setting of `inputs` (an upsert); `tags` only when creating (AWS ignores them on
    /// an update of an existing alarm).
    async fn put(
        ctx: &Context,
        inputs: &MetricAlarmInputs,
        tags: Option<&BTreeMap<String, String>>,
    ) -> Result<(), ResourceError> {
        let mut req = ctx
            .aws
            .cloudwatch
            .put_metric_alarm()
            .alarm_name(inputs.alarm_name.clone().unwrap_or_default())
            .set_alarm_description(inputs.alarm_description.clone())
            .threshold(inputs.threshold)
            .comparison_operator(ComparisonOperator::from(
                inputs.comparison_operator.as_str(),
            ))
            .evaluation_periods(inputs.evaluation_periods)
            .set_datapoints_to_alarm(inputs.datapoints_to_alarm)
            .set_treat_missing_data(inputs.treat_missing_data.clone())
            .set_actions_enabled(inputs.actions_enabled)
            .set_alarm_actions(inputs.alarm_actions.clone())
            .set_ok_actions(inputs.ok_actions.clone())
            .set_insufficient_data_actions(inputs.insufficient_data_actions.clone());
        if let Some(tags) = tags {
            req = req.set_tags(Some(cw_tags(tags)));
        }
        if let Some(queries) = &inputs.metrics {
            for q in queries {
                let stat = q.metric_stat.as_ref().map(|s| {
                    MetricStat::builder()
                        .metric(
                            Metric::builder()
                                .namespace(&s.metric.namespace)
                                .metric_name(&s.metric.metric_name)
                                .set_dimensions(Some(dimensions(s.metric.dimensions.as_ref())))
                                .build(),
                        )
                        .period(s.period)
                        .stat(&s.stat)
                        .build()
                });
                req = req.metrics(
                    MetricDataQuery::builder()
                        .id(&q.id)
                        .set_expression(q.expression.clone())
                        .set_metric_stat(stat)
                        .set_label(q.label.clone())
                        .set_return_data(q.return_data)
                        .build(),
                );
            }
        } else {
            req = req
                .set_namespace(inputs.namespace.clone())
                .set_metric_name(inputs.metric_name.clone())
                .set_dimensions(Some(dimensions(inputs.dimensions.as_ref())))
                .set_statistic(inputs.statistic.as_deref().map(Statistic::from))
                .set_extended_statistic(inputs.extended_statistic.clone())
                .set_period(inputs.period);
        }
        req.send()
            .await
            .map_err(|e| aws_error("cloudwatch:PutMetricAlarm", e))?;
        Ok(())
    }

    /// The alarm named `name`, or `None`.
    async fn describe(ctx: &Context, name: &str) -> Result<Option<AwsAlarm>, ResourceError> {
        let out = ctx
            .aws
            .cloudwatch
            .describe_alarms()
            .alarm_names(name)
            .send()
            .await
            .map_err(|e| aws_error("cloudwatch:DescribeAlarms", e))?;
        Ok(out
            .metric_alarms()
            .iter()
            .find(|a| a.alarm_name() == Some(name))
            .cloned())
    }
}

/// The inputs an alarm as AWS describes it corresponds to, in `check`'s normalized form.
fn inputs_of(a: &AwsAlarm, tags: Option<BTreeMap<String, String>>) -> MetricAlarmInputs {
    let queries: Vec<AlarmQuery> = a
        .metrics()
        .iter()
        .map(|q| AlarmQuery {
            id: q.id().unwrap_or_default().to_string(),
            expression: q.expression().map(str::to_string),
            metric_stat: q.metric_stat().map(|s| {
                let m = s.metric();
                AlarmMetricStat {
                    metric: AlarmMetric {
                        namespace: m
                            .and_then(|m| m.namespace())
                            .unwrap_or_default()
                            .to_string(),
                        metric_name: m
                            .and_then(|m| m.metric_name())
                            .unwrap_or_default()
                            .to_string(),
                        dimensions: m.and_then(|m| dimension_map(m.dimensions())),
                    },
                    period: s.period().unwrap_or_default(),
                    stat: s.stat().unwrap_or_default().to_string(),
                }
            }),
            label: q.label().map(str::to_string),
            return_data: Some(q.return_data().unwrap_or(false)),
        })
        .collect();
    let math = !queries.is_empty();
    MetricAlarmInputs {
        alarm_name: a.alarm_name().map(str::to_string),
        alarm_description: a
            .alarm_description()
            .filter(|d| !d.is_empty())
            .map(str::to_string),
        namespace: a.namespace().filter(|_| !math).map(str::to_string),
        metric_name: a.metric_name().filter(|_| !math).map(str::to_string),
        dimensions: dimension_map(a.dimensions()).filter(|_| !math),
        statistic: a.statistic().map(|s| s.as_str().to_string()),
        extended_statistic: a.extended_statistic().map(str::to_string),
        period: a.period().filter(|_| !math),
        metrics: math.then_some(queries),
        threshold: a.threshold().unwrap_or_default(),
        comparison_operator: a
            .comparison_operator()
            .map(|c| c.as_str().to_string())
            .unwrap_or_default(),
        evaluation_periods: a.evaluation_periods().unwrap_or_default(),
        datapoints_to_alarm: a.datapoints_to_alarm().or(a.evaluation_periods()),
        treat_missing_data: Some(a.treat_missing_data().unwrap_or("missing").to_string()),
        actions_enabled: Some(a.actions_enabled().unwrap_or(true)),
        alarm_actions: non_empty(a.alarm_actions()),
        ok_actions: non_empty(a.ok_actions()),
        insufficient_data_actions: non_empty(a.insufficient_data_actions()),
        tags,
    }
}

impl CustomResource for MetricAlarm {
    const TOKEN: &'static str = "orderapi:cloudwatch:MetricAlarm";
    const DESCRIPTION: &'static str = "A CloudWatch metric alarm on a single metric or a metric-math expression, \
        with up to five actions per state, tagged and owned by this provider.";
    const REPLACE_ON_CHANGES: &'static [&'static str] = &["alarmName"];
    /// Alarm names are unique per region; a replacement keeps the name.
    const DELETE_BEFORE_REPLACE: bool = true;
    const UNIQUE_BY: &'static [&'static str] = &["alarmName"];
    type Inputs = MetricAlarmInputs;
    type Outputs = MetricAlarmOutputs;

    fn check(
        ctx: &CheckContext,
        mut inputs: MetricAlarmInputs,
    ) -> Result<MetricAlarmInputs, Vec<CheckFailure>> {
        let mut f = Failures::default();
        let name = inputs.alarm_name.get_or_insert_with(|| ctx.autoname(255));
        f.require(
            (1..=255).contains(&name.chars().count()),
            "alarmName",
            "must be 1-255 characters",
        );
        f.require(
            !name.chars().any(char::is_control),
            "alarmName",
            "may not contain control characters",
        );
        if let Some(d) = &inputs.alarm_description {
            f.require(
                d.chars().count() <= 1024,
                "alarmDescription",
                "must be at most 1024 characters",
            );
        }
        let single = inputs.metric_name.is_some()
            || inputs.namespace.is_some()
            || inputs.statistic.is_some()
            || inputs.extended_statistic.is_some()
            || inputs.period.is_some()
            || inputs.dimensions.is_some();
        match (&inputs.metrics, single) {
            (None, false) => f.push(
                "metricName",
                "an alarm needs a metric: set namespace, metricName, period and statistic, or metric-math `metrics`",
            ),
            (Some(_), true) => f.push(
                "metrics",
                "set either a single metric (namespace, metricName, dimensions, statistic, period) or `metrics`, \
                 not both",
            ),
            (None, true) => {
                f.require(
                    inputs.namespace.as_ref().is_some_and(|n| (1..=255).contains(&n.len())),
                    "namespace",
                    "a single-metric alarm needs a namespace of 1-255 characters",
                );
                f.require(
                    inputs.metric_name.as_ref().is_some_and(|n| (1..=255).contains(&n.len())),
                    "metricName",
                    "a single-metric alarm needs a metricName of 1-255 characters",
                );
                check_dimensions("dimensions", inputs.dimensions.as_ref(), &mut f);
                match (&inputs.statistic, &inputs.extended_statistic) {
                    (Some(s), None) => f.require(
                        STATISTICS.contains(&s.as_str()),
                        "statistic",
                        format!("'{s}' is not one of {STATISTICS:?}"),
                    ),
                    (None, Some(e)) => f.require(
                        is_percentile(e),
                        "extendedStatistic",
                        format!("'{e}' is not a percentile such as p99 or p99.9 (pNN or pNN.NN)"),
                    ),
                    (Some(_), Some(_)) => {
                        f.push("extendedStatistic", "set statistic or extendedStatistic, not both")
                    }
                    (None, None) => f.push(
                        "statistic",
                        "a single-metric alarm needs a statistic or an extendedStatistic",
                    ),
                }
                match inputs.period {
                    Some(p) => f.require(
                        is_valid_period(p),
                        "period",
                        format!("{p} is not 10, 20, 30 or a multiple of 60"),
                    ),
                    None => f.push("period", "a single-metric alarm needs a period"),
                }
            }
            (Some(_), false) => {}
        }
        if let Some(queries) = &mut inputs.metrics {
            f.require(
                (1..=20).contains(&queries.len()),
                "metrics",
                "must hold 1-20 queries",
            );
            for q in queries.iter_mut() {
                q.return_data.get_or_insert(false);
                f.require(
                    is_query_id(&q.id),
                    "metrics",
                    format!(
                        "query id '{}' must start with a lowercase letter, then letters, digits and '_'",
                        q.id
                    ),
                );
                match (&q.expression, &q.metric_stat) {
                    (Some(e), None) => f.require(
                        (1..=2048).contains(&e.len()),
                        "metrics",
                        format!("query '{}': the expression must be 1-2048 characters", q.id),
                    ),
                    (None, Some(s)) => {
                        f.require(
                            !s.metric.namespace.is_empty() && !s.metric.metric_name.is_empty(),
                            "metrics",
                            format!(
                                "query '{}': metricStat needs a namespace and a metricName",
                                q.id
                            ),
                        );
                        check_dimensions("metrics", s.metric.dimensions.as_ref(), &mut f);
                        f.require(
                            is_valid_period(s.period),
                            "metrics",
                            format!(
                                "query '{}': period {} is not 10, 20, 30 or a multiple of 60",
                                q.id, s.period
                            ),
                        );
                        f.require(
                            STATISTICS.contains(&s.stat.as_str()) || is_percentile(&s.stat),
                            "metrics",
                            format!(
                                "query '{}': stat '{}' is not a statistic or a percentile",
                                q.id, s.stat
                            ),
                        );
                    }
                    _ => f.push(
                        "metrics",
                        format!(
                            "query '{}' needs exactly one of expression and metricStat",
                            q.id
                        ),
                    ),
                }
            }
            let ids: std::collections::BTreeSet<&str> =
                queries.iter().map(|q| q.id.as_str()).collect();
            f.require(
                ids.len() == queries.len(),
                "metrics",
                "query ids must be unique",
            );
            f.require(
                queries
                    .iter()
                    .filter(|q| q.return_data == Some(true))
                    .count()
                    == 1,
                "metrics",
                "exactly one query must have returnData: true (the value the alarm evaluates)",
            );
        }
        f.require(
            COMPARISON_OPERATORS.contains(&inputs.comparison_operator.as_str()),
            "comparisonOperator",
            format!(
                "'{}' is not one of {COMPARISON_OPERATORS:?}",
                inputs.comparison_operator
            ),
        );
        f.require(
            inputs.threshold.is_finite(),
            "threshold",
            "must be a finite number",
        );
        f.require(
            inputs.evaluation_periods >= 1,
            "evaluationPeriods",
            "must be at least 1",
        );
        let dta = *inputs
            .datapoints_to_alarm
            .get_or_insert(inputs.evaluation_periods);
        f.require(
            dta >= 1 && dta <= inputs.evaluation_periods,
            "datapointsToAlarm",
            format!(
                "{dta} must be between 1 and evaluationPeriods ({})",
                inputs.evaluation_periods
            ),
        );
        let tmd = inputs
            .treat_missing_data
            .get_or_insert_with(|| "missing".to_string());
        f.require(
            TREAT_MISSING_DATA.contains(&tmd.as_str()),
            "treatMissingData",
            format!("'{tmd}' is not one of {TREAT_MISSING_DATA:?}"),
        );
        inputs.actions_enabled.get_or_insert(true);
        for (property, actions) in [
            ("alarmActions", &mut inputs.alarm_actions),
            ("okActions", &mut inputs.ok_actions),
            (
                "insufficientDataActions",
                &mut inputs.insufficient_data_actions,
            ),
        ] {
            if actions.as_ref().is_some_and(Vec::is_empty) {
                *actions = None;
            }
            let Some(list) = actions else { continue };
            f.require(list.len() <= 5, property, "at most 5 actions");
            for a in list.iter() {
                f.require(
                    is_arn(a) && a.len() <= 1024,
                    property,
                    format!("'{a}' is not an ARN (e.g. an SNS topic ARN arn:aws:sns:us-east-1:123456789012:alerts)"),
                );
            }
        }
        check_tags(inputs.tags.as_ref(), &mut f);
        f.finish(inputs)
    }

    async fn create(
        ctx: &Context,
        inputs: &MetricAlarmInputs,
    ) -> Result<(String, MetricAlarmOutputs), ResourceError> {
        let name = inputs.alarm_name.clone().unwrap_or_default();
        let tags = ctx.tags(inputs.tags.as_ref());
        let adopted = create_once(
            ctx,
            &format!("alarm {name}"),
            || async {
                let Some(alarm) = Self::describe(ctx, &name).await? else {
                    return Ok(None);
                };
                let arn = alarm.alarm_arn().unwrap_or_default().to_string();
                let live = live_tags(&ctx.aws, &arn).await?;
                match ctx.found(&name, &live) {
                    Found::Orphan => {
                        ctx.adopting("alarm", &name);
                        Ok(Some(Some((arn, live))))
                    }
                    other => Err(conflict(
                        &format!("a CloudWatch alarm named '{name}'"),
                        &other,
                    )),
                }
            },
            || async {
                Self::put(ctx, inputs, Some(&tags)).await?;
                Ok(None)
            },
        )
        .await?
        .into_inner();
        let mut outputs = MetricAlarmOutputs {
            arn: String::new(),
            tags_all: tags.clone(),
        };
        let steps = async {
            match &adopted {
                Some((arn, live)) => {
                    // An adopted alarm may hold a stale definition and tags: bring them in line.
                    outputs.arn = arn.clone();
                    Self::put(ctx, inputs, None).await?;
                    tags::sync::<CloudWatchTags>(&ctx.aws, arn, live, &tags).await?;
                }
                None => {
                    let alarm = Self::describe(ctx, &name).await?.ok_or_else(|| {
                        ResourceError::Internal(format!(
                            "alarm {name} is not described right after its creation"
                        ))
                    })?;
                    outputs.arn = alarm.alarm_arn().unwrap_or_default().to_string();
                }
            }
            Ok::<(), ResourceError>(())
        };
        let result = steps.await;
        if let Err(e) = result {
            return Err(e.partial(&name, &outputs));
        }
        Ok((name, outputs))
    }

    async fn read(
        ctx: &Context,
        id: &str,
        prior: Option<&MetricAlarmInputs>,
    ) -> Result<Option<(MetricAlarmInputs, MetricAlarmOutputs)>, ResourceError> {
        let Some(alarm) = Self::describe(ctx, id).await? else {
            return Ok(None);
        };
        let arn = alarm.alarm_arn().unwrap_or_default().to_string();
        let all = match live_tags(&ctx.aws, &arn).await {
            Ok(t) => t,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(e),
        };
        let prior_tags = prior.and_then(|p| p.tags.as_ref());
        let (name_tag, mut own, tags_all) = tags::split(&ctx.aws, all, prior_tags);
        // `Name` is an ordinary tag here (tags::split treats it as EC2's physical name).
        if let Some(n) = name_tag
            && (prior_tags.is_some_and(|p| p.contains_key("Name"))
                || ctx.aws.default_tags.get("Name") != Some(&n))
        {
            own.get_or_insert_with(BTreeMap::new)
                .insert("Name".into(), n);
        }
        Ok(Some((
            inputs_of(&alarm, own),
            MetricAlarmOutputs { arn, tags_all },
        )))
    }

    async fn update(
        ctx: &Context,
        _id: &str,
        _old: &MetricAlarmInputs,
        old_outputs: &MetricAlarmOutputs,
        new: &MetricAlarmInputs,
    ) -> Result<MetricAlarmOutputs, ResourceError> {
        // PutMetricAlarm replaces the whole definition: fields left out are cleared.
        Self::put(ctx, new, None).await?;
        let tags = ctx.tags(new.tags.as_ref());
        tags::sync::<CloudWatchTags>(&ctx.aws, &old_outputs.arn, &old_outputs.tags_all, &tags)
            .await?;
        Ok(MetricAlarmOutputs {
            arn: old_outputs.arn.clone(),
            tags_all: tags,
        })
    }

    async fn delete(
        ctx: &Context,
        id: &str,
        _: &MetricAlarmInputs,
        _: &MetricAlarmOutputs,
    ) -> Result<(), ResourceError> {
        delete_and_wait(
            ctx,
            &format!("alarm {id}"),
            || async {
                ctx.aws
                    .cloudwatch
                    .delete_alarms()
                    .alarm_names(id)
                    .send()
                    .await
                    .map_err(|e| aws_error("cloudwatch:DeleteAlarms", e))
            },
            || async { Ok(Self::describe(ctx, id).await?.is_some()) },
        )
        .await
    }
}
