//! `orderapi:cloudwatch:Dashboard` — a CloudWatch dashboard of typed metric and text widgets, serialised to the
//! dashboard body JSON.
//!
//! # Identity
//!
//! Dashboards cannot carry tags, so they cannot carry the ownership and identity tags. Their identity is their
//! content: names are unique per account, and a dashboard with this name whose body equals the one this create
//! writes is the orphan of this create (a create whose answer was lost, or a crash right after the call), or
//! indistinguishable from it: writing the same body again changes nothing. It is adopted unless the engine records
//! it (then it is the dashboard a replacement replaces, a conflict like any other unique name). A same-named
//! dashboard with another body is a conflict: another stack's, or not created by pulumi-orderapi at all, and the
//! upsert would silently overwrite it. The limit: a program changed between a crashed create and its retry finds
//! its own orphan with the old body and reports the conflict; delete that dashboard and run again.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::is_valid_period;
use super::metric_alarm::STATISTICS;
use crate::error::{ResourceError, aws_error};
use crate::lifecycle::{Found, conflict, create_once, delete_and_wait};
use crate::resource::{CheckContext, CheckFailure, Context, CustomResource, Failures};

/// The largest dashboard body AWS accepts (1 MB).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// The dashboard grid's width in columns.
pub const GRID_COLUMNS: i32 = 24;
/// The views a metric widget may use.
pub const VIEWS: &[&str] = &["timeSeries", "singleValue"];

/// A graph of metrics.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MetricWidget {
    /// The widget's title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The region of the metrics, e.g. `us-east-1`.
    pub region: String,
    /// The metrics, each as an array `[namespace, metricName, dimensionName, dimensionValue, ...]`.
    pub metrics: Vec<Vec<String>>,
    /// The statistic: SampleCount, Average, Sum, Minimum, Maximum or a percentile such as `p99` (default Average).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stat: Option<String>,
    /// Seconds per data point: 10, 20, 30 or a multiple of 60 (default 300).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<i32>,
    /// `timeSeries` (default) or `singleValue`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub view: Option<String>,
}

/// A block of Markdown text.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TextWidget {
    /// The text, in Markdown.
    pub markdown: String,
}

/// One widget on the dashboard grid (24 columns wide): exactly one of `metric` and `text`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DashboardWidget {
    /// Column of the widget's left edge (0-23).
    pub x: i32,
    /// Row of the widget's top edge (0 or more).
    pub y: i32,
    /// Width in columns (1-24; x + width at most 24).
    pub width: i32,
    /// Height in rows (1-1000).
    pub height: i32,
    /// A metric graph.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<MetricWidget>,
    /// A text block.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<TextWidget>,
}

/// Inputs of a dashboard.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DashboardInputs {
    /// Dashboard name (1-255 characters of `A-Za-z0-9_-`). Defaults to the resource name plus a random suffix.
    /// Changing it replaces the dashboard.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dashboard_name: Option<String>,
    /// The widgets (at most 500), serialised to the dashboard body (at most 1 MB).
    pub widgets: Vec<DashboardWidget>,
}

/// Outputs of a dashboard.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DashboardOutputs {
    /// The dashboard's ARN.
    pub arn: String,
}

pub struct Dashboard;

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// The dashboard body JSON of `widgets`.
pub fn body(widgets: &[DashboardWidget]) -> Value {
    let widgets: Vec<Value> = widgets
        .iter()
        .map(|w| {
            let mut v = Map::new();
            let (kind, properties) = match (&w.metric, &w.text) {
                (Some(m), _) => {
                    let mut p = Map::new();
                    if let Some(t) = &m.title {
                        p.insert("title".into(), json!(t));
                    }
                    p.insert("region".into(), json!(m.region));
                    p.insert("metrics".into(), json!(m.metrics));
                    if let Some(s) = &m.stat {
                        p.insert("stat".into(), json!(s));
                    }
                    if let Some(s) = m.period {
                        p.insert("period".into(), json!(s));
                    }
                    if let Some(s) = &m.view {
                        p.insert("view".into(), json!(s));
                    }
                    ("metric", Value::Object(p))
                }
                (None, Some(t)) => ("text", json!({ "markdown": t.markdown })),
                (None, None) => ("text", json!({ "markdown": "" })),
            };
            v.insert("type".into(), json!(kind));
            v.insert("x".into(), json!(w.x));
            v.insert("y".into(), json!(w.y));
            v.insert("width".into(), json!(w.width));
            v.insert("height".into(), json!(w.height));
            v.insert("properties".into(), properties);
            Value::Object(v)
        })
        .collect();
    json!({ "widgets": widgets })
}

