// Command sdkgen generates the orderapi SDKs from schema.json with Pulumi's own code generators
// (pkg/v3/codegen/{nodejs,python,go}), the same code `pulumi package gen-sdk` runs through the language hosts —
// which the Go module proxy here does not serve, so the generators are driven directly.
//
//	go run . -schema ../../schema.json -out ../../sdk [-languages nodejs,python,go]
//
// Each language directory under -out is replaced wholesale, so the output is exactly what the schema gives.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/blang/semver"
	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

const tool = "pulumi-orderapi sdkgen"

// closedLoader resolves only the built-in `pulumi` package: the orderapi schema references no other package,
// and a generator that reached for a plugin would be a bug, not something to download.
type closedLoader struct{}

func (closedLoader) LoadPackage(pkg string, _ *semver.Version) (*schema.Package, error) {
	if pkg == "pulumi" {
		return schema.DefaultPulumiPackage, nil
	}
	return nil, fmt.Errorf("schema.json references package %q; sdkgen resolves only the built-in pulumi package", pkg)
}

func (l closedLoader) LoadPackageV2(_ context.Context, d *schema.PackageDescriptor) (*schema.Package, error) {
	return l.LoadPackage(d.Name, d.Version)
}

func (l closedLoader) LoadPackageReference(pkg string, v *semver.Version) (schema.PackageReference, error) {
	p, err := l.LoadPackage(pkg, v)
	if err != nil {
		return nil, err
	}
	return p.Reference(), nil
}

func (l closedLoader) LoadPackageReferenceV2(
	ctx context.Context, d *schema.PackageDescriptor,
) (schema.PackageReference, error) {
	return l.LoadPackageReference(d.Name, d.Version)
}

func bind(path string) (*schema.Package, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(raw, &spec); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	pkg, diags, err := schema.BindSpec(spec, closedLoader{}, schema.ValidationOptions{})
	if err != nil {
		return nil, err
	}
	if diags.HasErrors() {
		return nil, fmt.Errorf("%s does not bind: %s", path, diags.Error())
	}
	return pkg, nil
}

func generate(language, schemaPath string) (map[string][]byte, error) {
	// Each generator records language info on the package it is given: bind afresh per language.
	pkg, err := bind(schemaPath)
	if err != nil {
		return nil, err
	}
	switch language {
	case "nodejs":
		return nodejs.GeneratePackage(tool, pkg, nil, nil, false, closedLoader{})
	case "python":
		return python.GeneratePackage(tool, pkg, nil, closedLoader{})
	case "go":
		return gogen.GeneratePackage(tool, pkg, nil)
	default:
		return nil, fmt.Errorf("unknown language %q (nodejs, python, go)", language)
	}
}

func write(dir string, files map[string][]byte) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, files[name], 0o644); err != nil {
			return err
		}
	}
	return nil
}

func main() {
	schemaPath := flag.String("schema", "schema.json", "the package schema")
	out := flag.String("out", "sdk", "where sdk/<language> directories go")
	languages := flag.String("languages", "nodejs,python,go", "comma-separated languages")
	flag.Parse()
	for _, language := range strings.Split(*languages, ",") {
		files, err := generate(language, *schemaPath)
		if err != nil {
			fmt.Fprintf(os.Stderr, "sdkgen: %s: %v\n", language, err)
			os.Exit(1)
		}
		if err := write(filepath.Join(*out, language), files); err != nil {
			fmt.Fprintf(os.Stderr, "sdkgen: writing %s: %v\n", language, err)
			os.Exit(1)
		}
		fmt.Printf("sdkgen: %s: %d files\n", language, len(files))
	}
}
