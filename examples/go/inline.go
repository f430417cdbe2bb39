//go:build inline

// Deploys this example (program.go, as `pulumi up` runs it) through Pulumi's Automation API as an *inline*
// program: the Go program runs in this process and the CLI is started as `pulumi up --client=...`, so no
// `pulumi-language-go` host is needed. The end-to-end tests (tests/e2e/test_language_go.py) build and run it:
//
//	go build -tags inline -o run . && ./run up|destroy
//
// Environment: ORDERAPI_E2E_WORK_DIR (the project directory the CLI runs in), ORDERAPI_E2E_STACK,
// ORDERAPI_E2E_CONFIG (JSON {"key": {"value": "...", "secret": false}}, e.g. orderapi:endpoint), ORDERAPI_E2E_RESULT
// (where the JSON result goes: {"outputs": {...}, "changes": {"create": 61}}), plus the CLI's own
// (PULUMI_BACKEND_URL, PULUMI_CONFIG_PASSPHRASE, PULUMI_HOME). Progress goes to stderr.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
)

const project = "orderapi-go" // Pulumi.yaml's name

func required(name string) string {
	value := os.Getenv(name)
	if value == "" {
		fmt.Fprintf(os.Stderr, "inline: %s is not set\n", name)
		os.Exit(2)
	}
	return value
}

func run(ctx context.Context, action string) error {
	stack, err := auto.UpsertStackInlineSource(ctx, required("ORDERAPI_E2E_STACK"), project, program,
		auto.WorkDir(required("ORDERAPI_E2E_WORK_DIR")),
		auto.Project(workspace.Project{
			Name:    tokens.PackageName(project),
			Runtime: workspace.NewProjectRuntimeInfo("go", nil),
		}))
	if err != nil {
		return err
	}
	var config auto.ConfigMap
	if err := json.Unmarshal([]byte(required("ORDERAPI_E2E_CONFIG")), &config); err != nil {
		return fmt.Errorf("ORDERAPI_E2E_CONFIG: %w", err)
	}
	if err := stack.SetAllConfig(ctx, config); err != nil {
		return err
	}
	result := map[string]any{}
	switch action {
	case "up":
		up, err := stack.Up(ctx, optup.ProgressStreams(os.Stderr))
		if err != nil {
			return err
		}
		outputs := map[string]any{}
		for k, v := range up.Outputs {
			outputs[k] = v.Value
		}
		result["outputs"] = outputs
		result["changes"] = changes(up.Summary.ResourceChanges)
	case "destroy":
		destroyed, err := stack.Destroy(ctx, optdestroy.ProgressStreams(os.Stderr))
		if err != nil {
			return err
		}
		result["changes"] = changes(destroyed.Summary.ResourceChanges)
	default:
		return fmt.Errorf("unknown action %q (up, destroy)", action)
	}
	text, err := json.Marshal(result)
	if err != nil {
		return err
	}
	return os.WriteFile(required("ORDERAPI_E2E_RESULT"), text, 0o644)
}

func changes(c *map[string]int) map[string]int {
	if c == nil {
		return map[string]int{}
	}
	return *c
}

func main() {
	action := "up"
	if len(os.Args) > 1 {
		action = os.Args[1]
	}
	if err := run(context.Background(), action); err != nil {
		fmt.Fprintf(os.Stderr, "inline: %v\n", err)
		os.Exit(1)
	}
}