/// The widgets of a dashboard body; widgets of types this kind does not model are skipped.
pub fn widgets_of(body: &Value) -> Vec<DashboardWidget> {
    let int = |w: &Value, k: &str| w.get(k).and_then(Value::as_i64).unwrap_or_default() as i32;
    let string = |p: &Value, k: &str| p.get(k).and_then(Value::as_str).map(str::to_string);
    body.get("widgets")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|w| {
            let p = w.get("properties").cloned().unwrap_or(Value::Null);
            let (metric, text) = match w.get("type").and_then(Value::as_str) {
                Some("metric") => (
                    Some(MetricWidget {
                        title: string(&p, "title"),
                        region: string(&p, "region").unwrap_or_default(),
                        metrics: p
                            .get("metrics")
                            .and_then(Value::as_array)
                            .into_iter()
                            .flatten()
                            .map(|m| {
                                m.as_array()
                                    .into_iter()
                                    .flatten()
                                    .map(|e| match e {
                                        Value::String(s) => s.clone(),
                                        other => other.to_string(),
                                    })
                                    .collect()
                            })
                            .collect(),
                        stat: string(&p, "stat"),
                        period: p.get("period").and_then(Value::as_i64).map(|v| v as i32),
                        view: string(&p, "view"),
                    }),
                    None,
                ),
                Some("text") => (
                    None,
                    Some(TextWidget {
                        markdown: string(&p, "markdown").unwrap_or_default(),
                    }),
                ),
                _ => return None,
            };
            Some(DashboardWidget {
                x: int(w, "x"),
                y: int(w, "y"),
                width: int(w, "width"),
                height: int(w, "height"),
                metric,
                text,
            })
        })
        .collect()
}

fn is_percentile(s: &str) -> bool {
    s.strip_prefix('p')
        .and_then(|n| n.parse::<f64>().ok())
        .is_some_and(|v| v > 0.0 && v < 100.0)
}

impl Dashboard {
    async fn get(ctx: &Context, name: &str) -> Result<Option<(String, String)>, ResourceError> {
        match ctx
            .aws
            .cloudwatch
            .get_dashboard()
            .dashboard_name(name)
            .send()
            .await
            .map_err(|e| aws_error("cloudwatch:GetDashboard", e))
        {
            Ok(out) => Ok(Some((
                out.dashboard_arn().unwrap_or_default().to_string(),
                out.dashboard_body().unwrap_or_default().to_string(),
            ))),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn put(ctx: &Context, inputs: &DashboardInputs) -> Result<(), ResourceError> {
        let body = serde_json::to_string(&body(&inputs.widgets))
            .map_err(|e| ResourceError::Internal(format!("serialising the dashboard body: {e}")))?;
        let out = ctx
            .aws
            .cloudwatch
            .put_dashboard()
            .dashboard_name(inputs.dashboard_name.clone().unwrap_or_default())
            .dashboard_body(body)
            .send()
            .await
            .map_err(|e| aws_error("cloudwatch:PutDashboard", e))?;
        for m in out.dashboard_validation_messages() {
            ctx.warn(format!(
                "CloudWatch says about the dashboard body{}: {}",
                m.data_path()
                    .map(|p| format!(" at {p}"))
                    .unwrap_or_default(),
                m.message().unwrap_or_default()
            ));
        }
        Ok(())
    }
}

impl CustomResource for Dashboard {
    const TOKEN: &'static str = "orderapi:cloudwatch:Dashboard";
    const DESCRIPTION: &'static str = "A CloudWatch dashboard of typed metric and text widgets on the 24-column \
        grid. Not taggable: a create adopts a same-named dashboard only when its body is the one this create writes \
        (the leftover of an interrupted create).";
    const REPLACE_ON_CHANGES: &'static [&'static str] = &["dashboardName"];
    /// Dashboard names are unique per account; a replacement keeps the name.
    const DELETE_BEFORE_REPLACE: bool = true;
    const UNIQUE_BY: &'static [&'static str] = &["dashboardName"];
    type Inputs = DashboardInputs;
    type Outputs = DashboardOutputs;

