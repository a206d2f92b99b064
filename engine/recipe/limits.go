package recipe

import (
	"errors"
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/imgpipe/imgpipe/internal/inputlimit"
)

// ReadFile reads an HCL file of at most inputlimit.ConfigBytes. what names
// the file in diagnostics ("recipe", "variable file"). When the file is too
// large, file holds its first line for the diagnostic's snippet.
func ReadFile(filename, what string) (src []byte, file *hcl.File, diags hcl.Diagnostics) {
	src, err := inputlimit.ReadFile(filename, inputlimit.ConfigBytes)
	if err == nil {
		return src, nil, nil
	}
	if d, f := TooLarge(err, what, "Split it into smaller files, or move large text into files the recipe names."); d != nil {
		return nil, f, hcl.Diagnostics{d}
	}
	return nil, nil, hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  fmt.Sprintf("Cannot read %s", what),
		Detail:   fmt.Sprintf("%s. Check the path and its permissions.", err),
	}}
}

// TooLarge turns an *inputlimit.TooLargeError into a diagnostic on the
// file's first line, saying what to do (advice), and the file holding that
// line for the snippet. It returns nil for any other error.
func TooLarge(err error, what, advice string) (*hcl.Diagnostic, *hcl.File) {
	tl, ok := errors.AsType[*inputlimit.TooLargeError](err)
	if !ok {
		return nil, nil
	}
	end := hcl.Pos{Line: 1, Column: len([]rune(string(tl.FirstLine))) + 1, Byte: len(tl.FirstLine)}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  fmt.Sprintf("%s too large", capitalize(what)),
		Detail: fmt.Sprintf("%s is larger than %s, the most imgpipe reads in a %s (real ones are a few KiB; the limit keeps a mistaken or hostile input from taking minutes). %s",
			tl.Path, inputlimit.Size(tl.Limit), what, advice),
		Subject: &hcl.Range{Filename: tl.Path, Start: hcl.InitialPos, End: end},
	}, &hcl.File{Bytes: tl.FirstLine}
}

