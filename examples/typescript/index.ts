// The order-processing platform: a 3-AZ VPC with a NAT gateway per zone, ECS Fargate (Container Insights, at least
// half Fargate Spot) behind an internet-facing ALB with /health checks, path routing and blue/green target groups,
// autoscaling on CPU (70%) and PendingOrders, Aurora MySQL with read replicas, WAF rate limiting (100 requests per
// 5 minutes per IP), Secrets Manager and SSM configuration, alarms and a dashboard, least-privilege IAM — every
// resource named <type>-<env>-<suffix>, tagged, and destroyable.
import * as pulumi from "@pulumi/pulumi";
import * as orderapi from "@orderapi/pulumi-orderapi";

const config = new pulumi.Config();
const environment = config.get("environment") ?? "prod";
const environmentSuffix = config.get("environmentSuffix") ?? "x7k2";

const platform = new orderapi.OrderApiPlatform("orders", {
    environment,
    environmentSuffix,
    vpcCidr: "10.0.0.0/16",
    tags: { Team: "orders", CostCenter: "commerce" },
    service: {
        imageTag: config.get("imageTag") ?? "1.0.0",
        containerPort: 8080,
        cpu: 512,
        memory: 1024,
        desiredCount: 3,
        minCount: 3,
        maxCount: config.getNumber("maxCount") ?? 12,
        healthCheckPath: "/health",
        pathPatterns: ["/orders", "/orders/*", "/health"],
        environment: { LOG_LEVEL: "info", ORDER_CURRENCY: "EUR" },
        secrets: { PAYMENT_API_KEY: config.getSecret("paymentApiKey") ?? pulumi.secret("change-me") },
        spotWeight: 3,
        onDemandWeight: 1,
        onDemandBase: 1,
        cpuTargetPercent: 70,
        pendingOrdersTargetPerTask: 100,
        waitForSteadyState: config.getBoolean("waitForSteadyState") ?? true,
    },
    deployment: { strategy: "BLUE_GREEN", bakeTimeMinutes: 10, rollbackOnAlarm: true },
    loadBalancer: { certificateArn: config.get("certificateArn") },
    waf: { rateLimit: 100 },
    database: { readerCount: 2, instanceClass: "db.r6g.large", backupRetentionDays: 7 },
    alarms: { email: config.get("alarmEmail"), errorRatePercent: 5 },
});

export const albDnsName = platform.albDnsName;
export const ecsServiceArn = platform.ecsServiceArn;
export const rdsClusterEndpoint = platform.rdsClusterEndpoint;
export const rdsReaderEndpoint = platform.rdsReaderEndpoint;
export const ecrRepositoryUrl = platform.ecrRepositoryUrl;
export const dashboardName = platform.dashboardName;
export const vpcId = platform.vpcId;
export const publicSubnetIds = platform.publicSubnetIds;
export const privateSubnetIds = platform.privateSubnetIds;
