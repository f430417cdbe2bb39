//go:build !inline

// `pulumi up` with the Go language host runs this; `go build -tags inline` builds inline.go's runner instead.
package main

import "github.com/pulumi/pulumi/sdk/v3/go/pulumi"

func main() {
	pulumi.Run(program)
}