    fn check(
        ctx: &CheckContext,
        mut inputs: DashboardInputs,
    ) -> Result<DashboardInputs, Vec<CheckFailure>> {
        let mut f = Failures::default();
        let name = inputs.dashboard_name.get_or_insert_with(|| {
            ctx.autoname(255)
                .chars()
                .map(|c| if is_name_char(c) { c } else { '-' })
                .collect()
        });
        f.require(
            (1..=255).contains(&name.len()),
            "dashboardName",
            "must be 1-255 characters",
        );
        f.require(
            name.chars().all(is_name_char),
            "dashboardName",
            format!("'{name}' may only contain letters, digits, '-' and '_'"),
        );
        f.require(
            inputs.widgets.len() <= 500,
            "widgets",
            "at most 500 widgets",
        );
        for (i, w) in inputs.widgets.iter().enumerate() {
            f.require(
                (0..GRID_COLUMNS).contains(&w.x),
                "widgets",
                format!("widget {i}: x must be 0-23"),
            );
            f.require(
                w.y >= 0,
                "widgets",
                format!("widget {i}: y must be 0 or more"),
            );
            f.require(
                (1..=GRID_COLUMNS).contains(&w.width)
                    && w.x.saturating_add(w.width) <= GRID_COLUMNS,
                "widgets",
                format!(
                    "widget {i}: width must be 1-24 and x + width at most 24 (the grid's width)"
                ),
            );
            f.require(
                (1..=1000).contains(&w.height),
                "widgets",
                format!("widget {i}: height must be 1-1000"),
            );
            match (&w.metric, &w.text) {
                (Some(m), None) => {
                    f.require(
                        !m.region.is_empty(),
                        "widgets",
                        format!("widget {i}: region must be set, e.g. us-east-1"),
                    );
                    f.require(
                        (1..=500).contains(&m.metrics.len()),
                        "widgets",
                        format!("widget {i}: 1-500 metrics"),
                    );
                    for metric in &m.metrics {
                        f.require(
                            metric.len() >= 2 && metric.len() % 2 == 0 && metric.iter().all(|s| !s.is_empty()),
                            "widgets",
                            format!(
                                "widget {i}: metric {metric:?} must be [namespace, metricName, dimensionName, \
                                 dimensionValue, ...]"
                            ),
                        );
                    }
                    if let Some(s) = &m.stat {
                        f.require(
                            STATISTICS.contains(&s.as_str()) || is_percentile(s),
                            "widgets",
                            format!("widget {i}: stat '{s}' is not a statistic or a percentile"),
                        );
                    }
                    if let Some(p) = m.period {
                        f.require(
                            is_valid_period(p),
                            "widgets",
                            format!("widget {i}: period {p} is not 10, 20, 30 or a multiple of 60"),
                        );
                    }
                    if let Some(v) = &m.view {
                        f.require(
                            VIEWS.contains(&v.as_str()),
                            "widgets",
                            format!("widget {i}: view '{v}' is not one of {VIEWS:?}"),
                        );
                    }
                }
                (None, Some(_)) => {}
                _ => f.push(
                    "widgets",
                    format!("widget {i} needs exactly one of metric and text"),
                ),
            }
        }
        match serde_json::to_string(&body(&inputs.widgets)) {
            Ok(b) => f.require(
                b.len() <= MAX_BODY_BYTES,
                "widgets",
                format!(
                    "the dashboard body is {} bytes; AWS allows at most 1 MB",
                    b.len()
                ),
            ),
            Err(e) => f.push("widgets", format!("cannot be serialised: {e}")),
        }
        f.finish(inputs)
    }

