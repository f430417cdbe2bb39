//! Autoscaling of the service's desired count between `minCount` and `maxCount`: target tracking on CPU and on
//! the `PendingOrders` backlog each task publishes.

use super::{CPU_METRIC, PENDING_ORDERS_METRIC};
use crate::platform::child::{Handle, Props, Scope};
use crate::resources::appautoscaling::{
    scalable_target::ScalableTarget, scaling_policy::ScalingPolicy,
};
use crate::rpc::value::{PropertyMap, Value, obj};

/// The scalable target and its two policies.
pub struct Scaling<'a> {
    pub target: Handle<'a>,
    pub cpu: Handle<'a>,
    pub pending_orders: Handle<'a>,
}

/// Declares the scalable target on the service and the two target-tracking policies on the target.
pub fn build<'a>(scope: &Scope<'a>, cluster: &Handle<'a>, service: &Handle<'a>) -> Scaling<'a> {
    let n = scope.naming();
    let s = &scope.settings().service;
    let namespace = scope.metric_namespace();
    // Application Auto Scaling names the service by cluster and service name (the cluster's id is its name).
    let resource_id = format!("service/{}/{}", n.name("ecs"), n.name("svc"));
    let target = scope.register(
        Props::of::<ScalableTarget>(scope.logical("scaling-target"))
            .set("serviceNamespace", "ecs")
            .with("resourceId", &[cluster, service], {
                let resource_id = resource_id.clone();
                move |_| resource_id.into()
            })
            .set("scalableDimension", "ecs:service:DesiredCount")
            .arg("minCapacity", s.min_count, "service.minCount")
            .arg("maxCapacity", s.max_count, "service.maxCount")
            .arg("tags", scope.tags.clone(), "tags"),
    );
    let policy = |qualifier: &str, tracking: Value, argument: &str| {
        scope.register(
            Props::of::<ScalingPolicy>(scope.logical(&format!("scale-{qualifier}")))
                .set("name", n.qualified("scale", qualifier))
                .set("serviceNamespace", "ecs")
                .with("resourceId", &[&target], {
                    let resource_id = resource_id.clone();
                    move |_| resource_id.into()
                })
                .set("scalableDimension", "ecs:service:DesiredCount")
                .arg("targetTracking", tracking, argument),
        )
    };
    let cooldowns = |mut t: PropertyMap| {
        t.insert("scaleInCooldown".into(), s.scale_in_cooldown_seconds.into());
        t.insert(
            "scaleOutCooldown".into(),
            s.scale_out_cooldown_seconds.into(),
        );
        t.insert("disableScaleIn".into(), false.into());
        Value::Object(t)
    };
    let cpu = cooldowns(
        [
            ("targetValue".to_string(), Value::from(s.cpu_target_percent)),
            ("predefinedMetricType".to_string(), CPU_METRIC.into()),
        ]
        .into_iter()
        .collect(),
    );
    let pending = cooldowns(
        [
            (
                "targetValue".to_string(),
                Value::from(s.pending_orders_target_per_task),
            ),
            (
                "customizedMetric".to_string(),
                obj([
                    ("namespace", namespace.as_str().into()),
                    ("metricName", PENDING_ORDERS_METRIC.into()),
                    (
                        "dimensions",
                        Value::Array(vec![obj([
                            ("name", "ServiceName".into()),
                            ("value", n.name("svc").into()),
                        ])]),
                    ),
                    ("statistic", "Average".into()),
                ]),
            ),
        ]
        .into_iter()
        .collect(),
    );
    Scaling {
        cpu: policy("cpu", cpu, "service.cpuTargetPercent"),
        pending_orders: policy(
            "pending-orders",
            pending,
            "service.pendingOrdersTargetPerTask",
        ),
        target,
    }
}
