package bigconfig

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// head is a valid recipe's build block, which every recipe starts with.
const head = `build {
  name    = "big"
  version = "1"
  arches  = ["x86_64"]
}
`

// Kinds are the kinds Write knows, each with what n means.
var Kinds = map[string]string{
	"recipe-bytes":           "a valid recipe followed by comment lines, n bytes in all",
	"recipe-nesting":         "a local value nested n parentheses deep (the ( on line 7)",
	"recipe-heredoc":         "an exec stage whose command is a heredoc of n lines",
	"recipe-locals":          "n local values, each the previous one plus 1 (a1 = local.a0 + 1)",
	"recipe-locals-reversed": "the same chain declared last first, so each waits for a later one",
	"recipe-undeclared":      "n local values, each referring to a local value that is not declared",
	"ini-unknown-keys":       "a valid Koji INI with n unknown keys in [image-build]",
	"ini-unknown-refs":       "a Koji INI with n [DEFAULT] keys and n keys in [image-build] that each interpolate a key that is not there",
	"var-nesting":            "a variable file setting greeting to a value nested n deep",
}

// Write writes the file of kind with size n to w.
func Write(w io.Writer, kind string, n int) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	switch kind {
	case "recipe-bytes":
		bw.WriteString(head)
		written := len(head)
		line := "# " + strings.Repeat("padding ", 9) + "\n"
		for written < n {
			bw.WriteString(line)
			written += len(line)
		}
	case "recipe-nesting":
		bw.WriteString(head)
		bw.WriteString("locals {\n  x = ")
		bw.WriteString(strings.Repeat("(", n))
		bw.WriteString("1")
		bw.WriteString(strings.Repeat(")", n))
		bw.WriteString("\n}\n")
	case "recipe-heredoc":
		bw.WriteString(head)
		bw.WriteString("stage \"exec\" \"script\" {\n  command = [\"sh\", \"-c\", <<-EOT\n")
		for i := range n {
			fmt.Fprintf(bw, "    echo line %d of a long script\n", i)
		}
		bw.WriteString("    EOT\n  ]\n}\n")
	case "recipe-locals", "recipe-locals-reversed":
		bw.WriteString(head)
		bw.WriteString("locals {\n")
		lines := []string{"  a0 = 0\n"}
		for i := 1; i < n; i++ {
			lines = append(lines, fmt.Sprintf("  a%d = local.a%d + 1\n", i, i-1))
		}
		if kind == "recipe-locals-reversed" {
			slices.Reverse(lines)
		}
		for _, l := range lines {
			bw.WriteString(l)
		}
		bw.WriteString("}\n")
	case "recipe-undeclared":
		bw.WriteString(head)
		bw.WriteString("locals {\n")
		for i := range n {
			fmt.Fprintf(bw, "  a%d = local.b%d\n", i, i)
		}
		bw.WriteString("}\n")
	case "ini-unknown-keys":
		bw.WriteString("[image-build]\nname = big\nversion = 1\ntarget = f41-candidate\n" +
			"install_tree = https://example.org/os/\narches = x86_64\ndistro = Fedora-41\nkickstart = big.ks\n")
		for i := range n {
			fmt.Fprintf(bw, "unknown_key_%d = value\n", i)
		}
	case "ini-unknown-refs":
		bw.WriteString("[DEFAULT]\n")
		for i := range n {
			fmt.Fprintf(bw, "default_%d = value\n", i)
		}
		bw.WriteString("[image-build]\nname = big\nversion = 1\n")
		for i := range n {
			fmt.Fprintf(bw, "key_%d = %%(missing_%d)s\n", i, i)
		}
	case "var-nesting":
		bw.WriteString("greeting = ")
		bw.WriteString(strings.Repeat("(", n))
		bw.WriteString(`"hello"`)
		bw.WriteString(strings.Repeat(")", n))
		bw.WriteString("\n")
	default:
		return fmt.Errorf("unknown kind %q", kind)
	}
	return bw.Flush()
}

// WriteFile writes the file of kind with size n at path.
func WriteFile(path, kind string, n int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := Write(f, kind, n); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
