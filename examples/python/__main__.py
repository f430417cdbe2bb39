"""The order-processing platform on AWS from one OrderApiPlatform (see examples/typescript for the full tour)."""

import pulumi
import pulumi_orderapi as orderapi

config = pulumi.Config()

platform = orderapi.OrderApiPlatform(
    "orders",
    environment=config.get("environment") or "prod",
    environment_suffix=config.get("environmentSuffix") or "x7k2",
    tags={"Team": "orders"},
    service=orderapi.ServiceArgs(
        image_tag=config.get("imageTag") or "1.0.0",
        max_count=config.get_int("maxCount") or 12,
        environment={"LOG_LEVEL": "info"},
        secrets={"PAYMENT_API_KEY": config.get_secret("paymentApiKey") or pulumi.Output.secret("change-me")},
        wait_for_steady_state=config.get_bool("waitForSteadyState") is not False,
    ),
    deployment=orderapi.DeploymentArgs(strategy="BLUE_GREEN", bake_time_minutes=10),
    waf=orderapi.WafArgs(rate_limit=100),
    database=orderapi.DatabaseArgs(reader_count=2),
    alarms=orderapi.AlarmsArgs(email=config.get("alarmEmail")),
)

pulumi.export("albDnsName", platform.alb_dns_name)
pulumi.export("ecsServiceArn", platform.ecs_service_arn)
pulumi.export("rdsClusterEndpoint", platform.rds_cluster_endpoint)
pulumi.export("vpcId", platform.vpc_id)
pulumi.export("publicSubnetIds", platform.public_subnet_ids)
pulumi.export("privateSubnetIds", platform.private_subnet_ids)