func capitalize(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// CheckNesting scans HCL source with HCL's lexer (which does not recurse)
// and refuses what would make HCL's recursive parser, or the evaluation of
// what it returns, overflow the stack or take quadratic time: nesting
// deeper than inputlimit.Depth, and a heredoc or string whose literal text
// runs over inputlimit.TemplateLines lines or inputlimit.TemplateBytes. A Go
// stack overflow cannot be recovered from, so this runs before parsing.
//
// Depth counts what makes the syntax tree deeper: brackets, braces,
// parentheses, strings and heredocs, template interpolations and
// directives, and the operators of one expression (a + b + c is a tree as
// deep as it has operators, and so are a ? b : c ? d : e, !!x and
// x[i][j]). It is an upper bound of the tree's depth.
func CheckNesting(src []byte, filename string, start hcl.Pos) hcl.Diagnostics {
	tokens, _ := hclsyntax.LexConfig(src, filename, start)
	return checkTokens(tokens)
}

// CheckExpressionNesting is CheckNesting for a lone expression (-var).
func CheckExpressionNesting(src []byte, filename string, start hcl.Pos) hcl.Diagnostics {
	tokens, _ := hclsyntax.LexExpression(src, filename, start)
	return checkTokens(tokens)
}

// frame is one open bracket, string or template sequence.
type frame struct {
	open hclsyntax.TokenType
	ops  int // operators of the expression being read in this frame
	// literal text in a row, in a string or heredoc
	litLines, litBytes int
}

func checkTokens(tokens hclsyntax.Tokens) hcl.Diagnostics {
	stack := []frame{{open: hclsyntax.TokenNil}}
	depth := 0      // len(stack)-1 plus every frame's ops plus directives
	directives := 0 // open %{ if } and %{ for }
	var prev hclsyntax.TokenType
	tooDeep := func(tok hclsyntax.Token) hcl.Diagnostics {
		return hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Nesting too deep",
			Detail: fmt.Sprintf("The expression or block here is nested more than %d levels deep (brackets, strings, interpolations and operators of one expression count), the most imgpipe parses: HCL's parser is recursive and would run out of stack. Flatten it, for example with locals or a function such as concat, join or merge.",
				inputlimit.Depth),
			Subject: tok.Range.Ptr(),
		}}
	}
	top := func() *frame { return &stack[len(stack)-1] }
	// endOperand resets the operator count: a separator ends an expression.
	endOperand := func() {
		depth -= top().ops
		top().ops = 0
	}
	op := func() {
		top().ops++
		depth++
	}
	push := func(t hclsyntax.TokenType) {
		stack = append(stack, frame{open: t})
		depth++
	}
	pop := func() {
		if len(stack) > 1 {
			depth -= 1 + top().ops
			stack = stack[:len(stack)-1]
		}
	}
	for i, tok := range tokens {
		t := tok.Type
		if t != hclsyntax.TokenStringLit && t != hclsyntax.TokenQuotedLit {
			f := top()
			f.litLines, f.litBytes = 0, 0 // only literal parts in a row are joined
		}
		switch t {
		case hclsyntax.TokenOBrack:
			if isOperandEnd(prev) {
				op() // x[i]: an index is a level of the tree
			}
			push(t)
		case hclsyntax.TokenOBrace, hclsyntax.TokenOParen, hclsyntax.TokenOQuote, hclsyntax.TokenOHeredoc,
			hclsyntax.TokenTemplateInterp, hclsyntax.TokenTemplateControl:
			push(t)
			if t == hclsyntax.TokenTemplateControl {
				if kw := nextKeyword(tokens, i+1); kw == "if" || kw == "for" {
					directives++
					depth++
				} else if (kw == "endif" || kw == "endfor") && directives > 0 {
					directives--
					depth--
				}
			}
		case hclsyntax.TokenCBrace, hclsyntax.TokenCBrack, hclsyntax.TokenCParen, hclsyntax.TokenCQuote,
			hclsyntax.TokenCHeredoc, hclsyntax.TokenTemplateSeqEnd:
			pop()
		case hclsyntax.TokenPlus, hclsyntax.TokenMinus, hclsyntax.TokenStar, hclsyntax.TokenSlash,
			hclsyntax.TokenPercent, hclsyntax.TokenEqualOp, hclsyntax.TokenNotEqual, hclsyntax.TokenLessThan,
			hclsyntax.TokenLessThanEq, hclsyntax.TokenGreaterThan, hclsyntax.TokenGreaterThanEq,
			hclsyntax.TokenAnd, hclsyntax.TokenOr, hclsyntax.TokenBang, hclsyntax.TokenQuestion:
			op()
		case hclsyntax.TokenComma, hclsyntax.TokenEqual:
			endOperand()
		case hclsyntax.TokenNewline:
			if o := top().open; o == hclsyntax.TokenNil || o == hclsyntax.TokenOBrace {
				endOperand()
			}
		case hclsyntax.TokenComment:
			if n := len(tok.Bytes); n > 0 && tok.Bytes[n-1] == '\n' {
				if o := top().open; o == hclsyntax.TokenNil || o == hclsyntax.TokenOBrace {
					endOperand()
				}
			}
		case hclsyntax.TokenStringLit, hclsyntax.TokenQuotedLit:
			f := top()
			f.litLines++
			f.litBytes += len(tok.Bytes)
			if f.litLines > inputlimit.TemplateLines || f.litBytes > inputlimit.TemplateBytes {
				return hcl.Diagnostics{{
					Severity: hcl.DiagError,
					Summary:  "Text too long",
					Detail: fmt.Sprintf("This heredoc or string runs over %d lines or %s, the most imgpipe parses in one (HCL's parser joins its lines in quadratic time). Put the text in a file and name the file instead, as a kickstart is named by fetch-ks.",
						inputlimit.TemplateLines, inputlimit.Size(inputlimit.TemplateBytes)),
					Subject: tok.Range.Ptr(),
				}}
			}
		}
		if depth > inputlimit.Depth {
			return tooDeep(tok)
		}
		if t != hclsyntax.TokenComment {
			prev = t
		}
	}
	return nil
}

// isOperandEnd reports whether a token of this type can end an operand, so
// that a "[" after it indexes instead of opening a tuple.
func isOperandEnd(t hclsyntax.TokenType) bool {
	switch t {
	case hclsyntax.TokenIdent, hclsyntax.TokenCBrack, hclsyntax.TokenCParen, hclsyntax.TokenCBrace,
		hclsyntax.TokenCQuote, hclsyntax.TokenCHeredoc, hclsyntax.TokenNumberLit, hclsyntax.TokenStar:
		return true
	}
	return false
}

// nextKeyword returns the identifier after a template control's "%{" (and
// its "~"), or "".
func nextKeyword(tokens hclsyntax.Tokens, i int) string {
	if i < len(tokens) && tokens[i].Type == hclsyntax.TokenBitwiseNot {
		i++
	}
	if i < len(tokens) && tokens[i].Type == hclsyntax.TokenIdent {
		return string(tokens[i].Bytes)
	}
	return ""
}