    async fn create(
        ctx: &Context,
        inputs: &DashboardInputs,
    ) -> Result<(String, DashboardOutputs), ResourceError> {
        let name = inputs.dashboard_name.clone().unwrap_or_default();
        let what = format!("a CloudWatch dashboard named '{name}'");
        let want = body(&inputs.widgets);
        create_once(
            ctx,
            &format!("dashboard {name}"),
            || async {
                let Some((_, live)) = Self::get(ctx, &name).await? else {
                    return Ok(None);
                };
                let same = serde_json::from_str::<Value>(&live)
                    .is_ok_and(|v| v == want || widgets_of(&v) == inputs.widgets);
                if !same {
                    return Err(ResourceError::Conflict(format!(
                        "{what} already exists with another body; dashboards carry no ownership tag, so it may be \
                         another stack's or not created by pulumi-orderapi at all, and writing ours would \
                         overwrite it: choose another name or suffix, delete or import that dashboard, or replace \
                         with the `deleteBeforeReplace` option"
                    )));
                }
                // Its content is this create's: classify it as an object carrying this resource's identity.
                match ctx.found(&name, &ctx.tags(None)) {
                    Found::Orphan => {
                        ctx.adopting("dashboard", &name);
                        Ok(Some(()))
                    }
                    other => Err(conflict(&what, &other)),
                }
            },
            || Self::put(ctx, inputs),
        )
        .await?;
        let arn = match Self::get(ctx, &name).await {
            Ok(Some((arn, _))) => arn,
            Ok(None) => {
                return Err(ResourceError::Internal(format!(
                    "dashboard {name} is not found right after its creation"
                ))
                .partial(&name, &DashboardOutputs::default()));
            }
            Err(e) => return Err(e.partial(&name, &DashboardOutputs::default())),
        };
        Ok((name, DashboardOutputs { arn }))
    }

    async fn read(
        ctx: &Context,
        id: &str,
        _prior: Option<&DashboardInputs>,
    ) -> Result<Option<(DashboardInputs, DashboardOutputs)>, ResourceError> {
        let Some((arn, body)) = Self::get(ctx, id).await? else {
            return Ok(None);
        };
        let body: Value = serde_json::from_str(&body).map_err(|e| {
            ResourceError::Internal(format!("the body of dashboard {id} is not JSON: {e}"))
        })?;
        Ok(Some((
            DashboardInputs {
                dashboard_name: Some(id.to_string()),
                widgets: widgets_of(&body),
            },
            DashboardOutputs { arn },
        )))
    }

    async fn update(
        ctx: &Context,
        _id: &str,
        _old: &DashboardInputs,
        old_outputs: &DashboardOutputs,
        new: &DashboardInputs,
    ) -> Result<DashboardOutputs, ResourceError> {
        Self::put(ctx, new).await?;
        Ok(old_outputs.clone())
    }

    async fn delete(
        ctx: &Context,
        id: &str,
        _: &DashboardInputs,
        _: &DashboardOutputs,
    ) -> Result<(), ResourceError> {
        delete_and_wait(
            ctx,
            &format!("dashboard {id}"),
            || async {
                ctx.aws
                    .cloudwatch
                    .delete_dashboards()
                    .dashboard_names(id)
                    .send()
                    .await
                    .map_err(|e| aws_error("cloudwatch:DeleteDashboards", e))
            },
            || async { Ok(Self::get(ctx, id).await?.is_some()) },
        )
        .await
    }
}
