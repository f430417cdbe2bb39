// The order-processing platform on AWS from one OrderApiPlatform (see examples/typescript for the full tour).
package main

import (
	"github.com/orderapi/pulumi-orderapi/sdk/go/orderapi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

// program is the whole Pulumi program: main.go runs it with pulumi.Run, inline.go through the Automation API.
func program(ctx *pulumi.Context) error {
	cfg := config.New(ctx, "")
	environment := cfg.Get("environment")
	if environment == "" {
		environment = "prod"
	}
	suffix := cfg.Get("environmentSuffix")
	if suffix == "" {
		suffix = "x7k2"
	}
	waitForSteadyState := true
	if v, err := cfg.TryBool("waitForSteadyState"); err == nil {
		waitForSteadyState = v
	}
	platform, err := orderapi.NewOrderApiPlatform(ctx, "orders", &orderapi.OrderApiPlatformArgs{
		Environment:       pulumi.String(environment),
		EnvironmentSuffix: pulumi.String(suffix),
		Tags:              pulumi.StringMap{"Team": pulumi.String("orders")},
		Service: &orderapi.ServiceArgs{
			ImageTag:           pulumi.StringPtr("1.0.0"),
			MaxCount:           pulumi.IntPtr(12),
			Environment:        pulumi.StringMap{"LOG_LEVEL": pulumi.String("info")},
			Secrets:            pulumi.StringMap{"PAYMENT_API_KEY": cfg.RequireSecret("paymentApiKey")},
			WaitForSteadyState: pulumi.BoolPtr(waitForSteadyState),
		},
		Deployment: &orderapi.DeploymentArgs{Strategy: pulumi.StringPtr("BLUE_GREEN")},
		Waf:        &orderapi.WafArgs{RateLimit: pulumi.IntPtr(100)},
		Database:   &orderapi.DatabaseArgs{ReaderCount: pulumi.IntPtr(2)},
	})
	if err != nil {
		return err
	}
	ctx.Export("albDnsName", platform.AlbDnsName)
	ctx.Export("ecsServiceArn", platform.EcsServiceArn)
	ctx.Export("rdsClusterEndpoint", platform.RdsClusterEndpoint)
	ctx.Export("vpcId", platform.VpcId)
	ctx.Export("publicSubnetIds", platform.PublicSubnetIds)
	ctx.Export("privateSubnetIds", platform.PrivateSubnetIds)
	return nil
}
