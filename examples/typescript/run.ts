// Deploys this example (index.ts, unchanged) through Pulumi's Automation API as an *inline* program: the Node.js
// runtime runs in this process and the CLI is started as `pulumi up --client=...`, so no `pulumi-language-nodejs`
// host is needed. The end-to-end tests (tests/e2e/test_language_typescript.py) run it; so can you, after
// `make dist`, `npm install` and `npx tsc`:
//
//     node bin/run.js up|destroy
//
// Environment: ORDERAPI_E2E_WORK_DIR (the project directory the CLI runs in), ORDERAPI_E2E_STACK,
// ORDERAPI_E2E_CONFIG (JSON {"key": {"value": "...", "secret": false}}, e.g. orderapi:endpoint), ORDERAPI_E2E_RESULT
// (where the JSON result goes: {"outputs": {...}, "changes": {"create": 61}}), plus the CLI's own
// (PULUMI_BACKEND_URL, PULUMI_CONFIG_PASSPHRASE, PULUMI_HOME). Progress goes to stderr.
import * as fs from "fs";
import { ConfigMap, LocalWorkspace } from "@pulumi/pulumi/automation";

const project = "orderapi-typescript"; // Pulumi.yaml's name

function required(name: string): string {
    const value = process.env[name];
    if (!value) {
        throw new Error(`run.ts: ${name} is not set`);
    }
    return value;
}

async function main(action: string): Promise<void> {
    const stack = await LocalWorkspace.createOrSelectStack(
        {
            stackName: required("ORDERAPI_E2E_STACK"),
            projectName: project,
            // The example's module, run inside the deployment; its exports are the stack outputs.
            program: async () => ({ ...require("./index") }),
        },
        { workDir: required("ORDERAPI_E2E_WORK_DIR"), projectSettings: { name: project, runtime: "nodejs" } },
    );
    await stack.setAllConfig(JSON.parse(required("ORDERAPI_E2E_CONFIG")) as ConfigMap);
    const log = (line: string) => process.stderr.write(line);
    let result: object;
    if (action === "up") {
        const up = await stack.up({ onOutput: log });
        const outputs = Object.fromEntries(Object.entries(up.outputs).map(([k, v]) => [k, v.value]));
        result = { outputs, changes: up.summary.resourceChanges ?? {} };
    } else if (action === "destroy") {
        const destroyed = await stack.destroy({ onOutput: log });
        result = { changes: destroyed.summary.resourceChanges ?? {} };
    } else {
        throw new Error(`run.ts: unknown action '${action}' (up, destroy)`);
    }
    fs.writeFileSync(required("ORDERAPI_E2E_RESULT"), JSON.stringify(result));
}

main(process.argv[2] ?? "up").catch((err) => {
    console.error(err);
    process.exit(1);
});
