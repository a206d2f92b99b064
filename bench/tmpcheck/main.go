package main

import (
	"fmt"
	"os"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

func main() {
	src, _ := os.ReadFile(os.Args[1])
	f, diags := hclsyntax.ParseConfig(src, os.Args[1], hcl.InitialPos)
	if diags.HasErrors() {
		fmt.Println(diags)
		os.Exit(1)
	}
	ctx := &hcl.EvalContext{Variables: map[string]cty.Value{
		"arch": cty.StringVal("x86_64"),
		"stage": cty.ObjectVal(map[string]cty.Value{
			"tree":  cty.ObjectVal(map[string]cty.Value{"root": cty.StringVal("/S/tree/root")}),
			"disk":  cty.ObjectVal(map[string]cty.Value{"disk.raw": cty.StringVal("/S/disk/disk.raw")}),
			"qcow2": cty.ObjectVal(map[string]cty.Value{"disk.qcow2": cty.StringVal("/S/q/disk.qcow2")}),
		}),
	}}
	for _, b := range f.Body.(*hclsyntax.Body).Blocks {
		fmt.Println("BLOCK", b.Type, b.Labels)
		for name, a := range b.Body.Attributes {
			v, d := a.Expr.Value(ctx)
			if d.HasErrors() {
				fmt.Println(d)
				os.Exit(1)
			}
			fmt.Printf("  %s = %#v\n", name, v.GoString())
			for _, tr := range a.Expr.Variables() {
				fmt.Println("    ref", tr.RootName())
			}
		}
	}
}
